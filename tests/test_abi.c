// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ABI headers against docs/ABI.md: every "#### `struct NAME` (N bytes)"
 * section of the document lists each field with its offset and size, and
 * this test checks them against the compiler's view of the include/vmi/ headers in
 * both directions (a documented field the header lacks, a header field the
 * document forgets, a size or offset that differs). It also checks the
 * byte-order helpers and the event-index rule the document states.
 *
 * Usage: test_abi [ABI.md] (default: docs/ABI.md of the source tree)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmi/blk.h>
#include <vmi/dev.h>
#include <vmi/net.h>
#include <vmi/ring.h>
#include <vmi/rng.h>
#include <vmi/rom.h>

struct abi_field {
	const char *type;
	const char *name;
	size_t offset;
	size_t size;
	int seen;
};

struct abi_struct {
	const char *name;
	size_t size;
	int seen;
};

#define F(T, f)                                                              \
	{                                                                    \
#T, #f, offsetof(struct T, f), sizeof(((struct T *)0)->f), 0 \
	}
#define S(T)                            \
	{                               \
#T, sizeof(struct T), 0 \
	}

static struct abi_struct structs[] = {
	S(vmi_rom_header),
	S(vmi_rom_ext),
	S(vmi_rom_pci_header),
	S(vmi_rom_pnp_header),
	S(vmi_rom_call),
	S(vmi_rom_cpuid),
	S(vmi_rom_desc_ptr),
	S(vmi_rom_notify_ctx),
	S(vmi_rom_lazy_entry),
	S(vmi_rom_cpu),
	S(vmi_rom_dev),
	S(vmi_ring_hdr),
	S(vmi_seg),
	S(vmi_blk_req),
	S(vmi_blk_rsp),
	S(vmi_blk_config),
	S(vmi_net_hdr),
	S(vmi_net_tx),
	S(vmi_net_tx_rsp),
	S(vmi_net_rx_buf),
	S(vmi_net_rx_rsp),
	S(vmi_net_config),
	S(vmi_shm_hdr),
	S(vmi_shm_queue),
	S(vmi_msg),
	S(vmi_rng_req),
	S(vmi_rng_rsp),
	S(vmi_rng_config),
	S(vmi_blk_range),
};

static struct abi_field fields[] = {
	F(vmi_rom_header, rom_signature),
	F(vmi_rom_header, rom_length),
	F(vmi_rom_header, rom_entry),
	F(vmi_rom_header, rom_pad0),
	F(vmi_rom_header, vrom_signature),
	F(vmi_rom_header, api_version_min),
	F(vmi_rom_header, api_version_maj),
	F(vmi_rom_header, jump_slots),
	F(vmi_rom_header, reserved1),
	F(vmi_rom_header, virtual_top),
	F(vmi_rom_header, reserved2),
	F(vmi_rom_header, license_offs),
	F(vmi_rom_header, pci_header_offs),
	F(vmi_rom_header, pnp_header_offs),
	F(vmi_rom_header, rom_pad3),
	F(vmi_rom_header, ext),
	F(vmi_rom_header, vmi_init),
	F(vmi_rom_header, get_reloc),
	F(vmi_rom_ext, magic),
	F(vmi_rom_ext, version_major),
	F(vmi_rom_ext, version_minor),
	F(vmi_rom_ext, flavour),
	F(vmi_rom_ext, flags),
	F(vmi_rom_ext, image_size),
	F(vmi_rom_ext, code_offset),
	F(vmi_rom_ext, code_size),
	F(vmi_rom_ext, call_offset),
	F(vmi_rom_ext, call_count),
	F(vmi_rom_ext, call_entry_size),
	F(vmi_rom_ext, dev_offset),
	F(vmi_rom_ext, dev_count),
	F(vmi_rom_ext, dev_entry_size),
	F(vmi_rom_ext, strings_offset),
	F(vmi_rom_ext, strings_size),
	F(vmi_rom_ext, cycle_freq),
	F(vmi_rom_ext, reserved),
	F(vmi_rom_pci_header, sig),
	F(vmi_rom_pci_header, vendor_id),
	F(vmi_rom_pci_header, device_id),
	F(vmi_rom_pci_header, vpd_data),
	F(vmi_rom_pci_header, size),
	F(vmi_rom_pci_header, rev),
	F(vmi_rom_pci_header, class_code),
	F(vmi_rom_pci_header, chunks),
	F(vmi_rom_pci_header, rom_version_min),
	F(vmi_rom_pci_header, rom_version_maj),
	F(vmi_rom_pci_header, code_type),
	F(vmi_rom_pci_header, last_rom),
	F(vmi_rom_pci_header, reserved),
	F(vmi_rom_pnp_header, sig),
	F(vmi_rom_pnp_header, rev),
	F(vmi_rom_pnp_header, size),
	F(vmi_rom_pnp_header, next),
	F(vmi_rom_pnp_header, res),
	F(vmi_rom_pnp_header, dev_id),
	F(vmi_rom_pnp_header, manufacturer_offset),
	F(vmi_rom_pnp_header, product_offset),
	F(vmi_rom_call, call),
	F(vmi_rom_call, type),
	F(vmi_rom_call, reserved),
	F(vmi_rom_call, offset),
	F(vmi_rom_cpuid, eax),
	F(vmi_rom_cpuid, ebx),
	F(vmi_rom_cpuid, ecx),
	F(vmi_rom_cpuid, edx),
	F(vmi_rom_desc_ptr, limit),
	F(vmi_rom_desc_ptr, base),
	F(vmi_rom_notify_ctx, size),
	F(vmi_rom_notify_ctx, version),
	F(vmi_rom_notify_ctx, nr_queues),
	F(vmi_rom_notify_ctx, peer_id),
	F(vmi_rom_notify_ctx, kick_fds),
	F(vmi_rom_notify_ctx, irq_fds),
	F(vmi_rom_notify_ctx, regs),
	F(vmi_rom_notify_ctx, reserved),
	F(vmi_rom_lazy_entry, entry),
	F(vmi_rom_lazy_entry, value),
	F(vmi_rom_cpu, calls),
	F(vmi_rom_cpu, lazy_mode),
	F(vmi_rom_cpu, lazy_count),
	F(vmi_rom_cpu, lazy_flushes),
	F(vmi_rom_cpu, lazy),
	F(vmi_rom_dev, dev_class),
	F(vmi_rom_dev, instance),
	F(vmi_rom_dev, transport),
	F(vmi_rom_dev, nr_queues),
	F(vmi_rom_dev, ring_slots),
	F(vmi_rom_dev, data_size),
	F(vmi_rom_dev, features),
	F(vmi_rom_dev, shm_size),
	F(vmi_rom_dev, ring_offset),
	F(vmi_rom_dev, ring_stride),
	F(vmi_rom_dev, data_offset),
	F(vmi_rom_dev, locator),
	F(vmi_rom_dev, locator_len),
	F(vmi_rom_dev, reserved),
	F(vmi_ring_hdr, prod),
	F(vmi_ring_hdr, pad_prod),
	F(vmi_ring_hdr, cons),
	F(vmi_ring_hdr, pad_cons),
	F(vmi_ring_hdr, prod_event),
	F(vmi_ring_hdr, pad_prod_event),
	F(vmi_ring_hdr, cons_event),
	F(vmi_ring_hdr, pad_cons_event),
	F(vmi_seg, offset),
	F(vmi_seg, len),
	F(vmi_blk_req, id),
	F(vmi_blk_req, sector),
	F(vmi_blk_req, op),
	F(vmi_blk_req, flags),
	F(vmi_blk_req, nr_segs),
	F(vmi_blk_req, nr_sectors),
	F(vmi_blk_req, reserved),
	F(vmi_blk_req, seg),
	F(vmi_blk_range, sector),
	F(vmi_blk_range, nr_sectors),
	F(vmi_blk_range, flags),
	F(vmi_blk_rsp, id),
	F(vmi_blk_rsp, status),
	F(vmi_blk_rsp, len),
	F(vmi_blk_config, magic),
	F(vmi_blk_config, version_major),
	F(vmi_blk_config, version_minor),
	F(vmi_blk_config, capacity),
	F(vmi_blk_config, logical_block_size),
	F(vmi_blk_config, physical_block_size),
	F(vmi_blk_config, buf_align),
	F(vmi_blk_config, max_segs),
	F(vmi_blk_config, max_discard_segs),
	F(vmi_blk_config, max_transfer),
	F(vmi_blk_config, max_discard_sectors),
	F(vmi_blk_config, max_write_zeroes_sectors),
	F(vmi_blk_config, discard_granularity),
	F(vmi_blk_config, alignment_offset),
	F(vmi_blk_config, min_io_size),
	F(vmi_blk_config, opt_io_size),
	F(vmi_blk_config, writeback),
	F(vmi_blk_config, reserved0),
	F(vmi_blk_config, reserved),
	F(vmi_net_hdr, flags),
	F(vmi_net_hdr, gso_type),
	F(vmi_net_hdr, hdr_len),
	F(vmi_net_hdr, gso_size),
	F(vmi_net_hdr, csum_start),
	F(vmi_net_hdr, csum_offset),
	F(vmi_net_hdr, num_buffers),
	F(vmi_net_tx, id),
	F(vmi_net_tx, hdr),
	F(vmi_net_tx, nr_segs),
	F(vmi_net_tx, flags),
	F(vmi_net_tx, seg),
	F(vmi_net_tx, reserved),
	F(vmi_net_tx_rsp, id),
	F(vmi_net_tx_rsp, status),
	F(vmi_net_tx_rsp, reserved),
	F(vmi_net_rx_buf, id),
	F(vmi_net_rx_buf, seg),
	F(vmi_net_rx_rsp, id),
	F(vmi_net_rx_rsp, len),
	F(vmi_net_rx_rsp, reserved0),
	F(vmi_net_rx_rsp, hdr),
	F(vmi_net_rx_rsp, reserved1),
	F(vmi_net_config, magic),
	F(vmi_net_config, version_major),
	F(vmi_net_config, version_minor),
	F(vmi_net_config, mac),
	F(vmi_net_config, mtu),
	F(vmi_net_config, max_queue_pairs),
	F(vmi_net_config, reserved0),
	F(vmi_net_config, max_packet),
	F(vmi_net_config, reserved),
	F(vmi_shm_hdr, magic),
	F(vmi_shm_hdr, version_major),
	F(vmi_shm_hdr, version_minor),
	F(vmi_shm_hdr, dev_class),
	F(vmi_shm_hdr, nr_queues),
	F(vmi_shm_hdr, hdr_size),
	F(vmi_shm_hdr, shm_size),
	F(vmi_shm_hdr, device_features),
	F(vmi_shm_hdr, driver_features),
	F(vmi_shm_hdr, driver_status),
	F(vmi_shm_hdr, device_status),
	F(vmi_shm_hdr, generation),
	F(vmi_shm_hdr, heartbeat),
	F(vmi_shm_hdr, queue_offset),
	F(vmi_shm_hdr, queue_entry_size),
	F(vmi_shm_hdr, config),
	F(vmi_shm_hdr, queue),
	F(vmi_shm_hdr, reserved),
	F(vmi_shm_queue, req_offset),
	F(vmi_shm_queue, rsp_offset),
	F(vmi_shm_queue, nr_slots),
	F(vmi_shm_queue, req_slot_size),
	F(vmi_shm_queue, rsp_slot_size),
	F(vmi_shm_queue, data_offset),
	F(vmi_shm_queue, data_size),
	F(vmi_shm_queue, vector),
	F(vmi_shm_queue, kind),
	F(vmi_msg, magic),
	F(vmi_msg, version),
	F(vmi_msg, type),
	F(vmi_msg, dev_class),
	F(vmi_msg, instance),
	F(vmi_msg, nr_queues),
	F(vmi_msg, nr_fds),
	F(vmi_msg, status),
	F(vmi_msg, reserved0),
	F(vmi_msg, features),
	F(vmi_msg, shm_size),
	F(vmi_msg, reserved),
	F(vmi_rng_req, id),
	F(vmi_rng_req, seg),
	F(vmi_rng_req, reserved),
	F(vmi_rng_rsp, id),
	F(vmi_rng_rsp, status),
	F(vmi_rng_rsp, len),
	F(vmi_rng_config, magic),
	F(vmi_rng_config, version_major),
	F(vmi_rng_config, version_minor),
	F(vmi_rng_config, max_request),
	F(vmi_rng_config, reserved),
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *abi_doc_path;

static struct abi_struct *find_struct(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(structs); i++)
		if (!strcmp(structs[i].name, name))
			return &structs[i];
	return NULL;
}

static struct abi_field *find_field(const char *type, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(fields[i].type, type) &&
		    !strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

/* Trim blanks around a table cell in place. */
static char *cell(char *s)
{
	char *e;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		*--e = '\0';
	return s;
}

/* Parse "| off | size | name | ..." into its first three cells. */
static int parse_row(char *line, size_t *off, size_t *size, char **name)
{
	char *c[3], *end;
	int i;

	if (line[0] != '|')
		return 0;
	line++;
	for (i = 0; i < 3; i++) {
		char *bar = strchr(line, '|');

		if (!bar)
			return 0;
		*bar = '\0';
		c[i] = cell(line);
		line = bar + 1;
	}
	*off = strtoul(c[0], &end, 0);
	if (!*c[0] || *end)
		return 0; /* a header or separator row */
	*size = strtoul(c[1], &end, 0);
	if (!*c[1] || *end)
		return -1;
	*name = c[2];
	return 1;
}

static void test_doc_matches_headers(void **state)
{
	struct abi_struct *cur = NULL;
	char line[1024];
	int errors = 0, in_table = 0;
	size_t i;
	FILE *f;

	(void)state;
	f = fopen(abi_doc_path, "r");
	if (!f)
		fail_msg("cannot open %s", abi_doc_path);

	while (fgets(line, sizeof(line), f)) {
		char name[64];
		size_t off, size, bytes;
		char *fname;
		int r;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "#### `struct %63[a-z0-9_]` (%zu bytes)", name,
			   &bytes) == 2) {
			cur = find_struct(name);
			if (!cur) {
				print_error("%s: struct %s not in the test\n",
					    abi_doc_path, name);
				errors++;
				continue;
			}
			cur->seen = 1;
			in_table = 0;
			if (bytes != cur->size) {
				print_error(
					"struct %s: doc says %zu bytes, header %zu\n",
					name, bytes, cur->size);
				errors++;
			}
			continue;
		}
		if (!strncmp(line, "#", 1)) {
			cur = NULL;
			continue;
		}
		if (!cur)
			continue;
		/* The field table is the first table after the heading. */
		if (line[0] != '|') {
			if (in_table)
				cur = NULL;
			continue;
		}
		in_table = 1;
		r = parse_row(line, &off, &size, &fname);
		if (r < 0) {
			print_error("struct %s: bad size in row '%s'\n",
				    cur->name, line);
			errors++;
		}
		if (r <= 0)
			continue;

		struct abi_field *fld = find_field(cur->name, fname);
		if (!fld) {
			print_error("struct %s: doc field '%s' not in header\n",
				    cur->name, fname);
			errors++;
			continue;
		}
		fld->seen = 1;
		if (fld->offset != off || fld->size != size) {
			print_error(
				"struct %s.%s: doc offset %zu size %zu, header offset %zu size %zu\n",
				cur->name, fname, off, size, fld->offset,
				fld->size);
			errors++;
		}
	}
	fclose(f);

	for (i = 0; i < ARRAY_SIZE(structs); i++)
		if (!structs[i].seen) {
			print_error("struct %s is not documented\n",
				    structs[i].name);
			errors++;
		}
	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (!fields[i].seen) {
			print_error("%s.%s is not documented\n", fields[i].type,
				    fields[i].name);
			errors++;
		}
	assert_int_equal(errors, 0);
}

static void test_byte_order(void **state)
{
	union {
		vmi_le64 v64;
		vmi_le32 v32;
		vmi_le16 v16;
		uint8_t b[8];
	} u;

	(void)state;
	u.v32 = vmi_cpu_to_le32(0x11223344u);
	assert_memory_equal(u.b, "\x44\x33\x22\x11", 4);
	assert_int_equal(vmi_le32_to_cpu(u.v32), 0x11223344u);
	u.v16 = vmi_cpu_to_le16(0xA55A);
	assert_memory_equal(u.b, "\x5A\xA5", 2);
	u.v64 = vmi_cpu_to_le64(0x0102030405060708ull);
	assert_memory_equal(u.b, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	assert_true(vmi_le64_to_cpu(u.v64) == 0x0102030405060708ull);
}

static void test_magics_spell_their_names(void **state)
{
	vmi_le32 v;

	(void)state;
	v = vmi_cpu_to_le32(VMI_ROM_VROM_SIGNATURE);
	assert_memory_equal(&v, "cVmi", 4);
	v = vmi_cpu_to_le32(VMI_ROM_EXT_MAGIC);
	assert_memory_equal(&v, "VMPV", 4);
	v = vmi_cpu_to_le32(VMI_SHM_MAGIC);
	assert_memory_equal(&v, "VMSH", 4);
	v = vmi_cpu_to_le32(VMI_MSG_MAGIC);
	assert_memory_equal(&v, "VMTP", 4);
	v = vmi_cpu_to_le32(VMI_RNG_CONFIG_MAGIC);
	assert_memory_equal(&v, "VMRN", 4);
	v = vmi_cpu_to_le32(VMI_BLK_CONFIG_MAGIC);
	assert_memory_equal(&v, "VMBK", 4);
	v = vmi_cpu_to_le32(VMI_ROM_PCI_SIGNATURE);
	assert_memory_equal(&v, "PCIR", 4);
	v = vmi_cpu_to_le32(VMI_ROM_JUMP_ENDBR64);
	assert_memory_equal(&v, "\xF3\x0F\x1E\xFA", 4);
}

/* The event rule as docs/ABI.md states it: notify iff event in [old, new). */
static void test_need_event(void **state)
{
	(void)state;
	assert_true(vmi_ring_need_event(5, 6, 5));
	assert_false(vmi_ring_need_event(6, 6, 5));
	assert_false(vmi_ring_need_event(4, 6, 5));
	assert_true(vmi_ring_need_event(7, 10, 5));
	assert_false(vmi_ring_need_event(5, 5, 5)); /* nothing moved */
	/* Across the 2^32 wrap. */
	assert_true(vmi_ring_need_event(0xFFFFFFFFu, 2, 0xFFFFFFFEu));
	assert_true(vmi_ring_need_event(1, 2, 0xFFFFFFFEu));
	assert_false(vmi_ring_need_event(2, 2, 0xFFFFFFFEu));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_matches_headers),
		cmocka_unit_test(test_byte_order),
		cmocka_unit_test(test_magics_spell_their_names),
		cmocka_unit_test(test_need_event),
	};

	abi_doc_path = argc > 1 ? argv[1] : VMI_SRCDIR "/docs/ABI.md";
	return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}

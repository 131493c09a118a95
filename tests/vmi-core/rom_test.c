// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers and the table of broken images shared by the vmi-core tests
 * (see rom_test.h). Each mutation breaks one rule of docs/ABI.md part (a)
 * in an otherwise good image built by vmi-rom, and names the message the
 * validator must give for it.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include "rom_test.h"

const char *rom_paths[ROM_NR_FLAVOURS];
struct rom_image roms[ROM_NR_FLAVOURS];

/*
 * What GS points at in every test thread: its first word is %gs:0, where a
 * guest kernel keeps the pointer to the CPU's struct vmi_rom_cpu.
 */
static uint64_t rom_test_gs[8] __attribute__((aligned(64)));

void rom_test_set_cpu(struct vmi_rom_cpu *cpu)
{
	__atomic_store_n(&rom_test_gs[0], (uint64_t)(uintptr_t)cpu,
			 __ATOMIC_SEQ_CST);
}

static int rom_test_setup(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < ROM_NR_FLAVOURS; i++)
		rom_test_load(rom_paths[i], &roms[i]);
	return 0;
}

int rom_test_run(const struct CMUnitTest *tests, size_t nr, int argc,
		 char **argv, int first, const char *usage)
{
	if (argc != first + 2) {
		fprintf(stderr, "usage: %s %sPROCESS.rom QEMU-IVSHMEM.rom\n",
			argv[0], usage);
		return 2;
	}
	/* Threads inherit the GS base; ROM code reads %gs:0. */
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, rom_test_gs)) {
		perror("arch_prctl(ARCH_SET_GS)");
		return 1;
	}
	rom_paths[ROM_PROCESS] = argv[first];
	rom_paths[ROM_IVSHMEM] = argv[first + 1];
	return _cmocka_run_group_tests(argv[0], tests, nr, rom_test_setup,
				       NULL);
}

void rom_test_load(const char *path, struct rom_image *img)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	img->p = malloc(n);
	assert_non_null(img->p);
	img->len = fread(img->p, 1, n, f);
	assert_int_equal(img->len, (size_t)n);
	fclose(f);
}

void rom_test_fix_checksum(uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i++)
		sum += p[i];
	p[len - 1] = (uint8_t)-sum;
}

struct vmi_rom_header *rom_test_hdr(uint8_t *p)
{
	return (struct vmi_rom_header *)p;
}

struct vmi_rom_call *rom_test_call(uint8_t *p, unsigned int i)
{
	return (struct vmi_rom_call
			*)(p + le32toh(rom_test_hdr(p)->ext.call_offset) +
			   i * sizeof(struct vmi_rom_call));
}

struct vmi_rom_call *rom_test_call_of(uint8_t *p, unsigned int call)
{
	unsigned int i;

	for (i = 0; i < le16toh(rom_test_hdr(p)->ext.call_count); i++)
		if (le16toh(rom_test_call(p, i)->call) == call)
			return rom_test_call(p, i);
	fail_msg("call %u is not in the call table", call);
	return NULL;
}

struct vmi_rom_dev *rom_test_dev(uint8_t *p, unsigned int i)
{
	return (struct vmi_rom_dev *)(p +
				      le32toh(rom_test_hdr(p)->ext.dev_offset) +
				      i * sizeof(struct vmi_rom_dev));
}

void *rom_test_map_exec(const struct rom_image *img)
{
	void *p = mmap(NULL, img->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	memcpy(p, img->p, img->len);
	assert_int_equal(mprotect(p, img->len, PROT_READ | PROT_EXEC), 0);
	return p;
}

void rom_test_unmap(void *p, size_t len)
{
	munmap(p, len);
}

char *rom_test_write_temp(const void *p, size_t len)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *path;
	int fd;

	assert_true(asprintf(&path, "%s/vmi-rom-test.XXXXXX", dir) > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	close(fd);
	return path;
}

void rom_test_mutate(const struct rom_image *good, const struct rom_mutation *m,
		     struct rom_image *out)
{
	out->len = good->len;
	out->p = malloc(good->len);
	assert_non_null(out->p);
	memcpy(out->p, good->p, good->len);
	m->mutate(out->p, &out->len);
	if (!m->keep_sum)
		rom_test_fix_checksum(out->p, good->len);
}

/* ---- The mutations -------------------------------------------------- */

#define H(p) rom_test_hdr(p)
#define SIZE(p) le32toh(H(p)->ext.image_size)

static void m_trunc_header(uint8_t *p, size_t *len)
{
	(void)p;
	*len = sizeof(struct vmi_rom_header) - 1;
}

static void m_trunc_image(uint8_t *p, size_t *len)
{
	(void)p;
	*len -= 1;
}

static void m_rom_signature(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->rom_signature = htole16(0x1234);
}

static void m_vrom_signature(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->vrom_signature = htole32(0x696d5664);
}

/* An i386 VMI ROM (Linux's API 3.x): not ours. */
static void m_api_major(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->api_version_maj = 3;
}

static void m_rom_length(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->rom_length = 1;
}

static void m_checksum(uint8_t *p, size_t *len)
{
	(void)len;
	p[SIZE(p) - 1] += 7;
}

static void m_ext_magic(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.magic = htole32(VMI_FOURCC('V', 'M', 'P', 'X'));
}

static void m_ext_major(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.version_major = htole16(2);
}

static void m_flavour(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.flavour = htole16(3);
}

static void m_flags(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.flags = htole16(4);
}

static void m_reserved(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.reserved[5] = 1;
}

/* 50 kHz: a cycle counter no guest could time with. */
static void m_cycle_freq(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.cycle_freq = htole64(50000);
}

static void m_call_entry_size(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.call_entry_size = htole16(16);
}

static void m_dev_entry_size(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.dev_entry_size = htole16(32);
}

static void m_dev_count(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.dev_count = htole16(65);
}

static void m_dev_offset_out(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.dev_offset = htole32(0x7ffffff0);
}

static void m_call_offset_wrap(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.call_offset = htole32(0xfffffff8);
}

static void m_strings_in_header(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.strings_offset = htole32(0x10);
}

static void m_code_size_0(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.code_size = 0;
}

static void m_overlap_tables(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.dev_offset = htole32(le32toh(H(p)->ext.call_offset) + 8);
}

static void m_overlap_code(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->ext.code_size = htole32(le32toh(H(p)->ext.code_size) + 64);
}

static void m_licence_mit(uint8_t *p, size_t *len)
{
	(void)len;
	memcpy(p + le16toh(H(p)->license_offs), "MIT", 4);
}

static void m_licence_offs_0(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->license_offs = 0;
}

/* The licence runs into the last byte, which is not NUL: sum fixed before. */
static void m_licence_no_nul(uint8_t *p, size_t *len)
{
	uint32_t size = SIZE(p);
	uint8_t sum = 0;
	uint32_t i;

	(void)len;
	H(p)->license_offs = htole16(size - 2);
	p[size - 2] = 'G';
	p[size - 1] = 'P';
	p[size - 3] = 0;
	for (i = 0; i < size; i++)
		sum += p[i];
	p[size - 3] = (uint8_t)-sum;
}

static void m_pci_offs_0(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->pci_header_offs = 0;
}

static struct vmi_rom_pci_header *pci_of(uint8_t *p)
{
	return (struct vmi_rom_pci_header *)(p +
					     le16toh(H(p)->pci_header_offs));
}

static struct vmi_rom_pnp_header *pnp_of(uint8_t *p)
{
	return (struct vmi_rom_pnp_header *)(p +
					     le16toh(H(p)->pnp_header_offs));
}

static void m_pci_sig(uint8_t *p, size_t *len)
{
	(void)len;
	pci_of(p)->sig = htole32(VMI_FOURCC('P', 'C', 'I', 'X'));
}

static void m_pci_vendor(uint8_t *p, size_t *len)
{
	(void)len;
	pci_of(p)->vendor_id = htole16(0x1234);
}

static void m_pnp_sig(uint8_t *p, size_t *len)
{
	(void)len;
	pnp_of(p)->sig = htole32(VMI_FOURCC('$', 'P', 'n', 'X'));
}

static void m_pnp_size(uint8_t *p, size_t *len)
{
	(void)len;
	pnp_of(p)->size = 1;
}

static void m_jump_byte(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->vmi_init[0] = 0x90;
}

static void m_jump_int3(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->get_reloc[7] = 0x90;
}

static void m_jump_rel8(uint8_t *p, size_t *len)
{
	(void)len;
	H(p)->get_reloc[5] = 0x80;
}

static void m_jump_rel32(uint8_t *p, size_t *len)
{
	uint32_t rel = htole32(0x7fff0000);

	(void)len;
	memcpy(p + le32toh(H(p)->ext.code_offset) + 1, &rel, sizeof(rel));
}

static void m_call_unknown(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 0)->call = htole16(50);
}

static void m_call_dup(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 1)->call = rom_test_call(p, 0)->call;
}

static void m_call_type(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 0)->type = 4;
}

static void m_call_reserved(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 0)->reserved = 1;
}

static void m_call_jump(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 0)->type = VMI_ROM_RELOC_JUMP;
}

static void m_call_outside(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 0)->offset = htole32(0x5000);
}

static void m_call_no_endbr(uint8_t *p, size_t *len)
{
	struct vmi_rom_call *c = rom_test_call(p, 0);

	(void)len;
	c->offset = htole32(le32toh(c->offset) + 1);
}

/* Process: entry 4 is QueueIrqMask, a NOP. */
static void m_call_nop_offset(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 4)->offset = htole32(0x100);
}

static void m_call_nop_result(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 0)->type = VMI_ROM_RELOC_NOP;
	rom_test_call(p, 0)->offset = 0;
}

/* Process: entry 0 is RDTSC (CALL); IRET has no x86-64 contract. */
static void m_call_reserved_call(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 0)->call = htole16(VMI_CALL_IRET);
}

/* qemu-ivshmem: an interrupt call answered NOP, or JUMP. */
static void m_call_nop_irq(uint8_t *p, size_t *len)
{
	struct vmi_rom_call *c =
		rom_test_call_of(p, VMI_CALL_DisableInterrupts);

	(void)len;
	c->type = VMI_ROM_RELOC_NOP;
	c->offset = 0;
}

static void m_call_jump_irq(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call_of(p, VMI_CALL_SetInterruptMask)->type =
		VMI_ROM_RELOC_JUMP;
}

/* qemu-ivshmem: SetPxE's code in the header, before the code area. */
static void m_call_outside_pxe(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call_of(p, VMI_CALL_SetPxE)->offset = htole32(0x10);
}

/* A NOP where a no-op is not a correct implementation: SetCR3. */
static void m_call_nop_effect(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call(p, 4)->call = htole16(VMI_CALL_SetCR3);
}

static void m_dev_class(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 0)->dev_class = htole16(99);
}

static void m_dev_transport(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 0)->transport = htole16(VMI_TRANSPORT_IVSHMEM);
}

static void m_dev_queues(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 0)->nr_queues = 0;
}

static void m_dev_slots(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 0)->ring_slots = htole32(100);
}

static void m_dev_geometry(uint8_t *p, size_t *len)
{
	struct vmi_rom_dev *d = rom_test_dev(p, 0);

	(void)len;
	d->shm_size = htole64(le64toh(d->shm_size) + 4096);
}

static void m_dev_reserved(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 0)->reserved = htole64(1);
}

static void m_dev_locator(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 1)->locator = H(p)->ext.strings_size;
}

static void m_dev_locator_len(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 0)->locator_len = 0;
}

/* dev[0]'s socket path cut short by a NUL at its sixth byte. */
static void m_dev_locator_nul(uint8_t *p, size_t *len)
{
	(void)len;
	p[le32toh(H(p)->ext.strings_offset) +
	  le32toh(rom_test_dev(p, 0)->locator) + 5] = 0;
}

static void m_dev_pci_len(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 0)->locator_len = htole32(1);
}

static void m_dev_pci_big(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_dev(p, 0)->locator = htole32(0x10000);
}

static void m_dev_dup(uint8_t *p, size_t *len)
{
	(void)len;
	memcpy(rom_test_dev(p, 1), rom_test_dev(p, 0),
	       sizeof(struct vmi_rom_dev));
}

#define MUT(fn, fl, keep, err, text)         \
	{                                    \
#fn, fl, fn, keep, err, text \
	}

const struct rom_mutation rom_mutations[] = {
	MUT(m_trunc_header, ROM_PROCESS, 1, -EINVAL,
	    "image of 143 bytes is shorter than the 144-byte header"),
	MUT(m_trunc_image, ROM_PROCESS, 1, -EINVAL,
	    "bytes available (truncated image)"),
	MUT(m_rom_signature, ROM_PROCESS, 0, -EINVAL,
	    "rom_signature 0x1234 is not 0xaa55"),
	MUT(m_vrom_signature, ROM_PROCESS, 0, -EINVAL,
	    "vrom_signature 0x696d5664 is not 0x696d5663"),
	MUT(m_api_major, ROM_PROCESS, 0, -EPROTONOSUPPORT,
	    "api_version_maj 3 is not 4 (x86-64 VMI; 3 is i386 VMI)"),
	MUT(m_rom_length, ROM_PROCESS, 0, -EINVAL,
	    "rom_length 1 (512 bytes) disagrees with ext.image_size"),
	MUT(m_checksum, ROM_PROCESS, 1, -EINVAL, "bytes sum to 0x7, not 0"),
	MUT(m_ext_magic, ROM_PROCESS, 0, -EINVAL,
	    "ext.magic 0x58504d56 is not 0x56504d56"),
	MUT(m_ext_major, ROM_IVSHMEM, 0, -EPROTONOSUPPORT,
	    "ext.version_major 2 is not 1"),
	MUT(m_flavour, ROM_PROCESS, 0, -EINVAL,
	    "ext.flavour 3 is not 1 (process) or 2 (qemu-ivshmem)"),
	MUT(m_flags, ROM_PROCESS, 0, -EINVAL, "ext.flags 0x4 is not 0"),
	MUT(m_reserved, ROM_PROCESS, 0, -EINVAL,
	    "ext.reserved[5] is 0x1, not 0"),
	MUT(m_cycle_freq, ROM_IVSHMEM, 0, -EINVAL,
	    "ext.cycle_freq 50000 Hz is not 0 or 1000000..100000000000"),
	MUT(m_call_entry_size, ROM_PROCESS, 0, -EINVAL,
	    "ext.call_entry_size 16 is not 8"),
	MUT(m_dev_entry_size, ROM_PROCESS, 0, -EINVAL,
	    "ext.dev_entry_size 32 is not 64"),
	MUT(m_dev_count, ROM_PROCESS, 0, -EINVAL,
	    "ext.dev_count 65 exceeds 64"),
	MUT(m_dev_offset_out, ROM_PROCESS, 0, -EINVAL,
	    "device table (ext.dev_offset 0x7ffffff0, 128 bytes) is outside [0x90,"),
	MUT(m_call_offset_wrap, ROM_PROCESS, 0, -EINVAL,
	    "call table (ext.call_offset 0xfffffff8, 56 bytes) is outside [0x90,"),
	MUT(m_strings_in_header, ROM_PROCESS, 0, -EINVAL,
	    "strings area (ext.strings_offset 0x10, 50 bytes) is outside [0x90,"),
	MUT(m_code_size_0, ROM_IVSHMEM, 0, -EINVAL, "ext.code_size is 0"),
	MUT(m_overlap_tables, ROM_PROCESS, 0, -EINVAL, "overlaps call table"),
	MUT(m_overlap_code, ROM_IVSHMEM, 0, -EINVAL, "overlaps code area"),
	MUT(m_licence_mit, ROM_PROCESS, 0, -EINVAL,
	    "is \"MIT\", not \"GPL\" or \"GPL v2\""),
	MUT(m_licence_offs_0, ROM_PROCESS, 0, -EINVAL,
	    "licence string (license_offs 0, 1 bytes) is outside"),
	MUT(m_licence_no_nul, ROM_PROCESS, 1, -EINVAL,
	    "has no NUL before the end of the image"),
	MUT(m_pci_offs_0, ROM_PROCESS, 0, -EINVAL, "pci_header_offs is 0"),
	MUT(m_pci_sig, ROM_PROCESS, 0, -EINVAL,
	    "PCI header sig 0x58494350 is not 0x52494350"),
	MUT(m_pci_vendor, ROM_IVSHMEM, 0, -EINVAL,
	    "vendor_id:device_id 1234:0801 is not 15ad:0801"),
	MUT(m_pnp_sig, ROM_PROCESS, 0, -EINVAL, "PnP header sig 0x586e5024"),
	MUT(m_pnp_size, ROM_PROCESS, 0, -EINVAL,
	    "PnP header size 1 (x 16 bytes) is less than its 18 bytes"),
	MUT(m_jump_byte, ROM_PROCESS, 0, -EINVAL,
	    "vmi_init jump point byte 0 is 0x90, expected 0xf3"),
	MUT(m_jump_int3, ROM_IVSHMEM, 0, -EINVAL,
	    "get_reloc jump point byte 7 is 0x90, expected 0xcc"),
	MUT(m_jump_rel8, ROM_PROCESS, 0, -EINVAL,
	    "get_reloc jump point: JMP rel8 to 0xe, not onto a JMP rel32"),
	MUT(m_jump_rel32, ROM_PROCESS, 0, -EINVAL,
	    "vmi_init jump point: JMP rel32 at 0x90 to 0x7fff0095, outside the code area"),
	MUT(m_call_unknown, ROM_PROCESS, 0, -EINVAL,
	    "call[0]: call 50 is not a known call"),
	MUT(m_call_dup, ROM_PROCESS, 0, -EINVAL,
	    "call[1]: call 27 (RDTSC) appears twice"),
	MUT(m_call_type, ROM_PROCESS, 0, -EINVAL,
	    "call[0] (RDTSC): type 4 / reserved 0 is not 0-3 / 0"),
	MUT(m_call_reserved, ROM_PROCESS, 0, -EINVAL,
	    "call[0] (RDTSC): type 1 / reserved 1 is not 0-3 / 0"),
	MUT(m_call_jump, ROM_IVSHMEM, 0, -EINVAL,
	    "call[0] (CPUID): type JUMP is refused"),
	MUT(m_call_nop_irq, ROM_IVSHMEM, 0, -EINVAL,
	    "(DisableInterrupts): type NOP is refused"),
	MUT(m_call_jump_irq, ROM_IVSHMEM, 0, -EINVAL,
	    "(SetInterruptMask): type JUMP is refused"),
	MUT(m_call_outside_pxe, ROM_IVSHMEM, 0, -EINVAL,
	    "(SetPxE): offset 0x10 is outside the code area"),
	MUT(m_call_outside, ROM_PROCESS, 0, -EINVAL,
	    "call[0] (RDTSC): offset 0x5000 is outside the code area"),
	MUT(m_call_no_endbr, ROM_PROCESS, 0, -EINVAL,
	    "does not start with ENDBR64"),
	MUT(m_call_nop_offset, ROM_PROCESS, 0, -EINVAL,
	    "call[4] (QueueIrqMask): offset 0x100 is not 0 for type NOP"),
	MUT(m_call_nop_result, ROM_PROCESS, 0, -EINVAL,
	    "call[0] (RDTSC): type NOP is refused: the call has a result"),
	MUT(m_call_reserved_call, ROM_PROCESS, 0, -EINVAL,
	    "call[0] (IRET): type CALL for a call reserved in API 4 (NONE only)"),
	MUT(m_call_nop_effect, ROM_PROCESS, 0, -EINVAL,
	    "call[4] (SetCR3): type NOP is refused"),
	MUT(m_dev_class, ROM_PROCESS, 0, -EINVAL,
	    "dev[0]: dev_class 99 is not a known class"),
	MUT(m_dev_transport, ROM_PROCESS, 0, -EINVAL,
	    "dev[0] (blk0): transport 2 does not match the ROM's flavour 1"),
	MUT(m_dev_queues, ROM_PROCESS, 0, -EINVAL,
	    "dev[0] (blk0): nr_queues 0 is not"),
	MUT(m_dev_slots, ROM_IVSHMEM, 0, -EINVAL,
	    "dev[0] (blk1): ring_slots 100 is not a power of two"),
	MUT(m_dev_geometry, ROM_PROCESS, 0, -EINVAL,
	    "disagrees with the layout rule"),
	MUT(m_dev_reserved, ROM_PROCESS, 0, -EINVAL,
	    "dev[0] (blk0): reserved 0x1 is not 0"),
	MUT(m_dev_locator, ROM_PROCESS, 0, -EINVAL,
	    "dev[1] (net3): socket path locator 50, locator_len 25"),
	MUT(m_dev_locator_len, ROM_PROCESS, 0, -EINVAL,
	    "locator_len 0 is not 1..107 bytes"),
	MUT(m_dev_locator_nul, ROM_PROCESS, 0, -EINVAL,
	    "dev[0] (blk0): socket path locator 0, locator_len 25 has a NUL byte at offset 5 of the path"),
	MUT(m_dev_pci_len, ROM_IVSHMEM, 0, -EINVAL,
	    "dev[0] (blk1): PCI locator 0x20, locator_len 1"),
	MUT(m_dev_pci_big, ROM_IVSHMEM, 0, -EINVAL,
	    "dev[0] (blk1): PCI locator 0x10000"),
	MUT(m_dev_dup, ROM_PROCESS, 0, -EINVAL,
	    "dev[1] (blk0): instance 0 already used by dev[0]"),
};

const size_t rom_nr_mutations =
	sizeof(rom_mutations) / sizeof(rom_mutations[0]);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-rom build: a flavour's ROM code and a machine description in, a
 * complete image out, laid out as docs/ABI.md part (a) says:
 *
 *   0x000 header (option ROM, VMI, struct vmi_rom_ext, jump points)
 *   0x090 code area: the flavour's code, entry trampolines first
 *         call table, device table, strings area (8-byte aligned)
 *         PCI header (4-aligned), PnP header (16-aligned, 32 bytes),
 *         PnP strings, licence
 *         zero padding to a multiple of 512; the last byte makes the sum 0
 *
 * The call table is what the code's own get_reloc answers: the builder
 * maps the code executable, asks it about every call number VMI defines,
 * and records the answers, so that the table a guest validates and the
 * answers it later gets cannot drift apart (the guest checks that, too).
 */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <x86intrin.h>

#include <vmi_guest.h>

#include "vmi_rom_tool.h"

#define VMI_ROM_ALIGN(x, a) (((x) + (a)-1) / (a) * (a))
#define VMI_ROM_PNP_BYTES 32 /* the PnP header's size field says 2 x 16 */
#define VMI_ROM_MANUFACTURER "vmipv"
#define VMI_ROM_LICENCE "GPL v2"

extern const uint8_t vmi_rom_code_process[], vmi_rom_code_process_end[];
extern const uint8_t vmi_rom_code_qemu_ivshmem[],
	vmi_rom_code_qemu_ivshmem_end[];

static const struct vmi_rom_flavour_desc vmi_rom_flavours[] = {
	{ "process", VMI_ROM_FLAVOUR_PROCESS, vmi_rom_code_process,
	  vmi_rom_code_process_end },
	{ "qemu-ivshmem", VMI_ROM_FLAVOUR_QEMU_IVSHMEM,
	  vmi_rom_code_qemu_ivshmem, vmi_rom_code_qemu_ivshmem_end },
};

const struct vmi_rom_flavour_desc *vmi_rom_flavour(const char *name,
						   unsigned int flavour)
{
	size_t i;

	for (i = 0; i < sizeof(vmi_rom_flavours) / sizeof(vmi_rom_flavours[0]);
	     i++)
		if (name ? !strcmp(vmi_rom_flavours[i].name, name) :
			   vmi_rom_flavours[i].flavour == flavour)
			return &vmi_rom_flavours[i];
	return NULL;
}

/* Where everything goes; offsets from the start of the image. */
struct vmi_rom_plan {
	uint32_t code_size;
	uint32_t call_offset, call_count;
	uint32_t dev_offset;
	uint32_t strings_offset, strings_size;
	uint32_t pci_offset, pnp_offset;
	uint32_t manufacturer_offset, product_offset, licence_offset;
	uint32_t size;
	uint64_t cycle_freq;
	struct vmi_rom_call calls[VMI_CALL_VENDOR_END];
	char product[48];
};

/* ENDBR64, JMP rel8 to target, INT3 INT3, at offset at of the image. */
static void vmi_rom_jump_point(uint8_t *jp, uint32_t at, uint32_t target)
{
	static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

	memcpy(jp, endbr64, sizeof(endbr64));
	jp[4] = VMI_ROM_JUMP_SHORT;
	jp[5] = (uint8_t)(int8_t)(target - (at + 6));
	jp[6] = VMI_ROM_INT3;
	jp[7] = VMI_ROM_INT3;
}

/*
 * The header's jump points land on the code area's two trampolines, at
 * code offsets 0 (vmi_init) and 5 (get_reloc).
 */
static void vmi_rom_write_jump_points(uint8_t *img)
{
	struct vmi_rom_header *h = (struct vmi_rom_header *)img;

	vmi_rom_jump_point(h->vmi_init,
			   offsetof(struct vmi_rom_header, vmi_init),
			   VMI_ROM_CODE_OFFSET);
	vmi_rom_jump_point(h->get_reloc,
			   offsetof(struct vmi_rom_header, get_reloc),
			   VMI_ROM_CODE_OFFSET + 5);
}

/*
 * Ask the flavour's get_reloc, through the jump point a guest uses,
 * about every call VMI defines, with the code mapped read-only and
 * executable at a scratch address, and record what is not NONE.
 */
static int vmi_rom_probe_calls(const struct vmi_rom_flavour_desc *f,
			       struct vmi_rom_plan *pl, char *err,
			       size_t errlen)
{
	size_t len = VMI_ROM_CODE_OFFSET + pl->code_size;
	struct vmi_rom_reloc (*get_reloc)(uint32_t);
	unsigned int call;
	uint8_t *map;
	int ret = 0;

	if (pl->code_size < 10 || f->code[0] != VMI_ROM_JUMP_NEAR ||
	    f->code[5] != VMI_ROM_JUMP_NEAR) {
		snprintf(
			err, errlen,
			"flavour %s: the code does not start with two JMP rel32 trampolines",
			f->name);
		return -EINVAL;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	memset(map, 0, VMI_ROM_CODE_OFFSET);
	vmi_rom_write_jump_points(map);
	memcpy(map + VMI_ROM_CODE_OFFSET, f->code, pl->code_size);
	if (mprotect(map, len, PROT_READ | PROT_EXEC)) {
		ret = -errno;
		goto out;
	}
	get_reloc = (struct vmi_rom_reloc(*)(uint32_t))(
		uintptr_t)(map + offsetof(struct vmi_rom_header, get_reloc));

	for (call = 0; call < VMI_CALL_VENDOR_END; call++) {
		struct vmi_rom_reloc r;
		struct vmi_rom_call *c;
		uint64_t off;

		if (!vmi_rom_call_name(call))
			continue;
		r = get_reloc(call);
		if (r.type == VMI_ROM_RELOC_NONE && !r.addr)
			continue;
		off = r.addr - (uintptr_t)map;
		if ((r.type != VMI_ROM_RELOC_CALL &&
		     r.type != VMI_ROM_RELOC_NOP) ||
		    (r.type == VMI_ROM_RELOC_NOP && r.addr) ||
		    (r.type == VMI_ROM_RELOC_CALL &&
		     (off < VMI_ROM_CODE_OFFSET || off >= len))) {
			snprintf(
				err, errlen,
				"flavour %s: get_reloc(%u %s) answered type %llu at %#llx, neither CALL into the code nor NOP",
				f->name, call, vmi_rom_call_name(call),
				(unsigned long long)r.type,
				(unsigned long long)r.addr);
			ret = -EINVAL;
			goto out;
		}
		c = &pl->calls[pl->call_count++];
		c->call = vmi_cpu_to_le16(call);
		c->type = (uint8_t)r.type;
		c->reserved = 0;
		c->offset = vmi_cpu_to_le32(
			r.type == VMI_ROM_RELOC_CALL ? (uint32_t)off : 0);
	}
out:
	munmap(map, len);
	return ret;
}

#define VMI_ROM_CALIBRATE_NS 50000000ull /* 50 ms */

static uint64_t vmi_rom_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The host's TSC frequency, which a guest of a hardware-virtualised CPU
 * sees too: CPUID leaf 0x15 when it names the crystal and the ratio (exact),
 * else the TSC counted against CLOCK_MONOTONIC_RAW for 50 ms, rounded to a
 * kHz as Linux's tsc_khz is. 0 when neither gives a plausible value.
 */
static uint64_t vmi_rom_host_cycle_freq(void)
{
	unsigned int den, num, crystal, edx;
	uint64_t t0, t1, c0, c1, hz;

	if (__get_cpuid_max(0, NULL) >= 0x15 &&
	    __get_cpuid(0x15, &den, &num, &crystal, &edx) && den && num &&
	    crystal) {
		hz = (uint64_t)crystal * num / den;
	} else {
		t0 = vmi_rom_mono_ns();
		c0 = __rdtsc();
		do
			t1 = vmi_rom_mono_ns();
		while (t1 - t0 < VMI_ROM_CALIBRATE_NS);
		c1 = __rdtsc();
		hz = (uint64_t)((double)(c1 - c0) * 1e9 / (double)(t1 - t0));
		hz = (hz + 500) / 1000 * 1000;
	}
	return hz >= VMI_ROM_CYCLE_FREQ_MIN && hz <= VMI_ROM_CYCLE_FREQ_MAX ?
		       hz :
		       0;
}

static int vmi_rom_plan(const struct vmi_rom_flavour_desc *f,
			const struct vmi_machine *m, struct vmi_rom_plan *pl,
			char *err, size_t errlen)
{
	uint64_t off;
	unsigned int i;
	int ret;

	pl->cycle_freq = m->cycle_freq ? m->cycle_freq :
					 vmi_rom_host_cycle_freq();
	if (!pl->cycle_freq) {
		snprintf(
			err, errlen,
			"cannot measure the host's TSC frequency: give cycle-frequency in the machine description");
		return -EINVAL;
	}
	pl->code_size = (uint32_t)(f->code_end - f->code);
	ret = vmi_rom_probe_calls(f, pl, err, errlen);
	if (ret)
		return ret;
	snprintf(pl->product, sizeof(pl->product), "vmipv %s ROM", f->name);

	off = VMI_ROM_ALIGN(VMI_ROM_CODE_OFFSET + pl->code_size, 8);
	pl->call_offset = (uint32_t)off;
	off = VMI_ROM_ALIGN(off + pl->call_count * sizeof(struct vmi_rom_call),
			    8);
	pl->dev_offset = (uint32_t)off;
	off += m->nr_devs * sizeof(struct vmi_rom_dev);
	pl->strings_offset = (uint32_t)off;
	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i].transport == VMI_TRANSPORT_PROCESS)
			pl->strings_size += strlen(m->devs[i].socket);
	off = VMI_ROM_ALIGN(off + pl->strings_size, 4);
	pl->pci_offset = (uint32_t)off;
	off = VMI_ROM_ALIGN(off + sizeof(struct vmi_rom_pci_header), 16);
	pl->pnp_offset = (uint32_t)off;
	off += VMI_ROM_PNP_BYTES;
	pl->manufacturer_offset = (uint32_t)off;
	off += sizeof(VMI_ROM_MANUFACTURER);
	pl->product_offset = (uint32_t)off;
	off += strlen(pl->product) + 1;
	pl->licence_offset = (uint32_t)off;
	off += sizeof(VMI_ROM_LICENCE);
	/* One byte more for the checksum fix-up, at the very end. */
	off = VMI_ROM_ALIGN(off + 1, VMI_ROM_BLOCK);
	/* The header's 16-bit offsets must reach the licence, too. */
	if (off > VMI_ROM_MAX_SIZE) {
		snprintf(
			err, errlen,
			"the image would take %llu bytes, more than the %u an option ROM can have",
			(unsigned long long)off, VMI_ROM_MAX_SIZE);
		return -EFBIG;
	}
	pl->size = (uint32_t)off;
	return 0;
}

static void vmi_rom_write_header(uint8_t *img,
				 const struct vmi_rom_flavour_desc *f,
				 const struct vmi_machine *m,
				 const struct vmi_rom_plan *pl)
{
	struct vmi_rom_header *h = (struct vmi_rom_header *)img;
	struct vmi_rom_pci_header *pci =
		(struct vmi_rom_pci_header *)(img + pl->pci_offset);
	struct vmi_rom_pnp_header *pnp =
		(struct vmi_rom_pnp_header *)(img + pl->pnp_offset);

	h->rom_signature = vmi_cpu_to_le16(VMI_ROM_SIGNATURE);
	h->rom_length = (uint8_t)(pl->size / VMI_ROM_BLOCK);
	h->rom_entry[0] = 0xcb; /* RETF: SeaBIOS far-calls every option ROM */
	h->vrom_signature = vmi_cpu_to_le32(VMI_ROM_VROM_SIGNATURE);
	h->api_version_min = VMI_ROM_API_MINOR;
	h->api_version_maj = VMI_ROM_API_MAJOR;
	h->jump_slots = 2;
	h->license_offs = vmi_cpu_to_le16(pl->licence_offset);
	h->pci_header_offs = vmi_cpu_to_le16(pl->pci_offset);
	h->pnp_header_offs = vmi_cpu_to_le16(pl->pnp_offset);

	h->ext.magic = vmi_cpu_to_le32(VMI_ROM_EXT_MAGIC);
	h->ext.version_major = vmi_cpu_to_le16(VMI_ROM_EXT_MAJOR);
	h->ext.version_minor = vmi_cpu_to_le16(VMI_ROM_EXT_MINOR);
	h->ext.flavour = vmi_cpu_to_le16(f->flavour);
	h->ext.image_size = vmi_cpu_to_le32(pl->size);
	h->ext.code_offset = vmi_cpu_to_le32(VMI_ROM_CODE_OFFSET);
	h->ext.code_size = vmi_cpu_to_le32(pl->code_size);
	h->ext.call_offset = vmi_cpu_to_le32(pl->call_offset);
	h->ext.call_count = vmi_cpu_to_le16(pl->call_count);
	h->ext.call_entry_size = vmi_cpu_to_le16(sizeof(struct vmi_rom_call));
	h->ext.dev_offset = vmi_cpu_to_le32(pl->dev_offset);
	h->ext.dev_count = vmi_cpu_to_le16(m->nr_devs);
	h->ext.dev_entry_size = vmi_cpu_to_le16(sizeof(struct vmi_rom_dev));
	h->ext.strings_offset = vmi_cpu_to_le32(pl->strings_offset);
	h->ext.strings_size = vmi_cpu_to_le32(pl->strings_size);
	h->ext.cycle_freq = vmi_cpu_to_le64(pl->cycle_freq);
	vmi_rom_write_jump_points(img);

	pci->sig = vmi_cpu_to_le32(VMI_ROM_PCI_SIGNATURE);
	pci->vendor_id = vmi_cpu_to_le16(VMI_ROM_PCI_VENDOR);
	pci->device_id = vmi_cpu_to_le16(VMI_ROM_PCI_DEVICE);
	pci->size = vmi_cpu_to_le16(sizeof(*pci));
	pci->chunks = vmi_cpu_to_le16(pl->size / VMI_ROM_BLOCK);
	pci->rom_version_min = VMI_ROM_RELEASE_MINOR;
	pci->rom_version_maj = VMI_ROM_RELEASE_MAJOR;
	pci->code_type = 0x70;
	pci->last_rom = 0x80;

	pnp->sig = vmi_cpu_to_le32(VMI_ROM_PNP_SIGNATURE);
	pnp->rev = 1;
	pnp->size = VMI_ROM_PNP_BYTES / 16;
	pnp->manufacturer_offset = vmi_cpu_to_le16(pl->manufacturer_offset);
	pnp->product_offset = vmi_cpu_to_le16(pl->product_offset);
	memcpy(img + pl->manufacturer_offset, VMI_ROM_MANUFACTURER,
	       sizeof(VMI_ROM_MANUFACTURER));
	memcpy(img + pl->product_offset, pl->product, strlen(pl->product) + 1);
	memcpy(img + pl->licence_offset, VMI_ROM_LICENCE,
	       sizeof(VMI_ROM_LICENCE));
}

static void vmi_rom_write_devs(uint8_t *img, const struct vmi_machine *m,
			       const struct vmi_rom_plan *pl)
{
	uint32_t strings = 0;
	unsigned int i;

	for (i = 0; i < m->nr_devs; i++) {
		const struct vmi_machine_dev *md = &m->devs[i];
		struct vmi_rom_dev d = { 0 };

		vmi_layout_to_rom_dev(&md->layout, &d);
		d.instance = vmi_cpu_to_le16(md->instance);
		d.transport = vmi_cpu_to_le16(md->transport);
		d.features = vmi_cpu_to_le64(md->features);
		if (md->transport == VMI_TRANSPORT_PROCESS) {
			size_t n = strlen(md->socket);

			memcpy(img + pl->strings_offset + strings, md->socket,
			       n);
			d.locator = vmi_cpu_to_le32(strings);
			d.locator_len = vmi_cpu_to_le32((uint32_t)n);
			strings += (uint32_t)n;
		} else {
			d.locator = vmi_cpu_to_le32((uint32_t)md->pci);
		}
		memcpy(img + pl->dev_offset + i * sizeof(d), &d, sizeof(d));
	}
}

int vmi_rom_build(const struct vmi_rom_flavour_desc *f,
		  const struct vmi_machine *m, const char *machine_path,
		  uint8_t **image, size_t *size, char *err, size_t errlen)
{
	struct vmi_rom_plan pl = { 0 };
	uint8_t *img, sum = 0;
	char why[256];
	unsigned int i;
	int ret;

	/* A flavour reaches its devices over its own transport only. */
	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i].transport != f->flavour) {
			snprintf(
				err, errlen,
				"%s:%u: device %s %u has transport %s, but a %s ROM reaches only %s devices",
				machine_path, m->devs[i].line,
				vmi_machine_class_name(m->devs[i].dev_class),
				m->devs[i].instance,
				vmi_machine_transport_name(
					m->devs[i].transport),
				f->name,
				vmi_machine_transport_name(f->flavour));
			return -EINVAL;
		}
	ret = vmi_rom_plan(f, m, &pl, err, errlen);
	if (ret)
		return ret;
	img = calloc(1, pl.size);
	if (!img)
		return -ENOMEM;
	memcpy(img + VMI_ROM_CODE_OFFSET, f->code, pl.code_size);
	memcpy(img + pl.call_offset, pl.calls,
	       pl.call_count * sizeof(struct vmi_rom_call));
	vmi_rom_write_header(img, f, m, &pl);
	vmi_rom_write_devs(img, m, &pl);
	for (i = 0; i < pl.size; i++)
		sum += img[i];
	img[pl.size - 1] = (uint8_t)-sum;

	/* What the builder writes, a guest must accept: check it here. */
	ret = vmi_rom_validate(img, pl.size, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen,
			 "built an invalid image (a vmi-rom bug): %s", why);
		free(img);
		return ret;
	}
	*image = img;
	*size = pl.size;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ROM validator: every rule of docs/ABI.md part (a), applied in the
 * document's order to an image nobody has executed yet. A guest runs no
 * ROM byte before this said yes, so it reads the image as hostile input:
 * the header is copied once and checked from the copy, every table entry
 * is copied before use, every offset is checked with 64-bit arithmetic,
 * and the first broken rule is reported by field name and value.
 *
 * Kernel-compatible: compat.h is the only environment it needs.
 */
#include "compat.h"
#include <vmi_guest.h>
#include <vmi_layout.h>

#define VMI_ROM_HDR_SIZE sizeof(struct vmi_rom_header)
#define VMI_ROM_MAX_REGIONS 10
#define VMI_ROM_MAX_DEVS 64
#define VMI_ROM_PATH_MAX 107 /* sun_path less its NUL */

/*
 * What docs/ABI.md part (a) allows each call to answer besides CALL and
 * NONE: NOP only where doing nothing is a correct implementation (no
 * result, no effect the guest relies on); a call reserved in API 4 has no
 * meaning on x86-64 and may only be NONE.
 */
#define VMI_ROM_NOP_OK 0x1
#define VMI_ROM_RESERVED 0x2

/* Linux's VMI_CALL_* names, and vmipv's vendor calls; NULL: unknown. */
static const struct {
	const char *name;
	unsigned int flags;
} vmi_rom_calls[VMI_CALL_VENDOR_END] = {
	[VMI_CALL_CPUID] = { "CPUID", 0 },
	[VMI_CALL_WRMSR] = { "WRMSR", 0 },
	[VMI_CALL_RDMSR] = { "RDMSR", 0 },
	[VMI_CALL_SetGDT] = { "SetGDT", 0 },
	[VMI_CALL_SetLDT] = { "SetLDT", 0 },
	[VMI_CALL_SetIDT] = { "SetIDT", 0 },
	[VMI_CALL_SetTR] = { "SetTR", 0 },
	[VMI_CALL_GetGDT] = { "GetGDT", 0 },
	[VMI_CALL_GetLDT] = { "GetLDT", 0 },
	[VMI_CALL_GetIDT] = { "GetIDT", 0 },
	[VMI_CALL_GetTR] = { "GetTR", 0 },
	[VMI_CALL_WriteGDTEntry] = { "WriteGDTEntry", 0 },
	[VMI_CALL_WriteLDTEntry] = { "WriteLDTEntry", 0 },
	[VMI_CALL_WriteIDTEntry] = { "WriteIDTEntry", 0 },
	[VMI_CALL_UpdateKernelStack] = { "UpdateKernelStack", 0 },
	[VMI_CALL_SetCR0] = { "SetCR0", 0 },
	[VMI_CALL_SetCR2] = { "SetCR2", 0 },
	[VMI_CALL_SetCR3] = { "SetCR3", 0 },
	[VMI_CALL_SetCR4] = { "SetCR4", 0 },
	[VMI_CALL_GetCR0] = { "GetCR0", 0 },
	[VMI_CALL_GetCR2] = { "GetCR2", 0 },
	[VMI_CALL_GetCR3] = { "GetCR3", 0 },
	[VMI_CALL_GetCR4] = { "GetCR4", 0 },
	[VMI_CALL_WBINVD] = { "WBINVD", VMI_ROM_NOP_OK },
	[VMI_CALL_SetDR] = { "SetDR", 0 },
	[VMI_CALL_GetDR] = { "GetDR", 0 },
	[VMI_CALL_RDPMC] = { "RDPMC", 0 },
	[VMI_CALL_RDTSC] = { "RDTSC", 0 },
	[VMI_CALL_CLTS] = { "CLTS", 0 },
	[VMI_CALL_EnableInterrupts] = { "EnableInterrupts", 0 },
	[VMI_CALL_DisableInterrupts] = { "DisableInterrupts", 0 },
	[VMI_CALL_GetInterruptMask] = { "GetInterruptMask", 0 },
	[VMI_CALL_SetInterruptMask] = { "SetInterruptMask", 0 },
	[VMI_CALL_IRET] = { "IRET", VMI_ROM_RESERVED },
	[VMI_CALL_SYSEXIT] = { "SYSEXIT", VMI_ROM_RESERVED },
	[VMI_CALL_Halt] = { "Halt", 0 },
	[VMI_CALL_Reboot] = { "Reboot", VMI_ROM_RESERVED },
	[VMI_CALL_Shutdown] = { "Shutdown", VMI_ROM_RESERVED },
	[VMI_CALL_SetPxE] = { "SetPxE", 0 },
	[VMI_CALL_SetPxELong] = { "SetPxELong", VMI_ROM_RESERVED },
	[VMI_CALL_UpdatePxE] = { "UpdatePxE", VMI_ROM_NOP_OK },
	[VMI_CALL_UpdatePxELong] = { "UpdatePxELong", VMI_ROM_RESERVED },
	[VMI_CALL_MachineToPhysical] = { "MachineToPhysical",
					 VMI_ROM_RESERVED },
	[VMI_CALL_PhysicalToMachine] = { "PhysicalToMachine",
					 VMI_ROM_RESERVED },
	[VMI_CALL_AllocatePage] = { "AllocatePage", VMI_ROM_NOP_OK },
	[VMI_CALL_ReleasePage] = { "ReleasePage", VMI_ROM_NOP_OK },
	[VMI_CALL_InvalPage] = { "InvalPage", 0 },
	[VMI_CALL_FlushTLB] = { "FlushTLB", 0 },
	[VMI_CALL_SetLinearMapping] = { "SetLinearMapping", VMI_ROM_RESERVED },
	[VMI_CALL_SetIOPLMask] = { "SetIOPLMask", 0 },
	[VMI_CALL_SetInitialAPState] = { "SetInitialAPState",
					 VMI_ROM_RESERVED },
	[VMI_CALL_APICWrite] = { "APICWrite", 0 },
	[VMI_CALL_APICRead] = { "APICRead", 0 },
	[VMI_CALL_IODelay] = { "IODelay", VMI_ROM_NOP_OK },
	[VMI_CALL_GetCycleFrequency] = { "GetCycleFrequency", 0 },
	[VMI_CALL_GetCycleCounter] = { "GetCycleCounter", 0 },
	[VMI_CALL_SetAlarm] = { "SetAlarm", VMI_ROM_RESERVED },
	[VMI_CALL_CancelAlarm] = { "CancelAlarm", VMI_ROM_RESERVED },
	[VMI_CALL_GetWallclockTime] = { "GetWallclockTime", 0 },
	[VMI_CALL_WallclockUpdated] = { "WallclockUpdated", VMI_ROM_RESERVED },
	[VMI_CALL_SetLazyMode] = { "SetLazyMode", VMI_ROM_NOP_OK },
	[VMI_CALL_DevEnumerate] = { "DevEnumerate", 0 },
	[VMI_CALL_QueueNotify] = { "QueueNotify", 0 },
	[VMI_CALL_QueueIrqAck] = { "QueueIrqAck", VMI_ROM_NOP_OK },
	[VMI_CALL_QueueIrqMask] = { "QueueIrqMask", VMI_ROM_NOP_OK },
	[VMI_CALL_WaitEvent] = { "WaitEvent", 0 },
	[VMI_CALL_ReadClock] = { "ReadClock", 0 },
};

const char *vmi_rom_call_name(unsigned int call)
{
	return call < VMI_CALL_VENDOR_END ? vmi_rom_calls[call].name : NULL;
}

const char *vmi_rom_reloc_name(unsigned int type)
{
	static const char *const names[] = { "NONE", "CALL", "JUMP", "NOP" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

/* One area of the image that must lie inside it and overlap no other. */
struct vmi_rom_region {
	const char *name;
	uint64_t start;
	uint64_t size;
};

/* What the checks share: the copied header and the image's extent. */
struct vmi_rom_check {
	const uint8_t *p;
	struct vmi_rom_header h;
	struct vmi_rom_ext e; /* h.ext, aligned */
	uint64_t size; /* ext.image_size, once it is checked */
	uint64_t code_start, code_end;
	struct vmi_rom_region r[VMI_ROM_MAX_REGIONS];
	unsigned int nr;
	char *err;
	size_t errlen;
};

#define vmi_rom_fail(c, ret, ...)                             \
	({                                                    \
		vmi_errf((c)->err, (c)->errlen, __VA_ARGS__); \
		(ret);                                        \
	})

static int vmi_rom_check_ids(struct vmi_rom_check *c)
{
	const struct vmi_rom_header *h = &c->h;

	if (vmi_le16_to_cpu(h->rom_signature) != VMI_ROM_SIGNATURE)
		return vmi_rom_fail(c, -EINVAL, "rom_signature %#x is not %#x",
				    vmi_le16_to_cpu(h->rom_signature),
				    VMI_ROM_SIGNATURE);
	if (vmi_le32_to_cpu(h->vrom_signature) != VMI_ROM_VROM_SIGNATURE)
		return vmi_rom_fail(c, -EINVAL,
				    "vrom_signature %#x is not %#x (\"cVmi\")",
				    vmi_le32_to_cpu(h->vrom_signature),
				    VMI_ROM_VROM_SIGNATURE);
	/*
	 * Linux: major = interface breakages, minor = extensions. Major 3 is
	 * i386 VMI, whose calls are not ours.
	 */
	if (h->api_version_maj != VMI_ROM_API_MAJOR)
		return vmi_rom_fail(
			c, -EPROTONOSUPPORT,
			"api_version_maj %u is not %u (x86-64 VMI; 3 is i386 VMI)",
			h->api_version_maj, VMI_ROM_API_MAJOR);
	if (h->api_version_min + 1 < VMI_ROM_API_MINOR + 1)
		return vmi_rom_fail(c, -EPROTONOSUPPORT,
				    "api_version_min %u is less than %u",
				    h->api_version_min, VMI_ROM_API_MINOR);
	return 0;
}

static int vmi_rom_check_size(struct vmi_rom_check *c, size_t len)
{
	uint32_t image_size = vmi_le32_to_cpu(c->e.image_size);
	uint64_t i;
	uint8_t sum = 0;

	if (!c->h.rom_length ||
	    (uint64_t)c->h.rom_length * VMI_ROM_BLOCK != image_size)
		return vmi_rom_fail(
			c, -EINVAL,
			"rom_length %u (%u bytes) disagrees with ext.image_size %u",
			c->h.rom_length, c->h.rom_length * VMI_ROM_BLOCK,
			image_size);
	if (image_size > len)
		return vmi_rom_fail(
			c, -EINVAL,
			"ext.image_size %u exceeds the %zu bytes available (truncated image)",
			image_size, len);
	for (i = 0; i < image_size; i++)
		sum += c->p[i];
	if (sum)
		return vmi_rom_fail(c, -EINVAL,
				    "checksum: the %u bytes sum to %#x, not 0",
				    image_size, sum);
	c->size = image_size;
	return 0;
}

static int vmi_rom_check_ext(struct vmi_rom_check *c)
{
	const struct vmi_rom_ext *e = &c->e;
	uint16_t flavour = vmi_le16_to_cpu(e->flavour);
	size_t i;

	if (vmi_le32_to_cpu(e->magic) != VMI_ROM_EXT_MAGIC)
		return vmi_rom_fail(c, -EINVAL,
				    "ext.magic %#x is not %#x (\"VMPV\")",
				    vmi_le32_to_cpu(e->magic),
				    VMI_ROM_EXT_MAGIC);
	if (vmi_le16_to_cpu(e->version_major) != VMI_ROM_EXT_MAJOR)
		return vmi_rom_fail(c, -EPROTONOSUPPORT,
				    "ext.version_major %u is not %u",
				    vmi_le16_to_cpu(e->version_major),
				    VMI_ROM_EXT_MAJOR);
	if (flavour != VMI_ROM_FLAVOUR_PROCESS &&
	    flavour != VMI_ROM_FLAVOUR_QEMU_IVSHMEM)
		return vmi_rom_fail(
			c, -EINVAL,
			"ext.flavour %u is not 1 (process) or 2 (qemu-ivshmem)",
			flavour);
	if (vmi_le16_to_cpu(e->flags))
		return vmi_rom_fail(c, -EINVAL, "ext.flags %#x is not 0",
				    vmi_le16_to_cpu(e->flags));
	if (vmi_le64_to_cpu(e->cycle_freq) &&
	    (vmi_le64_to_cpu(e->cycle_freq) < VMI_ROM_CYCLE_FREQ_MIN ||
	     vmi_le64_to_cpu(e->cycle_freq) > VMI_ROM_CYCLE_FREQ_MAX))
		return vmi_rom_fail(
			c, -EINVAL,
			"ext.cycle_freq %llu Hz is not 0 or %llu..%llu",
			(unsigned long long)vmi_le64_to_cpu(e->cycle_freq),
			VMI_ROM_CYCLE_FREQ_MIN, VMI_ROM_CYCLE_FREQ_MAX);
	/* A later minor version defines fields in the reserved bytes. */
	for (i = 0;
	     !vmi_le16_to_cpu(e->version_minor) && i < sizeof(e->reserved); i++)
		if (e->reserved[i])
			return vmi_rom_fail(c, -EINVAL,
					    "ext.reserved[%zu] is %#x, not 0",
					    i, e->reserved[i]);
	if (vmi_le16_to_cpu(e->call_entry_size) != sizeof(struct vmi_rom_call))
		return vmi_rom_fail(c, -EINVAL,
				    "ext.call_entry_size %u is not %zu",
				    vmi_le16_to_cpu(e->call_entry_size),
				    sizeof(struct vmi_rom_call));
	if (vmi_le16_to_cpu(e->dev_entry_size) != sizeof(struct vmi_rom_dev))
		return vmi_rom_fail(c, -EINVAL,
				    "ext.dev_entry_size %u is not %zu",
				    vmi_le16_to_cpu(e->dev_entry_size),
				    sizeof(struct vmi_rom_dev));
	if (vmi_le16_to_cpu(e->dev_count) > VMI_ROM_MAX_DEVS)
		return vmi_rom_fail(c, -EINVAL, "ext.dev_count %u exceeds %u",
				    vmi_le16_to_cpu(e->dev_count),
				    VMI_ROM_MAX_DEVS);
	return 0;
}

/* Check that a region lies inside [header end, size). */
static int vmi_rom_region_check(struct vmi_rom_check *c, const char *name,
				const char *field, uint64_t start,
				uint64_t size)
{
	if (start < VMI_ROM_HDR_SIZE || start > c->size ||
	    size > c->size - start)
		return vmi_rom_fail(
			c, -EINVAL,
			"%s (%s %#llx, %llu bytes) is outside [%#zx, %#llx)",
			name, field, (unsigned long long)start,
			(unsigned long long)size, VMI_ROM_HDR_SIZE,
			(unsigned long long)c->size);
	return 0;
}

/* Check a region and add it to those that must not overlap. */
static int vmi_rom_region_add(struct vmi_rom_check *c, const char *name,
			      const char *field, uint64_t start, uint64_t size)
{
	int ret;

	if (!size)
		return 0;
	ret = vmi_rom_region_check(c, name, field, start, size);
	if (!ret)
		c->r[c->nr++] = (struct vmi_rom_region){ name, start, size };
	return ret;
}

/*
 * A NUL-terminated string at off: the region it takes, NUL included, or
 * 0 if it does not end inside the image.
 */
static uint64_t vmi_rom_strsize(const struct vmi_rom_check *c, uint64_t off)
{
	uint64_t i;

	for (i = off; i < c->size; i++)
		if (!c->p[i])
			return i - off + 1;
	return 0;
}

static int vmi_rom_string_add(struct vmi_rom_check *c, const char *name,
			      const char *field, uint64_t off)
{
	uint64_t n;

	if (off < VMI_ROM_HDR_SIZE || off >= c->size)
		return vmi_rom_region_add(c, name, field, off, 1);
	n = vmi_rom_strsize(c, off);
	if (!n)
		return vmi_rom_fail(
			c, -EINVAL,
			"%s (%s %#llx) has no NUL before the end of the image",
			name, field, (unsigned long long)off);
	return vmi_rom_region_add(c, name, field, off, n);
}

static int vmi_rom_check_regions(struct vmi_rom_check *c)
{
	const struct vmi_rom_header *h = &c->h;
	const struct vmi_rom_ext *e = &c->e;
	uint16_t pnp = vmi_le16_to_cpu(h->pnp_header_offs);
	unsigned int i, j;
	int ret;

	c->code_start = vmi_le32_to_cpu(e->code_offset);
	c->code_end = c->code_start + vmi_le32_to_cpu(e->code_size);
	ret = vmi_rom_region_add(c, "code area", "ext.code_offset",
				 c->code_start, vmi_le32_to_cpu(e->code_size));
	if (!ret && !e->code_size)
		ret = vmi_rom_fail(c, -EINVAL, "ext.code_size is 0");
	if (!ret)
		ret = vmi_rom_region_add(
			c, "call table", "ext.call_offset",
			vmi_le32_to_cpu(e->call_offset),
			(uint64_t)vmi_le16_to_cpu(e->call_count) *
				sizeof(struct vmi_rom_call));
	if (!ret)
		ret = vmi_rom_region_add(
			c, "device table", "ext.dev_offset",
			vmi_le32_to_cpu(e->dev_offset),
			(uint64_t)vmi_le16_to_cpu(e->dev_count) *
				sizeof(struct vmi_rom_dev));
	if (!ret)
		ret = vmi_rom_region_add(c, "strings area",
					 "ext.strings_offset",
					 vmi_le32_to_cpu(e->strings_offset),
					 vmi_le32_to_cpu(e->strings_size));
	if (!ret && !h->pci_header_offs)
		ret = vmi_rom_fail(
			c, -EINVAL,
			"pci_header_offs is 0 (Linux: no PCI header)");
	if (!ret)
		ret = vmi_rom_region_add(c, "PCI header", "pci_header_offs",
					 vmi_le16_to_cpu(h->pci_header_offs),
					 sizeof(struct vmi_rom_pci_header));
	if (!ret && pnp) {
		struct vmi_rom_pnp_header ph;

		/* Its own size field says how much room it takes. */
		ret = vmi_rom_region_check(c, "PnP header", "pnp_header_offs",
					   pnp, sizeof(ph));
		if (ret)
			return ret;
		memcpy(&ph, c->p + pnp, sizeof(ph));
		if ((uint64_t)ph.size * 16 < sizeof(ph))
			return vmi_rom_fail(
				c, -EINVAL,
				"PnP header size %u (x 16 bytes) is less than its %zu bytes",
				ph.size, sizeof(ph));
		ret = vmi_rom_region_add(c, "PnP header", "pnp_header_offs",
					 pnp, (uint64_t)ph.size * 16);
		if (!ret && ph.manufacturer_offset)
			ret = vmi_rom_string_add(
				c, "PnP manufacturer string",
				"manufacturer_offset",
				vmi_le16_to_cpu(ph.manufacturer_offset));
		if (!ret && ph.product_offset)
			ret = vmi_rom_string_add(
				c, "PnP product string", "product_offset",
				vmi_le16_to_cpu(ph.product_offset));
	}
	if (!ret)
		ret = vmi_rom_string_add(c, "licence string", "license_offs",
					 vmi_le16_to_cpu(h->license_offs));
	if (ret)
		return ret;

	for (i = 0; i < c->nr; i++)
		for (j = i + 1; j < c->nr; j++) {
			const struct vmi_rom_region *a = &c->r[i],
						    *b = &c->r[j];

			if (a->start < b->start + b->size &&
			    b->start < a->start + a->size)
				return vmi_rom_fail(
					c, -EINVAL,
					"%s (%#llx..%#llx) overlaps %s (%#llx..%#llx)",
					b->name, (unsigned long long)b->start,
					(unsigned long long)(b->start +
							     b->size),
					a->name, (unsigned long long)a->start,
					(unsigned long long)(a->start +
							     a->size));
		}
	return 0;
}

static int vmi_rom_check_identity(struct vmi_rom_check *c)
{
	const char *lic =
		(const char *)c->p + vmi_le16_to_cpu(c->h.license_offs);
	struct vmi_rom_pci_header pci;

	/* Linux refused any other licence ("Non GPL license ... Not used"). */
	if (strcmp(lic, "GPL") && strcmp(lic, "GPL v2"))
		return vmi_rom_fail(
			c, -EINVAL,
			"licence string at license_offs %#x is \"%.16s\", not \"GPL\" or \"GPL v2\"",
			vmi_le16_to_cpu(c->h.license_offs), lic);
	memcpy(&pci, c->p + vmi_le16_to_cpu(c->h.pci_header_offs), sizeof(pci));
	if (vmi_le32_to_cpu(pci.sig) != VMI_ROM_PCI_SIGNATURE)
		return vmi_rom_fail(c, -EINVAL,
				    "PCI header sig %#x is not %#x (\"PCIR\")",
				    vmi_le32_to_cpu(pci.sig),
				    VMI_ROM_PCI_SIGNATURE);
	if (vmi_le16_to_cpu(pci.vendor_id) != VMI_ROM_PCI_VENDOR ||
	    vmi_le16_to_cpu(pci.device_id) != VMI_ROM_PCI_DEVICE)
		return vmi_rom_fail(
			c, -EINVAL,
			"PCI header vendor_id:device_id %04x:%04x is not %04x:%04x",
			vmi_le16_to_cpu(pci.vendor_id),
			vmi_le16_to_cpu(pci.device_id), VMI_ROM_PCI_VENDOR,
			VMI_ROM_PCI_DEVICE);
	if (c->h.pnp_header_offs) {
		struct vmi_rom_pnp_header pnp;

		memcpy(&pnp, c->p + vmi_le16_to_cpu(c->h.pnp_header_offs),
		       sizeof(pnp));
		if (vmi_le32_to_cpu(pnp.sig) != VMI_ROM_PNP_SIGNATURE)
			return vmi_rom_fail(
				c, -EINVAL,
				"PnP header sig %#x is not %#x (\"$PnP\")",
				vmi_le32_to_cpu(pnp.sig),
				VMI_ROM_PNP_SIGNATURE);
	}
	return 0;
}

static bool vmi_rom_in_code(const struct vmi_rom_check *c, uint64_t off,
			    uint64_t len)
{
	return off >= c->code_start && off <= c->code_end &&
	       len <= c->code_end - off;
}

static uint32_t vmi_rom_le32_at(const struct vmi_rom_check *c, uint64_t off)
{
	vmi_le32 v;

	memcpy(&v, c->p + off, sizeof(v));
	return vmi_le32_to_cpu(v);
}

/*
 * A jump point: ENDBR64, JMP rel8 into the code area onto a JMP rel32
 * whose target is in the code area too. Linux called these 8 bytes.
 */
static int vmi_rom_check_jump(struct vmi_rom_check *c, const char *name,
			      const uint8_t *jp, size_t jp_off)
{
	static const uint8_t want[8] = {
		0xf3, 0x0f,	    0x1e,	 0xfa, VMI_ROM_JUMP_SHORT,
		0,    VMI_ROM_INT3, VMI_ROM_INT3
	};
	uint64_t near, target;
	unsigned int i;

	for (i = 0; i < sizeof(want); i++)
		if (i != 5 && jp[i] != want[i])
			return vmi_rom_fail(
				c, -EINVAL,
				"%s jump point byte %u is %#04x, expected %#04x (ENDBR64, JMP rel8, INT3 INT3)",
				name, i, jp[i], want[i]);
	near = jp_off + 6 + (int8_t)jp[5];
	if (!vmi_rom_in_code(c, near, 5) || c->p[near] != VMI_ROM_JUMP_NEAR)
		return vmi_rom_fail(
			c, -EINVAL,
			"%s jump point: JMP rel8 to %#llx, not onto a JMP rel32 inside the code area [%#llx, %#llx)",
			name, (unsigned long long)near,
			(unsigned long long)c->code_start,
			(unsigned long long)c->code_end);
	target = near + 5 + (int64_t)(int32_t)vmi_rom_le32_at(c, near + 1);
	if (!vmi_rom_in_code(c, target, 1))
		return vmi_rom_fail(
			c, -EINVAL,
			"%s jump point: JMP rel32 at %#llx to %#llx, outside the code area [%#llx, %#llx)",
			name, (unsigned long long)near,
			(unsigned long long)target,
			(unsigned long long)c->code_start,
			(unsigned long long)c->code_end);
	return 0;
}

static int vmi_rom_check_calls(struct vmi_rom_check *c)
{
	const struct vmi_rom_ext *e = &c->e;
	uint64_t seen[(VMI_CALL_VENDOR_END + 63) / 64] = { 0 };
	unsigned int i, n = vmi_le16_to_cpu(e->call_count);

	for (i = 0; i < n; i++) {
		struct vmi_rom_call rc;
		const char *name;
		uint16_t call;
		uint32_t off;

		memcpy(&rc,
		       c->p + vmi_le32_to_cpu(e->call_offset) + i * sizeof(rc),
		       sizeof(rc));
		call = vmi_le16_to_cpu(rc.call);
		off = vmi_le32_to_cpu(rc.offset);
		name = vmi_rom_call_name(call);
		if (!name)
			return vmi_rom_fail(
				c, -EINVAL,
				"call[%u]: call %u is not a known call", i,
				call);
		if (seen[call / 64] & (1ULL << (call % 64)))
			return vmi_rom_fail(
				c, -EINVAL,
				"call[%u]: call %u (%s) appears twice", i, call,
				name);
		seen[call / 64] |= 1ULL << (call % 64);
		if (rc.type > VMI_ROM_RELOC_NOP || rc.reserved)
			return vmi_rom_fail(
				c, -EINVAL,
				"call[%u] (%s): type %u / reserved %u is not 0-3 / 0",
				i, name, rc.type, rc.reserved);
		if (rc.type != VMI_ROM_RELOC_NONE &&
		    (vmi_rom_calls[call].flags & VMI_ROM_RESERVED))
			return vmi_rom_fail(
				c, -EINVAL,
				"call[%u] (%s): type %s for a call reserved in API %u (NONE only)",
				i, name, vmi_rom_reloc_name(rc.type),
				VMI_ROM_API_MAJOR);
		if (rc.type == VMI_ROM_RELOC_NOP &&
		    !(vmi_rom_calls[call].flags & VMI_ROM_NOP_OK))
			return vmi_rom_fail(
				c, -EINVAL,
				"call[%u] (%s): type NOP is refused: the call has a result or an effect the guest needs",
				i, name);
		switch (rc.type) {
		case VMI_ROM_RELOC_JUMP:
			return vmi_rom_fail(
				c, -EINVAL,
				"call[%u] (%s): type JUMP is refused (vmipv binds no IRET/SYSEXIT)",
				i, name);
		case VMI_ROM_RELOC_CALL:
			if (!vmi_rom_in_code(c, off, 4))
				return vmi_rom_fail(
					c, -EINVAL,
					"call[%u] (%s): offset %#x is outside the code area [%#llx, %#llx)",
					i, name, off,
					(unsigned long long)c->code_start,
					(unsigned long long)c->code_end);
			if (vmi_rom_le32_at(c, off) != VMI_ROM_JUMP_ENDBR64)
				return vmi_rom_fail(
					c, -EINVAL,
					"call[%u] (%s): entry at %#x does not start with ENDBR64",
					i, name, off);
			break;
		default:
			if (off)
				return vmi_rom_fail(
					c, -EINVAL,
					"call[%u] (%s): offset %#x is not 0 for type %s",
					i, name, off,
					vmi_rom_reloc_name(rc.type));
		}
	}
	return 0;
}

static const char *vmi_rom_class_name(uint16_t dev_class)
{
	const char *name = vmi_layout_class_name(dev_class);

	return name ? name : "?";
}

static void vmi_rom_dev_at(const struct vmi_rom_check *c, unsigned int i,
			   struct vmi_rom_dev *d)
{
	memcpy(d,
	       c->p + vmi_le32_to_cpu(c->e.dev_offset) +
		       (uint64_t)i * sizeof(*d),
	       sizeof(*d));
}

static int vmi_rom_check_dev(struct vmi_rom_check *c, unsigned int i,
			     const struct vmi_rom_dev *d)
{
	uint16_t dev_class = vmi_le16_to_cpu(d->dev_class);
	uint16_t instance = vmi_le16_to_cpu(d->instance);
	uint16_t transport = vmi_le16_to_cpu(d->transport);
	uint32_t loc = vmi_le32_to_cpu(d->locator);
	uint32_t loc_len = vmi_le32_to_cpu(d->locator_len);
	struct vmi_layout l;
	char msg[160];
	unsigned int j;

	if (!vmi_layout_class_name(dev_class))
		return vmi_rom_fail(
			c, -EINVAL,
			"dev[%u]: dev_class %u is not a known class", i,
			dev_class);
	if (transport != vmi_le16_to_cpu(c->e.flavour))
		return vmi_rom_fail(
			c, -EINVAL,
			"dev[%u] (%s%u): transport %u does not match the ROM's flavour %u",
			i, vmi_rom_class_name(dev_class), instance, transport,
			vmi_le16_to_cpu(c->e.flavour));
	if (vmi_layout_from_rom_dev(d, &l, msg, sizeof(msg)))
		return vmi_rom_fail(c, -EINVAL, "dev[%u] (%s%u): %s", i,
				    vmi_rom_class_name(dev_class), instance,
				    msg);
	if (d->reserved)
		return vmi_rom_fail(
			c, -EINVAL, "dev[%u] (%s%u): reserved %#llx is not 0",
			i, vmi_rom_class_name(dev_class), instance,
			(unsigned long long)vmi_le64_to_cpu(d->reserved));
	if (transport == VMI_TRANSPORT_PROCESS &&
	    (!loc_len || loc_len > VMI_ROM_PATH_MAX ||
	     (uint64_t)loc + loc_len > vmi_le32_to_cpu(c->e.strings_size)))
		return vmi_rom_fail(
			c, -EINVAL,
			"dev[%u] (%s%u): socket path locator %u, locator_len %u is not 1..%u bytes inside the %u-byte strings area",
			i, vmi_rom_class_name(dev_class), instance, loc,
			loc_len, VMI_ROM_PATH_MAX,
			vmi_le32_to_cpu(c->e.strings_size));
	if (transport == VMI_TRANSPORT_PROCESS) {
		const uint8_t *path =
			c->p + vmi_le32_to_cpu(c->e.strings_offset) + loc;
		const uint8_t *nul = memchr(path, 0, loc_len);

		/* A guest would connect to the path cut at the NUL. */
		if (nul)
			return vmi_rom_fail(
				c, -EINVAL,
				"dev[%u] (%s%u): socket path locator %u, locator_len %u has a NUL byte at offset %u of the path",
				i, vmi_rom_class_name(dev_class), instance, loc,
				loc_len, (unsigned int)(nul - path));
	}
	if (transport == VMI_TRANSPORT_IVSHMEM && (loc > 0xffff || loc_len))
		return vmi_rom_fail(
			c, -EINVAL,
			"dev[%u] (%s%u): PCI locator %#x, locator_len %u is not a bus:dev.fn and 0",
			i, vmi_rom_class_name(dev_class), instance, loc,
			loc_len);
	for (j = 0; j < i; j++) {
		struct vmi_rom_dev o;

		vmi_rom_dev_at(c, j, &o);
		if (o.dev_class == d->dev_class && o.instance == d->instance)
			return vmi_rom_fail(
				c, -EINVAL,
				"dev[%u] (%s%u): instance %u already used by dev[%u]",
				i, vmi_rom_class_name(dev_class), instance,
				instance, j);
	}
	return 0;
}

static int vmi_rom_check_devs(struct vmi_rom_check *c)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vmi_le16_to_cpu(c->e.dev_count); i++) {
		struct vmi_rom_dev d;

		vmi_rom_dev_at(c, i, &d);
		ret = vmi_rom_check_dev(c, i, &d);
		if (ret)
			return ret;
	}
	return 0;
}

int vmi_rom_validate(const void *image, size_t len, char *err, size_t errlen)
{
	struct vmi_rom_check c = { .p = image, .err = err, .errlen = errlen };
	int ret;

	if (len < VMI_ROM_HDR_SIZE)
		return vmi_rom_fail(
			&c, -EINVAL,
			"image of %zu bytes is shorter than the %zu-byte header (truncated image)",
			len, VMI_ROM_HDR_SIZE);
	memcpy(&c.h, image, sizeof(c.h));
	memcpy(&c.e, &c.h.ext, sizeof(c.e));
	ret = vmi_rom_check_ids(&c);
	if (!ret)
		ret = vmi_rom_check_size(&c, len);
	if (!ret)
		ret = vmi_rom_check_ext(&c);
	if (!ret)
		ret = vmi_rom_check_regions(&c);
	if (!ret)
		ret = vmi_rom_check_identity(&c);
	if (!ret)
		ret = vmi_rom_check_jump(&c, "vmi_init", c.h.vmi_init,
					 offsetof(struct vmi_rom_header,
						  vmi_init));
	if (!ret)
		ret = vmi_rom_check_jump(&c, "get_reloc", c.h.get_reloc,
					 offsetof(struct vmi_rom_header,
						  get_reloc));
	if (!ret)
		ret = vmi_rom_check_calls(&c);
	if (!ret)
		ret = vmi_rom_check_devs(&c);
	return ret;
}

int vmi_rom_probe(const void *window, size_t len, size_t *offset, char *err,
		  size_t errlen)
{
	const uint8_t *p = window;
	size_t off, bad = len;

	/* Linux: the first candidate that passes every check wins. */
	for (off = 0; off < len && len - off >= VMI_ROM_HDR_SIZE;
	     off += VMI_ROM_SCAN_STEP) {
		struct vmi_rom_header h;

		memcpy(&h, p + off, sizeof(h));
		if (vmi_le16_to_cpu(h.rom_signature) != VMI_ROM_SIGNATURE ||
		    vmi_le32_to_cpu(h.vrom_signature) != VMI_ROM_VROM_SIGNATURE)
			continue;
		if (!vmi_rom_validate(p + off, len - off, err, errlen)) {
			*offset = off;
			return 0;
		}
		bad = off;
	}
	/* err still names what was wrong with the last candidate. */
	if (bad == len)
		vmi_errf(err, errlen, "no VMI ROM in %zu bytes", len);
	return -ENODEV;
}

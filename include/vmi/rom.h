/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * The VMI ROM image: what a hypervisor hands its guests and what a guest
 * probes, validates and binds. docs/ABI.md part (a) is the prose version of
 * this header; the two must say the same thing byte for byte.
 *
 * The first 0x90 bytes keep the layout of Linux's VMI API 3.x
 * (struct vrom_header in arch/x86/include/asm/vmi.h): a PC option-ROM header
 * (0x55AA, length in 512-byte units), the "cVmi" signature, an API version,
 * a licence string, PCI and PnP headers, and the two jump points
 * vmi_init (0x80) and get_reloc (0x88). vmipv's own tables are described by
 * struct vmi_rom_ext, which lives in the 96 bytes Linux left reserved at 0x20.
 * The whole image sums to zero modulo 256, as a PC option ROM must.
 *
 * The API major is 4, not Linux's 3: the calls are x86-64 System V code
 * with x86-64 contracts, an interface break in Linux's own terms, so an
 * i386 VMI guest (which requires major 3 exactly) skips this ROM instead of
 * calling 64-bit code as if it were i386 code.
 *
 * Calls keep Linux's VMI_CALL_* numbers. vmipv's device calls live in a
 * vendor range (128 and up) that Linux never used. A guest binds a call by
 * asking get_reloc(call); the answer is a relocation type and an address.
 */
#ifndef VMI_ROM_H
#define VMI_ROM_H

#include "types.h"

/* ---- Option-ROM and VMI identification ------------------------------- */

#define VMI_ROM_SIGNATURE 0xAA55u /* bytes 55 AA */
#define VMI_ROM_VROM_SIGNATURE 0x696d5663u /* bytes "cVmi" */
#define VMI_ROM_API_MAJOR 4 /* x86-64 VMI; exact match (Linux i386: 3) */
#define VMI_ROM_API_MINOR 0 /* minimum minor a guest accepts */
#define VMI_ROM_BLOCK 512 /* rom_length unit */
#define VMI_ROM_MAX_SIZE (255 * VMI_ROM_BLOCK) /* rom_length is one byte */
#define VMI_ROM_SCAN_START 0xC0000u /* Linux's probe window ... */
#define VMI_ROM_SCAN_END 0xE0000u /* ... exclusive ... */
#define VMI_ROM_SCAN_STEP 2048u /* ... in 2 KiB steps */
#define VMI_ROM_PCI_VENDOR 0x15ADu /* PCI_VENDOR_ID_VMWARE, as Linux expects */
#define VMI_ROM_PCI_DEVICE 0x0801u /* PCI_DEVICE_ID_VMWARE_VMI */

/* vmipv extension header, at offset 0x20 of the image. */
#define VMI_ROM_EXT_MAGIC VMI_FOURCC('V', 'M', 'P', 'V')
#define VMI_ROM_EXT_MAJOR 1
#define VMI_ROM_EXT_MINOR 0

/* Hypervisor flavours: how the ROM's device calls reach the host. */
enum vmi_rom_flavour {
	VMI_ROM_FLAVOUR_PROCESS = 1, /* guest is a Linux process: eventfds */
	VMI_ROM_FLAVOUR_QEMU_IVSHMEM = 2, /* guest kernel in QEMU: doorbell */
};

/*
 * struct vmi_rom_ext - vmipv's tables inside the image (96 bytes at 0x20).
 * Every offset is from the start of the image; every table lies wholly
 * inside [0, image_size) and no two tables overlap.
 */
struct vmi_rom_ext {
	vmi_le32 magic; /* VMI_ROM_EXT_MAGIC */
	vmi_le16 version_major; /* VMI_ROM_EXT_MAJOR: exact match */
	vmi_le16 version_minor; /* extensions; any value accepted */
	vmi_le16 flavour; /* enum vmi_rom_flavour */
	vmi_le16 flags; /* none defined: 0 */
	vmi_le32 image_size; /* bytes; equals rom_length * 512 */
	vmi_le32 code_offset; /* executable area (jump slots point here) */
	vmi_le32 code_size;
	vmi_le32 call_offset; /* struct vmi_rom_call[call_count] */
	vmi_le16 call_count;
	vmi_le16 call_entry_size; /* sizeof(struct vmi_rom_call) */
	vmi_le32 dev_offset; /* struct vmi_rom_dev[dev_count] */
	vmi_le16 dev_count;
	vmi_le16 dev_entry_size; /* sizeof(struct vmi_rom_dev) */
	vmi_le32 strings_offset; /* device locator strings, not NUL-separated */
	vmi_le32 strings_size;
	vmi_le64 cycle_freq; /* TSC Hz (GetCycleFrequency), 0: unknown */
	uint8_t reserved[40]; /* zero */
};
VMI_ABI_SIZE(struct vmi_rom_ext, 96);
VMI_ABI_OFFSET(struct vmi_rom_ext, flavour, 0x08);
VMI_ABI_OFFSET(struct vmi_rom_ext, image_size, 0x0C);
VMI_ABI_OFFSET(struct vmi_rom_ext, code_offset, 0x10);
VMI_ABI_OFFSET(struct vmi_rom_ext, call_offset, 0x18);
VMI_ABI_OFFSET(struct vmi_rom_ext, dev_offset, 0x20);
VMI_ABI_OFFSET(struct vmi_rom_ext, strings_offset, 0x28);
VMI_ABI_OFFSET(struct vmi_rom_ext, cycle_freq, 0x30);
VMI_ABI_OFFSET(struct vmi_rom_ext, reserved, 0x38);

/* What ext.cycle_freq may hold besides 0 (vmi-rom build refuses others). */
#define VMI_ROM_CYCLE_FREQ_MIN 1000000ull /* 1 MHz */
#define VMI_ROM_CYCLE_FREQ_MAX 100000000000ull /* 100 GHz */

/*
 * struct vmi_rom_header - the first 0x90 bytes of the image; Linux's
 * struct vrom_header, with its reserved[96] holding struct vmi_rom_ext.
 */
struct vmi_rom_header {
	vmi_le16 rom_signature; /* VMI_ROM_SIGNATURE */
	uint8_t rom_length; /* image size / 512 */
	uint8_t rom_entry[4]; /* BIOS init entry: CB (far ret) + pad */
	uint8_t rom_pad0;
	vmi_le32 vrom_signature; /* VMI_ROM_VROM_SIGNATURE */
	uint8_t api_version_min;
	uint8_t api_version_maj;
	uint8_t jump_slots; /* 2: vmi_init and get_reloc */
	uint8_t reserved1;
	vmi_le32 virtual_top; /* 0: no address space reserved */
	vmi_le16 reserved2;
	vmi_le16 license_offs; /* NUL-terminated "GPL v2" */
	vmi_le16 pci_header_offs; /* struct vmi_rom_pci_header, non-zero */
	vmi_le16 pnp_header_offs; /* struct vmi_rom_pnp_header, or 0 */
	vmi_le32 rom_pad3;
	struct vmi_rom_ext ext; /* Linux: reserved[96] */
	uint8_t vmi_init[8]; /* jump point, see VMI_ROM_JUMP_* */
	uint8_t get_reloc[8]; /* jump point */
} __attribute__((packed));
VMI_ABI_SIZE(struct vmi_rom_header, 0x90);
VMI_ABI_OFFSET(struct vmi_rom_header, rom_length, 0x02);
VMI_ABI_OFFSET(struct vmi_rom_header, vrom_signature, 0x08);
VMI_ABI_OFFSET(struct vmi_rom_header, api_version_min, 0x0C);
VMI_ABI_OFFSET(struct vmi_rom_header, api_version_maj, 0x0D);
VMI_ABI_OFFSET(struct vmi_rom_header, virtual_top, 0x10);
VMI_ABI_OFFSET(struct vmi_rom_header, license_offs, 0x16);
VMI_ABI_OFFSET(struct vmi_rom_header, pci_header_offs, 0x18);
VMI_ABI_OFFSET(struct vmi_rom_header, pnp_header_offs, 0x1A);
VMI_ABI_OFFSET(struct vmi_rom_header, ext, 0x20);
VMI_ABI_OFFSET(struct vmi_rom_header, vmi_init, 0x80);
VMI_ABI_OFFSET(struct vmi_rom_header, get_reloc, 0x88);

/*
 * A jump point is 8 bytes of x86-64 code: ENDBR64 (so that indirect calls
 * work with IBT enforced), a short JMP into the code area, two INT3 bytes.
 * The short jump lands on a 5-byte "JMP rel32" whose target is also inside
 * the code area.
 */
#define VMI_ROM_JUMP_ENDBR64 0xFA1E0FF3u /* bytes F3 0F 1E FA, as le32 */
#define VMI_ROM_JUMP_SHORT 0xEB /* then rel8 */
#define VMI_ROM_JUMP_NEAR 0xE9 /* then rel32 */
#define VMI_ROM_INT3 0xCC

/* PCI option-ROM data structure ("PCIR"), 24 bytes. */
#define VMI_ROM_PCI_SIGNATURE VMI_FOURCC('P', 'C', 'I', 'R')
struct vmi_rom_pci_header {
	vmi_le32 sig;
	vmi_le16 vendor_id;
	vmi_le16 device_id;
	vmi_le16 vpd_data;
	vmi_le16 size; /* of this structure: 24 */
	uint8_t rev;
	uint8_t class_code[3];
	vmi_le16 chunks; /* image length in 512-byte units */
	uint8_t rom_version_min;
	uint8_t rom_version_maj;
	uint8_t code_type; /* 0x70: vmipv (not x86 BIOS code) */
	uint8_t last_rom; /* 0x80: last image */
	vmi_le16 reserved;
} __attribute__((packed));
VMI_ABI_SIZE(struct vmi_rom_pci_header, 24);

/* PnP expansion header ("$PnP"), 18 bytes as Linux reads it. */
#define VMI_ROM_PNP_SIGNATURE VMI_FOURCC('$', 'P', 'n', 'P')
struct vmi_rom_pnp_header {
	vmi_le32 sig;
	uint8_t rev;
	uint8_t size; /* in 16-byte units, rounded up */
	vmi_le16 next;
	vmi_le16 res;
	vmi_le32 dev_id;
	vmi_le16 manufacturer_offset; /* NUL-terminated string, or 0 */
	vmi_le16 product_offset; /* NUL-terminated string, or 0 */
} __attribute__((packed));
VMI_ABI_SIZE(struct vmi_rom_pnp_header, 18);

/* ---- Calls ----------------------------------------------------------- */

/* Relocation types returned by get_reloc, Linux's VMI_RELOCATION_*. */
enum vmi_rom_reloc_type {
	VMI_ROM_RELOC_NONE = 0, /* not implemented: keep native code */
	VMI_ROM_RELOC_CALL = 1, /* call the returned address */
	VMI_ROM_RELOC_JUMP = 2, /* jump to it (Linux: IRET/SYSEXIT only) */
	VMI_ROM_RELOC_NOP = 3, /* the operation is a no-op */
};

/*
 * Linux's VMI API 3.0 call numbers (arch/x86/include/asm/vmi.h and
 * vmi_time.h), with the x86-64 contracts of docs/ABI.md part (a). 49-60 and
 * 72 were never defined by Linux and stay unused.
 */
enum vmi_rom_call_id {
	VMI_CALL_CPUID = 0,
	VMI_CALL_WRMSR = 1,
	VMI_CALL_RDMSR = 2,
	VMI_CALL_SetGDT = 3,
	VMI_CALL_SetLDT = 4,
	VMI_CALL_SetIDT = 5,
	VMI_CALL_SetTR = 6,
	VMI_CALL_GetGDT = 7,
	VMI_CALL_GetLDT = 8,
	VMI_CALL_GetIDT = 9,
	VMI_CALL_GetTR = 10,
	VMI_CALL_WriteGDTEntry = 11,
	VMI_CALL_WriteLDTEntry = 12,
	VMI_CALL_WriteIDTEntry = 13,
	VMI_CALL_UpdateKernelStack = 14,
	VMI_CALL_SetCR0 = 15,
	VMI_CALL_SetCR2 = 16,
	VMI_CALL_SetCR3 = 17,
	VMI_CALL_SetCR4 = 18,
	VMI_CALL_GetCR0 = 19,
	VMI_CALL_GetCR2 = 20,
	VMI_CALL_GetCR3 = 21,
	VMI_CALL_GetCR4 = 22,
	VMI_CALL_WBINVD = 23,
	VMI_CALL_SetDR = 24,
	VMI_CALL_GetDR = 25,
	VMI_CALL_RDPMC = 26,
	VMI_CALL_RDTSC = 27,
	VMI_CALL_CLTS = 28,
	VMI_CALL_EnableInterrupts = 29,
	VMI_CALL_DisableInterrupts = 30,
	VMI_CALL_GetInterruptMask = 31,
	VMI_CALL_SetInterruptMask = 32,
	VMI_CALL_IRET = 33,
	VMI_CALL_SYSEXIT = 34,
	VMI_CALL_Halt = 35,
	VMI_CALL_Reboot = 36,
	VMI_CALL_Shutdown = 37,
	VMI_CALL_SetPxE = 38,
	VMI_CALL_SetPxELong = 39,
	VMI_CALL_UpdatePxE = 40,
	VMI_CALL_UpdatePxELong = 41,
	VMI_CALL_MachineToPhysical = 42,
	VMI_CALL_PhysicalToMachine = 43,
	VMI_CALL_AllocatePage = 44,
	VMI_CALL_ReleasePage = 45,
	VMI_CALL_InvalPage = 46,
	VMI_CALL_FlushTLB = 47,
	VMI_CALL_SetLinearMapping = 48,
	VMI_CALL_SetIOPLMask = 61,
	VMI_CALL_SetInitialAPState = 62,
	VMI_CALL_APICWrite = 63,
	VMI_CALL_APICRead = 64,
	VMI_CALL_IODelay = 65,
	VMI_CALL_GetCycleFrequency = 66,
	VMI_CALL_GetCycleCounter = 67,
	VMI_CALL_SetAlarm = 68,
	VMI_CALL_CancelAlarm = 69,
	VMI_CALL_GetWallclockTime = 70,
	VMI_CALL_WallclockUpdated = 71,
	VMI_CALL_SetLazyMode = 73,

	/* vmipv vendor range: device calls (docs/ABI.md, "Device calls"). */
	VMI_CALL_VENDOR_BASE = 128,
	VMI_CALL_DevEnumerate = 128,
	VMI_CALL_QueueNotify = 129,
	VMI_CALL_QueueIrqAck = 130,
	VMI_CALL_QueueIrqMask = 131,
	VMI_CALL_WaitEvent = 132,
	VMI_CALL_ReadClock = 133,
	VMI_CALL_VENDOR_END = 134, /* exclusive */
};

/* One entry of the call table (8 bytes). */
struct vmi_rom_call {
	vmi_le16 call; /* enum vmi_rom_call_id */
	uint8_t type; /* enum vmi_rom_reloc_type */
	uint8_t reserved; /* 0 */
	vmi_le32 offset; /* CALL/JUMP: entry inside the code area; else 0 */
};
VMI_ABI_SIZE(struct vmi_rom_call, 8);

/*
 * What get_reloc returns in RAX:RDX (x86-64 SysV: a 16-byte struct of two
 * INTEGER eightbytes). addr is the absolute address of the implementation
 * where the image is mapped now, so the ROM computes it RIP-relative.
 */
struct vmi_rom_reloc {
	uint64_t addr;
	uint64_t type; /* enum vmi_rom_reloc_type */
};

/* Argument of CPUID (0): leaf in eax, subleaf in ecx; all four out. */
struct vmi_rom_cpuid {
	uint32_t eax;
	uint32_t ebx;
	uint32_t ecx;
	uint32_t edx;
};
VMI_ABI_SIZE(struct vmi_rom_cpuid, 16);

/* Argument of SetGDT/SetIDT/GetGDT/GetIDT: LGDT's 10-byte operand. */
struct vmi_rom_desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
VMI_ABI_SIZE(struct vmi_rom_desc_ptr, 10);
VMI_ABI_OFFSET(struct vmi_rom_desc_ptr, base, 0x02);

/* Page-table levels of SetPxE, UpdatePxE, AllocatePage, ReleasePage. */
enum vmi_rom_pt_level {
	VMI_ROM_PT_PTE = 1, /* page table: 4 KiB pages */
	VMI_ROM_PT_PMD = 2, /* page directory */
	VMI_ROM_PT_PUD = 3, /* page-directory-pointer table */
	VMI_ROM_PT_P4D = 4, /* PML4 */
	VMI_ROM_PT_PGD = 5, /* PML5 (5-level paging only) */
};

/* FlushTLB flags (Linux's VMI_FLUSH_*). */
#define VMI_ROM_FLUSH_TLB 0x1u /* non-global entries (a CR3 reload) */
#define VMI_ROM_FLUSH_GLOBAL 0x2u /* global entries too */

/* SetLazyMode modes (Linux's PARAVIRT_LAZY_*); they do not nest. */
enum vmi_rom_lazy_mode {
	VMI_ROM_LAZY_NONE = 0, /* apply what was deferred, defer nothing */
	VMI_ROM_LAZY_MMU = 1, /* page-table updates may be deferred */
	VMI_ROM_LAZY_CPU = 2, /* CPU state updates may be deferred */
};

/* GetCycleCounter counters (Linux's VMI_CYCLES_*). */
enum vmi_rom_cycles {
	VMI_ROM_CYCLES_REAL = 0,
	VMI_ROM_CYCLES_AVAILABLE = 1,
	VMI_ROM_CYCLES_STOLEN = 2,
};

/*
 * struct vmi_rom_cpu - the ROM's per-CPU state, in guest memory.
 *
 * The ROM keeps no state in its image. A guest kernel that binds any call
 * 0-127 keeps, on every CPU, a pointer to that CPU's struct vmi_rom_cpu
 * (zeroed, writable, 64-byte aligned) at linear address %gs:0, or 0: then
 * the ROM counts nothing and defers nothing. Only the CPU it belongs to
 * writes it, so the counters are plain increments; a reader sums over CPUs.
 * The process flavour and the device calls 128-133 never read %gs.
 */
#define VMI_ROM_LAZY_SLOTS 64

/* One page-table store SetPxE deferred in lazy MMU mode. */
struct vmi_rom_lazy_entry {
	uint64_t entry; /* guest virtual address of the 64-bit entry */
	uint64_t value; /* what to store there */
};
VMI_ABI_SIZE(struct vmi_rom_lazy_entry, 16);

struct vmi_rom_cpu {
	uint64_t calls[128]; /* per call 0-127: times the ROM ran it */
	uint32_t lazy_mode; /* enum vmi_rom_lazy_mode, set by SetLazyMode */
	uint32_t lazy_count; /* entries queued in lazy[] */
	uint64_t lazy_flushes; /* times a non-empty queue was applied */
	struct vmi_rom_lazy_entry lazy[VMI_ROM_LAZY_SLOTS];
};
VMI_ABI_SIZE(struct vmi_rom_cpu, 2064);
VMI_ABI_OFFSET(struct vmi_rom_cpu, lazy_mode, 0x400);
VMI_ABI_OFFSET(struct vmi_rom_cpu, lazy_count, 0x404);
VMI_ABI_OFFSET(struct vmi_rom_cpu, lazy_flushes, 0x408);
VMI_ABI_OFFSET(struct vmi_rom_cpu, lazy, 0x410);

/* ---- Device table ---------------------------------------------------- */

enum vmi_dev_class {
	VMI_DEV_CLASS_BLK = 1,
	VMI_DEV_CLASS_NET = 2,
	VMI_DEV_CLASS_RNG = 3, /* entropy (rng.h) */
};

enum vmi_dev_transport {
	VMI_TRANSPORT_PROCESS = 1, /* Unix socket, memfd, eventfds */
	VMI_TRANSPORT_IVSHMEM = 2, /* ivshmem-doorbell PCI device */
};

/*
 * One entry of the device table (64 bytes). The shared-memory geometry is
 * the one the backend lays out (docs/ABI.md part (e), struct vmi_shm_hdr):
 * queue q's rings start at ring_offset + q * ring_stride and its data area
 * at data_offset + q * data_size. The guest checks that the shared memory it
 * is given agrees with this entry before it touches a ring.
 */
struct vmi_rom_dev {
	vmi_le16 dev_class; /* enum vmi_dev_class */
	vmi_le16 instance; /* n in /dev/vmiblkN, vmiN */
	vmi_le16 transport; /* enum vmi_dev_transport */
	vmi_le16 nr_queues; /* 1..VMI_MAX_QUEUES */
	vmi_le32 ring_slots; /* slots per ring, power of two */
	vmi_le32 data_size; /* bytes of data area per queue, 4 KiB multiple */
	vmi_le64 features; /* what the device offers (dev.h, blk.h, net.h) */
	vmi_le64 shm_size; /* bytes of shared memory, 4 KiB multiple */
	vmi_le32 ring_offset; /* queue 0's rings, 4 KiB aligned */
	vmi_le32 ring_stride; /* bytes between queues' rings, 4 KiB multiple */
	vmi_le64 data_offset; /* queue 0's data area, 4 KiB aligned */
	vmi_le32 locator; /* process: strings offset of the socket path;
			   * ivshmem: PCI address bus << 8 | dev << 3 | fn */
	vmi_le32 locator_len; /* process: path length, no NUL; ivshmem: 0 */
	vmi_le64 reserved; /* 0 */
};
VMI_ABI_SIZE(struct vmi_rom_dev, 64);
VMI_ABI_OFFSET(struct vmi_rom_dev, ring_slots, 0x08);
VMI_ABI_OFFSET(struct vmi_rom_dev, features, 0x10);
VMI_ABI_OFFSET(struct vmi_rom_dev, shm_size, 0x18);
VMI_ABI_OFFSET(struct vmi_rom_dev, ring_offset, 0x20);
VMI_ABI_OFFSET(struct vmi_rom_dev, data_offset, 0x28);
VMI_ABI_OFFSET(struct vmi_rom_dev, locator, 0x30);
VMI_ABI_OFFSET(struct vmi_rom_dev, reserved, 0x38);

/*
 * struct vmi_rom_notify_ctx - what the guest hands the device calls.
 *
 * It lives in guest memory and only ROM code running in the guest reads
 * it, but a ROM and a guest are built apart, so its layout is fixed like a
 * wire structure's: x86-64 guest-native (little-endian) fixed-width fields,
 * pointers as 64-bit guest virtual addresses. size and version come first;
 * every device call returns -EINVAL unless they are sizeof() and
 * VMI_ROM_NOTIFY_CTX_VERSION. The guest's transport fills what it has
 * (eventfds for a process guest, the mapped doorbell registers for an
 * ivshmem guest); the ROM of each flavour uses only its own fields.
 */
#define VMI_ROM_NOTIFY_CTX_VERSION 1
struct vmi_rom_notify_ctx {
	uint32_t size; /* sizeof(struct vmi_rom_notify_ctx): 56 */
	uint32_t version; /* VMI_ROM_NOTIFY_CTX_VERSION */
	uint32_t nr_queues;
	uint32_t peer_id; /* ivshmem: the backend's peer id */
	uint64_t kick_fds; /* process: int32_t[nr_queues], guest -> host */
	uint64_t irq_fds; /* process: int32_t[nr_queues], host -> guest */
	uint64_t regs; /* ivshmem: BAR0 as mapped (volatile uint32_t *) */
	uint64_t reserved[2]; /* 0 */
};
VMI_ABI_SIZE(struct vmi_rom_notify_ctx, 56);
VMI_ABI_OFFSET(struct vmi_rom_notify_ctx, nr_queues, 0x08);
VMI_ABI_OFFSET(struct vmi_rom_notify_ctx, kick_fds, 0x10);
VMI_ABI_OFFSET(struct vmi_rom_notify_ctx, regs, 0x20);
VMI_ABI_OFFSET(struct vmi_rom_notify_ctx, reserved, 0x28);

/*
 * The fields a guest sets first: the rest is 0 until its transport fills it.
 * Every member in order, not designated: the same initialiser is valid C and
 * C++ (which has designated initialisers only from C++20, and g++ -Wextra
 * still wants every member named there).
 */
#define VMI_ROM_NOTIFY_CTX_INIT(queues)                                    \
	{                                                                  \
		sizeof(struct vmi_rom_notify_ctx), /* size */              \
			VMI_ROM_NOTIFY_CTX_VERSION, /* version */          \
			(queues), /* nr_queues */                          \
			0, 0, 0, 0, /* peer_id, kick_fds, irq_fds, regs */ \
		{                                                          \
			0, 0                                               \
		} /* reserved */                                           \
	}

/*
 * What every device call checks before it uses ctx: a context of this
 * layout (size, version) and a queue it has. Nonzero means -EINVAL.
 */
static inline int vmi_rom_notify_ctx_bad(const struct vmi_rom_notify_ctx *ctx,
					 uint32_t queue)
{
	return ctx->size != sizeof(*ctx) ||
	       ctx->version != VMI_ROM_NOTIFY_CTX_VERSION ||
	       queue >= ctx->nr_queues;
}

#endif /* VMI_ROM_H */

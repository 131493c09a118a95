/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the ROM code (vmi-core/rom/): what the flavours share. ROM
 * code is freestanding, position-independent C: it runs wherever a guest
 * maps or copies the image, so it reaches its own tables RIP-relative
 * through vmi_rom_image (the start of the image, placed by rom.ld), keeps no
 * state, never writes to the image and calls no library.
 *
 * Every entry point follows docs/ABI.md part (a), "Calling convention".
 */
#ifndef VMI_ROM_PRIV_H
#define VMI_ROM_PRIV_H

#include <errno.h>
#include <vmi/dev.h>
#include <vmi/rom.h>

/* The image's first byte: rom.ld defines it 0x90 bytes before the code. */
extern const struct vmi_rom_header vmi_rom_image;

/* What get_reloc answers for an implemented call, a no-op and the rest. */
#define VMI_ROM_CALL(fn)                                       \
	((struct vmi_rom_reloc){ (uint64_t)(uintptr_t) & (fn), \
				 VMI_ROM_RELOC_CALL })
#define VMI_ROM_NOP ((struct vmi_rom_reloc){ 0, VMI_ROM_RELOC_NOP })
#define VMI_ROM_NONE ((struct vmi_rom_reloc){ 0, VMI_ROM_RELOC_NONE })

/* The two jump points' targets, one pair per flavour. */
long vmi_rom_init(void);
struct vmi_rom_reloc vmi_rom_get_reloc(uint32_t call);

/* The time-stamp counter, the RDTSC instruction. */
static inline uint64_t vmi_rom_tsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Calls both flavours implement alike (rom_common.c). */
uint64_t vmi_rom_rdtsc(void);
long vmi_rom_dev_enumerate(uint32_t index, struct vmi_rom_dev *out);

#endif /* VMI_ROM_PRIV_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * ROM code both flavours share: the entry trampolines that the header's
 * jump points land on, RDTSC, and DevEnumerate, which copies an entry of
 * the image's own device table.
 */
#include "rom_priv.h"

/*
 * The code area starts with two "JMP rel32" (E9) trampolines, at code
 * offsets 0 and 5: the jump points at 0x80 and 0x88 (ENDBR64, a short jump,
 * INT3 padding, written by vmi-rom build) reach their targets through them,
 * because a short jump cannot reach past 127 bytes.
 */
asm(".pushsection .text.vmi_rom_entry, \"ax\", @progbits\n"
    "\t{disp32} jmp vmi_rom_init\n"
    "\t{disp32} jmp vmi_rom_get_reloc\n"
    ".popsection");

/* The process flavour's RDTSC: it never reads %gs, so it counts nothing. */
uint64_t vmi_rom_rdtsc(void)
{
	return vmi_rom_tsc();
}

/* The guest validated the table before it ran any ROM code. */
long vmi_rom_dev_enumerate(uint32_t index, struct vmi_rom_dev *out)
{
	typedef uint64_t __attribute__((aligned(1), may_alias)) u64_unaligned;
	const u64_unaligned *src;
	u64_unaligned *dst = (u64_unaligned *)out;
	unsigned int i;

	if (index >= vmi_le16_to_cpu(vmi_rom_image.ext.dev_count))
		return -ENOENT;
	src = (const u64_unaligned *)((const uint8_t *)&vmi_rom_image +
				      vmi_le32_to_cpu(
					      vmi_rom_image.ext.dev_offset) +
				      (uint64_t)index *
					      sizeof(struct vmi_rom_dev));
	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = src[i];
	return 0;
}

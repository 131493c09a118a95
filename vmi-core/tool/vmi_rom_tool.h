/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to vmi-rom (vmi-core/tool/): the flavours it can build and the
 * build and inspect steps behind its subcommands.
 */
#ifndef VMI_ROM_TOOL_H
#define VMI_ROM_TOOL_H

#include <stdio.h>

#include <vmi_machine.h>
#include <vmi/rom.h>

/* vmipv's release, stamped into each image's PCI header. */
#define VMI_ROM_RELEASE_MAJOR 1
#define VMI_ROM_RELEASE_MINOR 0

/* The code area starts right after the header: rom.ld links it there. */
#define VMI_ROM_CODE_OFFSET 0x90

struct vmi_rom_flavour_desc {
	const char *name; /* as --flavour spells it */
	uint16_t flavour; /* enum vmi_rom_flavour */
	const uint8_t *code, *code_end; /* the flavour's linked ROM code */
};

/* The flavour called name (or numbered flavour when name is NULL). */
const struct vmi_rom_flavour_desc *vmi_rom_flavour(const char *name,
						   unsigned int flavour);

/*
 * Lay out an image of flavour f describing the devices of m (whose
 * transport must be the flavour's), fill the call table from what the
 * flavour's get_reloc answers, and checksum it. Returns 0 with a malloc'd
 * *image of *size bytes, which vmi_rom_validate accepts, or a negative
 * errno with err naming the problem.
 */
int vmi_rom_build(const struct vmi_rom_flavour_desc *f,
		  const struct vmi_machine *m, const char *machine_path,
		  uint8_t **image, size_t *size, char *err, size_t errlen);

/*
 * Print what the image of len bytes says (header, calls, devices), every
 * read bounded by len even when the image is broken, then the validator's
 * verdict. Returns 0 when the image is valid.
 */
int vmi_rom_inspect(FILE *out, const uint8_t *image, size_t len);

#endif /* VMI_ROM_TOOL_H */

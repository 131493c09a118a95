// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: vmi_rom_validate on any bytes. A guest runs it on a
 * ROM it has not executed yet, so it must never read outside the image,
 * never loop without bound, and accept only what it can fully bind. The
 * probe runs on the same bytes as a ROM window.
 *
 * Almost every mutation breaks the checksum, which the validator checks
 * before the tables; so each input is also validated with its checksum
 * byte repaired, to reach the rules behind it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmi_guest.h>

static void check(const uint8_t *data, size_t size)
{
	char err[256];
	size_t off;

	if (!vmi_rom_validate(data, size, err, sizeof(err)) &&
	    size < sizeof(struct vmi_rom_header))
		__builtin_trap(); /* accepted less than a header */
	vmi_rom_probe(data, size, &off, err, sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmi_rom_header h;
	uint32_t image_size;
	uint8_t *copy, sum = 0;
	size_t i;

	check(data, size);
	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	image_size = vmi_le32_to_cpu(h.ext.image_size);
	if (!image_size || image_size > size)
		return 0;
	/* An exact-size copy, so that ASan sees any read past the image. */
	copy = malloc(image_size);
	memcpy(copy, data, image_size);
	for (i = 0; i + 1 < image_size; i++)
		sum += copy[i];
	copy[image_size - 1] = (uint8_t)-sum;
	check(copy, image_size);
	free(copy);
	return 0;
}

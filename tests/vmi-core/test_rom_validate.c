// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ROM validator, rule by rule: every broken image of rom_test.c is
 * refused with its field and value, by vmi_rom_validate, by
 * vmi_guest_bind (which then leaves the guest native) and by
 * vmi_guest_open on a file; the good images of both flavours pass, as do
 * the variations the ABI allows; vmi_rom_probe scans a window as Linux did.
 *
 * Usage: test_rom_validate PROCESS.rom QEMU-IVSHMEM.rom
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <vmi_guest.h>

#include "rom_test.h"

static void assert_native(const struct vmi_guest *g)
{
	struct vmi_rom_dev d;

	assert_null(g->image);
	assert_int_equal(g->flavour, 0);
	assert_int_equal(g->binding.dev_enumerate, VMI_ROM_RELOC_NONE);
	assert_int_equal(g->binding.queue_notify, VMI_ROM_RELOC_NONE);
	assert_int_equal(g->ops.dev_enumerate(0, &d), -ENODEV);
	assert_int_equal(g->ops.queue_notify(NULL, 0), -ENODEV);
}

static void test_good_images(void **state)
{
	char err[256] = "";
	unsigned int i;

	(void)state;
	for (i = 0; i < ROM_NR_FLAVOURS; i++) {
		assert_int_equal(vmi_rom_validate(roms[i].p, roms[i].len, err,
						  sizeof(err)),
				 0);
		/* More bytes than the image (a ROM window) are fine. */
		roms[i].p = realloc(roms[i].p, roms[i].len + 4096);
		memset(roms[i].p + roms[i].len, 0xff, 4096);
		assert_int_equal(vmi_rom_validate(roms[i].p, roms[i].len + 4096,
						  err, sizeof(err)),
				 0);
	}
}

/* Each broken image: refused by the validator, the binder and open. */
static void test_mutations(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < rom_nr_mutations; i++) {
		const struct rom_mutation *m = &rom_mutations[i];
		struct rom_image bad;
		struct vmi_guest g;
		char err[256] = "", *path;
		void *exec;
		int ret;

		rom_test_mutate(&roms[m->flavour], m, &bad);
		ret = vmi_rom_validate(bad.p, bad.len, err, sizeof(err));
		print_message("%-22s %d %s\n", m->name, ret, err);
		assert_int_equal(ret, m->ret);
		if (!strstr(err, m->msg))
			fail_msg("%s: message '%s' lacks '%s'", m->name, err,
				 m->msg);

		/* The binder refuses it before running any of it. */
		exec = rom_test_map_exec(&bad);
		err[0] = '\0';
		assert_int_equal(vmi_guest_bind(&g, exec, bad.len, err,
						sizeof(err)),
				 m->ret);
		assert_non_null(strstr(err, m->msg));
		assert_native(&g);
		rom_test_unmap(exec, bad.len);

		/* So does a user-space guest opening it as a file. */
		path = rom_test_write_temp(bad.p, bad.len);
		err[0] = '\0';
		assert_int_equal(vmi_guest_open(&g, path, err, sizeof(err)),
				 m->ret);
		assert_memory_equal(err, path, strlen(path));
		assert_non_null(strstr(err, m->msg));
		assert_native(&g);
		unlink(path);
		free(path);
		free(bad.p);
	}
}

static void set_api_minor(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_hdr(p)->api_version_min = 9;
}

/* A later ext minor version may use the reserved bytes. */
static void set_ext_minor(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_hdr(p)->ext.version_minor = htole16(1);
	rom_test_hdr(p)->ext.reserved[0] = 0x5a;
}

static void no_pnp(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_hdr(p)->pnp_header_offs = 0;
}

static void test_allowed_variations(void **state)
{
	static const struct rom_mutation ok[] = {
		{ "api minor 9", ROM_PROCESS, set_api_minor, 0, 0, "" },
		{ "ext minor 1", ROM_IVSHMEM, set_ext_minor, 0, 0, "" },
		{ "no PnP header", ROM_PROCESS, no_pnp, 0, 0, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct rom_image img;
		char err[256] = "";

		rom_test_mutate(&roms[ok[i].flavour], &ok[i], &img);
		if (vmi_rom_validate(img.p, img.len, err, sizeof(err)))
			fail_msg("%s refused: %s", ok[i].name, err);
		free(img.p);
	}
}

/* Any prefix of a good image is refused, none read past its end. */
static void test_every_truncation(void **state)
{
	unsigned int f;
	size_t n;

	(void)state;
	for (f = 0; f < ROM_NR_FLAVOURS; f++) {
		uint32_t size =
			le32toh(rom_test_hdr(roms[f].p)->ext.image_size);

		for (n = 0; n < size; n++) {
			uint8_t *copy = malloc(n ? n : 1);

			memcpy(copy, roms[f].p, n);
			assert_int_equal(vmi_rom_validate(copy, n, NULL, 0),
					 -EINVAL);
			free(copy);
		}
	}
}

/*
 * Linux's probe: a 128 KiB window (0xC0000-0xDFFFF) with a VGA-like
 * option ROM without "cVmi", an i386 VMI ROM (major 3), then a good
 * one at a 2 KiB step; the good one is found, the others are skipped.
 */
static void test_probe(void **state)
{
	size_t window = VMI_ROM_SCAN_END - VMI_ROM_SCAN_START, off = 99;
	uint8_t *w = calloc(1, window);
	const struct rom_image *good = &roms[ROM_IVSHMEM];
	char err[256] = "";

	(void)state;
	assert_non_null(w);
	assert_int_equal(vmi_rom_probe(w, window, &off, err, sizeof(err)),
			 -ENODEV);
	assert_non_null(strstr(err, "no VMI ROM in 131072 bytes"));

	w[0] = 0x55;
	w[1] = 0xaa;
	memcpy(w + 0x8000, good->p, good->len);
	rom_test_hdr(w + 0x8000)->api_version_maj = 3;
	rom_test_fix_checksum(w + 0x8000, good->len);
	assert_int_equal(vmi_rom_probe(w, window, &off, err, sizeof(err)),
			 -ENODEV);
	assert_non_null(strstr(err, "api_version_maj 3 is not 4"));

	memcpy(w + 0x10800, good->p, good->len);
	assert_int_equal(vmi_rom_probe(w, window, &off, err, sizeof(err)), 0);
	assert_int_equal(off, 0x10800);

	/* A ROM off the 2 KiB grid is not a candidate. */
	memset(w + 0x10800, 0, good->len);
	memcpy(w + 0x10900, good->p, good->len);
	assert_int_equal(vmi_rom_probe(w, window, &off, err, sizeof(err)),
			 -ENODEV);
	free(w);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_images),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_allowed_variations),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_probe),
	};

	return rom_test_run(tests, ARRAY_SIZE(tests), argc, argv, 1, "");
}

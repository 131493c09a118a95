/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the vmi-core tests: loading the images the build made with
 * vmi-rom, mapping a copy executable as a guest would, and the table of
 * broken images (each a mutation of a good one) that the validator, the
 * binder and 'vmi-rom verify' must all refuse with the same message.
 */
#ifndef VMI_ROM_TEST_H
#define VMI_ROM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <vmi/rom.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum rom_test_flavour { ROM_PROCESS, ROM_IVSHMEM, ROM_NR_FLAVOURS };

struct rom_image {
	uint8_t *p;
	size_t len;
};

/* The good images the build made, loaded by rom_test_run() before tests. */
extern const char *rom_paths[ROM_NR_FLAVOURS];
extern struct rom_image roms[ROM_NR_FLAVOURS];

/*
 * main() of a vmi-core test: argv[first] and argv[first + 1] are the
 * process and qemu-ivshmem images; anything else is a usage error naming
 * the arguments in usage (those before the images). Loads both, then runs
 * the nr tests.
 */
int rom_test_run(const struct CMUnitTest *tests, size_t nr, int argc,
		 char **argv, int first, const char *usage);

/* Read a whole file into malloc'd memory; fails the test on error. */
void rom_test_load(const char *path, struct rom_image *img);

/* Make the image sum to 0 again, through its last byte. */
void rom_test_fix_checksum(uint8_t *p, size_t len);

struct vmi_rom_header *rom_test_hdr(uint8_t *p);
struct vmi_rom_call *rom_test_call(uint8_t *p, unsigned int i);
struct vmi_rom_dev *rom_test_dev(uint8_t *p, unsigned int i);

/* The call table's entry for call; fails the test when there is none. */
struct vmi_rom_call *rom_test_call_of(uint8_t *p, unsigned int call);

/*
 * Make %gs:0, for every thread of the test, point at cpu (NULL: 0), as a
 * guest kernel does for the ROM's per-CPU state. rom_test_run set GS.
 */
void rom_test_set_cpu(struct vmi_rom_cpu *cpu);

/* A read-only, executable copy at a fresh address, as guests map it. */
void *rom_test_map_exec(const struct rom_image *img);
void rom_test_unmap(void *p, size_t len);

/*
 * A broken image: applied to a copy of the good image of its flavour
 * (then re-checksummed unless keep_sum), it must be refused with ret and
 * a message containing msg.
 */
struct rom_mutation {
	const char *name;
	enum rom_test_flavour flavour;
	void (*mutate)(uint8_t *p, size_t *len);
	int keep_sum;
	int ret;
	const char *msg;
};

extern const struct rom_mutation rom_mutations[];
extern const size_t rom_nr_mutations;

/* A copy of good with m applied, in malloc'd memory. */
void rom_test_mutate(const struct rom_image *good, const struct rom_mutation *m,
		     struct rom_image *out);

/* Write len bytes to a fresh file under $TMPDIR; returns its path. */
char *rom_test_write_temp(const void *p, size_t len);

#endif /* VMI_ROM_TEST_H */

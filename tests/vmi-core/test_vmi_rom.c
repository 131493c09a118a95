// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vmi-rom command line: --help of each command; build reproduces the
 * images the build made and refuses machines of the wrong transport;
 * verify accepts them and names the error of every broken image of
 * rom_test.c; inspect's output, read back line by line, says what the
 * image's bytes say.
 *
 * Usage: test_vmi_rom VMI-ROM DIR PROCESS.rom QEMU-IVSHMEM.rom
 *        (DIR holds process.machine and qemu-ivshmem.machine)
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>
#include <x86intrin.h>
#include <cmocka.h>

#include <vmi_guest.h>
#include <vmi_machine.h>

#include "rom_test.h"

static const char *tool, *dir;
static const char *const flavour_names[ROM_NR_FLAVOURS] = { "process",
							    "qemu-ivshmem" };

struct run {
	int status;
	char *out, *err; /* NUL-terminated */
};

static char *slurp(const char *path)
{
	struct rom_image img;
	char *s;

	rom_test_load(path, &img);
	s = realloc(img.p, img.len + 1);
	s[img.len] = '\0';
	return s;
}

/* Run vmi-rom with args (NULL-terminated), collecting its output. */
static void run_tool(struct run *r, ...)
{
	char *argv[16], *out = rom_test_write_temp("", 0),
			*err = rom_test_write_temp("", 0);
	posix_spawn_file_actions_t fa;
	va_list ap;
	int n = 0, st;
	pid_t pid;

	argv[n++] = (char *)tool;
	va_start(ap, r);
	while ((argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_TRUNC, 0);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_TRUNC, 0);
	assert_int_equal(posix_spawn(&pid, tool, &fa, NULL, argv, NULL), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
	r->out = slurp(out);
	r->err = slurp(err);
	unlink(out);
	unlink(err);
	free(out);
	free(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void test_help(void **state)
{
	static const char *const cmds[] = { "build", "inspect", "verify" };
	struct run r;
	size_t i;

	(void)state;
	run_tool(&r, "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: vmi-rom COMMAND"));
	run_free(&r);
	for (i = 0; i < 3; i++) {
		char want[64];

		run_tool(&r, cmds[i], "--help", NULL);
		assert_int_equal(r.status, 0);
		snprintf(want, sizeof(want), "usage: vmi-rom %s", cmds[i]);
		assert_non_null(strstr(r.out, want));
		run_free(&r);
	}
	run_tool(&r, NULL);
	assert_int_equal(r.status, 2);
	run_free(&r);
	run_tool(&r, "frobnicate", NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
	run_free(&r);
	run_tool(&r, "verify", NULL);
	assert_int_equal(r.status, 2);
	run_free(&r);
}

/* The TSC counted against CLOCK_MONOTONIC for 20 ms, in Hz. */
static uint64_t tsc_hz(void)
{
	struct timespec a, b;
	uint64_t c0, c1, ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	c0 = __rdtsc();
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000 +
		     (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
	} while (ns < 20000000);
	c1 = __rdtsc();
	return (uint64_t)((double)(c1 - c0) * 1e9 / (double)ns);
}

#define NOFREQ_MACHINE "device rng 0\n\ttransport ivshmem\n\tpci 00:06.0\n"

static void test_build(void **state)
{
	char machine[512], other[512], *out, *nofreq;
	struct rom_image img;
	uint64_t hz, host;
	struct run r;
	unsigned int f;

	(void)state;
	out = rom_test_write_temp("", 0);
	for (f = 0; f < ROM_NR_FLAVOURS; f++) {
		snprintf(machine, sizeof(machine), "%s/%s.machine", dir,
			 flavour_names[f]);
		run_tool(&r, "build", "--flavour", flavour_names[f],
			 "--machine", machine, "-o", out, NULL);
		assert_int_equal(r.status, 0);
		run_free(&r);
		/* The same input gives the same bytes. */
		rom_test_load(out, &img);
		assert_int_equal(img.len, roms[f].len);
		assert_memory_equal(img.p, roms[f].p, img.len);
		free(img.p);

		/* The other flavour's machine has the other transport. */
		snprintf(other, sizeof(other), "%s/%s.machine", dir,
			 flavour_names[!f]);
		run_tool(&r, "build", "-f", flavour_names[f], "-m", other, "-o",
			 out, NULL);
		assert_int_equal(r.status, 1);
		assert_non_null(strstr(r.err, other));
		assert_non_null(strstr(r.err, ", but a "));
		run_free(&r);
	}
	/* Without cycle-frequency, vmi-rom measures the host's TSC. */
	nofreq = rom_test_write_temp(NOFREQ_MACHINE, strlen(NOFREQ_MACHINE));
	run_tool(&r, "build", "-f", "qemu-ivshmem", "-m", nofreq, "-o", out,
		 NULL);
	assert_int_equal(r.status, 0);
	run_free(&r);
	rom_test_load(out, &img);
	hz = le64toh(rom_test_hdr(img.p)->ext.cycle_freq);
	assert_in_range(hz, VMI_ROM_CYCLE_FREQ_MIN, VMI_ROM_CYCLE_FREQ_MAX);
	host = tsc_hz();
	if (hz < host - host / 100 || hz > host + host / 100)
		fail_msg(
			"built-in cycle_freq %llu Hz, but the TSC runs at %llu",
			(unsigned long long)hz, (unsigned long long)host);
	free(img.p);
	unlink(nofreq);
	free(nofreq);

	run_tool(&r, "build", "--flavour", "xen", "--machine", machine, "-o",
		 out, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(
		r.err, "--flavour must be process or qemu-ivshmem (xen)"));
	run_free(&r);
	run_tool(&r, "build", "--flavour", "process", "--machine",
		 "/nonexistent/m", "-o", out, NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "/nonexistent/m: No such file"));
	run_free(&r);
	unlink(out);
	free(out);
}

static void test_verify(void **state)
{
	struct run r;
	unsigned int f;
	size_t i;

	(void)state;
	for (f = 0; f < ROM_NR_FLAVOURS; f++) {
		char want[128];

		run_tool(&r, "verify", rom_paths[f], NULL);
		assert_int_equal(r.status, 0);
		snprintf(want, sizeof(want),
			 "valid %s ROM, API %u.%u, %zu bytes", flavour_names[f],
			 VMI_ROM_API_MAJOR, VMI_ROM_API_MINOR, roms[f].len);
		assert_non_null(strstr(r.out, want));
		run_free(&r);
	}
	for (i = 0; i < rom_nr_mutations; i++) {
		const struct rom_mutation *m = &rom_mutations[i];
		struct rom_image bad;
		char *path;

		rom_test_mutate(&roms[m->flavour], m, &bad);
		path = rom_test_write_temp(bad.p, bad.len);
		run_tool(&r, "verify", path, NULL);
		assert_int_equal(r.status, 1);
		if (!strstr(r.err, m->msg) || !strstr(r.err, path))
			fail_msg("%s: '%s' lacks '%s'", m->name, r.err, m->msg);
		run_free(&r);
		/* inspect prints what it can and the same verdict. */
		run_tool(&r, "inspect", path, NULL);
		assert_int_equal(r.status, 1);
		assert_non_null(strstr(r.out, m->msg));
		run_free(&r);
		unlink(path);
		free(path);
		free(bad.p);
	}
}

/* The line of out that starts with prefix, or fail. */
static const char *line_of(const char *out, const char *prefix)
{
	const char *l = out;

	for (; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, prefix, strlen(prefix)))
			return l + strlen(prefix);
	fail_msg("no line '%s' in:\n%s", prefix, out);
	return NULL;
}

static void check_inspect(enum rom_test_flavour f)
{
	uint8_t *p = roms[f].p;
	struct vmi_rom_header *h = rom_test_hdr(p);
	const char *l;
	unsigned int i, a, b, c;
	char s1[64], s2[64];
	struct run r;

	run_tool(&r, "inspect", rom_paths[f], NULL);
	assert_int_equal(r.status, 0);
	assert_int_equal(
		sscanf(line_of(r.out, "  rom_length"), "%u (%u", &a, &b), 2);
	assert_int_equal(a, h->rom_length);
	assert_int_equal(b, le32toh(h->ext.image_size));
	assert_int_equal(
		sscanf(line_of(r.out, "  api_version"), "%u.%u", &a, &b), 2);
	assert_int_equal(a, h->api_version_maj);
	assert_int_equal(b, h->api_version_min);
	assert_int_equal(sscanf(line_of(r.out, "  license_offs"),
				"%x \"%63[^\"]", &a, s1),
			 2);
	assert_int_equal(a, le16toh(h->license_offs));
	assert_string_equal(s1, (char *)p + a);
	assert_int_equal(
		sscanf(line_of(r.out, "  flavour"), "%u (%63[^)]", &a, s1), 2);
	assert_int_equal(a, le16toh(h->ext.flavour));
	assert_string_equal(s1, flavour_names[f]);
	assert_int_equal(sscanf(line_of(r.out, "  code"), "%x, %u", &a, &b), 2);
	assert_int_equal(a, le32toh(h->ext.code_offset));
	assert_int_equal(b, le32toh(h->ext.code_size));

	/* Every call: number, name, relocation type, offset. */
	l = line_of(r.out, "calls");
	for (i = 0; i < le16toh(h->ext.call_count); i++) {
		struct vmi_rom_call *call = rom_test_call(p, i);

		l = strchr(l, '\n') + 1;
		assert_int_equal(sscanf(l, "%u %63s %63s %x", &a, s1, s2, &b),
				 4);
		assert_int_equal(a, le16toh(call->call));
		assert_string_equal(s1, vmi_rom_call_name(a));
		assert_string_equal(s2, vmi_rom_reloc_name(call->type));
		assert_int_equal(b, le32toh(call->offset));
	}

	/* Every device: identity, geometry, locator. */
	l = line_of(r.out, "devices");
	for (i = 0; i < le16toh(h->ext.dev_count); i++) {
		struct vmi_rom_dev *d = rom_test_dev(p, i);
		unsigned long long feat, shm, data_off;
		char cls[8], tr[16], loc[128];
		unsigned int slots, size, ro, rs;

		l = strchr(l, '\n') + 1;
		assert_int_equal(
			sscanf(l,
			       "%u: %7s %u, %15[^,], queues %u, slots %u, data %u",
			       &a, cls, &b, tr, &c, &slots, &size),
			7);
		assert_int_equal(a, i);
		assert_string_equal(
			cls, vmi_machine_class_name(le16toh(d->dev_class)));
		assert_int_equal(b, le16toh(d->instance));
		assert_string_equal(
			tr, vmi_machine_transport_name(le16toh(d->transport)));
		assert_int_equal(c, le16toh(d->nr_queues));
		assert_int_equal(slots, le32toh(d->ring_slots));
		assert_int_equal(size, le32toh(d->data_size));
		l = strchr(l, '\n') + 1;
		assert_int_equal(sscanf(l, " features %llx", &feat), 1);
		assert_int_equal(feat, le64toh(d->features));
		l = strchr(l, '\n') + 1;
		assert_int_equal(
			sscanf(l,
			       " shm_size %llx, ring_offset %x, ring_stride %x, data_offset %llx",
			       &shm, &ro, &rs, &data_off),
			4);
		assert_int_equal(shm, le64toh(d->shm_size));
		assert_int_equal(ro, le32toh(d->ring_offset));
		assert_int_equal(rs, le32toh(d->ring_stride));
		assert_int_equal(data_off, le64toh(d->data_offset));
		l = strchr(l, '\n') + 1;
		if (f == ROM_PROCESS) {
			assert_int_equal(sscanf(l, " socket \"%127[^\"]", loc),
					 1);
			assert_int_equal(strlen(loc), le32toh(d->locator_len));
			assert_memory_equal(loc,
					    p + le32toh(h->ext.strings_offset) +
						    le32toh(d->locator),
					    strlen(loc));
		} else {
			assert_int_equal(sscanf(l, " pci %x:%x.%x", &a, &b, &c),
					 3);
			assert_int_equal(a << 8 | b << 3 | c,
					 le32toh(d->locator));
		}
	}
	assert_non_null(strstr(r.out, "\nverify: ok\n"));
	run_free(&r);
}

static void test_inspect(void **state)
{
	(void)state;
	check_inspect(ROM_PROCESS);
	check_inspect(ROM_IVSHMEM);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_inspect),
	};

	if (argc == 5) {
		tool = argv[1];
		dir = argv[2];
	}
	return rom_test_run(tests, ARRAY_SIZE(tests), argc, argv, 3,
			    "VMI-ROM DIR ");
}

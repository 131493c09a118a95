// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine-description parser: the test machine files read back as
 * written (ROM keys, defaults, backend options, implied features), and
 * every kind of bad line is refused with "FILE:LINE: what (value)".
 *
 * Usage: test_machine [DIR] (the folder of process.machine; default:
 * tests/vmi-core of the source tree)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <vmi/blk.h>
#include <vmi/net.h>
#include <vmi_machine.h>

#include "rom_test.h"

static const char *dir;

static void test_load_process(void **state)
{
	const struct vmi_machine_dev *blk, *net;
	struct vmi_machine m;
	char path[512], err[256] = "", feat[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/process.machine", dir);
	if (vmi_machine_load(path, &m, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(m.nr_devs, 2);
	assert_int_equal(m.cycle_freq, 3000000000ull);

	blk = vmi_machine_find(&m, VMI_DEV_CLASS_BLK, 0);
	assert_ptr_equal(blk, &m.devs[0]);
	assert_int_equal(blk->transport, VMI_TRANSPORT_PROCESS);
	assert_int_equal(blk->nr_queues, 2);
	assert_int_equal(blk->ring_slots, 128);
	assert_int_equal(blk->data_size, 512 * 1024);
	assert_string_equal(blk->socket, "/tmp/vmipv-test/blk0.sock");
	assert_int_equal(blk->pci, -1);
	assert_int_equal(blk->line, 4);
	assert_int_equal(blk->features, VMI_FEATURE(VMI_F_VERSION_1) |
						VMI_FEATURE(VMI_F_INDIRECT) |
						VMI_FEATURE(VMI_BLK_F_FLUSH) |
						VMI_FEATURE(VMI_BLK_F_FUA) |
						VMI_FEATURE(VMI_BLK_F_DISCARD));
	/* The layout is the rule's, for these parameters. */
	assert_int_equal(blk->layout.p.nr_queues, 2);
	assert_int_equal(blk->layout.ring_offset, 4096);
	assert_int_equal(blk->layout.data_offset,
			 4096 + 2 * (uint64_t)blk->layout.ring_stride);
	assert_int_equal(blk->layout.shm_size,
			 blk->layout.data_offset + 2 * 512 * 1024);
	assert_string_equal(vmi_machine_opt(blk, "target"),
			    "/tmp/vmipv-test/disk0.img");
	assert_string_equal(vmi_machine_opt(blk, "buffered"), "");
	assert_null(vmi_machine_opt(blk, "readonly"));
	assert_int_equal(vmi_machine_opt_num(blk, "size", 77), 77);

	net = vmi_machine_find(&m, VMI_DEV_CLASS_NET, 3);
	assert_non_null(net);
	assert_int_equal(net->nr_queues, 4);
	assert_string_equal(vmi_machine_opt(net, "mac"), "52:54:00:12:34:56");
	/* mac offers the MAC feature. */
	assert_true(net->features & VMI_FEATURE(VMI_NET_F_MAC));
	vmi_machine_features_str(VMI_DEV_CLASS_NET, net->features, feat,
				 sizeof(feat));
	assert_string_equal(feat, "csum,guest_csum,host_tso4,mac,version_1");
	assert_null(vmi_machine_find(&m, VMI_DEV_CLASS_NET, 0));
	vmi_machine_free(&m);
	assert_null(m.devs);
}

static void test_defaults_and_syntax(void **state)
{
	static const char text[] = "# a comment line\r\n"
				   "\n"
				   "device blk 7   # trailing comment\r\n"
				   "  transport ivshmem\n"
				   "\tpci 0a:1f.7\n"
				   "  socket /run/with#hash and space.sock\n"
				   "  readonly\n"
				   "  size 2G\n"
				   "  block_size 0x1000\n"
				   "device net 1\n"
				   "  transport ivshmem\n"
				   "  pci 00:03.0\n"
				   "  features version_1,indirect mtu\n"
				   "  mtu 9000";
	const struct vmi_machine_dev *d;
	struct vmi_machine m;
	char err[256] = "";

	(void)state;
	if (vmi_machine_parse("t", text, sizeof(text) - 1, &m, err,
			      sizeof(err)))
		fail_msg("%s", err);
	d = &m.devs[0];
	assert_int_equal(d->instance, 7);
	assert_int_equal(d->pci, 0x0a << 8 | 0x1f << 3 | 7);
	assert_string_equal(d->socket, "/run/with#hash and space.sock");
	assert_int_equal(d->nr_queues, 1);
	assert_int_equal(d->ring_slots, 256);
	assert_int_equal(d->data_size, 1 << 20);
	assert_int_equal(d->features, VMI_FEATURE(VMI_F_VERSION_1) |
					      VMI_FEATURE(VMI_BLK_F_RO));
	assert_int_equal(vmi_machine_opt_num(d, "size", 0), 2ULL << 30);
	assert_int_equal(vmi_machine_opt_num(d, "block_size", 0), 4096);
	d = &m.devs[1];
	assert_int_equal(d->nr_queues, 2);
	assert_null(d->socket);
	assert_int_equal(d->features, VMI_FEATURE(VMI_F_VERSION_1) |
					      VMI_FEATURE(VMI_F_INDIRECT) |
					      VMI_FEATURE(VMI_NET_F_MTU));
	assert_int_equal(vmi_machine_opt_num(d, "mtu", 0), 9000);
	vmi_machine_free(&m);
}

static const char *const blk_head = "device blk 0\ntransport process\n"
				    "socket /s\n";

/* One bad description each, and the message it must get. */
static const struct {
	const char *text;
	const char *msg;
} bad[] = {
	{ "queues 2\n", "t:1: key before the first device line (queues)" },
	{ "cycle-frequency 999999\n",
	  "t:1: cycle-frequency must be a number of Hz in 1000000..100000000000 (999999)" },
	{ "cycle-frequency 2G\n",
	  "t:1: cycle-frequency must be a number of Hz in 1000000..100000000000 (2G)" },
	{ "cycle-frequency 100000000001\n",
	  "t:1: cycle-frequency must be a number of Hz in 1000000..100000000000 (100000000001)" },
	{ "cycle-frequency 2000000000\ncycle-frequency 2000000000\n",
	  "t:2: cycle-frequency given twice, first at line 1 (2000000000)" },
	{ "+cycle-frequency 2000000000\n",
	  "t:4: unknown key for a blk device (cycle-frequency)" },
	{ "device disk 0\n",
	  "t:1: unknown device class, see docs/MACHINE.md (disk)" },
	{ "device blk x\n",
	  "t:1: device instance must be a number 0..65535 (x)" },
	{ "device blk 0 1\n",
	  "t:1: device instance must be a number 0..65535 (0 1)" },
	{ "device blk 65536\n",
	  "t:1: device instance must be a number 0..65535 (65536)" },
	{ "device\n",
	  "t:1: device needs a class and an instance, e.g. blk 0 ()" },
	{ "device blk 0\ntransport tcp\n",
	  "t:2: transport must be process or ivshmem (tcp)" },
	{ "device blk 0\nsocket /s\n",
	  "t:1: device blk 0 has no transport (process or ivshmem)" },
	{ "device blk 0\ntransport process\n",
	  "t:1: device blk 0 has no socket (transport process)" },
	{ "device net 0\ntransport ivshmem\n",
	  "t:1: device net 0 has no pci (transport ivshmem)" },
	{ "device blk 0\npci 00:04.0\ntransport process\nsocket /s\n",
	  "t:2: pci is for transport ivshmem only (00:04.0)" },
	{ "device blk 0\ntransport ivshmem\npci 0:4.0\n",
	  "t:3: pci must be bus:dev.fn, e.g. 00:04.0 (0:4.0)" },
	{ "device blk 0\ntransport ivshmem\npci 00:20.0\n",
	  "t:3: pci must be bus:dev.fn, e.g. 00:04.0 (00:20.0)" },
	{ "+queues 0\n",
	  "t:4: nr_queues 0 is not a multiple of 1 in 1..64 (0)" },
	{ "+queues 65\n",
	  "t:4: nr_queues 65 is not a multiple of 1 in 1..64 (65)" },
	{ "+queues 70000\n", "t:4: queues must be 1..64 (70000)" },
	{ "+queues two\n", "t:4: queues must be a number (two)" },
	{ "device net 0\ntransport process\nsocket /s\nqueues 3\n",
	  "t:4: nr_queues 3 is not a multiple of 2 in 1..64 (3)" },
	{ "+slots 100\n",
	  "t:4: ring_slots 100 is not a power of two in 2..32768 (100)" },
	{ "+slots 65536\n",
	  "t:4: ring_slots 65536 is not a power of two in 2..32768 (65536)" },
	{ "+data 1000\n",
	  "t:4: data_size 1000 is not a non-zero multiple of 4096 (1000)" },
	{ "+data 5Q\n",
	  "t:4: data must be a number with an optional K, M or G (5Q)" },
	{ "+data 8G\n",
	  "t:4: data must be a number with an optional K, M or G (8G)" },
	{ "+data 99999999999999999999\n",
	  "t:4: data must be a number with an optional K, M or G (99999999999999999999)" },
	{ "+features flush tso4\n",
	  "t:4: unknown feature for a blk device (tso4)" },
	{ "+features\n", "t:4: features needs a value (features)" },
	{ "+tagret /disk\n", "t:4: unknown key for a blk device (tagret)" },
	{ "+mac 52:54:00:12:34:56\n",
	  "t:4: unknown key for a blk device (mac)" },
	{ "+queues 2\nqueues 2\n",
	  "t:5: key given twice in device blk 0 (queues)" },
	{ "+target /a\ntarget /b\n",
	  "t:5: key given twice in device blk 0 (target)" },
	{ "+readonly yes\n", "t:4: readonly takes no value (yes)" },
	{ "+target\n", "t:4: target needs a value (target)" },
	{ "+size lots\n",
	  "t:4: size must be a number with an optional K, M or G (lots)" },
	{ "device net 0\ntransport process\nsocket /s\nmac 52:54:00:12:34\n",
	  "t:4: mac must be a MAC address, e.g. 52:54:00:12:34:56 (52:54:00:12:34)" },
	{ "device blk 0\ntransport process\nsocket /"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	  "t:3: socket path is longer than 107 bytes (/aaaa" },
	{ "+\ndevice blk 0\n",
	  "t:5: device blk 0 defined twice, first at line 1 (blk 0)" },
	{ "+\ndevice net 0\ntransport process\nsocket /s\n",
	  "t:7: socket already used by device blk 0 at line 1 (/s)" },
	{ "device blk 0\ntransport ivshmem\npci 00:04.0\n"
	  "device blk 1\ntransport ivshmem\npci 00:04.0\n",
	  "t:6: pci address already used by device blk 0 at line 1 (00:04.0)" },
	{ "+target /a\x01"
	  "b\n",
	  "t:4: control character (0x01)" },
};

static void test_bad_lines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vmi_machine m;
		char text[512], err[256] = "";
		const char *t = bad[i].text;

		/* '+' stands for a valid device opening lines 1-3. */
		if (*t == '+')
			snprintf(text, sizeof(text), "%s%s", blk_head, t + 1);
		else
			snprintf(text, sizeof(text), "%s", t);
		assert_int_equal(vmi_machine_parse("t", text, strlen(text), &m,
						   err, sizeof(err)),
				 -EINVAL);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %zu: got '%s', want '%s'", i, err,
				 bad[i].msg);
		assert_null(m.devs);
	}
}

static void test_limits(void **state)
{
	struct vmi_machine m;
	char *text, err[256] = "";
	size_t len = 0, cap = 1 << 20;
	unsigned int i;

	(void)state;
	text = malloc(cap);
	assert_non_null(text);

	/* 64 devices fit a ROM; a 65th does not. */
	for (i = 0; i < 65; i++)
		len += snprintf(
			text + len, cap - len,
			"device blk %u\ntransport process\nsocket /s%u\n", i,
			i);
	assert_int_equal(vmi_machine_parse("t", text, len, &m, err,
					   sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t:193: more than 64 devices (blk 64)");
	len = strstr(text, "device blk 64") - text;
	assert_int_equal(
		vmi_machine_parse("t", text, len, &m, err, sizeof(err)), 0);
	assert_int_equal(m.nr_devs, 64);
	vmi_machine_free(&m);

	/* A NUL byte, and a line too long to be a description. */
	memcpy(text, "device blk 0\n\0x\n", 16);
	assert_int_equal(vmi_machine_parse("t", text, 16, &m, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t:2: control character (0x00)");
	memset(text, 'x', 5000);
	assert_int_equal(vmi_machine_parse("t", text, 5000, &m, err,
					   sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t:1: line longer than 4095 bytes (5000)");
	free(text);
}

/* From a file, the messages name the file; a missing file says so. */
static void test_load_errors(void **state)
{
	static const char text[] = "device blk 0\ntransport process\n"
				   "socket /s\nslots 3\n";
	struct vmi_machine m;
	char *path, err[512] = "", want[512];

	(void)state;
	path = rom_test_write_temp(text, sizeof(text) - 1);
	assert_int_equal(vmi_machine_load(path, &m, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s:4: ring_slots 3 is not a power of two in 2..32768 (3)",
		 path);
	assert_string_equal(err, want);
	vmi_machine_free(&m);
	unlink(path);
	free(path);

	assert_int_equal(vmi_machine_load("/nonexistent/m", &m, err,
					  sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/m: No such file or directory");
	vmi_machine_free(&m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_process),
		cmocka_unit_test(test_defaults_and_syntax),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load_errors),
	};

	if (argc > 2) {
		fprintf(stderr, "usage: %s [DIR]\n", argv[0]);
		return 2;
	}
	dir = argc > 1 ? argv[1] : VMI_SRCDIR "/tests/vmi-core";
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmirng-read: random bytes from a vmipv entropy device, on stdout.
 *
 *   vmirng-read ROM DEVICE BYTES
 *   vmirng-read --request OFFSET LEN ROM DEVICE
 *
 * ROM is the process flavour's ROM image, DEVICE the entropy device's index
 * in its device table. The second form sends one request exactly as given
 * (a range the library's reads never name, such as one outside the data
 * area) and prints the device's answer as "status S len N", then sends
 * one good request (max_request bytes at offset 0) on the same queue and
 * prints its answer the same way: the tests use it to check that the
 * backend refuses what it must and keeps serving the guest that sent it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmi_rng_user.h"

static void vmirng_usage(void)
{
	fprintf(stderr, "usage: vmirng-read ROM DEVICE BYTES\n"
			"       vmirng-read --request OFFSET LEN ROM DEVICE\n");
}

/* A number 0..max, or -1. */
static long long vmirng_number(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -1;
	return (long long)v;
}

static int vmirng_write_all(const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* BYTES random bytes to stdout, one max_request-sized chunk at a time. */
static int vmirng_copy_out(struct vmi_rng_dev *d, unsigned long long bytes)
{
	size_t chunk = vmi_rng_max_request(d);
	uint8_t *buf = malloc(chunk);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (bytes && !ret) {
		size_t n = bytes < chunk ? (size_t)bytes : chunk;

		ret = vmi_rng_read(d, buf, n);
		if (!ret)
			ret = vmirng_write_all(buf, n);
		bytes -= n;
	}
	free(buf);
	return ret;
}

int main(int argc, char **argv)
{
	long long offset = -1, len = -1, device, bytes = 0;
	bool raw = argc == 6 && !strcmp(argv[1], "--request");
	struct vmi_rng_dev *d;
	char err[256];
	uint32_t filled;
	int ret;

	if (raw) {
		offset = vmirng_number(argv[2], UINT32_MAX);
		len = vmirng_number(argv[3], UINT32_MAX);
		argv += 3;
	} else if (argc == 4) {
		bytes = vmirng_number(argv[3], 1ull << 40);
	} else {
		vmirng_usage();
		return 2;
	}
	device = vmirng_number(argv[2], 65535);
	if (device < 0 || bytes < 0 || (raw && (offset < 0 || len < 0))) {
		vmirng_usage();
		return 2;
	}
	ret = vmi_rng_open(argv[1], (int)device, &d, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vmirng-read: %s: device %lld: %s\n", argv[1],
			device, err);
		return 1;
	}
	if (raw) {
		ret = vmi_rng_request(d, (uint32_t)offset, (uint32_t)len,
				      &filled);
		if (ret >= 0) {
			printf("status %d len %u\n", ret, filled);
			ret = vmi_rng_request(d, 0, vmi_rng_max_request(d),
					      &filled);
		}
		if (ret >= 0)
			printf("status %d len %u\n", ret, filled);
	} else {
		ret = vmirng_copy_out(d, (unsigned long long)bytes);
	}
	vmi_rng_close(d);
	if (ret < 0) {
		fprintf(stderr, "vmirng-read: %s: device %lld: %s\n", argv[1],
			device, strerror(-ret));
		return 1;
	}
	return 0;
}

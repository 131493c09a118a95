// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-blk-io: a small process guest for the block tests, a command line
 * over the user-space block library (vmi_blk_user.h). It writes and checks
 * a pattern that is a function of the seed and the byte offset only, so
 * that what one run writes another run, or another reader, can check.
 *
 *   vmi-blk-io [--queue Q] ROM DEVICE CMD [ARGS] [CMD [ARGS] ...]
 *     info                      capacity, block sizes, limits, features
 *     write OFF LEN SEED [fua]  the pattern, up to 32 requests in flight
 *     read OFF LEN SEED         read back, exit 1 at the first bad byte
 *     zero OFF LEN              read back, expect zeroes
 *     dump OFF LEN              read, copy to stdout
 *     writev OFF NSEGS SEED     one write of NSEGS 512-byte buffers
 *     readv OFF NSEGS SEED      one read into NSEGS 512-byte buffers, check
 *     flush
 *     discard OFF LEN
 *     zeroes OFF LEN [unmap]    WRITE_ZEROES
 *     ranges discard|zeroes|zeroes-unmap OFF LEN STEP N
 *                               one multi-range request: N ranges of LEN
 *                               bytes, at OFF, OFF + STEP, ...
 *     cache writeback|writethrough   SET_CACHE, then the config's mode
 *     getid                     the device's serial
 *     expect-error ERRNO CMD .. the next command must fail with -ERRNO
 *   vmi-blk-io check-file PATH OFF LEN SEED
 *     the same check with pread() on the target file: no ring involved
 *
 * Sizes take K, M and G. Each command prints one line saying what it did;
 * "flushed" is printed once a FLUSH has completed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmi_blk_user.h"

#define DEPTH 32
#define CHUNK (256 * 1024)

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The pattern's bytes [off, off + len): off and len multiples of 8. */
static void pattern(uint8_t *p, uint64_t off, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t w = splitmix(seed ^ ((off + i) >> 3));

		memcpy(p + i, &w, 8);
	}
}

/* 0, or 1 after naming the first byte that differs. */
static int check(const uint8_t *p, uint64_t off, size_t len, uint64_t seed,
		 const char *who)
{
	uint8_t want[4096];
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < sizeof(want) ? len - i : sizeof(want);
		if (seed == UINT64_MAX)
			memset(want, 0, n);
		else
			pattern(want, off + i, n, seed);
		if (memcmp(p + i, want, n)) {
			size_t k = 0;

			while (p[i + k] == want[k])
				k++;
			fprintf(stderr,
				"%s: byte %llu is %#x, the pattern says %#x\n",
				who, (unsigned long long)(off + i + k),
				p[i + k], want[k]);
			return 1;
		}
	}
	return 0;
}

static int parse_size(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'K':
		*v <<= 10;
		end++;
		break;
	case 'M':
		*v <<= 20;
		end++;
		break;
	case 'G':
		*v <<= 30;
		end++;
		break;
	}
	return *end ? -1 : 0;
}

static int check_file(int argc, char **argv)
{
	uint64_t off, len, seed, done;
	uint8_t *buf;
	int fd, bad = 0;

	if (argc != 6 || parse_size(argv[3], &off) ||
	    parse_size(argv[4], &len) || parse_size(argv[5], &seed) ||
	    off % 8 || len % 8) {
		fprintf(stderr,
			"usage: vmi-blk-io check-file PATH OFF LEN SEED\n");
		return 2;
	}
	fd = open(argv[2], O_RDONLY);
	buf = malloc(CHUNK);
	if (fd < 0 || !buf) {
		perror(argv[2]);
		return 2;
	}
	for (done = 0; done < len && !bad; done += CHUNK) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;

		if (pread(fd, buf, n, off + done) != (ssize_t)n) {
			fprintf(stderr, "%s: short read at %llu\n", argv[2],
				(unsigned long long)(off + done));
			return 1;
		}
		bad = check(buf, off + done, n, seed, argv[2]);
	}
	if (!bad)
		printf("file %s: %llu bytes at %llu match seed %llu\n", argv[2],
		       (unsigned long long)len, (unsigned long long)off,
		       (unsigned long long)seed);
	free(buf);
	close(fd);
	return bad;
}

struct io_ctx {
	struct vmi_blk_dev *dev;
	struct vmi_blk_queue *q;
	const struct vmi_blk_info *info;
	uint8_t *bufs[DEPTH];
	size_t bufsz; /* bytes of each buffer, at least 16 KiB */
};

/* Wait for one completion; its error, or -EIO for a short transfer. */
static int reap_one(struct io_ctx *c, uint64_t *user_data)
{
	struct vmi_blk_completion cpl;
	int n = vmi_blk_reap(c->q, &cpl, 1, 1, -1);

	if (n != 1)
		return n < 0 ? n : -EIO;
	*user_data = cpl.user_data;
	return cpl.error;
}

static int submit_wait(struct io_ctx *c, const struct vmi_blk_cmd *cmd)
{
	uint64_t ud;
	int ret = vmi_blk_submit(c->q, cmd);

	if (ret)
		return ret;
	vmi_blk_commit(c->q);
	return reap_one(c, &ud);
}

/*
 * Stream len bytes at off through DEPTH buffers: write the pattern, read
 * and check it (seed UINT64_MAX: zeroes), or read and copy to stdout.
 * Completions come in any order; a dump holds each buffer until the ones
 * before it are out, so stdout gets the bytes in device order.
 */
enum stream_op { S_WRITE, S_READ, S_DUMP };

static int stream(struct io_ctx *c, enum stream_op op, uint64_t off,
		  uint64_t len, uint64_t seed, uint8_t flags)
{
	uint64_t chunk = c->info->max_transfer < c->bufsz ?
				 c->info->max_transfer :
				 c->bufsz;
	uint64_t next = 0, done = 0, emitted = 0, at[DEPTH];
	unsigned int free_slots[DEPTH], nr_free = DEPTH, i;
	bool ready[DEPTH] = { false };
	size_t lens[DEPTH];
	int ret;

	for (i = 0; i < DEPTH; i++)
		free_slots[i] = i;
	while (done < len) {
		while (nr_free && next < len) {
			unsigned int s = free_slots[--nr_free];
			struct iovec iov;
			struct vmi_blk_cmd cmd = {
				.op = op == S_WRITE ? VMI_BLK_OP_WRITE :
						      VMI_BLK_OP_READ,
				.flags = flags,
				.nr_iov = 1,
				.iov = &iov,
				.offset = off + next,
				.user_data = s,
			};

			lens[s] = len - next < chunk ? len - next : chunk;
			at[s] = off + next;
			iov.iov_base = c->bufs[s];
			iov.iov_len = lens[s];
			if (op == S_WRITE)
				pattern(c->bufs[s], at[s], lens[s], seed);
			ret = vmi_blk_submit(c->q, &cmd);
			if (ret)
				return ret;
			next += lens[s];
		}
		vmi_blk_commit(c->q);
		{
			uint64_t ud;
			unsigned int s;

			ret = reap_one(c, &ud);
			if (ret)
				return ret;
			s = (unsigned int)ud;
			if (op == S_READ &&
			    check(c->bufs[s], at[s], lens[s], seed, "device"))
				return -EILSEQ;
			done += lens[s];
			if (op != S_DUMP) {
				free_slots[nr_free++] = s;
				continue;
			}
			ready[s] = true;
			/* Out with every buffer that is next in device order. */
			for (i = 0; i < DEPTH;) {
				if (!ready[i] || at[i] != off + emitted) {
					i++;
					continue;
				}
				if (fwrite(c->bufs[i], 1, lens[i], stdout) !=
				    lens[i])
					return -EIO;
				emitted += lens[i];
				ready[i] = false;
				free_slots[nr_free++] = i;
				i = 0;
			}
		}
	}
	return 0;
}

/* One request of nsegs 512-byte buffers (indirect beyond four). */
static int vector(struct io_ctx *c, bool write, uint64_t off,
		  unsigned int nsegs, uint64_t seed)
{
	struct iovec iov[64];
	struct vmi_blk_cmd cmd = {
		.op = write ? VMI_BLK_OP_WRITE : VMI_BLK_OP_READ,
		.nr_iov = (uint16_t)nsegs,
		.iov = iov,
		.offset = off,
	};
	unsigned int i;
	int ret;

	if (nsegs < 1 || nsegs > 64)
		return -EINVAL;
	/* Scattered: every other 4 KiB of the buffer area, backwards. */
	for (i = 0; i < nsegs; i++) {
		iov[i].iov_base =
			c->bufs[DEPTH - 1 - i % DEPTH] + (i / DEPTH) * 8192;
		iov[i].iov_len = 512;
		if (write)
			pattern(iov[i].iov_base, off + i * 512, 512, seed);
		else
			memset(iov[i].iov_base, 0xee, 512);
	}
	ret = submit_wait(c, &cmd);
	for (i = 0; !ret && !write && i < nsegs; i++)
		if (check(iov[i].iov_base, off + i * 512, 512, seed, "device"))
			return -EILSEQ;
	return ret;
}

static int need(int argc, int i, int n, const char *cmd)
{
	if (i + n >= argc) {
		fprintf(stderr, "vmi-blk-io: %s needs %d argument(s)\n", cmd,
			n);
		exit(2);
	}
	return 0;
}

static uint64_t arg_size(const char *s)
{
	uint64_t v;

	if (parse_size(s, &v)) {
		fprintf(stderr, "vmi-blk-io: '%s' is not a size\n", s);
		exit(2);
	}
	return v;
}

/* Run the command at argv[*i]; advances *i past its arguments. */
static int command(struct io_ctx *c, int argc, char **argv, int *i)
{
	const char *cmd = argv[*i];
	const struct vmi_blk_info *info = c->info;
	struct vmi_blk_cmd bc = { 0 };
	int ret;

	if (!strcmp(cmd, "info")) {
		printf("capacity=%llu logical_block_size=%u physical_block_size=%u buf_align=%u max_transfer=%u max_segs=%u slots=%u data_size=%u features=%#llx read_only=%d max_discard_segs=%u alignment_offset=%u min_io_size=%u opt_io_size=%u cache=%d\n",
		       (unsigned long long)info->capacity,
		       info->logical_block_size, info->physical_block_size,
		       info->buf_align, info->max_transfer, info->max_segs,
		       info->nr_slots, info->data_size,
		       (unsigned long long)info->features, info->read_only,
		       info->max_discard_segs, info->alignment_offset,
		       info->min_io_size, info->opt_io_size,
		       vmi_blk_cache_mode(c->dev));
		return 0;
	}
	if (!strcmp(cmd, "write") || !strcmp(cmd, "read") ||
	    !strcmp(cmd, "zero") || !strcmp(cmd, "dump")) {
		bool w = cmd[0] == 'w';
		uint64_t off, len, seed = UINT64_MAX;
		uint8_t flags = 0;

		need(argc, *i, w || cmd[0] == 'r' ? 3 : 2, cmd);
		off = arg_size(argv[++*i]);
		len = arg_size(argv[++*i]);
		if (w || cmd[0] == 'r')
			seed = arg_size(argv[++*i]);
		if (w && *i + 1 < argc && !strcmp(argv[*i + 1], "fua")) {
			flags = VMI_BLK_REQ_F_FUA;
			++*i;
		}
		ret = stream(c,
			     w		   ? S_WRITE :
			     cmd[0] == 'd' ? S_DUMP :
					     S_READ,
			     off, len, seed, flags);
		if (!ret && cmd[0] != 'd')
			fprintf(stderr, "%s %llu bytes at %llu%s: ok\n", cmd,
				(unsigned long long)len,
				(unsigned long long)off, flags ? " (FUA)" : "");
		return ret;
	}
	if (!strcmp(cmd, "writev") || !strcmp(cmd, "readv")) {
		uint64_t off, n, seed;

		need(argc, *i, 3, cmd);
		off = arg_size(argv[++*i]);
		n = arg_size(argv[++*i]);
		seed = arg_size(argv[++*i]);
		ret = vector(c, cmd[0] == 'w', off, (unsigned int)n, seed);
		if (!ret)
			fprintf(stderr, "%s %llu segments at %llu: ok\n", cmd,
				(unsigned long long)n, (unsigned long long)off);
		return ret;
	}
	if (!strcmp(cmd, "flush")) {
		ret = vmi_blk_flush(c->q);
		if (!ret) {
			printf("flushed\n");
			fflush(stdout);
		}
		return ret;
	}
	if (!strcmp(cmd, "discard") || !strcmp(cmd, "zeroes")) {
		need(argc, *i, 2, cmd);
		bc.op = cmd[0] == 'd' ? VMI_BLK_OP_DISCARD :
					VMI_BLK_OP_WRITE_ZEROES;
		bc.offset = arg_size(argv[++*i]);
		bc.len = arg_size(argv[++*i]);
		if (cmd[0] == 'z' && *i + 1 < argc &&
		    !strcmp(argv[*i + 1], "unmap")) {
			bc.flags = VMI_BLK_REQ_F_UNMAP;
			++*i;
		}
		ret = submit_wait(c, &bc);
		if (!ret)
			fprintf(stderr, "%s %llu bytes at %llu: ok\n", cmd,
				(unsigned long long)bc.len,
				(unsigned long long)bc.offset);
		return ret;
	}
	if (!strcmp(cmd, "ranges")) {
		struct vmi_blk_range *r = (struct vmi_blk_range *)c->bufs[0];
		uint64_t off, len, step, n, k;
		struct iovec iov;

		need(argc, *i, 5, cmd);
		++*i;
		bc.op = strcmp(argv[*i], "discard") ? VMI_BLK_OP_WRITE_ZEROES :
						      VMI_BLK_OP_DISCARD;
		if (!strcmp(argv[*i], "zeroes-unmap"))
			bc.flags = VMI_BLK_REQ_F_UNMAP;
		off = arg_size(argv[++*i]);
		len = arg_size(argv[++*i]);
		step = arg_size(argv[++*i]);
		n = arg_size(argv[++*i]);
		if (n * sizeof(*r) > c->bufsz)
			return -E2BIG;
		for (k = 0; k < n; k++)
			r[k] = (struct vmi_blk_range){
				.sector = vmi_cpu_to_le64((off + k * step) >>
							  VMI_BLK_SECTOR_SHIFT),
				.nr_sectors = vmi_cpu_to_le32((
					uint32_t)(len >> VMI_BLK_SECTOR_SHIFT)),
			};
		iov = (struct iovec){ r, n * sizeof(*r) };
		bc.nr_iov = 1;
		bc.iov = &iov;
		ret = submit_wait(c, &bc);
		if (!ret)
			fprintf(stderr,
				"%s %s: %llu ranges of %llu bytes: ok\n", cmd,
				argv[*i - 4], (unsigned long long)n,
				(unsigned long long)len);
		return ret;
	}
	if (!strcmp(cmd, "cache")) {
		need(argc, *i, 1, cmd);
		++*i;
		if (strcmp(argv[*i], "writeback") &&
		    strcmp(argv[*i], "writethrough")) {
			fprintf(stderr, "vmi-blk-io: cache %s?\n", argv[*i]);
			exit(2);
		}
		ret = vmi_blk_set_cache(c->q, !strcmp(argv[*i], "writeback"));
		if (!ret)
			printf("cache=%d\n", vmi_blk_cache_mode(c->dev));
		return ret;
	}
	if (!strcmp(cmd, "getid")) {
		struct iovec iov = { c->bufs[0], 512 };

		memset(c->bufs[0], 0, 512);
		bc.op = VMI_BLK_OP_GET_ID;
		bc.nr_iov = 1;
		bc.iov = &iov;
		ret = submit_wait(c, &bc);
		if (!ret)
			printf("id=%.20s\n", (const char *)c->bufs[0]);
		return ret;
	}
	fprintf(stderr, "vmi-blk-io: unknown command '%s'\n", cmd);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmi_blk_open_opts o = { 0 };
	struct vmi_blk_dev *dev;
	struct io_ctx c = { 0 };
	unsigned int queue = 0;
	char err[256];
	int i, ret, opt;

	if (argc > 1 && !strcmp(argv[1], "check-file"))
		return check_file(argc, argv);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt != 'q')
			return 2;
		queue = (unsigned int)strtoul(optarg, NULL, 0);
	}
	if (argc - optind < 3) {
		fprintf(stderr,
			"usage: vmi-blk-io [--queue Q] ROM DEVICE CMD [ARGS] ...\n"
			"       vmi-blk-io check-file PATH OFF LEN SEED\n");
		return 2;
	}
	o.rom = argv[optind];
	o.device = (unsigned int)strtoul(argv[optind + 1], NULL, 0);
	ret = vmi_blk_open(&o, &dev, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vmi-blk-io: %s\n", err);
		return 1;
	}
	c.dev = dev;
	c.q = vmi_blk_queue(dev, queue);
	c.info = vmi_blk_info(dev);
	if (!c.q) {
		fprintf(stderr, "vmi-blk-io: no queue %u\n", queue);
		return 2;
	}
	/* DEPTH buffers, leaving room for the library's indirect lists. */
	c.bufsz = (c.info->data_size / (DEPTH + 2)) & ~(size_t)4095;
	if (c.bufsz > CHUNK)
		c.bufsz = CHUNK;
	for (i = 0; i < DEPTH; i++) {
		c.bufs[i] = c.bufsz >= 16384 ?
				    vmi_blk_alloc(c.q, c.bufsz, 4096) :
				    NULL;
		if (!c.bufs[i]) {
			fprintf(stderr,
				"vmi-blk-io: the %u-byte data area holds no %d buffers of 16 KiB\n",
				c.info->data_size, DEPTH);
			return 2;
		}
	}
	ret = 0;
	for (i = optind + 2; i < argc && !ret; i++) {
		if (!strcmp(argv[i], "expect-error")) {
			const char *name;
			int want;

			need(argc, i, 2, argv[i]);
			want = -(int)arg_size(argv[++i]);
			name = argv[++i];
			ret = command(&c, argc, argv, &i);
			if (ret != want) {
				fprintf(stderr,
					"vmi-blk-io: %s returned %d (%s), expected %d\n",
					name, ret, strerror(-ret), want);
				ret = ret ? ret : -EINVAL;
			} else {
				fprintf(stderr,
					"%s failed with %d, as expected\n",
					name, ret);
				ret = 0;
			}
			continue;
		}
		ret = command(&c, argc, argv, &i);
		if (ret)
			fprintf(stderr, "vmi-blk-io: %s: %s\n", argv[i],
				strerror(-ret));
	}
	vmi_blk_close(dev);
	return ret ? 1 : 0;
}

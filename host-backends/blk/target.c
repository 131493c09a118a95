// SPDX-License-Identifier: GPL-2.0-only
/*
 * The storage behind a vmi-blkback device. The target's kind comes from
 * its name: nbd:// and nbd+unix:// URIs are NBD exports (target_nbd.c),
 * rbd:POOL/IMAGE a Ceph RBD image (target_rbd.c), anything else a raw
 * image file or a block device, served here through the queue's io_uring
 * and opened O_DIRECT unless told otherwise; or nothing at all (the null
 * target, which measures the transport alone). Each kind is an ops table
 * (blkback.h). A target's size, block sizes, O_DIRECT alignment and what
 * its engine can do become the device's config and features, which the
 * validator then enforces on every request. Its topology (minimum and
 * optimal I/O size, alignment offset) becomes the config's hints.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/stat.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "blkback.h"

#define VMI_BLKBACK_MAX_TRANSFER (4u << 20)
#define VMI_BLKBACK_MAX_RANGE_SECTORS (1u << 22) /* 2 GiB per discard */

static uint32_t vmi_max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/*
 * What O_DIRECT needs of file offsets and of buffers, where the kernel says
 * (statx, Linux 6.1); else the logical block size for both.
 */
static void vmi_blkback_dio_align(struct vmi_blkback_target *t)
{
	struct statx stx;

	if (statx(t->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align) {
		t->logical_block_size = vmi_max_u32(t->logical_block_size,
						    stx.stx_dio_offset_align);
		t->dio_align =
			vmi_max_u32(stx.stx_dio_mem_align, VMI_BLK_SECTOR_SIZE);
		return;
	}
	t->dio_align = t->logical_block_size;
}

static int vmi_blkback_blkdev_geometry(struct vmi_blkback_target *t)
{
	int lbs = 0, pbs = 0, align = 0;
	unsigned int io_min = 0, io_opt = 0;

	if (ioctl(t->fd, BLKGETSIZE64, &t->size) < 0 ||
	    ioctl(t->fd, BLKSSZGET, &lbs) < 0 ||
	    ioctl(t->fd, BLKPBSZGET, &pbs) < 0 ||
	    ioctl(t->fd, BLKIOMIN, &io_min) < 0 ||
	    ioctl(t->fd, BLKIOOPT, &io_opt) < 0 ||
	    ioctl(t->fd, BLKALIGNOFF, &align) < 0)
		return -errno;
	t->logical_block_size = (uint32_t)lbs;
	t->physical_block_size = (uint32_t)pbs;
	/* The kernel's topology, as the device's own queue limits say. */
	t->min_io_size = io_min;
	t->opt_io_size = io_opt;
	t->alignment_offset = align > 0 ? (uint32_t)align : 0;
	return 0;
}

static int vmi_blkback_file_open(struct vmi_blkback_target *t)
{
	int flags = (t->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	const char *path = t->path;
	bool direct = t->direct;
	struct stat st;
	int ret;

	t->fd = open(path, flags | (direct ? O_DIRECT : 0));
	if (t->fd < 0 && direct && errno == EINVAL) {
		fprintf(stderr,
			"%s: %s does not support O_DIRECT: using the page cache\n",
			program_invocation_short_name, path);
		direct = false;
		t->fd = open(path, flags);
	}
	if (t->fd < 0)
		goto fail_errno;
	t->direct = direct;
	if (fstat(t->fd, &st) < 0)
		goto fail_errno;
	if (S_ISBLK(st.st_mode)) {
		t->is_blkdev = true;
		ret = vmi_blkback_blkdev_geometry(t);
		if (ret)
			goto fail;
	} else if (S_ISREG(st.st_mode)) {
		t->size = (uint64_t)st.st_size;
		t->logical_block_size = VMI_BLK_SECTOR_SIZE;
		t->physical_block_size = (uint32_t)st.st_blksize;
		/* The file system's block: less is a read-modify-write. */
		t->min_io_size = (uint32_t)st.st_blksize;
		t->zero_range = true;
	} else {
		fprintf(stderr, "%s: %s is neither a file nor a block device\n",
			program_invocation_short_name, path);
		ret = -EINVAL;
		goto fail;
	}
	if (direct)
		vmi_blkback_dio_align(t);
	else
		t->dio_align = VMI_BLK_SECTOR_SIZE;
	if (t->logical_block_size != 512 && t->logical_block_size != 4096) {
		fprintf(stderr,
			"%s: %s: logical block size %u is neither 512 nor 4096\n",
			program_invocation_short_name, path,
			t->logical_block_size);
		ret = -EINVAL;
		goto fail;
	}
	/* Whole logical blocks only: a tail shorter than one is not served. */
	t->size -= t->size % t->logical_block_size;
	if (!t->size) {
		fprintf(stderr, "%s: %s is smaller than one %u-byte block\n",
			program_invocation_short_name, path,
			t->logical_block_size);
		ret = -EINVAL;
		goto fail;
	}
	/* 20 bytes that stay the same for the same file or device. */
	snprintf(t->serial, sizeof(t->serial), "vmi%llx:%llx",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	t->can_flush = t->can_fua = true;
	t->can_discard = t->can_write_zeroes = true;
	return 0;

fail_errno:
	ret = -errno;
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, path,
		strerror(errno));
fail:
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return ret;
}

static void vmi_blkback_file_close(struct vmi_blkback_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/*
 * Synchronous DISCARD / WRITE_ZEROES on a block device, range after range:
 * 0 or the first -errno.
 */
static int vmi_blkback_blkdev_range(const struct vmi_blkback_target *t,
				    const struct vmi_blk_io *io)
{
	unsigned long req = io->op == VMI_BLK_OP_DISCARD ? BLKDISCARD :
							   BLKZEROOUT;
	unsigned int i;

	for (i = 0; i < io->nr_ranges; i++) {
		uint64_t range[2] = { io->range[i].offset, io->range[i].len };

		if (ioctl(t->fd, req, range) < 0)
			return -errno;
	}
	return 0;
}

/*
 * bio->iov: the request's segments from byte bio->done on (a short
 * transfer resumes there); returns how many there are.
 */
static unsigned int vmi_blkback_iov_from(struct vmi_blkback_queue *q,
					 struct vmi_blkback_io *bio)
{
	const struct vmi_blk_io *io = &bio->io;
	uint64_t skip = bio->done;
	unsigned int i, n = 0;

	for (i = 0; i < io->nr_segs; i++) {
		if (skip >= io->seg[i].len) {
			skip -= io->seg[i].len;
			continue;
		}
		bio->iov[n].iov_base = q->data + io->seg[i].offset + skip;
		bio->iov[n].iov_len = io->seg[i].len - skip;
		skip = 0;
		n++;
	}
	return n;
}

static void vmi_blkback_prep_rw(struct vmi_blkback_queue *q,
				struct vmi_blkback_io *bio)
{
	const struct vmi_blk_io *io = &bio->io;
	struct io_uring_sqe *sqe = vmi_blkback_sqe(q, bio);
	bool write = io->op == VMI_BLK_OP_WRITE;
	int fd = q->bg->bb->target.fd;
	uint64_t off = io->offset + bio->done;

	if (io->nr_segs == 1 && q->fixed) {
		void *buf = q->data + io->seg[0].offset + bio->done;
		unsigned int len = (unsigned int)(io->seg[0].len - bio->done);

		if (write)
			io_uring_prep_write_fixed(sqe, fd, buf, len, off, 0);
		else
			io_uring_prep_read_fixed(sqe, fd, buf, len, off, 0);
	} else {
		unsigned int n = vmi_blkback_iov_from(q, bio);

		if (write)
			io_uring_prep_writev(sqe, fd, bio->iov, n, off);
		else
			io_uring_prep_readv(sqe, fd, bio->iov, n, off);
	}
	/* FUA, or every write in write-through mode. */
	if (write && vmi_blkback_stable(q, io))
		sqe->rw_flags = RWF_DSYNC;
}

/* The fallocate of the request's range bio->range_at. */
static void vmi_blkback_prep_falloc(struct vmi_blkback_queue *q,
				    struct vmi_blkback_io *bio)
{
	const struct vmi_blk_io *io = &bio->io;
	const struct vmi_blk_io_range *r = &io->range[bio->range_at];
	int mode = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE;

	/*
	 * A punched hole reads back as zeroes: right for DISCARD, for
	 * WRITE_ZEROES with UNMAP, and where ZERO_RANGE is not supported
	 * (tmpfs).
	 */
	if (io->op == VMI_BLK_OP_WRITE_ZEROES && !bio->punched &&
	    !(io->flags & VMI_BLK_REQ_F_UNMAP) &&
	    __atomic_load_n(&q->bg->bb->target.zero_range, __ATOMIC_RELAXED))
		mode = FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE;
	else
		bio->punched = true;
	io_uring_prep_fallocate(vmi_blkback_sqe(q, bio), q->bg->bb->target.fd,
				mode, r->offset, r->len);
}

static int vmi_blkback_file_submit(struct vmi_blkback_queue *q,
				   struct vmi_blkback_io *bio)
{
	struct vmi_blkback_target *t = &q->bg->bb->target;

	switch (bio->io.op) {
	case VMI_BLK_OP_READ:
	case VMI_BLK_OP_WRITE:
		vmi_blkback_prep_rw(q, bio);
		return -EINPROGRESS;
	case VMI_BLK_OP_FLUSH:
	case VMI_BLK_OP_SET_CACHE:
		io_uring_prep_fsync(vmi_blkback_sqe(q, bio), t->fd,
				    IORING_FSYNC_DATASYNC);
		return -EINPROGRESS;
	default: /* DISCARD, WRITE_ZEROES */
		if (!t->is_blkdev) {
			vmi_blkback_prep_falloc(q, bio);
			return -EINPROGRESS;
		}
		/* liburing 2.3 has no asynchronous BLKDISCARD/BLKZEROOUT. */
		return vmi_blkback_blkdev_range(t, &bio->io);
	}
}

static int vmi_blkback_file_cqe(struct vmi_blkback_queue *q,
				struct vmi_blkback_io *bio, int res)
{
	const struct vmi_blk_io *io = &bio->io;

	if (res == -EOPNOTSUPP && io->op == VMI_BLK_OP_WRITE_ZEROES &&
	    !bio->punched) {
		/* No ZERO_RANGE here: punch holes from now on. */
		__atomic_store_n(&q->bg->bb->target.zero_range, false,
				 __ATOMIC_RELAXED);
		vmi_blkback_prep_falloc(q, bio);
		return -EINPROGRESS;
	}
	if (res < 0)
		return res;
	if (io->op == VMI_BLK_OP_READ || io->op == VMI_BLK_OP_WRITE) {
		/*
		 * Short: what is left goes again, as QEMU's and the kernel's
		 * own loops do; nothing moved means the file ended (the
		 * target shrank) and the request fails. A second try of a
		 * write that hit ENOSPC part way reports ENOSPC itself.
		 */
		bio->done += (uint64_t)res;
		if (bio->done == io->len)
			return 0;
		if (!res)
			return -EIO;
		vmi_blkback_prep_rw(q, bio);
		return -EINPROGRESS;
	}
	if ((io->op == VMI_BLK_OP_DISCARD ||
	     io->op == VMI_BLK_OP_WRITE_ZEROES) &&
	    ++bio->range_at < io->nr_ranges) {
		vmi_blkback_prep_falloc(q, bio);
		return -EINPROGRESS;
	}
	return 0;
}

const struct vmi_blkback_target_ops vmi_blkback_target_file = {
	.kind = "file",
	.open = vmi_blkback_file_open,
	.close = vmi_blkback_file_close,
	.submit = vmi_blkback_file_submit,
	.cqe = vmi_blkback_file_cqe,
};

static int vmi_blkback_null_submit(struct vmi_blkback_queue *q,
				   struct vmi_blkback_io *bio)
{
	(void)q;
	(void)bio;
	return 0;
}

const struct vmi_blkback_target_ops vmi_blkback_target_nullops = {
	.kind = "null",
	.submit = vmi_blkback_null_submit,
};

int vmi_blkback_target_open(struct vmi_blkback_target *t, const char *path,
			    bool read_only, bool direct)
{
	t->path = path;
	t->read_only = read_only;
	t->direct = direct;
	t->fd = -1;
	if (!strncmp(path, "nbd://", 6) || !strncmp(path, "nbd+unix://", 11) ||
	    !strncmp(path, "nbds://", 7) || !strncmp(path, "nbds+unix://", 12))
		t->ops = &vmi_blkback_target_nbd;
	else if (!strncmp(path, "rbd:", 4))
		t->ops = &vmi_blkback_target_rbd;
	else
		t->ops = &vmi_blkback_target_file;
	return t->ops->open(t);
}

void vmi_blkback_target_null(struct vmi_blkback_target *t, uint64_t size)
{
	t->ops = &vmi_blkback_target_nullops;
	t->fd = -1;
	t->null = true;
	t->size = size - size % VMI_BLK_SECTOR_SIZE;
	t->logical_block_size = VMI_BLK_SECTOR_SIZE;
	t->physical_block_size = 4096;
	t->dio_align = VMI_BLK_SECTOR_SIZE;
	t->can_flush = t->can_fua = true;
	t->can_discard = t->can_write_zeroes = true;
	snprintf(t->serial, sizeof(t->serial), "vmi-null");
}

void vmi_blkback_target_serial(struct vmi_blkback_target *t)
{
	uint32_t h = 2166136261u; /* FNV-1a of the name */
	const char *c;

	for (c = t->path; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	snprintf(t->serial, sizeof(t->serial), "vmi-%s-%08x", t->ops->kind, h);
}

void vmi_blkback_target_block_size(struct vmi_blkback_target *t, uint32_t size)
{
	t->logical_block_size = size;
	t->physical_block_size = vmi_max_u32(t->physical_block_size, size);
	t->size -= t->size % size;
}

void vmi_blkback_target_close(struct vmi_blkback_target *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
}

void vmi_blkback_target_config(const struct vmi_blkback_target *t,
			       uint32_t data_size, struct vmi_blk_config *cfg,
			       uint64_t *features)
{
	uint32_t max_transfer = data_size < VMI_BLKBACK_MAX_TRANSFER ?
					data_size :
					VMI_BLKBACK_MAX_TRANSFER;
	uint64_t f =
		VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_INDIRECT) |
		VMI_FEATURE(VMI_F_HEARTBEAT) | VMI_FEATURE(VMI_BLK_F_GET_ID) |
		VMI_FEATURE(VMI_BLK_F_TOPOLOGY);
	uint32_t lbs = t->logical_block_size;

	if (t->can_flush)
		f |= VMI_FEATURE(VMI_BLK_F_FLUSH) |
		     VMI_FEATURE(VMI_BLK_F_CONFIG_WCE);
	if (t->read_only) {
		f |= VMI_FEATURE(VMI_BLK_F_RO);
	} else {
		/* A target without FUA emulates it with a flush. */
		if (t->can_fua || t->can_flush)
			f |= VMI_FEATURE(VMI_BLK_F_FUA);
		if (t->can_discard)
			f |= VMI_FEATURE(VMI_BLK_F_DISCARD);
		if (t->can_write_zeroes)
			f |= VMI_FEATURE(VMI_BLK_F_WRITE_ZEROES);
		if (t->can_discard || t->can_write_zeroes)
			f |= VMI_FEATURE(VMI_BLK_F_MULTI_RANGE);
	}
	*features = f;

	memset(cfg, 0, sizeof(*cfg));
	cfg->magic = vmi_cpu_to_le32(VMI_BLK_CONFIG_MAGIC);
	cfg->version_major = vmi_cpu_to_le16(VMI_BLK_VERSION_MAJOR);
	cfg->version_minor = vmi_cpu_to_le16(VMI_BLK_VERSION_MINOR);
	cfg->capacity = vmi_cpu_to_le64(t->size >> VMI_BLK_SECTOR_SHIFT);
	cfg->logical_block_size = vmi_cpu_to_le32(t->logical_block_size);
	cfg->physical_block_size = vmi_cpu_to_le32(t->physical_block_size);
	cfg->buf_align = vmi_cpu_to_le32(t->dio_align);
	cfg->max_segs = vmi_cpu_to_le16(VMI_MAX_SEGS);
	cfg->max_transfer =
		vmi_cpu_to_le32(max_transfer - max_transfer % t->dio_align);
	cfg->max_discard_sectors =
		vmi_cpu_to_le32(VMI_BLKBACK_MAX_RANGE_SECTORS);
	cfg->max_write_zeroes_sectors =
		vmi_cpu_to_le32(VMI_BLKBACK_MAX_RANGE_SECTORS);
	cfg->discard_granularity = vmi_cpu_to_le32(
		vmi_max_u32(t->physical_block_size, t->logical_block_size));
	cfg->max_discard_segs = vmi_cpu_to_le16(VMI_BLK_IO_RANGES);
	/* Hints a guest can use only in whole logical blocks. */
	cfg->alignment_offset = vmi_cpu_to_le32(
		t->alignment_offset % lbs ? 0 : t->alignment_offset);
	cfg->min_io_size =
		vmi_cpu_to_le32(t->min_io_size % lbs ? 0 : t->min_io_size);
	cfg->opt_io_size =
		vmi_cpu_to_le32(t->opt_io_size % lbs ? 0 : t->opt_io_size);
	/* A guest that takes FLUSH starts in write-back mode. */
	cfg->writeback = t->can_flush;
}

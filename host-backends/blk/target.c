// SPDX-License-Identifier: GPL-2.0-only
/*
 * The storage behind a vmi-blkback device: a raw image file or a block
 * device, opened O_DIRECT unless told otherwise, or nothing at all (the
 * null target, which measures the transport alone). Its size, block sizes
 * and O_DIRECT alignment become the device's config, which the validator
 * then enforces on every request.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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
	int lbs = 0, pbs = 0;

	if (ioctl(t->fd, BLKGETSIZE64, &t->size) < 0 ||
	    ioctl(t->fd, BLKSSZGET, &lbs) < 0 ||
	    ioctl(t->fd, BLKPBSZGET, &pbs) < 0)
		return -errno;
	t->logical_block_size = (uint32_t)lbs;
	t->physical_block_size = (uint32_t)pbs;
	return 0;
}

int vmi_blkback_target_open(struct vmi_blkback_target *t, const char *path,
			    bool read_only, bool direct)
{
	int flags = (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct stat st;
	int ret;

	t->path = path;
	t->read_only = read_only;
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

void vmi_blkback_target_null(struct vmi_blkback_target *t, uint64_t size)
{
	t->fd = -1;
	t->null = true;
	t->size = size - size % VMI_BLK_SECTOR_SIZE;
	t->logical_block_size = VMI_BLK_SECTOR_SIZE;
	t->physical_block_size = 4096;
	t->dio_align = VMI_BLK_SECTOR_SIZE;
	snprintf(t->serial, sizeof(t->serial), "vmi-null");
}

void vmi_blkback_target_block_size(struct vmi_blkback_target *t, uint32_t size)
{
	t->logical_block_size = size;
	t->physical_block_size = vmi_max_u32(t->physical_block_size, size);
	t->size -= t->size % size;
}

void vmi_blkback_target_close(struct vmi_blkback_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
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
		VMI_FEATURE(VMI_F_HEARTBEAT) | VMI_FEATURE(VMI_BLK_F_FLUSH) |
		VMI_FEATURE(VMI_BLK_F_GET_ID);

	if (t->read_only)
		f |= VMI_FEATURE(VMI_BLK_F_RO);
	else
		f |= VMI_FEATURE(VMI_BLK_F_FUA) |
		     VMI_FEATURE(VMI_BLK_F_DISCARD) |
		     VMI_FEATURE(VMI_BLK_F_WRITE_ZEROES);
	*features = f;

	memset(cfg, 0, sizeof(*cfg));
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
}

int vmi_blkback_target_blkdev_range(const struct vmi_blkback_target *t,
				    const struct vmi_blk_io *io)
{
	uint64_t range[2] = { io->offset, io->len };
	unsigned long req = io->op == VMI_BLK_OP_DISCARD ? BLKDISCARD :
							   BLKZEROOUT;

	return ioctl(t->fd, req, range) < 0 ? -errno : 0;
}

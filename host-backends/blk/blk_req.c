// SPDX-License-Identifier: GPL-2.0-only
/*
 * The block request validator: every number of a guest's request is checked
 * here, once, on the backend's own copy, before anything reaches io_uring.
 * The order of the checks fixes which status a request with several faults
 * gets: the operation first (UNSUPP, ROFS), then its shape (INVAL), then
 * where it points in the target (RANGE), as virtio-blk devices do.
 *
 * All arithmetic on guest numbers is 64-bit from 32-bit inputs, or checked
 * before it could wrap, so no request can name bytes outside the data area
 * or sectors outside the capacity.
 */
#include <string.h>

#include "blk_req.h"

static bool vmi_blk_has(const struct vmi_blk_limits *lim, unsigned int bit)
{
	return lim->features & VMI_FEATURE(bit);
}

/* Is the operation known, negotiated and allowed on this device? */
static enum vmi_blk_status vmi_blk_check_op(uint8_t op,
					    const struct vmi_blk_limits *lim)
{
	switch (op) {
	case VMI_BLK_OP_READ:
		return VMI_BLK_S_OK;
	case VMI_BLK_OP_WRITE:
		return lim->read_only ? VMI_BLK_S_ROFS : VMI_BLK_S_OK;
	case VMI_BLK_OP_FLUSH:
		return vmi_blk_has(lim, VMI_BLK_F_FLUSH) ? VMI_BLK_S_OK :
							   VMI_BLK_S_UNSUPP;
	case VMI_BLK_OP_DISCARD:
		if (!vmi_blk_has(lim, VMI_BLK_F_DISCARD))
			return VMI_BLK_S_UNSUPP;
		return lim->read_only ? VMI_BLK_S_ROFS : VMI_BLK_S_OK;
	case VMI_BLK_OP_WRITE_ZEROES:
		if (!vmi_blk_has(lim, VMI_BLK_F_WRITE_ZEROES))
			return VMI_BLK_S_UNSUPP;
		return lim->read_only ? VMI_BLK_S_ROFS : VMI_BLK_S_OK;
	case VMI_BLK_OP_GET_ID:
		return vmi_blk_has(lim, VMI_BLK_F_GET_ID) ? VMI_BLK_S_OK :
							    VMI_BLK_S_UNSUPP;
	case VMI_BLK_OP_SET_CACHE:
		/* A cache mode to switch exists only with FLUSH. */
		return vmi_blk_has(lim, VMI_BLK_F_CONFIG_WCE) &&
				       vmi_blk_has(lim, VMI_BLK_F_FLUSH) ?
			       VMI_BLK_S_OK :
			       VMI_BLK_S_UNSUPP;
	default:
		return VMI_BLK_S_UNSUPP;
	}
}

/* The flags each operation may carry, given the negotiated features. */
static uint8_t vmi_blk_allowed_flags(uint8_t op,
				     const struct vmi_blk_limits *lim)
{
	uint8_t allowed = 0;

	if (op == VMI_BLK_OP_READ || op == VMI_BLK_OP_WRITE) {
		if (vmi_blk_has(lim, VMI_F_INDIRECT))
			allowed |= VMI_BLK_REQ_F_INDIRECT;
		if (op == VMI_BLK_OP_WRITE && vmi_blk_has(lim, VMI_BLK_F_FUA))
			allowed |= VMI_BLK_REQ_F_FUA;
	}
	if (op == VMI_BLK_OP_WRITE_ZEROES)
		allowed |= VMI_BLK_REQ_F_UNMAP;
	if (op == VMI_BLK_OP_SET_CACHE)
		allowed |= VMI_BLK_REQ_F_WCE;
	return allowed;
}

/* A segment lies inside the data area and respects the buffer alignment. */
static bool vmi_blk_seg_ok(uint32_t offset, uint32_t len,
			   const struct vmi_blk_limits *lim)
{
	if (!len || offset % lim->buf_align || len % lim->buf_align)
		return false;
	return (uint64_t)offset + len <= lim->data_size;
}

/*
 * Copy the segment list into io->seg: inline from the request, or (with
 * INDIRECT) from the data area, where the guest can still change it; it is
 * read once here and only the copy is checked and used.
 */
static enum vmi_blk_status vmi_blk_load_segs(const struct vmi_blk_req *req,
					     const void *data,
					     const struct vmi_blk_limits *lim,
					     uint16_t nr_segs,
					     struct vmi_blk_io *io)
{
	struct vmi_seg wire[VMI_MAX_SEGS];
	const struct vmi_seg *src = req->seg;
	unsigned int i;

	if (io->flags & VMI_BLK_REQ_F_INDIRECT) {
		uint32_t off = vmi_le32_to_cpu(req->seg[0].offset);
		uint32_t len = vmi_le32_to_cpu(req->seg[0].len);

		if (nr_segs > lim->max_segs || nr_segs > VMI_MAX_SEGS ||
		    off % sizeof(struct vmi_seg) ||
		    len < nr_segs * sizeof(struct vmi_seg) ||
		    (uint64_t)off + len > lim->data_size)
			return VMI_BLK_S_INVAL;
		memcpy(wire, (const uint8_t *)data + off,
		       nr_segs * sizeof(struct vmi_seg));
		src = wire;
		io->flags &= ~VMI_BLK_REQ_F_INDIRECT;
	} else if (nr_segs > VMI_BLK_SEGS_INLINE || nr_segs > lim->max_segs) {
		return VMI_BLK_S_INVAL;
	}

	for (i = 0; i < nr_segs; i++) {
		io->seg[i].offset = vmi_le32_to_cpu(src[i].offset);
		io->seg[i].len = vmi_le32_to_cpu(src[i].len);
		if (!vmi_blk_seg_ok(io->seg[i].offset, io->seg[i].len, lim))
			return VMI_BLK_S_INVAL;
	}
	io->nr_segs = nr_segs;
	return VMI_BLK_S_OK;
}

/* sectors from sector lie inside the capacity and on logical blocks. */
static enum vmi_blk_status vmi_blk_check_range(uint64_t sector,
					       uint64_t sectors,
					       const struct vmi_blk_limits *lim,
					       struct vmi_blk_io *io)
{
	uint64_t lbs_sectors = lim->logical_block_size >> VMI_BLK_SECTOR_SHIFT;

	if (sector % lbs_sectors || sectors % lbs_sectors)
		return VMI_BLK_S_INVAL;
	if (sector > lim->capacity || sectors > lim->capacity - sector)
		return VMI_BLK_S_RANGE;
	io->offset = sector << VMI_BLK_SECTOR_SHIFT;
	io->len = sectors << VMI_BLK_SECTOR_SHIFT;
	return VMI_BLK_S_OK;
}

static enum vmi_blk_status vmi_blk_check_rw(const struct vmi_blk_req *req,
					    const void *data,
					    const struct vmi_blk_limits *lim,
					    uint64_t sector, uint16_t nr_segs,
					    struct vmi_blk_io *io)
{
	enum vmi_blk_status st;
	uint64_t total = 0;
	unsigned int i;

	if (!nr_segs || vmi_le32_to_cpu(req->nr_sectors))
		return VMI_BLK_S_INVAL;
	st = vmi_blk_load_segs(req, data, lim, nr_segs, io);
	if (st)
		return st;
	for (i = 0; i < io->nr_segs; i++)
		total += io->seg[i].len;
	if (total > lim->max_transfer || total % VMI_BLK_SECTOR_SIZE)
		return VMI_BLK_S_INVAL;
	return vmi_blk_check_range(sector, total >> VMI_BLK_SECTOR_SHIFT, lim,
				   io);
}

/*
 * A range's shape: a count in 1..max, on logical blocks. Its place in the
 * capacity is checked after every range's shape (INVAL before RANGE).
 */
static bool vmi_blk_range_shape_ok(uint64_t sector, uint32_t sectors,
				   uint32_t max,
				   const struct vmi_blk_limits *lim)
{
	uint64_t lbs_sectors = lim->logical_block_size >> VMI_BLK_SECTOR_SHIFT;

	return sectors && sectors <= max && !(sector % lbs_sectors) &&
	       !(sectors % lbs_sectors);
}

/*
 * The range list of a multi-range DISCARD / WRITE_ZEROES: nr_segs inline
 * segments of whole struct vmi_blk_range entries, copied out of the data
 * area once; then each range is checked like the single form.
 */
static enum vmi_blk_status vmi_blk_load_ranges(const struct vmi_blk_req *req,
					       const void *data,
					       const struct vmi_blk_limits *lim,
					       uint16_t nr_segs, uint32_t max,
					       struct vmi_blk_io *io)
{
	struct vmi_blk_range wire[VMI_BLK_IO_RANGES];
	uint32_t n = 0, limit = lim->max_discard_segs;
	enum vmi_blk_status st;
	unsigned int i;

	if (!vmi_blk_has(lim, VMI_BLK_F_MULTI_RANGE) ||
	    nr_segs > VMI_BLK_SEGS_INLINE || vmi_le64_to_cpu(req->sector))
		return VMI_BLK_S_INVAL;
	if (limit > VMI_BLK_IO_RANGES)
		limit = VMI_BLK_IO_RANGES;
	for (i = 0; i < nr_segs; i++) {
		uint32_t off = vmi_le32_to_cpu(req->seg[i].offset);
		uint32_t len = vmi_le32_to_cpu(req->seg[i].len);

		if (!len || off % sizeof(wire[0]) || len % sizeof(wire[0]) ||
		    (uint64_t)off + len > lim->data_size ||
		    len / sizeof(wire[0]) > limit - n)
			return VMI_BLK_S_INVAL;
		memcpy(&wire[n], (const uint8_t *)data + off, len);
		n += len / sizeof(wire[0]);
	}
	for (i = 0; i < n; i++)
		if (vmi_le32_to_cpu(wire[i].flags) ||
		    !vmi_blk_range_shape_ok(vmi_le64_to_cpu(wire[i].sector),
					    vmi_le32_to_cpu(wire[i].nr_sectors),
					    max, lim))
			return VMI_BLK_S_INVAL;
	for (i = 0; i < n; i++) {
		st = vmi_blk_check_range(vmi_le64_to_cpu(wire[i].sector),
					 vmi_le32_to_cpu(wire[i].nr_sectors),
					 lim, io);
		if (st)
			return st;
		io->range[i].offset = io->offset;
		io->range[i].len = io->len;
	}
	io->nr_ranges = (uint16_t)n;
	io->offset = io->range[0].offset;
	io->len = 0;
	for (i = 0; i < n; i++)
		io->len += io->range[i].len;
	return VMI_BLK_S_OK;
}

/* DISCARD / WRITE_ZEROES, either form: io->range[] lists what to act on. */
static enum vmi_blk_status
vmi_blk_check_ranges(const struct vmi_blk_req *req, const void *data,
		     const struct vmi_blk_limits *lim, uint64_t sector,
		     uint16_t nr_segs, uint32_t nr_sectors,
		     struct vmi_blk_io *io)
{
	uint32_t max = io->op == VMI_BLK_OP_DISCARD ?
			       lim->max_discard_sectors :
			       lim->max_write_zeroes_sectors;
	enum vmi_blk_status st;

	if (nr_segs) {
		if (nr_sectors)
			return VMI_BLK_S_INVAL;
		return vmi_blk_load_ranges(req, data, lim, nr_segs, max, io);
	}
	if (!nr_sectors || nr_sectors > max)
		return VMI_BLK_S_INVAL;
	st = vmi_blk_check_range(sector, nr_sectors, lim, io);
	if (st)
		return st;
	io->nr_ranges = 1;
	io->range[0].offset = io->offset;
	io->range[0].len = io->len;
	return VMI_BLK_S_OK;
}

enum vmi_blk_status vmi_blk_req_check(const struct vmi_blk_req *req,
				      const void *data,
				      const struct vmi_blk_limits *lim,
				      struct vmi_blk_io *io)
{
	uint64_t sector = vmi_le64_to_cpu(req->sector);
	uint16_t nr_segs = vmi_le16_to_cpu(req->nr_segs);
	uint32_t nr_sectors = vmi_le32_to_cpu(req->nr_sectors);
	enum vmi_blk_status st;

	io->id = vmi_le64_to_cpu(req->id);
	io->op = req->op;
	io->flags = req->flags;
	io->nr_segs = 0;
	io->nr_ranges = 0;
	io->offset = 0;
	io->len = 0;

	st = vmi_blk_check_op(io->op, lim);
	if (st)
		return st;
	if (io->flags & ~vmi_blk_allowed_flags(io->op, lim))
		return VMI_BLK_S_INVAL;

	switch (io->op) {
	case VMI_BLK_OP_READ:
	case VMI_BLK_OP_WRITE:
		return vmi_blk_check_rw(req, data, lim, sector, nr_segs, io);
	case VMI_BLK_OP_FLUSH:
	case VMI_BLK_OP_SET_CACHE:
		return nr_segs || nr_sectors ? VMI_BLK_S_INVAL : VMI_BLK_S_OK;
	case VMI_BLK_OP_DISCARD:
	case VMI_BLK_OP_WRITE_ZEROES:
		return vmi_blk_check_ranges(req, data, lim, sector, nr_segs,
					    nr_sectors, io);
	default: /* VMI_BLK_OP_GET_ID, the last one vmi_blk_check_op knows */
		if (nr_segs != 1 || nr_sectors)
			return VMI_BLK_S_INVAL;
		st = vmi_blk_load_segs(req, data, lim, 1, io);
		if (st)
			return st;
		io->len = io->seg[0].len < VMI_BLK_ID_BYTES ? io->seg[0].len :
							      VMI_BLK_ID_BYTES;
		return VMI_BLK_S_OK;
	}
}

/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * vmipv block device protocol (docs/ABI.md part (c)).
 *
 * Feature negotiation (bits 0-31; common bits 32-63 in dev.h). Each bit is
 * offered by the host in vmi_shm_hdr.device_features and accepted by the
 * guest in driver_features; an operation whose bit was not negotiated
 * completes with VMI_BLK_S_UNSUPP.
 *
 *   VMI_BLK_F_RO            device is read-only; writes get VMI_BLK_S_ROFS
 *   VMI_BLK_F_FLUSH         VMI_BLK_OP_FLUSH exists (volatile write cache)
 *   VMI_BLK_F_FUA           VMI_BLK_REQ_F_FUA on writes is honoured
 *   VMI_BLK_F_DISCARD       VMI_BLK_OP_DISCARD exists
 *   VMI_BLK_F_WRITE_ZEROES  VMI_BLK_OP_WRITE_ZEROES exists
 *   VMI_BLK_F_GET_ID        VMI_BLK_OP_GET_ID exists
 *   VMI_BLK_F_TOPOLOGY      alignment_offset, min_io_size, opt_io_size valid
 *   VMI_BLK_F_MULTI_RANGE   DISCARD / WRITE_ZEROES take a list of up to
 *                           max_discard_segs struct vmi_blk_range
 *   VMI_BLK_F_CONFIG_WCE    VMI_BLK_OP_SET_CACHE exists and writeback says
 *                           the cache mode (needs VMI_BLK_F_FLUSH too)
 *
 * Defaults when a bit is absent: writable, write-through (no flush needed),
 * no FUA, no discard, no write-zeroes, no id, no topology hints, one range
 * per DISCARD / WRITE_ZEROES, a cache mode the guest cannot change
 * (write-back with FLUSH, write-through without).
 *
 * A request is one 64-byte slot on the queue's request ring; its response is
 * one 16-byte slot on the response ring, matched by id. Responses may come
 * in any order. Sizes are in 512-byte sectors whatever the logical block
 * size; data moves only through the queue's data area. An OK answer to
 * READ or WRITE means the whole request was transferred (len is its byte
 * count); a host that moved fewer bytes answers VMI_BLK_S_IOERR.
 */
#ifndef VMI_BLK_H
#define VMI_BLK_H

#include "types.h"
#include "ring.h"

#define VMI_BLK_F_RO 0
#define VMI_BLK_F_FLUSH 1
#define VMI_BLK_F_FUA 2
#define VMI_BLK_F_DISCARD 3
#define VMI_BLK_F_WRITE_ZEROES 4
#define VMI_BLK_F_GET_ID 5
#define VMI_BLK_F_TOPOLOGY 6
#define VMI_BLK_F_MULTI_RANGE 7
#define VMI_BLK_F_CONFIG_WCE 8

/* vmi_blk_config.magic and version: the class config is really ours. */
#define VMI_BLK_CONFIG_MAGIC VMI_FOURCC('V', 'M', 'B', 'K')
#define VMI_BLK_VERSION_MAJOR 1 /* exact match */
#define VMI_BLK_VERSION_MINOR 0 /* a larger value adds fields in reserved */

#define VMI_BLK_SECTOR_SHIFT 9
#define VMI_BLK_SECTOR_SIZE 512
#define VMI_BLK_SEGS_INLINE 4
#define VMI_BLK_ID_BYTES 20 /* GET_ID answer, not NUL-terminated */

enum vmi_blk_op {
	VMI_BLK_OP_READ = 0, /* data area <- sectors */
	VMI_BLK_OP_WRITE = 1, /* sectors <- data area */
	VMI_BLK_OP_FLUSH = 2, /* completed writes reach stable storage */
	VMI_BLK_OP_DISCARD = 3, /* sectors may read back as anything */
	VMI_BLK_OP_WRITE_ZEROES = 4, /* sectors read back as zeroes */
	VMI_BLK_OP_GET_ID = 5, /* 20-byte serial into seg[0] */
	VMI_BLK_OP_SET_CACHE =
		6, /* write-back if flags has WCE, else through */
};

/* vmi_blk_req.flags */
#define VMI_BLK_REQ_F_FUA 0x01 /* write: stable before completion */
#define VMI_BLK_REQ_F_UNMAP 0x02 /* write-zeroes: may deallocate */
#define VMI_BLK_REQ_F_WCE 0x04 /* set-cache: volatile write cache on */
#define VMI_BLK_REQ_F_INDIRECT 0x80 /* seg[0] holds the segment list */

/*
 * struct vmi_blk_req - one request slot (64 bytes).
 *
 * READ/WRITE: nr_segs (1..max_segs) segments whose lengths are multiples
 * of 512 and add up to the transfer size; sector + size must lie inside
 * the capacity. DISCARD/WRITE_ZEROES: nr_sectors from sector, no segments;
 * or, with VMI_BLK_F_MULTI_RANGE, sector and nr_sectors 0 and nr_segs
 * (1..VMI_BLK_SEGS_INLINE) segments holding struct vmi_blk_range entries.
 * FLUSH: no sectors, no segments. GET_ID: one segment of at least 20 bytes.
 * SET_CACHE: no sectors, no segments, flags WCE or 0.
 *
 * reserved is written 0 by the guest and ignored by the host until a later
 * feature gives it a meaning.
 */
struct vmi_blk_req {
	vmi_le64 id; /* opaque, echoed in the response */
	vmi_le64 sector;
	uint8_t op; /* enum vmi_blk_op */
	uint8_t flags; /* VMI_BLK_REQ_F_* */
	vmi_le16 nr_segs;
	vmi_le32 nr_sectors; /* DISCARD / WRITE_ZEROES only */
	uint8_t reserved[8]; /* 0 */
	struct vmi_seg seg[VMI_BLK_SEGS_INLINE];
};
VMI_ABI_SIZE(struct vmi_blk_req, 64);
VMI_ABI_OFFSET(struct vmi_blk_req, sector, 8);
VMI_ABI_OFFSET(struct vmi_blk_req, op, 16);
VMI_ABI_OFFSET(struct vmi_blk_req, flags, 17);
VMI_ABI_OFFSET(struct vmi_blk_req, nr_segs, 18);
VMI_ABI_OFFSET(struct vmi_blk_req, nr_sectors, 20);
VMI_ABI_OFFSET(struct vmi_blk_req, reserved, 24);
VMI_ABI_OFFSET(struct vmi_blk_req, seg, 32);

/*
 * struct vmi_blk_range - one range of a multi-range DISCARD or
 * WRITE_ZEROES (16 bytes), in the request's segments. Each range obeys the
 * single-range rules: nr_sectors 1..max_discard_sectors (DISCARD) or
 * max_write_zeroes_sectors, on logical blocks, inside the capacity. flags
 * must be 0 (the request's UNMAP flag applies to every range).
 */
struct vmi_blk_range {
	vmi_le64 sector;
	vmi_le32 nr_sectors;
	vmi_le32 flags; /* 0 */
};
VMI_ABI_SIZE(struct vmi_blk_range, 16);
VMI_ABI_OFFSET(struct vmi_blk_range, nr_sectors, 8);
VMI_ABI_OFFSET(struct vmi_blk_range, flags, 12);

enum vmi_blk_status {
	VMI_BLK_S_OK = 0,
	VMI_BLK_S_IOERR = 1, /* the target failed the I/O */
	VMI_BLK_S_UNSUPP = 2, /* unknown or not negotiated operation */
	VMI_BLK_S_INVAL = 3, /* malformed: segments, alignment, lengths */
	VMI_BLK_S_RANGE = 4, /* sectors outside the capacity */
	VMI_BLK_S_ROFS = 5, /* write to a read-only device */
	VMI_BLK_S_NOSPC = 6, /* the target is out of space */
	VMI_BLK_S_TIMEOUT = 7, /* the target did not answer in time */
};

/* struct vmi_blk_rsp - one response slot (16 bytes). */
struct vmi_blk_rsp {
	vmi_le64 id;
	vmi_le32 status; /* enum vmi_blk_status */
	vmi_le32 len; /* OK: READ/WRITE the request's bytes, GET_ID 20; else 0 */
};
VMI_ABI_SIZE(struct vmi_blk_rsp, 16);

/*
 * struct vmi_blk_config - vmi_shm_hdr.config for a block device. Limits are
 * the host's; the guest must not exceed them. The guest checks magic and
 * version_major before it sends a request.
 */
struct vmi_blk_config {
	vmi_le32 magic; /* VMI_BLK_CONFIG_MAGIC */
	vmi_le16 version_major; /* VMI_BLK_VERSION_MAJOR */
	vmi_le16 version_minor; /* VMI_BLK_VERSION_MINOR */
	vmi_le64 capacity; /* in 512-byte sectors */
	vmi_le32 logical_block_size; /* 512 or 4096 */
	vmi_le32 physical_block_size;
	vmi_le32 buf_align; /* segment offsets and lengths: multiple of this */
	vmi_le16 max_segs; /* per request, VMI_BLK_SEGS_INLINE or up to
			    * VMI_MAX_SEGS with VMI_F_INDIRECT */
	vmi_le16 max_discard_segs; /* MULTI_RANGE: ranges per request */
	vmi_le32 max_transfer; /* bytes per READ/WRITE */
	vmi_le32 max_discard_sectors; /* per range */
	vmi_le32 max_write_zeroes_sectors; /* per range */
	vmi_le32 discard_granularity; /* bytes */
	vmi_le32 alignment_offset; /* TOPOLOGY: bytes, first aligned byte */
	vmi_le32 min_io_size; /* TOPOLOGY: bytes, smallest efficient I/O */
	vmi_le32 opt_io_size; /* TOPOLOGY: bytes, best I/O size (0: none) */
	uint8_t writeback; /* CONFIG_WCE: 1 write-back, 0 write-through */
	uint8_t reserved0[3]; /* 0 */
	uint8_t reserved[128]; /* 0 */
};
VMI_ABI_SIZE(struct vmi_blk_config, 192);
VMI_ABI_OFFSET(struct vmi_blk_config, version_major, 4);
VMI_ABI_OFFSET(struct vmi_blk_config, capacity, 8);
VMI_ABI_OFFSET(struct vmi_blk_config, buf_align, 24);
VMI_ABI_OFFSET(struct vmi_blk_config, max_segs, 28);
VMI_ABI_OFFSET(struct vmi_blk_config, max_discard_segs, 30);
VMI_ABI_OFFSET(struct vmi_blk_config, max_transfer, 32);
VMI_ABI_OFFSET(struct vmi_blk_config, discard_granularity, 44);
VMI_ABI_OFFSET(struct vmi_blk_config, alignment_offset, 48);
VMI_ABI_OFFSET(struct vmi_blk_config, opt_io_size, 56);
VMI_ABI_OFFSET(struct vmi_blk_config, writeback, 60);
VMI_ABI_OFFSET(struct vmi_blk_config, reserved, 64);

#endif /* VMI_BLK_H */

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
 *
 * Defaults when a bit is absent: writable, write-through (no flush needed),
 * no FUA, no discard, no write-zeroes, no id.
 *
 * A request is one 64-byte slot on the queue's request ring; its response is
 * one 16-byte slot on the response ring, matched by id. Responses may come
 * in any order. Sizes are in 512-byte sectors whatever the logical block
 * size; data moves only through the queue's data area.
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

#define VMI_BLK_SECTOR_SHIFT 9
#define VMI_BLK_SECTOR_SIZE 512
#define VMI_BLK_SEGS_INLINE 5
#define VMI_BLK_ID_BYTES 20 /* GET_ID answer, not NUL-terminated */

enum vmi_blk_op {
	VMI_BLK_OP_READ = 0, /* data area <- sectors */
	VMI_BLK_OP_WRITE = 1, /* sectors <- data area */
	VMI_BLK_OP_FLUSH = 2, /* completed writes reach stable storage */
	VMI_BLK_OP_DISCARD = 3, /* sectors may read back as anything */
	VMI_BLK_OP_WRITE_ZEROES = 4, /* sectors read back as zeroes */
	VMI_BLK_OP_GET_ID = 5, /* 20-byte serial into seg[0] */
};

/* vmi_blk_req.flags */
#define VMI_BLK_REQ_F_FUA 0x01 /* write: stable before completion */
#define VMI_BLK_REQ_F_UNMAP 0x02 /* write-zeroes: may deallocate */
#define VMI_BLK_REQ_F_INDIRECT 0x80 /* seg[0] holds the segment list */

/*
 * struct vmi_blk_req - one request slot (64 bytes).
 *
 * READ/WRITE: nr_segs (1..max_segs) segments whose lengths are multiples
 * of 512 and add up to the transfer size; sector + size must lie inside
 * the capacity. DISCARD/WRITE_ZEROES: nr_sectors from sector, no segments.
 * FLUSH: no sectors, no segments. GET_ID: one segment of at least 20 bytes.
 */
struct vmi_blk_req {
	vmi_le64 id; /* opaque, echoed in the response */
	vmi_le64 sector;
	uint8_t op; /* enum vmi_blk_op */
	uint8_t flags; /* VMI_BLK_REQ_F_* */
	vmi_le16 nr_segs;
	vmi_le32 nr_sectors; /* DISCARD / WRITE_ZEROES only */
	struct vmi_seg seg[VMI_BLK_SEGS_INLINE];
};
VMI_ABI_SIZE(struct vmi_blk_req, 64);
VMI_ABI_OFFSET(struct vmi_blk_req, sector, 8);
VMI_ABI_OFFSET(struct vmi_blk_req, op, 16);
VMI_ABI_OFFSET(struct vmi_blk_req, flags, 17);
VMI_ABI_OFFSET(struct vmi_blk_req, nr_segs, 18);
VMI_ABI_OFFSET(struct vmi_blk_req, nr_sectors, 20);
VMI_ABI_OFFSET(struct vmi_blk_req, seg, 24);

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
	vmi_le32 len; /* bytes transferred (READ, WRITE, GET_ID) */
};
VMI_ABI_SIZE(struct vmi_blk_rsp, 16);

/*
 * struct vmi_blk_config - vmi_shm_hdr.config for a block device. Limits are
 * the host's; the guest must not exceed them.
 */
struct vmi_blk_config {
	vmi_le64 capacity; /* in 512-byte sectors */
	vmi_le32 logical_block_size; /* 512 or 4096 */
	vmi_le32 physical_block_size;
	vmi_le32 buf_align; /* segment offsets and lengths: multiple of this */
	vmi_le16 max_segs; /* per request, VMI_BLK_SEGS_INLINE or up to
			    * VMI_MAX_SEGS with VMI_F_INDIRECT */
	vmi_le16 reserved0;
	vmi_le32 max_transfer; /* bytes per READ/WRITE */
	vmi_le32 max_discard_sectors;
	vmi_le32 max_write_zeroes_sectors;
	vmi_le32 discard_granularity; /* bytes */
	uint8_t reserved[152];
};
VMI_ABI_SIZE(struct vmi_blk_config, 192);
VMI_ABI_OFFSET(struct vmi_blk_config, buf_align, 16);
VMI_ABI_OFFSET(struct vmi_blk_config, max_transfer, 24);
VMI_ABI_OFFSET(struct vmi_blk_config, discard_granularity, 36);

#endif /* VMI_BLK_H */

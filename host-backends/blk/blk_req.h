/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The block request validator of vmi-blkback: turns the backend's private
 * copy of a guest's struct vmi_blk_req into a checked struct vmi_blk_io, or
 * into the status that refuses it (docs/ABI.md part (c), "Checks the host
 * makes"). A pure function of its inputs, so that a libFuzzer target can
 * drive it (tests/fuzz/blk/) and nothing after it re-checks guest numbers.
 */
#ifndef VMI_BLKBACK_REQ_H
#define VMI_BLKBACK_REQ_H

#include <stdbool.h>
#include <vmi/blk.h>
#include <vmi/dev.h>

/* What one guest may ask of one queue: fixed when the guest is admitted. */
struct vmi_blk_limits {
	uint64_t capacity; /* sectors */
	uint64_t features; /* negotiated: offered & accepted */
	uint32_t data_size; /* bytes of the queue's data area */
	uint32_t logical_block_size; /* target offsets and lengths */
	uint32_t buf_align; /* segment offsets and lengths */
	uint32_t max_transfer; /* bytes per READ/WRITE */
	uint32_t max_discard_sectors;
	uint32_t max_write_zeroes_sectors;
	uint16_t max_segs; /* with VMI_F_INDIRECT; inline cap otherwise */
	uint16_t max_discard_segs; /* ranges per request, <= VMI_BLK_IO_RANGES */
	bool read_only;
};

/* One data-area segment, checked: offset + len <= data_size. */
struct vmi_blk_io_seg {
	uint32_t offset;
	uint32_t len;
};

/* The most ranges one DISCARD / WRITE_ZEROES may carry (max_discard_segs). */
#define VMI_BLK_IO_RANGES 32

/* One range of a DISCARD / WRITE_ZEROES, checked: inside the capacity. */
struct vmi_blk_io_range {
	uint64_t offset; /* bytes into the target */
	uint64_t len; /* bytes, > 0 */
};

/* A checked request, in host memory: nothing in it is guest-controlled. */
struct vmi_blk_io {
	uint64_t id;
	uint64_t offset; /* bytes into the target (the first range's) */
	uint64_t len; /* bytes: the transfer, or all ranges together */
	uint8_t op; /* enum vmi_blk_op */
	uint8_t flags; /* VMI_BLK_REQ_F_FUA / _UNMAP / _WCE, INDIRECT resolved */
	uint16_t nr_segs; /* READ, WRITE, GET_ID */
	uint16_t nr_ranges; /* DISCARD, WRITE_ZEROES: 1.., either form */
	union {
		struct vmi_blk_io_seg seg[VMI_MAX_SEGS];
		struct vmi_blk_io_range range[VMI_BLK_IO_RANGES];
	};
};

/*
 * vmi_blk_req_check - validate a request copied out of the ring.
 * @req:  the host's copy of the slot (never the shared slot itself)
 * @data: the queue's data area (shared memory), read only for an indirect
 *        segment list, which is copied once into @io before it is checked
 * @lim:  the guest's limits
 * @io:   filled on success; io->id is set whatever the outcome, so that a
 *        refused request is answered for its id
 *
 * Returns VMI_BLK_S_OK or the status to answer: UNSUPP (unknown or not
 * negotiated op), ROFS (a write to a read-only device), INVAL (flags,
 * segments, alignment, lengths, range lists), RANGE (sectors outside the
 * capacity). A range list is copied out of the data area once, like an
 * indirect segment list, before any of it is checked.
 */
enum vmi_blk_status vmi_blk_req_check(const struct vmi_blk_req *req,
				      const void *data,
				      const struct vmi_blk_limits *lim,
				      struct vmi_blk_io *io);

#endif /* VMI_BLKBACK_REQ_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: vmi-blkback's request validator on any request, any
 * limits and any indirect segment list a guest could write. Whatever the
 * input, a request the validator passes must name only bytes inside the
 * data area and the capacity, within the negotiated limits; a failure of
 * that promise traps.
 *
 * Input: 64 bytes of struct vmi_blk_req, 16 bytes that pick the limits
 * (class feature bits 0-7 from one byte, MULTI_RANGE and CONFIG_WCE from
 * another), then the start of the data area (the rest is zero): indirect
 * segment lists and DISCARD / WRITE_ZEROES range lists come from there.
 */
#include <stdint.h>
#include <string.h>

#include "../fuzz_input.h"
#include "blk_req.h"

#define DATA_MAX (64 * 1024)

static uint8_t data[DATA_MAX] __attribute__((aligned(4096)));

static void limits_from(const uint8_t *b, struct vmi_blk_limits *lim)
{
	static const uint32_t aligns[] = { 512, 1024, 2048, 4096 };

	lim->capacity = (uint64_t)b[0] << 8 | b[1];
	if (b[2] & 0x80)
		lim->capacity = UINT64_MAX >> 9 >> (b[2] & 0x3f);
	lim->features = (uint64_t)b[3] | VMI_FEATURE(VMI_F_VERSION_1) |
			((b[4] & 1) ? VMI_FEATURE(VMI_F_INDIRECT) : 0) |
			((b[4] & 2) ? VMI_FEATURE(VMI_BLK_F_CONFIG_WCE) : 0);
	lim->data_size = ((uint32_t)b[5] % 16 + 1) * 4096;
	lim->logical_block_size = (b[6] & 1) ? 4096 : 512;
	lim->buf_align = aligns[b[7] & 3];
	lim->max_transfer = ((uint32_t)b[8] + 1) * 512;
	lim->max_discard_sectors = (uint32_t)b[9] << 8 | b[10];
	lim->max_write_zeroes_sectors = (uint32_t)b[11] << 8 | b[12];
	lim->max_segs = (b[13] & 0x7f) + 1;
	lim->read_only = b[14] & 1;
	lim->max_discard_segs = b[15];
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct vmi_blk_limits lim;
	const uint8_t *lb;
	struct vmi_blk_req req;
	struct vmi_blk_io io;
	enum vmi_blk_status st;
	uint64_t total = 0, cap_bytes, max;
	unsigned int i;

	lb = fuzz_split(in, size, &req, sizeof(req), 16, data, sizeof(data));
	if (!lb)
		return 0;
	limits_from(lb, &lim);

	st = vmi_blk_req_check(&req, data, &lim, &io);
	CHECK(io.id == vmi_le64_to_cpu(req.id));
	CHECK(st <= VMI_BLK_S_ROFS);
	if (st != VMI_BLK_S_OK)
		return 0;

	CHECK(io.op <= VMI_BLK_OP_SET_CACHE);
	CHECK(!(io.flags & VMI_BLK_REQ_F_INDIRECT));
	if (lim.read_only)
		CHECK(io.op != VMI_BLK_OP_WRITE &&
		      io.op != VMI_BLK_OP_DISCARD &&
		      io.op != VMI_BLK_OP_WRITE_ZEROES);
	CHECK(io.nr_segs <= lim.max_segs && io.nr_segs <= VMI_MAX_SEGS);
	for (i = 0; i < io.nr_segs; i++) {
		CHECK(io.seg[i].len > 0);
		CHECK((uint64_t)io.seg[i].offset + io.seg[i].len <=
		      lim.data_size);
		CHECK(io.seg[i].offset % lim.buf_align == 0);
		CHECK(io.seg[i].len % lim.buf_align == 0);
		total += io.seg[i].len;
	}
	cap_bytes = lim.capacity << 9;
	switch (io.op) {
	case VMI_BLK_OP_READ:
	case VMI_BLK_OP_WRITE:
		CHECK(io.nr_segs >= 1 && total == io.len);
		CHECK(io.len <= lim.max_transfer);
		CHECK(io.len > 0);
		CHECK(io.offset % lim.logical_block_size == 0);
		CHECK(io.len % lim.logical_block_size == 0);
		CHECK(io.offset <= cap_bytes &&
		      io.len <= cap_bytes - io.offset);
		break;
	case VMI_BLK_OP_DISCARD:
	case VMI_BLK_OP_WRITE_ZEROES:
		/* Every range, either form, is what the target may act on. */
		max = (uint64_t)(io.op == VMI_BLK_OP_DISCARD ?
					 lim.max_discard_sectors :
					 lim.max_write_zeroes_sectors)
		      << 9;
		CHECK(io.nr_segs == 0 && io.nr_ranges >= 1);
		CHECK(io.nr_ranges <= VMI_BLK_IO_RANGES);
		if (io.nr_ranges > 1)
			CHECK(io.nr_ranges <= lim.max_discard_segs &&
			      (lim.features &
			       VMI_FEATURE(VMI_BLK_F_MULTI_RANGE)));
		total = 0;
		for (i = 0; i < io.nr_ranges; i++) {
			const struct vmi_blk_io_range *r = &io.range[i];

			CHECK(r->len > 0 && r->len <= max);
			CHECK(r->offset % lim.logical_block_size == 0);
			CHECK(r->len % lim.logical_block_size == 0);
			CHECK(r->offset <= cap_bytes &&
			      r->len <= cap_bytes - r->offset);
			total += r->len;
		}
		CHECK(io.len == total && io.offset == io.range[0].offset);
		break;
	case VMI_BLK_OP_FLUSH:
		CHECK(io.nr_segs == 0 && io.len == 0);
		break;
	case VMI_BLK_OP_SET_CACHE:
		CHECK(io.nr_segs == 0 && io.len == 0);
		CHECK(!(io.flags & ~VMI_BLK_REQ_F_WCE));
		CHECK((lim.features & VMI_FEATURE(VMI_BLK_F_CONFIG_WCE)) &&
		      (lim.features & VMI_FEATURE(VMI_BLK_F_FLUSH)));
		break;
	default: /* GET_ID */
		CHECK(io.nr_segs == 1 && io.len <= VMI_BLK_ID_BYTES &&
		      io.len <= io.seg[0].len);
		break;
	}
	return 0;
}

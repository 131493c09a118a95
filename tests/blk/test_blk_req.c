// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-blkback's request validator (host-backends/blk/blk_req.c), one rule
 * of docs/ABI.md part (c) at a time: each test builds a request that breaks
 * exactly one rule and checks the status it gets, and that the id is kept
 * for the answer whatever happens. Good requests check the checked copy
 * (byte offsets, lengths, segments) the backend then hands to io_uring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blk_req.h"

#define DATA_SIZE (1u << 20)
#define CAPACITY 2048 /* sectors: 1 MiB */

static uint8_t data[DATA_SIZE] __attribute__((aligned(4096)));

static const uint64_t all_features =
	VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_INDIRECT) |
	VMI_FEATURE(VMI_BLK_F_FLUSH) | VMI_FEATURE(VMI_BLK_F_FUA) |
	VMI_FEATURE(VMI_BLK_F_DISCARD) | VMI_FEATURE(VMI_BLK_F_WRITE_ZEROES) |
	VMI_FEATURE(VMI_BLK_F_GET_ID);

static struct vmi_blk_limits lim;
static struct vmi_blk_req req;
static struct vmi_blk_io io;

static int setup(void **state)
{
	(void)state;
	lim = (struct vmi_blk_limits){
		.capacity = CAPACITY,
		.features = all_features,
		.data_size = DATA_SIZE,
		.logical_block_size = 512,
		.buf_align = 512,
		.max_transfer = 256 * 1024,
		.max_discard_sectors = 1024,
		.max_write_zeroes_sectors = 512,
		.max_segs = VMI_MAX_SEGS,
	};
	memset(&req, 0, sizeof(req));
	memset(&io, 0xa5, sizeof(io));
	req.id = vmi_cpu_to_le64(0x1122334455667788ull);
	memset(data, 0, sizeof(data));
	return 0;
}

static void set_seg(unsigned int i, uint32_t offset, uint32_t len)
{
	req.seg[i].offset = vmi_cpu_to_le32(offset);
	req.seg[i].len = vmi_cpu_to_le32(len);
}

static void rw(uint8_t op, uint64_t sector, uint32_t offset, uint32_t len)
{
	req.op = op;
	req.sector = vmi_cpu_to_le64(sector);
	req.nr_segs = vmi_cpu_to_le16(1);
	set_seg(0, offset, len);
}

static enum vmi_blk_status check(void)
{
	enum vmi_blk_status st = vmi_blk_req_check(&req, data, &lim, &io);

	/* Every outcome keeps the id: a refused request is still answered. */
	assert_int_equal(io.id, 0x1122334455667788ull);
	return st;
}

static void test_read_ok(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_READ, 8, 4096, 8192);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.op, VMI_BLK_OP_READ);
	assert_int_equal(io.offset, 8 * 512);
	assert_int_equal(io.len, 8192);
	assert_int_equal(io.nr_segs, 1);
	assert_int_equal(io.seg[0].offset, 4096);
	assert_int_equal(io.seg[0].len, 8192);
}

static void test_write_last_sectors(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_WRITE, CAPACITY - 2, 0, 1024);
	req.flags = VMI_BLK_REQ_F_FUA;
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.flags, VMI_BLK_REQ_F_FUA);
	assert_int_equal(io.offset, (CAPACITY - 2) * 512ull);
}

static void test_range(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_READ, CAPACITY - 1, 0, 1024);
	assert_int_equal(check(), VMI_BLK_S_RANGE);
	rw(VMI_BLK_OP_READ, CAPACITY, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_RANGE);
	/* sector + sectors wraps 64 bits: still out of range, not a hit. */
	rw(VMI_BLK_OP_WRITE, UINT64_MAX, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_RANGE);
	rw(VMI_BLK_OP_READ, UINT64_MAX >> 9, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_RANGE);
}

static void test_segments_outside_data_area(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_READ, 0, DATA_SIZE - 512, 1024);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	rw(VMI_BLK_OP_READ, 0, DATA_SIZE, 512);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* offset + len wraps 32 bits. */
	rw(VMI_BLK_OP_WRITE, 0, 0xfffffe00u, 1024);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	rw(VMI_BLK_OP_WRITE, 0, 0, 0xfffffe00u);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_lengths(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_READ, 0, 0, 0);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	rw(VMI_BLK_OP_READ, 0, 0, 100);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	rw(VMI_BLK_OP_READ, 0, 100, 512);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* Above max_transfer, though inside the data area. */
	rw(VMI_BLK_OP_READ, 0, 0, 512 * 1024);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	lim.buf_align = 4096;
	rw(VMI_BLK_OP_READ, 0, 512, 4096);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	rw(VMI_BLK_OP_READ, 0, 0, 2048);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_segment_counts(void **state)
{
	unsigned int i;

	(void)state;
	rw(VMI_BLK_OP_READ, 0, 0, 512);
	req.nr_segs = 0;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	for (i = 0; i < VMI_BLK_SEGS_INLINE; i++)
		set_seg(i, i * 4096, 512);
	req.nr_segs = vmi_cpu_to_le16(VMI_BLK_SEGS_INLINE);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.len, VMI_BLK_SEGS_INLINE * 512);
	assert_int_equal(io.seg[3].offset, 3 * 4096);
	/* Five inline segments do not exist: the slot holds four. */
	req.nr_segs = vmi_cpu_to_le16(VMI_BLK_SEGS_INLINE + 1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.nr_segs = vmi_cpu_to_le16(0xffff);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* One bad segment spoils the request. */
	req.nr_segs = vmi_cpu_to_le16(VMI_BLK_SEGS_INLINE);
	set_seg(3, DATA_SIZE, 512);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_ops(void **state)
{
	(void)state;
	/* The first op number no version defines, and the last. */
	rw(VMI_BLK_OP_SET_CACHE + 1, 0, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_UNSUPP);
	rw(0xff, 0, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_UNSUPP);
	/* Operations whose feature was not negotiated. */
	memset(&req, 0, sizeof(req));
	req.id = vmi_cpu_to_le64(0x1122334455667788ull);
	lim.features = VMI_FEATURE(VMI_F_VERSION_1);
	req.op = VMI_BLK_OP_FLUSH;
	assert_int_equal(check(), VMI_BLK_S_UNSUPP);
	req.op = VMI_BLK_OP_DISCARD;
	req.nr_sectors = vmi_cpu_to_le32(8);
	assert_int_equal(check(), VMI_BLK_S_UNSUPP);
	req.op = VMI_BLK_OP_WRITE_ZEROES;
	assert_int_equal(check(), VMI_BLK_S_UNSUPP);
	rw(VMI_BLK_OP_GET_ID, 0, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_UNSUPP);
	memset(&req, 0, sizeof(req));
	req.id = vmi_cpu_to_le64(0x1122334455667788ull);
	req.op = VMI_BLK_OP_SET_CACHE;
	assert_int_equal(check(), VMI_BLK_S_UNSUPP);
	/* FUA and INDIRECT need their features too. */
	rw(VMI_BLK_OP_WRITE, 0, 0, 512);
	req.flags = VMI_BLK_REQ_F_FUA;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.flags = VMI_BLK_REQ_F_INDIRECT;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_flags(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_READ, 0, 0, 512);
	req.flags = VMI_BLK_REQ_F_FUA;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	rw(VMI_BLK_OP_WRITE, 0, 0, 512);
	req.flags = 0x04;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.flags = VMI_BLK_REQ_F_UNMAP;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_read_only(void **state)
{
	(void)state;
	lim.read_only = true;
	rw(VMI_BLK_OP_WRITE, 0, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_ROFS);
	memset(&req, 0, sizeof(req));
	req.id = vmi_cpu_to_le64(0x1122334455667788ull);
	req.op = VMI_BLK_OP_DISCARD;
	req.nr_sectors = vmi_cpu_to_le32(8);
	assert_int_equal(check(), VMI_BLK_S_ROFS);
	req.op = VMI_BLK_OP_WRITE_ZEROES;
	assert_int_equal(check(), VMI_BLK_S_ROFS);
	req.nr_sectors = 0;
	rw(VMI_BLK_OP_READ, 0, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_OK);
	req.op = VMI_BLK_OP_FLUSH;
	req.nr_segs = 0;
	assert_int_equal(check(), VMI_BLK_S_OK);
}

static void test_flush(void **state)
{
	(void)state;
	req.op = VMI_BLK_OP_FLUSH;
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.len, 0);
	req.nr_segs = vmi_cpu_to_le16(1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.nr_segs = 0;
	req.nr_sectors = vmi_cpu_to_le32(1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_discard_write_zeroes(void **state)
{
	(void)state;
	req.op = VMI_BLK_OP_DISCARD;
	req.sector = vmi_cpu_to_le64(16);
	req.nr_sectors = vmi_cpu_to_le32(1024);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.offset, 16 * 512);
	assert_int_equal(io.len, 1024 * 512);
	req.nr_sectors = vmi_cpu_to_le32(1025);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.nr_sectors = 0;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.nr_sectors = vmi_cpu_to_le32(8);
	req.sector = vmi_cpu_to_le64(CAPACITY - 4);
	assert_int_equal(check(), VMI_BLK_S_RANGE);
	req.sector = vmi_cpu_to_le64(0);
	req.nr_segs = vmi_cpu_to_le16(1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.nr_segs = 0;
	req.op = VMI_BLK_OP_WRITE_ZEROES;
	req.flags = VMI_BLK_REQ_F_UNMAP;
	req.nr_sectors = vmi_cpu_to_le32(512);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.flags, VMI_BLK_REQ_F_UNMAP);
	req.nr_sectors = vmi_cpu_to_le32(513);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.op = VMI_BLK_OP_DISCARD;
	req.nr_sectors = vmi_cpu_to_le32(8);
	assert_int_equal(check(), VMI_BLK_S_INVAL); /* UNMAP on a discard */
}

static void test_get_id(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_GET_ID, 0, 512, 512);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.len, VMI_BLK_ID_BYTES);
	assert_int_equal(io.seg[0].offset, 512);
	req.nr_segs = vmi_cpu_to_le16(2);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	rw(VMI_BLK_OP_GET_ID, 0, DATA_SIZE, 512);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

/* The bytes of a range list entry, written where the guest would. */
static void put_range(uint32_t at, uint64_t sector, uint32_t nr_sectors,
		      uint32_t flags)
{
	struct vmi_blk_range r = {
		.sector = vmi_cpu_to_le64(sector),
		.nr_sectors = vmi_cpu_to_le32(nr_sectors),
		.flags = vmi_cpu_to_le32(flags),
	};

	memcpy(data + at, &r, sizeof(r));
}

/* A multi-range request: n ranges at data offset 4096, one segment. */
static void ranges(uint8_t op, unsigned int n)
{
	lim.features |= VMI_FEATURE(VMI_BLK_F_MULTI_RANGE);
	lim.max_discard_segs = 8;
	req.op = op;
	req.flags = 0;
	req.sector = 0;
	req.nr_sectors = 0;
	req.nr_segs = vmi_cpu_to_le16(1);
	set_seg(0, 4096, n * sizeof(struct vmi_blk_range));
}

static void test_multi_range(void **state)
{
	(void)state;
	put_range(4096, 0, 8, 0);
	put_range(4096 + 16, 1024, 16, 0);
	put_range(4096 + 32, 64, 8, 0);
	ranges(VMI_BLK_OP_DISCARD, 3);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.nr_ranges, 3);
	assert_int_equal(io.nr_segs, 0);
	assert_int_equal(io.range[1].offset, 1024 * 512);
	assert_int_equal(io.range[1].len, 16 * 512);
	assert_int_equal(io.range[2].offset, 64 * 512);
	assert_int_equal(io.offset, 0);
	assert_int_equal(io.len, 32 * 512);
	/* Entries from two segments are one list, in order. */
	req.nr_segs = vmi_cpu_to_le16(2);
	set_seg(0, 4096 + 16, 32);
	set_seg(1, 4096, 16);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.nr_ranges, 3);
	assert_int_equal(io.range[0].offset, 1024 * 512);
	assert_int_equal(io.range[2].offset, 0);
	/* The single form still works beside it. */
	memset(&req, 0, sizeof(req));
	req.id = vmi_cpu_to_le64(0x1122334455667788ull);
	req.op = VMI_BLK_OP_DISCARD;
	req.sector = vmi_cpu_to_le64(8);
	req.nr_sectors = vmi_cpu_to_le32(8);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.nr_ranges, 1);
	assert_int_equal(io.range[0].offset, 8 * 512);
	assert_int_equal(io.range[0].len, 8 * 512);
	/* WRITE_ZEROES takes lists too, UNMAP for all, its own maximum. */
	ranges(VMI_BLK_OP_WRITE_ZEROES, 2);
	req.flags = VMI_BLK_REQ_F_UNMAP;
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.flags, VMI_BLK_REQ_F_UNMAP);
	put_range(4096 + 16, 0, 513, 0);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	ranges(VMI_BLK_OP_DISCARD, 2);
	assert_int_equal(check(), VMI_BLK_S_OK); /* 513 <= discard's 1024 */
}

static void test_multi_range_shape(void **state)
{
	(void)state;
	put_range(4096, 0, 8, 0);
	put_range(4096 + 16, 8, 8, 0);
	/* Not negotiated: segments on a DISCARD are malformed. */
	ranges(VMI_BLK_OP_DISCARD, 2);
	lim.features &= ~VMI_FEATURE(VMI_BLK_F_MULTI_RANGE);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* The request's own sector and count must be 0. */
	ranges(VMI_BLK_OP_DISCARD, 2);
	req.nr_sectors = vmi_cpu_to_le32(8);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	ranges(VMI_BLK_OP_DISCARD, 2);
	req.sector = vmi_cpu_to_le64(8);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* Segments of whole entries, inside the data area. */
	ranges(VMI_BLK_OP_DISCARD, 2);
	set_seg(0, 4096, 24);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	set_seg(0, 4100, 16);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	set_seg(0, 4096, 0);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	set_seg(0, DATA_SIZE - 16, 32);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	set_seg(0, 0xfffffff0u, 32); /* offset + len wraps in 32 bits */
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* No indirect list, no more inline segments than the slot holds. */
	ranges(VMI_BLK_OP_DISCARD, 2);
	req.flags = VMI_BLK_REQ_F_INDIRECT;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	ranges(VMI_BLK_OP_DISCARD, 1);
	req.nr_segs = vmi_cpu_to_le16(VMI_BLK_SEGS_INLINE + 1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* Read-only refuses before anything is read. */
	ranges(VMI_BLK_OP_DISCARD, 2);
	lim.read_only = true;
	assert_int_equal(check(), VMI_BLK_S_ROFS);
}

static void test_multi_range_count(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < 40; i++)
		put_range(4096 + i * 16, i * 8, 8, 0);
	ranges(VMI_BLK_OP_DISCARD, 8);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.nr_ranges, 8);
	/* One more than max_discard_segs, in one segment or across two. */
	ranges(VMI_BLK_OP_DISCARD, 9);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	ranges(VMI_BLK_OP_DISCARD, 8);
	req.nr_segs = vmi_cpu_to_le16(2);
	set_seg(1, 4096, 16);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* A host limit above what the backend holds is capped there. */
	ranges(VMI_BLK_OP_DISCARD, VMI_BLK_IO_RANGES);
	lim.max_discard_segs = 0xffff;
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.nr_ranges, VMI_BLK_IO_RANGES);
	set_seg(0, 4096, (VMI_BLK_IO_RANGES + 1) * 16);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_multi_range_entries(void **state)
{
	(void)state;
	put_range(4096, 0, 8, 0);
	/* Each entry: a count in 1..max, on blocks, flags 0 ... */
	put_range(4096 + 16, 8, 0, 0);
	ranges(VMI_BLK_OP_DISCARD, 2);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	put_range(4096 + 16, 8, 1025, 0);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	put_range(4096 + 16, 8, 8, 1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	lim.logical_block_size = 4096;
	put_range(4096 + 16, 4, 8, 0);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	lim.logical_block_size = 512;
	/* ... inside the capacity, without overflow ... */
	put_range(4096 + 16, CAPACITY - 4, 8, 0);
	assert_int_equal(check(), VMI_BLK_S_RANGE);
	put_range(4096 + 16, UINT64_MAX - 3, 8, 0);
	assert_int_equal(check(), VMI_BLK_S_RANGE);
	put_range(4096 + 16, CAPACITY - 8, 8, 0);
	assert_int_equal(check(), VMI_BLK_S_OK);
	/* ... and a malformed entry anywhere is INVAL before any RANGE. */
	put_range(4096, CAPACITY, 8, 0);
	put_range(4096 + 16, 8, 0, 0);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_set_cache(void **state)
{
	(void)state;
	req.op = VMI_BLK_OP_SET_CACHE;
	/* Offered only with FLUSH: there is no cache to switch without. */
	lim.features |= VMI_FEATURE(VMI_BLK_F_CONFIG_WCE);
	lim.features &= ~VMI_FEATURE(VMI_BLK_F_FLUSH);
	assert_int_equal(check(), VMI_BLK_S_UNSUPP);
	lim.features |= VMI_FEATURE(VMI_BLK_F_FLUSH);
	req.flags = VMI_BLK_REQ_F_WCE;
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.flags, VMI_BLK_REQ_F_WCE);
	assert_int_equal(io.len, 0);
	req.flags = 0;
	assert_int_equal(check(), VMI_BLK_S_OK);
	req.flags = VMI_BLK_REQ_F_FUA;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.flags = VMI_BLK_REQ_F_WCE;
	req.nr_segs = vmi_cpu_to_le16(1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	req.nr_segs = 0;
	req.nr_sectors = vmi_cpu_to_le32(1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	/* WCE means something only here. */
	rw(VMI_BLK_OP_READ, 0, 0, 512);
	req.flags = VMI_BLK_REQ_F_WCE;
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

/* reserved is ignored until a feature gives it a meaning. */
static void test_reserved_ignored(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_WRITE, 8, 0, 4096);
	memset(req.reserved, 0xff, sizeof(req.reserved));
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.len, 4096);
}

static void test_logical_block_4k(void **state)
{
	(void)state;
	lim.logical_block_size = 4096;
	rw(VMI_BLK_OP_READ, 8, 0, 4096);
	assert_int_equal(check(), VMI_BLK_S_OK);
	rw(VMI_BLK_OP_READ, 1, 0, 4096);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	rw(VMI_BLK_OP_READ, 8, 0, 512);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

/* An indirect list: nr_segs entries in the data area at seg[0]. */
static void indirect(uint16_t nr, uint32_t list_off, uint32_t list_len)
{
	struct vmi_seg *list = (struct vmi_seg *)(data + list_off % DATA_SIZE);
	unsigned int i;

	req.op = VMI_BLK_OP_WRITE;
	req.flags = VMI_BLK_REQ_F_INDIRECT;
	req.nr_segs = vmi_cpu_to_le16(nr);
	set_seg(0, list_off, list_len);
	if ((uint64_t)list_off + nr * sizeof(*list) <= DATA_SIZE)
		for (i = 0; i < nr; i++) {
			list[i].offset = vmi_cpu_to_le32(65536 + i * 512);
			list[i].len = vmi_cpu_to_le32(512);
		}
}

static void test_indirect(void **state)
{
	struct vmi_seg *list = (struct vmi_seg *)data;

	(void)state;
	indirect(VMI_MAX_SEGS, 0, VMI_MAX_SEGS * 8);
	assert_int_equal(check(), VMI_BLK_S_OK);
	assert_int_equal(io.nr_segs, VMI_MAX_SEGS);
	assert_int_equal(io.len, VMI_MAX_SEGS * 512);
	assert_int_equal(io.seg[63].offset, 65536 + 63 * 512);
	assert_int_equal(io.flags & VMI_BLK_REQ_F_INDIRECT, 0);
	/* The checked copy is what counts: later changes cannot reach it. */
	list[5].offset = vmi_cpu_to_le32(DATA_SIZE);
	assert_int_equal(io.seg[5].offset, 65536 + 5 * 512);
	assert_int_equal(check(), VMI_BLK_S_INVAL);

	indirect(VMI_MAX_SEGS + 1, 0, (VMI_MAX_SEGS + 1) * 8);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	indirect(8, 4, 64); /* misaligned list */
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	indirect(8, 0, 56); /* list shorter than nr_segs entries */
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	indirect(8, DATA_SIZE - 32, 64); /* list past the data area */
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	indirect(8, 0xfffffff8u, 64); /* list offset wraps */
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	lim.max_segs = 16;
	indirect(17, 0, 17 * 8);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
	lim.features &= ~VMI_FEATURE(VMI_F_INDIRECT);
	indirect(8, 0, 64);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

static void test_read_nr_sectors(void **state)
{
	(void)state;
	rw(VMI_BLK_OP_READ, 0, 0, 512);
	req.nr_sectors = vmi_cpu_to_le32(1);
	assert_int_equal(check(), VMI_BLK_S_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_read_ok, setup),
		cmocka_unit_test_setup(test_write_last_sectors, setup),
		cmocka_unit_test_setup(test_range, setup),
		cmocka_unit_test_setup(test_segments_outside_data_area, setup),
		cmocka_unit_test_setup(test_lengths, setup),
		cmocka_unit_test_setup(test_segment_counts, setup),
		cmocka_unit_test_setup(test_ops, setup),
		cmocka_unit_test_setup(test_flags, setup),
		cmocka_unit_test_setup(test_read_only, setup),
		cmocka_unit_test_setup(test_flush, setup),
		cmocka_unit_test_setup(test_discard_write_zeroes, setup),
		cmocka_unit_test_setup(test_get_id, setup),
		cmocka_unit_test_setup(test_multi_range, setup),
		cmocka_unit_test_setup(test_multi_range_shape, setup),
		cmocka_unit_test_setup(test_multi_range_count, setup),
		cmocka_unit_test_setup(test_multi_range_entries, setup),
		cmocka_unit_test_setup(test_set_cache, setup),
		cmocka_unit_test_setup(test_reserved_ignored, setup),
		cmocka_unit_test_setup(test_logical_block_4k, setup),
		cmocka_unit_test_setup(test_indirect, setup),
		cmocka_unit_test_setup(test_read_nr_sectors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

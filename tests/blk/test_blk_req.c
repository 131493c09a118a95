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
	assert_int_equal(io.seg[4].offset, 4 * 4096);
	/* Six inline segments do not exist: the slot holds five. */
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
	rw(6, 0, 0, 512);
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
		cmocka_unit_test_setup(test_logical_block_4k, setup),
		cmocka_unit_test_setup(test_indirect, setup),
		cmocka_unit_test_setup(test_read_nr_sectors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

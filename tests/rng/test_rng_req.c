// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-rngback's request validator (host-backends/rng/rng_req.c), one rule
 * of docs/ABI.md part (g) at a time: each test builds a request that breaks
 * exactly one rule and checks the status it gets, that the id is kept for
 * the answer whatever happens, and that a request with several faults gets
 * the status of the first check in the document's order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rng_req.h"

#define DATA_SIZE (64u * 1024)
#define MAX_REQUEST 4096u
#define ID 0x1122334455667788ull

static const struct vmi_rng_limits lim = {
	.data_size = DATA_SIZE,
	.max_request = MAX_REQUEST,
};

static enum vmi_rng_status check(uint32_t offset, uint32_t len,
				 unsigned int reserved_byte,
				 struct vmi_rng_io *io)
{
	struct vmi_rng_req req;

	memset(&req, 0, sizeof(req));
	memset(io, 0xa5, sizeof(*io));
	req.id = vmi_cpu_to_le64(ID);
	req.seg.offset = vmi_cpu_to_le32(offset);
	req.seg.len = vmi_cpu_to_le32(len);
	if (reserved_byte)
		req.reserved[reserved_byte - 1] = 0x01;
	return vmi_rng_req_check(&req, &lim, io);
}

static void test_good(void **state)
{
	struct vmi_rng_io io;

	(void)state;
	assert_int_equal(check(0, 1, 0, &io), VMI_RNG_S_OK);
	assert_true(io.id == ID);
	assert_int_equal(io.offset, 0);
	assert_int_equal(io.len, 1);
	/* The largest request, ending on the data area's last byte. */
	assert_int_equal(check(DATA_SIZE - MAX_REQUEST, MAX_REQUEST, 0, &io),
			 VMI_RNG_S_OK);
	assert_int_equal(io.offset, DATA_SIZE - MAX_REQUEST);
	assert_int_equal(io.len, MAX_REQUEST);
	/* Unaligned is fine: entropy has no block size. */
	assert_int_equal(check(12345, 7, 0, &io), VMI_RNG_S_OK);
}

static void test_reserved(void **state)
{
	struct vmi_rng_io io;
	unsigned int b;

	(void)state;
	for (b = 1; b <= sizeof(((struct vmi_rng_req *)0)->reserved); b++) {
		assert_int_equal(check(0, 16, b, &io), VMI_RNG_S_INVAL);
		assert_true(io.id == ID);
	}
}

static void test_length(void **state)
{
	struct vmi_rng_io io;

	(void)state;
	assert_int_equal(check(0, 0, 0, &io), VMI_RNG_S_RANGE);
	assert_true(io.id == ID);
	assert_int_equal(check(0, MAX_REQUEST + 1, 0, &io), VMI_RNG_S_RANGE);
	assert_int_equal(check(0, UINT32_MAX, 0, &io), VMI_RNG_S_RANGE);
}

static void test_outside_data_area(void **state)
{
	struct vmi_rng_io io;

	(void)state;
	/* One byte past the end. */
	assert_int_equal(check(DATA_SIZE - 15, 16, 0, &io), VMI_RNG_S_RANGE);
	assert_int_equal(check(DATA_SIZE, 1, 0, &io), VMI_RNG_S_RANGE);
	/* offset + len wraps 32 bits: still refused. */
	assert_int_equal(check(UINT32_MAX - 7, 16, 0, &io), VMI_RNG_S_RANGE);
	assert_true(io.id == ID);
}

/* Several faults: INVAL (reserved) comes before RANGE. */
static void test_order(void **state)
{
	struct vmi_rng_io io;

	(void)state;
	assert_int_equal(check(UINT32_MAX, 0, 16, &io), VMI_RNG_S_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_outside_data_area),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests_name("rng_req", tests, NULL, NULL);
}

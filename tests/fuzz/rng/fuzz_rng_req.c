// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: vmi-rngback's request validator on any request and any
 * limits. Whatever the input, a request the validator passes must name
 * 1..max_request bytes inside the data area, and a refused one must keep
 * its id; a failure of that promise traps.
 *
 * Input: 32 bytes of struct vmi_rng_req, then 8 bytes that pick the limits
 * (data area size, max_request). The validator reads no data area.
 */
#include <stdint.h>
#include <string.h>

#include "../fuzz_input.h"
#include "rng_req.h"

static void limits_from(const uint8_t *b, struct vmi_rng_limits *lim)
{
	/* Data areas of 4 KiB .. 4 GiB - 4 KiB, as the layout rule allows. */
	lim->data_size = ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
			  (uint32_t)b[2] << 8) &
			 ~4095u;
	if (!lim->data_size)
		lim->data_size = 4096;
	lim->max_request = (uint32_t)b[4] << 16 | (uint32_t)b[5] << 8 | b[6];
	if (!lim->max_request || lim->max_request > lim->data_size)
		lim->max_request = lim->data_size;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct vmi_rng_limits lim;
	struct vmi_rng_req req;
	struct vmi_rng_io io;
	enum vmi_rng_status st;
	uint8_t none[1];
	const uint8_t *lb;
	size_t i;
	int zero = 1;

	lb = fuzz_split(in, size, &req, sizeof(req), 8, none, 0);
	if (!lb)
		return 0;
	limits_from(lb, &lim);

	st = vmi_rng_req_check(&req, &lim, &io);
	CHECK(io.id == vmi_le64_to_cpu(req.id));
	for (i = 0; i < sizeof(req.reserved); i++)
		zero &= !req.reserved[i];
	if (!zero) {
		CHECK(st == VMI_RNG_S_INVAL);
		return 0;
	}
	CHECK(st == VMI_RNG_S_OK || st == VMI_RNG_S_RANGE);
	if (st != VMI_RNG_S_OK)
		return 0;
	CHECK(io.len > 0 && io.len <= lim.max_request);
	CHECK((uint64_t)io.offset + io.len <= lim.data_size);
	CHECK(io.offset == vmi_le32_to_cpu(req.seg.offset));
	CHECK(io.len == vmi_le32_to_cpu(req.seg.len));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The entropy request validator: the three checks of docs/ABI.md part (g),
 * in the order that fixes which status a request with several faults gets.
 * The segment's end is computed in 64 bits from 32-bit inputs, so no
 * request can name a byte outside the data area.
 */
#include "rng_req.h"

enum vmi_rng_status vmi_rng_req_check(const struct vmi_rng_req *req,
				      const struct vmi_rng_limits *lim,
				      struct vmi_rng_io *io)
{
	uint32_t offset = vmi_le32_to_cpu(req->seg.offset);
	uint32_t len = vmi_le32_to_cpu(req->seg.len);
	size_t i;

	io->id = vmi_le64_to_cpu(req->id);
	for (i = 0; i < sizeof(req->reserved); i++)
		if (req->reserved[i])
			return VMI_RNG_S_INVAL;
	if (!len || len > lim->max_request)
		return VMI_RNG_S_RANGE;
	if ((uint64_t)offset + len > lim->data_size)
		return VMI_RNG_S_RANGE;
	io->offset = offset;
	io->len = len;
	return VMI_RNG_S_OK;
}

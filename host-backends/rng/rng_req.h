/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The entropy request validator of vmi-rngback: turns the backend's private
 * copy of a guest's struct vmi_rng_req into a checked struct vmi_rng_io, or
 * into the status that refuses it (docs/ABI.md part (g), "Checks the host
 * makes"). A pure function of its inputs, so that a unit test
 * (tests/rng/test_rng_req.c) and a libFuzzer target (tests/fuzz/rng/) can
 * drive it, and nothing after it re-checks guest numbers.
 */
#ifndef VMI_RNGBACK_REQ_H
#define VMI_RNGBACK_REQ_H

#include <vmi/rng.h>

/* What one guest may ask of one queue: fixed when the guest is admitted. */
struct vmi_rng_limits {
	uint32_t data_size; /* bytes of the queue's data area */
	uint32_t max_request; /* vmi_rng_config.max_request */
};

/* A checked request, in host memory: nothing in it is guest-controlled. */
struct vmi_rng_io {
	uint64_t id;
	uint32_t offset; /* offset + len <= data_size */
	uint32_t len; /* 1..max_request */
};

/*
 * vmi_rng_req_check - validate a request copied out of the ring.
 * @req: the host's copy of the slot (never the shared slot itself)
 * @lim: the guest's limits
 * @io:  filled on success; io->id is set whatever the outcome, so that a
 *       refused request is answered for its id
 *
 * Returns VMI_RNG_S_OK, or INVAL (a reserved byte set) or RANGE (an empty
 * segment, one longer than max_request, or one outside the data area).
 */
enum vmi_rng_status vmi_rng_req_check(const struct vmi_rng_req *req,
				      const struct vmi_rng_limits *lim,
				      struct vmi_rng_io *io);

#endif /* VMI_RNGBACK_REQ_H */

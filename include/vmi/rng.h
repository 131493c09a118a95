/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * vmipv entropy device protocol (docs/ABI.md part (g)): the guest asks for
 * random bytes, the host writes them into the guest's data area, as
 * virtio-rng does. It is also the worked example of docs/DEVICE-CLASS.md:
 * the smallest class that uses every common piece (ROM entry, layout rule,
 * transport, ring, data area, config).
 *
 * Feature negotiation: no class bits (0-31) are defined yet; the common
 * bits of dev.h apply. A guest accepts only VMI_F_VERSION_1 (and may
 * accept VMI_F_HEARTBEAT).
 *
 * A device has nr_queues independent queues (1 by default), each of one
 * kind (kind 0). A request is one 32-byte slot on the request ring: a
 * byte range of the queue's data area to fill. Its response is one 16-byte
 * slot on the response ring, matched by id; responses may come in any
 * order. Every request gets exactly one response.
 */
#ifndef VMI_RNG_H
#define VMI_RNG_H

#include "types.h"
#include "ring.h"

/* vmi_rng_config.magic and version: the class config is really ours. */
#define VMI_RNG_CONFIG_MAGIC VMI_FOURCC('V', 'M', 'R', 'N')
#define VMI_RNG_VERSION_MAJOR 1 /* exact match */
#define VMI_RNG_VERSION_MINOR 0 /* a larger value adds fields in reserved */

/*
 * struct vmi_rng_req - one request slot (32 bytes).
 *
 * seg names the bytes to fill: 1..max_request bytes, entirely inside the
 * queue's data area (offset + len <= data_size, in 64-bit arithmetic).
 * reserved must be zero: a host refuses a request with any reserved byte
 * set, so that a later minor version can give them a meaning.
 */
struct vmi_rng_req {
	vmi_le64 id; /* opaque, echoed in the response */
	struct vmi_seg seg; /* where the random bytes go */
	uint8_t reserved[16]; /* zero */
};
VMI_ABI_SIZE(struct vmi_rng_req, 32);
VMI_ABI_OFFSET(struct vmi_rng_req, seg, 8);
VMI_ABI_OFFSET(struct vmi_rng_req, reserved, 16);

enum vmi_rng_status {
	VMI_RNG_S_OK = 0, /* len bytes of entropy written at seg.offset */
	VMI_RNG_S_INVAL = 1, /* a reserved byte is not zero */
	VMI_RNG_S_RANGE = 2, /* seg empty, beyond max_request or the area */
	VMI_RNG_S_IOERR = 3, /* the host's entropy source failed */
};

/* struct vmi_rng_rsp - one response slot (16 bytes). */
struct vmi_rng_rsp {
	vmi_le64 id; /* the request's */
	vmi_le32 status; /* enum vmi_rng_status */
	vmi_le32 len; /* bytes filled: seg.len on OK, else 0 */
};
VMI_ABI_SIZE(struct vmi_rng_rsp, 16);
VMI_ABI_OFFSET(struct vmi_rng_rsp, status, 8);
VMI_ABI_OFFSET(struct vmi_rng_rsp, len, 12);

/*
 * struct vmi_rng_config - vmi_shm_hdr.config for an entropy device. The
 * guest checks magic and version_major before it sends a request.
 */
struct vmi_rng_config {
	vmi_le32 magic; /* VMI_RNG_CONFIG_MAGIC */
	vmi_le16 version_major; /* VMI_RNG_VERSION_MAJOR */
	vmi_le16 version_minor; /* VMI_RNG_VERSION_MINOR */
	vmi_le32 max_request; /* bytes one request may ask for, > 0 */
	uint8_t reserved[180]; /* zero */
};
VMI_ABI_SIZE(struct vmi_rng_config, 192);
VMI_ABI_OFFSET(struct vmi_rng_config, version_major, 4);
VMI_ABI_OFFSET(struct vmi_rng_config, max_request, 8);
VMI_ABI_OFFSET(struct vmi_rng_config, reserved, 12);

#endif /* VMI_RNG_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: vmi-netback's TX descriptor validator on any
 * descriptor, any limits and any indirect segment list a guest could
 * write. Whatever the input, a descriptor the validator passes must name
 * only bytes inside the data area, in a packet of an allowed length and
 * chain, with an offload header the negotiated features allow; a failure
 * of that promise traps.
 *
 * Input: 64 bytes of struct vmi_net_tx (4 inline segments, 8 reserved
 * bytes that must change nothing), 8 bytes that pick the limits,
 * then the start of the data area (the rest is zero).
 */
#include <stdint.h>
#include <string.h>

#include "../fuzz_input.h"
#include "net_tx.h"

#define DATA_MAX (256 * 1024)

static uint8_t data[DATA_MAX] __attribute__((aligned(4096)));
static const uint8_t zero[sizeof(((struct vmi_net_tx *)0)->reserved)];

static void limits_from(const uint8_t *b, struct vmi_net_tx_limits *lim)
{
	lim->features = VMI_FEATURE(VMI_F_VERSION_1) | (uint64_t)b[0] |
			((b[1] & 1) ? VMI_FEATURE(VMI_F_INDIRECT) : 0);
	lim->data_size = ((uint32_t)b[2] % 64 + 1) * 4096;
	lim->max_packet = (b[3] & 1) ? VMI_NET_MAX_PACKET :
				       (uint32_t)b[4] << 4 | b[5];
	lim->max_segs = (lim->features & VMI_FEATURE(VMI_F_INDIRECT)) ?
				(b[6] & 0x3f) + 1 :
				VMI_NET_SEGS_INLINE;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct vmi_net_tx_limits lim;
	const uint8_t *lb;
	struct vmi_net_tx tx;
	struct vmi_net_pkt pkt;
	enum vmi_net_tx_err err;
	uint64_t total = 0;
	uint8_t gso;
	unsigned int i;

	lb = fuzz_split(in, size, &tx, sizeof(tx), 8, data, sizeof(data));
	if (!lb)
		return 0;
	limits_from(lb, &lim);

	err = vmi_net_tx_check(&tx, data, &lim, &pkt);
	CHECK(pkt.id == vmi_le64_to_cpu(tx.id));
	CHECK(err < VMI_NET_TX_NR_ERR);
	/* reserved means nothing yet: the host ignores it (docs/ABI.md). */
	if (memcmp(tx.reserved, zero, sizeof(zero))) {
		struct vmi_net_tx zeroed = tx;
		struct vmi_net_pkt again;

		memset(zeroed.reserved, 0, sizeof(zeroed.reserved));
		CHECK(vmi_net_tx_check(&zeroed, data, &lim, &again) == err);
	}
	if (err != VMI_NET_TX_OK)
		return 0;

	CHECK(pkt.nr_segs >= 1 && pkt.nr_segs <= lim.max_segs);
	CHECK(pkt.nr_segs <= VMI_MAX_SEGS);
	if (!(vmi_le16_to_cpu(tx.flags) & VMI_NET_TX_F_INDIRECT))
		CHECK(pkt.nr_segs <= VMI_NET_SEGS_INLINE);
	for (i = 0; i < pkt.nr_segs; i++) {
		CHECK(pkt.seg[i].len > 0);
		CHECK((uint64_t)pkt.seg[i].offset + pkt.seg[i].len <=
		      lim.data_size);
		total += pkt.seg[i].len;
	}
	CHECK(total == pkt.len);
	CHECK(pkt.len >= VMI_NET_MIN_PACKET && pkt.len <= lim.max_packet);

	CHECK(!(pkt.ol.flags & ~VMI_NET_HDR_F_NEEDS_CSUM));
	if (pkt.ol.flags) {
		CHECK(lim.features & VMI_FEATURE(VMI_NET_F_CSUM));
		CHECK((uint32_t)pkt.ol.csum_start + pkt.ol.csum_offset + 2 <=
		      pkt.len);
	}
	gso = pkt.ol.gso_type & ~VMI_NET_GSO_ECN;
	switch (gso) {
	case VMI_NET_GSO_NONE:
		CHECK(!(pkt.ol.gso_type & VMI_NET_GSO_ECN));
		return 0;
	case VMI_NET_GSO_TCPV4:
		CHECK(lim.features & VMI_FEATURE(VMI_NET_F_HOST_TSO4));
		break;
	case VMI_NET_GSO_TCPV6:
		CHECK(lim.features & VMI_FEATURE(VMI_NET_F_HOST_TSO6));
		break;
	case VMI_NET_GSO_UDP_L4:
		CHECK(lim.features & VMI_FEATURE(VMI_NET_F_HOST_USO));
		break;
	default:
		CHECK(0);
	}
	CHECK(pkt.ol.flags & VMI_NET_HDR_F_NEEDS_CSUM);
	CHECK(pkt.ol.gso_size > 0 && pkt.ol.gso_size <= pkt.len);
	CHECK((pkt.len + pkt.ol.gso_size - 1) / pkt.ol.gso_size <=
	      VMI_NET_GSO_MAX_SEGS);
	CHECK(pkt.ol.hdr_len <= pkt.len);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TX descriptor validator: every number of a guest's packet descriptor
 * is checked here, once, on the backend's own copy, before a byte of the
 * packet reaches DPDK. The order of the checks is the order of enum
 * vmi_net_tx_err: the descriptor's shape, then its segments, then the
 * offload header, so that a descriptor with several faults is always
 * counted under the same one.
 *
 * Sums of guest lengths are 64-bit from 32-bit inputs, so no descriptor
 * can name bytes outside the data area whatever it claims.
 */
#include <string.h>

#include "net_tx.h"

const char *const vmi_net_tx_err_name[VMI_NET_TX_NR_ERR] = {
	[VMI_NET_TX_OK] = "ok",
	[VMI_NET_TX_E_FLAGS] = "bad_flags",
	[VMI_NET_TX_E_NSEGS] = "bad_nr_segs",
	[VMI_NET_TX_E_INDIRECT] = "bad_indirect",
	[VMI_NET_TX_E_SEG] = "bad_seg",
	[VMI_NET_TX_E_LEN] = "bad_len",
	[VMI_NET_TX_E_HDR_FLAGS] = "bad_hdr_flags",
	[VMI_NET_TX_E_CSUM] = "bad_csum",
	[VMI_NET_TX_E_GSO_TYPE] = "bad_gso_type",
	[VMI_NET_TX_E_GSO_SIZE] = "bad_gso_size",
	[VMI_NET_TX_E_HDR_LEN] = "bad_hdr_len",
	[VMI_NET_TX_E_PROTO] = "bad_headers",
};

static int vmi_net_has(const struct vmi_net_tx_limits *lim, unsigned int bit)
{
	return !!(lim->features & VMI_FEATURE(bit));
}

/* Is a GSO type (with its ECN bit) known and negotiated? */
static int vmi_net_gso_ok(uint8_t gso_type, const struct vmi_net_tx_limits *lim)
{
	switch (gso_type & ~VMI_NET_GSO_ECN) {
	case VMI_NET_GSO_NONE:
		return !(gso_type & VMI_NET_GSO_ECN);
	case VMI_NET_GSO_TCPV4:
		return vmi_net_has(lim, VMI_NET_F_HOST_TSO4);
	case VMI_NET_GSO_TCPV6:
		return vmi_net_has(lim, VMI_NET_F_HOST_TSO6);
	case VMI_NET_GSO_UDP_L4:
		return !(gso_type & VMI_NET_GSO_ECN) &&
		       vmi_net_has(lim, VMI_NET_F_HOST_USO);
	default:
		return 0;
	}
}

/*
 * Copy the segment list into pkt->seg: inline from the descriptor, or
 * (with INDIRECT) from the data area, where the guest can still change
 * it; it is read once here and only the copy is checked and used.
 */
static enum vmi_net_tx_err
vmi_net_load_segs(const struct vmi_net_tx *tx, const void *data, uint16_t flags,
		  uint16_t nr_segs, const struct vmi_net_tx_limits *lim,
		  struct vmi_net_pkt *pkt)
{
	struct vmi_seg wire[VMI_MAX_SEGS];
	const struct vmi_seg *src = tx->seg;
	uint64_t total = 0;
	unsigned int i;

	if (!nr_segs || nr_segs > lim->max_segs || nr_segs > VMI_MAX_SEGS ||
	    (!(flags & VMI_NET_TX_F_INDIRECT) && nr_segs > VMI_NET_SEGS_INLINE))
		return VMI_NET_TX_E_NSEGS;
	if (flags & VMI_NET_TX_F_INDIRECT) {
		uint32_t off = vmi_le32_to_cpu(tx->seg[0].offset);
		uint32_t len = vmi_le32_to_cpu(tx->seg[0].len);

		if (off % sizeof(struct vmi_seg) ||
		    len < nr_segs * sizeof(struct vmi_seg) ||
		    (uint64_t)off + len > lim->data_size)
			return VMI_NET_TX_E_INDIRECT;
		memcpy(wire, (const uint8_t *)data + off,
		       nr_segs * sizeof(struct vmi_seg));
		src = wire;
	}
	for (i = 0; i < nr_segs; i++) {
		uint32_t off = vmi_le32_to_cpu(src[i].offset);
		uint32_t len = vmi_le32_to_cpu(src[i].len);

		if (!len || (uint64_t)off + len > lim->data_size)
			return VMI_NET_TX_E_SEG;
		pkt->seg[i].offset = off;
		pkt->seg[i].len = len;
		total += len;
	}
	if (total < VMI_NET_MIN_PACKET || total > lim->max_packet)
		return VMI_NET_TX_E_LEN;
	pkt->nr_segs = nr_segs;
	pkt->len = (uint32_t)total;
	return VMI_NET_TX_OK;
}

/* The offload header against the packet it describes. */
static enum vmi_net_tx_err
vmi_net_check_hdr(const struct vmi_net_hdr *h,
		  const struct vmi_net_tx_limits *lim, struct vmi_net_pkt *pkt)
{
	struct vmi_net_offload *ol = &pkt->ol;
	uint32_t segs;

	ol->flags = h->flags;
	ol->gso_type = h->gso_type;
	ol->hdr_len = vmi_le16_to_cpu(h->hdr_len);
	ol->gso_size = vmi_le16_to_cpu(h->gso_size);
	ol->csum_start = vmi_le16_to_cpu(h->csum_start);
	ol->csum_offset = vmi_le16_to_cpu(h->csum_offset);

	/* DATA_VALID means nothing on TX; Linux's TAP sets it on forwarded
	 * packets, so it is accepted and dropped, never refused. */
	if (ol->flags & ~(VMI_NET_HDR_F_NEEDS_CSUM | VMI_NET_HDR_F_DATA_VALID))
		return VMI_NET_TX_E_HDR_FLAGS;
	ol->flags &= VMI_NET_HDR_F_NEEDS_CSUM;
	if (ol->flags &&
	    (!vmi_net_has(lim, VMI_NET_F_CSUM) ||
	     (uint32_t)ol->csum_start + ol->csum_offset + 2 > pkt->len))
		return VMI_NET_TX_E_CSUM;
	if (!vmi_net_gso_ok(ol->gso_type, lim))
		return VMI_NET_TX_E_GSO_TYPE;
	if (ol->gso_type == VMI_NET_GSO_NONE)
		return VMI_NET_TX_OK;
	/* Segmentation computes checksums: the header must say where. */
	if (!ol->flags)
		return VMI_NET_TX_E_CSUM;
	if (!ol->gso_size || ol->gso_size > pkt->len)
		return VMI_NET_TX_E_GSO_SIZE;
	segs = (pkt->len + ol->gso_size - 1) / ol->gso_size;
	if (segs > VMI_NET_GSO_MAX_SEGS)
		return VMI_NET_TX_E_GSO_SIZE;
	if (ol->hdr_len > pkt->len)
		return VMI_NET_TX_E_HDR_LEN;
	return VMI_NET_TX_OK;
}

enum vmi_net_tx_err vmi_net_tx_check(const struct vmi_net_tx *tx,
				     const void *data,
				     const struct vmi_net_tx_limits *lim,
				     struct vmi_net_pkt *pkt)
{
	uint16_t flags = vmi_le16_to_cpu(tx->flags);
	uint16_t allowed = 0;
	enum vmi_net_tx_err err;

	pkt->id = vmi_le64_to_cpu(tx->id);
	pkt->nr_segs = 0;
	pkt->len = 0;
	memset(&pkt->ol, 0, sizeof(pkt->ol));

	if (vmi_net_has(lim, VMI_F_INDIRECT))
		allowed |= VMI_NET_TX_F_INDIRECT;
	if (flags & ~allowed)
		return VMI_NET_TX_E_FLAGS;
	err = vmi_net_load_segs(tx, data, flags, vmi_le16_to_cpu(tx->nr_segs),
				lim, pkt);
	if (err)
		return err;
	return vmi_net_check_hdr(&tx->hdr, lim, pkt);
}

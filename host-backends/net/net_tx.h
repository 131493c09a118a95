/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TX descriptor validator of vmi-netback: turns the backend's private
 * copy of a guest's struct vmi_net_tx into a checked struct vmi_net_pkt, or
 * into the reason it is refused (docs/ABI.md part (d), "Checks the host
 * makes"). A pure function of its inputs with no DPDK in it, so that a
 * libFuzzer target drives it (tests/fuzz/net/) and nothing after it
 * re-checks a guest number.
 */
#ifndef VMI_NETBACK_TX_H
#define VMI_NETBACK_TX_H

#include <stdint.h>
#include <vmi/dev.h>
#include <vmi/net.h>

/* What one guest may send on one TX queue: fixed when it is admitted. */
struct vmi_net_tx_limits {
	uint64_t features; /* negotiated: offered & accepted */
	uint32_t data_size; /* bytes of the queue's data area */
	uint32_t max_packet; /* largest frame, bytes */
	uint16_t max_segs; /* VMI_NET_SEGS_INLINE, up to VMI_MAX_SEGS indirect */
};

/* Why a descriptor was refused; each reason has its own counter. */
enum vmi_net_tx_err {
	VMI_NET_TX_OK = 0,
	VMI_NET_TX_E_FLAGS, /* unknown descriptor flag, INDIRECT not negotiated */
	VMI_NET_TX_E_NSEGS, /* no segment, or a chain longer than the limit */
	VMI_NET_TX_E_INDIRECT, /* segment list outside the data area */
	VMI_NET_TX_E_SEG, /* empty segment, or one beyond the data area */
	VMI_NET_TX_E_LEN, /* total outside VMI_NET_MIN_PACKET..max_packet */
	VMI_NET_TX_E_HDR_FLAGS, /* unknown vmi_net_hdr flag */
	VMI_NET_TX_E_CSUM, /* NEEDS_CSUM not negotiated, or outside the packet */
	VMI_NET_TX_E_GSO_TYPE, /* unknown offload type, or not negotiated */
	VMI_NET_TX_E_GSO_SIZE, /* 0, larger than the packet, too many segments */
	VMI_NET_TX_E_HDR_LEN, /* headers longer than the packet */
	VMI_NET_TX_E_PROTO, /* the headers do not match the offload asked */
	VMI_NET_TX_NR_ERR
};

/* Counter names, for the stats JSON: "bad_flags", "bad_nsegs", ... */
extern const char *const vmi_net_tx_err_name[VMI_NET_TX_NR_ERR];

/* The offload header in host byte order, checked. */
struct vmi_net_offload {
	uint8_t flags; /* VMI_NET_HDR_F_NEEDS_CSUM (DATA_VALID dropped) */
	uint8_t gso_type; /* VMI_NET_GSO_*, ECN bit kept */
	uint16_t hdr_len; /* the guest's hint; the host parses its own */
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

struct vmi_net_pkt_seg {
	uint32_t offset; /* offset + len <= data_size */
	uint32_t len; /* > 0 */
};

/* A checked packet, in host memory: nothing in it is guest-controlled. */
struct vmi_net_pkt {
	uint64_t id;
	struct vmi_net_offload ol;
	uint32_t len; /* total bytes, VMI_NET_MIN_PACKET..max_packet */
	uint16_t nr_segs;
	struct vmi_net_pkt_seg seg[VMI_MAX_SEGS];
};

/*
 * vmi_net_tx_check - validate a TX descriptor copied out of the ring.
 * @tx:   the host's copy of the slot (never the shared slot itself)
 * @data: the queue's data area (shared memory), read only for an indirect
 *        segment list, which is copied once into @pkt before it is checked
 * @lim:  the guest's limits
 * @pkt:  filled on success; pkt->id is set whatever the outcome, so that
 *        a refused packet is answered for its id
 *
 * Returns VMI_NET_TX_OK or the first check that failed, in the order of
 * enum vmi_net_tx_err. Never reads outside the copy and the data area.
 */
enum vmi_net_tx_err vmi_net_tx_check(const struct vmi_net_tx *tx,
				     const void *data,
				     const struct vmi_net_tx_limits *lim,
				     struct vmi_net_pkt *pkt);

#endif /* VMI_NETBACK_TX_H */

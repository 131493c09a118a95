/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * vmipv network device protocol (docs/ABI.md part (d)).
 *
 * A net device has nr_queues = 2 * queue pairs. Queue 2k is the RX queue of
 * pair k (vmi_shm_queue.kind = VMI_NET_QUEUE_RX), queue 2k + 1 its TX queue.
 *
 *   TX: the guest produces struct vmi_net_tx (64 bytes) carrying an offload
 *       header and the packet's segments; the host answers with struct
 *       vmi_net_tx_rsp (16 bytes) once the buffers may be reused, exactly
 *       one answer per descriptor and in the order it took them, whatever
 *       the outcome (sent, refused, dropped). A guest may rely on it and
 *       treat an answer out of order as a protocol error.
 *   RX: the guest produces struct vmi_net_rx_buf (16 bytes), an empty
 *       buffer; the host fills it with one packet and answers with struct
 *       vmi_net_rx_rsp (32 bytes) carrying the length and offload header,
 *       in any order (matched by id). An answer with len 0 gives the buffer
 *       back unused (outside the data area, or too small for the packet
 *       it was to take): not an error; the guest posts it again or frees it.
 *
 * The config (struct vmi_net_config) does not change while the device is
 * in use: the link state, which does, is VMI_DEVICE_LINK_UP in
 * device_status (with VMI_NET_F_STATUS).
 *
 * Feature negotiation (bits 0-31; common bits in dev.h):
 *
 *   VMI_NET_F_CSUM        host takes TX packets with partial checksums
 *                         (VMI_NET_HDR_F_NEEDS_CSUM)
 *   VMI_NET_F_GUEST_CSUM  guest takes RX packets with partial checksums
 *   VMI_NET_F_HOST_TSO4/6 host takes TX TCP segments up to 64 KiB
 *   VMI_NET_F_HOST_USO    host takes TX UDP (L4) segmentation
 *   VMI_NET_F_GUEST_TSO4/6 guest takes RX TCP segments up to 64 KiB (and
 *                         then posts RX buffers of max_packet bytes)
 *   VMI_NET_F_MTU         vmi_net_config.mtu is valid
 *   VMI_NET_F_MAC         vmi_net_config.mac is valid
 *   VMI_NET_F_STATUS      VMI_DEVICE_LINK_UP in device_status is valid
 *
 * Defaults when a bit is absent: full checksums, no segmentation, MTU 1500,
 * a guest-chosen MAC, link always up.
 */
#ifndef VMI_NET_H
#define VMI_NET_H

#include "types.h"
#include "ring.h"

#define VMI_NET_F_CSUM 0
#define VMI_NET_F_GUEST_CSUM 1
#define VMI_NET_F_HOST_TSO4 2
#define VMI_NET_F_HOST_TSO6 3
#define VMI_NET_F_HOST_USO 4
#define VMI_NET_F_GUEST_TSO4 5
#define VMI_NET_F_GUEST_TSO6 6
#define VMI_NET_F_MTU 7
#define VMI_NET_F_MAC 8
#define VMI_NET_F_STATUS 9

#define VMI_NET_QUEUE_RX 1
#define VMI_NET_QUEUE_TX 2

/* vmi_net_config.magic and version: the class config is really ours. */
#define VMI_NET_CONFIG_MAGIC VMI_FOURCC('V', 'M', 'N', 'T')
#define VMI_NET_VERSION_MAJOR 1 /* exact match */
#define VMI_NET_VERSION_MINOR 0 /* a larger value adds fields in reserved */

#define VMI_NET_SEGS_INLINE 4
#define VMI_NET_MAX_PACKET 65550 /* 64 KiB of L3 payload plus L2 header */
#define VMI_NET_MIN_PACKET 14 /* an Ethernet header */
/*
 * A GSO packet may ask for at most this many segments (total length /
 * gso_size, rounded up): a bound on the host's work per descriptor that
 * even Linux's smallest MSS (48 bytes) stays far inside.
 */
#define VMI_NET_GSO_MAX_SEGS 2048

/*
 * struct vmi_net_hdr - the offload header (12 bytes). It has the layout of
 * virtio-net's struct virtio_net_hdr_mrg_rxbuf, so a TAP device with
 * IFF_VNET_HDR and TUNSETVNETHDRSZ 12 reads and writes it unchanged.
 */
#define VMI_NET_HDR_F_NEEDS_CSUM 0x01 /* csum_start/offset are valid */
#define VMI_NET_HDR_F_DATA_VALID 0x02 /* RX: checksum already verified */

#define VMI_NET_GSO_NONE 0
#define VMI_NET_GSO_TCPV4 1
#define VMI_NET_GSO_UDP_L4 5
#define VMI_NET_GSO_TCPV6 4
#define VMI_NET_GSO_ECN 0x80 /* flag: TCP ECN/CWR was set */

struct vmi_net_hdr {
	uint8_t flags; /* VMI_NET_HDR_F_* */
	uint8_t gso_type; /* VMI_NET_GSO_* */
	vmi_le16 hdr_len; /* L2 + L3 + L4 header bytes (GSO) */
	vmi_le16 gso_size; /* payload bytes per segment (GSO) */
	vmi_le16 csum_start; /* checksum from here to the end ... */
	vmi_le16 csum_offset; /* ... stored at csum_start + this */
	vmi_le16 num_buffers; /* 0 on TX; 1 on RX */
};
VMI_ABI_SIZE(struct vmi_net_hdr, 12);

/* vmi_net_tx.flags */
#define VMI_NET_TX_F_INDIRECT 0x0001 /* seg[0] holds the segment list */

/*
 * struct vmi_net_tx - one outgoing packet (64 bytes): the offload header
 * and nr_segs segments (1..VMI_NET_SEGS_INLINE inline, up to VMI_MAX_SEGS
 * indirect) that together hold the frame from its Ethernet header on,
 * VMI_NET_MIN_PACKET..VMI_NET_MAX_PACKET bytes. reserved is written 0 by
 * the guest and ignored by the host until a feature gives it a meaning.
 */
struct vmi_net_tx {
	vmi_le64 id; /* echoed in the response */
	struct vmi_net_hdr hdr;
	vmi_le16 nr_segs;
	vmi_le16 flags;
	struct vmi_seg seg[VMI_NET_SEGS_INLINE];
	uint8_t reserved[8]; /* 0 */
};
VMI_ABI_SIZE(struct vmi_net_tx, 64);
VMI_ABI_OFFSET(struct vmi_net_tx, hdr, 8);
VMI_ABI_OFFSET(struct vmi_net_tx, nr_segs, 20);
VMI_ABI_OFFSET(struct vmi_net_tx, seg, 24);
VMI_ABI_OFFSET(struct vmi_net_tx, reserved, 56);

enum vmi_net_status {
	VMI_NET_S_OK = 0, /* sent (or handed to the port) */
	VMI_NET_S_INVAL = 1, /* malformed descriptor: dropped, counted */
	VMI_NET_S_DROPPED = 2, /* no room on the port: dropped, counted */
};

/* struct vmi_net_tx_rsp - TX completion (16 bytes). */
struct vmi_net_tx_rsp {
	vmi_le64 id;
	vmi_le32 status; /* enum vmi_net_status */
	vmi_le32 reserved;
};
VMI_ABI_SIZE(struct vmi_net_tx_rsp, 16);

/* struct vmi_net_rx_buf - an empty receive buffer (16 bytes). */
struct vmi_net_rx_buf {
	vmi_le64 id;
	struct vmi_seg seg; /* max_packet bytes, or mtu + 14 without TSO */
};
VMI_ABI_SIZE(struct vmi_net_rx_buf, 16);

/*
 * struct vmi_net_rx_rsp - a filled receive buffer (32 bytes): the packet
 * occupies the first len bytes of the buffer posted with this id.
 */
struct vmi_net_rx_rsp {
	vmi_le64 id;
	vmi_le32 len;
	vmi_le32 reserved0;
	struct vmi_net_hdr hdr;
	vmi_le32 reserved1;
};
VMI_ABI_SIZE(struct vmi_net_rx_rsp, 32);
VMI_ABI_OFFSET(struct vmi_net_rx_rsp, hdr, 16);

/*
 * struct vmi_net_config - vmi_shm_hdr.config for a net device. The guest
 * checks magic and version_major before it negotiates, and refuses the
 * device on a difference. Fixed from the header's layout to the next reset.
 */
struct vmi_net_config {
	vmi_le32 magic; /* VMI_NET_CONFIG_MAGIC */
	vmi_le16 version_major; /* VMI_NET_VERSION_MAJOR */
	vmi_le16 version_minor; /* VMI_NET_VERSION_MINOR */
	uint8_t mac[6];
	vmi_le16 mtu; /* L3 MTU, 68..65535 */
	vmi_le16 max_queue_pairs;
	vmi_le16 reserved0;
	vmi_le32 max_packet; /* largest frame either way, bytes */
	uint8_t reserved[168]; /* 0 */
};
VMI_ABI_SIZE(struct vmi_net_config, 192);
VMI_ABI_OFFSET(struct vmi_net_config, version_major, 4);
VMI_ABI_OFFSET(struct vmi_net_config, mac, 8);
VMI_ABI_OFFSET(struct vmi_net_config, mtu, 14);
VMI_ABI_OFFSET(struct vmi_net_config, max_packet, 20);
VMI_ABI_OFFSET(struct vmi_net_config, reserved, 24);

#endif /* VMI_NET_H */

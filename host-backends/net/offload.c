// SPDX-License-Identifier: GPL-2.0-only
/*
 * Offloads between a guest's struct vmi_net_hdr (virtio-net's header) and
 * DPDK's mbuf offload fields, both ways, with a software fallback for
 * whatever the port cannot do, so that a guest sees the same offloads on
 * every port:
 *
 *   TX  NEEDS_CSUM on TCP/UDP    -> RTE_MBUF_F_TX_{TCP,UDP}_CKSUM, l2/l3_len
 *       NEEDS_CSUM on anything   -> completed here (Linux's skb_checksum_help)
 *       GSO TCPV4/TCPV6          -> RTE_MBUF_F_TX_TCP_SEG, tso_segsz, l4_len
 *       (no TSO on the port)     -> librte_gso, then per-segment checksums
 *       (no checksum on the port)-> rte_ipv4/6_udptcp_cksum_mbuf() here
 *   RX  verified L4 checksum     -> NEEDS_CSUM with the pseudo-header sum
 *       (port does not verify)   -> verified here
 *       TCP/IPv4 coalesced by librte_gro, or RTE_MBUF_F_RX_LRO from the
 *       port                     -> GSO TCPV4/6, gso_size = the MSS
 *
 * Headers are parsed by DPDK (rte_net_get_ptype), never taken from the
 * guest's hdr_len, and only in memory the guest can no longer change: the
 * first mbuf of a TX packet is always a private copy.
 */
#include <rte_ether.h>
#include <rte_gro.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "netback.h"

#define VMI_NETBACK_PTYPE_MASK \
	(RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK | RTE_PTYPE_L4_MASK)
#define VMI_NET_TCP_CSUM_OFF 16 /* offsetof(struct rte_tcp_hdr, cksum) */
#define VMI_NET_UDP_CSUM_OFF 6 /* offsetof(struct rte_udp_hdr, dgram_cksum) */

/* A parsed packet: what DPDK found in its headers. */
struct vmi_netback_hdrs {
	uint32_t ptype;
	uint16_t l2, l3, l4;
	bool v4, v6, tcp, udp;
};

static void vmi_netback_parse(const struct rte_mbuf *m,
			      struct vmi_netback_hdrs *h)
{
	struct rte_net_hdr_lens hl;
	uint32_t l3, l4;

	h->ptype = rte_net_get_ptype(m, &hl, VMI_NETBACK_PTYPE_MASK);
	l3 = h->ptype & RTE_PTYPE_L3_MASK;
	l4 = h->ptype & RTE_PTYPE_L4_MASK;
	h->l2 = hl.l2_len;
	h->l3 = hl.l3_len;
	h->l4 = hl.l4_len;
	h->v4 = RTE_ETH_IS_IPV4_HDR(h->ptype);
	/* DPDK's IPv6 checksum helpers know no extension headers. */
	h->v6 = l3 == RTE_PTYPE_L3_IPV6;
	h->tcp = l4 == RTE_PTYPE_L4_TCP;
	h->udp = l4 == RTE_PTYPE_L4_UDP;
}

/* Do the headers end inside the first segment? */
static bool vmi_netback_hdrs_in_first(const struct rte_mbuf *m,
				      const struct vmi_netback_hdrs *h)
{
	return (uint32_t)h->l2 + h->l3 + h->l4 <= rte_pktmbuf_data_len(m);
}

/*
 * Complete a partial checksum in software: the 16-bit field at
 * start + off holds the pseudo-header sum, and the one's complement of the
 * sum from start to the end goes there (0 is sent as 0xffff, as Linux's
 * skb_checksum_help does). The field lies in the private first segment.
 */
static int vmi_netback_csum_partial(struct rte_mbuf *m, uint16_t start,
				    uint16_t off)
{
	uint16_t sum, *field;

	if ((uint32_t)start + off + 2 > rte_pktmbuf_data_len(m) ||
	    rte_raw_cksum_mbuf(m, start, m->pkt_len - start, &sum))
		return VMI_NET_TX_E_PROTO;
	field = rte_pktmbuf_mtod_offset(m, uint16_t *, start + off);
	sum = (uint16_t)~sum;
	*field = sum ? sum : 0xffff;
	return 0;
}

/*
 * vmi_netback_tx_offload - map a checked offload header onto m, whose
 * first segment is a private copy of at least the packet's headers and of
 * its checksum field. Returns 0, or VMI_NET_TX_E_PROTO when the headers do
 * not match what the offload header asks (GSO on a packet that is not TCP
 * of that IP version, headers outside the first segment).
 */
int vmi_netback_tx_offload(struct rte_mbuf *m, const struct vmi_net_offload *ol,
			   uint32_t hdr_in_first)
{
	uint8_t gso = ol->gso_type & ~VMI_NET_GSO_ECN;
	struct vmi_netback_hdrs h;
	bool l4_ok;

	if (!(ol->flags & VMI_NET_HDR_F_NEEDS_CSUM))
		return 0; /* the validator allows GSO only with NEEDS_CSUM */
	vmi_netback_parse(m, &h);
	l4_ok = (h.v4 || h.v6) && (h.tcp || h.udp) &&
		ol->csum_start == h.l2 + h.l3 &&
		ol->csum_offset ==
			(h.tcp ? VMI_NET_TCP_CSUM_OFF : VMI_NET_UDP_CSUM_OFF) &&
		(uint32_t)h.l2 + h.l3 + h.l4 <= hdr_in_first &&
		vmi_netback_hdrs_in_first(m, &h);

	if (gso != VMI_NET_GSO_NONE) {
		if (!l4_ok || !h.tcp || (gso == VMI_NET_GSO_TCPV4 && !h.v4) ||
		    (gso == VMI_NET_GSO_TCPV6 && !h.v6) ||
		    (uint32_t)h.l2 + h.l3 + h.l4 >= m->pkt_len)
			return VMI_NET_TX_E_PROTO;
	} else if (!l4_ok) {
		return vmi_netback_csum_partial(m, ol->csum_start,
						ol->csum_offset);
	}
	m->l2_len = h.l2;
	m->l3_len = h.l3;
	m->l4_len = h.l4;
	m->ol_flags |= h.v4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;
	m->ol_flags |= h.tcp ? RTE_MBUF_F_TX_TCP_CKSUM :
			       RTE_MBUF_F_TX_UDP_CKSUM;
	/* "Too small packets are not really GSO ones" (Linux). */
	if (gso != VMI_NET_GSO_NONE &&
	    m->pkt_len - h.l2 - h.l3 - h.l4 > ol->gso_size) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		/* Each segment gets a new IPv4 header, and its checksum. */
		if (h.v4)
			m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
		m->tso_segsz = ol->gso_size;
	}
	return 0;
}

/* librte_gso's context for a port: segments of at most its frame size. */
int vmi_netback_gso_init(const struct vmi_netback_port *p,
			 struct rte_gso_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->direct_pool = p->pool;
	ctx->indirect_pool = p->ext_pool;
	ctx->gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	/* IP IDs go up per segment, as a NIC's TSO makes them. */
	ctx->flag = 0;
	ctx->gso_size = (uint16_t)p->max_frame;
	return 0;
}

/* The checksums a packet asks for and the port cannot compute. */
static void vmi_netback_csum_sw(const struct vmi_netback_port *p,
				struct rte_mbuf *m)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	void *l3h = rte_pktmbuf_mtod_offset(m, void *, m->l2_len);
	uint16_t *field;

	if ((m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) && !p->tx_ip_csum) {
		struct rte_ipv4_hdr *ip = l3h;

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		m->ol_flags &= ~RTE_MBUF_F_TX_IP_CKSUM;
	}
	if ((l4 == RTE_MBUF_F_TX_TCP_CKSUM && !p->tx_tcp_csum) ||
	    (l4 == RTE_MBUF_F_TX_UDP_CKSUM && !p->tx_udp_csum)) {
		field = rte_pktmbuf_mtod_offset(
			m, uint16_t *,
			m->l2_len + m->l3_len +
				(l4 == RTE_MBUF_F_TX_TCP_CKSUM ?
					 VMI_NET_TCP_CSUM_OFF :
					 VMI_NET_UDP_CSUM_OFF));
		*field = 0;
		if (m->ol_flags & RTE_MBUF_F_TX_IPV4)
			*field = rte_ipv4_udptcp_cksum_mbuf(
				m, l3h, m->l2_len + m->l3_len);
		else
			*field = rte_ipv6_udptcp_cksum_mbuf(
				m, l3h, m->l2_len + m->l3_len);
		m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
	}
}

/*
 * vmi_netback_tx_prepare - what goes to the port for packet m: m itself,
 * or the segments librte_gso makes of it when the port has no TSO; each
 * with the checksums the port cannot compute done in software. Returns the
 * number of mbufs in out (0: the packet was dropped, m freed).
 */
unsigned int vmi_netback_tx_prepare(const struct vmi_netback_port *p,
				    struct rte_gso_ctx *gso, struct rte_mbuf *m,
				    struct rte_mbuf **out, unsigned int max)
{
	unsigned int i, n = 1;
	int ret;

	out[0] = m;
	if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && !p->tso) {
		gso->gso_size =
			m->l2_len + m->l3_len + m->l4_len + m->tso_segsz;
		ret = rte_gso_segment(m, gso, out, (uint16_t)max);
		if (ret < 0) {
			rte_pktmbuf_free(m);
			return 0;
		}
		if (ret > 0) {
			/* The segments hold references to m's data. */
			rte_pktmbuf_free(m);
			n = (unsigned int)ret;
		} else {
			out[0] = m;
		}
	}
	for (i = 0; i < n; i++)
		vmi_netback_csum_sw(p, out[i]);
	return n;
}

/* Is the IPv4 header's checksum right? (m's headers are parsed) */
static bool vmi_netback_ip_csum_ok(struct rte_mbuf *m)
{
	uint64_t st = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (st == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, void *, m->l2_len);

		st = rte_ipv4_cksum(ip) ? RTE_MBUF_F_RX_IP_CKSUM_BAD :
					  RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		m->ol_flags |= st;
	}
	return st == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
}

/*
 * vmi_netback_rx_parse - set m's packet type and header lengths; with
 * verify, also its L4 (and IPv4 header) checksum status when the port did
 * not report one, so that a verified checksum can be handed to the guest
 * as partial.
 */
void vmi_netback_rx_parse(struct rte_mbuf *m, bool verify)
{
	struct vmi_netback_hdrs h;
	const void *l3h;
	int bad;

	vmi_netback_parse(m, &h);
	m->packet_type = h.ptype;
	m->l2_len = h.l2;
	m->l3_len = h.l3;
	m->l4_len = h.l4;
	if (!verify || !(h.v4 || h.v6) || !(h.tcp || h.udp) ||
	    !vmi_netback_hdrs_in_first(m, &h) ||
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
		    RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN)
		return;
	if (h.v4 && !vmi_netback_ip_csum_ok(m))
		return;
	l3h = rte_pktmbuf_mtod_offset(m, const void *, h.l2);
	if (h.udp && h.v4 &&
	    !rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, h.l2 + h.l3)
		     ->dgram_cksum) {
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
		return;
	}
	bad = h.v4 ? rte_ipv4_udptcp_cksum_mbuf_verify(m, l3h, h.l2 + h.l3) :
		     rte_ipv6_udptcp_cksum_mbuf_verify(m, l3h, h.l2 + h.l3);
	m->ol_flags |= bad ? RTE_MBUF_F_RX_L4_CKSUM_BAD :
			     RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* A TCP/IPv4 packet librte_gro may coalesce: both checksums verified. */
static bool vmi_netback_gro_candidate(struct rte_mbuf *m)
{
	return RTE_ETH_IS_IPV4_HDR(m->packet_type) &&
	       (m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP &&
	       (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		       RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	       m->nb_segs == 1 && vmi_netback_ip_csum_ok(m);
}

/* LRO marks on what librte_gro made of several packets; its IPv4 header
 * checksum, which librte_gro leaves stale, redone. */
static void vmi_netback_gro_mark(struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t hdrs = m->l2_len + m->l3_len + m->l4_len;

		if (m->pkt_len - hdrs > m->tso_segsz) {
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
				m, struct rte_ipv4_hdr *, m->l2_len);

			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			m->ol_flags |= RTE_MBUF_F_RX_LRO;
		}
	}
}

/* One guest queue's librte_gro table, held across bursts. */
void *vmi_netback_gro_create(int socket)
{
	struct rte_gro_param param = {
		.gro_types = RTE_GRO_TCP_IPV4,
		.max_flow_num = VMI_NETBACK_GRO_FLOWS,
		.max_item_per_flow = VMI_NETBACK_GRO_ITEMS,
		.socket_id = (uint16_t)(socket < 0 ? 0 : socket),
	};

	return rte_gro_ctx_create(&param);
}

/* Free the packets still held, and the table. */
void vmi_netback_gro_destroy(void *ctx)
{
	struct rte_mbuf *held[VMI_NETBACK_GRO_MAX];
	unsigned int n;

	if (!ctx)
		return;
	n = rte_gro_timeout_flush(ctx, 0, RTE_GRO_TCP_IPV4, held,
				  VMI_NETBACK_GRO_MAX);
	rte_pktmbuf_free_bulk(held, n);
	rte_gro_ctx_destroy(ctx);
}

/*
 * vmi_netback_rx_gro - coalesce the TCP/IPv4 packets of pkts (parsed and
 * verified by vmi_netback_rx_parse) in the guest queue's librte_gro table
 * ctx, which holds them across bursts: while hold says more packets are
 * coming (the port gave a full burst), a coalesced packet stays in the
 * table until it is age_cycles old; otherwise, or when a packet of some
 * flow could not be merged (its TCP flags) and must not overtake the
 * data before it, the whole table goes out.
 *
 * out gets, in this order: the table's packets that are due, the packets
 * librte_gro would not take, the packets that were no candidates (at most
 * n + VMI_NETBACK_GRO_MAX). A packet made of several is marked as a
 * port's LRO would mark it: RTE_MBUF_F_RX_LRO, tso_segsz = the payload of
 * its first part (the MSS). Returns the number of packets in out.
 */
unsigned int vmi_netback_rx_gro(void *ctx, struct rte_mbuf **pkts,
				unsigned int n, bool hold, uint64_t age_cycles,
				struct rte_mbuf **out)
{
	struct rte_mbuf *cand[VMI_NETBACK_BURST], *other[VMI_NETBACK_BURST];
	unsigned int i, nc = 0, no = 0, k, u = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (vmi_netback_gro_candidate(m)) {
			m->tso_segsz = (uint16_t)(m->pkt_len - m->l2_len -
						  m->l3_len - m->l4_len);
			cand[nc++] = m;
		} else {
			other[no++] = m;
		}
	}
	if (nc)
		u = rte_gro_reassemble(cand, (uint16_t)nc, ctx);
	k = rte_gro_timeout_flush(ctx, hold && !u ? age_cycles : 0,
				  RTE_GRO_TCP_IPV4, out, VMI_NETBACK_GRO_MAX);
	vmi_netback_gro_mark(out, k);
	for (i = 0; i < u; i++)
		out[k++] = cand[i];
	for (i = 0; i < no; i++)
		out[k++] = other[i];
	return k;
}

/* Packets a table holds. */
unsigned int vmi_netback_gro_held(void *ctx)
{
	return (unsigned int)rte_gro_get_pkt_count(ctx);
}

/*
 * vmi_netback_rx_offload - the offload header for a received packet m
 * (parsed by vmi_netback_rx_parse). With partial (the guest took
 * GUEST_CSUM), a verified TCP/UDP checksum is handed on as NEEDS_CSUM: the
 * field gets the pseudo-header sum, as a Linux sender's would, and the
 * guest's stack takes the packet as checked. An LRO packet becomes a GSO
 * packet of its MSS; it is only ever made for guests with GUEST_TSO4/6.
 */
void vmi_netback_rx_offload(struct rte_mbuf *m, bool partial,
			    struct vmi_net_hdr *h)
{
	struct vmi_netback_hdrs hd = {
		.ptype = m->packet_type,
		.l2 = m->l2_len,
		.l3 = m->l3_len,
		.l4 = m->l4_len,
		.v4 = RTE_ETH_IS_IPV4_HDR(m->packet_type),
		.v6 = (m->packet_type & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV6,
		.tcp = (m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP,
		.udp = (m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_UDP,
	};
	void *l3h = rte_pktmbuf_mtod_offset(m, void *, hd.l2);
	uint16_t *field;

	memset(h, 0, sizeof(*h));
	h->num_buffers = vmi_cpu_to_le16(1);
	if (!partial || !(hd.v4 || hd.v6) || !(hd.tcp || hd.udp) ||
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
		    RTE_MBUF_F_RX_L4_CKSUM_GOOD ||
	    !vmi_netback_hdrs_in_first(m, &hd))
		return;
	field = rte_pktmbuf_mtod_offset(
		m, uint16_t *,
		hd.l2 + hd.l3 +
			(hd.tcp ? VMI_NET_TCP_CSUM_OFF : VMI_NET_UDP_CSUM_OFF));
	*field = hd.v4 ? rte_ipv4_phdr_cksum(l3h, 0) :
			 rte_ipv6_phdr_cksum(l3h, 0);
	h->flags = VMI_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = vmi_cpu_to_le16(hd.l2 + hd.l3);
	h->csum_offset = vmi_cpu_to_le16(hd.tcp ? VMI_NET_TCP_CSUM_OFF :
						  VMI_NET_UDP_CSUM_OFF);
	if ((m->ol_flags & RTE_MBUF_F_RX_LRO) && hd.tcp && m->tso_segsz) {
		h->gso_type = hd.v4 ? VMI_NET_GSO_TCPV4 : VMI_NET_GSO_TCPV6;
		h->gso_size = vmi_cpu_to_le16(m->tso_segsz);
		h->hdr_len = vmi_cpu_to_le16(hd.l2 + hd.l3 + hd.l4);
	}
}

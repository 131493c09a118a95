// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-netback's offload mapping (host-backends/net/offload.c) on real
 * mbufs: the EAL runs in memory, without hugepages or devices. TX: each
 * offload header maps to the mbuf flags a port expects, or is done in
 * software for a port that cannot (checksums, librte_gso segmentation),
 * and the result is checked packet by packet against independently
 * computed checksums and the original payload. RX: verified checksums are
 * handed on partial, librte_gro coalesces a TCP flow into one GSO packet
 * whose headers are right (across bursts, never reordering a flow), and a
 * packet with a bad checksum is left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "netback.h"

#define HDRS 54 /* Ethernet 14, IPv4 20, TCP 20 */
#define MSS 1448

static struct rte_mempool *pool, *ext_pool;
static struct vmi_netback_port port;
static struct rte_gso_ctx gso;

/* ---- packet builders ------------------------------------------------------- */

static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/*
 * An Ethernet/IPv4/TCP packet of len bytes in one mbuf, payload from the
 * pattern at offset poff. csum: 0 none, 1 partial (pseudo-header sum in
 * the field, as a Linux sender leaves it), 2 complete.
 */
static struct rte_mbuf *tcp4(uint32_t len, uint32_t seq, uint32_t poff,
			     int csum)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	uint8_t *p;
	uint32_t i;

	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, (uint16_t)len));
	p = rte_pktmbuf_mtod(m, uint8_t *);
	for (i = 0; i < HDRS; i++)
		p[i] = i < 6 ? 0x02 : i < 12 ? 0x04 : 0;
	eth = (struct rte_ether_hdr *)p;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - 14));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(0x0a630001);
	ip->dst_addr = rte_cpu_to_be_32(0x0a630002);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	tcp->src_port = rte_cpu_to_be_16(5201);
	tcp->dst_port = rte_cpu_to_be_16(40000);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(77);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = RTE_TCP_ACK_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(512);
	for (i = HDRS; i < len; i++)
		p[i] = pattern(poff + i - HDRS);
	if (csum == 1)
		tcp->cksum = rte_ipv4_phdr_cksum(ip, 0);
	else if (csum == 2)
		tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return m;
}

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
}

static struct rte_tcp_hdr *tcp_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, 34);
}

static struct vmi_net_offload csum_ol(uint16_t start, uint16_t off)
{
	struct vmi_net_offload ol = {
		.flags = VMI_NET_HDR_F_NEEDS_CSUM,
		.csum_start = start,
		.csum_offset = off,
	};

	return ol;
}

static struct vmi_net_offload tso_ol(uint8_t type, uint16_t size)
{
	struct vmi_net_offload ol = csum_ol(34, 16);

	ol.gso_type = type;
	ol.gso_size = size;
	ol.hdr_len = HDRS;
	return ol;
}

/* A port that does nothing itself: every offload in software. */
static void port_soft(void)
{
	memset(&port, 0, sizeof(port));
	port.pool = pool;
	port.ext_pool = ext_pool;
	port.max_frame = 1518;
}

/* ---- TX --------------------------------------------------------------------- */

static void test_tx_csum_tcp4(void **state)
{
	struct vmi_net_offload ol = csum_ol(34, 16);
	struct rte_mbuf *m = tcp4(1000, 1, 0, 1);

	(void)state;
	assert_int_equal(vmi_netback_tx_offload(m, &ol, m->data_len), 0);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK,
			 RTE_MBUF_F_TX_TCP_CKSUM);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	assert_int_equal(m->l4_len, 20);
	rte_pktmbuf_free(m);
}

static void test_tx_tso4(void **state)
{
	struct vmi_net_offload ol = tso_ol(VMI_NET_GSO_TCPV4, MSS);
	struct rte_mbuf *m = tcp4(20000, 1, 0, 1);

	(void)state;
	assert_int_equal(vmi_netback_tx_offload(m, &ol, m->data_len), 0);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	assert_int_equal(m->tso_segsz, MSS);
	assert_int_equal(m->l4_len, 20);
	rte_pktmbuf_free(m);
}

/* "Too small packets are not really GSO ones": only the checksum. */
static void test_tx_gso_small(void **state)
{
	struct vmi_net_offload ol = tso_ol(VMI_NET_GSO_TCPV4, MSS);
	struct rte_mbuf *m = tcp4(HDRS + MSS, 1, 0, 1);

	(void)state;
	assert_int_equal(vmi_netback_tx_offload(m, &ol, m->data_len), 0);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK,
			 RTE_MBUF_F_TX_TCP_CKSUM);
	rte_pktmbuf_free(m);
}

/* The offload asked must match the headers. */
static void test_tx_proto(void **state)
{
	struct vmi_net_offload ol = tso_ol(VMI_NET_GSO_TCPV6, MSS);
	struct rte_mbuf *m = tcp4(5000, 1, 0, 1);

	(void)state;
	assert_int_equal(vmi_netback_tx_offload(m, &ol, m->data_len),
			 VMI_NET_TX_E_PROTO);
	/* TCP segmentation of what the IP header says is UDP */
	ol = tso_ol(VMI_NET_GSO_TCPV4, MSS);
	ip_of(m)->next_proto_id = IPPROTO_UDP;
	assert_int_equal(vmi_netback_tx_offload(m, &ol, m->data_len),
			 VMI_NET_TX_E_PROTO);
	/* headers beyond what the backend holds privately */
	ip_of(m)->next_proto_id = IPPROTO_TCP;
	assert_int_equal(vmi_netback_tx_offload(m, &ol, 40),
			 VMI_NET_TX_E_PROTO);
	rte_pktmbuf_free(m);
}

/*
 * NEEDS_CSUM on something that is not TCP/UDP where DPDK expects it: the
 * backend completes it as Linux's skb_checksum_help does.
 */
static void test_tx_csum_generic(void **state)
{
	struct vmi_net_offload ol = csum_ol(20, 4);
	struct rte_mbuf *m = tcp4(300, 1, 0, 0);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t sum = 0, i;
	uint16_t field;

	(void)state;
	/* the field holds a seed, as a pseudo-header sum would be */
	p[24] = 0x12;
	p[25] = 0x34;
	for (i = 20; i < 300; i += 2)
		sum += (uint32_t)p[i] | (uint32_t)(i + 1 < 300 ? p[i + 1] : 0)
						<< 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(vmi_netback_tx_offload(m, &ol, m->data_len), 0);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_L4_MASK);
	memcpy(&field, p + 24, 2);
	assert_int_equal(field, (uint16_t)~sum ? (uint16_t)~sum : 0xffff);
	rte_pktmbuf_free(m);
}

/* The port segments nothing: librte_gso, then software checksums. */
static void test_tx_prepare_gso_soft(void **state)
{
	struct vmi_net_offload ol = tso_ol(VMI_NET_GSO_TCPV4, MSS);
	struct rte_mbuf *m = tcp4(20000, 1000, 0, 1), *out[64];
	unsigned int n, i, want = (20000 - HDRS + MSS - 1) / MSS;
	uint32_t seq = 1000, poff = 0;

	(void)state;
	port_soft();
	assert_int_equal(vmi_netback_tx_offload(m, &ol, m->data_len), 0);
	n = vmi_netback_tx_prepare(&port, &gso, m, out, 64);
	assert_int_equal(n, want);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *s = out[i];
		uint32_t plen = s->pkt_len - HDRS, k;
		uint8_t buf[MSS];
		const uint8_t *pl;

		assert_true(plen > 0 && plen <= MSS);
		assert_int_equal(rte_be_to_cpu_16(ip_of(s)->total_length),
				 s->pkt_len - 14);
		assert_int_equal(rte_ipv4_cksum(ip_of(s)), 0);
		assert_int_equal(
			rte_ipv4_udptcp_cksum_mbuf_verify(s, ip_of(s), 34), 0);
		assert_int_equal(rte_be_to_cpu_32(tcp_of(s)->sent_seq), seq);
		assert_false(s->ol_flags &
			     (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM |
			      RTE_MBUF_F_TX_TCP_SEG));
		pl = rte_pktmbuf_read(s, HDRS, plen, buf);
		for (k = 0; k < plen; k++)
			assert_int_equal(pl[k], pattern(poff + k));
		seq += plen;
		poff += plen;
		rte_pktmbuf_free(s);
	}
	assert_int_equal(poff, 20000 - HDRS);
}

/* A port with TSO and checksums takes the packet as it is. */
static void test_tx_prepare_port(void **state)
{
	struct vmi_net_offload ol = tso_ol(VMI_NET_GSO_TCPV4, MSS);
	struct rte_mbuf *m = tcp4(20000, 1, 0, 1), *out[4];

	(void)state;
	port_soft();
	port.tso = port.tx_ip_csum = port.tx_tcp_csum = true;
	assert_int_equal(vmi_netback_tx_offload(m, &ol, m->data_len), 0);
	assert_int_equal(vmi_netback_tx_prepare(&port, &gso, m, out, 4), 1);
	assert_ptr_equal(out[0], m);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
	rte_pktmbuf_free(m);
}

/* ---- RX --------------------------------------------------------------------- */

static void test_rx_partial(void **state)
{
	struct rte_mbuf *m = tcp4(800, 5, 0, 2);
	uint16_t full = tcp_of(m)->cksum, sum;
	struct vmi_net_hdr h;

	(void)state;
	vmi_netback_rx_parse(m, true);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			 RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	vmi_netback_rx_offload(m, true, &h);
	assert_int_equal(h.flags, VMI_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vmi_le16_to_cpu(h.csum_start), 34);
	assert_int_equal(vmi_le16_to_cpu(h.csum_offset), 16);
	assert_int_equal(h.gso_type, VMI_NET_GSO_NONE);
	assert_int_equal(vmi_le16_to_cpu(h.num_buffers), 1);
	assert_int_equal(tcp_of(m)->cksum, rte_ipv4_phdr_cksum(ip_of(m), 0));
	/* completing the partial sum gives the sender's checksum back */
	assert_int_equal(rte_raw_cksum_mbuf(m, 34, 800 - 34, &sum), 0);
	sum = (uint16_t)~sum;
	assert_int_equal(sum, full);
	rte_pktmbuf_free(m);
}

static void test_rx_bad_csum(void **state)
{
	struct rte_mbuf *m = tcp4(800, 5, 0, 2);
	uint16_t before;
	struct vmi_net_hdr h;

	(void)state;
	rte_pktmbuf_mtod(m, uint8_t *)[500] ^= 0xff;
	before = tcp_of(m)->cksum;
	vmi_netback_rx_parse(m, true);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			 RTE_MBUF_F_RX_L4_CKSUM_BAD);
	vmi_netback_rx_offload(m, true, &h);
	assert_int_equal(h.flags, 0);
	assert_int_equal(tcp_of(m)->cksum, before);
	rte_pktmbuf_free(m);
}

/* The merged packet of test_rx_gro_*: headers, payload, offload header. */
static void check_merged(struct rte_mbuf *m, unsigned int segs)
{
	uint8_t buf[8 * 1000];
	const uint8_t *pl;
	struct vmi_net_hdr h;
	unsigned int k;

	assert_true(m->ol_flags & RTE_MBUF_F_RX_LRO);
	assert_int_equal(m->pkt_len, HDRS + segs * 1000);
	assert_int_equal(m->tso_segsz, 1000);
	assert_int_equal(rte_be_to_cpu_16(ip_of(m)->total_length),
			 40 + segs * 1000);
	assert_int_equal(rte_ipv4_cksum(ip_of(m)), 0);
	pl = rte_pktmbuf_read(m, HDRS, segs * 1000, buf);
	for (k = 0; k < segs * 1000; k++)
		assert_int_equal(pl[k], pattern(k));
	vmi_netback_rx_offload(m, true, &h);
	assert_int_equal(h.gso_type, VMI_NET_GSO_TCPV4);
	assert_int_equal(vmi_le16_to_cpu(h.gso_size), 1000);
	assert_int_equal(vmi_le16_to_cpu(h.hdr_len), HDRS);
	assert_int_equal(h.flags, VMI_NET_HDR_F_NEEDS_CSUM);
}

/* Four segments of a flow become one GSO packet of their MSS. */
static void test_rx_gro(void **state)
{
	struct rte_mbuf *pkts[6], *out[6 + VMI_NETBACK_GRO_MAX];
	void *ctx = vmi_netback_gro_create(0);
	unsigned int i, n;

	(void)state;
	assert_non_null(ctx);
	for (i = 0; i < 4; i++)
		pkts[i] = tcp4(HDRS + 1000, 100 + i * 1000, i * 1000, 2);
	/* a packet with a bad checksum is never merged */
	pkts[4] = tcp4(HDRS + 1000, 100 + 4 * 1000, 4000, 2);
	tcp_of(pkts[4])->cksum ^= 1;
	/* nor is one that is not TCP */
	pkts[5] = tcp4(HDRS + 100, 1, 0, 2);
	ip_of(pkts[5])->next_proto_id = 253;
	ip_of(pkts[5])->hdr_checksum = 0;
	ip_of(pkts[5])->hdr_checksum = rte_ipv4_cksum(ip_of(pkts[5]));
	for (i = 0; i < 6; i++)
		vmi_netback_rx_parse(pkts[i], true);
	n = vmi_netback_rx_gro(ctx, pkts, 6, false, 0, out);
	assert_int_equal(n, 3);
	check_merged(out[0], 4);
	assert_ptr_equal(out[1], pkts[4]);
	assert_ptr_equal(out[2], pkts[5]);
	assert_false(out[1]->ol_flags & RTE_MBUF_F_RX_LRO);
	assert_int_equal(vmi_netback_gro_held(ctx), 0);
	rte_pktmbuf_free_bulk(out, n);
	vmi_netback_gro_destroy(ctx);
}

/*
 * While more packets come, the table holds a flow across bursts; it lets
 * go when the port has nothing more, and before a segment it cannot merge
 * (PSH), which must not overtake the data before it.
 */
static void test_rx_gro_hold(void **state)
{
	struct rte_mbuf *pkts[4], *out[4 + VMI_NETBACK_GRO_MAX];
	void *ctx = vmi_netback_gro_create(0);
	unsigned int i, n;

	(void)state;
	for (i = 0; i < 2; i++) {
		pkts[i] = tcp4(HDRS + 1000, 100 + i * 1000, i * 1000, 2);
		vmi_netback_rx_parse(pkts[i], true);
	}
	n = vmi_netback_rx_gro(ctx, pkts, 2, true, rte_get_tsc_hz() * 10, out);
	assert_int_equal(n, 0);
	assert_int_equal(vmi_netback_gro_held(ctx), 1);
	for (i = 0; i < 2; i++) {
		pkts[i] = tcp4(HDRS + 1000, 100 + (i + 2) * 1000,
			       (i + 2) * 1000, 2);
		vmi_netback_rx_parse(pkts[i], true);
	}
	n = vmi_netback_rx_gro(ctx, pkts, 2, true, rte_get_tsc_hz() * 10, out);
	assert_int_equal(n, 0);
	/* nothing more from the port: out it goes */
	n = vmi_netback_rx_gro(ctx, pkts, 0, false, rte_get_tsc_hz() * 10, out);
	assert_int_equal(n, 1);
	check_merged(out[0], 4);
	rte_pktmbuf_free(out[0]);

	/* a PSH segment after held data comes out after it */
	for (i = 0; i < 3; i++) {
		pkts[i] = tcp4(HDRS + 1000, 100 + i * 1000, i * 1000, 2);
		vmi_netback_rx_parse(pkts[i], true);
	}
	pkts[3] = tcp4(HDRS + 1000, 100 + 3 * 1000, 3000, 0);
	tcp_of(pkts[3])->tcp_flags |= RTE_TCP_PSH_FLAG;
	tcp_of(pkts[3])->cksum =
		rte_ipv4_udptcp_cksum(ip_of(pkts[3]), tcp_of(pkts[3]));
	vmi_netback_rx_parse(pkts[3], true);
	n = vmi_netback_rx_gro(ctx, pkts, 4, true, rte_get_tsc_hz() * 10, out);
	assert_int_equal(n, 2);
	check_merged(out[0], 3);
	assert_ptr_equal(out[1], pkts[3]);
	assert_int_equal(vmi_netback_gro_held(ctx), 0);
	rte_pktmbuf_free_bulk(out, n);
	vmi_netback_gro_destroy(ctx);
}

/* Without a verified checksum nothing is coalesced. */
static void test_rx_gro_unverified(void **state)
{
	struct rte_mbuf *pkts[3], *out[3 + VMI_NETBACK_GRO_MAX];
	void *ctx = vmi_netback_gro_create(0);
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		pkts[i] = tcp4(HDRS + 500, 1 + i * 500, i * 500, 2);
		vmi_netback_rx_parse(pkts[i], false);
	}
	assert_int_equal(vmi_netback_rx_gro(ctx, pkts, 3, false, 0, out), 3);
	for (i = 0; i < 3; i++) {
		assert_false(out[i]->ol_flags & RTE_MBUF_F_RX_LRO);
		rte_pktmbuf_free(out[i]);
	}
	vmi_netback_gro_destroy(ctx);
}

static char runtime_dir[PATH_MAX];

static int group_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test_net_offload",
			 "--no-huge",
			 "--no-pci",
			 "--no-shconf",
			 "--no-telemetry",
			 "-m",
			 "128",
			 "-l",
			 "0",
			 "--log-level=lib.eal:error",
			 prefix };

	(void)state;
	/* Our own runtime directory, removed at the end. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=vmin-offload-%d",
		 (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0)
		return -1;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	pool = rte_pktmbuf_pool_create("t_pkt", 512, 0, 0, 65535, 0);
	ext_pool = rte_pktmbuf_pool_create("t_ext", 1024, 0, 0, 0, 0);
	if (!pool || !ext_pool)
		return -1;
	port_soft();
	return vmi_netback_gso_init(&port, &gso);
}

static int group_teardown(void **state)
{
	(void)state;
	rte_mempool_free(pool);
	rte_mempool_free(ext_pool);
	rte_eal_cleanup();
	rmdir(runtime_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_csum_tcp4),
		cmocka_unit_test(test_tx_tso4),
		cmocka_unit_test(test_tx_gso_small),
		cmocka_unit_test(test_tx_proto),
		cmocka_unit_test(test_tx_csum_generic),
		cmocka_unit_test(test_tx_prepare_gso_soft),
		cmocka_unit_test(test_tx_prepare_port),
		cmocka_unit_test(test_rx_partial),
		cmocka_unit_test(test_rx_bad_csum),
		cmocka_unit_test(test_rx_gro),
		cmocka_unit_test(test_rx_gro_hold),
		cmocka_unit_test(test_rx_gro_unverified),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPDK port behind a vmi-netback device: any ethdev the EAL created
 * (a --vdev such as net_tap, net_af_packet, net_memif or net_null, or a
 * NIC), with one RX/TX queue pair per device queue pair, mbufs from two
 * mempools in hugepages, and the offloads it has switched on.
 *
 * Two pools: packet mbufs large enough for one frame of the port's MTU
 * (port RX, TX copies, private TX headers, librte_gso's header segments),
 * and data-less mbufs that only point at data elsewhere (TX payload in a
 * guest's data area, librte_gso's payload segments).
 */
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "netback.h"

#define VMI_NETBACK_RX_DESC 1024
#define VMI_NETBACK_TX_DESC 1024
#define VMI_NETBACK_POOL_CACHE 256
/* mbufs per queue pair beyond the port's descriptors: a burst of 64 KiB
 * packets in 2 KiB mbufs, and librte_gso's output for it */
#define VMI_NETBACK_MBUFS_PER_PAIR 4096
#define VMI_NETBACK_MIN_DATA_ROOM 2048

/*
 * Ports whose TX burst is done with an mbuf when it returns (they copy the
 * packet out, or drop it): only there may an mbuf point into a guest's
 * memory, which the guest gets back when the mbuf is freed. A NIC or a
 * virtio port may hold the mbuf for a DMA that needs IOVAs this memory
 * does not have.
 */
static const char *const vmi_netback_zc_drivers[] = {
	"net_tap", "net_null", "net_af_packet", "net_memif", "net_pcap",
};

/*
 * net_tap (DPDK 22.11) measures a TSO segment, Ethernet header included,
 * against the L3 MTU and refuses full-sized ones; librte_gso segments
 * right for it.
 */
static bool vmi_netback_tso_usable(const char *driver)
{
	return strcmp(driver, "net_tap") != 0;
}

static bool vmi_netback_zc_usable(const char *driver)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(vmi_netback_zc_drivers); i++)
		if (!strcmp(driver, vmi_netback_zc_drivers[i]))
			return true;
	return false;
}

static int vmi_netback_port_find(const char *name, uint16_t *id)
{
	uint16_t pid;

	if (name) {
		if (rte_eth_dev_get_port_by_name(name, id)) {
			fprintf(stderr,
				"vmi-netback: --port %s: no such port\n", name);
			return -ENODEV;
		}
		return 0;
	}
	RTE_ETH_FOREACH_DEV(pid)
	{
		*id = pid;
		return 0;
	}
	fprintf(stderr,
		"vmi-netback: no DPDK port: give one with --vdev (net_tap0, net_null0, ...)\n");
	return -ENODEV;
}

static int vmi_netback_port_configure(struct vmi_netback_port *p,
				      const struct rte_eth_dev_info *info,
				      const struct vmi_netback_port_opts *o)
{
	struct rte_eth_conf conf = { 0 };
	uint64_t tx_want =
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	uint64_t rx_want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
			   RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			   RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	int ret;

	if (o->tso == 1 &&
	    !(info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO)) {
		fprintf(stderr, "vmi-netback: port %s (%s) has no TSO\n",
			p->name, p->driver);
		return -ENOTSUP;
	}
	p->tso = (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
		 (o->tso == 1 ||
		  (o->tso == -1 && vmi_netback_tso_usable(p->driver)));
	if (p->tso)
		tx_want |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	conf.txmode.offloads = tx_want & info->tx_offload_capa;
	conf.rxmode.offloads = rx_want & info->rx_offload_capa;
	conf.rxmode.mtu = p->mtu;
	p->tx_ip_csum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	p->tx_tcp_csum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	p->tx_udp_csum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	p->rx_l4_csum = (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) &&
			(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_UDP_CKSUM);

	/* RX interrupts let an idle worker sleep; not every port has them. */
	conf.intr_conf.rxq = 1;
	ret = rte_eth_dev_configure(p->id, p->nr_queues, p->nr_queues, &conf);
	if (ret) {
		conf.intr_conf.rxq = 0;
		ret = rte_eth_dev_configure(p->id, p->nr_queues, p->nr_queues,
					    &conf);
	}
	if (ret) {
		fprintf(stderr, "vmi-netback: port %s: configure: %s\n",
			p->name, rte_strerror(-ret));
		return ret;
	}
	if (o->mtu) {
		ret = rte_eth_dev_set_mtu(p->id, o->mtu);
		if (ret) {
			fprintf(stderr, "vmi-netback: port %s: MTU %u: %s\n",
				p->name, o->mtu, rte_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int vmi_netback_pools(struct vmi_netback_port *p, uint16_t nb_rxd,
			     uint16_t nb_txd)
{
	unsigned int room = p->max_frame > VMI_NETBACK_MIN_DATA_ROOM ?
				    p->max_frame :
				    VMI_NETBACK_MIN_DATA_ROOM;
	unsigned int n =
		p->nr_queues * (nb_rxd + nb_txd + VMI_NETBACK_MBUFS_PER_PAIR);
	char name[RTE_MEMPOOL_NAMESIZE];
	int socket = rte_eth_dev_socket_id(p->id);

	if (socket < 0)
		socket = (int)rte_socket_id();
	snprintf(name, sizeof(name), "vmin_pkt_%u", p->id);
	p->pool = rte_pktmbuf_pool_create(
		name, n, VMI_NETBACK_POOL_CACHE, 0,
		(uint16_t)(RTE_PKTMBUF_HEADROOM + room), socket);
	snprintf(name, sizeof(name), "vmin_ext_%u", p->id);
	p->ext_pool = rte_pktmbuf_pool_create(
		name, 2 * n, VMI_NETBACK_POOL_CACHE, 0, 0, socket);
	if (!p->pool || !p->ext_pool) {
		fprintf(stderr,
			"vmi-netback: mempools of %u mbufs of %u bytes: %s (hugepages?)\n",
			n, room, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

int vmi_netback_port_open(struct vmi_netback_port *p,
			  const struct vmi_netback_port_opts *o)
{
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = VMI_NETBACK_RX_DESC, nb_txd = VMI_NETBACK_TX_DESC;
	uint16_t q;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = vmi_netback_port_find(o->port, &p->id);
	if (ret)
		return ret;
	rte_eth_dev_get_name_by_port(p->id, p->name);
	ret = rte_eth_dev_info_get(p->id, &info);
	if (ret)
		return ret;
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	p->nr_queues = o->nr_queues;
	if (p->nr_queues > info.max_rx_queues ||
	    p->nr_queues > info.max_tx_queues) {
		fprintf(stderr,
			"vmi-netback: port %s (%s) has %u RX and %u TX queues, the device needs %u pairs\n",
			p->name, p->driver, info.max_rx_queues,
			info.max_tx_queues, p->nr_queues);
		return -EINVAL;
	}
	if (o->mtu)
		p->mtu = o->mtu;
	else if (rte_eth_dev_get_mtu(p->id, &p->mtu))
		p->mtu = RTE_ETHER_MTU;
	p->max_frame = p->mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	p->zero_copy = o->zero_copy == 1 ||
		       (o->zero_copy == -1 && vmi_netback_zc_usable(p->driver));

	ret = vmi_netback_port_configure(p, &info, o);
	if (ret)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nb_rxd, &nb_txd);
	if (ret)
		return ret;
	ret = vmi_netback_pools(p, nb_rxd, nb_txd);
	if (ret)
		return ret;
	for (q = 0; q < p->nr_queues; q++) {
		ret = rte_eth_rx_queue_setup(p->id, q, nb_rxd,
					     rte_eth_dev_socket_id(p->id), NULL,
					     p->pool);
		if (!ret)
			ret = rte_eth_tx_queue_setup(
				p->id, q, nb_txd, rte_eth_dev_socket_id(p->id),
				NULL);
		if (ret) {
			fprintf(stderr, "vmi-netback: port %s queue %u: %s\n",
				p->name, q, rte_strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(p->id);
	if (ret) {
		fprintf(stderr, "vmi-netback: port %s: start: %s\n", p->name,
			rte_strerror(-ret));
		return ret;
	}
	/* The guests' MACs are not the port's: take every frame. */
	rte_eth_promiscuous_enable(p->id);
	return 0;
}

void vmi_netback_port_close(struct vmi_netback_port *p)
{
	if (p->pool) {
		rte_eth_dev_stop(p->id);
		rte_eth_dev_close(p->id);
	}
	rte_mempool_free(p->pool);
	rte_mempool_free(p->ext_pool);
	p->pool = p->ext_pool = NULL;
}

/*
 * What the device offers: checksums and TCP/IPv4 segmentation both ways
 * always (the port, or librte_gso and software checksums); TCP/IPv6
 * segmentation on TX only where the port segments (librte_gso of DPDK
 * 22.11 knows IPv4 only); TCP coalescing towards the guest with gro.
 */
uint64_t vmi_netback_port_features(const struct vmi_netback_port *p, bool gro)
{
	uint64_t f =
		VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_INDIRECT) |
		VMI_FEATURE(VMI_F_HEARTBEAT) | VMI_FEATURE(VMI_NET_F_CSUM) |
		VMI_FEATURE(VMI_NET_F_GUEST_CSUM) |
		VMI_FEATURE(VMI_NET_F_HOST_TSO4) | VMI_FEATURE(VMI_NET_F_MTU);

	if (p->tso)
		f |= VMI_FEATURE(VMI_NET_F_HOST_TSO6);
	if (gro)
		f |= VMI_FEATURE(VMI_NET_F_GUEST_TSO4);
	return f;
}

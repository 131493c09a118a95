/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to vmi-netback: the device (one DPDK port, one socket), its
 * workers (DPDK lcores, each serving one or more port queue pairs), the
 * guests it serves and their queue pairs.
 *
 *   main.c     command line, EAL, machine description, signals, stats output
 *   port.c     the DPDK port: mempools, queues, offload capabilities
 *   offload.c  struct vmi_net_hdr <-> mbuf offload flags, software fallbacks
 *   worker.c   one lcore's loop: guests' TX rings -> port, port -> RX rings
 *   guest.c    admitting and dropping guests (their queue pairs, the MACs)
 *   stats.c    per-queue counters as JSON
 *   net_tx.c   the TX descriptor validator (net_tx.h)
 *
 * Queue pair k of every guest is served by the worker that owns port queue
 * k, and only by it: each of the guest's rings keeps one producer and one
 * consumer on the host side without a lock.
 */
#ifndef VMI_NETBACK_H
#define VMI_NETBACK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_mbuf.h>

#include <vmi_ring.h>
#include <vmi_transport.h>

#include "net_tx.h"

#define VMI_NETBACK_BURST 32 /* packets per ring pass and per rx_burst */
#define VMI_NETBACK_MAX_PAIRS (VMI_MAX_QUEUES / 2)
#define VMI_NETBACK_MAX_GUESTS 16 /* guests of one device at once */
/* A guest queue's TCP coalescing table: flows, packets per flow. */
#define VMI_NETBACK_GRO_FLOWS 8
#define VMI_NETBACK_GRO_ITEMS 8
#define VMI_NETBACK_GRO_MAX (VMI_NETBACK_GRO_FLOWS * VMI_NETBACK_GRO_ITEMS)
/* How long a coalesced packet may wait for more while packets keep coming */
#define VMI_NETBACK_GRO_AGE_US 50

enum vmi_netback_mode {
	VMI_NETBACK_ADAPTIVE, /* poll for poll_ns after the last work, sleep */
	VMI_NETBACK_POLL, /* never sleep */
	VMI_NETBACK_INTERRUPT, /* sleep as soon as there is nothing to do */
};

/*
 * What the port can do, from rte_eth_dev_info. Whatever it cannot, the
 * backend does in software (librte_gso, checksums), so a guest sees the
 * same offloads on every port.
 */
struct vmi_netback_port {
	uint16_t id;
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
	uint16_t mtu; /* L3 */
	uint32_t max_frame; /* mtu + Ethernet header and VLAN tag */
	uint16_t nr_queues; /* RX and TX queue pairs */
	bool tso; /* TCP_TSO used on the port (else librte_gso) */
	bool tx_ip_csum, tx_tcp_csum, tx_udp_csum; /* else in software */
	bool rx_l4_csum; /* the port reports L4 checksum status */
	bool zero_copy; /* TX mbufs may point into guest memory */
	struct rte_mempool *pool; /* packet mbufs, in hugepages */
	struct rte_mempool *ext_pool; /* data-less: extbuf and GSO mbufs */
};

/*
 * Counters of one queue pair of one guest. Each is written by the pair's
 * worker only and read by the main thread (stats), both with relaxed
 * atomics: a reader may see a slightly old value, never a torn one.
 */
struct vmi_netback_qstats {
	uint64_t tx_packets, tx_bytes; /* taken from the guest, handed on */
	uint64_t tx_gso; /* of those, segmented (port TSO or librte_gso) */
	uint64_t tx_drops; /* valid, but the port or the mempool refused */
	uint64_t tx_errors; /* refused by the validator, the sum of: */
	uint64_t tx_err[VMI_NET_TX_NR_ERR];
	uint64_t rx_packets, rx_bytes; /* delivered into the guest's buffers */
	uint64_t rx_gro; /* of those, coalesced from several port packets */
	uint64_t rx_drops; /* no buffer posted, buffer too small, ring full */
	uint64_t rx_errors; /* a posted buffer outside the data area */
	uint64_t notifies; /* irq eventfd writes */
};

struct vmi_netback_guest;

/*
 * The in-flight state of one TX descriptor, from the moment its request
 * slot is taken to the moment its response is published. With zero copy
 * the packet's mbufs point into the guest's data area, and the buffers
 * are the guest's again only when DPDK frees the last of them: the free
 * callback (any thread) sets done, and the worker publishes responses in
 * order up to the first one not done.
 */
struct vmi_netback_txc {
	uint64_t id;
	uint32_t status; /* enum vmi_net_status */
	uint32_t done; /* atomic: 1 when the buffers are free */
	struct rte_mbuf_ext_shared_info shinfo;
};

/* One queue pair of one guest, served by one worker. */
struct vmi_netback_gq {
	struct vmi_netback_guest *bg;
	unsigned int pair; /* RX queue 2 * pair, TX queue 2 * pair + 1 */
	struct vmi_ring rx_req; /* we consume posted buffers */
	struct vmi_ring rx_rsp; /* we produce filled buffers */
	struct vmi_ring tx_req; /* we consume packets */
	struct vmi_ring tx_rsp; /* we produce completions */
	uint8_t *rx_data, *tx_data;
	uint32_t nr_slots;
	struct vmi_net_tx_limits lim;
	bool rx_gro; /* GUEST_TSO4 and GUEST_CSUM: coalesce TCP for it */
	void *gro; /* its librte_gro table (worker only) */
	unsigned int gro_held; /* packets in it */
	bool rx_csum; /* GUEST_CSUM: verified checksums handed on partial */
	bool dead; /* broke the protocol: never touched again */
	struct vmi_netback_txc *txc; /* nr_slots entries, by sequence */
	uint32_t tx_taken, tx_answered; /* sequences */
	struct rte_epoll_event kick_ev; /* the TX queue's kick eventfd */
	/* port packets for this guest in the current burst */
	struct rte_mbuf *rx_stage[VMI_NETBACK_BURST];
	unsigned int nr_stage;
	struct vmi_netback_qstats stats __rte_cache_aligned;
} __rte_cache_aligned;

/* A guest as the backend keeps it. */
struct vmi_netback_guest {
	struct vmi_netback *nb;
	struct vmi_host_guest *g;
	uint64_t mac; /* atomic: learned from TX, bit 48 set when known */
	unsigned int nr_pairs;
	struct vmi_netback_gq *gq; /* nr_pairs, cache-line aligned */
};

#define VMI_NETBACK_MAC_KNOWN (1ull << 48)

/* Port queue pair q: the guests' queue pairs q it serves. */
struct vmi_netback_pair {
	unsigned int q;
	struct vmi_netback_gq *gqs[VMI_NETBACK_MAX_GUESTS];
	unsigned int nr_gqs;
	struct rte_gso_ctx gso;
	bool rx_intr; /* the port can wake us for this queue */
	uint64_t rx_unclaimed; /* port packets no guest took (stats) */
	uint64_t rx_packets, tx_packets; /* port side, this queue */
};

enum vmi_netback_cmd_op {
	VMI_NETBACK_CMD_NONE,
	VMI_NETBACK_CMD_ADD, /* start serving a guest's pairs */
	VMI_NETBACK_CMD_DEL, /* stop: after the answer, never touch it */
	VMI_NETBACK_CMD_STOP, /* leave the loop */
};

/* A worker's TX burst on its way to the port. */
struct vmi_netback_txbatch {
	struct rte_mbuf *out[VMI_NET_GSO_MAX_SEGS + VMI_NETBACK_BURST];
	struct vmi_netback_txc *owner[VMI_NET_GSO_MAX_SEGS + VMI_NETBACK_BURST];
	unsigned int n;
	/* packets of this batch, to complete once the port took them */
	struct vmi_netback_txc *pkt[VMI_NETBACK_BURST];
	uint32_t len[VMI_NETBACK_BURST];
	bool zc[VMI_NETBACK_BURST];
	unsigned int nr_pkts;
	struct rte_mbuf *spare[VMI_NETBACK_BURST]; /* packet mbufs at hand */
	unsigned int nr_spare;
	/* RX: what a guest queue's GRO table lets go of */
	struct rte_mbuf *rx_out[VMI_NETBACK_BURST + VMI_NETBACK_GRO_MAX];
};

/* One lcore and the port queue pairs it serves (q % nr_workers). */
struct vmi_netback_worker {
	struct vmi_netback *nb;
	unsigned int index;
	unsigned int lcore;
	struct vmi_netback_pair *pairs[VMI_NETBACK_MAX_PAIRS];
	unsigned int nr_pairs;
	struct vmi_netback_txbatch *batch;
	int epfd;
	int wake_fd; /* eventfd: a command waits */
	struct rte_epoll_event wake_ev;
	/* mailbox from the main thread; lock and cond guard cmd and done */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t pending; /* atomic: a command waits in cmd */
	enum vmi_netback_cmd_op cmd;
	struct vmi_netback_guest *cmd_guest;
	bool done;
	uint64_t sleeps, wakeups; /* atomic, for the stats */
	uint64_t gro_age; /* VMI_NETBACK_GRO_AGE_US in TSC cycles */
} __rte_cache_aligned;

struct vmi_netback {
	struct vmi_netback_port port;
	enum vmi_netback_mode mode;
	uint64_t poll_ns;
	bool gro; /* coalesce received TCP for guests that take it */
	uint64_t features; /* offered */
	struct vmi_net_config config;
	struct vmi_host_dev dev;
	struct vmi_transport *transport;
	struct vmi_netback_pair pairs[VMI_NETBACK_MAX_PAIRS];
	unsigned int nr_pairs;
	struct vmi_netback_worker *workers;
	unsigned int nr_workers;
	/* guests being served (main thread) */
	struct vmi_netback_guest *guests[VMI_NETBACK_MAX_GUESTS];
	unsigned int nr_guests;
	/* counters of the guests that left, per pair (main thread) */
	struct vmi_netback_qstats totals[VMI_NETBACK_MAX_PAIRS];
	uint64_t started_ns;
};

/* port.c */
struct vmi_netback_port_opts {
	const char *port; /* ethdev name, or NULL for the first port */
	uint16_t nr_queues;
	uint16_t mtu; /* 0: keep the port's */
	int tso; /* -1 auto, 0 librte_gso, 1 the port's */
	int zero_copy; /* -1 auto (software ports), 0 never, 1 always */
};
int vmi_netback_port_open(struct vmi_netback_port *p,
			  const struct vmi_netback_port_opts *o);
void vmi_netback_port_close(struct vmi_netback_port *p);
/* Offered features: what the port does or the backend does for it. */
uint64_t vmi_netback_port_features(const struct vmi_netback_port *p, bool gro);
int vmi_netback_gso_init(const struct vmi_netback_port *p,
			 struct rte_gso_ctx *ctx);

/* offload.c */
int vmi_netback_tx_offload(struct rte_mbuf *m, const struct vmi_net_offload *ol,
			   uint32_t hdr_in_first);
unsigned int vmi_netback_tx_prepare(const struct vmi_netback_port *p,
				    struct rte_gso_ctx *gso, struct rte_mbuf *m,
				    struct rte_mbuf **out, unsigned int max);
void vmi_netback_rx_parse(struct rte_mbuf *m, bool verify);
void vmi_netback_rx_offload(struct rte_mbuf *m, bool partial,
			    struct vmi_net_hdr *h);
void *vmi_netback_gro_create(int socket);
void vmi_netback_gro_destroy(void *ctx);
unsigned int vmi_netback_rx_gro(void *ctx, struct rte_mbuf **pkts,
				unsigned int n, bool hold, uint64_t age_cycles,
				struct rte_mbuf **out);
unsigned int vmi_netback_gro_held(void *ctx);

/* worker.c */
int vmi_netback_worker_init(struct vmi_netback_worker *w);
int vmi_netback_worker_main(void *arg);
void vmi_netback_worker_call(struct vmi_netback_worker *w,
			     enum vmi_netback_cmd_op op,
			     struct vmi_netback_guest *bg);
void vmi_netback_worker_fini(struct vmi_netback_worker *w);

/* guest.c */
extern const struct vmi_host_dev_ops vmi_netback_dev_ops;

/* stats.c */
void vmi_netback_stats_add(struct vmi_netback_qstats *to,
			   const struct vmi_netback_qstats *from);
void vmi_netback_stats_json(struct vmi_netback *nb, FILE *f);

#endif /* VMI_NETBACK_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * One worker: a DPDK lcore that serves one or more port queue pairs, and
 * for each the same queue pair of every guest. Each pass of its loop
 *
 *   receives a burst from the port queue, hands each packet to the guest
 *   whose MAC it is for (every guest for a broadcast, a multicast or an
 *   unknown address), coalesces TCP for guests that take large segments,
 *   and copies each packet into a buffer the guest posted; a guest that
 *   posted none loses the packet (counted), nobody waits for it;
 *
 *   publishes the TX completions that are due, takes up to a burst of TX
 *   descriptors from each guest, copies each descriptor out and validates
 *   it, builds its mbufs (a copy, or the guest's buffer attached as an
 *   external buffer behind a private copy of the headers), maps its
 *   offloads, and sends the burst to the port queue.
 *
 * When a pass finds nothing, the worker polls on for poll_ns (adaptive),
 * forever (poll) or not at all (interrupt), then arms the rings' event
 * indices, re-checks them, and sleeps in epoll on the guests' kick
 * eventfds, the port queue's RX interrupt (or a 1 ms tick on ports that
 * have none) and its own mailbox. The main thread changes the set of
 * guests only through the mailbox, so a worker never sees a guest half
 * added or removed and needs no lock on its fast path.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "netback.h"

/* Private copy at the head of a zero-copy packet: every header DPDK or
 * the offload code reads or writes (the checksum field may lie further). */
#define VMI_NETBACK_HDR_COPY 256
/* A packet this short is copied whole: cheaper than attaching buffers. */
#define VMI_NETBACK_ZC_MIN 512
/* Largest piece of guest buffer one external-buffer mbuf covers. */
#define VMI_NETBACK_EXT_CHUNK 32768
/* Sleep slice on ports without RX interrupts. */
#define VMI_NETBACK_TICK_MS 1
#define VMI_NETBACK_EVENTS 16

/* Relaxed stores: the stats reader runs in another thread. */
#define VMI_CNT_ADD(var, n) \
	__atomic_store_n(&(var), (var) + (n), __ATOMIC_RELAXED)
#define VMI_STAT_ADD(gq, field, n) VMI_CNT_ADD((gq)->stats.field, n)

static void vmi_netback_drain_fd(int fd, void *arg)
{
	uint64_t v;

	(void)arg;
	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

static void vmi_netback_gq_fail(struct vmi_netback_gq *gq, const char *what)
{
	gq->dead = true;
	vmi_host_guest_fail(gq->bg->g, "queue pair %u: %s", gq->pair, what);
}

static void vmi_netback_notify(struct vmi_netback_gq *gq, unsigned int q)
{
	vmi_host_guest_notify(gq->bg->g, q);
	VMI_STAT_ADD(gq, notifies, 1);
}

/* ---- TX: guest -> port ------------------------------------------------ */

/* librte_mbuf calls this when the last mbuf on a guest buffer goes. */
static void vmi_netback_txc_free_cb(void *addr, void *opaque)
{
	struct vmi_netback_txc *c = opaque;

	(void)addr;
	/* Release pairs with the acquire in vmi_netback_tx_answer(). */
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
}

/* Copy len bytes from packet offset off, across its segments, to dst. */
static void vmi_netback_gather(const uint8_t *data,
			       const struct vmi_net_pkt *pkt, uint32_t off,
			       uint32_t len, uint8_t *dst)
{
	unsigned int i;

	for (i = 0; i < pkt->nr_segs && len; i++) {
		uint32_t sl = pkt->seg[i].len, n;

		if (off >= sl) {
			off -= sl;
			continue;
		}
		n = sl - off < len ? sl - off : len;
		rte_memcpy(dst, data + pkt->seg[i].offset + off, n);
		dst += n;
		len -= n;
		off = 0;
	}
}

/*
 * A packet mbuf: from the batch's stash, which takes a burst's worth from
 * the mempool at once, so that small packets cost no mempool call each.
 */
static struct rte_mbuf *vmi_netback_mbuf(struct rte_mempool *mp,
					 struct vmi_netback_txbatch *b)
{
	if (!b->nr_spare) {
		if (rte_pktmbuf_alloc_bulk(mp, b->spare, VMI_NETBACK_BURST))
			return rte_pktmbuf_alloc(mp);
		b->nr_spare = VMI_NETBACK_BURST;
	}
	return b->spare[--b->nr_spare];
}

/* One copy: the packet into a chain of packet mbufs. */
static struct rte_mbuf *vmi_netback_tx_copy(struct rte_mempool *mp,
					    struct vmi_netback_txbatch *b,
					    const uint8_t *data,
					    const struct vmi_net_pkt *pkt)
{
	struct rte_mbuf *m[VMI_NET_MAX_PACKET / VMI_NETBACK_HDR_COPY + 1];
	uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	uint32_t nr = (pkt->len + room - 1) / room, off = 0, i;

	if (nr == 1) {
		m[0] = vmi_netback_mbuf(mp, b);
		if (!m[0])
			return NULL;
	} else if (nr > RTE_DIM(m) || rte_pktmbuf_alloc_bulk(mp, m, nr)) {
		return NULL;
	}
	for (i = 0; i < nr; i++) {
		uint32_t n = pkt->len - off < room ? pkt->len - off : room;

		vmi_netback_gather(data, pkt, off, n,
				   rte_pktmbuf_mtod(m[i], uint8_t *));
		m[i]->data_len = (uint16_t)n;
		m[i]->next = i + 1 < nr ? m[i + 1] : NULL;
		off += n;
	}
	m[0]->nb_segs = (uint16_t)nr;
	m[0]->pkt_len = pkt->len;
	return m[0];
}

/*
 * Zero copy: a private packet mbuf with the first hdr bytes, then
 * data-less mbufs attached to the rest of the guest's buffers, all sharing
 * c's shinfo, whose free callback completes the descriptor.
 */
static struct rte_mbuf *vmi_netback_tx_zc(const struct vmi_netback_port *p,
					  struct vmi_netback_txbatch *b,
					  uint8_t *data,
					  const struct vmi_net_pkt *pkt,
					  struct vmi_netback_txc *c,
					  uint32_t hdr)
{
	struct rte_mbuf *head, *tail, *e;
	uint32_t skip = hdr, refs = 0;
	unsigned int i;

	head = vmi_netback_mbuf(p->pool, b);
	if (!head)
		return NULL;
	vmi_netback_gather(data, pkt, 0, hdr,
			   rte_pktmbuf_mtod(head, uint8_t *));
	head->data_len = (uint16_t)hdr;
	head->pkt_len = pkt->len;
	tail = head;
	c->shinfo.free_cb = vmi_netback_txc_free_cb;
	c->shinfo.fcb_opaque = c;
	for (i = 0; i < pkt->nr_segs; i++) {
		uint32_t off = pkt->seg[i].offset, len = pkt->seg[i].len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		off += skip;
		len -= skip;
		skip = 0;
		while (len) {
			uint32_t n = len < VMI_NETBACK_EXT_CHUNK ?
					     len :
					     VMI_NETBACK_EXT_CHUNK;

			e = rte_pktmbuf_alloc(p->ext_pool);
			if (!e) {
				/* Nothing attached yet: no callback will come. */
				if (!refs)
					__atomic_store_n(&c->done, 1,
							 __ATOMIC_RELAXED);
				goto fail;
			}
			/* One reference per mbuf on the buffer. */
			rte_mbuf_ext_refcnt_set(&c->shinfo, (uint16_t)++refs);
			rte_pktmbuf_attach_extbuf(e, data + off, RTE_BAD_IOVA,
						  (uint16_t)n, &c->shinfo);
			e->data_len = (uint16_t)n;
			tail->next = e;
			tail = e;
			head->nb_segs++;
			off += n;
			len -= n;
		}
	}
	return head;
fail:
	/* Freeing the chain drops the references taken: the callback runs. */
	rte_pktmbuf_free(head);
	return NULL;
}

/* Learn the guest's MAC from a frame it sent (source, if unicast). */
static void vmi_netback_learn(struct vmi_netback_guest *bg,
			      const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint64_t mac = 0;

	if (!rte_is_unicast_ether_addr(&eth->src_addr))
		return;
	memcpy(&mac, &eth->src_addr, RTE_ETHER_ADDR_LEN);
	mac |= VMI_NETBACK_MAC_KNOWN;
	if (__atomic_load_n(&bg->mac, __ATOMIC_RELAXED) != mac)
		__atomic_store_n(&bg->mac, mac, __ATOMIC_RELAXED);
}

/* Hand the batch to the port; what it does not take is dropped. */
static void vmi_netback_tx_flush(struct vmi_netback_pair *pr,
				 const struct vmi_netback_port *p,
				 struct vmi_netback_gq *gq,
				 struct vmi_netback_txbatch *b)
{
	unsigned int sent = 0, i;
	uint16_t ok, n;

	if (b->n) {
		ok = rte_eth_tx_prepare(p->id, (uint16_t)pr->q, b->out,
					(uint16_t)b->n);
		while (sent < ok) {
			n = rte_eth_tx_burst(p->id, (uint16_t)pr->q,
					     b->out + sent,
					     (uint16_t)(ok - sent));
			if (!n)
				break;
			sent += n;
		}
		VMI_CNT_ADD(pr->tx_packets, sent);
		/* A packet is sent only if all its segments were. */
		for (i = sent; i < b->n; i++) {
			b->owner[i]->status = VMI_NET_S_DROPPED;
			rte_pktmbuf_free(b->out[i]);
		}
	}
	for (i = 0; i < b->nr_pkts; i++) {
		struct vmi_netback_txc *c = b->pkt[i];

		if (c->status == VMI_NET_S_OK) {
			VMI_STAT_ADD(gq, tx_packets, 1);
			VMI_STAT_ADD(gq, tx_bytes, b->len[i]);
		} else {
			VMI_STAT_ADD(gq, tx_drops, 1);
		}
		/* Copied packets are done; zero-copy ones when freed. */
		if (!b->zc[i])
			__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	}
	b->n = 0;
	b->nr_pkts = 0;
}

/* Refuse one descriptor: answered INVAL, counted under its reason. */
static void vmi_netback_tx_refuse(struct vmi_netback_gq *gq,
				  struct vmi_netback_txc *c,
				  enum vmi_net_tx_err err)
{
	c->status = VMI_NET_S_INVAL;
	__atomic_store_n(&c->done, 1, __ATOMIC_RELAXED);
	VMI_STAT_ADD(gq, tx_errors, 1);
	VMI_STAT_ADD(gq, tx_err[err], 1);
}

/* Build, offload and queue one checked packet. */
static void vmi_netback_tx_one(struct vmi_netback_pair *pr,
			       const struct vmi_netback_port *p,
			       struct vmi_netback_gq *gq,
			       struct vmi_netback_txbatch *b,
			       const struct vmi_net_pkt *pkt,
			       struct vmi_netback_txc *c)
{
	uint32_t hdr = VMI_NETBACK_HDR_COPY, csum_end, segs = 1;
	bool zc = p->zero_copy && pkt->len >= VMI_NETBACK_ZC_MIN;
	struct rte_mbuf *m;
	unsigned int k;
	int err;

	c->status = VMI_NET_S_OK;
	if (zc) {
		csum_end =
			(uint32_t)pkt->ol.csum_start + pkt->ol.csum_offset + 2;
		if (pkt->ol.flags && csum_end > hdr)
			hdr = csum_end;
		/* Headers longer than a packet mbuf: copy it all. */
		zc = hdr < pkt->len &&
		     hdr <= (uint32_t)rte_pktmbuf_data_room_size(p->pool) -
				     RTE_PKTMBUF_HEADROOM;
	}
	m = zc ? vmi_netback_tx_zc(p, b, gq->tx_data, pkt, c, hdr) :
		 vmi_netback_tx_copy(p->pool, b, gq->tx_data, pkt);
	if (!m) {
		/* The mempool is dry: like a full port, a drop. */
		c->status = VMI_NET_S_DROPPED;
		VMI_STAT_ADD(gq, tx_drops, 1);
		if (!zc)
			__atomic_store_n(&c->done, 1, __ATOMIC_RELAXED);
		return;
	}
	err = vmi_netback_tx_offload(m, &pkt->ol, rte_pktmbuf_data_len(m));
	if (err) {
		vmi_netback_tx_refuse(gq, c, err);
		/* done was set; with zero copy the free sets it again. */
		rte_pktmbuf_free(m);
		return;
	}
	vmi_netback_learn(gq->bg, m);
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		VMI_STAT_ADD(gq, tx_gso, 1);
		if (!p->tso)
			segs = (m->pkt_len - m->l2_len - m->l3_len - m->l4_len +
				m->tso_segsz - 1) /
			       m->tso_segsz;
	}
	if (b->n + segs > RTE_DIM(b->out))
		vmi_netback_tx_flush(pr, p, gq, b);
	k = vmi_netback_tx_prepare(p, &pr->gso, m, b->out + b->n,
				   RTE_DIM(b->out) - b->n);
	if (!k)
		c->status = VMI_NET_S_DROPPED; /* librte_gso had no mbufs */
	while (k--)
		b->owner[b->n++] = c;
	b->pkt[b->nr_pkts] = c;
	b->len[b->nr_pkts] = pkt->len;
	b->zc[b->nr_pkts++] = zc;
}

/*
 * Publish the completions that are due, in the order the descriptors were
 * taken, as docs/ABI.md part (d) promises: refused, dropped and sent ones
 * alike wait in txc[] by sequence, and a zero-copy packet's is due when
 * DPDK has freed its last mbuf. Returns how many, or -EPROTO.
 */
static int vmi_netback_tx_answer(struct vmi_netback_gq *gq, bool *notify)
{
	uint32_t todo = gq->tx_taken - gq->tx_answered, n = 0;
	int room;

	if (!todo)
		return 0;
	room = vmi_ring_prod_reserve(&gq->tx_rsp, todo);
	if (room < 0) {
		vmi_netback_gq_fail(gq, "TX response ring index out of range");
		return -EPROTO;
	}
	while (n < (uint32_t)room) {
		struct vmi_netback_txc *c =
			&gq->txc[(gq->tx_answered + n) & (gq->nr_slots - 1)];
		struct vmi_net_tx_rsp *r;

		if (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE))
			break;
		r = vmi_ring_prod_slot(&gq->tx_rsp, n);
		r->id = vmi_cpu_to_le64(c->id);
		r->status = vmi_cpu_to_le32(c->status);
		r->reserved = 0;
		n++;
	}
	if (!n)
		return 0;
	gq->tx_answered += n;
	if (vmi_ring_prod_publish(&gq->tx_rsp, n))
		*notify = true;
	return (int)n;
}

/*
 * Take up to a burst of descriptors, no more than the response ring can
 * answer, and send them. Returns the number taken, or -EPROTO.
 */
static int vmi_netback_tx(struct vmi_netback_worker *w,
			  struct vmi_netback_pair *pr,
			  const struct vmi_netback_port *p,
			  struct vmi_netback_gq *gq)
{
	struct vmi_netback_txbatch *b = w->batch;
	unsigned int q = 2 * gq->pair + 1;
	bool notify = false;
	int avail, room, answered;
	uint32_t i, n, owed;
	struct vmi_net_tx tx;
	struct vmi_net_pkt pkt;

	answered = vmi_netback_tx_answer(gq, &notify);
	if (answered < 0)
		return answered;
	avail = vmi_ring_cons_peek(&gq->tx_req);
	if (avail < 0) {
		vmi_netback_gq_fail(gq, "TX request ring index out of range");
		return -EPROTO;
	}
	room = avail ? vmi_ring_prod_reserve(&gq->tx_rsp, gq->nr_slots) : 0;
	if (room < 0) {
		vmi_netback_gq_fail(gq, "TX response ring index out of range");
		return -EPROTO;
	}
	owed = gq->tx_taken - gq->tx_answered;
	n = (uint32_t)avail < VMI_NETBACK_BURST ? (uint32_t)avail :
						  VMI_NETBACK_BURST;
	if ((uint32_t)room < owed + n)
		n = (uint32_t)room > owed ? (uint32_t)room - owed : 0;
	/* The guest's CPU wrote these lines: start fetching them all. */
	for (i = 0; i < n; i++)
		rte_prefetch0(vmi_ring_cons_slot(&gq->tx_req, i));
	for (i = 0; i < n; i++) {
		struct vmi_netback_txc *c =
			&gq->txc[gq->tx_taken++ & (gq->nr_slots - 1)];
		enum vmi_net_tx_err err;

		vmi_ring_cons_copy(&gq->tx_req, i, &tx);
		err = vmi_net_tx_check(&tx, gq->tx_data, &gq->lim, &pkt);
		c->id = pkt.id;
		c->done = 0;
		if (err)
			vmi_netback_tx_refuse(gq, c, err);
		else
			vmi_netback_tx_one(pr, p, gq, b, &pkt, c);
	}
	if (n && vmi_ring_cons_release(&gq->tx_req, n))
		notify = true;
	vmi_netback_tx_flush(pr, p, gq, b);
	answered = vmi_netback_tx_answer(gq, &notify);
	if (answered < 0)
		return answered;
	if (notify)
		vmi_netback_notify(gq, q);
	return (int)n;
}

/* ---- RX: port -> guests ----------------------------------------------- */

/* Copy a received packet into a guest buffer of at least its length. */
static void vmi_netback_rx_copy(const struct rte_mbuf *m, uint8_t *dst)
{
	for (; m; m = m->next) {
		rte_memcpy(dst, rte_pktmbuf_mtod(m, const void *), m->data_len);
		dst += m->data_len;
	}
}

/*
 * Deliver n packets into the buffers gq's guest posted, with their offload
 * headers (partial: verified checksums handed on as such). No buffer, or
 * no room in the response ring: the rest are dropped and counted.
 */
static void vmi_netback_rx_deliver(struct vmi_netback_gq *gq,
				   struct rte_mbuf **pkts, unsigned int n,
				   bool partial)
{
	uint32_t data_size = gq->lim.data_size;
	unsigned int i, bufs = 0, rsps = 0;
	int avail, room;

	avail = vmi_ring_cons_peek(&gq->rx_req);
	room = avail > 0 ? vmi_ring_prod_reserve(&gq->rx_rsp, (uint32_t)avail) :
			   0;
	if (avail < 0 || room < 0) {
		vmi_netback_gq_fail(gq, "RX ring index out of range");
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct vmi_net_rx_buf buf;
		struct vmi_net_rx_rsp *r;
		uint32_t off, len;

		if (bufs == (unsigned int)avail || rsps == (unsigned int)room) {
			VMI_STAT_ADD(gq, rx_drops, n - i);
			break;
		}
		vmi_ring_cons_copy(&gq->rx_req, bufs++, &buf);
		off = vmi_le32_to_cpu(buf.seg.offset);
		len = vmi_le32_to_cpu(buf.seg.len);
		r = vmi_ring_prod_slot(&gq->rx_rsp, rsps++);
		r->id = buf.id;
		r->reserved0 = 0;
		r->reserved1 = 0;
		if (!len || (uint64_t)off + len > data_size) {
			/* Given back empty; the packet tries the next one. */
			r->len = 0;
			memset(&r->hdr, 0, sizeof(r->hdr));
			VMI_STAT_ADD(gq, rx_errors, 1);
			i--;
			continue;
		}
		if (m->pkt_len > len) {
			r->len = 0;
			memset(&r->hdr, 0, sizeof(r->hdr));
			VMI_STAT_ADD(gq, rx_drops, 1);
			continue;
		}
		vmi_netback_rx_offload(m, partial, &r->hdr);
		vmi_netback_rx_copy(m, gq->rx_data + off);
		r->len = vmi_cpu_to_le32(m->pkt_len);
		VMI_STAT_ADD(gq, rx_packets, 1);
		VMI_STAT_ADD(gq, rx_bytes, m->pkt_len);
		if (m->ol_flags & RTE_MBUF_F_RX_LRO)
			VMI_STAT_ADD(gq, rx_gro, 1);
	}
	if (!rsps)
		return;
	vmi_ring_cons_release(&gq->rx_req, bufs);
	if (vmi_ring_prod_publish(&gq->rx_rsp, rsps))
		vmi_netback_notify(gq, 2 * gq->pair);
}

/* The guest a frame is for, or NULL for every guest of the pair. */
static struct vmi_netback_gq *vmi_netback_rx_dest(struct vmi_netback_pair *pr,
						  const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint64_t mac = 0;
	unsigned int i;

	if (pr->nr_gqs == 1)
		return pr->gqs[0];
	if (!rte_is_unicast_ether_addr(&eth->dst_addr))
		return NULL;
	memcpy(&mac, &eth->dst_addr, RTE_ETHER_ADDR_LEN);
	mac |= VMI_NETBACK_MAC_KNOWN;
	for (i = 0; i < pr->nr_gqs; i++)
		if (__atomic_load_n(&pr->gqs[i]->bg->mac, __ATOMIC_RELAXED) ==
		    mac)
			return pr->gqs[i];
	return NULL;
}

/* Packets the pair's guests hold in their coalescing tables. */
static bool vmi_netback_gro_pending(const struct vmi_netback_pair *pr)
{
	unsigned int i;

	for (i = 0; i < pr->nr_gqs; i++)
		if (pr->gqs[i]->gro_held)
			return true;
	return false;
}

/* One guest's share of a burst, through its coalescing table if it has
 * one, into its buffers. hold: the port has more for us right away. */
static void vmi_netback_rx_guest(struct vmi_netback_worker *w,
				 const struct vmi_netback_port *p,
				 struct vmi_netback_gq *gq, bool hold)
{
	struct rte_mbuf **pkts = gq->rx_stage;
	unsigned int k, n = gq->nr_stage;

	for (k = 0; k < n && gq->rx_csum; k++)
		vmi_netback_rx_parse(pkts[k], !p->rx_l4_csum);
	if (gq->gro) {
		n = vmi_netback_rx_gro(gq->gro, pkts, n, hold, w->gro_age,
				       w->batch->rx_out);
		gq->gro_held = vmi_netback_gro_held(gq->gro);
		pkts = w->batch->rx_out;
	}
	vmi_netback_rx_deliver(gq, pkts, n, gq->rx_csum);
	rte_pktmbuf_free_bulk(pkts, n);
	gq->nr_stage = 0;
}

static unsigned int vmi_netback_rx(struct vmi_netback_worker *w,
				   struct vmi_netback_pair *pr,
				   const struct vmi_netback_port *p)
{
	struct rte_mbuf *pkts[VMI_NETBACK_BURST], *flood[VMI_NETBACK_BURST];
	unsigned int n, i, nf = 0;
	bool held;

	n = rte_eth_rx_burst(p->id, (uint16_t)pr->q, pkts, VMI_NETBACK_BURST);
	held = vmi_netback_gro_pending(pr);
	if (!n && !held)
		return 0;
	VMI_CNT_ADD(pr->rx_packets, n);
	if (!pr->nr_gqs) {
		VMI_CNT_ADD(pr->rx_unclaimed, n);
		rte_pktmbuf_free_bulk(pkts, n);
		return n;
	}
	for (i = 0; i < n; i++) {
		struct vmi_netback_gq *gq = vmi_netback_rx_dest(pr, pkts[i]);

		if (!gq)
			flood[nf++] = pkts[i];
		else if (gq->dead)
			rte_pktmbuf_free(pkts[i]);
		else
			gq->rx_stage[gq->nr_stage++] = pkts[i];
	}
	for (i = 0; i < pr->nr_gqs; i++) {
		struct vmi_netback_gq *gq = pr->gqs[i];

		if (!gq->dead && (gq->nr_stage || gq->gro_held))
			vmi_netback_rx_guest(w, p, gq, n == VMI_NETBACK_BURST);
	}
	if (nf) {
		/* Shared by every guest: delivered as they came, unchanged. */
		for (i = 0; i < pr->nr_gqs; i++)
			if (!pr->gqs[i]->dead)
				vmi_netback_rx_deliver(pr->gqs[i], flood, nf,
						       false);
		rte_pktmbuf_free_bulk(flood, nf);
	}
	/* Releasing what a table held is work too: no sleep before it. */
	return n + held;
}

/* ---- the loop ----------------------------------------------------------- */

static int vmi_netback_epoll_add(struct vmi_netback_worker *w, int fd,
				 struct rte_epoll_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->epdata.event = EPOLLIN;
	ev->epdata.cb_fun = vmi_netback_drain_fd;
	return rte_epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, ev) ? -errno : 0;
}

/* Apply the mailbox's command. Returns true for STOP. */
static bool vmi_netback_worker_cmd(struct vmi_netback_worker *w)
{
	struct vmi_netback_guest *bg;
	bool stop = false;
	unsigned int i, k;

	pthread_mutex_lock(&w->lock);
	bg = w->cmd_guest;
	for (i = 0; i < w->nr_pairs && bg; i++) {
		struct vmi_netback_pair *pr = w->pairs[i];
		struct vmi_netback_gq *gq = &bg->gq[pr->q];
		int kick = bg->g->kick_fd[2 * pr->q + 1];

		if (w->cmd == VMI_NETBACK_CMD_ADD) {
			pr->gqs[pr->nr_gqs++] = gq;
			if (vmi_netback_epoll_add(w, kick, &gq->kick_ev))
				vmi_host_guest_fail(
					bg->g,
					"queue %u: kick eventfd not watched",
					2 * pr->q + 1);
		} else if (w->cmd == VMI_NETBACK_CMD_DEL) {
			for (k = 0; k < pr->nr_gqs && pr->gqs[k] != gq; k++)
				;
			if (k == pr->nr_gqs)
				continue;
			pr->gqs[k] = pr->gqs[--pr->nr_gqs];
			rte_epoll_ctl(w->epfd, EPOLL_CTL_DEL, kick,
				      &gq->kick_ev);
		}
	}
	if (w->cmd == VMI_NETBACK_CMD_STOP)
		stop = true;
	__atomic_store_n(&w->pending, 0, __ATOMIC_RELAXED);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return stop;
}

void vmi_netback_worker_call(struct vmi_netback_worker *w,
			     enum vmi_netback_cmd_op op,
			     struct vmi_netback_guest *bg)
{
	uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	w->cmd = op;
	w->cmd_guest = bg;
	w->done = false;
	__atomic_store_n(&w->pending, 1, __ATOMIC_RELEASE);
	if (write(w->wake_fd, &one, sizeof(one)) != sizeof(one))
		vmi_transport_log(w->nb->transport, "worker %u: wake: %s",
				  w->index, strerror(errno));
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	w->cmd = VMI_NETBACK_CMD_NONE;
	w->cmd_guest = NULL;
	pthread_mutex_unlock(&w->lock);
}

/*
 * Arm every event index we would be woken by and re-check. Returns true
 * if the worker may sleep; *tick if it must not sleep for long (a port
 * without RX interrupts, completions DPDK still holds).
 */
static bool vmi_netback_arm(struct vmi_netback_worker *w, bool *tick)
{
	unsigned int i, k;
	int ret;

	*tick = false;
	for (i = 0; i < w->nr_pairs; i++) {
		struct vmi_netback_pair *pr = w->pairs[i];

		if (!pr->rx_intr)
			*tick = true;
		for (k = 0; k < pr->nr_gqs; k++) {
			struct vmi_netback_gq *gq = pr->gqs[k];

			if (gq->dead)
				continue;
			if (gq->tx_taken != gq->tx_answered)
				*tick = true;
			ret = vmi_ring_cons_arm(&gq->tx_req);
			/*
			 * Descriptors wait but the guest has not taken our
			 * answers: sleep until it makes room (its release
			 * kicks the TX queue).
			 */
			if (ret > 0) {
				ret = vmi_ring_prod_arm(&gq->tx_rsp);
				if (ret >= 0)
					ret = (uint32_t)ret >
					      gq->tx_taken - gq->tx_answered;
			}
			if (ret < 0) {
				vmi_netback_gq_fail(
					gq, "TX ring index out of range");
				continue;
			}
			if (ret > 0)
				return false;
		}
	}
	return true;
}

static void vmi_netback_sleep(struct vmi_netback_worker *w)
{
	struct rte_epoll_event ev[VMI_NETBACK_EVENTS];
	const struct vmi_netback_port *p = &w->nb->port;
	unsigned int i;
	bool tick;

	if (!vmi_netback_arm(w, &tick))
		return;
	for (i = 0; i < w->nr_pairs; i++)
		if (w->pairs[i]->rx_intr)
			rte_eth_dev_rx_intr_enable(p->id,
						   (uint16_t)w->pairs[i]->q);
	VMI_CNT_ADD(w->sleeps, 1);
	rte_epoll_wait(w->epfd, ev, VMI_NETBACK_EVENTS,
		       tick ? VMI_NETBACK_TICK_MS : -1);
	for (i = 0; i < w->nr_pairs; i++)
		if (w->pairs[i]->rx_intr)
			rte_eth_dev_rx_intr_disable(p->id,
						    (uint16_t)w->pairs[i]->q);
}

int vmi_netback_worker_main(void *arg)
{
	struct vmi_netback_worker *w = arg;
	struct vmi_netback *nb = w->nb;
	const struct vmi_netback_port *p = &nb->port;
	uint64_t poll = nb->poll_ns * rte_get_timer_hz() / 1000000000ull;

	/* librte_gro stamps packets with the TSC. */
	w->gro_age = VMI_NETBACK_GRO_AGE_US * rte_get_tsc_hz() / 1000000;
	uint64_t last = rte_get_timer_cycles();

	for (;;) {
		unsigned int i, k, work = 0;

		if (__atomic_load_n(&w->pending, __ATOMIC_ACQUIRE) &&
		    vmi_netback_worker_cmd(w))
			break;
		for (i = 0; i < w->nr_pairs; i++) {
			struct vmi_netback_pair *pr = w->pairs[i];

			work += vmi_netback_rx(w, pr, p);
			for (k = 0; k < pr->nr_gqs; k++) {
				int n;

				if (pr->gqs[k]->dead)
					continue;
				n = vmi_netback_tx(w, pr, p, pr->gqs[k]);
				if (n > 0)
					work += (unsigned int)n;
			}
		}
		if (work) {
			last = rte_get_timer_cycles();
			continue;
		}
		if (nb->mode == VMI_NETBACK_POLL ||
		    (nb->mode == VMI_NETBACK_ADAPTIVE &&
		     rte_get_timer_cycles() - last < poll)) {
			rte_pause();
			continue;
		}
		vmi_netback_sleep(w);
		VMI_CNT_ADD(w->wakeups, 1);
		last = rte_get_timer_cycles();
	}
	return 0;
}

/* The epoll set and mailbox of a worker; its pairs' RX interrupts. */
int vmi_netback_worker_init(struct vmi_netback_worker *w)
{
	const struct vmi_netback_port *p = &w->nb->port;
	unsigned int i;
	int ret;

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->batch = rte_zmalloc_socket("vmin_batch", sizeof(*w->batch),
				      RTE_CACHE_LINE_SIZE,
				      (int)rte_lcore_to_socket_id(w->lcore));
	if (!w->batch)
		return -ENOMEM;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->wake_fd < 0)
		return -errno;
	ret = vmi_netback_epoll_add(w, w->wake_fd, &w->wake_ev);
	if (ret)
		return ret;
	for (i = 0; i < w->nr_pairs; i++) {
		struct vmi_netback_pair *pr = w->pairs[i];

		pr->rx_intr = rte_eth_dev_rx_intr_ctl_q(p->id, (uint16_t)pr->q,
							w->epfd,
							RTE_INTR_EVENT_ADD,
							NULL) == 0;
		ret = vmi_netback_gso_init(p, &pr->gso);
		if (ret)
			return ret;
	}
	return 0;
}

void vmi_netback_worker_fini(struct vmi_netback_worker *w)
{
	if (w->batch)
		rte_pktmbuf_free_bulk(w->batch->spare, w->batch->nr_spare);
	rte_free(w->batch);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * vminet.ko: the vmipv network driver of a Linux guest, netdev vmiN.
 *
 * It binds the network devices that vmi_core puts on the vmi bus and
 * speaks docs/ABI.md part (d) over their shared memory: ring queue pair k
 * (RX queue 2k, TX queue 2k + 1) is netdev queue pair k, with one NAPI
 * context that both queues' MSI-X vectors schedule.
 *
 * TX: the skb (linear part and page fragments) is gathered into the TX
 * queue's data area, which is used as a byte ring (completions come back
 * in order, so freeing is moving the tail), and described by one
 * descriptor whose offload header is virtio-net's: checksum offload and
 * TSO hand the host whole 64 KiB segments. The skb is freed at once.
 * RX: the data area is cut into fixed buffers, all posted at probe; a
 * filled buffer is copied into an skb (small packets linear, large ones as
 * page fragments from the per-CPU fragment cache) and posted again at
 * once, so refilling never allocates and never runs dry.
 *
 * The backend is trusted for nothing: responses are copied out, their ids
 * checked against what is posted or in flight, lengths against buffers.
 * A ring error or NEEDS_RESET makes the device dead (carrier off, TX
 * dropped, rings never touched again); a stopped heartbeat only drops the
 * carrier until it moves again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/virtio_net.h>
#include <linux/workqueue.h>
#include <vmi/net.h>
#include <vmi_ring.h>

#include "vmi_core.h"

/* What this driver supports; the device offers, both must have it. */
#define VMINET_FEATURES                                                        \
	(VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_HEARTBEAT) |         \
	 VMI_FEATURE(VMI_NET_F_CSUM) | VMI_FEATURE(VMI_NET_F_GUEST_CSUM) |     \
	 VMI_FEATURE(VMI_NET_F_HOST_TSO4) | VMI_FEATURE(VMI_NET_F_HOST_TSO6) | \
	 VMI_FEATURE(VMI_NET_F_GUEST_TSO4) |                                   \
	 VMI_FEATURE(VMI_NET_F_GUEST_TSO6) | VMI_FEATURE(VMI_NET_F_MTU) |      \
	 VMI_FEATURE(VMI_NET_F_MAC) | VMI_FEATURE(VMI_NET_F_STATUS))
#define VMINET_GUEST_TSO \
	(VMI_FEATURE(VMI_NET_F_GUEST_TSO4) | VMI_FEATURE(VMI_NET_F_GUEST_TSO6))
#define VMINET_HOST_TSO \
	(VMI_FEATURE(VMI_NET_F_HOST_TSO4) | VMI_FEATURE(VMI_NET_F_HOST_TSO6))

#define VMINET_ALIGN 64 /* data-area allocations, in bytes */
#define VMINET_MIN_RX_BUFS 16 /* fewer 64 KiB buffers: no GUEST_TSO */
#define VMINET_RX_COPYBREAK 1536 /* larger packets go in page fragments */
#define VMINET_RX_HEAD 256 /* their linear part */

/* A queue's counters, written by its NAPI context or its TX lock holder. */
struct vminet_qstats {
	struct u64_stats_sync syncp;
	u64 packets, bytes;
	u64 drops; /* RX: no memory, given back empty; TX: too big, dead */
	u64 errors; /* RX: bad length or offload header; TX: host refused */
	u64 offload; /* RX: checksum verified; TX: TSO packets */
	u64 stops; /* TX: queue stopped for room */
};

static const char *const vminet_qstat_names[] = {
	"packets", "bytes", "drops", "errors", "offload", "stops",
};
#define VMINET_NR_QSTATS ARRAY_SIZE(vminet_qstat_names)

struct vminet_rxq {
	struct vmi_ring req; /* we post empty buffers */
	struct vmi_ring rsp; /* the host returns them filled */
	u8 *data;
	u32 buf_size; /* buffer id i is [i * buf_size, +buf_size) */
	u32 nr_bufs;
	unsigned long *posted; /* bitmap: the host holds buffer i */
	struct vminet_qstats stats;
};

struct vminet_txq {
	struct vmi_ring req; /* we produce packets */
	struct vmi_ring rsp; /* the host completes them, in order */
	u8 *data;
	u32 data_size;
	u32 pending; /* filled descriptors not yet published */
	u64 head, tail; /* data-area bytes handed out / given back */
	u64 seq, done; /* descriptors sent / completed */
	u64 *ends; /* per descriptor (seq % nr_slots): head after it */
	u32 nr_slots;
	struct vminet_qstats stats;
};

struct vminet;

/* One ring queue pair: netdev RX and TX queue index. */
struct vminet_pair {
	struct napi_struct napi;
	struct vminet *vn;
	unsigned int index;
	struct vminet_rxq rx;
	struct vminet_txq tx;
	char irq_name[2][IFNAMSIZ + 16];
} ____cacheline_aligned_in_smp;

struct vminet {
	struct net_device *dev;
	struct vmi_device *vdev;
	u64 features; /* negotiated */
	u32 max_tx; /* largest frame we hand the host */
	unsigned int nr_pairs;
	struct vminet_pair *pairs;
	bool dead; /* stop using the backend */
	unsigned long failed; /* bit 0: the dead device was logged */
	bool stalled; /* the heartbeat stopped: carrier off */
	struct delayed_work watchdog;
	struct vmi_dev_watch watch;
};

static bool vminet_has(const struct vminet *vn, unsigned int bit)
{
	return vn->features & VMI_FEATURE(bit);
}

static void vminet_stat_add(struct vminet_qstats *s, u64 *field, u64 n)
{
	u64_stats_update_begin(&s->syncp);
	*field += n;
	u64_stats_update_end(&s->syncp);
}

/* A ring broke the protocol: stop here, the watchdog says why. */
static void vminet_broken(struct vminet *vn)
{
	WRITE_ONCE(vn->dead, true);
	mod_delayed_work(system_wq, &vn->watchdog, 0);
}

/* ---- TX ---------------------------------------------------------------- */

/*
 * Where a frame of len bytes would go in the data area (a byte ring: a
 * frame never wraps, the end left over is skipped), or -ENOSPC.
 */
static long vminet_tx_fit(const struct vminet_txq *tq, u32 len, u64 *head)
{
	u32 pos = tq->head % tq->data_size;
	u64 h = tq->head;

	len = ALIGN(len, VMINET_ALIGN);
	if (pos + len > tq->data_size) {
		h += tq->data_size - pos;
		pos = 0;
	}
	if (h + len - tq->tail > tq->data_size)
		return -ENOSPC;
	*head = h + len;
	return pos;
}

/*
 * Where the next frame of len bytes goes (see vminet_tx_fit), or -ENOSPC.
 * It needs a request slot, and a place among the nr_slots descriptors the
 * host can hold unreclaimed: the host takes a descriptor only when the
 * response ring has room for its answer, so a guest that sent nr_slots
 * and took no answer is not served however much request room it sees
 * (and its ends[] would wrap onto descriptors still out).
 */
static long vminet_tx_place(struct vminet_txq *tq, u32 len, u64 *head)
{
	if (tq->seq - tq->done >= tq->nr_slots ||
	    vmi_ring_prod_reserve(&tq->req, tq->pending + 1) <=
		    (int)tq->pending)
		return -ENOSPC;
	return vminet_tx_fit(tq, len, head);
}

/* Room for one more frame of any size. */
static bool vminet_tx_room(struct vminet *vn, struct vminet_txq *tq)
{
	u64 head;

	return vminet_tx_place(tq, vn->max_tx, &head) >= 0;
}

/*
 * Take the host's completions (the queue's TX lock held). Returns how
 * many, or -EPROTO for one out of order.
 */
static int vminet_tx_reclaim(struct vminet_pair *p)
{
	struct vminet_txq *tq = &p->tx;
	int n, i, done = 0;

	while ((n = vmi_ring_cons_peek(&tq->rsp)) > 0) {
		for (i = 0; i < n; i++) {
			struct vmi_net_tx_rsp rsp;

			vmi_ring_cons_copy(&tq->rsp, i, &rsp);
			if (vmi_le64_to_cpu(rsp.id) != tq->done ||
			    tq->done == tq->seq)
				return -EPROTO;
			tq->tail = tq->ends[tq->done % tq->nr_slots];
			tq->done++;
			if (vmi_le32_to_cpu(rsp.status) != VMI_NET_S_OK)
				vminet_stat_add(&tq->stats, &tq->stats.errors,
						1);
		}
		if (vmi_ring_cons_release(&tq->rsp, n))
			vmi_dev_notify(p->vn->vdev, 2 * p->index + 1);
		done += n;
	}
	return n < 0 ? n : done;
}

/* Publish the filled descriptors; kick the host if it sleeps. */
static void vminet_tx_publish(struct vminet_pair *p)
{
	struct vminet_txq *tq = &p->tx;
	u32 n = tq->pending;

	tq->pending = 0;
	if (n && vmi_ring_prod_publish(&tq->req, n))
		vmi_dev_notify(p->vn->vdev, 2 * p->index + 1);
}

static netdev_tx_t vminet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vminet *vn = netdev_priv(dev);
	unsigned int q = skb_get_queue_mapping(skb);
	struct vminet_pair *p = &vn->pairs[q];
	struct vminet_txq *tq = &p->tx;
	struct netdev_queue *txq = netdev_get_tx_queue(dev, q);
	struct vmi_net_tx *d;
	struct virtio_net_hdr h;
	u64 head;
	long off;

	if (READ_ONCE(vn->dead) || skb->len > vn->max_tx ||
	    skb->len < ETH_HLEN ||
	    virtio_net_hdr_from_skb(skb, &h, true, false, 0))
		goto drop;
	off = vminet_tx_place(tq, skb->len, &head);
	if (off < 0) {
		/* The queue is stopped before this happens: a late race. */
		netif_tx_stop_queue(txq);
		vminet_tx_publish(p);
		napi_schedule(&p->napi);
		return NETDEV_TX_BUSY;
	}
	if (skb_copy_bits(skb, 0, tq->data + off, skb->len))
		goto drop;
	d = vmi_ring_prod_slot(&tq->req, tq->pending++);
	d->id = vmi_cpu_to_le64(tq->seq);
	memcpy(&d->hdr, &h, sizeof(h));
	d->hdr.num_buffers = 0;
	d->nr_segs = vmi_cpu_to_le16(1);
	d->flags = 0;
	d->seg[0].offset = vmi_cpu_to_le32((u32)off);
	d->seg[0].len = vmi_cpu_to_le32(skb->len);
	memset(d->reserved, 0, sizeof(d->reserved));
	tq->ends[tq->seq % tq->nr_slots] = head;
	tq->seq++;
	tq->head = head;

	u64_stats_update_begin(&tq->stats.syncp);
	tq->stats.packets++;
	tq->stats.bytes += skb->len;
	if (skb_is_gso(skb))
		tq->stats.offload++;
	u64_stats_update_end(&tq->stats.syncp);
	dev_consume_skb_any(skb);

	if (!vminet_tx_room(vn, tq)) {
		int ret = vminet_tx_reclaim(p);

		if (ret < 0)
			vminet_broken(vn);
		if (ret <= 0 || !vminet_tx_room(vn, tq)) {
			/* NAPI wakes it once completions make room. */
			netif_tx_stop_queue(txq);
			vminet_stat_add(&tq->stats, &tq->stats.stops, 1);
			vminet_tx_publish(p);
			napi_schedule(&p->napi);
			return NETDEV_TX_OK;
		}
	}
	if (!netdev_xmit_more())
		vminet_tx_publish(p);
	return NETDEV_TX_OK;
drop:
	vminet_stat_add(&tq->stats, &tq->stats.drops, 1);
	dev_kfree_skb_any(skb);
	/* The last of a batch: what earlier ones held back goes now. */
	if (!netdev_xmit_more() && !READ_ONCE(vn->dead))
		vminet_tx_publish(p);
	return NETDEV_TX_OK;
}

/* NAPI's part of TX: completions, and the queue woken when room is back. */
static int vminet_tx_poll(struct vminet_pair *p, bool arm)
{
	struct netdev_queue *txq = netdev_get_tx_queue(p->vn->dev, p->index);
	int ret;

	__netif_tx_lock(txq, smp_processor_id());
	ret = vminet_tx_reclaim(p);
	if (ret >= 0 && netif_tx_queue_stopped(txq) &&
	    vminet_tx_room(p->vn, &p->tx))
		netif_tx_wake_queue(txq);
	if (ret >= 0 && arm && netif_tx_queue_stopped(txq))
		ret = vmi_ring_cons_arm(&p->tx.rsp);
	__netif_tx_unlock(txq);
	return ret;
}

/* ---- RX ---------------------------------------------------------------- */

/* Put buffer id in reserved slot i: the host holds it from now on. */
static void vminet_rx_post(struct vminet_rxq *rq, u32 id, u32 i)
{
	struct vmi_net_rx_buf *b = vmi_ring_prod_slot(&rq->req, i);

	b->id = vmi_cpu_to_le64(id);
	b->seg.offset = vmi_cpu_to_le32(id * rq->buf_size);
	b->seg.len = vmi_cpu_to_le32(rq->buf_size);
	set_bit(id, rq->posted);
}

/* A filled buffer into a new skb: copied, so the buffer goes back at once. */
static struct sk_buff *vminet_rx_skb(struct vminet_pair *p, const u8 *src,
				     u32 len)
{
	u32 head = len <= VMINET_RX_COPYBREAK ? len : VMINET_RX_HEAD;
	struct sk_buff *skb = napi_alloc_skb(&p->napi, head);

	if (!skb)
		return NULL;
	skb_put_data(skb, src, head);
	src += head;
	len -= head;
	while (len) {
		u32 chunk = min_t(u32, len, PAGE_SIZE);
		void *va = netdev_alloc_frag(PAGE_SIZE);
		struct page *page;

		if (!va || skb_shinfo(skb)->nr_frags == MAX_SKB_FRAGS) {
			if (va)
				skb_free_frag(va);
			dev_kfree_skb_any(skb);
			return NULL;
		}
		memcpy(va, src, chunk);
		page = virt_to_head_page(va);
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page,
				(u8 *)va - (u8 *)page_address(page), chunk,
				PAGE_SIZE);
		src += chunk;
		len -= chunk;
	}
	return skb;
}

/* One filled buffer, copied out of the ring: deliver it. */
static void vminet_rx_one(struct vminet_pair *p, const struct vmi_net_rx_rsp *r)
{
	struct vminet_rxq *rq = &p->rx;
	u32 id = (u32)vmi_le64_to_cpu(r->id), len = vmi_le32_to_cpu(r->len);
	struct vmi_net_hdr h = r->hdr;
	struct sk_buff *skb;

	/* Given back unused (docs/ABI.md part (d)): not an error, reposted. */
	if (!len) {
		vminet_stat_add(&rq->stats, &rq->stats.drops, 1);
		return;
	}
	if (len > rq->buf_size || len < ETH_HLEN) {
		vminet_stat_add(&rq->stats, &rq->stats.errors, 1);
		return;
	}
	skb = vminet_rx_skb(p, rq->data + (size_t)id * rq->buf_size, len);
	if (!skb) {
		vminet_stat_add(&rq->stats, &rq->stats.drops, 1);
		return;
	}
	if (h.flags & VMI_NET_HDR_F_DATA_VALID)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (virtio_net_hdr_to_skb(skb, (struct virtio_net_hdr *)&h, true)) {
		vminet_stat_add(&rq->stats, &rq->stats.errors, 1);
		dev_kfree_skb_any(skb);
		return;
	}
	skb_record_rx_queue(skb, p->index);
	skb->protocol = eth_type_trans(skb, p->vn->dev);
	u64_stats_update_begin(&rq->stats.syncp);
	rq->stats.packets++;
	rq->stats.bytes += len;
	if (skb->ip_summed != CHECKSUM_NONE)
		rq->stats.offload++;
	u64_stats_update_end(&rq->stats.syncp);
	napi_gro_receive(&p->napi, skb);
}

/*
 * Up to budget filled buffers: each delivered and posted again. Returns
 * how many, or -EPROTO for a response naming a buffer the host lacks.
 */
static int vminet_rx_poll(struct vminet_pair *p, int budget)
{
	struct vminet_rxq *rq = &p->rx;
	bool kick = false;
	int n, i, done = 0, room;

	while (done < budget && (n = vmi_ring_cons_peek(&rq->rsp)) > 0) {
		n = min(n, budget - done);
		/* Every buffer we get back fits: no more posted than slots. */
		room = vmi_ring_prod_reserve(&rq->req, n);
		if (room < n)
			return -EPROTO;
		for (i = 0; i < n; i++) {
			struct vmi_net_rx_rsp r;
			u64 id;

			vmi_ring_cons_copy(&rq->rsp, i, &r);
			id = vmi_le64_to_cpu(r.id);
			if (id >= rq->nr_bufs ||
			    !test_and_clear_bit((long)id, rq->posted))
				return -EPROTO;
			vminet_rx_one(p, &r);
			vminet_rx_post(rq, (u32)id, i);
		}
		kick |= vmi_ring_cons_release(&rq->rsp, n);
		kick |= vmi_ring_prod_publish(&rq->req, n);
		done += n;
	}
	if (kick)
		vmi_dev_notify(p->vn->vdev, 2 * p->index);
	return n < 0 ? n : done;
}

static int vminet_poll(struct napi_struct *napi, int budget)
{
	struct vminet_pair *p = container_of(napi, struct vminet_pair, napi);
	struct vminet *vn = p->vn;
	int done = 0, rx, tx;

	if (READ_ONCE(vn->dead))
		goto out;
	if (vminet_tx_poll(p, false) < 0)
		goto broken;
	done = vminet_rx_poll(p, budget);
	if (done < 0)
		goto broken;
	if (done == budget)
		return budget;
	if (!napi_complete_done(napi, done))
		return done;
	/*
	 * Ask for the next RX interrupt, and for a TX one only while the
	 * queue waits for room (xmit takes completions as it goes otherwise);
	 * poll again if work came in.
	 */
	rx = vmi_ring_cons_arm(&p->rx.rsp);
	tx = vminet_tx_poll(p, true);
	if (rx < 0 || tx < 0)
		goto broken;
	if (rx > 0 || tx > 0)
		napi_schedule(napi);
	return done;
broken:
	vminet_broken(vn);
	done = 0;
out:
	napi_complete(napi);
	return done;
}

static irqreturn_t vminet_irq(int irq, void *data)
{
	struct vminet_pair *p = data;

	napi_schedule_irqoff(&p->napi);
	return IRQ_HANDLED;
}

/* ---- the backend's health ---------------------------------------------- */

static void vminet_carrier(struct vminet *vn)
{
	bool up = !READ_ONCE(vn->dead) && !vn->stalled &&
		  (!vminet_has(vn, VMI_NET_F_STATUS) ||
		   vn->watch.status & VMI_DEVICE_LINK_UP);

	if (up && !netif_carrier_ok(vn->dev))
		netif_carrier_on(vn->dev);
	else if (!up && netif_carrier_ok(vn->dev))
		netif_carrier_off(vn->dev);
}

static void vminet_watchdog(struct work_struct *work)
{
	struct vminet *vn =
		container_of(to_delayed_work(work), struct vminet, watchdog);
	enum vmi_dev_health h = vmi_dev_watch(vn->vdev, &vn->watch);
	bool stalled = h == VMI_DEV_STALLED;

	if (h == VMI_DEV_GONE || READ_ONCE(vn->dead)) {
		WRITE_ONCE(vn->dead, true);
		vminet_carrier(vn);
		if (!test_and_set_bit(0, &vn->failed))
			netdev_err(
				vn->dev,
				"%s, device_status %#x: the device is dead, carrier off\n",
				h == VMI_DEV_GONE ? "backend gone" :
						    "ring protocol error",
				vn->watch.status);
		return;
	}
	if (stalled != vn->stalled)
		netdev_warn(vn->dev, "backend heartbeat %s at %u: carrier %s\n",
			    stalled ? "stopped" : "moves again", vn->watch.last,
			    stalled ? "off" : "on");
	vn->stalled = stalled;
	vminet_carrier(vn);
	schedule_delayed_work(&vn->watchdog,
			      msecs_to_jiffies(VMI_DEV_WATCH_MS));
}

/* ---- netdev and ethtool ------------------------------------------------ */

static int vminet_open(struct net_device *dev)
{
	struct vminet *vn = netdev_priv(dev);
	unsigned int q;

	for (q = 0; q < vn->nr_pairs; q++) {
		napi_enable(&vn->pairs[q].napi);
		/* Packets that came while we were down, and the arming. */
		local_bh_disable();
		napi_schedule(&vn->pairs[q].napi);
		local_bh_enable();
	}
	netif_tx_start_all_queues(dev);
	return 0;
}

static int vminet_stop(struct net_device *dev)
{
	struct vminet *vn = netdev_priv(dev);
	unsigned int q;

	netif_tx_disable(dev);
	for (q = 0; q < vn->nr_pairs; q++)
		napi_disable(&vn->pairs[q].napi);
	return 0;
}

static void vminet_qstats_read(const struct vminet_qstats *s, u64 *out)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		out[0] = s->packets;
		out[1] = s->bytes;
		out[2] = s->drops;
		out[3] = s->errors;
		out[4] = s->offload;
		out[5] = s->stops;
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

static void vminet_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *st)
{
	struct vminet *vn = netdev_priv(dev);
	u64 v[VMINET_NR_QSTATS];
	unsigned int q;

	for (q = 0; q < vn->nr_pairs; q++) {
		vminet_qstats_read(&vn->pairs[q].rx.stats, v);
		st->rx_packets += v[0];
		st->rx_bytes += v[1];
		st->rx_dropped += v[2];
		st->rx_errors += v[3];
		vminet_qstats_read(&vn->pairs[q].tx.stats, v);
		st->tx_packets += v[0];
		st->tx_bytes += v[1];
		st->tx_dropped += v[2];
		st->tx_errors += v[3];
	}
}

static const struct net_device_ops vminet_netdev_ops = {
	.ndo_open = vminet_open,
	.ndo_stop = vminet_stop,
	.ndo_start_xmit = vminet_xmit,
	.ndo_get_stats64 = vminet_get_stats64,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static void vminet_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	struct vminet *vn = netdev_priv(dev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(vn->vdev->dev.parent),
		sizeof(info->bus_info));
	snprintf(info->fw_version, sizeof(info->fw_version), "features %#llx",
		 vn->features);
}

static void vminet_get_channels(struct net_device *dev,
				struct ethtool_channels *ch)
{
	struct vminet *vn = netdev_priv(dev);

	ch->max_combined = vn->nr_pairs;
	ch->combined_count = vn->nr_pairs;
}

static int vminet_get_sset_count(struct net_device *dev, int sset)
{
	struct vminet *vn = netdev_priv(dev);

	return sset == ETH_SS_STATS ? vn->nr_pairs * 2 * VMINET_NR_QSTATS :
				      -EOPNOTSUPP;
}

/* Per queue: rx0_packets ... tx0_stops, rx1_packets ... */
static void vminet_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	struct vminet *vn = netdev_priv(dev);
	unsigned int q, i;
	int dir;

	if (sset != ETH_SS_STATS)
		return;
	for (q = 0; q < vn->nr_pairs; q++)
		for (dir = 0; dir < 2; dir++)
			for (i = 0; i < VMINET_NR_QSTATS; i++)
				ethtool_sprintf(&buf, "%s%u_%s",
						dir ? "tx" : "rx", q,
						vminet_qstat_names[i]);
}

static void vminet_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *es, u64 *data)
{
	struct vminet *vn = netdev_priv(dev);
	unsigned int q;

	for (q = 0; q < vn->nr_pairs; q++) {
		vminet_qstats_read(&vn->pairs[q].rx.stats, data);
		data += VMINET_NR_QSTATS;
		vminet_qstats_read(&vn->pairs[q].tx.stats, data);
		data += VMINET_NR_QSTATS;
	}
}

static const struct ethtool_ops vminet_ethtool_ops = {
	.get_drvinfo = vminet_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_channels = vminet_get_channels,
	.get_sset_count = vminet_get_sset_count,
	.get_strings = vminet_get_strings,
	.get_ethtool_stats = vminet_get_ethtool_stats,
};

/* ---- probe and remove -------------------------------------------------- */

/*
 * The class config, copied out once (one version: it does not change
 * while we use the device): MAC, MTU and the largest frame, which size
 * the RX buffers. *want gets the features to ask for. Returns 0, or
 * -EPROTONOSUPPORT for a config that is not ours or of another major.
 */
static int vminet_config(struct vminet *vn, struct vmi_net_config *cfg,
			 u32 *mtu, u64 *want)
{
	u32 data_size = vn->vdev->layout.p.data_size;
	u32 max_packet, magic, gen;
	u16 major;
	int ret;

	ret = vmi_dev_config_read(vn->vdev, cfg, sizeof(*cfg), &gen);
	if (ret)
		return ret;
	magic = vmi_le32_to_cpu(cfg->magic);
	major = vmi_le16_to_cpu(cfg->version_major);
	if (magic != VMI_NET_CONFIG_MAGIC || major != VMI_NET_VERSION_MAJOR) {
		dev_err(&vn->vdev->dev,
			"config magic %#x version %u.%u: this driver speaks %#x version %u.x\n",
			magic, major, vmi_le16_to_cpu(cfg->version_minor),
			VMI_NET_CONFIG_MAGIC, VMI_NET_VERSION_MAJOR);
		return -EPROTONOSUPPORT;
	}
	*want = VMINET_FEATURES;
	*mtu = vmi_le16_to_cpu(cfg->mtu);
	max_packet = vmi_le32_to_cpu(cfg->max_packet);
	if (*mtu < ETH_MIN_MTU)
		*want &= ~VMI_FEATURE(VMI_NET_F_MTU);
	/* 64 KiB buffers only if the data area holds enough of them. */
	if (max_packet > VMI_NET_MAX_PACKET ||
	    data_size / ALIGN(VMI_NET_MAX_PACKET, VMINET_ALIGN) <
		    VMINET_MIN_RX_BUFS)
		*want &= ~VMINET_GUEST_TSO;
	if (data_size < 2 * ALIGN(VMI_NET_MAX_PACKET, VMINET_ALIGN))
		*want &= ~VMINET_HOST_TSO;
	return 0;
}

static int vminet_setup_pair(struct vminet *vn, unsigned int k, u32 mtu)
{
	struct vminet_pair *p = &vn->pairs[k];
	struct vminet_rxq *rq = &p->rx;
	struct vminet_txq *tq = &p->tx;
	struct vmi_device *vdev = vn->vdev;
	u32 frame = mtu + ETH_HLEN + VLAN_HLEN, i;
	int ret;

	p->vn = vn;
	p->index = k;
	u64_stats_init(&rq->stats.syncp);
	u64_stats_init(&tq->stats.syncp);
	ret = vmi_dev_queue_rings(vdev, 2 * k, &rq->req,
				  sizeof(struct vmi_net_rx_buf), &rq->rsp,
				  sizeof(struct vmi_net_rx_rsp), &rq->data);
	if (!ret)
		ret = vmi_dev_queue_rings(vdev, 2 * k + 1, &tq->req,
					  sizeof(struct vmi_net_tx), &tq->rsp,
					  sizeof(struct vmi_net_tx_rsp),
					  &tq->data);
	if (ret)
		return ret;
	rq->buf_size = ALIGN(
		vn->features & VMINET_GUEST_TSO ? VMI_NET_MAX_PACKET : frame,
		VMINET_ALIGN);
	rq->nr_bufs = min(vdev->layout.p.ring_slots,
			  vdev->layout.p.data_size / rq->buf_size);
	tq->data_size = vdev->layout.p.data_size;
	tq->nr_slots = vdev->layout.p.ring_slots;
	if (!rq->nr_bufs || tq->data_size < ALIGN(vn->max_tx, VMINET_ALIGN)) {
		dev_err(&vdev->dev,
			"queue pair %u: %u-byte data areas hold no %u-byte frame\n",
			k, tq->data_size, max(rq->buf_size, vn->max_tx));
		return -EINVAL;
	}
	rq->posted = bitmap_zalloc(rq->nr_bufs, GFP_KERNEL);
	tq->ends = kcalloc(tq->nr_slots, sizeof(*tq->ends), GFP_KERNEL);
	if (!rq->posted || !tq->ends)
		return -ENOMEM;
	/* Every buffer, once: from now on each goes back as it returns. */
	if (vmi_ring_prod_reserve(&rq->req, rq->nr_bufs) < (int)rq->nr_bufs)
		return -EPROTO;
	for (i = 0; i < rq->nr_bufs; i++)
		vminet_rx_post(rq, i, i);
	vmi_ring_prod_publish(&rq->req, rq->nr_bufs);
	netif_napi_add(vn->dev, &p->napi, vminet_poll);
	return 0;
}

static void vminet_free_irqs(struct vminet *vn, unsigned int nr_queues)
{
	while (nr_queues--)
		vmi_dev_free_irq(vn->vdev, nr_queues,
				 &vn->pairs[nr_queues / 2]);
}

static int vminet_request_irqs(struct vminet *vn)
{
	unsigned int q;
	int ret;

	for (q = 0; q < 2 * vn->nr_pairs; q++) {
		struct vminet_pair *p = &vn->pairs[q / 2];
		char *name = p->irq_name[q & 1];

		snprintf(name, sizeof(p->irq_name[0]), "%s-%s%u",
			 dev_name(&vn->vdev->dev), q & 1 ? "tx" : "rx", q / 2);
		ret = vmi_dev_request_irq(vn->vdev, q, vminet_irq, name, p);
		if (ret) {
			vminet_free_irqs(vn, q);
			return ret;
		}
	}
	return 0;
}

static void vminet_free_pairs(struct vminet *vn)
{
	unsigned int k;

	for (k = 0; vn->pairs && k < vn->nr_pairs; k++) {
		if (vn->pairs[k].napi.poll)
			netif_napi_del(&vn->pairs[k].napi);
		bitmap_free(vn->pairs[k].rx.posted);
		kfree(vn->pairs[k].tx.ends);
	}
	kfree(vn->pairs);
}

/* Offloads the negotiated features allow, on the netdev. */
static void vminet_netdev_features(struct vminet *vn, u32 mtu)
{
	struct net_device *dev = vn->dev;
	netdev_features_t f = NETIF_F_SG | NETIF_F_HIGHDMA;

	if (vminet_has(vn, VMI_NET_F_CSUM)) {
		f |= NETIF_F_HW_CSUM;
		if (vminet_has(vn, VMI_NET_F_HOST_TSO4))
			f |= NETIF_F_TSO;
		if (vminet_has(vn, VMI_NET_F_HOST_TSO6))
			f |= NETIF_F_TSO6;
	}
	if (vminet_has(vn, VMI_NET_F_GUEST_CSUM))
		f |= NETIF_F_RXCSUM;
	dev->hw_features = f;
	dev->features = f;
	dev->vlan_features = f;
	vn->max_tx = vn->features & VMINET_HOST_TSO ?
			     VMI_NET_MAX_PACKET :
			     mtu + ETH_HLEN + VLAN_HLEN;
	/* A TSO frame is 64 KiB of L3 at most, and not too many segments. */
	netif_set_tso_max_size(dev, VMI_NET_MAX_PACKET - ETH_HLEN);
	netif_set_tso_max_segs(dev, VMI_NET_GSO_MAX_SEGS);
	dev->mtu = mtu;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = mtu;
}

static int vminet_probe(struct vmi_device *vdev)
{
	unsigned int nr_pairs = vdev->nr_queues / 2;
	struct vmi_net_config cfg;
	struct net_device *dev;
	struct vminet *vn;
	u64 want;
	u32 mtu;
	unsigned int k;
	int ret;

	BUILD_BUG_ON(sizeof(struct vmi_net_hdr) !=
		     sizeof(struct virtio_net_hdr_mrg_rxbuf));
	if (!nr_pairs)
		return -EINVAL;
	dev = alloc_etherdev_mq(sizeof(*vn), nr_pairs);
	if (!dev)
		return -ENOMEM;
	SET_NETDEV_DEV(dev, &vdev->dev);
	vn = netdev_priv(dev);
	vn->dev = dev;
	vn->vdev = vdev;
	vn->nr_pairs = nr_pairs;
	INIT_DELAYED_WORK(&vn->watchdog, vminet_watchdog);
	dev_set_drvdata(&vdev->dev, vn);
	vn->pairs = kcalloc(nr_pairs, sizeof(*vn->pairs), GFP_KERNEL);
	if (!vn->pairs) {
		ret = -ENOMEM;
		goto fail;
	}

	ret = vmi_dev_reset(vdev);
	if (!ret)
		ret = vminet_config(vn, &cfg, &mtu, &want);
	if (!ret)
		ret = vmi_dev_negotiate(vdev, want, &vn->features);
	if (ret)
		goto fail;
	if (!vminet_has(vn, VMI_NET_F_MTU))
		mtu = ETH_DATA_LEN;
	vminet_netdev_features(vn, mtu);
	for (k = 0; k < nr_pairs && !ret; k++)
		ret = vminet_setup_pair(vn, k, mtu);
	if (ret)
		goto fail;
	ret = vminet_request_irqs(vn);
	if (ret)
		goto fail;
	ret = vmi_dev_start(vdev);
	if (ret)
		goto fail_irqs;
	vmi_dev_watch_init(vdev, &vn->watch, vn->features);

	if (vminet_has(vn, VMI_NET_F_MAC))
		eth_hw_addr_set(dev, cfg.mac);
	else
		eth_hw_addr_random(dev);
	dev->netdev_ops = &vminet_netdev_ops;
	dev->ethtool_ops = &vminet_ethtool_ops;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	snprintf(dev->name, IFNAMSIZ, "vmi%u", vdev->instance);
	netif_carrier_off(dev);
	ret = register_netdev(dev);
	if (ret)
		goto fail_started;
	vminet_carrier(vn);
	schedule_delayed_work(&vn->watchdog,
			      msecs_to_jiffies(VMI_DEV_WATCH_MS));
	netdev_info(
		dev,
		"%pM, mtu %u, %u queue pair%s x %u slots, %u RX buffers of %u bytes, features %#llx:%s%s%s%s%s\n",
		dev->dev_addr, mtu, nr_pairs, nr_pairs == 1 ? "" : "s",
		vdev->layout.p.ring_slots, vn->pairs[0].rx.nr_bufs,
		vn->pairs[0].rx.buf_size, vn->features,
		vminet_has(vn, VMI_NET_F_CSUM) ? " csum" : "",
		vn->features & VMINET_HOST_TSO ? " tso" : "",
		vminet_has(vn, VMI_NET_F_GUEST_CSUM) ? " rx-csum" : "",
		vn->features & VMINET_GUEST_TSO ? " rx-64k" : "",
		vminet_has(vn, VMI_F_HEARTBEAT) ? " heartbeat" : "");
	return 0;

fail_started:
	vmi_dev_reset(vdev);
fail_irqs:
	vminet_free_irqs(vn, 2 * nr_pairs);
fail:
	dev_err(&vdev->dev, "not bound: %d\n", ret);
	vminet_free_pairs(vn);
	free_netdev(dev);
	return ret;
}

/*
 * Unbind, with traffic or not (a module unload, the device unplugged):
 * unregister_netdev() stops the queues and NAPI, so nothing touches the
 * rings after it; then the backend is told to stop serving (unless it is
 * gone or its heartbeat stalls) and the interrupts go.
 */
static void vminet_remove(struct vmi_device *vdev)
{
	struct vminet *vn = dev_get_drvdata(&vdev->dev);

	unregister_netdev(vn->dev);
	cancel_delayed_work_sync(&vn->watchdog);
	/* A backend whose heartbeat missed a tick would not answer. */
	if (!READ_ONCE(vn->dead) && !vn->watch.misses)
		vmi_dev_reset(vdev);
	vminet_free_irqs(vn, 2 * vn->nr_pairs);
	vminet_free_pairs(vn);
	free_netdev(vn->dev);
}

static struct vmi_driver vminet_driver = {
	.driver.name = "vminet",
	.dev_class = VMI_DEV_CLASS_NET,
	.probe = vminet_probe,
	.remove = vminet_remove,
};

static int __init vminet_init(void)
{
	return vmi_register_driver(&vminet_driver);
}

static void __exit vminet_exit(void)
{
	vmi_unregister_driver(&vminet_driver);
}

module_init(vminet_init);
module_exit(vminet_exit);
MODULE_DESCRIPTION("vmipv network driver");
MODULE_LICENSE("GPL");
MODULE_ALIAS("vmi:c2");

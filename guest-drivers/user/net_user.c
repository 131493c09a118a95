// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user-space network guest library (vmi_net_user.h): opening a network
 * device through the ROM and the process transport, and moving packets
 * through its queue pairs.
 *
 * Each queue pair has two queues, RX (2k) and TX (2k + 1), each with a
 * request ring we produce and a response ring we consume. Packet buffers
 * are fixed-size slots of the queues' data areas; a slot's index is the id
 * of the descriptor that carries it, so an answer is matched to its slot
 * by one array lookup, after checking that the slot is really out.
 *
 * Notifications go through the ROM (QueueNotify, QueueIrqAck); sleeping
 * polls the queues' irq eventfds together with the caller's own
 * descriptors (a TAP), which the ROM's one-queue WaitEvent cannot.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmi_ring.h>

#include "vmi_conn.h"
#include "vmi_net_user.h"

#define VMI_NET_DEFAULT_POLL_NS 50000ull
#define VMI_NET_HANDSHAKE_MS 5000
#define VMI_NET_SLEEP_MS 100 /* longest sleep: the backend is checked */
#define VMI_NET_RAW_ID (1ull << 63) /* raw descriptors' ids */
#define VMI_NET_SLOT_ALIGN 64

/* Everything this library can use, offered or not. */
#define VMI_NET_SUPPORTED                                                      \
	(VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_NET_F_CSUM) |          \
	 VMI_FEATURE(VMI_NET_F_GUEST_CSUM) |                                   \
	 VMI_FEATURE(VMI_NET_F_HOST_TSO4) | VMI_FEATURE(VMI_NET_F_HOST_TSO6) | \
	 VMI_FEATURE(VMI_NET_F_GUEST_TSO4) |                                   \
	 VMI_FEATURE(VMI_NET_F_GUEST_TSO6) | VMI_FEATURE(VMI_NET_F_MTU) |      \
	 VMI_FEATURE(VMI_NET_F_MAC))

enum vmi_net_slot_state {
	VMI_NET_SLOT_FREE,
	VMI_NET_SLOT_OWNED, /* the caller has it */
	VMI_NET_SLOT_OUT, /* the backend has it */
};

/* Fixed-size buffers of one data area. */
struct vmi_net_slots {
	uint8_t *base;
	uint32_t size, count;
	uint32_t *free; /* a stack of free slot indices */
	uint32_t nr_free;
	uint8_t *state; /* enum vmi_net_slot_state per slot */
	uint32_t *len; /* bytes sent from the slot */
};

/* One queue pair, used by one thread. */
struct vmi_net_queue {
	struct vmi_net_dev *d;
	unsigned int rxq, txq; /* queue indices */
	struct vmi_ring rx_req,
		rx_rsp; /* we produce buffers, consume packets */
	struct vmi_ring tx_req,
		tx_rsp; /* we produce packets, consume answers */
	struct vmi_net_slots rx, tx;
	uint32_t tx_data_size;
	uint32_t tx_staged; /* in the ring, not yet published */
	uint32_t tx_out; /* published, not yet answered */
	/*
	 * The ids of the descriptors not yet answered, in the order they went
	 * into the ring: the host answers in that order (docs/ABI.md part
	 * (d)), so an answer must carry tx_ids[tx_acked % size]. The ring
	 * holds nr_slots requests and the host nr_slots more, so 2 x nr_slots
	 * entries are enough; a host that takes more is refused the send.
	 */
	uint64_t *tx_ids;
	uint32_t tx_ids_size; /* 2 x nr_slots, a power of two */
	uint32_t tx_seq, tx_acked; /* descriptors staged / answered */
	uint64_t raw_seq;
	bool tx_full; /* a send found the ring full: wait for room */
	uint64_t checked_ns; /* last look at the backend while polling */
	struct vmi_net_qstats stats;
} __attribute__((aligned(64)));

struct vmi_net_dev {
	struct vmi_conn_dev cd; /* the bound ROM and the connection */
	struct vmi_net_info info;
	enum vmi_net_wait_mode mode;
	uint64_t poll_ns;
	struct vmi_net_queue *q;
};

uint64_t vmi_net_now_ns(void)
{
	return vmi_conn_now_ns();
}

/* ---- opening ------------------------------------------------------------ */

static int vmi_net_slots_init(struct vmi_net_slots *s, uint8_t *base,
			      uint32_t data_size, uint32_t size, uint32_t max)
{
	uint32_t i;

	s->base = base;
	s->size = (size + VMI_NET_SLOT_ALIGN - 1) & ~(VMI_NET_SLOT_ALIGN - 1);
	s->count = data_size / s->size;
	if (s->count > max)
		s->count = max;
	if (!s->count)
		return -ENOSPC;
	s->free = calloc(s->count, sizeof(*s->free));
	s->state = calloc(s->count, sizeof(*s->state));
	s->len = calloc(s->count, sizeof(*s->len));
	if (!s->free || !s->state || !s->len)
		return -ENOMEM;
	for (i = 0; i < s->count; i++)
		s->free[i] = s->count - 1 - i;
	s->nr_free = s->count;
	return 0;
}

static void vmi_net_slots_fini(struct vmi_net_slots *s)
{
	free(s->free);
	free(s->state);
	free(s->len);
}

/*
 * The device's config, copied once out of shared memory (one version: it
 * does not change while we use the device) and checked: the sizes the
 * slots get come from it.
 */
static int vmi_net_read_config(struct vmi_net_dev *d, char *err, size_t errlen)
{
	struct vmi_net_info *i = &d->info;
	struct vmi_net_config c;
	uint32_t frame;
	int ret;

	ret = vmi_conn_read_config(&d->cd.conn, &c, sizeof(c),
				   VMI_NET_CONFIG_MAGIC, VMI_NET_VERSION_MAJOR,
				   err, errlen);
	if (ret)
		return ret;
	i->features = d->cd.conn.features;
	i->instance = vmi_le16_to_cpu(d->cd.conn.dev.instance);
	i->mtu = i->features & VMI_FEATURE(VMI_NET_F_MTU) ?
			 vmi_le16_to_cpu(c.mtu) :
			 1500;
	if (i->mtu < 68)
		return vmi_conn_fail(err, errlen, -EPROTO, "config mtu %u",
				     i->mtu);
	frame = i->mtu + 14 + 4; /* Ethernet header, VLAN tag */
	i->max_packet = vmi_le32_to_cpu(c.max_packet);
	if (i->max_packet < VMI_NET_MIN_PACKET ||
	    i->max_packet > VMI_NET_MAX_PACKET)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "config max_packet %u", i->max_packet);
	if (frame > i->max_packet)
		frame = i->max_packet;
	i->has_mac = i->features & VMI_FEATURE(VMI_NET_F_MAC);
	if (i->has_mac)
		memcpy(i->mac, c.mac, sizeof(i->mac));
	i->nr_pairs = d->cd.conn.nr_queues / 2;
	if (!i->nr_pairs || d->cd.conn.nr_queues % 2)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "%u queues: not RX/TX pairs",
				     d->cd.conn.nr_queues);
	i->nr_slots = d->cd.conn.layout.p.ring_slots;
	/* Large segments come whole only when negotiated that way. */
	i->tx_buf_size = i->features & (VMI_FEATURE(VMI_NET_F_HOST_TSO4) |
					VMI_FEATURE(VMI_NET_F_HOST_TSO6)) ?
				 i->max_packet :
				 frame;
	i->rx_buf_size = i->features & (VMI_FEATURE(VMI_NET_F_GUEST_TSO4) |
					VMI_FEATURE(VMI_NET_F_GUEST_TSO6)) ?
				 i->max_packet :
				 frame;
	return 0;
}

static int vmi_net_queue_init(struct vmi_net_dev *d, unsigned int pair)
{
	struct vmi_net_queue *q = &d->q[pair];
	const struct vmi_conn *c = &d->cd.conn;
	uint32_t slots = d->info.nr_slots, data_size = c->layout.p.data_size;
	int ret;

	q->d = d;
	q->rxq = 2 * pair;
	q->txq = 2 * pair + 1;
	ret = vmi_ring_attach_prod(&q->rx_req, vmi_conn_req_ring(c, q->rxq),
				   slots, sizeof(struct vmi_net_rx_buf));
	if (!ret)
		ret = vmi_ring_attach_cons(&q->rx_rsp,
					   vmi_conn_rsp_ring(c, q->rxq), slots,
					   sizeof(struct vmi_net_rx_rsp));
	if (!ret)
		ret = vmi_ring_attach_prod(&q->tx_req,
					   vmi_conn_req_ring(c, q->txq), slots,
					   sizeof(struct vmi_net_tx));
	if (!ret)
		ret = vmi_ring_attach_cons(&q->tx_rsp,
					   vmi_conn_rsp_ring(c, q->txq), slots,
					   sizeof(struct vmi_net_tx_rsp));
	if (!ret)
		ret = vmi_net_slots_init(&q->rx, vmi_conn_data(c, q->rxq),
					 data_size, d->info.rx_buf_size, slots);
	if (!ret)
		ret = vmi_net_slots_init(&q->tx, vmi_conn_data(c, q->txq),
					 data_size, d->info.tx_buf_size, slots);
	q->tx_data_size = data_size;
	q->tx_ids_size = 2 * slots;
	q->tx_ids = calloc(q->tx_ids_size, sizeof(*q->tx_ids));
	if (!ret && !q->tx_ids)
		ret = -ENOMEM;
	return ret;
}

int vmi_net_open(const struct vmi_net_open_opts *o, struct vmi_net_dev **out,
		 char *err, size_t errlen)
{
	uint64_t supported = VMI_NET_SUPPORTED;
	struct vmi_net_dev *d;
	unsigned int i;
	int ret;

	if (o->features)
		supported &= o->features | VMI_FEATURE(VMI_F_VERSION_1);
	d = calloc(1, sizeof(*d));
	if (!d)
		return vmi_conn_fail(err, errlen, -ENOMEM, "out of memory");
	d->mode = o->mode;
	d->poll_ns = o->poll_ns ? o->poll_ns : VMI_NET_DEFAULT_POLL_NS;
	ret = vmi_conn_dev_open(&d->cd, o->rom, o->device, VMI_DEV_CLASS_NET, 0,
				supported, VMI_NET_HANDSHAKE_MS, err, errlen);
	if (ret)
		goto fail;
	ret = vmi_net_read_config(d, err, errlen);
	if (ret)
		goto fail;
	if (posix_memalign((void **)&d->q, 64,
			   d->info.nr_pairs * sizeof(*d->q))) {
		ret = vmi_conn_fail(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	memset(d->q, 0, d->info.nr_pairs * sizeof(*d->q));
	for (i = 0; i < d->info.nr_pairs; i++) {
		ret = vmi_net_queue_init(d, i);
		if (ret) {
			vmi_conn_fail(
				err, errlen, ret,
				"queue pair %u: %s (data area of %u bytes, slots of %u/%u bytes)",
				i, strerror(-ret),
				d->cd.conn.layout.p.data_size,
				d->info.rx_buf_size, d->info.tx_buf_size);
			goto fail;
		}
	}
	d->info.nr_rx_bufs = d->q[0].rx.count;
	d->info.nr_tx_bufs = d->q[0].tx.count;
	*out = d;
	return 0;
fail:
	vmi_net_close(d);
	return ret;
}

void vmi_net_close(struct vmi_net_dev *d)
{
	unsigned int i;

	if (!d)
		return;
	if (d->q) {
		for (i = 0; i < d->info.nr_pairs; i++) {
			vmi_net_slots_fini(&d->q[i].rx);
			vmi_net_slots_fini(&d->q[i].tx);
			free(d->q[i].tx_ids);
		}
		free(d->q);
	}
	vmi_conn_dev_close(&d->cd);
	free(d);
}

int vmi_net_open_opt(struct vmi_net_open_opts *o, int c, const char *arg)
{
	static const char *const modes[] = {
		[VMI_NET_WAIT_ADAPTIVE] = "adaptive",
		[VMI_NET_WAIT_POLL] = "poll",
		[VMI_NET_WAIT_INTERRUPT] = "interrupt",
	};
	unsigned int i;
	char *end;
	long n;

	switch (c) {
	case VMI_NET_OPT_ROM:
		o->rom = arg;
		return 1;
	case VMI_NET_OPT_MODE:
		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (!strcmp(arg, modes[i])) {
				o->mode = (enum vmi_net_wait_mode)i;
				return 1;
			}
		return -EINVAL;
	case VMI_NET_OPT_DEVICE:
	case VMI_NET_OPT_POLL_US:
		n = strtol(arg, &end, 10);
		if (end == arg || *end || n < 0 ||
		    n > (c == VMI_NET_OPT_DEVICE ? 65535 : 10000000))
			return -EINVAL;
		if (c == VMI_NET_OPT_DEVICE)
			o->device = (int)n;
		else
			o->poll_ns = (uint64_t)n * 1000;
		return 1;
	default:
		return 0;
	}
}

const struct vmi_net_info *vmi_net_info(const struct vmi_net_dev *d)
{
	return &d->info;
}

struct vmi_net_queue *vmi_net_queue(struct vmi_net_dev *d, unsigned int pair)
{
	return pair < d->info.nr_pairs ? &d->q[pair] : NULL;
}

const struct vmi_net_qstats *vmi_net_qstats(const struct vmi_net_queue *q)
{
	return &q->stats;
}

static void vmi_net_notify(struct vmi_net_queue *q, unsigned int queue)
{
	vmi_conn_notify(&q->d->cd.conn, queue);
	q->stats.notifies++;
}

/* ---- TX ------------------------------------------------------------------ */

void *vmi_net_tx_alloc(struct vmi_net_queue *q)
{
	uint32_t s;

	if (!q->tx.nr_free)
		return NULL;
	s = q->tx.free[--q->tx.nr_free];
	q->tx.state[s] = VMI_NET_SLOT_OWNED;
	return q->tx.base + (size_t)s * q->tx.size;
}

/* The slot buf points to, if it is one of q's TX slots the caller owns. */
static int vmi_net_tx_slot(const struct vmi_net_queue *q, const void *buf)
{
	size_t off = (size_t)((const uint8_t *)buf - q->tx.base);

	if ((const uint8_t *)buf < q->tx.base || off % q->tx.size ||
	    off / q->tx.size >= q->tx.count ||
	    q->tx.state[off / q->tx.size] != VMI_NET_SLOT_OWNED)
		return -EINVAL;
	return (int)(off / q->tx.size);
}

void vmi_net_tx_free(struct vmi_net_queue *q, void *buf)
{
	int s = vmi_net_tx_slot(q, buf);

	if (s < 0)
		return;
	q->tx.state[s] = VMI_NET_SLOT_FREE;
	q->tx.free[q->tx.nr_free++] = (uint32_t)s;
}

uint32_t vmi_net_tx_offset(const struct vmi_net_queue *q, const void *buf)
{
	return (uint32_t)((const uint8_t *)buf - q->tx.base);
}

uint32_t vmi_net_tx_data_size(const struct vmi_net_queue *q)
{
	return q->tx_data_size;
}

/*
 * The next free request slot, zeroed, or NULL (and tx_full) when there is
 * none, or no room to remember one more id.
 */
static struct vmi_net_tx *vmi_net_tx_desc(struct vmi_net_queue *q)
{
	int room = vmi_ring_prod_reserve(&q->tx_req, q->tx_staged + 1);
	struct vmi_net_tx *tx;

	if (room <= (int)q->tx_staged ||
	    q->tx_seq - q->tx_acked >= q->tx_ids_size) {
		q->tx_full = true;
		return NULL;
	}
	tx = vmi_ring_prod_slot(&q->tx_req, q->tx_staged);
	memset(tx, 0, sizeof(*tx));
	return tx;
}

/* A descriptor filled in: its id joins the answers we wait for. */
static void vmi_net_tx_staged(struct vmi_net_queue *q, uint64_t id)
{
	q->tx_ids[q->tx_seq++ % q->tx_ids_size] = id;
	q->tx_staged++;
}

int vmi_net_tx_send(struct vmi_net_queue *q, void *buf, uint32_t len,
		    const struct vmi_net_hdr *h)
{
	int s = vmi_net_tx_slot(q, buf);
	struct vmi_net_tx *tx;

	if (s < 0 || !len || len > q->tx.size)
		return -EINVAL;
	tx = vmi_net_tx_desc(q);
	if (!tx)
		return -EBUSY;
	tx->id = vmi_cpu_to_le64((uint64_t)s);
	if (h)
		tx->hdr = *h;
	tx->nr_segs = vmi_cpu_to_le16(1);
	tx->seg[0].offset = vmi_cpu_to_le32(vmi_net_tx_offset(q, buf));
	tx->seg[0].len = vmi_cpu_to_le32(len);
	q->tx.state[s] = VMI_NET_SLOT_OUT;
	q->tx.len[s] = len;
	vmi_net_tx_staged(q, (uint64_t)s);
	return 0;
}

int vmi_net_tx_send_raw(struct vmi_net_queue *q, const struct vmi_net_tx *raw)
{
	struct vmi_net_tx *tx = vmi_net_tx_desc(q);
	uint64_t id;

	if (!tx)
		return -EBUSY;
	*tx = *raw;
	id = VMI_NET_RAW_ID | q->raw_seq++;
	tx->id = vmi_cpu_to_le64(id);
	vmi_net_tx_staged(q, id);
	return 0;
}

int vmi_net_tx_commit(struct vmi_net_queue *q)
{
	if (!q->tx_staged)
		return 0;
	if (vmi_ring_prod_publish(&q->tx_req, q->tx_staged))
		vmi_net_notify(q, q->txq);
	q->tx_out += q->tx_staged;
	q->tx_staged = 0;
	return 0;
}

int vmi_net_tx_complete(struct vmi_net_queue *q)
{
	int avail = vmi_ring_cons_peek(&q->tx_rsp);
	struct vmi_net_tx_rsp r;
	int i;

	if (avail < 0)
		return avail;
	for (i = 0; i < avail; i++) {
		uint64_t id;
		uint32_t st;

		vmi_ring_cons_copy(&q->tx_rsp, (uint32_t)i, &r);
		id = vmi_le64_to_cpu(r.id);
		st = vmi_le32_to_cpu(r.status);
		/* In order: the oldest descriptor not yet answered. */
		if (q->tx_acked == q->tx_seq ||
		    id != q->tx_ids[q->tx_acked % q->tx_ids_size])
			return -EPROTO;
		q->tx_acked++;
		if (!(id & VMI_NET_RAW_ID)) {
			if (id >= q->tx.count ||
			    q->tx.state[id] != VMI_NET_SLOT_OUT)
				return -EPROTO;
			if (st == VMI_NET_S_OK) {
				q->stats.tx_packets++;
				q->stats.tx_bytes += q->tx.len[id];
			}
			q->tx.state[id] = VMI_NET_SLOT_FREE;
			q->tx.free[q->tx.nr_free++] = (uint32_t)id;
		} else if (st == VMI_NET_S_OK) {
			q->stats.tx_packets++;
		}
		if (st == VMI_NET_S_INVAL)
			q->stats.tx_inval++;
		else if (st != VMI_NET_S_OK)
			q->stats.tx_dropped++;
	}
	if (!avail)
		return 0;
	q->tx_out -= (uint32_t)avail;
	q->tx_full = false;
	if (vmi_ring_cons_release(&q->tx_rsp, (uint32_t)avail))
		vmi_net_notify(q, q->txq);
	return avail;
}

unsigned int vmi_net_tx_inflight(const struct vmi_net_queue *q)
{
	return q->tx_staged + q->tx_out;
}

/* ---- RX ------------------------------------------------------------------ */

int vmi_net_rx_fill(struct vmi_net_queue *q)
{
	int room, i;

	if (!q->rx.nr_free)
		return 0;
	room = vmi_ring_prod_reserve(&q->rx_req, q->rx.nr_free);
	if (room <= 0)
		return room;
	for (i = 0; i < room; i++) {
		struct vmi_net_rx_buf *b =
			vmi_ring_prod_slot(&q->rx_req, (uint32_t)i);
		uint32_t s = q->rx.free[--q->rx.nr_free];

		b->id = vmi_cpu_to_le64(s);
		b->seg.offset = vmi_cpu_to_le32(s * q->rx.size);
		b->seg.len = vmi_cpu_to_le32(q->rx.size);
		q->rx.state[s] = VMI_NET_SLOT_OUT;
	}
	if (vmi_ring_prod_publish(&q->rx_req, (uint32_t)room))
		vmi_net_notify(q, q->rxq);
	return room;
}

int vmi_net_rx_recv(struct vmi_net_queue *q, struct vmi_net_rx_pkt *pkts,
		    unsigned int max)
{
	int avail = vmi_ring_cons_peek(&q->rx_rsp);
	struct vmi_net_rx_rsp r;
	unsigned int n = 0;
	uint32_t i;

	if (avail < 0)
		return avail;
	for (i = 0; i < (uint32_t)avail && n < max; i++) {
		uint64_t id;
		uint32_t len;

		vmi_ring_cons_copy(&q->rx_rsp, i, &r);
		id = vmi_le64_to_cpu(r.id);
		len = vmi_le32_to_cpu(r.len);
		if (id >= q->rx.count || q->rx.state[id] != VMI_NET_SLOT_OUT ||
		    len > q->rx.size)
			return -EPROTO;
		if (!len) {
			q->rx.state[id] = VMI_NET_SLOT_FREE;
			q->rx.free[q->rx.nr_free++] = (uint32_t)id;
			q->stats.rx_empty++;
			continue;
		}
		q->rx.state[id] = VMI_NET_SLOT_OWNED;
		pkts[n].data = q->rx.base + (size_t)id * q->rx.size;
		pkts[n].len = len;
		pkts[n].buf = (uint32_t)id;
		pkts[n].hdr = r.hdr;
		q->stats.rx_packets++;
		q->stats.rx_bytes += len;
		n++;
	}
	if (i && vmi_ring_cons_release(&q->rx_rsp, i))
		vmi_net_notify(q, q->rxq);
	return (int)n;
}

void vmi_net_rx_done(struct vmi_net_queue *q, const struct vmi_net_rx_pkt *pkts,
		     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t s = pkts[i].buf;

		if (s < q->rx.count && q->rx.state[s] == VMI_NET_SLOT_OWNED) {
			q->rx.state[s] = VMI_NET_SLOT_FREE;
			q->rx.free[q->rx.nr_free++] = s;
		}
	}
}

/* ---- waiting ------------------------------------------------------------- */

/* Arm what we would be woken for. > 0: work now; 0: sleep; < 0: error. */
static int vmi_net_arm(struct vmi_net_queue *q)
{
	int ret = vmi_ring_cons_arm(&q->rx_rsp);

	if (!ret)
		ret = vmi_ring_cons_arm(&q->tx_rsp);
	if (!ret && q->tx_full)
		ret = vmi_ring_prod_arm(&q->tx_req);
	return ret;
}

int vmi_net_idle(struct vmi_net_queue *q, struct pollfd *fds, unsigned int nfds,
		 uint64_t idle_since_ns)
{
	struct vmi_net_dev *d = q->d;
	struct pollfd p[2 + 8];
	unsigned int i;
	int ret;

	uint64_t now = vmi_net_now_ns();

	if (d->mode == VMI_NET_WAIT_POLL ||
	    (d->mode == VMI_NET_WAIT_ADAPTIVE &&
	     now - idle_since_ns < d->poll_ns)) {
		if (now - q->checked_ns > VMI_NET_SLEEP_MS * 1000000ull) {
			q->checked_ns = now;
			if (!vmi_conn_alive(&d->cd.conn))
				return -ENOTCONN;
		}
		vmi_conn_cpu_relax();
		return 0;
	}
	if (nfds > 8)
		return -EINVAL;
	ret = vmi_net_arm(q);
	if (ret)
		return ret < 0 ? -ENOTCONN : 0;
	p[0] = (struct pollfd){ .fd = d->cd.conn.irq_fds[q->rxq],
				.events = POLLIN };
	p[1] = (struct pollfd){ .fd = d->cd.conn.irq_fds[q->txq],
				.events = POLLIN };
	for (i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		p[2 + i] = fds[i];
	}
	q->stats.sleeps++;
	ret = poll(p, 2 + nfds, VMI_NET_SLEEP_MS);
	if (ret < 0 && errno != EINTR)
		return -errno;
	for (i = 0; i < nfds; i++)
		fds[i].revents = p[2 + i].revents;
	/* The ROM's QueueIrqAck drains what woke us. */
	if (p[0].revents & POLLIN)
		d->cd.guest.ops.queue_irq_ack(&d->cd.conn.ctx, q->rxq);
	if (p[1].revents & POLLIN)
		d->cd.guest.ops.queue_irq_ack(&d->cd.conn.ctx, q->txq);
	return vmi_conn_alive(&d->cd.conn) ? 0 : -ENOTCONN;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user-space block guest (vmi_blk_user.h): requests into the request
 * ring, answers out of the response ring, notification and sleep through
 * the ROM's QueueNotify and WaitEvent calls.
 *
 * Each request's id is its tag (slot in a per-queue table) with a
 * generation in the upper half, so that an answer for a tag that is not in
 * flight, or answered twice, is recognised as the backend's fault and not
 * taken for a completion. A backend that goes away (socket end, NEEDS_RESET,
 * or a heartbeat that stands still while requests wait) fails every request
 * in flight with -ENOTCONN: the caller never waits forever.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmi_ring.h>

#include "blk_user_priv.h"

/* Longest single sleep: how often a waiting queue checks the backend. */
#define VMI_BLK_WAIT_SLICE_NS 100000000ull

int vmi_blk_status_errno(uint32_t status)
{
	switch (status) {
	case VMI_BLK_S_OK:
		return 0;
	case VMI_BLK_S_UNSUPP:
		return -EOPNOTSUPP;
	case VMI_BLK_S_INVAL:
		return -EINVAL;
	case VMI_BLK_S_RANGE:
		return -ERANGE;
	case VMI_BLK_S_ROFS:
		return -EROFS;
	case VMI_BLK_S_NOSPC:
		return -ENOSPC;
	case VMI_BLK_S_TIMEOUT:
		return -ETIMEDOUT;
	default: /* IOERR and anything the ABI does not define */
		return -EIO;
	}
}

static bool vmi_blk_has(const struct vmi_blk_dev *d, unsigned int bit)
{
	return d->info.features & VMI_FEATURE(bit);
}

/* ---- the backend's end ------------------------------------------------ */

static void vmi_blk_mark_dead(struct vmi_blk_queue *q, const char *why)
{
	if (!__atomic_exchange_n(&q->d->dead, true, __ATOMIC_ACQ_REL))
		fprintf(stderr, "vmiblk: device %u: %s: failing requests\n",
			q->d->index, why);
}

static bool vmi_blk_is_dead(const struct vmi_blk_queue *q)
{
	return __atomic_load_n(&q->d->dead, __ATOMIC_ACQUIRE);
}

/*
 * Is the backend still serving? Checked when a wait ends without work:
 * its socket's end or NEEDS_RESET at once, a still heartbeat after dead_ns.
 */
static void vmi_blk_check_backend(struct vmi_blk_queue *q, uint64_t now)
{
	struct vmi_blk_dev *d = q->d;
	uint32_t hb;

	if (!vmi_conn_alive(&d->cd.conn)) {
		vmi_blk_mark_dead(q, "the backend is gone");
		return;
	}
	if (!vmi_blk_has(d, VMI_F_HEARTBEAT))
		return;
	hb = vmi_conn_heartbeat(&d->cd.conn);
	if (hb != q->heartbeat || !q->inflight) {
		q->heartbeat = hb;
		q->heartbeat_ns = now;
	} else if (now - q->heartbeat_ns > d->dead_ns) {
		vmi_blk_mark_dead(q, "the backend's heartbeat stopped");
	}
}

/* Complete every request in flight with -ENOTCONN, into the stash. */
static void vmi_blk_fail_all(struct vmi_blk_queue *q)
{
	uint32_t t;

	for (t = 0; t < q->nr_slots; t++) {
		struct vmi_blk_tag *tag = &q->tags[t];

		if (!tag->busy)
			continue;
		tag->busy = false;
		q->free_tags[q->nr_free++] = t;
		q->inflight--;
		if (tag->internal) {
			q->internal_done = true;
			q->internal_error = -ENOTCONN;
			continue;
		}
		q->stash[q->nr_stash++] = (struct vmi_blk_completion){
			.user_data = tag->user_data,
			.error = -ENOTCONN,
			.status = VMI_BLK_S_IOERR,
		};
	}
	q->staged = 0;
}

/* ---- submission ------------------------------------------------------- */

/* A buffer lies in the data area, aligned as the device wants. */
static int vmi_blk_seg(const struct vmi_blk_queue *q, const struct iovec *iov,
		       struct vmi_seg *seg)
{
	uintptr_t base = (uintptr_t)q->data;
	uintptr_t p = (uintptr_t)iov->iov_base;
	uint32_t align = q->d->info.buf_align;

	if (p < base || iov->iov_len > q->data_size ||
	    p - base > q->data_size - iov->iov_len || !iov->iov_len ||
	    (p - base) % align || iov->iov_len % align)
		return -EINVAL;
	seg->offset = vmi_cpu_to_le32((uint32_t)(p - base));
	seg->len = vmi_cpu_to_le32((uint32_t)iov->iov_len);
	return 0;
}

/* Bytes [offset, offset + len) inside the capacity, on logical blocks. */
static int vmi_blk_range(const struct vmi_blk_dev *d, uint64_t offset,
			 uint64_t len)
{
	if (offset % d->info.logical_block_size ||
	    len % d->info.logical_block_size)
		return -EINVAL;
	if (offset > d->info.capacity || len > d->info.capacity - offset)
		return -ERANGE;
	return 0;
}

static int vmi_blk_fill_segs(struct vmi_blk_queue *q,
			     const struct vmi_blk_cmd *cmd, uint32_t tag,
			     struct vmi_blk_req *req)
{
	const struct vmi_blk_info *info = &q->d->info;
	struct vmi_seg *segs = req->seg;
	uint64_t total = 0;
	unsigned int i;
	int ret;

	if (!cmd->nr_iov || cmd->nr_iov > info->max_segs)
		return -EINVAL;
	if (cmd->nr_iov > VMI_BLK_SEGS_INLINE) {
		/*
		 * The list goes to this tag's slice of the indirect table,
		 * taken from the data area on first use.
		 */
		if (!vmi_blk_has(q->d, VMI_F_INDIRECT))
			return -EINVAL;
		if (!q->indirect)
			q->indirect = vmi_blk_alloc(
				q,
				(size_t)q->nr_slots * VMI_MAX_SEGS *
					sizeof(struct vmi_seg),
				0);
		if (!q->indirect)
			return -ENOMEM;
		segs = q->indirect + (size_t)tag * VMI_MAX_SEGS;
		req->flags |= VMI_BLK_REQ_F_INDIRECT;
		req->seg[0].offset =
			vmi_cpu_to_le32((uint32_t)((uint8_t *)segs - q->data));
		req->seg[0].len =
			vmi_cpu_to_le32(cmd->nr_iov * sizeof(struct vmi_seg));
	}
	for (i = 0; i < cmd->nr_iov; i++) {
		ret = vmi_blk_seg(q, &cmd->iov[i], &segs[i]);
		if (ret)
			return ret;
		total += cmd->iov[i].iov_len;
	}
	req->nr_segs = vmi_cpu_to_le16(cmd->nr_iov);
	if (cmd->op == VMI_BLK_OP_GET_ID)
		return cmd->nr_iov == 1 ? 0 : -EINVAL;
	if (total > info->max_transfer)
		return -EINVAL;
	return vmi_blk_range(q->d, cmd->offset, total);
}

/*
 * A multi-range DISCARD / WRITE_ZEROES: the caller's range lists, each in
 * the data area in whole entries, every entry checked as the single form.
 * The entries are the caller's own memory: read here to check them, and
 * the device reads them again (a caller that changes them meanwhile gets
 * the device's answer to what it finds).
 */
static int vmi_blk_fill_ranges(struct vmi_blk_queue *q,
			       const struct vmi_blk_cmd *cmd, uint64_t max,
			       struct vmi_blk_req *req)
{
	const struct vmi_blk_dev *d = q->d;
	uintptr_t base = (uintptr_t)q->data;
	unsigned int i, n = 0;
	size_t k;
	int ret;

	if (!vmi_blk_has(d, VMI_BLK_F_MULTI_RANGE))
		return -EOPNOTSUPP;
	if (cmd->nr_iov > VMI_BLK_SEGS_INLINE || cmd->offset || cmd->len)
		return -EINVAL;
	for (i = 0; i < cmd->nr_iov; i++) {
		const struct iovec *iov = &cmd->iov[i];
		const struct vmi_blk_range *r = iov->iov_base;
		uintptr_t p = (uintptr_t)iov->iov_base;
		size_t nr = iov->iov_len / sizeof(*r);

		if (p < base || iov->iov_len > q->data_size ||
		    p - base > q->data_size - iov->iov_len || !nr ||
		    (p - base) % sizeof(*r) || iov->iov_len % sizeof(*r) ||
		    nr > d->info.max_discard_segs - n)
			return -EINVAL;
		for (k = 0; k < nr; k++) {
			uint64_t sectors = vmi_le32_to_cpu(r[k].nr_sectors);
			uint64_t len = sectors << VMI_BLK_SECTOR_SHIFT;

			if (vmi_le32_to_cpu(r[k].flags) || !len || len > max ||
			    vmi_le64_to_cpu(r[k].sector) > UINT64_MAX >>
				    VMI_BLK_SECTOR_SHIFT)
				return -EINVAL;
			ret = vmi_blk_range(d,
					    vmi_le64_to_cpu(r[k].sector)
						    << VMI_BLK_SECTOR_SHIFT,
					    len);
			if (ret)
				return ret;
		}
		n += (unsigned int)nr;
		req->seg[i].offset = vmi_cpu_to_le32((uint32_t)(p - base));
		req->seg[i].len = vmi_cpu_to_le32((uint32_t)iov->iov_len);
	}
	req->sector = 0;
	req->nr_segs = vmi_cpu_to_le16(cmd->nr_iov);
	return 0;
}

/* The request as the device will see it, checked as the device will. */
static int vmi_blk_build(struct vmi_blk_queue *q, const struct vmi_blk_cmd *cmd,
			 uint32_t tag, struct vmi_blk_req *req)
{
	const struct vmi_blk_dev *d = q->d;

	memset(req, 0, sizeof(*req));
	req->op = cmd->op;
	req->flags = cmd->flags;
	req->sector = vmi_cpu_to_le64(cmd->offset >> VMI_BLK_SECTOR_SHIFT);
	switch (cmd->op) {
	case VMI_BLK_OP_READ:
		if (cmd->flags)
			return -EINVAL;
		return vmi_blk_fill_segs(q, cmd, tag, req);
	case VMI_BLK_OP_WRITE:
		if (d->info.read_only)
			return -EROFS;
		if (cmd->flags & ~VMI_BLK_REQ_F_FUA ||
		    ((cmd->flags & VMI_BLK_REQ_F_FUA) &&
		     !vmi_blk_has(d, VMI_BLK_F_FUA)))
			return -EINVAL;
		return vmi_blk_fill_segs(q, cmd, tag, req);
	case VMI_BLK_OP_FLUSH:
		req->sector = 0;
		return vmi_blk_has(d, VMI_BLK_F_FLUSH) ? 0 : -EOPNOTSUPP;
	case VMI_BLK_OP_DISCARD:
	case VMI_BLK_OP_WRITE_ZEROES: {
		bool discard = cmd->op == VMI_BLK_OP_DISCARD;
		uint64_t max = discard ? d->info.max_discard_bytes :
					 d->info.max_write_zeroes_bytes;

		if (!vmi_blk_has(d, discard ? VMI_BLK_F_DISCARD :
					      VMI_BLK_F_WRITE_ZEROES))
			return -EOPNOTSUPP;
		if (d->info.read_only)
			return -EROFS;
		if (cmd->flags & ~(discard ? 0 : VMI_BLK_REQ_F_UNMAP))
			return -EINVAL;
		if (cmd->nr_iov)
			return vmi_blk_fill_ranges(q, cmd, max, req);
		if (!cmd->len || cmd->len > max)
			return -EINVAL;
		req->nr_sectors = vmi_cpu_to_le32(
			(uint32_t)(cmd->len >> VMI_BLK_SECTOR_SHIFT));
		return vmi_blk_range(d, cmd->offset, cmd->len);
	}
	case VMI_BLK_OP_GET_ID:
		if (!vmi_blk_has(d, VMI_BLK_F_GET_ID))
			return -EOPNOTSUPP;
		return cmd->flags ? -EINVAL :
				    vmi_blk_fill_segs(q, cmd, tag, req);
	case VMI_BLK_OP_SET_CACHE:
		req->sector = 0;
		if (!vmi_blk_has(d, VMI_BLK_F_CONFIG_WCE) ||
		    !vmi_blk_has(d, VMI_BLK_F_FLUSH))
			return -EOPNOTSUPP;
		return cmd->flags & ~VMI_BLK_REQ_F_WCE || cmd->nr_iov ?
			       -EINVAL :
			       0;
	default:
		return -EOPNOTSUPP;
	}
}

/* What an OK answer's len must be: the ABI has no partial success. */
static uint32_t vmi_blk_want_len(const struct vmi_blk_cmd *cmd)
{
	uint64_t total = 0;
	unsigned int i;

	if (cmd->op == VMI_BLK_OP_GET_ID)
		return VMI_BLK_ID_BYTES;
	if (cmd->op != VMI_BLK_OP_READ && cmd->op != VMI_BLK_OP_WRITE)
		return 0;
	for (i = 0; i < cmd->nr_iov; i++)
		total += cmd->iov[i].iov_len;
	return (uint32_t)total; /* <= max_transfer: checked by the build */
}

static int vmi_blk_submit_tagged(struct vmi_blk_queue *q,
				 const struct vmi_blk_cmd *cmd, bool internal)
{
	struct vmi_blk_req req;
	struct vmi_blk_tag *t;
	uint32_t tag;
	int room, ret;

	if (vmi_blk_is_dead(q))
		return -ENOTCONN;
	/* Stashed answers count: fail_all() must find room for every tag. */
	if (!q->nr_free || q->inflight + q->nr_stash >= q->nr_slots)
		return -EBUSY;
	tag = q->free_tags[q->nr_free - 1];
	ret = vmi_blk_build(q, cmd, tag, &req);
	if (ret)
		return ret;
	/* Never fails while tags are free: nr_slots tags, nr_slots slots. */
	room = vmi_ring_prod_reserve(&q->req, q->staged + 1);
	if (room < 0) {
		vmi_blk_mark_dead(q,
				  "request ring consumer index out of range");
		return -ENOTCONN;
	}
	if ((uint32_t)room < q->staged + 1)
		return -EBUSY;
	t = &q->tags[tag];
	t->want_len = vmi_blk_want_len(cmd);
	t->gen++;
	t->busy = true;
	t->internal = internal;
	t->user_data = cmd->user_data;
	req.id = vmi_cpu_to_le64((uint64_t)t->gen << 32 | tag);
	memcpy(vmi_ring_prod_slot(&q->req, q->staged), &req, sizeof(req));
	q->staged++;
	q->nr_free--;
	q->inflight++;
	return 0;
}

int vmi_blk_submit(struct vmi_blk_queue *q, const struct vmi_blk_cmd *cmd)
{
	return vmi_blk_submit_tagged(q, cmd, false);
}

int vmi_blk_commit(struct vmi_blk_queue *q)
{
	if (!q->staged)
		return 0;
	if (vmi_ring_prod_publish(&q->req, q->staged))
		vmi_conn_notify(&q->d->cd.conn, q->index);
	q->staged = 0;
	return 0;
}

unsigned int vmi_blk_inflight(const struct vmi_blk_queue *q)
{
	return q->inflight;
}

/* ---- completion ------------------------------------------------------- */

/* One answer: its tag must be in flight with the same generation. */
static int vmi_blk_complete(struct vmi_blk_queue *q,
			    const struct vmi_blk_rsp *rsp,
			    struct vmi_blk_completion *out, bool *internal)
{
	uint64_t id = vmi_le64_to_cpu(rsp->id);
	uint32_t tag = (uint32_t)id, gen = (uint32_t)(id >> 32);
	uint32_t status = vmi_le32_to_cpu(rsp->status);
	struct vmi_blk_tag *t;

	if (tag >= q->nr_slots || !q->tags[tag].busy || q->tags[tag].gen != gen)
		return -EPROTO;
	t = &q->tags[tag];
	t->busy = false;
	q->free_tags[q->nr_free++] = tag;
	q->inflight--;
	*internal = t->internal;
	out->user_data = t->user_data;
	out->status = status;
	out->error = vmi_blk_status_errno(status);
	out->len = status ? 0 : vmi_le32_to_cpu(rsp->len);
	/* An OK answer moved all of the request, or it failed. */
	if (!status && out->len != t->want_len)
		out->error = -EIO;
	return 0;
}

/* Take up to max answers from the response ring into c. */
static int vmi_blk_drain(struct vmi_blk_queue *q, struct vmi_blk_completion *c,
			 unsigned int max)
{
	struct vmi_blk_rsp rsp;
	unsigned int i, n = 0;
	int avail;

	avail = vmi_ring_cons_peek(&q->rsp);
	if (avail < 0) {
		vmi_blk_mark_dead(q, "response ring indices out of range");
		return 0;
	}
	for (i = 0; i < (unsigned int)avail && n < max; i++) {
		bool internal;

		vmi_ring_cons_copy(&q->rsp, i, &rsp);
		if (vmi_blk_complete(q, &rsp, &c[n], &internal)) {
			vmi_blk_mark_dead(q, "an answer for no request");
			break;
		}
		if (internal) {
			q->internal_done = true;
			q->internal_error = c[n].error;
		} else {
			n++;
		}
	}
	if (i && vmi_ring_cons_release(&q->rsp, i))
		vmi_conn_notify(&q->d->cd.conn,
				q->index); /* it waits for room */
	return (int)n;
}

static unsigned int vmi_blk_take_stash(struct vmi_blk_queue *q,
				       struct vmi_blk_completion *c,
				       unsigned int max)
{
	unsigned int n = q->nr_stash < max ? q->nr_stash : max;

	memcpy(c, q->stash, n * sizeof(*c));
	q->nr_stash -= n;
	memmove(q->stash, q->stash + n, q->nr_stash * sizeof(*c));
	return n;
}

/*
 * How long to poll before sleeping, in adaptive mode: poll_ns divided by
 * the square of the requests in flight. With one request the guest polls
 * through a disk's whole latency and no wake-up sits on the critical path
 * (the QD1 latency); with many, one wake-up brings a batch of answers, and
 * a guest that spins takes the CPU the backend (or the hypervisor's own
 * I/O thread) needs: measured here, a polling guest at iodepth 32 lost up
 * to a fifth of the IOPS that a sleeping one kept.
 */
static uint64_t vmi_blk_poll_budget(const struct vmi_blk_queue *q)
{
	uint64_t n = q->inflight ? q->inflight : 1;

	return q->d->poll_ns / (n * n);
}

/*
 * Nothing to reap: spin (poll, adaptive within budget) or arm the response
 * ring's event index, re-check, and sleep in the ROM's WaitEvent for at
 * most until deadline (and one slice, to check on the backend).
 */
static void vmi_blk_idle(struct vmi_blk_queue *q, uint64_t now,
			 uint64_t last_work, uint64_t deadline)
{
	const struct vmi_blk_dev *d = q->d;
	uint64_t slice;
	int ret;

	if (d->mode == VMI_BLK_WAIT_POLL ||
	    (d->mode == VMI_BLK_WAIT_ADAPTIVE &&
	     now - last_work < vmi_blk_poll_budget(q))) {
		if (now - q->checked_ns > VMI_BLK_WAIT_SLICE_NS) {
			q->checked_ns = now;
			vmi_blk_check_backend(q, now);
		}
		vmi_conn_cpu_relax();
		return;
	}
	ret = vmi_ring_cons_arm(&q->rsp);
	if (ret != 0) {
		if (ret < 0)
			vmi_blk_mark_dead(q,
					  "response ring indices out of range");
		return;
	}
	slice = deadline - now < VMI_BLK_WAIT_SLICE_NS ? deadline - now :
							 VMI_BLK_WAIT_SLICE_NS;
	if (vmi_conn_wait(&d->cd.conn, q->index, (int64_t)slice) <= 0) {
		q->checked_ns = vmi_conn_now_ns();
		vmi_blk_check_backend(q, q->checked_ns);
	}
}

int vmi_blk_reap(struct vmi_blk_queue *q, struct vmi_blk_completion *c,
		 unsigned int max, unsigned int min, int64_t timeout_ns)
{
	uint64_t now = vmi_conn_now_ns(), last_work = now;
	uint64_t deadline = timeout_ns < 0 ? UINT64_MAX : now + timeout_ns;
	unsigned int n;

	if (min > max)
		min = max;
	vmi_blk_commit(q);
	n = vmi_blk_take_stash(q, c, max);
	for (;;) {
		unsigned int got =
			(unsigned int)vmi_blk_drain(q, c + n, max - n);

		n += got;
		if (n >= min || n == max)
			return (int)n;
		if (vmi_blk_is_dead(q)) {
			vmi_blk_fail_all(q);
			return (int)(n + vmi_blk_take_stash(q, c + n, max - n));
		}
		/* Wait for nothing that cannot come. */
		if (!q->inflight)
			return (int)n;
		now = vmi_conn_now_ns();
		if (got)
			last_work = now;
		if (now >= deadline)
			return (int)n;
		vmi_blk_idle(q, now, last_work, deadline);
	}
}

int vmi_blk_exec(struct vmi_blk_queue *q, const struct vmi_blk_cmd *cmd)
{
	uint64_t last_work = vmi_conn_now_ns();
	int ret;

	q->internal_done = false;
	ret = vmi_blk_submit_tagged(q, cmd, true);
	if (ret)
		return ret;
	vmi_blk_commit(q);
	/* Other answers that arrive meanwhile wait in the stash. */
	while (!q->internal_done) {
		uint64_t now;
		int got = vmi_blk_drain(q, q->stash + q->nr_stash,
					q->nr_slots - q->nr_stash);

		q->nr_stash += (unsigned int)got;
		if (q->internal_done)
			break;
		if (vmi_blk_is_dead(q)) {
			vmi_blk_fail_all(q);
			break;
		}
		now = vmi_conn_now_ns();
		if (got)
			last_work = now;
		vmi_blk_idle(q, now, last_work, UINT64_MAX);
	}
	return q->internal_error;
}

int vmi_blk_flush(struct vmi_blk_queue *q)
{
	struct vmi_blk_cmd cmd = { .op = VMI_BLK_OP_FLUSH };

	return vmi_blk_exec(q, &cmd);
}

int vmi_blk_cache_mode(const struct vmi_blk_dev *d)
{
	const struct vmi_blk_config *c =
		(const struct vmi_blk_config *)d->cd.conn.shm->config;
	uint8_t wb;

	if (!vmi_blk_has(d, VMI_BLK_F_CONFIG_WCE))
		return -EOPNOTSUPP;
	wb = __atomic_load_n(&c->writeback, __ATOMIC_RELAXED);
	return wb <= 1 ? wb : -EPROTO;
}

int vmi_blk_set_cache(struct vmi_blk_queue *q, bool writeback)
{
	struct vmi_blk_cmd cmd = {
		.op = VMI_BLK_OP_SET_CACHE,
		.flags = writeback ? VMI_BLK_REQ_F_WCE : 0,
	};
	int ret = vmi_blk_exec(q, &cmd);

	/* The host shows the mode before it answers (the ring orders it). */
	if (!ret && vmi_blk_cache_mode(q->d) != writeback)
		return -EPROTO;
	return ret;
}

/* ---- data-area allocator ---------------------------------------------- */

/*
 * First fit over the allocations kept sorted by offset. The bookkeeping
 * lives in private memory: the backend can write the data area, so it
 * must hold nothing but data.
 */
void *vmi_blk_alloc(struct vmi_blk_queue *q, size_t len, size_t align)
{
	uint64_t at = 0;
	unsigned int i;

	if (align < q->d->info.buf_align)
		align = q->d->info.buf_align;
	if (!len || (align & (align - 1)) || len > q->data_size)
		return NULL;
	pthread_mutex_lock(&q->alloc_lock);
	for (i = 0; i <= q->nr_allocs; i++) {
		uint64_t end = i < q->nr_allocs ? q->allocs[i].offset :
						  q->data_size;

		at = (at + align - 1) & ~(uint64_t)(align - 1);
		if (at + len <= end)
			break;
		if (i < q->nr_allocs)
			at = q->allocs[i].offset + q->allocs[i].len;
	}
	if (i > q->nr_allocs || q->nr_allocs == VMI_BLK_MAX_ALLOCS) {
		pthread_mutex_unlock(&q->alloc_lock);
		return NULL;
	}
	memmove(&q->allocs[i + 1], &q->allocs[i],
		(q->nr_allocs - i) * sizeof(q->allocs[0]));
	q->allocs[i].offset = at;
	q->allocs[i].len = len;
	q->nr_allocs++;
	pthread_mutex_unlock(&q->alloc_lock);
	return q->data + at;
}

void vmi_blk_free(struct vmi_blk_queue *q, void *p)
{
	uint64_t off = (uint64_t)((uint8_t *)p - q->data);
	unsigned int i;

	if (!p)
		return;
	pthread_mutex_lock(&q->alloc_lock);
	for (i = 0; i < q->nr_allocs; i++) {
		if (q->allocs[i].offset == off) {
			q->nr_allocs--;
			memmove(&q->allocs[i], &q->allocs[i + 1],
				(q->nr_allocs - i) * sizeof(q->allocs[0]));
			break;
		}
	}
	pthread_mutex_unlock(&q->alloc_lock);
}

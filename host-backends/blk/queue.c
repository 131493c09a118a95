// SPDX-License-Identifier: GPL-2.0-only
/*
 * One queue of one guest: a thread that moves requests from the guest's
 * request ring through the validator to the target, and answers on the
 * response ring. Each pass of the loop
 *
 *   takes at most the ring's size of requests, and never more than the
 *   response ring has room to answer, copying each slot out before it is
 *   checked; hands them to the target (a file's go to io_uring in one
 *   call, a remote engine's to its own queue); reaps every completion
 *   there is; publishes all answers with one index store; notifies the
 *   guest at most once.
 *
 * Answers are written straight into response slots: a request is taken
 * only when a slot for its answer is free ("owed" counts the slots spoken
 * for), so a guest that stops taking answers stops being served, costs
 * nothing, and cannot make the backend queue answers in its own memory.
 *
 * When a pass finds nothing, the thread polls on for poll_ns (adaptive),
 * forever (poll) or not at all (interrupt), then arms the ring's event
 * indices, re-checks, and sleeps in io_uring until either a completion or a
 * read of the kick eventfd (kept queued in the same io_uring) wakes it: one
 * wait for both kinds of work. A remote target's socket or eventfd is
 * polled in the same io_uring, and its deadlines bound the sleep.
 *
 * Data moves between the target and the guest's data area with no copy:
 * the data area is registered as io_uring's fixed buffer 0, and remote
 * engines read and write it in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blkback.h"

#define VMI_BLKBACK_MAX_IOS 1024 /* requests in flight per queue */
#define VMI_BLKBACK_CQE_BATCH 64
#define VMI_BLKBACK_KICK_DATA 0 /* user_data of the kick read */
/* user_data of the target's poll (with its generation) and its removal */
#define VMI_BLKBACK_TPOLL_DATA (1ull << 63)
#define VMI_BLKBACK_TPOLL_REMOVE (~0ull)
#define VMI_BLKBACK_DRAIN_NS 10000000ull

static enum vmi_blk_status vmi_blkback_errno_status(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return VMI_BLK_S_NOSPC;
	case EOPNOTSUPP:
		return VMI_BLK_S_UNSUPP;
	default:
		return VMI_BLK_S_IOERR;
	}
}

uint64_t vmi_blkback_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline void vmi_blkback_cpu_relax(void)
{
	__builtin_ia32_pause();
}

/* Relaxed stores: the stats reader runs in the loop thread. */
#define VMI_STAT_ADD(q, field, n)                                   \
	__atomic_store_n(&(q)->stats.field, (q)->stats.field + (n), \
			 __ATOMIC_RELAXED)
#define VMI_STAT_SET(q, field, v) \
	__atomic_store_n(&(q)->stats.field, (v), __ATOMIC_RELAXED)

static void vmi_blkback_count(struct vmi_blkback_queue *q,
			      const struct vmi_blk_io *io,
			      enum vmi_blk_status st)
{
	VMI_STAT_ADD(q, requests, 1);
	if (st) {
		VMI_STAT_ADD(q, errors, 1);
		return;
	}
	switch (io->op) {
	case VMI_BLK_OP_READ:
		VMI_STAT_ADD(q, reads, 1);
		VMI_STAT_ADD(q, read_bytes, io->len);
		break;
	case VMI_BLK_OP_WRITE:
		VMI_STAT_ADD(q, writes, 1);
		VMI_STAT_ADD(q, write_bytes, io->len);
		break;
	case VMI_BLK_OP_FLUSH:
		VMI_STAT_ADD(q, flushes, 1);
		break;
	case VMI_BLK_OP_DISCARD:
		VMI_STAT_ADD(q, discards, 1);
		break;
	case VMI_BLK_OP_WRITE_ZEROES:
		VMI_STAT_ADD(q, write_zeroes, 1);
		break;
	case VMI_BLK_OP_SET_CACHE:
		VMI_STAT_ADD(q, set_caches, 1);
		break;
	default:
		VMI_STAT_ADD(q, get_ids, 1);
		break;
	}
}

/*
 * Write the answer to one request into the next free response slot; it is
 * published with the others at the end of the pass. The slot is free: the
 * request was taken only when one was (see vmi_blkback_take_batch()).
 */
static void vmi_blkback_answer(struct vmi_blkback_queue *q,
			       const struct vmi_blk_io *io,
			       enum vmi_blk_status st)
{
	struct vmi_blk_rsp *r = vmi_ring_prod_slot(&q->rsp, q->staged++);
	uint32_t len = 0;

	if (!st && (io->op == VMI_BLK_OP_READ || io->op == VMI_BLK_OP_WRITE ||
		    io->op == VMI_BLK_OP_GET_ID))
		len = (uint32_t)io->len;
	r->id = vmi_cpu_to_le64(io->id);
	r->status = vmi_cpu_to_le32(st);
	r->len = vmi_cpu_to_le32(len);
	vmi_blkback_count(q, io, st);
}

static void vmi_blkback_put_io(struct vmi_blkback_queue *q,
			       struct vmi_blkback_io *bio)
{
	q->free_ios[q->nr_free++] = (uint32_t)(bio - q->ios);
}

/* Every SQE we ask for exists: the SQ has room for nr_ios + 2. */
struct io_uring_sqe *vmi_blkback_sqe(struct vmi_blkback_queue *q,
				     struct vmi_blkback_io *bio)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	io_uring_sqe_set_data64(sqe, (uint64_t)(bio - q->ios) + 1);
	return sqe;
}

void vmi_blkback_io_iov(struct vmi_blkback_queue *q, struct vmi_blkback_io *bio)
{
	unsigned int i;

	for (i = 0; i < bio->io.nr_segs; i++) {
		bio->iov[i].iov_base = q->data + bio->io.seg[i].offset;
		bio->iov[i].iov_len = bio->io.seg[i].len;
	}
}

static const char *vmi_blkback_op_name(uint32_t op)
{
	static const char *const names[] = {
		[VMI_BLK_OP_READ] = "read",
		[VMI_BLK_OP_WRITE] = "write",
		[VMI_BLK_OP_FLUSH] = "flush",
		[VMI_BLK_OP_DISCARD] = "discard",
		[VMI_BLK_OP_WRITE_ZEROES] = "write-zeroes",
		[VMI_BLK_OP_GET_ID] = "get-id",
		[VMI_BLK_OP_SET_CACHE] = "set-cache",
	};

	return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] :
								    "?";
}

/*
 * The target's error, logged with the target's name: the first of a
 * second in full, the others of that second as a count (a target that
 * went away fails every request, and the log must stay readable).
 */
static void vmi_blkback_log_error(struct vmi_blkback_queue *q,
				  const struct vmi_blk_io *io, int err)
{
	uint64_t now = vmi_blkback_now_ns();
	const struct vmi_blkback_target *t = &q->bg->bb->target;

	if (now - q->err_log_ns < 1000000000ull && q->err_log_ns) {
		q->err_unlogged++;
		return;
	}
	vmi_transport_log(
		q->bg->bb->transport,
		"%s queue %u: %s target %s: %s of %llu bytes at %llu: %s (%llu more errors in the last second)",
		q->bg->g->name, q->index, t->ops->kind, t->path,
		vmi_blkback_op_name(io->op), (unsigned long long)io->len,
		(unsigned long long)io->offset, strerror(-err),
		(unsigned long long)q->err_unlogged);
	q->err_log_ns = now;
	q->err_unlogged = 0;
}

void vmi_blkback_io_done(struct vmi_blkback_queue *q,
			 struct vmi_blkback_io *bio, int err)
{
	enum vmi_blk_status st = VMI_BLK_S_OK;

	if (err) {
		st = vmi_blkback_errno_status(-err);
		vmi_blkback_log_error(q, &bio->io, err);
	}
	vmi_blkback_answer(q, &bio->io, st);
	vmi_blkback_put_io(q, bio);
}

/*
 * SET_CACHE: the guest's whole device (every queue) changes mode at once,
 * and its config says so before the answer is published (the response
 * ring's release orders the two). Not a generation bump: the guest asked,
 * and learns the outcome from the answer.
 */
static void vmi_blkback_set_cache(struct vmi_blkback_queue *q, bool writeback)
{
	struct vmi_blk_config *cfg =
		(struct vmi_blk_config *)q->bg->g->shm->config;

	__atomic_store_n(&q->bg->write_through, !writeback, __ATOMIC_RELAXED);
	__atomic_store_n(&cfg->writeback, writeback, __ATOMIC_RELAXED);
}

/* One request, from its slot copy: answer it now or hand it to the target. */
static void vmi_blkback_take(struct vmi_blkback_queue *q,
			     const struct vmi_blk_req *req)
{
	struct vmi_blkback_target *t = &q->bg->bb->target;
	struct vmi_blkback_io *bio = &q->ios[q->free_ios[--q->nr_free]];
	struct vmi_blk_io *io = &bio->io;
	enum vmi_blk_status st;
	int ret;

	st = vmi_blk_req_check(req, q->data, &q->bg->lim, io);
	if (st) {
		VMI_STAT_ADD(q, refused, 1);
		goto answer;
	}
	if (io->op == VMI_BLK_OP_GET_ID) {
		memcpy(q->data + io->seg[0].offset, t->serial, io->len);
		goto answer;
	}
	if (io->op == VMI_BLK_OP_SET_CACHE) {
		vmi_blkback_set_cache(q, io->flags & VMI_BLK_REQ_F_WCE);
		/* Write-through: what was written before must be stable
		 * too, so the answer waits for a flush. */
		if (io->flags & VMI_BLK_REQ_F_WCE)
			goto answer;
	}
	bio->punched = false;
	bio->range_at = 0;
	bio->done = 0;
	bio->flushed = false;
	bio->err = 0;
	bio->parts = 0;
	ret = t->ops->submit(q, bio);
	if (ret != -EINPROGRESS)
		vmi_blkback_io_done(q, bio, ret);
	return;
answer:
	vmi_blkback_answer(q, io, st);
	vmi_blkback_put_io(q, bio);
}

static void vmi_blkback_count_batch(struct vmi_blkback_queue *q, uint32_t n)
{
	unsigned int b = 0;

	while (b + 1 < VMI_BLKBACK_BATCH_BUCKETS && n >> (b + 1))
		b++;
	VMI_STAT_ADD(q, batches, 1);
	VMI_STAT_ADD(q, batch_hist[b], 1);
	if (n > q->stats.batch_max)
		VMI_STAT_SET(q, batch_max, n);
}

/*
 * Free response slots not yet spoken for, or -EPROTO (the guest's
 * consumer index is impossible).
 */
static int vmi_blkback_rsp_room(struct vmi_blkback_queue *q)
{
	int room = vmi_ring_prod_reserve(&q->rsp, q->nr_slots);

	if (room < 0)
		return room;
	return (uint32_t)room > q->owed ? (int)((uint32_t)room - q->owed) : 0;
}

/*
 * Take what the request ring holds, bounded by the ring's size (the ring
 * code refuses indices that claim more), by free contexts and by the
 * response slots left. Returns the number taken, or -EPROTO.
 */
static int vmi_blkback_take_batch(struct vmi_blkback_queue *q, bool *notify)
{
	struct vmi_blk_req req;
	int avail, room;
	uint32_t i, n;

	avail = vmi_ring_cons_peek(&q->req);
	if (avail < 0) {
		vmi_host_guest_fail(
			q->bg->g,
			"queue %u: request ring producer index out of range",
			q->index);
		return -EPROTO;
	}
	if (!avail)
		return 0;
	room = vmi_blkback_rsp_room(q);
	if (room < 0) {
		vmi_host_guest_fail(
			q->bg->g,
			"queue %u: response ring consumer index out of range",
			q->index);
		return -EPROTO;
	}
	n = (uint32_t)avail;
	if (n > q->nr_free)
		n = q->nr_free;
	if (n > (uint32_t)room)
		n = (uint32_t)room;
	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		vmi_ring_cons_copy(&q->req, i, &req);
		vmi_blkback_take(q, &req);
	}
	q->owed += n;
	if (vmi_ring_cons_release(&q->req, n))
		*notify = true;
	vmi_blkback_count_batch(q, n);
	return (int)n;
}

/*
 * Completions to answers; returns how many requests completed (a kick's
 * read is not work: a guest that kicks for nothing must not keep us
 * polling).
 */
static unsigned int vmi_blkback_reap(struct vmi_blkback_queue *q)
{
	const struct vmi_blkback_target_ops *ops = q->bg->bb->target.ops;
	struct io_uring_cqe *cqes[VMI_BLKBACK_CQE_BATCH];
	unsigned int i, n, done = 0;

	n = io_uring_peek_batch_cqe(&q->ring, cqes, VMI_BLKBACK_CQE_BATCH);
	for (i = 0; i < n; i++) {
		uint64_t ud = io_uring_cqe_get_data64(cqes[i]);
		struct vmi_blkback_io *bio;
		int ret;

		if (ud == VMI_BLKBACK_KICK_DATA) {
			q->kick_armed = false;
			continue;
		}
		if (ud == VMI_BLKBACK_TPOLL_REMOVE)
			continue;
		if (ud & VMI_BLKBACK_TPOLL_DATA) {
			if ((uint32_t)ud == q->tpoll_gen)
				q->tpoll_armed = false;
			continue;
		}
		bio = &q->ios[ud - 1];
		ret = ops->cqe(q, bio, cqes[i]->res);
		if (ret == -EINPROGRESS)
			continue;
		done++;
		vmi_blkback_io_done(q, bio, ret);
	}
	io_uring_cq_advance(&q->ring, n);
	return done;
}

/* All answers written this pass become visible with one index store. */
static void vmi_blkback_publish(struct vmi_blkback_queue *q, bool *notify)
{
	if (!q->staged)
		return;
	if (vmi_ring_prod_publish(&q->rsp, q->staged))
		*notify = true;
	q->owed -= q->staged;
	q->staged = 0;
}

/*
 * Keep the target's fd polled in io_uring with the events it wants now
 * (a changed fd or change of events replaces the poll); returns the time
 * the target must be called again by, 0 for none.
 */
static uint64_t vmi_blkback_tpoll(struct vmi_blkback_queue *q, uint64_t now)
{
	const struct vmi_blkback_target_ops *ops = q->bg->bb->target.ops;
	struct io_uring_sqe *sqe;
	uint64_t wake_ns = 0;
	short events = 0;
	int fd;

	if (!ops->wait)
		return 0;
	fd = ops->wait(q, now, &events, &wake_ns);
	if (q->tpoll_armed &&
	    (fd != q->tpoll_fd || events != q->tpoll_events)) {
		sqe = io_uring_get_sqe(&q->ring);
		io_uring_prep_poll_remove(sqe, VMI_BLKBACK_TPOLL_DATA |
						       q->tpoll_gen);
		io_uring_sqe_set_data64(sqe, VMI_BLKBACK_TPOLL_REMOVE);
		q->tpoll_armed = false;
	}
	if (fd >= 0 && !q->tpoll_armed) {
		sqe = io_uring_get_sqe(&q->ring);
		io_uring_prep_poll_add(sqe, fd, (unsigned int)events);
		io_uring_sqe_set_data64(sqe, VMI_BLKBACK_TPOLL_DATA |
						     ++q->tpoll_gen);
		q->tpoll_fd = fd;
		q->tpoll_events = events;
		q->tpoll_armed = true;
	}
	return wake_ns;
}

/*
 * Submit what is queued and wait for one completion, no later than the
 * target's next deadline or max_ns from now (0: no bound of ours).
 */
static int vmi_blkback_wait(struct vmi_blkback_queue *q, uint64_t max_ns)
{
	uint64_t now = vmi_blkback_now_ns();
	uint64_t wake_ns = vmi_blkback_tpoll(q, now);
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;

	if (max_ns && (!wake_ns || wake_ns > now + max_ns))
		wake_ns = now + max_ns;
	if (!wake_ns)
		return io_uring_submit_and_wait(&q->ring, 1);
	wake_ns = wake_ns > now ? wake_ns - now : 0;
	ts.tv_sec = (long long)(wake_ns / 1000000000ull);
	ts.tv_nsec = (long long)(wake_ns % 1000000000ull);
	return io_uring_submit_and_wait_timeout(&q->ring, &cqe, 1, &ts, NULL);
}

/*
 * Nothing to do: arm the event index of what we wait for, re-check, and
 * sleep until a kick or a completion. What we wait for: new requests; or,
 * when requests wait but every free response slot is spoken for, the guest
 * taking answers (it kicks when it moves past cons_event). Completions of
 * I/O in flight wake us by themselves. Returns -EPROTO after failing the
 * guest, else 0.
 */
static int vmi_blkback_sleep(struct vmi_blkback_queue *q)
{
	struct io_uring_sqe *sqe;
	int ret;

	ret = vmi_ring_cons_arm(&q->req);
	if (ret > 0 && q->nr_free) {
		ret = vmi_blkback_rsp_room(q);
		if (ret == 0) {
			ret = vmi_ring_prod_arm(&q->rsp);
			if (ret >= 0)
				ret = (uint32_t)ret > q->owed;
		}
		if (ret > 0)
			return 0; /* requests, and room to answer them */
	}
	if (ret < 0) {
		vmi_host_guest_fail(q->bg->g,
				    "queue %u: ring indices out of range",
				    q->index);
		return -EPROTO;
	}
	if (__atomic_load_n(&q->stop, __ATOMIC_ACQUIRE))
		return 0;
	if (!q->kick_armed) {
		sqe = io_uring_get_sqe(&q->ring);
		io_uring_prep_read(sqe, q->kick_fd, &q->kick_val,
				   sizeof(q->kick_val), 0);
		io_uring_sqe_set_data64(sqe, VMI_BLKBACK_KICK_DATA);
		q->kick_armed = true;
	}
	VMI_STAT_ADD(q, sleeps, 1);
	ret = vmi_blkback_wait(q, 0);
	if (ret < 0 && ret != -EINTR && ret != -ETIME) {
		vmi_transport_log(q->bg->bb->transport,
				  "%s queue %u: io_uring_enter: %s",
				  q->bg->g->name, q->index, strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * Reap the file target's completions and drive a remote one; returns how
 * many requests were answered.
 */
static unsigned int vmi_blkback_complete(struct vmi_blkback_queue *q)
{
	const struct vmi_blkback_target_ops *ops = q->bg->bb->target.ops;
	unsigned int done = vmi_blkback_reap(q);

	if (ops->progress)
		done += ops->progress(q, vmi_blkback_now_ns());
	return done;
}

/*
 * The guest's memory is unmapped after us: let the I/O in flight finish
 * (a remote target's deadlines bound how long that takes).
 */
static void vmi_blkback_drain(struct vmi_blkback_queue *q)
{
	int ret;

	vmi_blkback_complete(q);
	while (q->nr_free < q->nr_ios) {
		ret = vmi_blkback_wait(q, VMI_BLKBACK_DRAIN_NS);
		if (ret < 0 && ret != -EINTR && ret != -ETIME)
			break;
		vmi_blkback_complete(q);
	}
}

/*
 * How long an idle pass polls on (adaptive mode): not at all while a
 * remote engine holds our requests. Its answer wakes us through the fd
 * we poll, and spinning would take the CPU the server (nbdkit, an OSD)
 * needs on this machine (measured: spinning there halves the NBD
 * target's IOPS on two vCPUs).
 */
static uint64_t vmi_blkback_poll_budget(const struct vmi_blkback_queue *q)
{
	if (q->bg->bb->target.ops->wait && q->nr_free < q->nr_ios)
		return 0;
	return q->bg->bb->poll_ns;
}

static void *vmi_blkback_queue_main(void *arg)
{
	struct vmi_blkback_queue *q = arg;
	struct vmi_blkback *bb = q->bg->bb;
	uint64_t last_work = vmi_blkback_now_ns();

	while (!__atomic_load_n(&q->stop, __ATOMIC_ACQUIRE)) {
		bool notify = false;
		unsigned int done;
		int took;

		took = vmi_blkback_take_batch(q, &notify);
		if (took < 0)
			break;
		if (io_uring_sq_ready(&q->ring))
			io_uring_submit(&q->ring);
		done = vmi_blkback_complete(q);
		vmi_blkback_publish(q, &notify);
		VMI_STAT_SET(q, inflight, q->owed);
		if (q->owed > q->stats.inflight_max)
			VMI_STAT_SET(q, inflight_max, q->owed);
		if (notify) {
			vmi_host_guest_notify(q->bg->g, q->index);
			VMI_STAT_ADD(q, notifies, 1);
		}
		if (took || done) {
			if (bb->mode == VMI_BLKBACK_ADAPTIVE)
				last_work = vmi_blkback_now_ns();
			continue;
		}
		if (bb->mode == VMI_BLKBACK_POLL ||
		    (bb->mode == VMI_BLKBACK_ADAPTIVE &&
		     vmi_blkback_now_ns() - last_work <
			     vmi_blkback_poll_budget(q))) {
			vmi_blkback_cpu_relax();
			continue;
		}
		/* Woken for work, we find it and poll on; woken for
		 * nothing, we sleep again at once. */
		if (vmi_blkback_sleep(q) < 0)
			break;
	}
	vmi_blkback_drain(q);
	return NULL;
}

static int vmi_blkback_ring_init(struct vmi_blkback_queue *q,
				 uint32_t data_size)
{
	struct io_uring_params p = {
		/* No IPIs for completions: our thread reaps them itself. */
		.flags = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
			 IORING_SETUP_CQSIZE,
		.cq_entries = 2 * (q->nr_ios + 3),
	};
	struct iovec iov = { q->data, data_size };
	int ret;

	/* Room for every request, the kick read and the target's poll
	 * with its removal. */
	ret = io_uring_queue_init_params(q->nr_ios + 3, &q->ring, &p);
	if (ret)
		return ret;
	q->ring_ready = true;
	ret = io_uring_register_buffers(&q->ring, &iov, 1);
	q->fixed = ret == 0;
	if (ret)
		vmi_transport_log(
			q->bg->bb->transport,
			"%s queue %u: data area of %u bytes not registered (%s): unregistered I/O",
			q->bg->g->name, q->index, data_size, strerror(-ret));
	return 0;
}

int vmi_blkback_queue_start(struct vmi_blkback_guest *bg, unsigned int index)
{
	struct vmi_blkback_queue *q = &bg->q[index];
	struct vmi_blkback *bb = bg->bb;
	struct vmi_host_guest *g = bg->g;
	struct vmi_layout_queue lq;
	uint8_t *shm = (uint8_t *)g->shm;
	char name[16];
	uint32_t i;
	int ret;

	q->bg = bg;
	q->index = index;
	q->kick_fd = g->kick_fd[index];
	q->nr_slots = bb->dev.layout.p.ring_slots;
	vmi_layout_queue(&bb->dev.layout, index, &lq);
	q->data = shm + lq.data_offset;
	/*
	 * We made the memory and zeroed the indices, so the attaches cannot
	 * fail unless the guest already scribbled on them: its loss.
	 */
	ret = vmi_ring_attach_cons(&q->req, shm + lq.req_offset, q->nr_slots,
				   lq.req_slot_size);
	if (!ret)
		ret = vmi_ring_attach_prod(&q->rsp, shm + lq.rsp_offset,
					   q->nr_slots, lq.rsp_slot_size);
	if (ret)
		return ret;

	q->nr_ios = q->nr_slots < VMI_BLKBACK_MAX_IOS ? q->nr_slots :
							VMI_BLKBACK_MAX_IOS;
	q->ios = calloc(q->nr_ios, sizeof(*q->ios));
	q->free_ios = calloc(q->nr_ios, sizeof(*q->free_ios));
	if (!q->ios || !q->free_ios)
		return -ENOMEM;
	for (i = 0; i < q->nr_ios; i++) {
		q->free_ios[i] = q->nr_ios - 1 - i;
		q->ios[i].q = q;
	}
	q->nr_free = q->nr_ios;
	q->tpoll_fd = -1;

	ret = vmi_blkback_ring_init(q, bb->dev.layout.p.data_size);
	if (ret)
		return ret;
	if (bb->target.ops->queue_init) {
		ret = bb->target.ops->queue_init(q);
		if (ret)
			return ret;
		q->tq_ready = true;
	}
	ret = -pthread_create(&q->thread, NULL, vmi_blkback_queue_main, q);
	if (ret)
		return ret;
	q->started = true;
	/* "blk0.g3.q1": top -H and the tests tell the queues apart. */
	snprintf(name, sizeof(name), "%s.g%u.q%u", bb->dev.name, g->id, index);
	pthread_setname_np(q->thread, name);
	if (bb->nr_cpus) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(bb->cpus[index % bb->nr_cpus], &set);
		pthread_setaffinity_np(q->thread, sizeof(set), &set);
	}
	return 0;
}

void vmi_blkback_queue_stop(struct vmi_blkback_queue *q)
{
	uint64_t one = 1;

	if (q->started) {
		__atomic_store_n(&q->stop, true, __ATOMIC_RELEASE);
		/* Our own kick wakes the thread if it sleeps. */
		if (write(q->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			vmi_transport_log(q->bg->bb->transport,
					  "%s queue %u: write(kick): %s",
					  q->bg->g->name, q->index,
					  strerror(errno));
		pthread_join(q->thread, NULL);
		q->started = false;
	}
	if (q->tq_ready)
		q->bg->bb->target.ops->queue_exit(q);
	q->tq_ready = false;
	if (q->ring_ready)
		io_uring_queue_exit(&q->ring);
	q->ring_ready = false;
	free(q->ios);
	free(q->free_ios);
	q->ios = NULL;
	q->free_ios = NULL;
}

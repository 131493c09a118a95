// SPDX-License-Identifier: GPL-2.0-only
/*
 * An NBD export as a vmi-blkback target (nbd://HOST[:PORT]/EXPORT,
 * nbd+unix:///EXPORT?socket=PATH), through libnbd's asynchronous API.
 *
 * Each queue has its own connection, driven from the queue's own loop:
 * libnbd makes no thread, the queue polls the connection's socket in its
 * io_uring while it sleeps and calls nbd_aio_notify_read/write when the
 * socket is ready. Commands read and write the guest's data area in
 * place; a request of several segments is one command per segment, a
 * DISCARD or WRITE_ZEROES of several ranges one command per range. An NBD
 * read or write has no short form: the server answers all of it or an
 * error, so an OK answer always moved the whole request.
 *
 * A request has a deadline (timeout=): one still waiting then, for a
 * connection or for the server's answer, fails with an I/O error, and a
 * server that let a command run past it loses its connection (which also
 * stops libnbd writing into the data area afterwards). A lost connection
 * is made again every VMI_NBD_RETRY_NS; the requests it had in flight are
 * sent again on the new one while their deadline allows.
 *
 * libnbd calls a completion callback with the handle's lock held: it only
 * answers, or puts the request on the queue's wait list; commands are
 * sent from the loop (a FUA write's flush, on a server without FUA, too).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnbd.h>

#include "blkback.h"

#define VMI_NBD_RETRY_NS 100000000ull /* between connection attempts */
#define VMI_NBD_SCAN_MAX_NS 100000000ull /* deadline checks, at most */
#define VMI_NBD_NONE UINT32_MAX /* the end of a wait list */

enum vmi_nbd_state {
	VMI_NBD_IDLE, /* not ours */
	VMI_NBD_WAITING, /* on the wait list: to be (re)sent */
	VMI_NBD_SENT, /* its commands are in libnbd */
};

struct vmi_nbd_queue {
	struct nbd_handle *h; /* NULL between connections */
	bool ready; /* the handshake is over */
	bool closing; /* callbacks of an abandoned handle are ignored */
	bool down; /* the outage is logged */
	uint64_t retry_ns; /* the next connection attempt */
	uint64_t connect_ns; /* when the handshake began */
	uint64_t scan_ns; /* the next deadline check */
	uint32_t wait_head, wait_tail; /* bio indices, through bio->next */
	unsigned int answered; /* by callbacks, since the last progress */
};

static void vmi_nbd_log(struct vmi_blkback_queue *q, const char *what,
			const char *why)
{
	vmi_transport_log(q->bg->bb->transport,
			  "%s queue %u: nbd target %s: %s%s%s", q->bg->g->name,
			  q->index, q->bg->bb->target.path, what,
			  why ? ": " : "", why ? why : "");
}

static uint64_t vmi_nbd_scan_period(const struct vmi_blkback_target *t)
{
	uint64_t p = t->timeout_ns / 4;

	return p && p < VMI_NBD_SCAN_MAX_NS ? p : VMI_NBD_SCAN_MAX_NS;
}

/* Errors that say the connection is gone, not that the command failed. */
static bool vmi_nbd_conn_error(int err)
{
	return err == ENOTCONN || err == ESHUTDOWN || err == ECONNRESET ||
	       err == EPIPE || err == EBADF;
}

static void vmi_nbd_wait(struct vmi_blkback_queue *q,
			 struct vmi_blkback_io *bio)
{
	struct vmi_nbd_queue *nq = q->tq;
	uint32_t i = (uint32_t)(bio - q->ios);

	bio->state = VMI_NBD_WAITING;
	bio->next = VMI_NBD_NONE;
	if (nq->wait_head == VMI_NBD_NONE)
		nq->wait_head = i;
	else
		q->ios[nq->wait_tail].next = i;
	nq->wait_tail = i;
}

/*
 * A request's commands are all done: answer it, or send its FUA flush, or
 * send it again on the next connection while its deadline allows.
 */
static void vmi_nbd_finish(struct vmi_blkback_queue *q,
			   struct vmi_blkback_io *bio)
{
	const struct vmi_blkback_target *t = &q->bg->bb->target;
	struct vmi_nbd_queue *nq = q->tq;
	int err = bio->err;

	if (err && vmi_nbd_conn_error(-err) &&
	    vmi_blkback_now_ns() < bio->deadline_ns) {
		bio->err = 0;
		vmi_nbd_wait(q, bio);
		return;
	}
	if (!err && bio->io.op == VMI_BLK_OP_WRITE && !bio->flushed &&
	    !t->can_fua && vmi_blkback_stable(q, &bio->io) && t->can_flush) {
		bio->flushed = true;
		vmi_nbd_wait(q, bio);
		return;
	}
	bio->state = VMI_NBD_IDLE;
	nq->answered++;
	vmi_blkback_io_done(q, bio, err);
}

/* libnbd's completion callback: the handle's lock is held (no nbd_*). */
static int vmi_nbd_done(void *user_data, int *error)
{
	struct vmi_blkback_io *bio = user_data;
	struct vmi_nbd_queue *nq = bio->q->tq;

	if (nq->closing)
		return 1;
	if (*error && !bio->err)
		bio->err = -*error;
	if (--bio->parts == 0)
		vmi_nbd_finish(bio->q, bio);
	return 1; /* retire the command */
}

/*
 * Send a request's commands; false if the connection took none of them
 * (it waits for the next one).
 */
static bool vmi_nbd_send(struct vmi_blkback_queue *q,
			 struct vmi_blkback_io *bio)
{
	const struct vmi_blkback_target *t = &q->bg->bb->target;
	struct vmi_nbd_queue *nq = q->tq;
	nbd_completion_callback cb = { .callback = vmi_nbd_done,
				       .user_data = bio };
	const struct vmi_blk_io *io = &bio->io;
	uint64_t off = io->offset;
	uint32_t flags = 0;
	unsigned int i;
	int64_t c = 0;

	/*
	 * Our own reference: no callback finishes it while we send. Each
	 * command is counted before it is issued, because libnbd may
	 * complete it (the connection found dead while sending) and call
	 * vmi_nbd_done() before nbd_aio_*() returns; a command that was not
	 * issued (-1) has no callback, and only the last one tried can be
	 * that one.
	 */
	bio->parts = 1;
	bio->state = VMI_NBD_SENT;
	if (bio->flushed) {
		bio->parts++;
		c = nbd_aio_flush(nq->h, cb, 0);
	} else if (io->op == VMI_BLK_OP_READ || io->op == VMI_BLK_OP_WRITE) {
		if (io->op == VMI_BLK_OP_WRITE && t->can_fua &&
		    vmi_blkback_stable(q, io))
			flags = LIBNBD_CMD_FLAG_FUA;
		for (i = 0; i < io->nr_segs && c >= 0; i++) {
			void *buf = q->data + io->seg[i].offset;

			bio->parts++;
			c = io->op == VMI_BLK_OP_READ ?
				    nbd_aio_pread(nq->h, buf, io->seg[i].len,
						  off, cb, 0) :
				    nbd_aio_pwrite(nq->h, buf, io->seg[i].len,
						   off, cb, flags);
			off += io->seg[i].len;
		}
	} else if (io->op == VMI_BLK_OP_FLUSH ||
		   io->op == VMI_BLK_OP_SET_CACHE) {
		bio->parts++;
		c = nbd_aio_flush(nq->h, cb, 0);
	} else { /* DISCARD, WRITE_ZEROES: one command per range */
		/* WRITE_ZEROES: a hole only when the guest allows one */
		if (io->op == VMI_BLK_OP_WRITE_ZEROES &&
		    !(io->flags & VMI_BLK_REQ_F_UNMAP))
			flags = LIBNBD_CMD_FLAG_NO_HOLE;
		for (i = 0; i < io->nr_ranges && c >= 0; i++) {
			const struct vmi_blk_io_range *r = &io->range[i];

			bio->parts++;
			c = io->op == VMI_BLK_OP_DISCARD ?
				    nbd_aio_trim(nq->h, r->len, r->offset, cb,
						 0) :
				    nbd_aio_zero(nq->h, r->len, r->offset, cb,
						 flags);
		}
	}
	if (c < 0)
		bio->parts--;
	if (c < 0 && !bio->err)
		bio->err = nbd_get_errno() ? -nbd_get_errno() : -EIO;
	if (c < 0 && bio->parts == 1 && vmi_nbd_conn_error(-bio->err)) {
		/* Nothing went out: it waits for the next connection. */
		bio->err = 0;
		vmi_nbd_wait(q, bio);
		return false;
	}
	if (--bio->parts == 0)
		vmi_nbd_finish(q, bio);
	return true;
}

/* Send what waits, in order, while the connection takes it. */
static void vmi_nbd_send_waiting(struct vmi_blkback_queue *q)
{
	struct vmi_nbd_queue *nq = q->tq;

	while (nq->ready && nq->wait_head != VMI_NBD_NONE) {
		struct vmi_blkback_io *bio = &q->ios[nq->wait_head];

		nq->wait_head = bio->next;
		if (!vmi_nbd_send(q, bio)) {
			nq->ready = false; /* found dead in progress() */
			return;
		}
	}
}

/*
 * Drop the connection: libnbd writes nothing more into the data area
 * once the handle is closed; its commands finish as if the connection
 * had gone (sent again, or failed past their deadline).
 */
static void vmi_nbd_drop(struct vmi_blkback_queue *q, uint64_t now)
{
	struct vmi_nbd_queue *nq = q->tq;
	uint32_t i;

	nq->closing = true;
	nbd_close(nq->h);
	nq->closing = false;
	nq->h = NULL;
	nq->ready = false;
	nq->retry_ns = now + VMI_NBD_RETRY_NS;
	for (i = 0; i < q->nr_ios; i++) {
		struct vmi_blkback_io *bio = &q->ios[i];

		if (bio->state != VMI_NBD_SENT)
			continue;
		bio->parts = 0;
		bio->err = -ENOTCONN;
		vmi_nbd_finish(q, bio);
	}
}

static void vmi_nbd_connect(struct vmi_blkback_queue *q, uint64_t now)
{
	struct vmi_nbd_queue *nq = q->tq;

	nq->h = nbd_create();
	nq->connect_ns = now;
	if (nq->h && nbd_aio_connect_uri(nq->h, q->bg->bb->target.path) == 0)
		return;
	if (!nq->down)
		vmi_nbd_log(q, "cannot connect", nbd_get_error());
	nq->down = true;
	if (nq->h)
		nbd_close(nq->h);
	nq->h = NULL;
	nq->retry_ns = now + VMI_NBD_RETRY_NS;
}

/* Take request @i off the wait list, wherever it stands; false if absent. */
static bool vmi_nbd_unwait(struct vmi_nbd_queue *nq,
			   struct vmi_blkback_queue *q, uint32_t i)
{
	uint32_t *link = &nq->wait_head, last = VMI_NBD_NONE;

	while (*link != VMI_NBD_NONE && *link != i) {
		last = *link;
		link = &q->ios[*link].next;
	}
	if (*link == VMI_NBD_NONE)
		return false;
	*link = q->ios[i].next;
	if (nq->wait_tail == i)
		nq->wait_tail = last;
	return true;
}

/*
 * Requests past their deadline: one still waiting fails now; one the
 * server holds costs the server its connection, and so does a handshake
 * that takes longer than a request may. Every request of the queue is
 * looked at by its state, not by the list it should be on, so that no
 * request outlives its deadline whatever happened to the lists.
 */
static void vmi_nbd_deadlines(struct vmi_blkback_queue *q, uint64_t now)
{
	struct vmi_nbd_queue *nq = q->tq;
	bool hung = false;
	uint32_t i;

	for (i = 0; i < q->nr_ios; i++) {
		struct vmi_blkback_io *bio = &q->ios[i];

		if (now < bio->deadline_ns)
			continue;
		if (bio->state == VMI_NBD_SENT) {
			hung = true;
		} else if (bio->state == VMI_NBD_WAITING) {
			if (!vmi_nbd_unwait(nq, q, i))
				vmi_nbd_log(
					q,
					"a waiting request was off the wait list",
					NULL);
			bio->state = VMI_NBD_IDLE;
			nq->answered++;
			vmi_blkback_io_done(q, bio, -ETIMEDOUT);
		}
	}
	hung &= nq->h != NULL;
	hung |= nq->h && !nq->ready &&
		now - nq->connect_ns >= q->bg->bb->target.timeout_ns;
	if (hung) {
		if (!nq->down)
			vmi_nbd_log(
				q,
				"no answer within the timeout: dropping the connection",
				NULL);
		nq->down = true;
		vmi_nbd_drop(q, now);
	}
	nq->scan_ns = now + vmi_nbd_scan_period(&q->bg->bb->target);
}

/* The socket's readiness, without waiting, to libnbd. */
static void vmi_nbd_notify(struct vmi_nbd_queue *nq)
{
	unsigned int dir = nbd_aio_get_direction(nq->h);
	struct pollfd pfd = { .fd = nbd_aio_get_fd(nq->h) };

	if (pfd.fd < 0)
		return;
	if (dir & LIBNBD_AIO_DIRECTION_READ)
		pfd.events |= POLLIN;
	if (dir & LIBNBD_AIO_DIRECTION_WRITE)
		pfd.events |= POLLOUT;
	if (!pfd.events || poll(&pfd, 1, 0) <= 0)
		return;
	if ((dir & LIBNBD_AIO_DIRECTION_READ) &&
	    (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
		nbd_aio_notify_read(nq->h);
	else if ((dir & LIBNBD_AIO_DIRECTION_WRITE) &&
		 (pfd.revents & (POLLOUT | POLLHUP | POLLERR)))
		nbd_aio_notify_write(nq->h);
}

static unsigned int vmi_nbd_progress(struct vmi_blkback_queue *q, uint64_t now)
{
	struct vmi_nbd_queue *nq = q->tq;
	unsigned int n;

	if (nq->h) {
		vmi_nbd_notify(nq);
		if (nbd_aio_is_dead(nq->h) || nbd_aio_is_closed(nq->h)) {
			if (!nq->down)
				vmi_nbd_log(q, "connection lost",
					    nbd_get_error());
			nq->down = true;
			vmi_nbd_drop(q, now);
		} else if (!nq->ready && nbd_aio_is_ready(nq->h)) {
			nq->ready = true;
			if (nq->down)
				vmi_nbd_log(q, "connected again", NULL);
			nq->down = false;
		}
	}
	if (!nq->h && now >= nq->retry_ns &&
	    (nq->wait_head != VMI_NBD_NONE || !nq->down))
		vmi_nbd_connect(q, now);
	vmi_nbd_send_waiting(q);
	if (now >= nq->scan_ns)
		vmi_nbd_deadlines(q, now);
	n = nq->answered;
	nq->answered = 0;
	return n;
}

static int vmi_nbd_submit(struct vmi_blkback_queue *q,
			  struct vmi_blkback_io *bio)
{
	struct vmi_nbd_queue *nq = q->tq;
	uint64_t now = vmi_blkback_now_ns();

	bio->deadline_ns = now + q->bg->bb->target.timeout_ns;
	if (nq->ready && nq->wait_head == VMI_NBD_NONE) {
		if (!vmi_nbd_send(q, bio))
			nq->ready = false; /* found dead in progress() */
	} else {
		vmi_nbd_wait(q, bio);
	}
	return -EINPROGRESS;
}

/*
 * Sleep until the socket is ready the way libnbd wants it, the next
 * deadline check when requests are out, the next connection attempt when
 * requests wait for one.
 */
static int vmi_nbd_wait_fd(struct vmi_blkback_queue *q, uint64_t now,
			   short *events, uint64_t *wake_ns)
{
	struct vmi_nbd_queue *nq = q->tq;
	unsigned int dir;

	(void)now;
	if (q->nr_free < q->nr_ios)
		*wake_ns = nq->scan_ns;
	if (!nq->h) {
		if (nq->wait_head != VMI_NBD_NONE &&
		    (!*wake_ns || nq->retry_ns < *wake_ns))
			*wake_ns = nq->retry_ns;
		return -1;
	}
	dir = nbd_aio_get_direction(nq->h);
	*events = (dir & LIBNBD_AIO_DIRECTION_READ ? POLLIN : 0) |
		  (dir & LIBNBD_AIO_DIRECTION_WRITE ? POLLOUT : 0);
	return *events ? nbd_aio_get_fd(nq->h) : -1;
}

static int vmi_nbd_queue_init(struct vmi_blkback_queue *q)
{
	struct vmi_nbd_queue *nq = calloc(1, sizeof(*nq));

	if (!nq)
		return -ENOMEM;
	nq->wait_head = nq->wait_tail = VMI_NBD_NONE;
	q->tq = nq;
	vmi_nbd_connect(q, vmi_blkback_now_ns());
	return 0;
}

static void vmi_nbd_queue_exit(struct vmi_blkback_queue *q)
{
	struct vmi_nbd_queue *nq = q->tq;

	if (nq->h) {
		nq->closing = true;
		nbd_close(nq->h);
	}
	free(nq);
	q->tq = NULL;
}

/* Connect once to learn the export's size and what the server can do. */
static int vmi_nbd_open(struct vmi_blkback_target *t)
{
	struct nbd_handle *h = nbd_create();
	int64_t size, min_block, pref_block;
	int ret = -EIO;

	if (!h || nbd_connect_uri(h, t->path) < 0) {
		ret = nbd_get_errno() ? -nbd_get_errno() : -EIO;
		fprintf(stderr, "vmi-blkback: nbd target %s: %s\n", t->path,
			nbd_get_error());
		goto out;
	}
	size = nbd_get_size(h);
	min_block = nbd_get_block_size(h, LIBNBD_SIZE_MINIMUM);
	if (size < 0 || min_block < 0 || min_block > 4096) {
		fprintf(stderr,
			"vmi-blkback: nbd target %s: size %lld, minimum block %lld: %s\n",
			t->path, (long long)size, (long long)min_block,
			nbd_get_error() ? nbd_get_error() : "unusable");
		goto out;
	}
	t->size = (uint64_t)size;
	t->logical_block_size =
		min_block > VMI_BLK_SECTOR_SIZE ? 4096 : VMI_BLK_SECTOR_SIZE;
	t->physical_block_size = 4096;
	t->dio_align = VMI_BLK_SECTOR_SIZE;
	/* The server's preferred block (NBD_INFO_BLOCK_SIZE): smaller I/O
	 * costs it a read-modify-write, as a disk's io_min says. */
	pref_block = nbd_get_block_size(h, LIBNBD_SIZE_PREFERRED);
	if (pref_block > 0 && pref_block <= (32 << 20))
		t->min_io_size = (uint32_t)pref_block;
	t->read_only |= nbd_is_read_only(h) == 1;
	t->can_flush = nbd_can_flush(h) == 1;
	t->can_fua = nbd_can_fua(h) == 1;
	t->can_discard = nbd_can_trim(h) == 1;
	t->can_write_zeroes = nbd_can_zero(h) == 1;
	/* Each queue has its own connection: a flush on one covers the
	 * writes of the others only with multi-conn. */
	if (nbd_can_multi_conn(h) != 1)
		fprintf(stderr,
			"vmi-blkback: nbd target %s: no multi-conn: a FLUSH covers only its own queue's writes\n",
			t->path);
	vmi_blkback_target_serial(t);
	nbd_shutdown(h, 0);
	ret = 0;
out:
	nbd_close(h);
	return ret;
}

const struct vmi_blkback_target_ops vmi_blkback_target_nbd = {
	.kind = "nbd",
	.open = vmi_nbd_open,
	.queue_init = vmi_nbd_queue_init,
	.queue_exit = vmi_nbd_queue_exit,
	.submit = vmi_nbd_submit,
	.progress = vmi_nbd_progress,
	.wait = vmi_nbd_wait_fd,
};

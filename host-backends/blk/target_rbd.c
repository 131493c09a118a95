// SPDX-License-Identifier: GPL-2.0-only
/*
 * A Ceph RBD image as a vmi-blkback target (rbd:POOL/IMAGE), through
 * librbd's asynchronous API. The cluster comes from $CEPH_CONF (or
 * /etc/ceph/ceph.conf) as the rbd tool reads it, as client.admin unless
 * $CEPH_ARGS says otherwise.
 *
 * One cluster connection and one image handle for the device, opened at
 * start and shared by every queue of every guest: with the image's
 * exclusive lock, handles that came and went with guests would pass the
 * lock to and fro, and one closed while the OSDs are away would leave a
 * lock nobody can take back. librbd's completion callback (on librbd's
 * thread) only pushes the request on its queue's lock-free list and, when
 * the list was empty, writes the queue's eventfd, which the queue polls in
 * its io_uring and drains on its own thread. (rbd_set_image_notification
 * has one fd per image: it cannot tell the queues apart.) No thread per
 * request; reads and writes take the guest's segments in place
 * (rbd_aio_readv/writev).
 *
 * A read that returns fewer bytes than asked answers IOERR (librbd writes
 * all or fail). A DISCARD or WRITE_ZEROES of several ranges sends them one
 * after the other, the first failure answering the request.
 *
 * FLUSH is rbd_aio_flush and FUA a write then a flush. librbd's cache is
 * off (see vmi_rbd_connect()): a request is done when the OSD has it. A
 * request fails once librbd gives up on the OSDs: rados_osd_op_timeout is
 * the target's timeout, and librbd reconnects by itself when they return.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <rbd/librbd.h>

#include "blkback.h"

#define VMI_RBD_NONE UINT32_MAX /* the end of a done list */

struct vmi_rbd {
	rados_t cluster;
	rados_ioctx_t ioctx;
	rbd_image_t image; /* NULL until open */
	char *pool, *name;
};

struct vmi_rbd_queue {
	uint32_t done; /* finished requests, a stack through bio->next */
	int efd; /* written when done stops being empty */
};

static void vmi_rbd_error(const struct vmi_blkback_target *t, const char *what,
			  int ret)
{
	fprintf(stderr, "vmi-blkback: rbd target %s: %s: %s\n", t->path, what,
		strerror(-ret));
}

/*
 * librbd's callback, on one of its threads: the result into bio->err, the
 * request onto its queue's done list, the queue woken if it was empty.
 */
static void vmi_rbd_done(rbd_completion_t c, void *arg)
{
	struct vmi_blkback_io *bio = arg;
	struct vmi_blkback_queue *q = bio->q;
	struct vmi_rbd_queue *rq = q->tq;
	ssize_t ret = rbd_aio_get_return_value(c);
	uint32_t i = (uint32_t)(bio - q->ios);
	uint32_t head = __atomic_load_n(&rq->done, __ATOMIC_RELAXED);
	uint64_t one = 1;

	rbd_aio_release(c);
	if (ret < 0)
		bio->err = (int)ret;
	else if (bio->io.op == VMI_BLK_OP_READ && (uint64_t)ret != bio->io.len)
		bio->err = -EIO; /* short: the image shrank */
	do
		bio->next = head;
	while (!__atomic_compare_exchange_n(
		&rq->done, &head, i, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	/* EAGAIN only when the count is at its maximum: already woken. */
	if (head == VMI_RBD_NONE && write(rq->efd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		perror("vmi-blkback: rbd target: eventfd");
}

/* A request (or a FUA write's flush) to librbd; 0 or -errno. */
static int vmi_rbd_send(struct vmi_blkback_queue *q, struct vmi_blkback_io *bio)
{
	rbd_image_t img = ((struct vmi_rbd *)q->bg->bb->target.priv)->image;
	const struct vmi_blk_io *io = &bio->io;
	rbd_completion_t c;
	int ret;

	ret = rbd_aio_create_completion(bio, vmi_rbd_done, &c);
	if (ret)
		return ret;
	if (bio->flushed || io->op == VMI_BLK_OP_FLUSH ||
	    io->op == VMI_BLK_OP_SET_CACHE) {
		ret = rbd_aio_flush(img, c);
	} else if (io->op == VMI_BLK_OP_READ) {
		vmi_blkback_io_iov(q, bio);
		ret = rbd_aio_readv(img, bio->iov, (int)io->nr_segs, io->offset,
				    c);
	} else if (io->op == VMI_BLK_OP_WRITE) {
		vmi_blkback_io_iov(q, bio);
		ret = rbd_aio_writev(img, bio->iov, (int)io->nr_segs,
				     io->offset, c);
	} else if (io->op == VMI_BLK_OP_DISCARD) {
		ret = rbd_aio_discard(img, io->range[bio->range_at].offset,
				      io->range[bio->range_at].len, c);
	} else { /* WRITE_ZEROES: allocated unless the guest allows a hole */
		ret = rbd_aio_write_zeroes(
			img, io->range[bio->range_at].offset,
			io->range[bio->range_at].len, c,
			io->flags & VMI_BLK_REQ_F_UNMAP ?
				0 :
				RBD_WRITE_ZEROES_FLAG_THICK_PROVISION,
			0);
	}
	if (ret < 0)
		rbd_aio_release(c);
	return ret < 0 ? ret : 0;
}

static int vmi_rbd_submit(struct vmi_blkback_queue *q,
			  struct vmi_blkback_io *bio)
{
	int ret = vmi_rbd_send(q, bio);

	return ret ? ret : -EINPROGRESS;
}

/*
 * A finished command: the request answered, or its next range or its FUA
 * flush sent (ranges go one at a time, each after the last succeeded).
 */
static bool vmi_rbd_finish(struct vmi_blkback_queue *q,
			   struct vmi_blkback_io *bio)
{
	int ret = bio->err;

	if (!ret && bio->range_at + 1 < bio->io.nr_ranges) {
		bio->range_at++;
		ret = vmi_rbd_send(q, bio);
		if (!ret)
			return false;
	}
	if (!ret && bio->io.op == VMI_BLK_OP_WRITE && !bio->flushed &&
	    vmi_blkback_stable(q, &bio->io)) {
		bio->flushed = true;
		ret = vmi_rbd_send(q, bio);
		if (!ret)
			return false;
	}
	vmi_blkback_io_done(q, bio, ret);
	return true;
}

static unsigned int vmi_rbd_progress(struct vmi_blkback_queue *q, uint64_t now)
{
	struct vmi_rbd_queue *rq = q->tq;
	unsigned int done = 0;
	uint64_t v;
	uint32_t i;

	(void)now;
	if (__atomic_load_n(&rq->done, __ATOMIC_RELAXED) == VMI_RBD_NONE)
		return 0;
	/* The eventfd first: a request pushed after the exchange writes it
	 * again, and wakes the sleep that follows. */
	if (read(rq->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	i = __atomic_exchange_n(&rq->done, VMI_RBD_NONE, __ATOMIC_ACQUIRE);
	while (i != VMI_RBD_NONE) {
		struct vmi_blkback_io *bio = &q->ios[i];

		i = bio->next;
		done += vmi_rbd_finish(q, bio);
	}
	return done;
}

static int vmi_rbd_wait(struct vmi_blkback_queue *q, uint64_t now,
			short *events, uint64_t *wake_ns)
{
	struct vmi_rbd_queue *rq = q->tq;

	(void)now;
	(void)wake_ns;
	if (q->nr_free == q->nr_ios)
		return -1; /* nothing to wait for */
	*events = POLLIN;
	return rq->efd;
}

static int vmi_rbd_queue_init(struct vmi_blkback_queue *q)
{
	struct vmi_rbd_queue *rq = calloc(1, sizeof(*rq));
	int ret;

	if (!rq)
		return -ENOMEM;
	rq->done = VMI_RBD_NONE;
	rq->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rq->efd < 0) {
		ret = -errno;
		free(rq);
		return ret;
	}
	q->tq = rq;
	return 0;
}

static void vmi_rbd_queue_exit(struct vmi_blkback_queue *q)
{
	struct vmi_rbd_queue *rq = q->tq;

	close(rq->efd);
	free(rq);
	q->tq = NULL;
}

static void vmi_rbd_close(struct vmi_blkback_target *t)
{
	struct vmi_rbd *r = t->priv;

	if (!r)
		return;
	if (r->image)
		rbd_close(r->image);
	if (r->ioctx)
		rados_ioctx_destroy(r->ioctx);
	if (r->cluster)
		rados_shutdown(r->cluster);
	free(r->pool);
	free(r);
	t->priv = NULL;
}

/* rbd:POOL/IMAGE into its pool and image names. */
static int vmi_rbd_parse(struct vmi_blkback_target *t, struct vmi_rbd *r)
{
	const char *spec = t->path + 4, *slash = strchr(spec, '/');

	if (!slash || slash == spec || !slash[1] || strchr(slash + 1, '/')) {
		fprintf(stderr,
			"vmi-blkback: rbd target %s: not rbd:POOL/IMAGE\n",
			t->path);
		return -EINVAL;
	}
	r->pool = strdup(spec);
	if (!r->pool)
		return -ENOMEM;
	r->pool[slash - spec] = '\0';
	r->name = r->pool + (slash - spec) + 1;
	return 0;
}

static int vmi_rbd_connect(struct vmi_blkback_target *t)
{
	struct vmi_rbd *r = calloc(1, sizeof(*r));
	rbd_image_info_t info;
	char secs[32];
	int ret;

	if (!r)
		return -ENOMEM;
	t->priv = r;
	ret = vmi_rbd_parse(t, r);
	if (ret)
		goto fail;
	ret = rados_create(&r->cluster, NULL);
	if (ret) {
		vmi_rbd_error(t, "rados_create", ret);
		goto fail;
	}
	ret = rados_conf_read_file(r->cluster, NULL);
	if (ret) {
		vmi_rbd_error(t, "reading ceph.conf ($CEPH_CONF)", ret);
		goto fail;
	}
	rados_conf_parse_env(r->cluster, NULL);
	/*
	 * No librbd cache: a write it has taken in is answered, and with the
	 * OSDs gone its write-back then waits past any timeout (the guest
	 * has its own cache, and FLUSH still goes to rbd_aio_flush).
	 */
	rados_conf_set(r->cluster, "rbd_cache", "false");
	if (t->timeout_ns) {
		/* Whole seconds, at least one: what librados takes. */
		snprintf(secs, sizeof(secs), "%llu",
			 (unsigned long long)((t->timeout_ns + 999999999ull) /
					      1000000000ull));
		rados_conf_set(r->cluster, "rados_osd_op_timeout", secs);
		rados_conf_set(r->cluster, "rados_mon_op_timeout", secs);
	}
	ret = rados_connect(r->cluster);
	if (ret) {
		vmi_rbd_error(t, "connecting to the cluster", ret);
		goto fail;
	}
	ret = rados_ioctx_create(r->cluster, r->pool, &r->ioctx);
	if (ret) {
		vmi_rbd_error(t, "pool", ret);
		goto fail;
	}
	ret = t->read_only ?
		      rbd_open_read_only(r->ioctx, r->name, &r->image, NULL) :
		      rbd_open(r->ioctx, r->name, &r->image, NULL);
	if (ret) {
		vmi_rbd_error(t, "image", ret);
		goto fail;
	}
	ret = rbd_stat(r->image, &info, sizeof(info));
	if (ret) {
		vmi_rbd_error(t, "rbd_stat", ret);
		goto fail;
	}
	t->size = info.size;
	t->logical_block_size = VMI_BLK_SECTOR_SIZE;
	t->physical_block_size = 4096;
	t->dio_align = VMI_BLK_SECTOR_SIZE;
	/* An object is the unit RADOS stores and stripes, as krbd's io_opt. */
	t->min_io_size = t->physical_block_size;
	t->opt_io_size = info.obj_size <= UINT32_MAX ? (uint32_t)info.obj_size :
						       0;
	t->can_flush = t->can_fua = true;
	t->can_discard = t->can_write_zeroes = true;
	vmi_blkback_target_serial(t);
	return 0;
fail:
	vmi_rbd_close(t);
	return ret;
}

/*
 * librados starts its threads here, and they keep the signal mask they
 * start with: a full one, so that SIGTERM and the others reach the
 * backend's signalfd, not the default action in one of librados' threads.
 */
static int vmi_rbd_open(struct vmi_blkback_target *t)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = vmi_rbd_connect(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

const struct vmi_blkback_target_ops vmi_blkback_target_rbd = {
	.kind = "rbd",
	.open = vmi_rbd_open,
	.close = vmi_rbd_close,
	.queue_init = vmi_rbd_queue_init,
	.queue_exit = vmi_rbd_queue_exit,
	.submit = vmi_rbd_submit,
	.progress = vmi_rbd_progress,
	.wait = vmi_rbd_wait,
};

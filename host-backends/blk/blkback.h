/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to vmi-blkback: the device (one target, one socket), the guests
 * it serves and their queues, each queue a thread with its own io_uring.
 *
 *   main.c     command line, machine description, signals, control socket
 *   target.c   the target kinds, their limits; the file, block device and
 *              null targets (io_uring)
 *   target_nbd.c  an NBD export through libnbd's asynchronous API
 *   target_rbd.c  a Ceph RBD image through librbd's asynchronous API
 *   queue.c    one queue: ring -> validator -> target -> ring
 *   stats.c    per-queue counters as JSON
 *   blk_req.c  the request validator (blk_req.h)
 */
#ifndef VMI_BLKBACK_H
#define VMI_BLKBACK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <liburing.h>

#include <vmi_ring.h>
#include <vmi_transport.h>

#include "blk_req.h"

enum vmi_blkback_mode {
	VMI_BLKBACK_ADAPTIVE, /* poll for poll_ns after the last work, sleep */
	VMI_BLKBACK_POLL, /* never sleep (and never ask to be woken) */
	VMI_BLKBACK_INTERRUPT, /* sleep as soon as there is nothing to do */
};

struct vmi_blkback_target;
struct vmi_blkback_queue;
struct vmi_blkback_io;

/*
 * One kind of target. The queue thread calls every per-queue hook; none
 * blocks. Errors are 0 or -errno; an engine's error becomes the request's
 * block status in vmi_blkback_io_done().
 */
struct vmi_blkback_target_ops {
	const char *kind; /* "file", "null", "nbd", "rbd" */
	/* Connect to (or open) t->path; fill size, block sizes and can_*. */
	int (*open)(struct vmi_blkback_target *t);
	void (*close)(struct vmi_blkback_target *t);
	/* The queue's own state (its connection, its image handle). */
	int (*queue_init)(struct vmi_blkback_queue *q);
	/* After the queue's last request was answered. */
	void (*queue_exit)(struct vmi_blkback_queue *q);
	/*
	 * Start one validated READ, WRITE, FLUSH, DISCARD or WRITE_ZEROES
	 * (every range of it), or the flush of a SET_CACHE to write-through:
	 * -EINPROGRESS when the engine has it (vmi_blkback_io_done() answers
	 * it later), else its result now. A READ or WRITE is answered OK only
	 * when all its bytes moved.
	 */
	int (*submit)(struct vmi_blkback_queue *q, struct vmi_blkback_io *bio);
	/* An io_uring completion of the target's: -EINPROGRESS if resubmitted. */
	int (*cqe)(struct vmi_blkback_queue *q, struct vmi_blkback_io *bio,
		   int res);
	/*
	 * Drive the engine without blocking: completions, reconnection,
	 * deadlines. Returns how many requests it answered. Optional.
	 */
	unsigned int (*progress)(struct vmi_blkback_queue *q, uint64_t now);
	/*
	 * Before the queue sleeps: the file descriptor and poll events that
	 * must wake it (-1: none), and *wake_ns, the time it must wake by
	 * anyway (0: none). Optional.
	 */
	int (*wait)(struct vmi_blkback_queue *q, uint64_t now, short *events,
		    uint64_t *wake_ns);
};

extern const struct vmi_blkback_target_ops vmi_blkback_target_file;
extern const struct vmi_blkback_target_ops vmi_blkback_target_nullops;
extern const struct vmi_blkback_target_ops vmi_blkback_target_nbd;
extern const struct vmi_blkback_target_ops vmi_blkback_target_rbd;

/* The storage behind the device. */
struct vmi_blkback_target {
	const struct vmi_blkback_target_ops *ops;
	const char *path; /* file, device, URI or rbd:POOL/IMAGE; NULL: null */
	void *priv; /* the engine's shared state (nbd, rbd) */
	int fd; /* the file or block device, else -1 */
	bool is_blkdev;
	bool read_only;
	bool direct; /* opened O_DIRECT */
	bool null; /* complete every request without I/O */
	bool zero_range; /* FALLOC_FL_ZERO_RANGE works (else punch holes) */
	/* what the engine can do: the device offers only these */
	bool can_flush, can_fua, can_discard, can_write_zeroes;
	uint64_t timeout_ns; /* remote targets: a request fails after this */
	uint64_t size; /* bytes */
	uint32_t logical_block_size;
	uint32_t physical_block_size;
	uint32_t dio_align; /* memory and offset alignment O_DIRECT needs */
	/* topology hints, bytes (0: unknown) */
	uint32_t alignment_offset, min_io_size, opt_io_size;
	char serial[VMI_BLK_ID_BYTES]; /* GET_ID's answer */
};

/*
 * Counters of one queue. Each is written by the queue's thread only and
 * read by the loop thread (stats), both with relaxed atomics: a reader may
 * see a slightly old value, never a torn one.
 */
#define VMI_BLKBACK_BATCH_BUCKETS 8 /* batch sizes 1, 2-3, 4-7, ..., 128+ */
struct vmi_blkback_stats {
	uint64_t requests; /* answered */
	uint64_t reads, writes, flushes, discards, write_zeroes, get_ids;
	uint64_t set_caches;
	uint64_t read_bytes, write_bytes;
	uint64_t errors; /* answered with a status other than OK */
	uint64_t refused; /* of those, refused by the validator */
	uint64_t batches; /* passes that took at least one request */
	uint64_t batch_max; /* most requests one pass took */
	uint64_t batch_hist[VMI_BLKBACK_BATCH_BUCKETS];
	uint64_t inflight; /* taken, not yet answered: now */
	uint64_t inflight_max;
	uint64_t sleeps; /* times the queue thread slept */
	uint64_t notifies; /* irq eventfd writes */
};

struct vmi_blkback {
	struct vmi_blkback_target target;
	enum vmi_blkback_mode mode;
	uint64_t poll_ns; /* adaptive: idle polling budget */
	unsigned int nr_cpus; /* queue q of a guest runs on cpus[q % n] */
	int cpus[VMI_MAX_QUEUES];
	struct vmi_blk_config config;
	struct vmi_host_dev dev;
	struct vmi_transport *transport;
	/* counters of the guests that left, per queue index (loop thread) */
	struct vmi_blkback_stats totals[VMI_MAX_QUEUES];
	uint64_t started_ns;
};

/* One request the backend has taken and not yet answered. */
struct vmi_blkback_io {
	struct vmi_blk_io io;
	struct iovec iov[VMI_MAX_SEGS];
	struct vmi_blkback_queue *q;
	uint64_t deadline_ns; /* remote targets: answered IOERR by then */
	uint32_t next; /* remote targets: the next one on a list */
	uint16_t parts; /* remote targets: engine commands not yet done */
	uint8_t state; /* remote targets: where the request is */
	bool punched; /* WRITE_ZEROES retried as a hole punch */
	uint16_t range_at; /* DISCARD / WRITE_ZEROES: the range being done */
	uint64_t done; /* READ / WRITE: bytes moved (a short one resumes) */
	bool flushed; /* FUA emulated: the write is done, its flush runs */
	int err; /* the first error of its commands */
};

struct vmi_blkback_guest;

/*
 * One queue of one guest. Everything but stop and stats belongs to the
 * queue's thread; each queue sits on its own cache lines.
 */
struct vmi_blkback_queue {
	struct vmi_blkback_guest *bg;
	unsigned int index;
	pthread_t thread;
	bool started;
	bool stop; /* set by the loop thread, then a kick wakes ours */
	struct vmi_ring req; /* we consume */
	struct vmi_ring rsp; /* we produce */
	uint32_t nr_slots;
	uint8_t *data; /* the queue's data area */
	int kick_fd;
	struct io_uring ring;
	bool ring_ready;
	bool fixed; /* the data area is registered as buffer 0 */
	bool kick_armed; /* a read of kick_fd is in io_uring */
	uint64_t kick_val;
	void *tq; /* the target's state for this queue */
	bool tq_ready; /* queue_init succeeded: queue_exit undoes it */
	int tpoll_fd; /* the target's fd polled in io_uring, or -1 */
	short tpoll_events;
	uint32_t tpoll_gen; /* tells a cancelled poll from the current one */
	bool tpoll_armed;
	uint64_t err_log_ns; /* engine errors are logged once a second */
	uint64_t err_unlogged;
	struct vmi_blkback_io *ios;
	uint32_t *free_ios;
	uint32_t nr_ios, nr_free;
	uint32_t staged; /* answers written to the response ring, unpublished */
	uint32_t owed; /* requests taken whose answers are not published */
	struct vmi_blkback_stats stats __attribute__((aligned(64)));
} __attribute__((aligned(64)));

struct vmi_blkback_guest {
	struct vmi_blkback *bb;
	struct vmi_host_guest *g;
	struct vmi_blk_limits lim;
	/*
	 * Every write is made stable before it is answered: FLUSH not
	 * negotiated, or SET_CACHE chose write-through. Written by the queue
	 * that takes a SET_CACHE, read by all: use vmi_blkback_stable().
	 */
	bool write_through;
	unsigned int nr_queues;
	struct vmi_blkback_queue q[];
};

/* Is every write to be stable before its answer (FUA, write-through)? */
static inline bool vmi_blkback_stable(const struct vmi_blkback_queue *q,
				      const struct vmi_blk_io *io)
{
	return (io->flags & VMI_BLK_REQ_F_FUA) ||
	       __atomic_load_n(&q->bg->write_through, __ATOMIC_RELAXED);
}

/* target.c */
/*
 * Open the target PATH names: nbd://..., nbd+unix://..., rbd:POOL/IMAGE,
 * else a file or block device.
 */
int vmi_blkback_target_open(struct vmi_blkback_target *t, const char *path,
			    bool read_only, bool direct);
/* GET_ID's answer for a remote target: its kind and a hash of its name. */
void vmi_blkback_target_serial(struct vmi_blkback_target *t);
/* The null target: no file, size bytes, every request completes at once. */
void vmi_blkback_target_null(struct vmi_blkback_target *t, uint64_t size);
/* Expose a larger logical block (4096): the size shrinks to a multiple. */
void vmi_blkback_target_block_size(struct vmi_blkback_target *t, uint32_t size);
void vmi_blkback_target_close(struct vmi_blkback_target *t);
/*
 * The config and the features a target supports, for queues of data_size
 * bytes; the device offers these ANDed with the machine description's.
 */
void vmi_blkback_target_config(const struct vmi_blkback_target *t,
			       uint32_t data_size, struct vmi_blk_config *cfg,
			       uint64_t *features);

/* queue.c */
int vmi_blkback_queue_start(struct vmi_blkback_guest *bg, unsigned int index);
void vmi_blkback_queue_stop(struct vmi_blkback_queue *q);
/* Answer a request the target started: err is 0 or -errno. */
void vmi_blkback_io_done(struct vmi_blkback_queue *q,
			 struct vmi_blkback_io *bio, int err);
/* An SQE of the queue's io_uring for the request (there is always one). */
struct io_uring_sqe *vmi_blkback_sqe(struct vmi_blkback_queue *q,
				     struct vmi_blkback_io *bio);
/* bio->iov: the request's segments in the data area. */
void vmi_blkback_io_iov(struct vmi_blkback_queue *q,
			struct vmi_blkback_io *bio);
uint64_t vmi_blkback_now_ns(void);

/* stats.c */
void vmi_blkback_stats_add(struct vmi_blkback_stats *to,
			   const struct vmi_blkback_stats *from);
void vmi_blkback_stats_json(struct vmi_blkback *bb, FILE *f);

#endif /* VMI_BLKBACK_H */

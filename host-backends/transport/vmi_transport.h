/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of vmipv's transports, shared by every device backend
 * (vmi-blkback, vmi-netback): it admits guests, hands each one its shared
 * memory and notification eventfds, watches it, and drops it alone when it
 * misbehaves or leaves. A backend sees only struct vmi_host_guest (mapped
 * memory, negotiated features, one kick and one irq eventfd per queue) and
 * two callbacks, so the process transport (a Unix socket, docs/ABI.md part
 * (f)) and the ivshmem server plug into the same backends through
 * struct vmi_transport_ops.
 *
 * Threads: the transport runs in the thread that calls vmi_transport_run();
 * the callbacks run there too. A backend's own threads may call only
 * vmi_host_guest_fail() and vmi_host_guest_notify().
 */
#ifndef VMI_TRANSPORT_H
#define VMI_TRANSPORT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vmi_layout.h>
#include <vmi_ring.h>

struct vmi_transport;

/* One guest admitted to one device: what its backend serves. */
struct vmi_host_guest {
	struct vmi_transport *t;
	unsigned int id; /* per device, from 1, for log lines */
	char name[64]; /* "blk0 guest 3 (pid 1234)" */
	struct vmi_shm_hdr *shm; /* mapped, shm_size bytes */
	uint64_t shm_size;
	uint64_t features; /* negotiated: offered & accepted */
	unsigned int nr_queues; /* served: queues 0..nr_queues-1 */
	int kick_fd[VMI_MAX_QUEUES]; /* eventfd, guest -> host */
	int irq_fd[VMI_MAX_QUEUES]; /* eventfd, host -> guest */
	void *priv; /* the backend's, set by its attach */
};

/* What a device backend gives the transport. */
struct vmi_host_dev_ops {
	/*
	 * The guest finished the handshake: start serving g's queues.
	 * Returns 0 or a negative errno, and then the guest is dropped.
	 */
	int (*attach)(void *dev, struct vmi_host_guest *g);
	/*
	 * The guest is going (it left, misbehaved, or the backend stops):
	 * stop its queues and release what attach took. Called once for each
	 * successful attach; the shared memory stays mapped until it returns.
	 */
	void (*detach)(void *dev, struct vmi_host_guest *g);
};

/* One device as the transport offers it. */
struct vmi_host_dev {
	const char *name; /* "blk0", for log lines */
	struct vmi_layout layout;
	uint16_t instance;
	uint64_t features; /* offered */
	const void *config; /* class config for vmi_shm_hdr.config */
	size_t config_len;
	unsigned int max_guests; /* connected at once */
	const struct vmi_host_dev_ops *ops;
	void *priv; /* handed to ops */
};

/*
 * A transport kind: how guests reach the device. open() starts listening
 * at the device entry's locator (a socket path for the process transport)
 * and registers its descriptors with the loop; close() undoes that. The
 * common code keeps the guests, their deadlines and the heartbeat.
 */
struct vmi_tguest;
struct vmi_transport_ops {
	const char *name;
	int (*open)(struct vmi_transport *t, const char *locator);
	void (*close)(struct vmi_transport *t);
	/*
	 * Optional: a guest is being dropped; release what the kind added
	 * to it (descriptors, watches). Its kind_priv is freed with it.
	 */
	void (*guest_drop)(struct vmi_transport *t, struct vmi_tguest *tg);
};

extern const struct vmi_transport_ops vmi_transport_process;
/* QEMU's ivshmem-doorbell: the locator is the server socket's path. */
extern const struct vmi_transport_ops vmi_transport_ivshmem;

/*
 * vmi_transport_open - serve dev through a transport kind at locator.
 * Returns 0, or a negative errno after logging why (the socket cannot be
 * bound, another backend owns it, ...).
 */
int vmi_transport_open(const struct vmi_transport_ops *ops,
		       const struct vmi_host_dev *dev, const char *locator,
		       struct vmi_transport **out);

/*
 * Watch another descriptor in the transport's loop (a signalfd, a control
 * socket): cb runs in the loop's thread whenever fd is readable.
 */
int vmi_transport_watch(struct vmi_transport *t, int fd,
			void (*cb)(void *arg, int fd), void *arg);

/* Run until vmi_transport_stop(); returns 0 or a negative errno. */
int vmi_transport_run(struct vmi_transport *t);
void vmi_transport_stop(struct vmi_transport *t);

/* Drop every guest (detach each), stop listening, free t. */
void vmi_transport_close(struct vmi_transport *t);

/* Call fn for each guest being served, in the loop's thread. */
void vmi_transport_for_each_guest(struct vmi_transport *t,
				  void (*fn)(void *arg,
					     struct vmi_host_guest *g),
				  void *arg);

/*
 * vmi_host_guest_fail - a backend thread saw g break the protocol (a ring
 * index out of range, ...): log one line naming g and what it did, mark
 * the device NEEDS_RESET in g's shared memory, and have the loop drop g.
 * The caller stops touching g's rings and returns from its queue work.
 */
void vmi_host_guest_fail(struct vmi_host_guest *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Wake the guest waiting on queue q (one eventfd write). */
void vmi_host_guest_notify(struct vmi_host_guest *g, unsigned int q);

/* One log line on stderr, prefixed with the program and device name. */
void vmi_transport_log(const struct vmi_transport *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- What every backend's main and queues share (backend.c) ------------ */

struct vmi_machine;
struct vmi_machine_dev;

/*
 * vmi_host_machine_dev - load the machine description at path and take its
 * device number index, which must be of class dev_class with a socket on
 * the process or ivshmem transport. Logs why not on stderr, prefixed with
 * prog. Returns 0 with *md set (m owns it: vmi_machine_free(m)), or a
 * negative errno: the parser's, or -ENODEV for a missing or unfit device.
 */
int vmi_host_machine_dev(const char *prog, const char *path,
			 unsigned long index, uint16_t dev_class,
			 struct vmi_machine *m,
			 const struct vmi_machine_dev **md);

/* The transport kind a machine description's device is reached through. */
const struct vmi_transport_ops *
vmi_transport_kind(const struct vmi_machine_dev *md);

/*
 * vmi_transport_stop_on_signals - have SIGINT, SIGTERM and SIGHUP stop t's
 * loop (through a signalfd in the loop, with one log line), and ignore
 * SIGPIPE. Call it before the backend starts a thread: the signals are
 * blocked in the calling thread, and threads inherit that. Returns the
 * signalfd, to be closed after vmi_transport_close(), or a negative errno.
 */
int vmi_transport_stop_on_signals(struct vmi_transport *t);

/*
 * vmi_host_guest_queue - attach to queue q of g's shared memory (laid out
 * by l) as the host: consumer of the request ring, producer of the
 * response ring; *data is the queue's data area. Returns 0 or the ring
 * code's -EINVAL/-EPROTO (the guest scribbled on the indices already).
 */
int vmi_host_guest_queue(const struct vmi_host_guest *g,
			 const struct vmi_layout *l, unsigned int q,
			 struct vmi_ring *req, struct vmi_ring *rsp,
			 uint8_t **data);

/*
 * A queue served by a thread of its own, for a class whose requests are
 * answered at once, one response each, in order (vmi-rngback). The thread
 * takes what the request ring holds (never more than the response ring
 * has room to answer), copies each slot out and hands the copy to serve(),
 * which writes the answer into the response slot it is given; all answers
 * of a pass are published with one index store and at most one
 * notification. With nothing to do it arms the event indices, re-checks,
 * and sleeps in poll() on the queue's kick eventfd (no polling phase).
 * Impossible ring indices fail the guest (vmi_host_guest_fail()).
 */
struct vmi_host_queue {
	struct vmi_host_guest *g;
	unsigned int index;
	uint8_t *data; /* the queue's data area */
	uint32_t data_size;
	/*
	 * Answer one request: req is the thread's own copy of the slot
	 * (req_slot_size bytes, never the shared slot), rsp the response
	 * slot to fill (rsp_slot_size bytes of shared memory).
	 */
	void (*serve)(struct vmi_host_queue *hq, const void *req, void *rsp);
	void *priv; /* the backend's, for serve() */
	/* the thread's own */
	struct vmi_ring req; /* we consume */
	struct vmi_ring rsp; /* we produce */
	pthread_t thread;
	bool started;
	bool stop; /* set by vmi_host_queue_stop(), then a kick wakes it */
} __attribute__((aligned(64)));

/*
 * vmi_host_queue_start - attach hq (with g, serve and priv set by the
 * caller, the rest zero) to queue q of g, laid out as dev says, and start
 * its thread, named "DEV.gID.qQ". Returns 0 or a negative errno.
 */
int vmi_host_queue_start(struct vmi_host_queue *hq,
			 const struct vmi_host_dev *dev, unsigned int q);

/* Stop hq's thread (if it runs) and wait for it. */
void vmi_host_queue_stop(struct vmi_host_queue *hq);

/*
 * The device ops of a class served by vmi_host_queue threads: set
 * dev->ops = &vmi_host_queue_ops and dev->priv to a struct
 * vmi_host_queue_class, and every queue of every guest gets a thread that
 * calls serve() with the class's priv in hq->priv.
 */
struct vmi_host_queue_class {
	const struct vmi_host_dev *dev;
	void (*serve)(struct vmi_host_queue *hq, const void *req, void *rsp);
	void *priv;
};

extern const struct vmi_host_dev_ops vmi_host_queue_ops;

/* ---- Counters on demand (host_stats.c) --------------------------------- */

/*
 * A backend's stats JSON on demand: SIGUSR1 writes it to file (replaced
 * atomically; stderr when file is NULL), and each connection to the Unix
 * socket control (when not NULL) reads one document. json() writes the
 * document; it runs in the loop's thread.
 */
struct vmi_host_stats {
	struct vmi_transport *t;
	const char *file;
	const char *control;
	void (*json)(void *arg, FILE *f);
	void *arg;
	int signal_fd; /* the stats' own */
	int control_fd;
};

/*
 * vmi_host_stats_open - watch SIGUSR1 (blocked here: call it before the
 * backend starts a thread, or block SIGUSR1 before) and the control
 * socket in s->t's loop. Returns 0 or a negative errno after logging it;
 * either way vmi_host_stats_close() after vmi_transport_close().
 */
int vmi_host_stats_open(struct vmi_host_stats *s);
void vmi_host_stats_close(struct vmi_host_stats *s);

/* A JSON string: quotes, backslashes and control bytes escaped. */
void vmi_host_json_str(FILE *f, const char *s);

/*
 * A whole decimal, hex (0x) or octal (0) number, no sign: 0, or -EINVAL
 * for anything else (empty, trailing bytes, out of range).
 */
int vmi_host_parse_u64(const char *s, uint64_t *v);

#endif /* VMI_TRANSPORT_H */

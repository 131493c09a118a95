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

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmi_layout.h>

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

#endif /* VMI_TRANSPORT_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to host-backends/transport: the loop and guest bookkeeping that
 * every transport kind (process.c, later the ivshmem server) shares.
 * Backends include vmi_transport.h instead.
 */
#ifndef VMI_TRANSPORT_PRIV_H
#define VMI_TRANSPORT_PRIV_H

#include "vmi_transport.h"

/* How long a guest may take from connect to READY. */
#define VMI_TRANSPORT_HANDSHAKE_MS 3000
/*
 * The loop's tick: heartbeat bump and deadline resolution. Half the ABI's
 * VMI_HEARTBEAT_PERIOD_MS, so that a tick late by up to a period still
 * bumps the heartbeat in time.
 */
#define VMI_TRANSPORT_TICK_MS (VMI_HEARTBEAT_PERIOD_MS / 2)

/* A descriptor the loop waits on, and what to do when it is ready. */
struct vmi_watch {
	int fd;
	void (*cb)(struct vmi_transport *t, struct vmi_watch *w,
		   uint32_t events);
	void *arg;
	void (*user_cb)(void *arg, int fd); /* vmi_transport_watch() */
	struct vmi_watch *next;
};

enum vmi_guest_state {
	VMI_GUEST_HANDSHAKE, /* connected, HELLO/WELCOME/READY under way */
	VMI_GUEST_SERVING, /* attached to the backend */
};

/* A guest as the transport keeps it; g is what the backend sees. */
struct vmi_tguest {
	struct vmi_host_guest g;
	enum vmi_guest_state state;
	struct vmi_watch watch; /* the guest's connection */
	uint64_t deadline_ns; /* end of the handshake */
	uint64_t offered; /* features in the WELCOME */
	uint32_t heartbeat;
	bool failed; /* set by vmi_host_guest_fail(), any thread */
	void *kind_priv; /* the transport kind's, freed with the guest */
	struct vmi_tguest *next;
};

struct vmi_transport {
	const struct vmi_transport_ops *ops;
	const struct vmi_host_dev *dev;
	int epfd;
	int wake_fd; /* eventfd: a backend thread failed a guest */
	struct vmi_watch wake_watch;
	struct vmi_watch *watches; /* vmi_transport_watch() */
	struct vmi_tguest *guests;
	struct vmi_tguest *dead; /* dropped, freed after the event batch */
	unsigned int nr_guests;
	unsigned int next_id;
	bool stop;
	void *kind; /* the transport kind's state */
};

/*
 * vmi_transport_listen - a transport kind's open(): listen on path (a Unix
 * socket of the given type) in t's loop, and hand each connection to
 * accept() with the peer's pid (-1 if unknown), non-blocking and
 * close-on-exec. A socket file left by a server that died is removed; one
 * that a live server still accepts on is not ours (-EADDRINUSE). Returns
 * 0 or a negative errno after logging why. The listener is t->kind.
 */
int vmi_transport_listen(struct vmi_transport *t, const char *path, int type,
			 void (*accept)(struct vmi_transport *t, int fd,
					int pid));
/* A transport kind's close(): stop listening, remove the socket file. */
void vmi_transport_unlisten(struct vmi_transport *t);

/*
 * The guest's shared memory: a memfd of size bytes named "vmi-DEV-KIND<id>",
 * sealed against resizing (so that the guest cannot shrink it under our
 * mapping and fault the backend), mapped into tg->g.shm. Returns the memfd
 * or a negative errno.
 */
int vmi_transport_guest_shm(struct vmi_transport *t, struct vmi_tguest *tg,
			    const char *kind, uint64_t size);

uint64_t vmi_transport_now_ns(void);

/* Register w (its fd, cb and arg set) with the loop, or remove it. */
int vmi_transport_add_watch(struct vmi_transport *t, struct vmi_watch *w);
void vmi_transport_del_watch(struct vmi_transport *t, struct vmi_watch *w);

/*
 * A new connection on fd from process pid: a guest in the handshake, with
 * a deadline, its watch calling cb. Returns NULL (fd closed, logged) if the
 * device has max_guests already or memory runs out.
 */
struct vmi_tguest *
vmi_transport_guest_new(struct vmi_transport *t, int fd, int pid,
			void (*cb)(struct vmi_transport *t, struct vmi_watch *w,
				   uint32_t events));

/*
 * The handshake is done: mark the device ALIVE and attach the backend.
 * Returns 0, or a negative errno after dropping the guest.
 */
int vmi_transport_guest_admit(struct vmi_transport *t, struct vmi_tguest *tg);

/*
 * Drop a guest: log "dropped: <why>", detach it if it was served, close
 * its descriptors, unmap its memory, free it.
 */
void vmi_transport_guest_drop(struct vmi_transport *t, struct vmi_tguest *tg,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* vmi_transport_log() for one guest: the line names it. */
void vmi_transport_guest_log(const struct vmi_tguest *tg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* VMI_TRANSPORT_PRIV_H */

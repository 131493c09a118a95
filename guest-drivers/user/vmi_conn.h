/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest side of the process transport (docs/ABI.md part (f)), shared by
 * every device class of a process guest: find a device in the bound ROM,
 * connect to the backend's socket its entry names, negotiate features,
 * receive and check the shared memory and the eventfds, and notice the
 * backend's end.
 *
 * The connection fills the struct vmi_rom_notify_ctx that the ROM's
 * QueueNotify, QueueIrqAck and WaitEvent calls take, so that a device front
 * never touches an eventfd: it calls the ROM (vmi_conn_notify(),
 * vmi_conn_wait()).
 */
#ifndef VMI_CONN_H
#define VMI_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmi/rom.h>
#include <vmi_guest.h>
#include <vmi_layout.h>

struct vmi_conn {
	const struct vmi_guest *guest; /* the bound ROM (or native) */
	int sock;
	struct vmi_rom_dev dev; /* the ROM's entry, copied */
	struct vmi_layout layout;
	struct vmi_shm_hdr *shm; /* mapped, checked against layout */
	uint64_t shm_size;
	uint64_t features; /* negotiated */
	unsigned int nr_queues;
	int32_t kick_fds[VMI_MAX_QUEUES];
	int32_t irq_fds[VMI_MAX_QUEUES];
	struct vmi_rom_notify_ctx ctx; /* for the ROM's device calls */
};

/* Format the message into err (if err is not NULL) and return ret. */
int vmi_conn_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Copy the class config (len bytes) out of the shared header, consistent
 * with the host's writes (vmi_shm_config_read()), and check the versioned
 * head every class config starts with: le32 magic, le16 version_major, le16
 * version_minor. Returns 0, -EAGAIN (the host never finished writing it) or
 * -EPROTONOSUPPORT (another magic or major), with the reason in err.
 */
int vmi_conn_read_config(const struct vmi_conn *c, void *cfg, size_t len,
			 uint32_t magic, uint16_t major, char *err,
			 size_t errlen);

/* CLOCK_MONOTONIC in nanoseconds: the guests' idle and liveness clocks. */
uint64_t vmi_conn_now_ns(void);

/* What a polling loop does between two looks at the rings. */
static inline void vmi_conn_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * vmi_conn_find - device table entry index of the bound ROM g: it must be
 * of class dev_class on the process transport. Copies the entry to *dev and
 * its socket path, NUL-terminated, to path (pathlen >= 108).
 * Returns 0, -ENODEV (no such entry: no ROM, index past the table, another
 * class or transport) or -EINVAL, with err saying which.
 */
int vmi_conn_find(const struct vmi_guest *g, unsigned int index,
		  uint16_t dev_class, struct vmi_rom_dev *dev, char *path,
		  size_t pathlen, char *err, size_t errlen);

/*
 * vmi_conn_open - connect to the device dev describes at socket path.
 * @g:         the bound ROM whose calls notify and wait
 * @nr_queues: queues to be served (0..nr_queues-1), 0 for all
 * @supported: features the driver supports; the connection accepts
 *             offered & supported, which must include VMI_F_VERSION_1
 * @timeout_ms: for the whole handshake, until the backend marks the
 *             device ALIVE
 *
 * Returns 0, or a negative errno with err naming what failed: the socket
 * (-errno of connect), the backend's refusal (-status of its WELCOME), a
 * bad message or shared memory (-EPROTO), the timeout (-ETIMEDOUT).
 */
int vmi_conn_open(struct vmi_conn *c, const struct vmi_guest *g,
		  const struct vmi_rom_dev *dev, const char *path,
		  unsigned int nr_queues, uint64_t supported, int timeout_ms,
		  char *err, size_t errlen);

/* Close the socket and eventfds, unmap the memory. */
void vmi_conn_close(struct vmi_conn *c);

/* A device front's start: its ROM bound, its device found and connected. */
struct vmi_conn_dev {
	struct vmi_guest guest;
	struct vmi_conn conn;
	bool connected;
};

/*
 * vmi_conn_dev_open - bind the ROM file rom into cd (zeroed by the
 * caller), find device index of class dev_class (index < 0: the first of
 * that class on the process transport) and connect to it (vmi_conn_open()
 * with nr_queues, supported and timeout_ms). Returns 0 or a negative
 * errno with err saying why; cd must be closed with vmi_conn_dev_close()
 * either way.
 */
int vmi_conn_dev_open(struct vmi_conn_dev *cd, const char *rom, int index,
		      uint16_t dev_class, unsigned int nr_queues,
		      uint64_t supported, int timeout_ms, char *err,
		      size_t errlen);

/* Disconnect (if connected) and release the ROM. */
void vmi_conn_dev_close(struct vmi_conn_dev *cd);

/*
 * Is the backend still there? False once the socket reached its end or
 * the backend flagged NEEDS_RESET: the guest must give up on its requests.
 * One poll() and one load; cheap enough for every idle wakeup.
 */
bool vmi_conn_alive(struct vmi_conn *c);

/* The shared memory's heartbeat (VMI_F_HEARTBEAT), read once. */
uint32_t vmi_conn_heartbeat(const struct vmi_conn *c);

/* Queue q's request ring, response ring and data area. */
void *vmi_conn_req_ring(const struct vmi_conn *c, unsigned int q);
void *vmi_conn_rsp_ring(const struct vmi_conn *c, unsigned int q);
void *vmi_conn_data(const struct vmi_conn *c, unsigned int q);

struct vmi_ring;

/*
 * vmi_conn_queue - attach to queue q as the guest: producer of its request
 * ring, consumer of its response ring, with the layout's slot sizes.
 * Returns 0 or the ring code's -EINVAL/-EPROTO.
 */
int vmi_conn_queue(const struct vmi_conn *c, unsigned int q,
		   struct vmi_ring *req, struct vmi_ring *rsp);

/* The ROM's QueueNotify for queue q: wake the backend. */
void vmi_conn_notify(const struct vmi_conn *c, unsigned int q);

/*
 * The ROM's WaitEvent for queue q: sleep until the backend signals q or
 * timeout_ns passes. Returns 1 (signalled), 0 (timeout) or a negative
 * errno.
 */
long vmi_conn_wait(const struct vmi_conn *c, unsigned int q,
		   int64_t timeout_ns);

#endif /* VMI_CONN_H */

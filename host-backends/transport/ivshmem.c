// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ivshmem transport, host side (docs/ABI.md part (f), "QEMU guests"):
 * the backend is the ivshmem server that QEMU's ivshmem-doorbell device
 * connects to (-chardev socket,path=LOCATOR -device ivshmem-doorbell,
 * chardev=...,vectors=nr_queues+1), and at the same time the one peer that
 * guest talks to.
 *
 * QEMU's server protocol (docs/specs/ivshmem-spec in QEMU) is one-way: the
 * server sends 8-byte little-endian numbers, some with one descriptor:
 *
 *   0                   protocol version
 *   ID                  the new client's peer id
 *   -1 + memfd          the shared memory (BAR2)
 *   0 + eventfd, N x    connect notification of peer 0, the backend:
 *                       one eventfd per vector, which the guest's doorbell
 *                       writes (vector 0 configuration, q + 1 queue q)
 *   ID + eventfd, N x   interrupt setup: the client's own vectors, which
 *                       the backend writes to raise MSI-X vector v
 *
 * Each connection is its own guest with its own memory: the backend is peer
 * 0 for every guest and tells no guest about another. Unlike a process
 * guest, a QEMU guest connects once when the machine starts and its driver
 * may bind, unbind and bind again for the machine's whole life, so the
 * handshake runs in the shared-memory header, driven by vector 0: the guest
 * resets (driver_status 0), negotiates, sets DRIVER_OK; the backend answers
 * each ring of vector 0 by reading driver_status once, and rings the
 * guest's vector 0 after it changes device_status or generation. The
 * connection has no handshake deadline; its end (QEMU exits) drops the
 * guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "transport_priv.h"

#define VMI_IVSHMEM_PROTOCOL_VERSION 0
#define VMI_IVSHMEM_MAX_PEER 65535 /* the doorbell has 16 bits for it */

/* What the ivshmem transport keeps for one QEMU guest (tg->kind_priv). */
struct vmi_ivshmem_guest {
	struct vmi_tguest *tg;
	struct vmi_watch config; /* our vector 0: the guest rang it */
	int guest_config_fd; /* the guest's vector 0: we ring it */
	uint32_t generation; /* last written to the header: even at rest */
};

/* One server message: a little-endian int64, with fd when fd >= 0. */
static int vmi_ivshmem_send(int sock, int64_t value, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	vmi_le64 le = vmi_cpu_to_le64((uint64_t)value);
	struct iovec iov = { &le, sizeof(le) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	/*
	 * The socket is new and each message is 8 bytes: a few hundred of
	 * them fit its buffer, so a short or failed send is an error.
	 */
	if (sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(le))
		return errno ? -errno : -EIO;
	return 0;
}

static void vmi_ivshmem_ring(struct vmi_ivshmem_guest *ig)
{
	uint64_t one = 1;

	if (write(ig->guest_config_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		vmi_transport_guest_log(ig->tg, "write(config eventfd): %s",
					strerror(errno));
}

/*
 * Lay the guest's memory out afresh: zeroed header and rings, the header
 * as the layout rule says, a new generation. The data areas keep their
 * bytes: no request refers to them any more.
 */
static void vmi_ivshmem_layout(struct vmi_transport *t,
			       struct vmi_ivshmem_guest *ig)
{
	const struct vmi_host_dev *dev = t->dev;
	struct vmi_host_guest *g = &ig->tg->g;
	const size_t gen = offsetof(struct vmi_shm_hdr, generation);
	const size_t after = gen + sizeof(g->shm->generation);
	uint8_t *p = (uint8_t *)g->shm;

	/*
	 * A new header is a config change (docs/ABI.md part (e)): the guest
	 * takes the next even generation as "the header is ready"
	 * (vmi_dev_reset()), so generation goes from the old even value
	 * through one odd one to the next even one and through nothing
	 * else: the zeroing leaves it alone.
	 */
	vmi_shm_config_begin(g->shm, &ig->generation);
	memset(p, 0, gen);
	memset(p + after, 0, dev->layout.data_offset - after);
	vmi_shm_hdr_init(g->shm, &dev->layout, ig->tg->offered, dev->config,
			 dev->config_len);
	vmi_shm_config_end(g->shm, &ig->generation);
}

/* The guest reset the device, or gave up: stop serving, start over. */
static void vmi_ivshmem_reset(struct vmi_transport *t,
			      struct vmi_ivshmem_guest *ig, uint32_t status)
{
	struct vmi_tguest *tg = ig->tg;

	if (tg->state == VMI_GUEST_SERVING) {
		vmi_transport_guest_log(tg, "driver_status %#x: reset", status);
		t->dev->ops->detach(t->dev->priv, &tg->g);
		tg->state = VMI_GUEST_HANDSHAKE;
	}
	vmi_ivshmem_layout(t, ig);
	vmi_ivshmem_ring(ig);
}

/* The guest set DRIVER_OK: check what it accepted, then serve it. */
static void vmi_ivshmem_driver_ok(struct vmi_transport *t,
				  struct vmi_ivshmem_guest *ig)
{
	struct vmi_tguest *tg = ig->tg;
	struct vmi_shm_hdr *h = tg->g.shm;
	uint64_t accepted =
		vmi_le64_to_cpu(vmi_load_acquire(&h->driver_features));

	if (accepted & ~tg->offered ||
	    !(accepted & VMI_FEATURE(VMI_F_VERSION_1))) {
		vmi_transport_guest_log(
			tg,
			"driver_features %#llx is not a subset of %#llx with VERSION_1: rejected",
			(unsigned long long)accepted,
			(unsigned long long)tg->offered);
		vmi_fetch_or_release(
			&h->device_status,
			vmi_cpu_to_le32(VMI_DEVICE_FEATURES_REJECTED));
		vmi_ivshmem_ring(ig);
		return;
	}
	tg->g.features = accepted;
	/* On failure the guest is dropped, and ig with it. */
	if (vmi_transport_guest_admit(t, tg) == 0)
		vmi_ivshmem_ring(ig);
}

/* Vector 0 from the guest: driver_status changed. */
static void vmi_ivshmem_config_cb(struct vmi_transport *t, struct vmi_watch *w,
				  uint32_t events)
{
	struct vmi_ivshmem_guest *ig = w->arg;
	struct vmi_tguest *tg = ig->tg;
	uint32_t status;
	uint64_t v;

	(void)events;
	if (read(w->fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		vmi_transport_guest_drop(t, tg, "read(config eventfd): %s",
					 strerror(errno));
		return;
	}
	status = vmi_le32_to_cpu(vmi_load_acquire(&tg->g.shm->driver_status));
	if (status == 0 || (status & VMI_STATUS_FAILED)) {
		vmi_ivshmem_reset(t, ig, status);
	} else if (tg->state == VMI_GUEST_HANDSHAKE &&
		   (status & VMI_STATUS_DRIVER_OK) &&
		   !(vmi_le32_to_cpu(
			     vmi_load_acquire(&tg->g.shm->device_status)) &
		     VMI_DEVICE_FEATURES_REJECTED)) {
		vmi_ivshmem_driver_ok(t, ig);
	}
	/* ACKNOWLEDGE, DRIVER, FEATURES_OK alone need no answer. */
}

/* QEMU never writes to the socket: anything readable is EOF or garbage. */
static void vmi_ivshmem_conn_cb(struct vmi_transport *t, struct vmi_watch *w,
				uint32_t events)
{
	struct vmi_tguest *tg = w->arg;
	char buf[64];
	ssize_t n;

	(void)events;
	n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0)
		vmi_transport_guest_drop(t, tg, "disconnected");
	else if (n < 0)
		vmi_transport_guest_drop(t, tg, "recv: %s", strerror(errno));
	else
		vmi_transport_guest_drop(t, tg,
					 "sent %zd bytes; clients of an "
					 "ivshmem server never send",
					 n);
}

/* ivshmem's BAR2 must be a power of two; the layout fills its start. */
static uint64_t vmi_ivshmem_bar_size(uint64_t shm_size)
{
	uint64_t size = 4096;

	while (size < shm_size)
		size <<= 1;
	return size;
}

/*
 * Everything a new client gets at once: QEMU reads the version, its id and
 * the memory while it creates the device, the eventfds afterwards.
 */
static int vmi_ivshmem_setup(struct vmi_transport *t,
			     struct vmi_ivshmem_guest *ig, int sock)
{
	struct vmi_tguest *tg = ig->tg;
	unsigned int nr_vectors = tg->g.nr_queues + 1, v;
	int64_t id = tg->g.id;
	int memfd = -1, host_fd[VMI_MAX_QUEUES + 1], guest_fd, ret;

	memfd = vmi_transport_guest_shm(
		t, tg, "qemu", vmi_ivshmem_bar_size(t->dev->layout.shm_size));
	ret = memfd < 0 ? memfd : 0;
	if (ret)
		return ret;
	ig->config.fd = -1;
	for (v = 0; v < nr_vectors; v++) {
		/*
		 * host_fd: ours, written by the guest's doorbell; guest_fd:
		 * the guest's, written by us to interrupt it. Both are kept
		 * where the drop closes them before either can fail.
		 */
		host_fd[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		guest_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (v == 0) {
			ig->config.fd = host_fd[0];
			ig->guest_config_fd = guest_fd;
		} else {
			tg->g.kick_fd[v - 1] = host_fd[v];
			tg->g.irq_fd[v - 1] = guest_fd;
		}
		if (host_fd[v] < 0 || guest_fd < 0) {
			ret = -errno;
			goto out;
		}
	}
	vmi_ivshmem_layout(t, ig);

	ret = vmi_ivshmem_send(sock, VMI_IVSHMEM_PROTOCOL_VERSION, -1);
	if (!ret)
		ret = vmi_ivshmem_send(sock, id, -1);
	if (!ret)
		ret = vmi_ivshmem_send(sock, -1, memfd);
	for (v = 0; v < nr_vectors && !ret; v++)
		ret = vmi_ivshmem_send(sock, VMI_IVSHMEM_HOST_PEER, host_fd[v]);
	for (v = 0; v < nr_vectors && !ret; v++)
		ret = vmi_ivshmem_send(sock, id,
				       v ? tg->g.irq_fd[v - 1] :
					   ig->guest_config_fd);
	if (!ret)
		ret = vmi_transport_add_watch(t, &ig->config);
out:
	/* QEMU has its copy; our mapping keeps the memory. */
	close(memfd);
	return ret;
}

static void vmi_ivshmem_accept(struct vmi_transport *t, int sock, int pid)
{
	struct vmi_ivshmem_guest *ig = calloc(1, sizeof(*ig));
	struct vmi_tguest *tg;
	int ret;

	if (!ig) {
		close(sock);
		return;
	}
	ig->guest_config_fd = -1;
	ig->config.fd = -1;
	tg = vmi_transport_guest_new(t, sock, pid, vmi_ivshmem_conn_cb);
	if (!tg) {
		free(ig);
		return;
	}
	ig->tg = tg;
	ig->config.cb = vmi_ivshmem_config_cb;
	ig->config.arg = ig;
	tg->kind_priv = ig;
	/* The guest's driver binds when the guest has booted, if ever. */
	tg->deadline_ns = UINT64_MAX;
	tg->g.nr_queues = t->dev->layout.p.nr_queues;
	tg->offered = t->dev->features;
	if (tg->g.id > VMI_IVSHMEM_MAX_PEER) {
		vmi_transport_guest_drop(t, tg, "peer id %u exceeds %u",
					 tg->g.id, VMI_IVSHMEM_MAX_PEER);
		return;
	}
	ret = vmi_ivshmem_setup(t, ig, sock);
	if (ret) {
		vmi_transport_guest_drop(t, tg, "ivshmem setup: %s",
					 strerror(-ret));
		return;
	}
	vmi_transport_guest_log(tg, "peer %u: %u vectors, %llu bytes of BAR2",
				tg->g.id, tg->g.nr_queues + 1,
				(unsigned long long)tg->g.shm_size);
}

/*
 * Called by vmi_transport_guest_drop(): close what accept added. The
 * common code frees ig with the guest, after the current batch of events,
 * which may still name ig->config: its cb == NULL makes the loop skip it.
 */
static void vmi_ivshmem_guest_drop(struct vmi_transport *t,
				   struct vmi_tguest *tg)
{
	struct vmi_ivshmem_guest *ig = tg->kind_priv;

	if (!ig)
		return;
	if (ig->config.fd >= 0) {
		vmi_transport_del_watch(t, &ig->config);
		close(ig->config.fd);
	}
	if (ig->guest_config_fd >= 0)
		close(ig->guest_config_fd);
	ig->config.cb = NULL;
}

static int vmi_ivshmem_open(struct vmi_transport *t, const char *path)
{
	return vmi_transport_listen(t, path, SOCK_STREAM, vmi_ivshmem_accept);
}

const struct vmi_transport_ops vmi_transport_ivshmem = {
	.name = "ivshmem",
	.open = vmi_ivshmem_open,
	.close = vmi_transport_unlisten,
	.guest_drop = vmi_ivshmem_guest_drop,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process transport, host side (docs/ABI.md part (f)): a Unix
 * SOCK_SEQPACKET socket at the device's locator path. Each guest that
 * connects says HELLO, gets a WELCOME with a sealed memfd (laid out by the
 * layout rule) and one kick and one irq eventfd per queue over SCM_RIGHTS,
 * and answers READY; then the backend serves it until the connection ends.
 *
 * Every field of every message is checked, and anything unexpected (a
 * wrong size, magic, type, a non-zero reserved byte, descriptors sent to
 * us, a message after READY) drops that guest with a line naming the field.
 * SEQPACKET keeps message boundaries, so a short or long message is seen as
 * such instead of desynchronising the stream.
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

/*
 * What a guest's message must leave zero (reserved fields, and those only
 * a WELCOME uses): room to grow the protocol later.
 */
static const char *vmi_msg_bad_reserved(const struct vmi_msg *m)
{
	static const uint8_t zero[sizeof(m->reserved)];

	if (m->reserved0)
		return "reserved0";
	if (memcmp(m->reserved, zero, sizeof(zero)))
		return "reserved";
	if (m->nr_fds)
		return "nr_fds";
	if (m->status)
		return "status";
	if (m->shm_size)
		return "shm_size";
	return NULL;
}

/*
 * Receive one message. Returns 1 with *m filled, 0 on EOF, -EAGAIN when
 * nothing is there, or -EPROTO with *why set for garbage.
 */
static int vmi_process_recv(int fd, struct vmi_msg *m, char *why, size_t len)
{
	union {
		char buf[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint8_t raw[sizeof(*m) + 1];
	struct iovec iov = { raw, sizeof(raw) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	bool fds = false;
	ssize_t n;

	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		snprintf(why, len, "recvmsg: %s", strerror(errno));
		return -EPROTO;
	}
	if (n == 0)
		return 0;
	/* A guest has no descriptors to give us: close whatever came. */
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int *p = (int *)CMSG_DATA(c);
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			while (k--)
				close(p[k]);
			fds = true;
		}
	}
	if (fds || (mh.msg_flags & MSG_CTRUNC)) {
		snprintf(why, len, "sent file descriptors");
		return -EPROTO;
	}
	if (n != sizeof(*m) || (mh.msg_flags & MSG_TRUNC)) {
		snprintf(why, len, "message of %zd bytes, expected %zu", n,
			 sizeof(*m));
		return -EPROTO;
	}
	memcpy(m, raw, sizeof(*m));
	if (vmi_le32_to_cpu(m->magic) != VMI_MSG_MAGIC) {
		snprintf(why, len, "message magic %#x",
			 vmi_le32_to_cpu(m->magic));
		return -EPROTO;
	}
	if (vmi_le16_to_cpu(m->version) != VMI_MSG_VERSION) {
		snprintf(why, len, "message version %u",
			 vmi_le16_to_cpu(m->version));
		return -EPROTO;
	}
	return 1;
}

static int vmi_process_send(int fd, const struct vmi_msg *m, const int *fds,
			    unsigned int nr_fds)
{
	union {
		char buf[CMSG_SPACE((1 + 2 * VMI_MAX_QUEUES) * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nr_fds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nr_fds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nr_fds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nr_fds * sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(*m))
		return -errno;
	return 0;
}

static void vmi_process_msg_init(struct vmi_msg *m, enum vmi_msg_type type)
{
	memset(m, 0, sizeof(*m));
	m->magic = vmi_cpu_to_le32(VMI_MSG_MAGIC);
	m->version = vmi_cpu_to_le16(VMI_MSG_VERSION);
	m->type = vmi_cpu_to_le16(type);
}

/* Answer a HELLO we cannot serve, then drop the guest. */
static void vmi_process_refuse(struct vmi_transport *t, struct vmi_tguest *tg,
			       int status, const char *why)
{
	struct vmi_msg m;

	vmi_process_msg_init(&m, VMI_MSG_WELCOME);
	m.dev_class = vmi_cpu_to_le16(t->dev->layout.p.dev_class);
	m.instance = vmi_cpu_to_le16(t->dev->instance);
	m.status = vmi_cpu_to_le32(status);
	vmi_process_send(tg->watch.fd, &m, NULL, 0);
	vmi_transport_guest_drop(t, tg, "%s", why);
}

static void vmi_process_hello(struct vmi_transport *t, struct vmi_tguest *tg,
			      const struct vmi_msg *m)
{
	const struct vmi_host_dev *dev = t->dev;
	uint16_t nr_queues = vmi_le16_to_cpu(m->nr_queues);
	uint64_t supported = vmi_le64_to_cpu(m->features);
	int fds[1 + 2 * VMI_MAX_QUEUES];
	const char *bad = vmi_msg_bad_reserved(m);
	unsigned int q, nr_fds = 0;
	struct vmi_msg w;
	char why[128];
	int ret;

	if (bad) {
		vmi_transport_guest_drop(t, tg, "HELLO.%s is not zero", bad);
		return;
	}
	if (vmi_le16_to_cpu(m->dev_class) != dev->layout.p.dev_class ||
	    vmi_le16_to_cpu(m->instance) != dev->instance) {
		snprintf(
			why, sizeof(why),
			"HELLO.dev_class %u instance %u: this is class %u instance %u",
			vmi_le16_to_cpu(m->dev_class),
			vmi_le16_to_cpu(m->instance), dev->layout.p.dev_class,
			dev->instance);
		vmi_process_refuse(t, tg, ENODEV, why);
		return;
	}
	if (nr_queues > dev->layout.p.nr_queues) {
		snprintf(why, sizeof(why), "HELLO.nr_queues %u exceeds %u",
			 nr_queues, dev->layout.p.nr_queues);
		vmi_process_refuse(t, tg, EINVAL, why);
		return;
	}
	if (!(supported & VMI_FEATURE(VMI_F_VERSION_1))) {
		snprintf(why, sizeof(why),
			 "HELLO.features %#llx lacks VERSION_1",
			 (unsigned long long)supported);
		vmi_process_refuse(t, tg, EPROTONOSUPPORT, why);
		return;
	}

	tg->g.nr_queues = nr_queues ? nr_queues : dev->layout.p.nr_queues;
	tg->offered = dev->features & supported;
	ret = vmi_transport_guest_shm(t, tg, "guest", dev->layout.shm_size);
	if (ret < 0) {
		snprintf(why, sizeof(why), "shared memory of %llu bytes: %s",
			 (unsigned long long)dev->layout.shm_size,
			 strerror(-ret));
		vmi_process_refuse(t, tg, -ret, why);
		return;
	}
	fds[nr_fds++] = ret;
	vmi_shm_hdr_init(tg->g.shm, &dev->layout, tg->offered, dev->config,
			 dev->config_len);
	for (q = 0; q < tg->g.nr_queues; q++) {
		tg->g.kick_fd[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		tg->g.irq_fd[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (tg->g.kick_fd[q] < 0 || tg->g.irq_fd[q] < 0) {
			snprintf(why, sizeof(why), "eventfd: %s",
				 strerror(errno));
			close(fds[0]);
			vmi_process_refuse(t, tg, ENOMEM, why);
			return;
		}
	}
	for (q = 0; q < tg->g.nr_queues; q++)
		fds[nr_fds++] = tg->g.kick_fd[q];
	for (q = 0; q < tg->g.nr_queues; q++)
		fds[nr_fds++] = tg->g.irq_fd[q];

	vmi_process_msg_init(&w, VMI_MSG_WELCOME);
	w.dev_class = vmi_cpu_to_le16(dev->layout.p.dev_class);
	w.instance = vmi_cpu_to_le16(dev->instance);
	w.nr_queues = vmi_cpu_to_le16(tg->g.nr_queues);
	w.nr_fds = vmi_cpu_to_le16(nr_fds);
	w.features = vmi_cpu_to_le64(tg->offered);
	w.shm_size = vmi_cpu_to_le64(tg->g.shm_size);
	ret = vmi_process_send(tg->watch.fd, &w, fds, nr_fds);
	/* The guest has its copy; the mapping keeps the memory for us. */
	close(fds[0]);
	if (ret)
		vmi_transport_guest_drop(t, tg, "sending WELCOME: %s",
					 strerror(-ret));
}

static void vmi_process_ready(struct vmi_transport *t, struct vmi_tguest *tg,
			      const struct vmi_msg *m)
{
	uint64_t accepted = vmi_le64_to_cpu(m->features);
	const char *bad = vmi_msg_bad_reserved(m);
	struct vmi_shm_hdr *h = tg->g.shm;
	uint64_t in_shm;
	uint32_t status;

	if (bad || m->dev_class || m->instance || m->nr_queues) {
		vmi_transport_guest_drop(t, tg, "READY.%s is not zero",
					 bad	      ? bad :
					 m->dev_class ? "dev_class" :
					 m->instance  ? "instance" :
							"nr_queues");
		return;
	}
	if (accepted & ~tg->offered ||
	    !(accepted & VMI_FEATURE(VMI_F_VERSION_1))) {
		vmi_fetch_or_release(
			&h->device_status,
			vmi_cpu_to_le32(VMI_DEVICE_FEATURES_REJECTED));
		vmi_transport_guest_drop(
			t, tg,
			"READY.features %#llx is not a subset of %#llx with VERSION_1",
			(unsigned long long)accepted,
			(unsigned long long)tg->offered);
		return;
	}
	in_shm = vmi_le64_to_cpu(vmi_load_acquire(&h->driver_features));
	status = vmi_le32_to_cpu(vmi_load_acquire(&h->driver_status));
	if (in_shm != accepted) {
		vmi_transport_guest_drop(
			t, tg,
			"driver_features %#llx in shared memory differ from READY's %#llx",
			(unsigned long long)in_shm,
			(unsigned long long)accepted);
		return;
	}
	if (!(status & VMI_STATUS_DRIVER_OK) || (status & VMI_STATUS_FAILED)) {
		vmi_transport_guest_drop(t, tg, "driver_status %#x at READY",
					 status);
		return;
	}
	tg->g.features = accepted;
	vmi_transport_guest_admit(t, tg);
}

static void vmi_process_guest_cb(struct vmi_transport *t, struct vmi_watch *w,
				 uint32_t events)
{
	struct vmi_tguest *tg = w->arg;
	struct vmi_msg m;
	char why[128];
	int ret;

	ret = vmi_process_recv(w->fd, &m, why, sizeof(why));
	if (ret == -EAGAIN) {
		if (events & (EPOLLHUP | EPOLLERR))
			vmi_transport_guest_drop(t, tg, "connection error");
		return;
	}
	if (ret == 0) {
		vmi_transport_guest_drop(t, tg, "disconnected");
		return;
	}
	if (ret < 0) {
		vmi_transport_guest_drop(t, tg, "%s", why);
		return;
	}
	switch (vmi_le16_to_cpu(m.type)) {
	case VMI_MSG_HELLO:
		if (tg->state == VMI_GUEST_HANDSHAKE && !tg->g.shm) {
			vmi_process_hello(t, tg, &m);
			return;
		}
		break;
	case VMI_MSG_READY:
		if (tg->state == VMI_GUEST_HANDSHAKE && tg->g.shm) {
			vmi_process_ready(t, tg, &m);
			return;
		}
		break;
	}
	vmi_transport_guest_drop(t, tg, "unexpected message type %u",
				 vmi_le16_to_cpu(m.type));
}

static void vmi_process_accept(struct vmi_transport *t, int fd, int pid)
{
	vmi_transport_guest_new(t, fd, pid, vmi_process_guest_cb);
}

static int vmi_process_open(struct vmi_transport *t, const char *path)
{
	return vmi_transport_listen(t, path, SOCK_SEQPACKET,
				    vmi_process_accept);
}

const struct vmi_transport_ops vmi_transport_process = {
	.name = "process",
	.open = vmi_process_open,
	.close = vmi_transport_unlisten,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process transport, guest side: HELLO, WELCOME (with the memfd and
 * eventfds), READY over a Unix SOCK_SEQPACKET socket, then the status
 * handshake in the shared-memory header until the backend says ALIVE.
 *
 * The guest trusts the backend with its data but not with its own memory
 * safety: the WELCOME's fields, the shared memory's size and seals, and
 * the mapped header are all checked against the geometry the ROM gave
 * before a ring is touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <vmi_ring.h>

#include "vmi_conn.h"

#define VMI_CONN_MAX_FDS (1 + 2 * VMI_MAX_QUEUES)

int vmi_conn_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int vmi_conn_find(const struct vmi_guest *g, unsigned int index,
		  uint16_t dev_class, struct vmi_rom_dev *dev, char *path,
		  size_t pathlen, char *err, size_t errlen)
{
	long ret;

	if (!g->image)
		return vmi_conn_fail(err, errlen, -ENODEV,
				     "no VMI ROM: no vmipv devices");
	ret = g->ops.dev_enumerate(index, dev);
	if (ret)
		return vmi_conn_fail(err, errlen, -ENODEV,
				     "the ROM has no device %u (%d devices)",
				     index, g->dev_count);
	if (vmi_le16_to_cpu(dev->dev_class) != dev_class)
		return vmi_conn_fail(err, errlen, -ENODEV,
				     "device %u is of class %u, not %u", index,
				     vmi_le16_to_cpu(dev->dev_class),
				     dev_class);
	if (vmi_le16_to_cpu(dev->transport) != VMI_TRANSPORT_PROCESS)
		return vmi_conn_fail(
			err, errlen, -ENODEV,
			"device %u is on transport %u, not process", index,
			vmi_le16_to_cpu(dev->transport));
	ret = vmi_guest_dev_socket(g, dev, path, pathlen);
	if (ret < 0)
		return vmi_conn_fail(err, errlen, (int)ret,
				     "device %u: no socket path in the ROM: %s",
				     index, strerror((int)-ret));
	return 0;
}

int vmi_conn_read_config(const struct vmi_conn *c, void *cfg, size_t len,
			 uint32_t magic, uint16_t major, char *err,
			 size_t errlen)
{
	vmi_le32 got_magic;
	vmi_le16 got_ver[2];
	uint32_t gen;

	if (vmi_shm_config_read(c->shm, cfg, len, &gen))
		return vmi_conn_fail(
			err, errlen, -EAGAIN,
			"config: generation odd or moving over %u reads: the backend never finished writing it",
			VMI_SHM_CONFIG_TRIES);
	memcpy(&got_magic, cfg, sizeof(got_magic));
	memcpy(got_ver, (const uint8_t *)cfg + 4, sizeof(got_ver));
	if (vmi_le32_to_cpu(got_magic) != magic ||
	    vmi_le16_to_cpu(got_ver[0]) != major)
		return vmi_conn_fail(
			err, errlen, -EPROTONOSUPPORT,
			"config magic %#x version %u.%u: this guest speaks %#x version %u.x",
			vmi_le32_to_cpu(got_magic), vmi_le16_to_cpu(got_ver[0]),
			vmi_le16_to_cpu(got_ver[1]), magic, major);
	return 0;
}

uint64_t vmi_conn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int64_t vmi_conn_now_ms(void)
{
	return (int64_t)(vmi_conn_now_ns() / 1000000);
}

/* Wait until fd is readable or the deadline passes: 0, -ETIMEDOUT. */
static int vmi_conn_readable(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t left;
	int ret;

	do {
		left = deadline - vmi_conn_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		ret = poll(&p, 1, (int)left);
	} while (ret < 0 && errno == EINTR);
	return ret > 0 ? 0 : -ETIMEDOUT;
}

static void vmi_conn_msg_init(struct vmi_msg *m, enum vmi_msg_type type)
{
	memset(m, 0, sizeof(*m));
	m->magic = vmi_cpu_to_le32(VMI_MSG_MAGIC);
	m->version = vmi_cpu_to_le16(VMI_MSG_VERSION);
	m->type = vmi_cpu_to_le16(type);
}

static int vmi_conn_send(int sock, const struct vmi_msg *m)
{
	return send(sock, m, sizeof(*m), MSG_NOSIGNAL) == sizeof(*m) ? 0 :
								       -errno;
}

/* Receive the WELCOME and the descriptors it carries (up to max). */
static int vmi_conn_recv_welcome(int sock, struct vmi_msg *m, int *fds,
				 unsigned int *nr_fds, char *err, size_t errlen)
{
	union {
		char buf[CMSG_SPACE(VMI_CONN_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	*nr_fds = 0;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return vmi_conn_fail(err, errlen, -errno, "recvmsg: %s",
				     strerror(errno));
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (k = 0; k < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		     k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(fd));
			if (*nr_fds < VMI_CONN_MAX_FDS)
				fds[(*nr_fds)++] = fd;
			else
				close(fd);
		}
	}
	if (n == 0)
		return vmi_conn_fail(err, errlen, -ECONNRESET,
				     "the backend closed the connection");
	if (n != sizeof(*m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "WELCOME of %zd bytes", n);
	return 0;
}

/* The WELCOME's fields against what we asked and what the ROM says. */
static int vmi_conn_check_welcome(struct vmi_conn *c, const struct vmi_msg *m,
				  unsigned int nr_fds, unsigned int want_queues,
				  uint64_t supported, char *err, size_t errlen)
{
	uint16_t nr_queues = vmi_le16_to_cpu(m->nr_queues);
	uint64_t features = vmi_le64_to_cpu(m->features);
	uint32_t status = vmi_le32_to_cpu(m->status);

	if (vmi_le32_to_cpu(m->magic) != VMI_MSG_MAGIC ||
	    vmi_le16_to_cpu(m->version) != VMI_MSG_VERSION ||
	    vmi_le16_to_cpu(m->type) != VMI_MSG_WELCOME)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "WELCOME magic %#x version %u type %u",
				     vmi_le32_to_cpu(m->magic),
				     vmi_le16_to_cpu(m->version),
				     vmi_le16_to_cpu(m->type));
	if (status)
		return vmi_conn_fail(err, errlen,
				     status < 4096 ? -(int)status : -EPROTO,
				     "the backend refused the device: %s",
				     strerror((int)status));
	if (m->dev_class != c->dev.dev_class || m->instance != c->dev.instance)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "WELCOME for class %u instance %u",
				     vmi_le16_to_cpu(m->dev_class),
				     vmi_le16_to_cpu(m->instance));
	if (!nr_queues || nr_queues > c->layout.p.nr_queues ||
	    (want_queues && nr_queues != want_queues))
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "WELCOME.nr_queues %u (asked %u of %u)",
				     nr_queues, want_queues,
				     c->layout.p.nr_queues);
	if (vmi_le16_to_cpu(m->nr_fds) != 1 + 2 * nr_queues ||
	    nr_fds != 1 + 2u * nr_queues)
		return vmi_conn_fail(
			err, errlen, -EPROTO,
			"WELCOME.nr_fds %u with %u descriptors for %u queues",
			vmi_le16_to_cpu(m->nr_fds), nr_fds, nr_queues);
	if (vmi_le64_to_cpu(m->shm_size) != c->layout.shm_size)
		return vmi_conn_fail(
			err, errlen, -EPROTO,
			"WELCOME.shm_size %llu, the ROM says %llu",
			(unsigned long long)vmi_le64_to_cpu(m->shm_size),
			(unsigned long long)c->layout.shm_size);
	if (features & ~supported ||
	    features & ~vmi_le64_to_cpu(c->dev.features) ||
	    !(features & VMI_FEATURE(VMI_F_VERSION_1)))
		return vmi_conn_fail(
			err, errlen, -EPROTO,
			"WELCOME.features %#llx not within %#llx with VERSION_1",
			(unsigned long long)features,
			(unsigned long long)supported);
	c->nr_queues = nr_queues;
	c->features = features;
	return 0;
}

static int vmi_conn_map(struct vmi_conn *c, int memfd, char *err, size_t errlen)
{
	struct stat st;
	int seals;
	void *p;

	if (fstat(memfd, &st) < 0)
		return vmi_conn_fail(err, errlen, -errno,
				     "fstat(shared memory): %s",
				     strerror(errno));
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < c->layout.shm_size)
		return vmi_conn_fail(
			err, errlen, -EPROTO,
			"shared memory descriptor of %lld bytes, %llu needed",
			(long long)st.st_size,
			(unsigned long long)c->layout.shm_size);
	/* Sealed, so that nobody can shrink it under our mapping (SIGBUS). */
	seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return vmi_conn_fail(
			err, errlen, -EPROTO,
			"shared memory is not sealed against shrinking (seals %#x)",
			seals);
	p = mmap(NULL, c->layout.shm_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 memfd, 0);
	if (p == MAP_FAILED)
		return vmi_conn_fail(err, errlen, -errno, "mmap: %s",
				     strerror(errno));
	c->shm = p;
	c->shm_size = c->layout.shm_size;
	return vmi_shm_hdr_check(c->shm, c->shm_size, &c->layout, err, errlen);
}

static void vmi_conn_set_status(struct vmi_conn *c, uint32_t status)
{
	vmi_store_release(&c->shm->driver_status, vmi_cpu_to_le32(status));
}

/* After READY: wait for ALIVE, or the backend's refusal or end. */
static int vmi_conn_wait_alive(struct vmi_conn *c, int64_t deadline, char *err,
			       size_t errlen)
{
	for (;;) {
		uint32_t st = vmi_le32_to_cpu(
			vmi_load_acquire(&c->shm->device_status));

		if (st & VMI_DEVICE_FEATURES_REJECTED)
			return vmi_conn_fail(
				err, errlen, -EPROTO,
				"the backend rejected features %#llx",
				(unsigned long long)c->features);
		if (st & VMI_DEVICE_ALIVE)
			return 0;
		if (!vmi_conn_alive(c))
			return vmi_conn_fail(
				err, errlen, -ECONNRESET,
				"the backend dropped us after READY");
		if (vmi_conn_now_ms() >= deadline)
			return vmi_conn_fail(err, errlen, -ETIMEDOUT,
					     "device not ALIVE after READY");
		usleep(200);
	}
}

int vmi_conn_open(struct vmi_conn *c, const struct vmi_guest *g,
		  const struct vmi_rom_dev *dev, const char *path,
		  unsigned int nr_queues, uint64_t supported, int timeout_ms,
		  char *err, size_t errlen)
{
	int64_t deadline = vmi_conn_now_ms() + timeout_ms;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fds[VMI_CONN_MAX_FDS];
	unsigned int i, nr_fds = 0;
	struct vmi_msg m;
	int ret;

	memset(c, 0, sizeof(*c));
	c->guest = g;
	c->sock = -1;
	c->dev = *dev;
	for (i = 0; i < VMI_MAX_QUEUES; i++)
		c->kick_fds[i] = c->irq_fds[i] = -1;
	ret = vmi_layout_from_rom_dev(dev, &c->layout, err, errlen);
	if (ret)
		return ret;
	if (nr_queues > c->layout.p.nr_queues)
		return vmi_conn_fail(err, errlen, -EINVAL,
				     "%u queues asked, the device has %u",
				     nr_queues, c->layout.p.nr_queues);
	if (strlen(path) >= sizeof(a.sun_path))
		return vmi_conn_fail(err, errlen, -ENAMETOOLONG,
				     "socket path %s too long", path);
	strcpy(a.sun_path, path);
	c->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->sock < 0 || connect(c->sock, (struct sockaddr *)&a, sizeof(a))) {
		ret = vmi_conn_fail(err, errlen, -errno, "connect %s: %s", path,
				    strerror(errno));
		goto fail;
	}

	vmi_conn_msg_init(&m, VMI_MSG_HELLO);
	m.dev_class = dev->dev_class;
	m.instance = dev->instance;
	m.nr_queues = vmi_cpu_to_le16(nr_queues);
	m.features = vmi_cpu_to_le64(supported);
	ret = vmi_conn_send(c->sock, &m);
	if (ret) {
		vmi_conn_fail(err, errlen, ret, "HELLO: %s", strerror(-ret));
		goto fail;
	}
	ret = vmi_conn_readable(c->sock, deadline);
	if (ret) {
		vmi_conn_fail(err, errlen, ret, "no WELCOME from %s", path);
		goto fail;
	}
	ret = vmi_conn_recv_welcome(c->sock, &m, fds, &nr_fds, err, errlen);
	if (!ret)
		ret = vmi_conn_check_welcome(c, &m, nr_fds, nr_queues,
					     supported, err, errlen);
	if (ret)
		goto fail_fds;
	for (i = 0; i < c->nr_queues; i++) {
		c->kick_fds[i] = fds[1 + i];
		c->irq_fds[i] = fds[1 + c->nr_queues + i];
	}
	ret = vmi_conn_map(c, fds[0], err, errlen);
	close(fds[0]);
	nr_fds = 0;
	if (ret)
		goto fail;

	/* The status handshake of docs/ABI.md part (e), then READY. */
	vmi_conn_set_status(c, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER);
	vmi_store_release(&c->shm->driver_features,
			  vmi_cpu_to_le64(c->features));
	vmi_conn_set_status(c, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER |
				       VMI_STATUS_FEATURES_OK);
	vmi_conn_set_status(c, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER |
				       VMI_STATUS_FEATURES_OK |
				       VMI_STATUS_DRIVER_OK);
	vmi_conn_msg_init(&m, VMI_MSG_READY);
	m.features = vmi_cpu_to_le64(c->features);
	ret = vmi_conn_send(c->sock, &m);
	if (ret) {
		vmi_conn_fail(err, errlen, ret, "READY: %s", strerror(-ret));
		goto fail;
	}
	ret = vmi_conn_wait_alive(c, deadline, err, errlen);
	if (ret)
		goto fail;

	c->ctx = (struct vmi_rom_notify_ctx)VMI_ROM_NOTIFY_CTX_INIT(
		c->nr_queues);
	c->ctx.kick_fds = (uint64_t)(uintptr_t)c->kick_fds;
	c->ctx.irq_fds = (uint64_t)(uintptr_t)c->irq_fds;
	return 0;

fail_fds:
	/* Descriptors not yet given to c: kick/irq slots are still -1. */
	for (i = 0; i < nr_fds; i++)
		close(fds[i]);
fail:
	vmi_conn_close(c);
	return ret;
}

void vmi_conn_close(struct vmi_conn *c)
{
	unsigned int i;

	if (c->shm) {
		uint32_t st = vmi_le32_to_cpu(c->shm->driver_status);

		if (!(st & VMI_STATUS_DRIVER_OK))
			vmi_conn_set_status(c, st | VMI_STATUS_FAILED);
		munmap(c->shm, c->shm_size);
		c->shm = NULL;
	}
	for (i = 0; i < VMI_MAX_QUEUES; i++) {
		if (c->kick_fds[i] >= 0)
			close(c->kick_fds[i]);
		if (c->irq_fds[i] >= 0)
			close(c->irq_fds[i]);
		c->kick_fds[i] = c->irq_fds[i] = -1;
	}
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
}

int vmi_conn_dev_open(struct vmi_conn_dev *cd, const char *rom, int index,
		      uint16_t dev_class, unsigned int nr_queues,
		      uint64_t supported, int timeout_ms, char *err,
		      size_t errlen)
{
	struct vmi_rom_dev dev;
	char path[128];
	unsigned int i;
	int ret;

	ret = vmi_guest_open(&cd->guest, rom, err, errlen);
	if (ret)
		return ret;
	if (index >= 0) {
		ret = vmi_conn_find(&cd->guest, (unsigned int)index, dev_class,
				    &dev, path, sizeof(path), err, errlen);
	} else {
		ret = vmi_conn_fail(
			err, errlen, -ENODEV,
			"no device of class %u on the process transport in the ROM",
			dev_class);
		for (i = 0; i < cd->guest.dev_count; i++)
			if (!vmi_conn_find(&cd->guest, i, dev_class, &dev, path,
					   sizeof(path), NULL, 0)) {
				ret = 0;
				break;
			}
	}
	if (ret)
		return ret;
	ret = vmi_conn_open(&cd->conn, &cd->guest, &dev, path, nr_queues,
			    supported, timeout_ms, err, errlen);
	cd->connected = !ret;
	return ret;
}

void vmi_conn_dev_close(struct vmi_conn_dev *cd)
{
	if (cd->connected)
		vmi_conn_close(&cd->conn);
	cd->connected = false;
	vmi_guest_close(&cd->guest);
}

bool vmi_conn_alive(struct vmi_conn *c)
{
	struct pollfd p = { .fd = c->sock, .events = POLLIN };
	uint32_t st = vmi_le32_to_cpu(vmi_load_acquire(&c->shm->device_status));

	if (st & VMI_DEVICE_NEEDS_RESET)
		return false;
	/* The backend never writes after WELCOME: readable means EOF. */
	return poll(&p, 1, 0) == 0;
}

uint32_t vmi_conn_heartbeat(const struct vmi_conn *c)
{
	return vmi_le32_to_cpu(vmi_read_once(c->shm->heartbeat));
}

void *vmi_conn_req_ring(const struct vmi_conn *c, unsigned int q)
{
	struct vmi_layout_queue lq;

	vmi_layout_queue(&c->layout, q, &lq);
	return (uint8_t *)c->shm + lq.req_offset;
}

void *vmi_conn_rsp_ring(const struct vmi_conn *c, unsigned int q)
{
	struct vmi_layout_queue lq;

	vmi_layout_queue(&c->layout, q, &lq);
	return (uint8_t *)c->shm + lq.rsp_offset;
}

void *vmi_conn_data(const struct vmi_conn *c, unsigned int q)
{
	struct vmi_layout_queue lq;

	vmi_layout_queue(&c->layout, q, &lq);
	return (uint8_t *)c->shm + lq.data_offset;
}

int vmi_conn_queue(const struct vmi_conn *c, unsigned int q,
		   struct vmi_ring *req, struct vmi_ring *rsp)
{
	uint8_t *shm = (uint8_t *)c->shm;
	struct vmi_layout_queue lq;
	int ret;

	vmi_layout_queue(&c->layout, q, &lq);
	ret = vmi_ring_attach_prod(req, shm + lq.req_offset,
				   c->layout.p.ring_slots, lq.req_slot_size);
	if (!ret)
		ret = vmi_ring_attach_cons(rsp, shm + lq.rsp_offset,
					   c->layout.p.ring_slots,
					   lq.rsp_slot_size);
	return ret;
}

void vmi_conn_notify(const struct vmi_conn *c, unsigned int q)
{
	/* Fails only for a queue we do not have: a caller's bug. */
	c->guest->ops.queue_notify(&c->ctx, q);
}

long vmi_conn_wait(const struct vmi_conn *c, unsigned int q, int64_t timeout_ns)
{
	return c->guest->ops.wait_event(&c->ctx, q, timeout_ns);
}

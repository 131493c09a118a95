// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process transport (docs/ABI.md part (f)) from both ends: the host
 * side (host-backends/transport) serving a device in a thread of this
 * test, the guest side (guest-drivers/user/conn.c) and hand-made sockets
 * as guests. The backend here is the transport's contract itself: attach
 * and detach callbacks that count, so the test sees exactly when a guest
 * is served and when it is let go.
 *
 * What must hold: a good guest gets the memfd (laid out and sealed) and
 * its eventfds and is served after READY; every malformed message, field
 * or sequence drops that guest alone (its socket ends) while a good guest
 * connected beside it stays served; a refusal the guest can act on comes
 * as a WELCOME with an errno; a guest that never finishes the handshake is
 * dropped; a guest that leaves is detached.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

#include <vmi/blk.h>
#include <vmi_transport.h>

#include "vmi_conn.h"

#define NR_QUEUES 2
#define SLOTS 8
#define DATA_SIZE 65536
#define OFFERED                                                        \
	(VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_HEARTBEAT) | \
	 VMI_FEATURE(VMI_BLK_F_FLUSH) | VMI_FEATURE(VMI_BLK_F_FUA))

struct fixture {
	struct vmi_host_dev dev;
	struct vmi_blk_config config;
	struct vmi_transport *t;
	pthread_t loop;
	char path[108];
	struct vmi_rom_dev rom_dev;
	struct vmi_guest guest; /* native: the handshake needs no ROM call */
	int attaches, detaches; /* atomics, written by the loop thread */
	int attach_ret;
};

static int fx_attach(void *arg, struct vmi_host_guest *g)
{
	struct fixture *f = arg;

	if (f->attach_ret)
		return f->attach_ret;
	/* What a backend relies on: the guest's fds and its memory. */
	if (g->nr_queues < 1 || g->kick_fd[0] < 0 || g->irq_fd[0] < 0 ||
	    vmi_le32_to_cpu(g->shm->magic) != VMI_SHM_MAGIC)
		return -EINVAL;
	__atomic_add_fetch(&f->attaches, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void fx_detach(void *arg, struct vmi_host_guest *g)
{
	struct fixture *f = arg;

	(void)g;
	__atomic_add_fetch(&f->detaches, 1, __ATOMIC_SEQ_CST);
}

static const struct vmi_host_dev_ops fx_ops = {
	.attach = fx_attach,
	.detach = fx_detach,
};

static void *fx_loop(void *arg)
{
	struct fixture *f = arg;

	vmi_transport_run(f->t);
	return NULL;
}

static int setup(void **state)
{
	struct vmi_layout_params p = {
		.dev_class = VMI_DEV_CLASS_BLK,
		.nr_queues = NR_QUEUES,
		.ring_slots = SLOTS,
		.data_size = DATA_SIZE,
	};
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	assert_int_equal(
		vmi_layout_compute(&p, &f->dev.layout, err, sizeof(err)), 0);
	f->config.capacity = vmi_cpu_to_le64(2048);
	f->dev.name = "blk7";
	f->dev.instance = 7;
	f->dev.features = OFFERED;
	f->dev.config = &f->config;
	f->dev.config_len = sizeof(f->config);
	f->dev.max_guests = 4;
	f->dev.ops = &fx_ops;
	f->dev.priv = f;
	snprintf(f->path, sizeof(f->path), "/tmp/vmi-test-process-%d.sock",
		 getpid());
	assert_int_equal(vmi_transport_open(&vmi_transport_process, &f->dev,
					    f->path, &f->t),
			 0);
	assert_int_equal(pthread_create(&f->loop, NULL, fx_loop, f), 0);

	/* The device table entry a ROM would hold for this device. */
	vmi_layout_to_rom_dev(&f->dev.layout, &f->rom_dev);
	f->rom_dev.instance = vmi_cpu_to_le16(7);
	f->rom_dev.transport = vmi_cpu_to_le16(VMI_TRANSPORT_PROCESS);
	f->rom_dev.features = vmi_cpu_to_le64(OFFERED);
	vmi_guest_bind_native(&f->guest);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vmi_transport_stop(f->t);
	pthread_join(f->loop, NULL);
	vmi_transport_close(f->t);
	/* The socket file goes with the transport. */
	assert_int_equal(access(f->path, F_OK), -1);
	free(f);
	return 0;
}

/* Wait (bounded) until *counter reaches want. */
static void wait_count(int *counter, int want)
{
	int i;

	for (i = 0;
	     i < 5000 && __atomic_load_n(counter, __ATOMIC_SEQ_CST) < want; i++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(counter, __ATOMIC_SEQ_CST), want);
}

static int raw_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(a.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void msg_init(struct vmi_msg *m, uint16_t type)
{
	memset(m, 0, sizeof(*m));
	m->magic = vmi_cpu_to_le32(VMI_MSG_MAGIC);
	m->version = vmi_cpu_to_le16(VMI_MSG_VERSION);
	m->type = vmi_cpu_to_le16(type);
	if (type == VMI_MSG_HELLO) {
		m->dev_class = vmi_cpu_to_le16(VMI_DEV_CLASS_BLK);
		m->instance = vmi_cpu_to_le16(7);
		m->features = vmi_cpu_to_le64(VMI_FEATURE(VMI_F_VERSION_1));
	}
}

#define MAX_MSG_FDS 256

/*
 * One message from the host and the descriptors it carries (their number
 * in *nr_fds, at most MAX_MSG_FDS). Returns what recvmsg() returns.
 */
static ssize_t recv_msg_fds(int fd, struct vmi_msg *m, int *fds, size_t *nr_fds)
{
	union {
		char buf[CMSG_SPACE(MAX_MSG_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	size_t k;

	*nr_fds = 0;
	for (c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c;
	     c = CMSG_NXTHDR(&mh, c)) {
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds + *nr_fds, CMSG_DATA(c), k * sizeof(int));
		*nr_fds += k;
	}
	return n;
}

/*
 * Read what the host says until its end: returns the number of messages
 * before EOF (descriptors closed), with the last one in *last. Fails the
 * test if the host keeps the connection open for 5 s.
 */
static int read_until_eof(int fd, struct vmi_msg *last)
{
	int fds[MAX_MSG_FDS];
	int msgs = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct vmi_msg m;
		size_t k;

		assert_int_equal(poll(&p, 1, 5000), 1);
		if (recv_msg_fds(fd, &m, fds, &k) <= 0)
			break;
		while (k--)
			close(fds[k]);
		if (last)
			*last = m;
		msgs++;
	}
	close(fd);
	return msgs;
}

static int good_guest(struct fixture *f, struct vmi_conn *c,
		      unsigned int nr_queues)
{
	char err[256] = "";
	int ret = vmi_conn_open(c, &f->guest, &f->rom_dev, f->path, nr_queues,
				~0ull, 3000, err, sizeof(err));

	if (ret)
		fprintf(stderr, "vmi_conn_open: %s\n", err);
	return ret;
}

static void test_handshake(void **state)
{
	struct fixture *f = *state;
	struct vmi_conn c;
	uint32_t hb;
	int i;

	assert_int_equal(good_guest(f, &c, 0), 0);
	wait_count(&f->attaches, 1);
	assert_int_equal(c.nr_queues, NR_QUEUES);
	assert_int_equal(c.features, OFFERED);
	assert_true(c.kick_fds[1] >= 0 && c.irq_fds[1] >= 0);
	assert_int_equal(c.kick_fds[2], -1);
	assert_true(vmi_le32_to_cpu(c.shm->device_status) & VMI_DEVICE_ALIVE);
	assert_int_equal(vmi_le64_to_cpu(c.shm->driver_features), OFFERED);
	assert_true(vmi_conn_alive(&c));
	/* The config travels in the header. */
	assert_int_equal(
		vmi_le64_to_cpu(
			((struct vmi_blk_config *)c.shm->config)->capacity),
		2048);
	/* The host bumps the heartbeat while it serves (VMI_HEARTBEAT_*). */
	hb = vmi_conn_heartbeat(&c);
	for (i = 0; i < 200 && vmi_conn_heartbeat(&c) == hb; i++)
		usleep(10000);
	assert_int_not_equal(vmi_conn_heartbeat(&c), hb);
	vmi_conn_close(&c);
	wait_count(&f->detaches, 1);
}

/*
 * The guests' config reader (vmi_conn_read_config()): the versioned head
 * decides, a header the host is still writing (odd generation) is not
 * taken, and the error names what it found.
 */
static void test_config_head(void **state)
{
	struct fixture *f = *state;
	struct vmi_blk_config cfg, *shared;
	struct vmi_conn c;
	char err[256];

	assert_int_equal(good_guest(f, &c, 0), 0);
	shared = (struct vmi_blk_config *)c.shm->config;
	/* The fixture's config has no head: magic 0. */
	assert_int_equal(vmi_conn_read_config(
				 &c, &cfg, sizeof(cfg), VMI_BLK_CONFIG_MAGIC,
				 VMI_BLK_VERSION_MAJOR, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	assert_non_null(strstr(err, "config magic 0 version 0.0"));
	shared->magic = vmi_cpu_to_le32(VMI_BLK_CONFIG_MAGIC);
	shared->version_major = vmi_cpu_to_le16(VMI_BLK_VERSION_MAJOR + 1);
	assert_int_equal(vmi_conn_read_config(
				 &c, &cfg, sizeof(cfg), VMI_BLK_CONFIG_MAGIC,
				 VMI_BLK_VERSION_MAJOR, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	shared->version_major = vmi_cpu_to_le16(VMI_BLK_VERSION_MAJOR);
	shared->version_minor = vmi_cpu_to_le16(7); /* a later minor: fine */
	assert_int_equal(vmi_conn_read_config(
				 &c, &cfg, sizeof(cfg), VMI_BLK_CONFIG_MAGIC,
				 VMI_BLK_VERSION_MAJOR, err, sizeof(err)),
			 0);
	assert_int_equal(vmi_le64_to_cpu(cfg.capacity), 2048);
	/* A writer that never finishes: odd generation. */
	c.shm->generation =
		vmi_cpu_to_le32(vmi_le32_to_cpu(c.shm->generation) | 1);
	assert_int_equal(vmi_conn_read_config(
				 &c, &cfg, sizeof(cfg), VMI_BLK_CONFIG_MAGIC,
				 VMI_BLK_VERSION_MAJOR, err, sizeof(err)),
			 -EAGAIN);
	assert_non_null(strstr(err, "generation odd"));
	vmi_conn_close(&c);
	wait_count(&f->detaches, 1);
}

static void test_some_queues(void **state)
{
	struct fixture *f = *state;
	struct vmi_conn c;

	assert_int_equal(good_guest(f, &c, 1), 0);
	assert_int_equal(c.nr_queues, 1);
	assert_int_equal(c.kick_fds[1], -1);
	vmi_conn_close(&c);
	wait_count(&f->detaches, 1);
}

static void test_guest_features_subset(void **state)
{
	struct fixture *f = *state;
	struct vmi_conn c;
	char err[256];

	/* The guest supports less than offered: it gets the intersection. */
	assert_int_equal(vmi_conn_open(&c, &f->guest, &f->rom_dev, f->path, 0,
				       VMI_FEATURE(VMI_F_VERSION_1) |
					       VMI_FEATURE(VMI_BLK_F_FLUSH) |
					       VMI_FEATURE(VMI_BLK_F_GET_ID),
				       3000, err, sizeof(err)),
			 0);
	assert_int_equal(c.features, VMI_FEATURE(VMI_F_VERSION_1) |
					     VMI_FEATURE(VMI_BLK_F_FLUSH));
	vmi_conn_close(&c);
	/* Without VERSION_1 there is nothing to agree on. */
	assert_int_equal(vmi_conn_open(&c, &f->guest, &f->rom_dev, f->path, 0,
				       VMI_FEATURE(VMI_BLK_F_FLUSH), 3000, err,
				       sizeof(err)),
			 -EPROTONOSUPPORT);
}

/*
 * One bad HELLO: a good one with up to three fields overwritten (their
 * value little-endian); the host drops that guest, after a WELCOME or not.
 */
struct bad_field {
	size_t off, size; /* size 0: no more fields */
	uint64_t value;
};

struct bad_hello {
	const char *what;
	int status; /* WELCOME status expected before EOF; 0: no WELCOME */
	struct bad_field set[3];
};

#define FIELD(f, v)                                                            \
	{                                                                      \
		offsetof(struct vmi_msg, f), sizeof(((struct vmi_msg *)0)->f), \
			v                                                      \
	}

static const struct bad_hello bad_hellos[] = {
	{ "magic", 0, { FIELD(magic, 0x12345678) } },
	{ "version", 0, { FIELD(version, 2) } },
	{ "type", 0, { FIELD(type, VMI_MSG_WELCOME) } },
	{ "reserved", 0, { FIELD(reserved[23], 1) } },
	{ "reserved0", 0, { FIELD(reserved0, 1) } },
	{ "shm_size", 0, { FIELD(shm_size, 1) } },
	{ "READY before HELLO",
	  0,
	  { FIELD(type, VMI_MSG_READY), FIELD(dev_class, 0),
	    FIELD(instance, 0) } },
	{ "class", ENODEV, { FIELD(dev_class, VMI_DEV_CLASS_NET) } },
	{ "instance", ENODEV, { FIELD(instance, 8) } },
	{ "nr_queues", EINVAL, { FIELD(nr_queues, NR_QUEUES + 1) } },
	{ "features",
	  EPROTONOSUPPORT,
	  { FIELD(features, VMI_FEATURE(VMI_BLK_F_FLUSH)) } },
};

static void bad_hello_mangle(const struct bad_hello *b, struct vmi_msg *m)
{
	unsigned int i, k;

	for (i = 0; i < 3 && b->set[i].size; i++)
		for (k = 0; k < b->set[i].size; k++)
			((uint8_t *)m)[b->set[i].off + k] =
				(uint8_t)(b->set[i].value >> (8 * k));
}

static void test_garbage_drops_only_the_sender(void **state)
{
	struct fixture *f = *state;
	struct vmi_conn good;
	struct vmi_msg m, last;
	unsigned int i;
	uint8_t buf[128];
	int fd;

	assert_int_equal(good_guest(f, &good, 0), 0);
	for (i = 0; i < sizeof(bad_hellos) / sizeof(bad_hellos[0]); i++) {
		const struct bad_hello *b = &bad_hellos[i];
		int msgs;

		fd = raw_connect(f->path);
		msg_init(&m, VMI_MSG_HELLO);
		bad_hello_mangle(b, &m);
		assert_int_equal(send(fd, &m, sizeof(m), 0), sizeof(m));
		msgs = read_until_eof(fd, &last);
		fprintf(stderr, "bad HELLO %s: %d message(s), then EOF\n",
			b->what, msgs);
		assert_int_equal(msgs, b->status ? 1 : 0);
		if (b->status)
			assert_int_equal(vmi_le32_to_cpu(last.status),
					 b->status);
	}

	/* Short and long messages. */
	fd = raw_connect(f->path);
	msg_init(&m, VMI_MSG_HELLO);
	assert_int_equal(send(fd, &m, sizeof(m) - 1, 0), sizeof(m) - 1);
	assert_int_equal(read_until_eof(fd, NULL), 0);
	fd = raw_connect(f->path);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &m, sizeof(m));
	assert_int_equal(send(fd, buf, sizeof(buf), 0), sizeof(buf));
	assert_int_equal(read_until_eof(fd, NULL), 0);

	/* Descriptors sent to the host. */
	fd = raw_connect(f->path);
	{
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { &m, sizeof(m) };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.b,
				     .msg_controllen = sizeof(ctl.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		int zero = open("/dev/null", O_RDONLY | O_CLOEXEC);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &zero, sizeof(int));
		assert_int_equal(sendmsg(fd, &mh, 0), sizeof(m));
		close(zero);
	}
	assert_int_equal(read_until_eof(fd, NULL), 0);

	/* Two HELLOs: the second is out of sequence. */
	fd = raw_connect(f->path);
	assert_int_equal(send(fd, &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(send(fd, &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(read_until_eof(fd, &last), 1);
	assert_int_equal(vmi_le16_to_cpu(last.type), VMI_MSG_WELCOME);

	/* The good guest stayed served through all of it. */
	assert_true(vmi_conn_alive(&good));
	assert_int_equal(__atomic_load_n(&f->attaches, __ATOMIC_SEQ_CST), 1);
	assert_int_equal(__atomic_load_n(&f->detaches, __ATOMIC_SEQ_CST), 0);
	vmi_conn_close(&good);
	wait_count(&f->detaches, 1);
}

static struct vmi_shm_hdr *mmap_shm(int memfd, uint64_t size)
{
	void *p =
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* Receive a WELCOME and keep its memfd, as conn.c does, by hand. */
static void hand_welcome(int fd, int *memfd)
{
	struct vmi_msg m;
	int fds[MAX_MSG_FDS];
	size_t k, n;

	assert_int_equal(recv_msg_fds(fd, &m, fds, &n), sizeof(m));
	assert_int_equal(n, 1 + 2 * NR_QUEUES);
	assert_int_equal(vmi_le16_to_cpu(m.nr_fds), n);
	for (k = 1; k < n; k++)
		close(fds[k]);
	*memfd = fds[0];
	/* Sealed against resizing: nobody can shrink it under a mapping. */
	assert_true(fcntl(*memfd, F_GET_SEALS) & F_SEAL_SHRINK);
	assert_int_equal(ftruncate(*memfd, 4096), -1);
}

/*
 * A handshake that ends in a READY the host must refuse: a good HELLO,
 * then mem_feat and mem_status written as the driver's in the shared
 * memory and ready_feat in the READY. The host must close without a word;
 * returns the device_status it left in memory.
 */
static uint32_t refused_ready(struct fixture *f, uint64_t mem_feat,
			      uint32_t mem_status, uint64_t ready_feat)
{
	struct vmi_shm_hdr *h;
	struct vmi_msg m, last;
	uint32_t status;
	int fd, memfd;

	fd = raw_connect(f->path);
	msg_init(&m, VMI_MSG_HELLO);
	assert_int_equal(send(fd, &m, sizeof(m), 0), sizeof(m));
	hand_welcome(fd, &memfd);
	h = mmap_shm(memfd, f->dev.layout.shm_size);
	h->driver_features = vmi_cpu_to_le64(mem_feat);
	h->driver_status = vmi_cpu_to_le32(mem_status);
	msg_init(&m, VMI_MSG_READY);
	m.features = vmi_cpu_to_le64(ready_feat);
	assert_int_equal(send(fd, &m, sizeof(m), 0), sizeof(m));
	assert_int_equal(read_until_eof(fd, &last), 0);
	status = vmi_le32_to_cpu(h->device_status);
	munmap(h, f->dev.layout.shm_size);
	close(memfd);
	return status;
}

static void test_ready_checks(void **state)
{
	struct fixture *f = *state;
	uint64_t v1 = VMI_FEATURE(VMI_F_VERSION_1);

	/* READY accepting more than offered: FEATURES_REJECTED, dropped. */
	assert_true(refused_ready(f, OFFERED, 0x0f, OFFERED) &
		    VMI_DEVICE_FEATURES_REJECTED);
	/* READY whose features differ from driver_features in memory. */
	refused_ready(f, 0, 0x0f, v1);
	/* READY without DRIVER_OK in driver_status. */
	refused_ready(f, v1, VMI_STATUS_ACKNOWLEDGE, v1);
	assert_int_equal(__atomic_load_n(&f->attaches, __ATOMIC_SEQ_CST), 0);
}

static void test_handshake_deadline(void **state)
{
	struct fixture *f = *state;
	struct pollfd p;
	int fd = raw_connect(f->path);
	char b;

	/* Say nothing: dropped after the handshake time (3 s). */
	p.fd = fd;
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 10000), 1);
	assert_int_equal(recv(fd, &b, 1, 0), 0);
	close(fd);
}

static void test_max_guests(void **state)
{
	struct fixture *f = *state;
	struct vmi_conn c[4], fifth;
	char err[256];
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(good_guest(f, &c[i], 0), 0);
	/* The fifth is refused at once: its connection ends. */
	assert_true(vmi_conn_open(&fifth, &f->guest, &f->rom_dev, f->path, 0,
				  ~0ull, 3000, err, sizeof(err)) < 0);
	fprintf(stderr, "fifth guest: %s\n", err);
	for (i = 0; i < 4; i++)
		vmi_conn_close(&c[i]);
	wait_count(&f->detaches, 4);
}

static void test_backend_refuses(void **state)
{
	struct fixture *f = *state;
	struct vmi_conn c;
	char err[256];

	f->attach_ret = -ENOMEM;
	assert_int_equal(vmi_conn_open(&c, &f->guest, &f->rom_dev, f->path, 0,
				       ~0ull, 3000, err, sizeof(err)),
			 -ECONNRESET);
	assert_int_equal(__atomic_load_n(&f->detaches, __ATOMIC_SEQ_CST), 0);
}

static void test_rom_disagrees(void **state)
{
	struct fixture *f = *state;
	struct vmi_conn c;
	char err[256];

	/* A ROM entry with another geometry: the guest refuses the memory. */
	f->rom_dev.data_size = vmi_cpu_to_le32(2 * DATA_SIZE);
	f->rom_dev.shm_size = vmi_cpu_to_le64(
		vmi_le64_to_cpu(f->rom_dev.shm_size) + NR_QUEUES * DATA_SIZE);
	assert_int_equal(vmi_conn_open(&c, &f->guest, &f->rom_dev, f->path, 0,
				       ~0ull, 3000, err, sizeof(err)),
			 -EPROTO);
	fprintf(stderr, "refused: %s\n", err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_head, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_some_queues, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_guest_features_subset,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_garbage_drops_only_the_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready_checks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_handshake_deadline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_max_guests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backend_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rom_disagrees, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

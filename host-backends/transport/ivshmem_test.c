// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the ivshmem transport's server side, with this test playing
 * QEMU's ivshmem-doorbell device: it connects to the socket, reads the
 * server messages in QEMU's order and maps the memory, then plays the
 * guest driver in the shared-memory header (reset, negotiation, DRIVER_OK)
 * and rings the backend's vectors through the eventfds QEMU would write on
 * a doorbell. The device behind the transport records attach and detach;
 * the transport runs in its own thread, as in vmi-blkback.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>

#include <vmi/blk.h>
#include "vmi_transport.h"

#define NR_QUEUES 2
#define NR_VECTORS (NR_QUEUES + 1)
#define WAIT_MS 5000

struct fixture {
	char dir[64];
	char path[128];
	struct vmi_host_dev dev;
	struct vmi_blk_config config;
	struct vmi_transport *t;
	pthread_t thread;
	int attached, detached; /* atomics: written by the loop */
	struct vmi_host_guest *last; /* the guest of the last attach */
};

/* What the test, as QEMU, received on one connection. */
struct client {
	int sock;
	int64_t id;
	struct vmi_shm_hdr *shm;
	size_t shm_len;
	int host_fd[NR_VECTORS]; /* peer 0's vectors: we ring them */
	int own_fd[NR_VECTORS]; /* our vectors: the backend rings them */
};

static int dev_attach(void *priv, struct vmi_host_guest *g)
{
	struct fixture *f = priv;

	__atomic_store_n(&f->last, g, __ATOMIC_RELEASE);
	__atomic_fetch_add(&f->attached, 1, __ATOMIC_RELEASE);
	return 0;
}

static void dev_detach(void *priv, struct vmi_host_guest *g)
{
	struct fixture *f = priv;

	(void)g;
	__atomic_fetch_add(&f->detached, 1, __ATOMIC_RELEASE);
}

static const struct vmi_host_dev_ops dev_ops = {
	.attach = dev_attach,
	.detach = dev_detach,
};

static void *loop_thread(void *arg)
{
	struct fixture *f = arg;

	return (void *)(intptr_t)vmi_transport_run(f->t);
}

static int setup(void **state)
{
	struct vmi_layout_params p = {
		.dev_class = VMI_DEV_CLASS_BLK,
		.nr_queues = NR_QUEUES,
		.ring_slots = 64,
		.data_size = 65536,
	};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/vmi-ivshmem-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ivshmem.sock", f->dir);
	assert_int_equal(vmi_layout_compute(&p, &f->dev.layout, NULL, 0), 0);
	f->config.capacity = vmi_cpu_to_le64(2048);
	f->dev.name = "blk0";
	f->dev.features = VMI_FEATURE(VMI_F_VERSION_1) |
			  VMI_FEATURE(VMI_F_HEARTBEAT) |
			  VMI_FEATURE(VMI_BLK_F_FLUSH);
	f->dev.config = &f->config;
	f->dev.config_len = sizeof(f->config);
	f->dev.max_guests = 2;
	f->dev.ops = &dev_ops;
	f->dev.priv = f;
	assert_int_equal(vmi_transport_open(&vmi_transport_ivshmem, &f->dev,
					    f->path, &f->t),
			 0);
	assert_int_equal(pthread_create(&f->thread, NULL, loop_thread, f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	void *ret;

	vmi_transport_stop(f->t);
	pthread_join(f->thread, &ret);
	vmi_transport_close(f->t);
	assert_int_equal((intptr_t)ret, 0);
	/* The server removes its socket. */
	assert_int_equal(access(f->path, F_OK), -1);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* One server message: the number and its descriptor, or -1. */
static int64_t recv_msg(int sock, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint64_t le;
	struct iovec iov = { &le, sizeof(le) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	struct pollfd pfd = { sock, POLLIN, 0 };

	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	assert_int_equal(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC), sizeof(le));
	*fd = -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return (int64_t)le64toh(le);
}

static void client_connect(struct fixture *f, struct client *c)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int64_t v;
	int fd, i;

	strcpy(a.sun_path, f->path);
	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->sock >= 0);
	assert_int_equal(connect(c->sock, (struct sockaddr *)&a, sizeof(a)), 0);

	/* 1. version 0, 2. our id, 3. -1 with the memory */
	assert_int_equal(recv_msg(c->sock, &fd), 0);
	assert_int_equal(fd, -1);
	c->id = recv_msg(c->sock, &fd);
	assert_int_equal(fd, -1);
	assert_true(c->id >= 1 && c->id <= 65535);
	assert_int_equal(recv_msg(c->sock, &fd), -1);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	c->shm_len = st.st_size;
	/* A power of two that holds the layout: QEMU's BAR rule. */
	assert_true(c->shm_len >= f->dev.layout.shm_size);
	assert_int_equal(c->shm_len & (c->shm_len - 1), 0);
	c->shm = mmap(NULL, c->shm_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      0);
	assert_true(c->shm != MAP_FAILED);
	close(fd);

	/* 4. peer 0 (the backend) per vector, 5. our own id per vector */
	for (i = 0; i < NR_VECTORS; i++) {
		v = recv_msg(c->sock, &c->host_fd[i]);
		assert_int_equal(v, VMI_IVSHMEM_HOST_PEER);
		assert_true(c->host_fd[i] >= 0);
	}
	for (i = 0; i < NR_VECTORS; i++) {
		v = recv_msg(c->sock, &c->own_fd[i]);
		assert_int_equal(v, c->id);
		assert_true(c->own_fd[i] >= 0);
	}
	/* The header is laid out before QEMU maps it. */
	assert_int_equal(vmi_shm_hdr_check(c->shm, c->shm_len, &f->dev.layout,
					   NULL, 0),
			 0);
	assert_int_equal(vmi_le64_to_cpu(c->shm->device_features),
			 f->dev.features);
}

static void client_close(struct client *c)
{
	int i;

	for (i = 0; i < NR_VECTORS; i++) {
		close(c->host_fd[i]);
		close(c->own_fd[i]);
	}
	munmap(c->shm, c->shm_len);
	close(c->sock);
}

static void ring(int fd)
{
	uint64_t one = 1;

	assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
}

/* Wait for the backend to ring one of our vectors, and drain it. */
static void wait_rung(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	uint64_t v;

	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
}

static void set_status(struct client *c, uint32_t status)
{
	vmi_store_release(&c->shm->driver_status, vmi_cpu_to_le32(status));
	ring(c->host_fd[VMI_IVSHMEM_CONFIG_VECTOR]);
}

static uint32_t generation(const struct client *c)
{
	return vmi_le32_to_cpu(vmi_load_acquire(&c->shm->generation));
}

static uint32_t device_status(const struct client *c)
{
	return vmi_le32_to_cpu(vmi_load_acquire(&c->shm->device_status));
}

/* The guest driver's bind: reset, negotiate, DRIVER_OK. */
static void client_bind(struct client *c, uint64_t features)
{
	uint32_t gen = generation(c);

	set_status(c, 0);
	wait_rung(c->own_fd[VMI_IVSHMEM_CONFIG_VECTOR]);
	assert_int_not_equal(generation(c), gen);
	assert_int_equal(device_status(c), 0);
	set_status(c, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER);
	c->shm->driver_features = vmi_cpu_to_le64(features);
	set_status(c, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER |
			      VMI_STATUS_FEATURES_OK);
	set_status(c, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER |
			      VMI_STATUS_FEATURES_OK | VMI_STATUS_DRIVER_OK);
	wait_rung(c->own_fd[VMI_IVSHMEM_CONFIG_VECTOR]);
}

static void wait_count(int *counter, int want)
{
	int i;

	for (i = 0;
	     i < WAIT_MS && __atomic_load_n(counter, __ATOMIC_ACQUIRE) < want;
	     i++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(counter, __ATOMIC_ACQUIRE), want);
}

/* Connect, bind, kick and be interrupted per queue, unbind, rebind. */
static void test_bind_serve_rebind(void **state)
{
	struct fixture *f = *state;
	uint64_t accepted = VMI_FEATURE(VMI_F_VERSION_1) |
			    VMI_FEATURE(VMI_BLK_F_FLUSH);
	struct vmi_host_guest *g;
	struct client c;
	unsigned int q;
	uint64_t v;

	client_connect(f, &c);
	client_bind(&c, accepted);
	assert_true(device_status(&c) & VMI_DEVICE_ALIVE);
	wait_count(&f->attached, 1);
	g = __atomic_load_n(&f->last, __ATOMIC_ACQUIRE);
	assert_int_equal(g->features, accepted);
	assert_int_equal(g->nr_queues, NR_QUEUES);
	/* The backend's view of the memory is the guest's. */
	assert_int_equal(vmi_le32_to_cpu(g->shm->generation), generation(&c));

	for (q = 0; q < NR_QUEUES; q++) {
		/* A doorbell on vector q + 1 is a kick of queue q ... */
		ring(c.host_fd[q + 1]);
		assert_int_equal(read(g->kick_fd[q], &v, sizeof(v)), sizeof(v));
		/* ... and the backend's notify raises our vector q + 1. */
		vmi_host_guest_notify(g, q);
		wait_rung(c.own_fd[q + 1]);
	}

	/* Unbind: the backend detaches and lays the memory out afresh. */
	c.shm->queue[0].nr_slots = 0;
	set_status(&c, 0);
	wait_rung(c.own_fd[VMI_IVSHMEM_CONFIG_VECTOR]);
	wait_count(&f->detached, 1);
	assert_int_equal(device_status(&c), 0);
	assert_int_equal(vmi_shm_hdr_check(c.shm, c.shm_len, &f->dev.layout,
					   NULL, 0),
			 0);

	client_bind(&c, accepted);
	wait_count(&f->attached, 2);
	client_close(&c);
	/* QEMU went away: the served guest is detached and dropped. */
	wait_count(&f->detached, 2);
}

/*
 * Resets as the kernel driver waits for them: it polls generation and takes
 * the next even value as a header laid out afresh. Polling in a tight loop
 * while the backend rewrites the header, the generation must step from one
 * even value through one odd value to the next (never through the zeroing)
 * with a valid header behind the even one.
 */
static void test_reset_generation_steps(void **state)
{
	struct fixture *f = *state;
	struct client c;
	uint32_t gen, now;
	int i;

	client_connect(f, &c);
	for (i = 0; i < 200; i++) {
		gen = generation(&c);
		assert_int_equal(gen % 2, 0);
		set_status(&c, 0);
		while ((now = generation(&c)) == gen)
			;
		if (now == gen + 1)
			while ((now = generation(&c)) == gen + 1)
				;
		assert_int_equal(now, gen + 2);
		assert_int_equal(vmi_shm_hdr_check(c.shm, c.shm_len,
						   &f->dev.layout, NULL, 0),
				 0);
		wait_rung(c.own_fd[VMI_IVSHMEM_CONFIG_VECTOR]);
	}
	client_close(&c);
}

/* Features that were not offered: FEATURES_REJECTED, nothing served. */
static void test_features_rejected(void **state)
{
	struct fixture *f = *state;
	struct client c;

	client_connect(f, &c);
	client_bind(&c, VMI_FEATURE(VMI_F_VERSION_1) |
				VMI_FEATURE(VMI_BLK_F_DISCARD));
	assert_true(device_status(&c) & VMI_DEVICE_FEATURES_REJECTED);
	assert_false(device_status(&c) & VMI_DEVICE_ALIVE);
	/* Without VERSION_1 too. */
	client_bind(&c, VMI_FEATURE(VMI_BLK_F_FLUSH));
	assert_true(device_status(&c) & VMI_DEVICE_FEATURES_REJECTED);
	assert_int_equal(__atomic_load_n(&f->attached, __ATOMIC_ACQUIRE), 0);
	/* A reset clears the refusal; a good set is then served. */
	client_bind(&c, VMI_FEATURE(VMI_F_VERSION_1));
	assert_true(device_status(&c) & VMI_DEVICE_ALIVE);
	wait_count(&f->attached, 1);
	client_close(&c);
	wait_count(&f->detached, 1);
}

/* Two QEMUs: separate memory and ids; a third is refused (max_guests). */
static void test_two_guests(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct client c1, c2;
	char byte;
	int s3;

	client_connect(f, &c1);
	client_connect(f, &c2);
	assert_int_not_equal(c1.id, c2.id);
	c1.shm->driver_features = vmi_cpu_to_le64(1);
	assert_int_equal(vmi_le64_to_cpu(c2.shm->driver_features), 0);

	strcpy(a.sun_path, f->path);
	s3 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(s3, (struct sockaddr *)&a, sizeof(a)), 0);
	/* Refused: closed without a version message. */
	assert_int_equal(read(s3, &byte, 1), 0);
	close(s3);
	client_close(&c1);
	client_close(&c2);
}

/* A client that sends anything is not QEMU: it is dropped. */
static void test_client_sends(void **state)
{
	struct fixture *f = *state;
	struct client c;
	char buf[8];

	client_connect(f, &c);
	client_bind(&c, VMI_FEATURE(VMI_F_VERSION_1));
	wait_count(&f->attached, 1);
	assert_int_equal(write(c.sock, "x", 1), 1);
	wait_count(&f->detached, 1);
	assert_int_equal(read(c.sock, buf, sizeof(buf)), 0);
	client_close(&c);
}

/* A second server on the same path is refused; a stale file is reused. */
static void test_socket_claim(void **state)
{
	struct fixture *f = *state;
	struct vmi_transport *t2;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char stale[160];
	int fd;

	assert_int_equal(vmi_transport_open(&vmi_transport_ivshmem, &f->dev,
					    f->path, &t2),
			 -EADDRINUSE);
	snprintf(stale, sizeof(stale), "%s/stale.sock", f->dir);
	strcpy(a.sun_path, stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd); /* a bound, never-listening socket file stays behind */
	assert_int_equal(vmi_transport_open(&vmi_transport_ivshmem, &f->dev,
					    stale, &t2),
			 0);
	vmi_transport_close(t2);
	assert_int_equal(access(stale, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_serve_rebind, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset_generation_steps,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_features_rejected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_guests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client_sends, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_socket_claim, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

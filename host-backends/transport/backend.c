// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every device backend does the same way around the transport (the
 * end of vmi_transport.h): take its device from the machine description,
 * pick the transport kind the device names, stop on a signal, attach to a
 * guest queue's rings and data area, and, for a class whose requests are
 * answered at once, run each queue in a thread of its own. A new device
 * class's backend is then only its own requests (docs/DEVICE-CLASS.md).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include <vmi_machine.h>

#include "vmi_transport.h"

int vmi_host_machine_dev(const char *prog, const char *path,
			 unsigned long index, uint16_t dev_class,
			 struct vmi_machine *m,
			 const struct vmi_machine_dev **md)
{
	const struct vmi_machine_dev *d;
	char err[256];
	int ret;

	ret = vmi_machine_load(path, m, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return ret;
	}
	if (index >= m->nr_devs) {
		fprintf(stderr, "%s: %s has %u devices, no device %lu\n", prog,
			path, m->nr_devs, index);
		return -ENODEV;
	}
	d = &m->devs[index];
	if (d->dev_class != dev_class || !d->socket ||
	    (d->transport != VMI_TRANSPORT_PROCESS &&
	     d->transport != VMI_TRANSPORT_IVSHMEM)) {
		fprintf(stderr,
			"%s: %s: device %lu (line %u) is a %s device on transport %s%s, not a %s device with a socket\n",
			prog, path, index, d->line,
			vmi_machine_class_name(d->dev_class),
			vmi_machine_transport_name(d->transport),
			d->socket ? "" : " without socket",
			vmi_machine_class_name(dev_class));
		return -ENODEV;
	}
	*md = d;
	return 0;
}

const struct vmi_transport_ops *
vmi_transport_kind(const struct vmi_machine_dev *md)
{
	return md->transport == VMI_TRANSPORT_IVSHMEM ? &vmi_transport_ivshmem :
							&vmi_transport_process;
}

static void vmi_transport_signal_cb(void *arg, int fd)
{
	struct vmi_transport *t = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		vmi_transport_log(t, "%s: stopping",
				  strsignal((int)si.ssi_signo));
		vmi_transport_stop(t);
	}
}

int vmi_transport_stop_on_signals(struct vmi_transport *t)
{
	sigset_t set;
	int fd, ret;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		vmi_transport_log(t, "signalfd: %s", strerror(-ret));
		return ret;
	}
	ret = vmi_transport_watch(t, fd, vmi_transport_signal_cb, t);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int vmi_host_guest_queue(const struct vmi_host_guest *g,
			 const struct vmi_layout *l, unsigned int q,
			 struct vmi_ring *req, struct vmi_ring *rsp,
			 uint8_t **data)
{
	uint8_t *shm = (uint8_t *)g->shm;
	struct vmi_layout_queue lq;
	int ret;

	vmi_layout_queue(l, q, &lq);
	ret = vmi_ring_attach_cons(req, shm + lq.req_offset, l->p.ring_slots,
				   lq.req_slot_size);
	if (!ret)
		ret = vmi_ring_attach_prod(rsp, shm + lq.rsp_offset,
					   l->p.ring_slots, lq.rsp_slot_size);
	*data = shm + lq.data_offset;
	return ret;
}

/* The largest request slot a queue thread copies out (the layout's: 64). */
#define VMI_HOST_QUEUE_MAX_SLOT 256

/*
 * One pass: answer what the request ring holds, bounded by the ring's size
 * (the ring code refuses indices that claim more) and by the response
 * slots free. Returns the number answered, or -EPROTO after failing the
 * guest.
 */
static int vmi_host_queue_pass(struct vmi_host_queue *hq, bool *notify)
{
	uint64_t copy[VMI_HOST_QUEUE_MAX_SLOT / sizeof(uint64_t)];
	int avail = vmi_ring_cons_peek(&hq->req);
	int n = avail > 0 ? vmi_ring_prod_reserve(&hq->rsp, (uint32_t)avail) :
			    0;
	uint32_t i;

	if (avail < 0 || n < 0) {
		vmi_host_guest_fail(hq->g,
				    "queue %u: %s ring index out of range",
				    hq->index,
				    avail < 0 ? "request" : "response");
		return -EPROTO;
	}
	for (i = 0; i < (uint32_t)n; i++) {
		vmi_ring_cons_copy(&hq->req, i, copy);
		hq->serve(hq, copy, vmi_ring_prod_slot(&hq->rsp, i));
	}
	if (!n)
		return 0;
	if (vmi_ring_cons_release(&hq->req, (uint32_t)n))
		*notify = true;
	if (vmi_ring_prod_publish(&hq->rsp, (uint32_t)n))
		*notify = true;
	return n;
}

/*
 * Nothing to do: arm the event index of what we wait for (new requests;
 * or, when requests wait but the response ring is full, the guest taking
 * answers), re-check, and sleep until a kick. Returns -EPROTO after
 * failing the guest, else 0.
 */
static int vmi_host_queue_sleep(struct vmi_host_queue *hq)
{
	int kick = hq->g->kick_fd[hq->index];
	struct pollfd p = { .fd = kick, .events = POLLIN };
	uint64_t v;
	int ret;

	ret = vmi_ring_cons_arm(&hq->req);
	if (ret > 0) {
		ret = vmi_ring_prod_reserve(&hq->rsp, 1);
		if (ret == 0)
			ret = vmi_ring_prod_arm(&hq->rsp);
		if (ret > 0)
			return 0; /* requests, and room to answer them */
	}
	if (ret < 0) {
		vmi_host_guest_fail(hq->g,
				    "queue %u: ring indices out of range",
				    hq->index);
		return -EPROTO;
	}
	if (__atomic_load_n(&hq->stop, __ATOMIC_ACQUIRE))
		return 0;
	if (poll(&p, 1, -1) < 0 && errno != EINTR)
		return -errno;
	/* Drain the counter: the pass that follows answers every kick. */
	if (read(kick, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static void *vmi_host_queue_main(void *arg)
{
	struct vmi_host_queue *hq = arg;

	while (!__atomic_load_n(&hq->stop, __ATOMIC_ACQUIRE)) {
		bool notify = false;
		int n = vmi_host_queue_pass(hq, &notify);

		if (n < 0)
			break;
		if (notify)
			vmi_host_guest_notify(hq->g, hq->index);
		if (!n && vmi_host_queue_sleep(hq) < 0)
			break;
	}
	return NULL;
}

int vmi_host_queue_start(struct vmi_host_queue *hq,
			 const struct vmi_host_dev *dev, unsigned int q)
{
	struct vmi_layout_queue lq;
	char name[16];
	int ret;

	vmi_layout_queue(&dev->layout, q, &lq);
	if (lq.req_slot_size > VMI_HOST_QUEUE_MAX_SLOT)
		return -EINVAL;
	hq->index = q;
	hq->data_size = dev->layout.p.data_size;
	ret = vmi_host_guest_queue(hq->g, &dev->layout, q, &hq->req, &hq->rsp,
				   &hq->data);
	if (ret)
		return ret;
	ret = -pthread_create(&hq->thread, NULL, vmi_host_queue_main, hq);
	if (ret)
		return ret;
	hq->started = true;
	/* "rng0.g3.q0": top -H and the tests tell the queues apart. */
	snprintf(name, sizeof(name), "%s.g%u.q%u", dev->name, hq->g->id, q);
	pthread_setname_np(hq->thread, name);
	return 0;
}

void vmi_host_queue_stop(struct vmi_host_queue *hq)
{
	uint64_t one = 1;

	if (!hq->started)
		return;
	__atomic_store_n(&hq->stop, true, __ATOMIC_RELEASE);
	/* Our own kick wakes the thread if it sleeps. */
	if (write(hq->g->kick_fd[hq->index], &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		vmi_transport_log(hq->g->t, "%s queue %u: write(kick): %s",
				  hq->g->name, hq->index, strerror(errno));
	pthread_join(hq->thread, NULL);
	hq->started = false;
}

static void vmi_host_queues_free(struct vmi_host_queue *hq, unsigned int n)
{
	unsigned int q;

	for (q = 0; q < n; q++)
		vmi_host_queue_stop(&hq[q]);
	free(hq);
}

static int vmi_host_queues_attach(void *arg, struct vmi_host_guest *g)
{
	const struct vmi_host_queue_class *c = arg;
	size_t size = g->nr_queues * sizeof(struct vmi_host_queue);
	struct vmi_host_queue *hq;
	unsigned int q;
	int ret;

	/* Each queue on its own cache lines. */
	if (posix_memalign((void **)&hq, 64, size))
		return -ENOMEM;
	memset(hq, 0, size);
	for (q = 0; q < g->nr_queues; q++) {
		hq[q].g = g;
		hq[q].serve = c->serve;
		hq[q].priv = c->priv;
		ret = vmi_host_queue_start(&hq[q], c->dev, q);
		if (ret) {
			vmi_transport_log(g->t, "%s: queue %u: %s", g->name, q,
					  strerror(-ret));
			vmi_host_queues_free(hq, q);
			return ret;
		}
	}
	g->priv = hq;
	return 0;
}

static void vmi_host_queues_detach(void *arg, struct vmi_host_guest *g)
{
	(void)arg;
	vmi_host_queues_free(g->priv, g->nr_queues);
	g->priv = NULL;
}

const struct vmi_host_dev_ops vmi_host_queue_ops = {
	.attach = vmi_host_queues_attach,
	.detach = vmi_host_queues_detach,
};

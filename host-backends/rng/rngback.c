// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-rngback: serves one entropy device (docs/ABI.md part (g)) of a
 * machine description to any number of guests. It is the worked example of
 * docs/DEVICE-CLASS.md: everything a backend shares with the others comes
 * from the transport library (vmi_transport.h), down to the queue threads
 * (struct vmi_host_queue), and what is left here is the class itself: its
 * config, and the answer to one request.
 *
 *   vmi-rngback --machine FILE --device N
 *
 * Each queue of each guest has a thread (vmi_host_queue_ops) that copies
 * each request slot out and hands the copy to vmi_rngback_serve(): the
 * validator (rng_req.c) checks it, getrandom(2) fills the named bytes of
 * the data area, and the answer goes into the response slot. With nothing
 * to do the thread sleeps on the queue's kick eventfd at once, without a
 * polling phase: entropy requests are rare and cheap, and a spinning thread
 * per queue would cost the host more than a wake-up costs the guest.
 *
 * SIGTERM, SIGINT or SIGHUP stop it: every guest is dropped, the socket
 * removed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include <vmi_machine.h>
#include <vmi_transport.h>

#include "rng_req.h"

#define VMI_RNGBACK_MAX_REQUEST 65536 /* bytes one request may ask for */
#define VMI_RNGBACK_MAX_GUESTS 16
/* The common features this backend knows; the class defines none. */
#define VMI_RNGBACK_FEATURES \
	(VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_HEARTBEAT))

struct vmi_rngback {
	struct vmi_host_dev dev;
	struct vmi_host_queue_class qc;
	struct vmi_rng_config config;
	struct vmi_transport *transport;
	char name[16];
};

/* Fill len bytes at p from the kernel's entropy pool. */
static int vmi_rngback_fill(uint8_t *p, uint32_t len)
{
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0) {
			p += n;
			len -= (uint32_t)n;
		}
	}
	return 0;
}

/* One request, from the queue thread's copy of its slot. */
static void vmi_rngback_serve(struct vmi_host_queue *hq, const void *slot,
			      void *answer)
{
	const struct vmi_rngback *rb = hq->priv;
	const struct vmi_rng_limits lim = {
		.data_size = hq->data_size,
		.max_request = vmi_le32_to_cpu(rb->config.max_request),
	};
	struct vmi_rng_rsp *r = answer;
	struct vmi_rng_io io;
	enum vmi_rng_status st;
	int ret;

	st = vmi_rng_req_check(slot, &lim, &io);
	if (st == VMI_RNG_S_OK) {
		ret = vmi_rngback_fill(hq->data + io.offset, io.len);
		if (ret) {
			vmi_transport_log(rb->transport,
					  "%s queue %u: getrandom: %s",
					  hq->g->name, hq->index,
					  strerror(-ret));
			st = VMI_RNG_S_IOERR;
		}
	}
	r->id = vmi_cpu_to_le64(io.id);
	r->status = vmi_cpu_to_le32(st);
	r->len = vmi_cpu_to_le32(st == VMI_RNG_S_OK ? io.len : 0);
}

static void vmi_rngback_usage(FILE *f)
{
	fprintf(f,
		"usage: vmi-rngback --machine FILE --device N\n"
		"N is the index of an rng device in the machine description.\n");
}

/* The command line: the machine description and the device's index. */
static int vmi_rngback_options(int argc, char **argv, const char **machine,
			       unsigned long *device)
{
	static const struct option longopts[] = {
		{ "machine", required_argument, NULL, 'm' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_device = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			*machine = optarg;
			break;
		case 'd':
			errno = 0;
			*device = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' ||
			    *device > 0xffff) {
				fprintf(stderr,
					"vmi-rngback: --device %s: not a device index\n",
					optarg);
				return -EINVAL;
			}
			have_device = true;
			break;
		case 'h':
			vmi_rngback_usage(stdout);
			exit(0);
		default:
			vmi_rngback_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || !*machine || !have_device) {
		vmi_rngback_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* What every guest of the device gets: geometry, features, config. */
static void vmi_rngback_setup(struct vmi_rngback *rb,
			      const struct vmi_machine_dev *md)
{
	uint32_t max = md->data_size < VMI_RNGBACK_MAX_REQUEST ?
			       md->data_size :
			       VMI_RNGBACK_MAX_REQUEST;

	rb->config = (struct vmi_rng_config){
		.magic = vmi_cpu_to_le32(VMI_RNG_CONFIG_MAGIC),
		.version_major = vmi_cpu_to_le16(VMI_RNG_VERSION_MAJOR),
		.version_minor = vmi_cpu_to_le16(VMI_RNG_VERSION_MINOR),
		.max_request = vmi_cpu_to_le32(max),
	};
	rb->qc = (struct vmi_host_queue_class){
		.dev = &rb->dev,
		.serve = vmi_rngback_serve,
		.priv = rb,
	};
	snprintf(rb->name, sizeof(rb->name), "rng%u", md->instance);
	rb->dev = (struct vmi_host_dev){
		.name = rb->name,
		.layout = md->layout,
		.instance = md->instance,
		.features = md->features & VMI_RNGBACK_FEATURES,
		.config = &rb->config,
		.config_len = sizeof(rb->config),
		.max_guests = VMI_RNGBACK_MAX_GUESTS,
		.ops = &vmi_host_queue_ops,
		.priv = &rb->qc,
	};
}

int main(int argc, char **argv)
{
	static struct vmi_rngback rb;
	const struct vmi_machine_dev *md;
	struct vmi_machine machine = { 0 };
	const char *path = NULL;
	unsigned long device = 0;
	int ret, sfd;

	if (vmi_rngback_options(argc, argv, &path, &device))
		return 2;
	if (vmi_host_machine_dev("vmi-rngback", path, device, VMI_DEV_CLASS_RNG,
				 &machine, &md)) {
		vmi_machine_free(&machine);
		return 1;
	}
	vmi_rngback_setup(&rb, md);
	ret = vmi_transport_open(vmi_transport_kind(md), &rb.dev, md->socket,
				 &rb.transport);
	if (ret) {
		vmi_machine_free(&machine);
		return 1;
	}
	sfd = vmi_transport_stop_on_signals(rb.transport);
	if (sfd >= 0) {
		vmi_transport_log(rb.transport,
				  "%u queues x %u slots, %u-byte requests",
				  rb.dev.layout.p.nr_queues,
				  rb.dev.layout.p.ring_slots,
				  vmi_le32_to_cpu(rb.config.max_request));
		ret = vmi_transport_run(rb.transport);
	}
	vmi_transport_close(rb.transport);
	if (sfd >= 0)
		close(sfd);
	vmi_machine_free(&machine);
	return sfd < 0 || ret ? 1 : 0;
}

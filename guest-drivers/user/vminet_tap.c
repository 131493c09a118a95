// SPDX-License-Identifier: GPL-2.0-only
/*
 * vminet-tap: a vmipv network device as a Linux network interface. It binds
 * the ROM, finds its network device, connects, and creates a TAP interface
 * (IFF_TAP | IFF_VNET_HDR | IFF_MULTI_QUEUE, one TAP queue per queue pair)
 * in the network namespace of the user's choice, then moves packets both
 * ways, one thread per queue pair. iperf3, ping and any socket program in
 * that namespace run over vmipv unchanged.
 *
 *   vminet-tap --rom FILE [--device N] [--netns NAME|PATH] [--ifname NAME]
 *              [--mode adaptive|poll|interrupt] [--poll-us N] [--cpus LIST]
 *              [--no-offload]
 *
 * The TAP's 12-byte virtio-net header is struct vmi_net_hdr byte for byte,
 * so offload headers cross unchanged: TUNSETOFFLOAD switches on exactly the
 * offloads the device negotiated (partial checksums, TSO), and the kernel
 * then hands over whole 64 KiB TCP segments, which go through the ring as
 * one packet each, read straight into the TX slot and written straight
 * from the RX slot. SIGINT or SIGTERM stop it; the counters of each queue
 * pair go to stderr as JSON at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_tun.h>

#include "vmi_net_user.h"

#define VMINET_BURST 32

struct vminet_queue {
	struct vminet *v;
	unsigned int pair;
	struct vmi_net_queue *q;
	int fd; /* this pair's TAP queue */
	pthread_t thread;
	bool started;
	int error; /* why the thread ended, negative errno */
	uint64_t tap_errors; /* TAP writes that failed */
};

struct vminet {
	struct vmi_net_open_opts o;
	const char *netns;
	char ifname[IFNAMSIZ];
	bool no_offload;
	int cpus[64];
	unsigned int nr_cpus;
	struct vmi_net_dev *d;
	const struct vmi_net_info *info;
	struct vminet_queue *vq;
	unsigned int nr_queues;
	int stop_fd; /* eventfd: every thread stops */
	unsigned int offloads; /* TUN_F_* */
};

static volatile int vminet_stop;

static void vminet_usage(FILE *f)
{
	fprintf(f,
		"usage: vminet-tap --rom FILE [options]\n" VMI_NET_OPEN_USAGE
		"  --netns NAME      create the TAP in this network namespace (a name\n"
		"                    under /run/netns, or a path such as /proc/PID/ns/net)\n"
		"  --ifname NAME     interface name (default vmi<instance>)\n"
		"  --cpus LIST       pin queue pair k's thread to LIST[k %% n]\n"
		"  --no-offload      negotiate no checksum or segmentation offload\n");
}

/* ---- the TAP ------------------------------------------------------------- */

/* The offloads the kernel may hand us: what the device takes on TX. */
static unsigned int vminet_tun_offloads(uint64_t f)
{
	unsigned int o = 0;

	if (!(f & VMI_FEATURE(VMI_NET_F_CSUM)))
		return 0;
	o |= TUN_F_CSUM;
	if (f & VMI_FEATURE(VMI_NET_F_HOST_TSO4))
		o |= TUN_F_TSO4;
	if (f & VMI_FEATURE(VMI_NET_F_HOST_TSO6))
		o |= TUN_F_TSO6;
	return o;
}

/* MTU, MAC and IFF_UP, set on the interface in the current namespace. */
static int vminet_if_setup(struct vminet *v)
{
	struct ifreq ifr;
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, v->ifname, IFNAMSIZ);
	ifr.ifr_mtu = v->info->mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr)) {
		ret = -errno;
		fprintf(stderr, "vminet-tap: %s: MTU %u: %s\n", v->ifname,
			v->info->mtu, strerror(errno));
		goto out;
	}
	if (v->info->has_mac) {
		ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
		memcpy(ifr.ifr_hwaddr.sa_data, v->info->mac, 6);
		if (ioctl(s, SIOCSIFHWADDR, &ifr)) {
			ret = -errno;
			fprintf(stderr, "vminet-tap: %s: MAC: %s\n", v->ifname,
				strerror(errno));
			goto out;
		}
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	} else {
		ret = -errno;
	}
	if (ret)
		fprintf(stderr, "vminet-tap: %s: up: %s\n", v->ifname,
			strerror(-ret));
out:
	close(s);
	return ret;
}

/* One TAP queue: the first call creates the interface, the others join. */
static int vminet_tap_queue(struct vminet *v, struct vminet_queue *vq)
{
	int sz = sizeof(struct vmi_net_hdr);
	struct ifreq ifr;

	vq->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (vq->fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	memcpy(ifr.ifr_name, v->ifname, IFNAMSIZ);
	if (ioctl(vq->fd, TUNSETIFF, &ifr) ||
	    ioctl(vq->fd, TUNSETVNETHDRSZ, &sz))
		return -errno;
	/* A template such as "vmi%d" becomes the kernel's name. */
	memcpy(v->ifname, ifr.ifr_name, IFNAMSIZ);
	return 0;
}

static int vminet_netns_open(const char *netns)
{
	char path[256];

	if (strchr(netns, '/'))
		snprintf(path, sizeof(path), "%s", netns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * Create the TAP in the chosen namespace. A TAP belongs to the namespace
 * its creator is in, and its descriptors work from anywhere: this thread
 * enters the namespace, creates and sets up the interface, and comes back.
 */
static int vminet_tap_open(struct vminet *v)
{
	int self = -1, target = -1, ret = 0;
	unsigned int i;

	if (v->netns) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		target = vminet_netns_open(v->netns);
		if (self < 0 || target < 0 || setns(target, CLONE_NEWNET)) {
			ret = -errno;
			fprintf(stderr, "vminet-tap: netns %s: %s\n", v->netns,
				strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < v->nr_queues && !ret; i++) {
		ret = vminet_tap_queue(v, &v->vq[i]);
		if (ret)
			fprintf(stderr, "vminet-tap: %s queue %u: %s\n",
				v->ifname, i, strerror(-ret));
	}
	if (!ret && ioctl(v->vq[0].fd, TUNSETOFFLOAD, v->offloads)) {
		ret = -errno;
		fprintf(stderr, "vminet-tap: %s: TUNSETOFFLOAD %#x: %s\n",
			v->ifname, v->offloads, strerror(errno));
	}
	if (!ret)
		ret = vminet_if_setup(v);
	if (v->netns && setns(self, CLONE_NEWNET) && !ret) {
		ret = -errno;
		fprintf(stderr, "vminet-tap: back to our netns: %s\n",
			strerror(errno));
	}
out:
	if (self >= 0)
		close(self);
	if (target >= 0)
		close(target);
	return ret;
}

/* ---- moving packets ------------------------------------------------------- */

/* TAP -> TX ring: read each packet straight into a TX slot. */
static int vminet_tap_to_ring(struct vminet_queue *vq)
{
	struct vmi_net_queue *q = vq->q;
	uint32_t size = vq->v->info->tx_buf_size;
	int n = 0, ret;

	while (n < VMINET_BURST) {
		struct vmi_net_hdr h;
		struct iovec iov[2] = { { &h, sizeof(h) }, { NULL, size } };
		ssize_t r;

		iov[1].iov_base = vmi_net_tx_alloc(q);
		if (!iov[1].iov_base)
			break;
		r = readv(vq->fd, iov, 2);
		if (r <= (ssize_t)sizeof(h)) {
			vmi_net_tx_free(q, iov[1].iov_base);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				return -errno;
			break;
		}
		/* The TAP writes 10 bytes of header and skips num_buffers. */
		h.num_buffers = 0;
		ret = vmi_net_tx_send(q, iov[1].iov_base,
				      (uint32_t)(r - sizeof(h)), &h);
		if (ret) {
			vmi_net_tx_free(q, iov[1].iov_base);
			break;
		}
		n++;
	}
	if (n)
		vmi_net_tx_commit(q);
	return n;
}

/* RX ring -> TAP: write each packet from its slot, then repost slots. */
static int vminet_ring_to_tap(struct vminet_queue *vq)
{
	struct vmi_net_rx_pkt pkts[VMINET_BURST];
	struct vmi_net_queue *q = vq->q;
	int n, i;

	n = vmi_net_rx_recv(q, pkts, VMINET_BURST);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct iovec iov[2] = {
			{ &pkts[i].hdr, sizeof(pkts[i].hdr) },
			{ pkts[i].data, pkts[i].len },
		};

		if (writev(vq->fd, iov, 2) < 0)
			vq->tap_errors++;
	}
	vmi_net_rx_done(q, pkts, (unsigned int)n);
	vmi_net_rx_fill(q);
	return n;
}

static void *vminet_queue_main(void *arg)
{
	struct vminet_queue *vq = arg;
	struct vmi_net_queue *q = vq->q;
	struct pollfd pfd[2] = {
		{ .fd = vq->fd, .events = POLLIN },
		{ .fd = vq->v->stop_fd, .events = POLLIN },
	};
	uint64_t idle_since = vmi_net_now_ns();
	int ret = vmi_net_rx_fill(q);

	while (ret >= 0 && !__atomic_load_n(&vminet_stop, __ATOMIC_RELAXED)) {
		int done, out, in;

		done = vmi_net_tx_complete(q);
		out = done < 0 ? done : vminet_tap_to_ring(vq);
		in = out < 0 ? out : vminet_ring_to_tap(vq);
		if (done < 0 || out < 0 || in < 0) {
			ret = done < 0 ? done : out < 0 ? out : in;
			break;
		}
		if (done || out || in) {
			idle_since = vmi_net_now_ns();
			continue;
		}
		/* With every TX slot out, the TAP can wait. */
		pfd[0].events = vmi_net_tx_inflight(q) <
						vq->v->info->nr_tx_bufs ?
					POLLIN :
					0;
		ret = vmi_net_idle(q, pfd, 2, idle_since);
	}
	vq->error = ret < 0 ? ret : 0;
	if (ret < 0) {
		fprintf(stderr, "vminet-tap: %s queue pair %u: %s\n",
			vq->v->ifname, vq->pair, strerror(-ret));
		/* Wake the main thread: the whole interface goes. */
		kill(getpid(), SIGTERM);
	}
	return NULL;
}

/* ---- main ------------------------------------------------------------------ */

static int vminet_parse_cpus(struct vminet *v, const char *s)
{
	char *end;

	v->nr_cpus = 0;
	while (*s) {
		long c = strtol(s, &end, 10);

		if (end == s || c < 0 || c >= CPU_SETSIZE || v->nr_cpus == 64 ||
		    (*end && *end != ','))
			return -EINVAL;
		v->cpus[v->nr_cpus++] = (int)c;
		s = *end ? end + 1 : end;
	}
	return v->nr_cpus ? 0 : -EINVAL;
}

static int vminet_options(struct vminet *v, int argc, char **argv)
{
	static const struct option longopts[] = {
		VMI_NET_OPEN_LONGOPTS,
		{ "netns", required_argument, NULL, 'n' },
		{ "ifname", required_argument, NULL, 'i' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "no-offload", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret, idx = 0;

	v->o.device = -1;
	while ((c = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
		ret = vmi_net_open_opt(&v->o, c, optarg);
		if (ret < 0)
			goto bad;
		if (ret)
			continue;
		switch (c) {
		case 'n':
			v->netns = optarg;
			break;
		case 'i':
			if (strlen(optarg) >= IFNAMSIZ)
				goto bad;
			strcpy(v->ifname, optarg);
			break;
		case 'c':
			if (vminet_parse_cpus(v, optarg))
				goto bad;
			break;
		case 'O':
			v->no_offload = true;
			break;
		case 'h':
			vminet_usage(stdout);
			exit(0);
		default:
			vminet_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || !v->o.rom) {
		vminet_usage(stderr);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "vminet-tap: --%s: bad value '%s'\n",
		longopts[idx].name, optarg);
	return -EINVAL;
}

static void vminet_print_stats(const struct vminet *v)
{
	unsigned int i;

	fprintf(stderr, "{\"ifname\":\"%s\",\"queue_pairs\":[", v->ifname);
	for (i = 0; i < v->nr_queues; i++) {
		const struct vmi_net_qstats *s = vmi_net_qstats(v->vq[i].q);

		fprintf(stderr,
			"%s{\"pair\":%u,\"tx_packets\":%llu,\"tx_bytes\":%llu,"
			"\"tx_inval\":%llu,\"tx_dropped\":%llu,"
			"\"rx_packets\":%llu,\"rx_bytes\":%llu,"
			"\"rx_empty\":%llu,\"tap_errors\":%llu,"
			"\"sleeps\":%llu,\"notifies\":%llu}",
			i ? "," : "", i, (unsigned long long)s->tx_packets,
			(unsigned long long)s->tx_bytes,
			(unsigned long long)s->tx_inval,
			(unsigned long long)s->tx_dropped,
			(unsigned long long)s->rx_packets,
			(unsigned long long)s->rx_bytes,
			(unsigned long long)s->rx_empty,
			(unsigned long long)v->vq[i].tap_errors,
			(unsigned long long)s->sleeps,
			(unsigned long long)s->notifies);
	}
	fprintf(stderr, "]}\n");
}

static int vminet_start(struct vminet *v)
{
	unsigned int i;
	int ret;

	for (i = 0; i < v->nr_queues; i++) {
		struct vminet_queue *vq = &v->vq[i];

		ret = -pthread_create(&vq->thread, NULL, vminet_queue_main, vq);
		if (ret)
			return ret;
		vq->started = true;
		if (v->nr_cpus) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(v->cpus[i % v->nr_cpus], &set);
			pthread_setaffinity_np(vq->thread, sizeof(set), &set);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct vminet v = { .stop_fd = -1 };
	char err[256];
	unsigned int i;
	sigset_t set;
	int ret, sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (vminet_options(&v, argc, argv))
		return 2;
	if (v.no_offload)
		v.o.features = VMI_FEATURE(VMI_NET_F_MTU) |
			       VMI_FEATURE(VMI_NET_F_MAC);
	ret = vmi_net_open(&v.o, &v.d, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vminet-tap: %s\n", err);
		return 1;
	}
	v.info = vmi_net_info(v.d);
	if (!v.ifname[0])
		snprintf(v.ifname, sizeof(v.ifname), "vmi%u", v.info->instance);
	v.offloads = vminet_tun_offloads(v.info->features);
	v.nr_queues = v.info->nr_pairs;
	v.vq = calloc(v.nr_queues, sizeof(*v.vq));
	v.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!v.vq || v.stop_fd < 0) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < v.nr_queues; i++) {
		v.vq[i].v = &v;
		v.vq[i].pair = i;
		v.vq[i].q = vmi_net_queue(v.d, i);
		v.vq[i].fd = -1;
	}
	ret = vminet_tap_open(&v);
	if (!ret)
		ret = vminet_start(&v);
	if (!ret) {
		fprintf(stderr,
			"vminet-tap: %s%s%s: %u queue pair%s, mtu %u, features %#llx, offloads %#x, slots %u/%u of %u/%u bytes\n",
			v.ifname, v.netns ? " in " : "", v.netns ? v.netns : "",
			v.nr_queues, v.nr_queues == 1 ? "" : "s", v.info->mtu,
			(unsigned long long)v.info->features, v.offloads,
			v.info->nr_rx_bufs, v.info->nr_tx_bufs,
			v.info->rx_buf_size, v.info->tx_buf_size);
		sigwait(&set, &sig);
	}
	__atomic_store_n(&vminet_stop, 1, __ATOMIC_RELAXED);
	if (v.stop_fd >= 0 && eventfd_write(v.stop_fd, 1))
		ret = -errno;
	for (i = 0; i < v.nr_queues; i++) {
		if (v.vq[i].started) {
			pthread_join(v.vq[i].thread, NULL);
			if (v.vq[i].error && !ret)
				ret = v.vq[i].error;
		}
	}
	if (v.vq && v.vq[0].q)
		vminet_print_stats(&v);
	for (i = 0; v.vq && i < v.nr_queues; i++)
		if (v.vq[i].fd >= 0)
			close(v.vq[i].fd);
out:
	if (v.stop_fd >= 0)
		close(v.stop_fd);
	free(v.vq);
	vmi_net_close(v.d);
	return ret ? 1 : 0;
}

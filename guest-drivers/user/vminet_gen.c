// SPDX-License-Identifier: GPL-2.0-only
/*
 * vminet-gen: a packet generator and test guest on a vmipv network device,
 * one queue pair, no kernel interface. It speaks the ring directly:
 *
 *   --flood SIZE     send SIZE-byte Ethernet/IPv4/UDP frames as fast as
 *                    the ring takes them for --seconds, and report the rate
 *                    (the guest side of the packet-rate benchmark). Frames
 *                    are written into the TX slots once; a slot goes out
 *                    again as soon as its completion is back.
 *   --malformed N    N rounds of every kind of descriptor the backend must
 *                    refuse (segments outside the data area, chains too
 *                    long, lengths out of range, GSO sizes of 0 or larger
 *                    than the packet, unknown offload types and flags,
 *                    checksum fields outside the packet, offloads the
 *                    headers do not match), each followed by a good frame.
 *                    Exits 0 only if every bad one was answered INVAL and
 *                    every good one OK.
 *   --stall SECONDS  send a few frames (so that the backend learns our
 *                    MAC), then post no RX buffer for SECONDS (or until
 *                    SIGTERM or SIGINT): the backend must drop what comes
 *                    for us, and nobody else suffer.
 *
 * A JSON line with the counters goes to stdout at the end.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "vmi_net_user.h"

#define VMINET_GEN_BURST 32
#define VMINET_GEN_HDRS 42 /* Ethernet 14, IPv4 20, UDP 8 */

enum vminet_gen_mode { VMINET_FLOOD, VMINET_MALFORMED, VMINET_STALL };

/* SIGTERM or SIGINT: a stall ends early, as if its time had come. */
static volatile sig_atomic_t vminet_gen_stop;

static void vminet_gen_on_signal(int sig)
{
	(void)sig;
	vminet_gen_stop = 1;
}

struct vminet_gen {
	struct vmi_net_open_opts o;
	enum vminet_gen_mode mode;
	unsigned int pair;
	uint32_t size; /* flood frame size */
	unsigned int rounds; /* malformed */
	double seconds;
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip; /* network order */
	struct vmi_net_dev *d;
	const struct vmi_net_info *info;
	struct vmi_net_queue *q;
};

/* One's complement sum of a 20-byte IPv4 header. */
static uint16_t vminet_ip_csum(const uint8_t *h)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An Ethernet/IPv4/UDP frame of len bytes (UDP checksum 0: none). */
static void vminet_frame(const struct vminet_gen *g, uint8_t *p, uint32_t len)
{
	uint16_t ip_len = (uint16_t)(len - 14), udp_len = (uint16_t)(len - 34);
	uint16_t csum;

	memset(p, 0, len);
	memcpy(p, g->dst_mac, 6);
	memcpy(p + 6, g->src_mac, 6);
	p[12] = 0x08; /* IPv4 */
	p[14] = 0x45;
	p[16] = ip_len >> 8;
	p[17] = ip_len & 0xff;
	p[20] = 0x40; /* DF */
	p[22] = 64; /* TTL */
	p[23] = 17; /* UDP */
	memcpy(p + 26, &g->src_ip, 4);
	memcpy(p + 30, &g->dst_ip, 4);
	csum = vminet_ip_csum(p + 14);
	p[24] = csum >> 8;
	p[25] = csum & 0xff;
	p[34] = 0x30; /* source port 12345 */
	p[35] = 0x39;
	p[37] = 9; /* discard */
	p[38] = udp_len >> 8;
	p[39] = udp_len & 0xff;
}

static double vminet_now(void)
{
	return (double)vmi_net_now_ns() / 1e9;
}

/* Take completions; sleep (by the mode) while nothing moves. */
static int vminet_reap(struct vminet_gen *g, uint64_t *idle_since)
{
	int n = vmi_net_tx_complete(g->q);

	if (n > 0)
		*idle_since = vmi_net_now_ns();
	else if (!n)
		n = vmi_net_idle(g->q, NULL, 0, *idle_since);
	return n;
}

static void vminet_report(const struct vminet_gen *g, double secs,
			  unsigned long long bad, unsigned long long good)
{
	const struct vmi_net_qstats *s = vmi_net_qstats(g->q);

	printf("{\"mode\":\"%s\",\"size\":%u,\"seconds\":%.3f,"
	       "\"tx_packets\":%llu,\"tx_bytes\":%llu,\"tx_inval\":%llu,"
	       "\"tx_dropped\":%llu,\"rx_packets\":%llu,\"mpps\":%.4f,"
	       "\"gbps\":%.4f,\"sent_bad\":%llu,\"sent_good\":%llu,"
	       "\"sleeps\":%llu,\"notifies\":%llu}\n",
	       g->mode == VMINET_FLOOD	   ? "flood" :
	       g->mode == VMINET_MALFORMED ? "malformed" :
					     "stall",
	       g->size, secs, (unsigned long long)s->tx_packets,
	       (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_inval,
	       (unsigned long long)s->tx_dropped,
	       (unsigned long long)s->rx_packets,
	       secs > 0 ? (double)s->tx_packets / secs / 1e6 : 0.0,
	       secs > 0 ? (double)s->tx_bytes * 8 / secs / 1e9 : 0.0, bad, good,
	       (unsigned long long)s->sleeps, (unsigned long long)s->notifies);
}

/* ---- flood ----------------------------------------------------------------- */

static int vminet_flood(struct vminet_gen *g)
{
	unsigned int nbufs = g->info->nr_tx_bufs, i, n;
	void **bufs = calloc(nbufs, sizeof(*bufs));
	uint64_t idle_since = vmi_net_now_ns();
	double start, end;
	int ret = 0;

	if (!bufs)
		return -ENOMEM;
	/* Write every slot's frame once; slots come back unchanged. */
	for (i = 0; i < nbufs; i++) {
		bufs[i] = vmi_net_tx_alloc(g->q);
		vminet_frame(g, bufs[i], g->size);
	}
	for (i = 0; i < nbufs; i++)
		vmi_net_tx_free(g->q, bufs[i]);
	free(bufs);
	start = vminet_now();
	end = start + g->seconds;
	while (vminet_now() < end) {
		void *b;

		for (n = 0;
		     n < VMINET_GEN_BURST && (b = vmi_net_tx_alloc(g->q));
		     n++) {
			if (vmi_net_tx_send(g->q, b, g->size, NULL)) {
				vmi_net_tx_free(g->q, b);
				break;
			}
		}
		vmi_net_tx_commit(g->q);
		ret = vminet_reap(g, &idle_since);
		if (ret < 0)
			break;
	}
	end = vminet_now();
	/* What is in flight now was sent inside the window: count it. */
	while (ret >= 0 && vmi_net_tx_inflight(g->q))
		ret = vminet_reap(g, &idle_since);
	vminet_report(g, end - start, 0, 0);
	return ret < 0 ? ret : 0;
}

/* ---- malformed ------------------------------------------------------------ */

/* A descriptor of one segment over the frame at off. */
static void vminet_desc(struct vmi_net_tx *tx, uint32_t off, uint32_t len)
{
	memset(tx, 0, sizeof(*tx));
	tx->nr_segs = vmi_cpu_to_le16(1);
	tx->seg[0].offset = vmi_cpu_to_le32(off);
	tx->seg[0].len = vmi_cpu_to_le32(len);
}

static void vminet_gso(struct vmi_net_tx *tx, uint8_t type, uint16_t size)
{
	tx->hdr.flags = VMI_NET_HDR_F_NEEDS_CSUM;
	tx->hdr.gso_type = type;
	tx->hdr.gso_size = vmi_cpu_to_le16(size);
	tx->hdr.csum_start = vmi_cpu_to_le16(34);
	tx->hdr.csum_offset = vmi_cpu_to_le16(6);
	tx->hdr.hdr_len = vmi_cpu_to_le16(VMINET_GEN_HDRS);
}

/*
 * The descriptors every backend must refuse, over a good frame of len
 * bytes at off in a data area of size bytes. Returns how many.
 */
static unsigned int vminet_bad_descs(struct vmi_net_tx *t, uint32_t off,
				     uint32_t len, uint32_t size)
{
	unsigned int n = 0, i;

	/* a segment beyond the data area */
	vminet_desc(&t[n++], size - len / 2, len);
	/* a segment that wraps 32 bits */
	vminet_desc(&t[n++], 0xfffffff0u, 0x20);
	/* an empty segment */
	vminet_desc(&t[n++], off, 0);
	/* no segment */
	vminet_desc(&t[n], off, len);
	t[n++].nr_segs = 0;
	/* a chain longer than the inline limit, no INDIRECT flag */
	vminet_desc(&t[n], off, len);
	t[n].nr_segs = vmi_cpu_to_le16(VMI_NET_SEGS_INLINE + 1);
	for (i = 1; i < VMI_NET_SEGS_INLINE; i++)
		t[n].seg[i] = t[n].seg[0];
	n++;
	/* INDIRECT, which this guest never negotiates */
	vminet_desc(&t[n], off, 64 * sizeof(struct vmi_seg));
	t[n].nr_segs = vmi_cpu_to_le16(64);
	t[n++].flags = vmi_cpu_to_le16(VMI_NET_TX_F_INDIRECT);
	/* an unknown descriptor flag */
	vminet_desc(&t[n], off, len);
	t[n++].flags = vmi_cpu_to_le16(0x8000);
	/* shorter than an Ethernet header */
	vminet_desc(&t[n++], off, VMI_NET_MIN_PACKET - 1);
	/* longer than any frame: every inline segment a share and a byte */
	vminet_desc(&t[n], 0, VMI_NET_MAX_PACKET / VMI_NET_SEGS_INLINE + 1);
	t[n].nr_segs = vmi_cpu_to_le16(VMI_NET_SEGS_INLINE);
	for (i = 1; i < VMI_NET_SEGS_INLINE; i++)
		t[n].seg[i] = t[n].seg[0];
	n++;
	/* an unknown header flag */
	vminet_desc(&t[n], off, len);
	t[n++].hdr.flags = 0x04;
	/* a checksum field beyond the packet */
	vminet_desc(&t[n], off, len);
	t[n].hdr.flags = VMI_NET_HDR_F_NEEDS_CSUM;
	t[n].hdr.csum_start = vmi_cpu_to_le16((uint16_t)(len - 4));
	t[n++].hdr.csum_offset = vmi_cpu_to_le16(6);
	/* an unknown offload type (3: virtio's UFO) */
	vminet_desc(&t[n], off, len);
	vminet_gso(&t[n++], 3, 100);
	/* ECN without segmentation */
	vminet_desc(&t[n], off, len);
	t[n++].hdr.gso_type = VMI_NET_GSO_ECN;
	/* GSO size 0 */
	vminet_desc(&t[n], off, len);
	vminet_gso(&t[n++], VMI_NET_GSO_TCPV4, 0);
	/* GSO size larger than the packet */
	vminet_desc(&t[n], off, len);
	vminet_gso(&t[n++], VMI_NET_GSO_TCPV4, (uint16_t)(len + 1));
	/* GSO without NEEDS_CSUM */
	vminet_desc(&t[n], off, len);
	vminet_gso(&t[n], VMI_NET_GSO_TCPV4, 100);
	t[n++].hdr.flags = 0;
	/* TCP segmentation asked for a UDP packet */
	vminet_desc(&t[n], off, len);
	vminet_gso(&t[n++], VMI_NET_GSO_TCPV4, 100);
	return n;
}

#define VMINET_GEN_MAX_BAD 32

static int vminet_malformed(struct vminet_gen *g)
{
	struct vmi_net_tx bad[VMINET_GEN_MAX_BAD];
	uint64_t idle_since = vmi_net_now_ns();
	uint32_t len = 1000, off;
	unsigned long long nbad = 0, ngood = 0;
	unsigned int nb, r, i;
	uint8_t *frame;
	double start = vminet_now();
	int ret = 0;

	/* The frame the bad descriptors point at stays ours throughout. */
	frame = vmi_net_tx_alloc(g->q);
	if (!frame)
		return -ENOBUFS;
	vminet_frame(g, frame, len);
	off = vmi_net_tx_offset(g->q, frame);
	nb = vminet_bad_descs(bad, off, len, vmi_net_tx_data_size(g->q));
	for (r = 0; r < g->rounds && ret >= 0; r++) {
		for (i = 0; i < nb && ret >= 0; i++) {
			void *good;

			while (ret >= 0 && vmi_net_tx_send_raw(g->q, &bad[i]))
				ret = vminet_reap(g, &idle_since);
			nbad++;
			while (ret >= 0 && !(good = vmi_net_tx_alloc(g->q)))
				ret = vminet_reap(g, &idle_since);
			if (ret < 0)
				break;
			vminet_frame(g, good, 100 + i);
			ret = vmi_net_tx_send(g->q, good, 100 + i, NULL);
			ngood++;
			vmi_net_tx_commit(g->q);
		}
	}
	vmi_net_tx_commit(g->q);
	while (ret >= 0 && vmi_net_tx_inflight(g->q))
		ret = vminet_reap(g, &idle_since);
	vminet_report(g, vminet_now() - start, nbad, ngood);
	if (ret < 0)
		return ret;
	/* Every bad one refused, every good one sent: nothing else. */
	return vmi_net_qstats(g->q)->tx_inval == nbad &&
			       vmi_net_qstats(g->q)->tx_packets == ngood ?
		       0 :
		       -EPROTO;
}

/* ---- stall ------------------------------------------------------------------ */

static int vminet_stall(struct vminet_gen *g)
{
	uint64_t idle_since = vmi_net_now_ns();
	double start = vminet_now(), end = start + g->seconds;
	unsigned int i;
	int ret = 0;

	signal(SIGTERM, vminet_gen_on_signal);
	signal(SIGINT, vminet_gen_on_signal);
	for (i = 0; i < 3; i++) {
		void *b = vmi_net_tx_alloc(g->q);

		vminet_frame(g, b, 64);
		vmi_net_tx_send(g->q, b, 64, NULL);
	}
	vmi_net_tx_commit(g->q);
	/* No vmi_net_rx_fill(): the backend finds no buffer of ours. */
	while (ret >= 0 && vminet_now() < end && !vminet_gen_stop) {
		ret = vminet_reap(g, &idle_since);
		/* Stay asleep: this guest does nothing on purpose. */
		if (ret >= 0 && !vmi_net_tx_inflight(g->q))
			usleep(100000);
	}
	vminet_report(g, vminet_now() - start, 0, 0);
	return ret < 0 ? ret : 0;
}

/* ---- main ---------------------------------------------------------------------- */

static int vminet_parse_mac(const char *s, uint8_t *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ?
		       0 :
		       -EINVAL;
}

static void vminet_gen_usage(FILE *f)
{
	fprintf(f,
		"usage: vminet-gen --rom FILE (--flood SIZE | --malformed N | --stall SECONDS)\n" VMI_NET_OPEN_USAGE
		"  --pair K          queue pair (default 0)\n"
		"  --seconds S       flood: how long (default 5)\n"
		"  --src-mac M --dst-mac M --src-ip A --dst-ip A   frame addresses\n"
		"  --no-offload      negotiate no offload\n");
}

static int vminet_gen_options(struct vminet_gen *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		VMI_NET_OPEN_LONGOPTS,
		{ "pair", required_argument, NULL, 'k' },
		{ "flood", required_argument, NULL, 'f' },
		{ "malformed", required_argument, NULL, 'M' },
		{ "stall", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "src-mac", required_argument, NULL, 'a' },
		{ "dst-mac", required_argument, NULL, 'b' },
		{ "src-ip", required_argument, NULL, 'A' },
		{ "dst-ip", required_argument, NULL, 'B' },
		{ "no-offload", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_mode = false;
	int c, ret, idx = 0;
	char *end;
	long n;

	g->o.device = -1;
	g->seconds = 5;
	while ((c = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
		ret = vmi_net_open_opt(&g->o, c, optarg);
		if (ret < 0)
			goto bad;
		if (ret)
			continue;
		switch (c) {
		case 'k':
		case 'f':
		case 'M':
			n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > VMI_NET_MAX_PACKET)
				goto bad;
			if (c == 'k')
				g->pair = (unsigned int)n;
			if (c == 'f' && n < 60)
				goto bad;
			if (c == 'f' || c == 'M') {
				g->mode = c == 'f' ? VMINET_FLOOD :
						     VMINET_MALFORMED;
				g->size = c == 'f' ? (uint32_t)n : 0;
				g->rounds = (unsigned int)n;
				have_mode = true;
			}
			break;
		case 's':
		case 'S':
			g->seconds = strtod(optarg, &end);
			if (*end || g->seconds <= 0 || g->seconds > 3600)
				goto bad;
			if (c == 's') {
				g->mode = VMINET_STALL;
				have_mode = true;
			}
			break;
		case 'a':
		case 'b':
			if (vminet_parse_mac(optarg, c == 'a' ? g->src_mac :
								g->dst_mac))
				goto bad;
			break;
		case 'A':
		case 'B':
			if (inet_pton(AF_INET, optarg,
				      c == 'A' ? &g->src_ip : &g->dst_ip) != 1)
				goto bad;
			break;
		case 'O':
			g->o.features = VMI_FEATURE(VMI_NET_F_MTU);
			break;
		case 'h':
			vminet_gen_usage(stdout);
			exit(0);
		default:
			vminet_gen_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || !g->o.rom || !have_mode) {
		vminet_gen_usage(stderr);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "vminet-gen: --%s: bad value '%s'\n",
		longopts[idx].name, optarg);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	static struct vminet_gen g = {
		.src_mac = { 0x02, 0x76, 0x6d, 0x69, 0x67, 0x01 },
		.dst_mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	char err[256];
	int ret;

	g.src_ip = htonl(0x0a630063); /* 10.99.0.99 */
	g.dst_ip = htonl(0x0a6300ff); /* 10.99.0.255 */
	if (vminet_gen_options(&g, argc, argv))
		return 2;
	ret = vmi_net_open(&g.o, &g.d, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vminet-gen: %s\n", err);
		return 1;
	}
	g.info = vmi_net_info(g.d);
	g.q = vmi_net_queue(g.d, g.pair);
	if (!g.q || (g.mode == VMINET_FLOOD && (g.size > g.info->tx_buf_size ||
						g.size > g.info->max_packet))) {
		fprintf(stderr,
			"vminet-gen: pair %u of %u, frame %u bytes of at most %u\n",
			g.pair, g.info->nr_pairs, g.size,
			g.info->tx_buf_size < g.info->max_packet ?
				g.info->tx_buf_size :
				g.info->max_packet);
		vmi_net_close(g.d);
		return 2;
	}
	switch (g.mode) {
	case VMINET_FLOOD:
		ret = vminet_flood(&g);
		break;
	case VMINET_MALFORMED:
		ret = vminet_malformed(&g);
		break;
	default:
		ret = vminet_stall(&g);
		break;
	}
	if (ret)
		fprintf(stderr, "vminet-gen: %s\n", strerror(-ret));
	vmi_net_close(g.d);
	return ret ? 1 : 0;
}

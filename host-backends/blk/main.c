// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-blkback: serves one block device of a machine description to any
 * number of process guests, each queue of each guest with its own thread
 * and io_uring.
 *
 *   vmi-blkback --machine FILE --device N [--KEY[=VALUE] ...]
 *
 * The machine description (docs/MACHINE.md) gives the socket and the
 * geometry (queues, slots, data area, offered features) that the guests'
 * ROM also describes, and the device's backend keys; the same keys on the
 * command line override them (a run may change its target or its idle mode
 * without changing the ROM), and a few exist on the command line only:
 *
 *   target=PATH      file or block device (raw image) to serve
 *   readonly         refuse writes (ROFS); the ROM must offer "ro" too
 *   buffered         use the page cache (default O_DIRECT)
 *   null             complete every request without I/O (transport ceiling)
 *   size=BYTES       capacity of the null target (default 1G)
 *   block_size=N     logical block size to expose, 512 or 4096
 *   mode=adaptive|poll|interrupt   how queue threads wait (default adaptive)
 *   poll_us=N        adaptive: poll N us after the last work, then sleep
 *   cpus=LIST        pin queue q of every guest to LIST[q % n]
 *   max_guests=N     guests served at once (default 16)
 *   stats=FILE       SIGUSR1 writes the stats JSON here (default stderr)
 *   control=PATH     a Unix stream socket; each connection reads the JSON
 *
 * SIGTERM or SIGINT stop it: every guest is dropped, the socket removed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <vmi_machine.h>

#include "blkback.h"

#define VMI_BLKBACK_DEFAULT_POLL_US 200
#define VMI_BLKBACK_DEFAULT_MAX_GUESTS 16
#define VMI_BLKBACK_DEFAULT_NULL_SIZE (1ull << 30)
#define VMI_BLKBACK_MAX_OVERRIDES 32

struct vmi_blkback_main {
	struct vmi_blkback bb;
	struct vmi_machine machine;
	const struct vmi_machine_dev *md;
	const char *machine_path;
	long device;
	/* settings, from the machine's options then the command line */
	const char *target;
	bool read_only, buffered, null;
	uint64_t null_size;
	uint32_t block_size;
	const char *stats;
	const char *control;
	int control_fd;
	char name[16];
};

static void vmi_blkback_usage(FILE *f)
{
	fprintf(f,
		"usage: vmi-blkback --machine FILE --device N [--KEY[=VALUE] ...]\n"
		"  --target=PATH       file or block device to serve\n"
		"  --readonly          refuse writes\n"
		"  --buffered          use the page cache (default O_DIRECT)\n"
		"  --null              complete every request without I/O\n"
		"  --size=BYTES        capacity of the null target (default 1G)\n"
		"  --block_size=N      logical block size to expose (512, 4096)\n"
		"  --mode=MODE         adaptive (default), poll or interrupt\n"
		"  --poll_us=N         adaptive: poll N us before sleeping (default %d)\n"
		"  --cpus=LIST         pin queue q of each guest to LIST[q %% n]\n"
		"  --max_guests=N      guests served at once (default %d)\n"
		"  --stats=FILE        SIGUSR1 writes stats JSON here (default stderr)\n"
		"  --control=PATH      each connection here reads the stats JSON\n"
		"N is the device's index in the machine description; target,\n"
		"readonly, buffered, null, size and block_size may also be keys of\n"
		"the device there. The command line wins.\n",
		VMI_BLKBACK_DEFAULT_POLL_US, VMI_BLKBACK_DEFAULT_MAX_GUESTS);
}

/* ---- settings ------------------------------------------------------------ */

static int vmi_blkback_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -EINVAL : 0;
}

/* A flag: "" (a machine flag or a bare --flag), 1 or 0. */
static int vmi_blkback_parse_bool(const char *s, bool *v)
{
	if (!s || !*s || !strcmp(s, "1"))
		*v = true;
	else if (!strcmp(s, "0"))
		*v = false;
	else
		return -EINVAL;
	return 0;
}

/* Bytes, with an optional K, M or G as the machine description writes. */
static int vmi_blkback_parse_size(const char *s, uint64_t *v)
{
	static const char units[] = "KMG";
	char buf[32], *u;
	size_t len = s ? strlen(s) : 0;
	unsigned int shift = 0;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	u = strchr(units, buf[len - 1]);
	if (u && *u) {
		shift = 10 * (unsigned int)(u - units + 1);
		buf[len - 1] = '\0';
	}
	if (vmi_blkback_parse_u64(buf, v) || *v > UINT64_MAX >> shift)
		return -EINVAL;
	*v <<= shift;
	return 0;
}

static int vmi_blkback_parse_cpus(struct vmi_blkback *bb, const char *s)
{
	char *end;

	bb->nr_cpus = 0;
	while (*s) {
		long c = strtol(s, &end, 10);

		if (end == s || c < 0 || c >= CPU_SETSIZE ||
		    bb->nr_cpus == VMI_MAX_QUEUES || (*end && *end != ','))
			return -EINVAL;
		bb->cpus[bb->nr_cpus++] = (int)c;
		s = *end ? end + 1 : end;
	}
	return bb->nr_cpus ? 0 : -EINVAL;
}

static int vmi_blkback_parse_mode(const char *s, enum vmi_blkback_mode *mode)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "adaptive"))
		*mode = VMI_BLKBACK_ADAPTIVE;
	else if (!strcmp(s, "poll"))
		*mode = VMI_BLKBACK_POLL;
	else if (!strcmp(s, "interrupt"))
		*mode = VMI_BLKBACK_INTERRUPT;
	else
		return -EINVAL;
	return 0;
}

/*
 * One setting, from the machine description or the command line (val is
 * NULL for a bare --flag). Returns 0, -ENOENT for an unknown key, -EINVAL
 * for a bad value.
 */
static int vmi_blkback_set(struct vmi_blkback_main *m, const char *key,
			   const char *val)
{
	struct vmi_blkback *bb = &m->bb;
	uint64_t v;

	if (!strcmp(key, "target")) {
		m->target = val;
		return val && *val ? 0 : -EINVAL;
	}
	if (!strcmp(key, "readonly"))
		return vmi_blkback_parse_bool(val, &m->read_only);
	if (!strcmp(key, "buffered"))
		return vmi_blkback_parse_bool(val, &m->buffered);
	if (!strcmp(key, "null"))
		return vmi_blkback_parse_bool(val, &m->null);
	if (!strcmp(key, "size"))
		return vmi_blkback_parse_size(val, &m->null_size) ||
				       m->null_size < VMI_BLK_SECTOR_SIZE ?
			       -EINVAL :
			       0;
	if (!strcmp(key, "block_size")) {
		if (!val || vmi_blkback_parse_u64(val, &v) ||
		    (v != 512 && v != 4096))
			return -EINVAL;
		m->block_size = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "mode"))
		return vmi_blkback_parse_mode(val, &bb->mode);
	if (!strcmp(key, "poll_us")) {
		if (!val || vmi_blkback_parse_u64(val, &v) || v > 10000000)
			return -EINVAL;
		bb->poll_ns = v * 1000;
		return 0;
	}
	if (!strcmp(key, "cpus"))
		return val ? vmi_blkback_parse_cpus(bb, val) : -EINVAL;
	if (!strcmp(key, "max_guests")) {
		if (!val || vmi_blkback_parse_u64(val, &v) || !v || v > 1024)
			return -EINVAL;
		bb->dev.max_guests = (unsigned int)v;
		return 0;
	}
	if (!strcmp(key, "stats")) {
		m->stats = val;
		return val && *val ? 0 : -EINVAL;
	}
	if (!strcmp(key, "control")) {
		m->control = val;
		return val && *val ? 0 : -EINVAL;
	}
	return -ENOENT;
}

/* Apply the device's backend options from the machine description. */
static int vmi_blkback_machine_settings(struct vmi_blkback_main *m)
{
	unsigned int i;
	int ret;

	for (i = 0; i < m->md->nr_opts; i++) {
		const struct vmi_machine_opt *o = &m->md->opts[i];

		ret = vmi_blkback_set(m, o->key, o->value);
		if (ret) {
			fprintf(stderr,
				"vmi-blkback: %s: device %ld: %s option %s=%s\n",
				m->machine_path, m->device,
				ret == -ENOENT ? "unknown" : "bad value for",
				o->key, o->value);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The command line: --machine and --device, then --KEY[=VALUE] settings,
 * kept aside until the machine's own settings have been applied.
 */
static int vmi_blkback_options(struct vmi_blkback_main *m, int argc,
			       char **argv, const char **keys,
			       const char **vals, unsigned int *nr)
{
	static const struct option longopts[] = {
		{ "machine", required_argument, NULL, 'm' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "target", required_argument, NULL, 's' },
		{ "readonly", optional_argument, NULL, 's' },
		{ "buffered", optional_argument, NULL, 's' },
		{ "null", optional_argument, NULL, 's' },
		{ "size", required_argument, NULL, 's' },
		{ "block_size", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 's' },
		{ "poll_us", required_argument, NULL, 's' },
		{ "cpus", required_argument, NULL, 's' },
		{ "max_guests", required_argument, NULL, 's' },
		{ "stats", required_argument, NULL, 's' },
		{ "control", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, idx;

	*nr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
		switch (c) {
		case 'm':
			m->machine_path = optarg;
			break;
		case 'd':
			if (vmi_blkback_parse_u64(optarg, &v) || v > 0xffff) {
				fprintf(stderr,
					"vmi-blkback: --device %s: not a device index\n",
					optarg);
				return -EINVAL;
			}
			m->device = (long)v;
			break;
		case 'h':
			vmi_blkback_usage(stdout);
			exit(0);
		case 's':
			if (*nr == VMI_BLKBACK_MAX_OVERRIDES)
				return -E2BIG;
			keys[*nr] = longopts[idx].name;
			vals[(*nr)++] = optarg;
			break;
		default:
			vmi_blkback_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || !m->machine_path || m->device < 0) {
		vmi_blkback_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* ---- the transport's callbacks -------------------------------------------- */

static void vmi_blkback_free_guest(struct vmi_blkback_guest *bg,
				   unsigned int nr_queues)
{
	unsigned int q;

	for (q = 0; q < nr_queues; q++) {
		vmi_blkback_queue_stop(&bg->q[q]);
		vmi_blkback_stats_add(&bg->bb->totals[q], &bg->q[q].stats);
	}
	free(bg);
}

static int vmi_blkback_attach(void *arg, struct vmi_host_guest *g)
{
	struct vmi_blkback *bb = arg;
	const struct vmi_blk_config *c = &bb->config;
	struct vmi_blkback_guest *bg;
	size_t size = sizeof(*bg) + g->nr_queues * sizeof(bg->q[0]);
	unsigned int q;
	int ret;

	/* Queues carry cache-line aligned state. */
	if (posix_memalign((void **)&bg, 64, size))
		return -ENOMEM;
	memset(bg, 0, size);
	bg->bb = bb;
	bg->g = g;
	bg->nr_queues = g->nr_queues;
	bg->write_through = !(g->features & VMI_FEATURE(VMI_BLK_F_FLUSH));
	bg->lim = (struct vmi_blk_limits){
		.capacity = vmi_le64_to_cpu(c->capacity),
		.features = g->features,
		.data_size = bb->dev.layout.p.data_size,
		.logical_block_size = vmi_le32_to_cpu(c->logical_block_size),
		.buf_align = vmi_le32_to_cpu(c->buf_align),
		.max_transfer = vmi_le32_to_cpu(c->max_transfer),
		.max_discard_sectors = vmi_le32_to_cpu(c->max_discard_sectors),
		.max_write_zeroes_sectors =
			vmi_le32_to_cpu(c->max_write_zeroes_sectors),
		.max_segs = g->features & VMI_FEATURE(VMI_F_INDIRECT) ?
				    vmi_le16_to_cpu(c->max_segs) :
				    VMI_BLK_SEGS_INLINE,
		.read_only = bb->target.read_only,
	};
	for (q = 0; q < bg->nr_queues; q++) {
		ret = vmi_blkback_queue_start(bg, q);
		if (ret) {
			vmi_transport_log(bb->transport, "%s: queue %u: %s",
					  g->name, q, strerror(-ret));
			vmi_blkback_free_guest(bg, q + 1);
			return ret;
		}
	}
	g->priv = bg;
	return 0;
}

static void vmi_blkback_detach(void *arg, struct vmi_host_guest *g)
{
	struct vmi_blkback_guest *bg = g->priv;

	(void)arg;
	vmi_blkback_free_guest(bg, bg->nr_queues);
	g->priv = NULL;
}

static const struct vmi_host_dev_ops vmi_blkback_dev_ops = {
	.attach = vmi_blkback_attach,
	.detach = vmi_blkback_detach,
};

/* ---- stats: SIGUSR1 and the control socket ------------------------------- */

/* Write the stats where stats= says, replacing the file atomically. */
static void vmi_blkback_dump_stats(struct vmi_blkback_main *m)
{
	char tmp[4096];
	FILE *f;

	if (!m->stats) {
		vmi_blkback_stats_json(&m->bb, stderr);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", m->stats);
	f = fopen(tmp, "w");
	if (!f) {
		vmi_transport_log(m->bb.transport, "%s: %s", tmp,
				  strerror(errno));
		return;
	}
	vmi_blkback_stats_json(&m->bb, f);
	if (fclose(f) || rename(tmp, m->stats))
		vmi_transport_log(m->bb.transport, "%s: %s", m->stats,
				  strerror(errno));
}

static void vmi_blkback_signal_cb(void *arg, int fd)
{
	struct vmi_blkback_main *m = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			vmi_blkback_dump_stats(m);
		} else {
			vmi_transport_log(m->bb.transport, "%s: stopping",
					  strsignal((int)si.ssi_signo));
			vmi_transport_stop(m->bb.transport);
		}
	}
}

/* One connection, one JSON document, then EOF. */
static void vmi_blkback_control_cb(void *arg, int fd)
{
	struct vmi_blkback_main *m = arg;
	char *buf = NULL;
	size_t len = 0, off = 0;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	FILE *f;

	if (c < 0)
		return;
	f = open_memstream(&buf, &len);
	if (f) {
		vmi_blkback_stats_json(&m->bb, f);
		fclose(f);
		/* Blocking, on a local socket: a few KiB at most. */
		while (off < len) {
			ssize_t n = send(c, buf + off, len - off, MSG_NOSIGNAL);

			if (n <= 0) {
				vmi_transport_log(m->bb.transport,
						  "control: send: %s",
						  strerror(errno));
				break;
			}
			off += (size_t)n;
		}
		free(buf);
	}
	close(c);
}

static int vmi_blkback_control_open(struct vmi_blkback_main *m)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(m->control) >= sizeof(a.sun_path)) {
		fprintf(stderr, "vmi-blkback: control=%s: path too long\n",
			m->control);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, m->control);
	unlink(a.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 8) < 0) {
		ret = -errno;
		fprintf(stderr, "vmi-blkback: control=%s: %s\n", m->control,
			strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	m->control_fd = fd;
	return vmi_transport_watch(m->bb.transport, fd, vmi_blkback_control_cb,
				   m);
}

/* ---- the device ----------------------------------------------------------- */

/* The machine's device --device: a block device, process or ivshmem. */
static int vmi_blkback_pick_device(struct vmi_blkback_main *m)
{
	char err[256];
	int ret;

	ret = vmi_machine_load(m->machine_path, &m->machine, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vmi-blkback: %s\n", err);
		return ret;
	}
	if ((unsigned long)m->device >= m->machine.nr_devs) {
		fprintf(stderr,
			"vmi-blkback: %s has %u devices, no device %ld\n",
			m->machine_path, m->machine.nr_devs, m->device);
		return -ENODEV;
	}
	m->md = &m->machine.devs[m->device];
	if (m->md->dev_class != VMI_DEV_CLASS_BLK ||
	    (m->md->transport != VMI_TRANSPORT_PROCESS &&
	     m->md->transport != VMI_TRANSPORT_IVSHMEM) ||
	    !m->md->socket) {
		fprintf(stderr,
			"vmi-blkback: %s: device %ld is of class %u on transport %u%s, not a block device with a socket\n",
			m->machine_path, m->device, m->md->dev_class,
			m->md->transport,
			m->md->socket ? "" : " without socket");
		return -ENODEV;
	}
	return 0;
}

/*
 * Open the target and lay out what guests will get: geometry from the
 * machine, config from the target, features offered = the machine's that
 * the target supports (RO whenever the target is read-only).
 */
static int vmi_blkback_setup_device(struct vmi_blkback_main *m)
{
	struct vmi_blkback *bb = &m->bb;
	const struct vmi_machine_dev *md = m->md;
	struct vmi_layout_params p = {
		.dev_class = VMI_DEV_CLASS_BLK,
		.nr_queues = md->nr_queues,
		.ring_slots = md->ring_slots,
		.data_size = md->data_size,
	};
	uint64_t supported, ro = VMI_FEATURE(VMI_BLK_F_RO);
	char err[256];
	int ret;

	if (m->null) {
		vmi_blkback_target_null(&bb->target, m->null_size);
	} else if (!m->target) {
		fprintf(stderr,
			"vmi-blkback: device %ld has no target (and is not null)\n",
			m->device);
		return -EINVAL;
	} else {
		ret = vmi_blkback_target_open(&bb->target, m->target,
					      m->read_only, !m->buffered);
		if (ret)
			return ret;
	}
	bb->target.read_only = m->read_only;
	if (m->block_size > bb->target.logical_block_size)
		vmi_blkback_target_block_size(&bb->target, m->block_size);
	if (!bb->target.size) {
		fprintf(stderr,
			"vmi-blkback: device %ld: the target holds no whole %u-byte block\n",
			m->device, bb->target.logical_block_size);
		return -EINVAL;
	}
	ret = vmi_layout_compute(&p, &bb->dev.layout, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vmi-blkback: %s: device %ld: %s\n",
			m->machine_path, m->device, err);
		return ret;
	}
	vmi_blkback_target_config(&bb->target, p.data_size, &bb->config,
				  &supported);
	bb->dev.features = (md->features & supported) | (supported & ro);
	if ((supported & ro) && !(md->features & ro))
		fprintf(stderr,
			"vmi-blkback: device %ld is read-only but its features in the machine description lack ro: guests whose ROM lacks it will refuse the device\n",
			m->device);
	if (!(bb->dev.features & VMI_FEATURE(VMI_F_VERSION_1))) {
		fprintf(stderr,
			"vmi-blkback: device %ld: features %#llx lack VERSION_1\n",
			m->device, (unsigned long long)md->features);
		return -EINVAL;
	}
	snprintf(m->name, sizeof(m->name), "blk%u", md->instance);
	bb->dev.name = m->name;
	bb->dev.instance = md->instance;
	bb->dev.config = &bb->config;
	bb->dev.config_len = sizeof(bb->config);
	bb->dev.ops = &vmi_blkback_dev_ops;
	bb->dev.priv = bb;
	return 0;
}

/* Signals arrive through a signalfd in the loop, not in a handler. */
static int vmi_blkback_signals(struct vmi_blkback_main *m)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	/* Before any queue thread exists, so that they all inherit it. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vmi-blkback: signalfd: %s\n", strerror(errno));
		return -errno;
	}
	return vmi_transport_watch(m->bb.transport, fd, vmi_blkback_signal_cb,
				   m);
}

int main(int argc, char **argv)
{
	static struct vmi_blkback_main m = {
		.device = -1,
		.null_size = VMI_BLKBACK_DEFAULT_NULL_SIZE,
		.control_fd = -1,
		.bb = {
			.mode = VMI_BLKBACK_ADAPTIVE,
			.poll_ns = VMI_BLKBACK_DEFAULT_POLL_US * 1000ull,
			.dev.max_guests = VMI_BLKBACK_DEFAULT_MAX_GUESTS,
		},
	};
	const char *keys[VMI_BLKBACK_MAX_OVERRIDES];
	const char *vals[VMI_BLKBACK_MAX_OVERRIDES];
	struct timespec ts;
	unsigned int i, nr;
	int ret;

	if (vmi_blkback_options(&m, argc, argv, keys, vals, &nr))
		return 2;
	if (vmi_blkback_pick_device(&m) || vmi_blkback_machine_settings(&m))
		return 1;
	for (i = 0; i < nr; i++) {
		if (vmi_blkback_set(&m, keys[i], vals[i])) {
			fprintf(stderr, "vmi-blkback: --%s: bad value '%s'\n",
				keys[i], vals[i] ? vals[i] : "");
			return 2;
		}
	}
	if (vmi_blkback_setup_device(&m))
		return 1;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	m.bb.started_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	/* A process guest connects to the socket; QEMU's ivshmem too. */
	ret = vmi_transport_open(m.md->transport == VMI_TRANSPORT_IVSHMEM ?
					 &vmi_transport_ivshmem :
					 &vmi_transport_process,
				 &m.bb.dev, m.md->socket, &m.bb.transport);
	if (ret)
		return 1;
	if (vmi_blkback_signals(&m) ||
	    (m.control && vmi_blkback_control_open(&m))) {
		vmi_transport_close(m.bb.transport);
		return 1;
	}
	vmi_transport_log(
		m.bb.transport,
		"%s%s: %llu bytes, %s%s, %u queues x %u slots, %s mode",
		m.bb.target.null ? "null target" : m.bb.target.path,
		m.bb.target.read_only ? " (read-only)" : "",
		(unsigned long long)m.bb.target.size,
		m.bb.target.null   ? "no I/O" :
		m.bb.target.direct ? "O_DIRECT" :
				     "page cache",
		m.bb.target.is_blkdev ? ", block device" : "",
		m.bb.dev.layout.p.nr_queues, m.bb.dev.layout.p.ring_slots,
		m.bb.mode == VMI_BLKBACK_ADAPTIVE ? "adaptive" :
		m.bb.mode == VMI_BLKBACK_POLL	  ? "poll" :
						    "interrupt");
	ret = vmi_transport_run(m.bb.transport);
	vmi_transport_close(m.bb.transport);
	if (m.control_fd >= 0) {
		close(m.control_fd);
		unlink(m.control);
	}
	vmi_blkback_target_close(&m.bb.target);
	vmi_machine_free(&m.machine);
	return ret ? 1 : 0;
}

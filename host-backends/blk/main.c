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
 *   target=PATH      what to serve: a file or block device (raw image),
 *                    nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=P
 *                    or rbd:POOL/IMAGE (cluster from $CEPH_CONF)
 *   timeout_ms=N     nbd, rbd: a request the target has not answered in
 *                    N ms fails with an I/O error (default 30000)
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

#include <vmi_machine.h>

#include "blkback.h"

#define VMI_BLKBACK_DEFAULT_POLL_US 200
#define VMI_BLKBACK_DEFAULT_MAX_GUESTS 16
#define VMI_BLKBACK_DEFAULT_NULL_SIZE (1ull << 30)
#define VMI_BLKBACK_DEFAULT_TIMEOUT_MS 30000
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
	struct vmi_host_stats out; /* SIGUSR1 and the control socket */
	int signal_fd; /* SIGINT, SIGTERM, SIGHUP */
	char name[16];
};

static void vmi_blkback_usage(FILE *f)
{
	fprintf(f,
		"usage: vmi-blkback --machine FILE --device N [--KEY[=VALUE] ...]\n"
		"  --target=PATH       file or block device, nbd[+unix]://... URI\n"
		"                      or rbd:POOL/IMAGE to serve\n"
		"  --timeout_ms=N      nbd, rbd: fail a request after N ms (default %d)\n"
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
		VMI_BLKBACK_DEFAULT_TIMEOUT_MS, VMI_BLKBACK_DEFAULT_POLL_US,
		VMI_BLKBACK_DEFAULT_MAX_GUESTS);
}

/* ---- settings ------------------------------------------------------------ */

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
	if (vmi_host_parse_u64(buf, v) || *v > UINT64_MAX >> shift)
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
	if (!strcmp(key, "timeout_ms")) {
		if (!val || vmi_host_parse_u64(val, &v) || !v || v > 3600000)
			return -EINVAL;
		bb->target.timeout_ns = v * 1000000;
		return 0;
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
		if (!val || vmi_host_parse_u64(val, &v) ||
		    (v != 512 && v != 4096))
			return -EINVAL;
		m->block_size = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "mode"))
		return vmi_blkback_parse_mode(val, &bb->mode);
	if (!strcmp(key, "poll_us")) {
		if (!val || vmi_host_parse_u64(val, &v) || v > 10000000)
			return -EINVAL;
		bb->poll_ns = v * 1000;
		return 0;
	}
	if (!strcmp(key, "cpus"))
		return val ? vmi_blkback_parse_cpus(bb, val) : -EINVAL;
	if (!strcmp(key, "max_guests")) {
		if (!val || vmi_host_parse_u64(val, &v) || !v || v > 1024)
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
		{ "timeout_ms", required_argument, NULL, 's' },
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
			if (vmi_host_parse_u64(optarg, &v) || v > 0xffff) {
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
		.max_discard_segs = vmi_le16_to_cpu(c->max_discard_segs),
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

/* The stats JSON, for SIGUSR1 and the control socket. */
static void vmi_blkback_json(void *arg, FILE *f)
{
	vmi_blkback_stats_json(arg, f);
}

/* ---- the device ----------------------------------------------------------- */

/* The machine's device --device: a block device, process or ivshmem. */
static int vmi_blkback_pick_device(struct vmi_blkback_main *m)
{
	return vmi_host_machine_dev("vmi-blkback", m->machine_path,
				    (unsigned long)m->device, VMI_DEV_CLASS_BLK,
				    &m->machine, &m->md);
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
	/* A target may be read-only by itself (an NBD export). */
	bb->target.read_only |= m->read_only;
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

int main(int argc, char **argv)
{
	static struct vmi_blkback_main m = {
		.device = -1,
		.null_size = VMI_BLKBACK_DEFAULT_NULL_SIZE,
		.out.signal_fd = -1,
		.out.control_fd = -1,
		.signal_fd = -1,
		.bb = {
			.target.timeout_ns =
				VMI_BLKBACK_DEFAULT_TIMEOUT_MS * 1000000ull,
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
	ret = vmi_transport_open(vmi_transport_kind(m.md), &m.bb.dev,
				 m.md->socket, &m.bb.transport);
	if (ret)
		return 1;
	/* Before any queue thread exists, so that they all inherit the mask. */
	m.signal_fd = vmi_transport_stop_on_signals(m.bb.transport);
	m.out = (struct vmi_host_stats){
		.t = m.bb.transport,
		.file = m.stats,
		.control = m.control,
		.json = vmi_blkback_json,
		.arg = &m.bb,
	};
	if (m.signal_fd < 0 || vmi_host_stats_open(&m.out)) {
		vmi_transport_close(m.bb.transport);
		vmi_host_stats_close(&m.out);
		return 1;
	}
	vmi_transport_log(
		m.bb.transport,
		"%s target %s%s: %llu bytes, %s%s, %u queues x %u slots, %s mode",
		m.bb.target.ops->kind,
		m.bb.target.null ? "null" : m.bb.target.path,
		m.bb.target.read_only ? " (read-only)" : "",
		(unsigned long long)m.bb.target.size,
		m.bb.target.null   ? "no I/O" :
		m.bb.target.fd < 0 ? "remote" :
		m.bb.target.direct ? "O_DIRECT" :
				     "page cache",
		m.bb.target.is_blkdev ? ", block device" : "",
		m.bb.dev.layout.p.nr_queues, m.bb.dev.layout.p.ring_slots,
		m.bb.mode == VMI_BLKBACK_ADAPTIVE ? "adaptive" :
		m.bb.mode == VMI_BLKBACK_POLL	  ? "poll" :
						    "interrupt");
	ret = vmi_transport_run(m.bb.transport);
	vmi_transport_close(m.bb.transport);
	vmi_host_stats_close(&m.out);
	close(m.signal_fd);
	vmi_blkback_target_close(&m.bb.target);
	vmi_machine_free(&m.machine);
	return ret ? 1 : 0;
}

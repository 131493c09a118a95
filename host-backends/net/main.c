// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-netback: serves one network device of a machine description to any
 * number of guests, connecting their rings to one DPDK port.
 *
 *   vmi-netback [EAL options --] --machine FILE --device N [options]
 *
 * EAL options go to rte_eal_init() unchanged (--no-pci is added unless
 * PCI devices are asked for with -a/--allow): lcores, hugepages
 * (--huge-dir, --file-prefix), and the port itself as a --vdev. The port
 * may also come from the device's "port" option in the machine file or
 * from --port: a DPDK device argument ("net_tap0,iface=vmi0") that is
 * probed unless a port of that name exists. Queue pair k of the device
 * maps to port queue k, served by worker lcore k % (worker lcores).
 *
 * Stats: SIGUSR1 writes a JSON document to --stats FILE (atomically
 * replaced) or stderr; a connection to --control PATH reads one. SIGTERM
 * or SIGINT stop it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <vmi_machine.h>

#include "netback.h"

#define VMI_NETBACK_DEFAULT_POLL_US 50
#define VMI_NETBACK_MAX_EAL_ARGS 128

struct vmi_netback_main {
	struct vmi_netback nb;
	const char *machine_path;
	long device;
	const char *port_spec;
	struct vmi_machine machine;
	const struct vmi_machine_dev *md;
	struct vmi_netback_port_opts po;
	char name[16];
	struct vmi_host_stats out; /* SIGUSR1 and the control socket */
	int signal_fd; /* SIGINT, SIGTERM, SIGHUP */
};

static void vmi_netback_usage(FILE *f)
{
	fprintf(f,
		"usage: vmi-netback [EAL options --] --machine FILE --device N [options]\n"
		"  --port DEVARGS       DPDK port (default: the device's 'port' option,\n"
		"                       else the first port the EAL created)\n"
		"  --mtu N              port MTU (default: the device's 'mtu', else the port's)\n"
		"  --mode MODE          adaptive (default), poll or interrupt\n"
		"  --poll-us N          adaptive: poll N us before sleeping (default %d)\n"
		"  --tso WHICH          auto (default), port (the port's TSO) or gso (librte_gso)\n"
		"  --zero-copy WHEN     auto (default: software ports), on or off\n"
		"  --no-gro             never coalesce TCP towards guests\n"
		"  --max-guests N       guests served at once (default and at most %d)\n"
		"  --stats FILE         SIGUSR1 writes stats JSON here (default stderr)\n"
		"  --control PATH       a connection here reads the stats JSON\n",
		VMI_NETBACK_DEFAULT_POLL_US, VMI_NETBACK_MAX_GUESTS);
}

/* ---- command line -------------------------------------------------------- */

static int vmi_netback_parse_choice(const char *s, const char *const *names,
				    int n, int *v)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*v = i;
			return 0;
		}
	return -EINVAL;
}

static int vmi_netback_options(struct vmi_netback_main *m, int argc,
			       char **argv)
{
	static const struct option longopts[] = {
		{ "machine", required_argument, NULL, 'm' },
		{ "device", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'P' },
		{ "mtu", required_argument, NULL, 'u' },
		{ "mode", required_argument, NULL, 'M' },
		{ "poll-us", required_argument, NULL, 'p' },
		{ "tso", required_argument, NULL, 't' },
		{ "zero-copy", required_argument, NULL, 'z' },
		{ "no-gro", no_argument, NULL, 'G' },
		{ "max-guests", required_argument, NULL, 'g' },
		{ "stats", required_argument, NULL, 'S' },
		{ "control", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const modes[] = { "adaptive", "poll", "interrupt" };
	static const char *const tso[] = { "gso", "port", "auto" };
	static const char *const zc[] = { "off", "on", "auto" };
	int c, idx = 0, v;
	uint64_t n;

	m->device = -1;
	m->po.tso = -1;
	m->po.zero_copy = -1;
	m->nb.gro = true;
	m->nb.poll_ns = VMI_NETBACK_DEFAULT_POLL_US * 1000ull;
	m->nb.dev.max_guests = VMI_NETBACK_MAX_GUESTS;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
		switch (c) {
		case 'm':
			m->machine_path = optarg;
			break;
		case 'd':
			if (vmi_host_parse_u64(optarg, &n) || n > 0xffff)
				goto bad;
			m->device = (long)n;
			break;
		case 'P':
			m->port_spec = optarg;
			break;
		case 'u':
			if (vmi_host_parse_u64(optarg, &n) || n < 68 ||
			    n > 65535 - RTE_ETHER_HDR_LEN - RTE_VLAN_HLEN)
				goto bad;
			m->po.mtu = (uint16_t)n;
			break;
		case 'M':
			if (vmi_netback_parse_choice(optarg, modes, 3, &v))
				goto bad;
			m->nb.mode = (enum vmi_netback_mode)v;
			break;
		case 'p':
			if (vmi_host_parse_u64(optarg, &n) ||
			    n > 10 * 1000 * 1000)
				goto bad;
			m->nb.poll_ns = n * 1000;
			break;
		case 't':
			if (vmi_netback_parse_choice(optarg, tso, 3, &v))
				goto bad;
			m->po.tso = v == 2 ? -1 : v;
			break;
		case 'z':
			if (vmi_netback_parse_choice(optarg, zc, 3, &v))
				goto bad;
			m->po.zero_copy = v == 2 ? -1 : v;
			break;
		case 'G':
			m->nb.gro = false;
			break;
		case 'g':
			if (vmi_host_parse_u64(optarg, &n) || !n ||
			    n > VMI_NETBACK_MAX_GUESTS)
				goto bad;
			m->nb.dev.max_guests = (unsigned int)n;
			break;
		case 'S':
			m->out.file = optarg;
			break;
		case 'C':
			m->out.control = optarg;
			break;
		case 'h':
			vmi_netback_usage(stdout);
			exit(0);
		default:
			vmi_netback_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || !m->machine_path || m->device < 0) {
		vmi_netback_usage(stderr);
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "vmi-netback: --%s: bad value '%s'\n",
		longopts[idx].name, optarg);
	return -EINVAL;
}

/*
 * rte_eal_init() with the EAL options (everything before "--", or nothing
 * when there is no "--"), --no-pci added unless PCI devices are allowed.
 * Returns the index of the first application argument, or -errno.
 */
static int vmi_netback_eal_init(int argc, char **argv)
{
	char *eal[VMI_NETBACK_MAX_EAL_ARGS];
	int i, n = 0, split = -1, ret;
	bool pci = false;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			split = i;
			break;
		}
	eal[n++] = argv[0];
	for (i = 1; i < split; i++)
		if (!strcmp(argv[i], "-a") || !strncmp(argv[i], "--allow", 7) ||
		    !strcmp(argv[i], "--no-pci"))
			pci = true;
	if (!pci)
		eal[n++] = (char *)"--no-pci";
	if (split + n > VMI_NETBACK_MAX_EAL_ARGS) {
		fprintf(stderr, "vmi-netback: too many EAL options\n");
		return -E2BIG;
	}
	for (i = 1; i < split; i++)
		eal[n++] = argv[i];
	ret = rte_eal_init(n, eal);
	if (ret < 0) {
		fprintf(stderr, "vmi-netback: EAL: %s\n",
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	return split < 0 ? 1 : split + 1;
}

/* ---- the device ------------------------------------------------------------ */

static int vmi_netback_pick_device(struct vmi_netback_main *m)
{
	int ret = vmi_host_machine_dev("vmi-netback", m->machine_path,
				       (unsigned long)m->device,
				       VMI_DEV_CLASS_NET, &m->machine, &m->md);

	if (ret)
		return ret;
	if (m->md->nr_queues / 2 > RTE_MAX_LCORE) {
		fprintf(stderr, "vmi-netback: %u queues: too many\n",
			m->md->nr_queues);
		return -EINVAL;
	}
	if (!m->port_spec)
		m->port_spec = vmi_machine_opt(m->md, "port");
	if (!m->po.mtu)
		m->po.mtu = (uint16_t)vmi_machine_opt_num(m->md, "mtu", 0);
	return 0;
}

/* The port a device argument names: probed unless it exists already. */
static int vmi_netback_probe_port(struct vmi_netback_main *m)
{
	static char name[RTE_ETH_NAME_MAX_LEN];
	size_t len;
	uint16_t id;
	int ret;

	if (!m->port_spec)
		return 0;
	len = strcspn(m->port_spec, ",");
	if (len >= sizeof(name)) {
		fprintf(stderr, "vmi-netback: port %s: name too long\n",
			m->port_spec);
		return -EINVAL;
	}
	memcpy(name, m->port_spec, len);
	name[len] = '\0';
	m->po.port = name;
	if (!rte_eth_dev_get_port_by_name(name, &id))
		return 0;
	ret = rte_dev_probe(m->port_spec);
	if (ret)
		fprintf(stderr, "vmi-netback: probe %s: %s\n", m->port_spec,
			rte_strerror(-ret));
	return ret;
}

/*
 * Offer what the machine description offers and the port (or the backend
 * for it) can do; say what had to go.
 */
static void vmi_netback_features(struct vmi_netback_main *m)
{
	struct vmi_netback *nb = &m->nb;
	uint64_t can = vmi_netback_port_features(&nb->port, nb->gro);
	const char *mac = vmi_machine_opt(m->md, "mac");
	char names[512];

	if (mac)
		can |= VMI_FEATURE(VMI_NET_F_MAC);
	nb->features = m->md->features & can;
	if (m->md->features & ~can) {
		vmi_machine_features_str(VMI_DEV_CLASS_NET,
					 m->md->features & ~can, names,
					 sizeof(names));
		fprintf(stderr,
			"vmi-netback: %s: not offered on port %s (%s): %s\n",
			m->name, nb->port.name, nb->port.driver, names);
	}
	memset(&nb->config, 0, sizeof(nb->config));
	nb->config.magic = vmi_cpu_to_le32(VMI_NET_CONFIG_MAGIC);
	nb->config.version_major = vmi_cpu_to_le16(VMI_NET_VERSION_MAJOR);
	nb->config.version_minor = vmi_cpu_to_le16(VMI_NET_VERSION_MINOR);
	if (mac)
		sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &nb->config.mac[0],
		       &nb->config.mac[1], &nb->config.mac[2],
		       &nb->config.mac[3], &nb->config.mac[4],
		       &nb->config.mac[5]);
	nb->config.mtu = vmi_cpu_to_le16(nb->port.mtu);
	nb->config.max_queue_pairs = vmi_cpu_to_le16((uint16_t)nb->nr_pairs);
	nb->config.max_packet = vmi_cpu_to_le32(
		nb->features & (VMI_FEATURE(VMI_NET_F_HOST_TSO4) |
				VMI_FEATURE(VMI_NET_F_HOST_TSO6) |
				VMI_FEATURE(VMI_NET_F_GUEST_TSO4) |
				VMI_FEATURE(VMI_NET_F_GUEST_TSO6)) ?
			VMI_NET_MAX_PACKET :
			nb->port.max_frame);
}

/* Worker lcores and the port queue pairs each serves. */
static int vmi_netback_workers(struct vmi_netback_main *m)
{
	struct vmi_netback *nb = &m->nb;
	unsigned int lcore, i, q;
	int ret;

	nb->nr_workers = rte_lcore_count() - 1;
	if (!nb->nr_workers) {
		fprintf(stderr,
			"vmi-netback: no worker lcore: give the EAL two or more (-l 0,1)\n");
		return -EINVAL;
	}
	if (nb->nr_workers > nb->nr_pairs)
		nb->nr_workers = nb->nr_pairs;
	nb->workers = rte_zmalloc("vmin_workers",
				  nb->nr_workers * sizeof(*nb->workers),
				  RTE_CACHE_LINE_SIZE);
	if (!nb->workers)
		return -ENOMEM;
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (i == nb->nr_workers)
			break;
		nb->workers[i].nb = nb;
		nb->workers[i].index = i;
		nb->workers[i].lcore = lcore;
		nb->workers[i].epfd = -1;
		nb->workers[i].wake_fd = -1;
		i++;
	}
	for (q = 0; q < nb->nr_pairs; q++) {
		struct vmi_netback_worker *w = &nb->workers[q % nb->nr_workers];

		nb->pairs[q].q = q;
		w->pairs[w->nr_pairs++] = &nb->pairs[q];
	}
	for (i = 0; i < nb->nr_workers; i++) {
		ret = vmi_netback_worker_init(&nb->workers[i]);
		if (ret) {
			fprintf(stderr, "vmi-netback: worker %u: %s\n", i,
				strerror(-ret));
			return ret;
		}
	}
	for (i = 0; i < nb->nr_workers; i++) {
		ret = rte_eal_remote_launch(vmi_netback_worker_main,
					    &nb->workers[i],
					    nb->workers[i].lcore);
		if (ret)
			return ret;
	}
	return 0;
}

static void vmi_netback_stop_workers(struct vmi_netback *nb)
{
	unsigned int i;

	for (i = 0; i < nb->nr_workers; i++) {
		vmi_netback_worker_call(&nb->workers[i], VMI_NETBACK_CMD_STOP,
					NULL);
		rte_eal_wait_lcore(nb->workers[i].lcore);
		vmi_netback_worker_fini(&nb->workers[i]);
	}
	rte_free(nb->workers);
	nb->workers = NULL;
	nb->nr_workers = 0;
}

static void vmi_netback_json(void *arg, FILE *f)
{
	vmi_netback_stats_json(arg, f);
}

static int vmi_netback_serve(struct vmi_netback_main *m)
{
	struct vmi_netback *nb = &m->nb;
	int ret;

	snprintf(m->name, sizeof(m->name), "net%u", m->md->instance);
	nb->dev.name = m->name;
	nb->dev.layout = m->md->layout;
	nb->dev.instance = m->md->instance;
	nb->dev.features = nb->features;
	nb->dev.config = &nb->config;
	nb->dev.config_len = sizeof(nb->config);
	nb->dev.ops = &vmi_netback_dev_ops;
	nb->dev.priv = nb;
	ret = vmi_transport_open(vmi_transport_kind(m->md), &nb->dev,
				 m->md->socket, &nb->transport);
	if (ret)
		return ret;
	m->signal_fd = vmi_transport_stop_on_signals(nb->transport);
	m->out.t = nb->transport;
	m->out.json = vmi_netback_json;
	m->out.arg = nb;
	ret = m->signal_fd < 0 ? m->signal_fd : vmi_host_stats_open(&m->out);
	if (!ret) {
		vmi_transport_log(
			nb->transport,
			"serving %s on port %s (%s, %u queue pair%s, %u worker%s, mtu %u)",
			m->md->socket, nb->port.name, nb->port.driver,
			nb->nr_pairs, nb->nr_pairs == 1 ? "" : "s",
			nb->nr_workers, nb->nr_workers == 1 ? "" : "s",
			nb->port.mtu);
		ret = vmi_transport_run(nb->transport);
	}
	/* Detaches every guest: the workers let go of them first. */
	vmi_transport_close(nb->transport);
	nb->transport = NULL;
	vmi_host_stats_close(&m->out);
	return ret;
}

/*
 * net_tap (DPDK 22.11) asks the kernel for a real-time signal per packet
 * that arrives on its queues, unless every real-time signal is taken: a
 * signal per packet costs more than the read it saves a polling worker,
 * which also sleeps in epoll on the queue itself. Ignoring them before the
 * EAL probes the port leaves it none.
 */
static void vmi_netback_no_rx_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	int s;

	for (s = SIGRTMIN + 1; s < SIGRTMAX; s++)
		sigaction(s, &sa, NULL);
}

int main(int argc, char **argv)
{
	static struct vmi_netback_main m = { .out.signal_fd = -1,
					     .out.control_fd = -1,
					     .signal_fd = -1 };
	struct timespec ts;
	sigset_t set;
	int first, ret;

	/*
	 * Before the EAL starts threads, so that they all inherit the mask:
	 * the signals the loop takes through signalfds later.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	vmi_netback_no_rx_signals();

	first = vmi_netback_eal_init(argc, argv);
	if (first < 0)
		return 1;
	argv[first - 1] = argv[0];
	ret = vmi_netback_options(&m, argc - first + 1, argv + first - 1);
	if (!ret)
		ret = vmi_netback_pick_device(&m);
	if (!ret)
		ret = vmi_netback_probe_port(&m);
	if (!ret) {
		m.nb.nr_pairs = m.md->nr_queues / 2;
		m.po.nr_queues = (uint16_t)m.nb.nr_pairs;
		ret = vmi_netback_port_open(&m.nb.port, &m.po);
	}
	if (!ret) {
		snprintf(m.name, sizeof(m.name), "net%u", m.md->instance);
		vmi_netback_features(&m);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		m.nb.started_ns =
			(uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
		ret = vmi_netback_workers(&m);
	}
	if (!ret)
		ret = vmi_netback_serve(&m);
	if (m.nb.workers)
		vmi_netback_stop_workers(&m.nb);
	if (m.signal_fd >= 0)
		close(m.signal_fd);
	vmi_netback_port_close(&m.nb.port);
	vmi_machine_free(&m.machine);
	rte_eal_cleanup();
	return ret ? 1 : 0;
}

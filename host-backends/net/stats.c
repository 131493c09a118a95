// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-netback's counters as one JSON document, on demand (SIGUSR1 or a
 * connection to the control socket, see main.c):
 *
 *   { "device", "port": { its configuration and rte_eth_stats },
 *     "mode", "poll_us", "uptime_s",
 *     "totals": every guest's counters, past and present, summed,
 *     "queue_pairs": [ per pair: the port queue's and the guests' sums ],
 *     "workers": [ { "lcore", "pairs", "sleeps", "wakeups" } ],
 *     "guests": [ { "id", "name", "mac", "queue_pairs": [ per pair ] } ] }
 *
 * A pair's counters: tx_packets, tx_bytes, tx_gso, tx_drops (valid packets
 * the port or the mempool refused), tx_errors (descriptors the validator
 * refused) and tx_err (the same by reason), rx_packets, rx_bytes, rx_gro,
 * rx_drops (no buffer posted, buffer too small, ring full), rx_errors
 * (posted buffers outside the data area), notifies.
 *
 * Counters are read while the workers run (relaxed loads of values each
 * worker alone writes): consistent per counter, not across counters.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>

#include "netback.h"

#define VMI_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* The counters of struct vmi_netback_qstats by name, tx_err aside. */
#define VMI_QSTAT(f)                                       \
	{                                                  \
#f, offsetof(struct vmi_netback_qstats, f) \
	}
static const struct {
	const char *name;
	size_t off;
} vmi_qstats_fields[] = {
	VMI_QSTAT(tx_packets), VMI_QSTAT(tx_bytes),  VMI_QSTAT(tx_gso),
	VMI_QSTAT(tx_drops),   VMI_QSTAT(tx_errors), VMI_QSTAT(rx_packets),
	VMI_QSTAT(rx_bytes),   VMI_QSTAT(rx_gro),    VMI_QSTAT(rx_drops),
	VMI_QSTAT(rx_errors),  VMI_QSTAT(notifies),
};

/* Every counter is a uint64_t: add them all, one relaxed load each. */
void vmi_netback_stats_add(struct vmi_netback_qstats *to,
			   const struct vmi_netback_qstats *from)
{
	const uint64_t *f = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)to;
	size_t i;

	_Static_assert(
		sizeof(*from) % sizeof(uint64_t) == 0,
		"struct vmi_netback_qstats holds only uint64_t counters");
	for (i = 0; i < sizeof(*from) / sizeof(uint64_t); i++)
		t[i] += VMI_LOAD(f[i]);
}

static void vmi_stats_q(FILE *f, const struct vmi_netback_qstats *s)
{
	unsigned int e;
	size_t i;

	for (i = 0;
	     i < sizeof(vmi_qstats_fields) / sizeof(vmi_qstats_fields[0]); i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "",
			vmi_qstats_fields[i].name,
			*(const unsigned long long *)((const char *)s +
						      vmi_qstats_fields[i].off));
	fprintf(f, ",\"tx_err\":{");
	for (e = 1; e < VMI_NET_TX_NR_ERR; e++)
		fprintf(f, "%s\"%s\":%llu", e > 1 ? "," : "",
			vmi_net_tx_err_name[e],
			(unsigned long long)s->tx_err[e]);
	fputc('}', f);
}

static void vmi_stats_port(FILE *f, const struct vmi_netback *nb)
{
	const struct vmi_netback_port *p = &nb->port;
	struct rte_eth_stats es;

	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(p->id, &es);
	fprintf(f, "{\"name\":");
	vmi_host_json_str(f, p->name);
	fprintf(f, ",\"driver\":");
	vmi_host_json_str(f, p->driver);
	fprintf(f,
		",\"mtu\":%u,\"queues\":%u,\"tso\":\"%s\",\"zero_copy\":%s,"
		"\"gro\":%s,\"ipackets\":%llu,\"opackets\":%llu,"
		"\"ibytes\":%llu,\"obytes\":%llu,\"imissed\":%llu,"
		"\"ierrors\":%llu,\"oerrors\":%llu,\"rx_nombuf\":%llu}",
		p->mtu, p->nr_queues, p->tso ? "port" : "gso",
		p->zero_copy ? "true" : "false", nb->gro ? "true" : "false",
		(unsigned long long)es.ipackets,
		(unsigned long long)es.opackets, (unsigned long long)es.ibytes,
		(unsigned long long)es.obytes, (unsigned long long)es.imissed,
		(unsigned long long)es.ierrors, (unsigned long long)es.oerrors,
		(unsigned long long)es.rx_nombuf);
}

static void vmi_stats_guest(FILE *f, const struct vmi_netback_guest *bg)
{
	uint64_t mac = VMI_LOAD(bg->mac);
	unsigned int k;

	fprintf(f, "{\"id\":%u,\"name\":", bg->g->id);
	vmi_host_json_str(f, bg->g->name);
	if (mac & VMI_NETBACK_MAC_KNOWN)
		fprintf(f, ",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"",
			(unsigned int)(mac & 0xff),
			(unsigned int)(mac >> 8 & 0xff),
			(unsigned int)(mac >> 16 & 0xff),
			(unsigned int)(mac >> 24 & 0xff),
			(unsigned int)(mac >> 32 & 0xff),
			(unsigned int)(mac >> 40 & 0xff));
	else
		fprintf(f, ",\"mac\":null");
	fprintf(f, ",\"queue_pairs\":[");
	for (k = 0; k < bg->nr_pairs; k++) {
		struct vmi_netback_qstats s;

		memset(&s, 0, sizeof(s));
		vmi_netback_stats_add(&s, &bg->gq[k].stats);
		fprintf(f, "%s{\"pair\":%u,", k ? "," : "", k);
		vmi_stats_q(f, &s);
		fputc('}', f);
	}
	fprintf(f, "]}");
}

static const char *const vmi_netback_mode_names[] = {
	[VMI_NETBACK_ADAPTIVE] = "adaptive",
	[VMI_NETBACK_POLL] = "poll",
	[VMI_NETBACK_INTERRUPT] = "interrupt",
};

void vmi_netback_stats_json(struct vmi_netback *nb, FILE *f)
{
	struct vmi_netback_qstats pair[VMI_NETBACK_MAX_PAIRS], total;
	unsigned int i, k;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	memcpy(pair, nb->totals, sizeof(pair));
	for (i = 0; i < nb->nr_guests; i++)
		for (k = 0; k < nb->nr_pairs; k++)
			vmi_netback_stats_add(&pair[k],
					      &nb->guests[i]->gq[k].stats);
	memset(&total, 0, sizeof(total));
	for (k = 0; k < nb->nr_pairs; k++)
		vmi_netback_stats_add(&total, &pair[k]);

	fprintf(f, "{\"device\":");
	vmi_host_json_str(f, nb->dev.name);
	fprintf(f, ",\"port\":");
	vmi_stats_port(f, nb);
	fprintf(f, ",\"mode\":\"%s\",\"poll_us\":%llu,\"uptime_s\":%.3f",
		vmi_netback_mode_names[nb->mode],
		(unsigned long long)(nb->poll_ns / 1000),
		(double)(now - nb->started_ns) / 1e9);
	fprintf(f, ",\"totals\":{");
	vmi_stats_q(f, &total);
	fprintf(f, "},\"queue_pairs\":[");
	for (k = 0; k < nb->nr_pairs; k++) {
		const struct vmi_netback_pair *pr = &nb->pairs[k];

		fprintf(f,
			"%s{\"pair\":%u,\"port_rx_packets\":%llu,"
			"\"port_tx_packets\":%llu,\"rx_unclaimed\":%llu,"
			"\"rx_intr\":%s,",
			k ? "," : "", k,
			(unsigned long long)VMI_LOAD(pr->rx_packets),
			(unsigned long long)VMI_LOAD(pr->tx_packets),
			(unsigned long long)VMI_LOAD(pr->rx_unclaimed),
			pr->rx_intr ? "true" : "false");
		vmi_stats_q(f, &pair[k]);
		fputc('}', f);
	}
	fprintf(f, "],\"workers\":[");
	for (i = 0; i < nb->nr_workers; i++) {
		const struct vmi_netback_worker *w = &nb->workers[i];

		fprintf(f, "%s{\"lcore\":%u,\"pairs\":[", i ? "," : "",
			w->lcore);
		for (k = 0; k < w->nr_pairs; k++)
			fprintf(f, "%s%u", k ? "," : "", w->pairs[k]->q);
		fprintf(f, "],\"sleeps\":%llu,\"wakeups\":%llu}",
			(unsigned long long)VMI_LOAD(w->sleeps),
			(unsigned long long)VMI_LOAD(w->wakeups));
	}
	fprintf(f, "],\"guests\":[");
	for (i = 0; i < nb->nr_guests; i++) {
		if (i)
			fputc(',', f);
		vmi_stats_guest(f, nb->guests[i]);
	}
	fprintf(f, "]}\n");
	fflush(f);
}

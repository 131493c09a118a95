// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-blkback's counters as one JSON document, for a campaign to parse
 * (SIGUSR1 or a connection to the control socket, see main.c):
 *
 *   { "device": ..., "target": ..., "mode": ..., "uptime_s": ...,
 *     "queues": [ per queue index: every guest's counters, past and present ],
 *     "guests": [ { "id", "name", "queues": [ per queue ] } ] }
 *
 * Counters are read while the queue threads run (relaxed loads of values
 * each thread alone writes), so a document is a consistent-enough snapshot
 * per counter, not across counters.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "blkback.h"

/*
 * The plain counters, as X(name); statements. batch_max, inflight_max and
 * batch_hist have rules of their own.
 */
#define VMI_STATS_FIELDS(X) \
	X(requests);        \
	X(reads);           \
	X(writes);          \
	X(flushes);         \
	X(discards);        \
	X(write_zeroes);    \
	X(get_ids);         \
	X(set_caches);      \
	X(read_bytes);      \
	X(write_bytes);     \
	X(errors);          \
	X(refused);         \
	X(batches);         \
	X(inflight);        \
	X(sleeps);          \
	X(notifies);

static void vmi_stats_load(struct vmi_blkback_stats *to,
			   const struct vmi_blkback_stats *from)
{
	unsigned int b;

#define X(f) to->f = __atomic_load_n(&from->f, __ATOMIC_RELAXED)
	VMI_STATS_FIELDS(X)
#undef X
	to->batch_max = __atomic_load_n(&from->batch_max, __ATOMIC_RELAXED);
	to->inflight_max =
		__atomic_load_n(&from->inflight_max, __ATOMIC_RELAXED);
	for (b = 0; b < VMI_BLKBACK_BATCH_BUCKETS; b++)
		to->batch_hist[b] =
			__atomic_load_n(&from->batch_hist[b], __ATOMIC_RELAXED);
}

void vmi_blkback_stats_add(struct vmi_blkback_stats *to,
			   const struct vmi_blkback_stats *from)
{
	struct vmi_blkback_stats s;
	unsigned int b;

	vmi_stats_load(&s, from);
#define X(f) to->f += s.f
	VMI_STATS_FIELDS(X)
#undef X
	if (s.batch_max > to->batch_max)
		to->batch_max = s.batch_max;
	if (s.inflight_max > to->inflight_max)
		to->inflight_max = s.inflight_max;
	for (b = 0; b < VMI_BLKBACK_BATCH_BUCKETS; b++)
		to->batch_hist[b] += s.batch_hist[b];
}

static void vmi_stats_print(FILE *f, unsigned int index,
			    const struct vmi_blkback_stats *s)
{
	unsigned int b;

	fprintf(f, "{\"queue\":%u", index);
#define X(n) fprintf(f, ",\"" #n "\":%llu", (unsigned long long)s->n)
	VMI_STATS_FIELDS(X)
#undef X
	fprintf(f, ",\"batch_mean\":%.2f",
		s->batches ? (double)(s->requests + s->inflight) / s->batches :
			     0.0);
	fprintf(f, ",\"batch_max\":%llu,\"inflight_max\":%llu",
		(unsigned long long)s->batch_max,
		(unsigned long long)s->inflight_max);
	fprintf(f, ",\"batch_hist\":[");
	for (b = 0; b < VMI_BLKBACK_BATCH_BUCKETS; b++)
		fprintf(f, "%s%llu", b ? "," : "",
			(unsigned long long)s->batch_hist[b]);
	fprintf(f, "]}");
}

struct vmi_stats_walk {
	FILE *f;
	struct vmi_blkback_stats *sum;
	bool first;
};

static void vmi_stats_sum_guest(void *arg, struct vmi_host_guest *g)
{
	struct vmi_stats_walk *w = arg;
	struct vmi_blkback_guest *bg = g->priv;
	unsigned int q;

	for (q = 0; q < bg->nr_queues; q++)
		vmi_blkback_stats_add(&w->sum[q], &bg->q[q].stats);
}

static void vmi_stats_print_guest(void *arg, struct vmi_host_guest *g)
{
	struct vmi_stats_walk *w = arg;
	struct vmi_blkback_guest *bg = g->priv;
	unsigned int q;

	fprintf(w->f, "%s{\"id\":%u,\"name\":", w->first ? "" : ",", g->id);
	vmi_host_json_str(w->f, g->name);
	fprintf(w->f, ",\"queues\":[");
	w->first = false;
	for (q = 0; q < bg->nr_queues; q++) {
		struct vmi_blkback_stats s;

		vmi_stats_load(&s, &bg->q[q].stats);
		if (q)
			fputc(',', w->f);
		vmi_stats_print(w->f, q, &s);
	}
	fprintf(w->f, "]}");
}

static const char *const vmi_blkback_mode_names[] = {
	[VMI_BLKBACK_ADAPTIVE] = "adaptive",
	[VMI_BLKBACK_POLL] = "poll",
	[VMI_BLKBACK_INTERRUPT] = "interrupt",
};

void vmi_blkback_stats_json(struct vmi_blkback *bb, FILE *f)
{
	struct vmi_blkback_stats sum[VMI_MAX_QUEUES];
	struct vmi_stats_walk w = { f, sum, true };
	unsigned int q, nr_queues = bb->dev.layout.p.nr_queues;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	memcpy(sum, bb->totals, sizeof(sum));
	vmi_transport_for_each_guest(bb->transport, vmi_stats_sum_guest, &w);

	fprintf(f, "{\"device\":");
	vmi_host_json_str(f, bb->dev.name);
	fprintf(f, ",\"target\":");
	vmi_host_json_str(f, bb->target.path ? bb->target.path : "");
	fprintf(f,
		",\"null\":%s,\"direct\":%s,\"read_only\":%s,\"mode\":\"%s\","
		"\"poll_us\":%llu,\"uptime_s\":%.3f,\"queues\":[",
		bb->target.null ? "true" : "false",
		bb->target.direct ? "true" : "false",
		bb->target.read_only ? "true" : "false",
		vmi_blkback_mode_names[bb->mode],
		(unsigned long long)(bb->poll_ns / 1000),
		(double)(now - bb->started_ns) / 1e9);
	for (q = 0; q < nr_queues; q++) {
		if (q)
			fputc(',', f);
		vmi_stats_print(f, q, &sum[q]);
	}
	fprintf(f, "],\"guests\":[");
	vmi_transport_for_each_guest(bb->transport, vmi_stats_print_guest, &w);
	fprintf(f, "]}\n");
	fflush(f);
}

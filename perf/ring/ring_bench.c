// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring-bench: the vmipv ring (shared-ring/vmi_ring.h) against DPDK's
 * rte_ring SP/SC bulk, with producer and consumer pinned on two CPUs.
 *
 * This machine's two vCPUs drift between a near placement and a far one
 * (cache-line round trips of about 60 and 320 ns on the machine of
 * /work/shared/MACHINE-NOTES.md), so no absolute figure means anything on
 * its own. The bench therefore runs short pairs: for one test, ours, ours
 * with push/pop, and rte_ring back to back (the first one turning with the
 * round), with cache-line ping-pong readings before and after. It reports
 * each pair's ratios, the placement it ran in, and the medians per
 * placement. A pair during which a thread was preempted (another process
 * wanted our CPU) is shown but left out of the medians.
 *
 *   throughput  items/s at batch 1, 8 and 32, 8- and 64-byte items; the
 *               producer writes every word of each item, the consumer
 *               copies each batch out once (one bulk copy, as
 *               rte_ring does) and reads every byte
 *   latency     round trip of one item through two rings (batch 1),
 *               against the ping-pongs: pp1 bounces one line both sides
 *               write, pp2 two lines each written by one side (the floor
 *               for any ring whose indices have one writer each)
 *
 * Both rings are plain memory set up here (rte_ring_init on our own
 * allocation), so DPDK's EAL and hugepages are not needed. Each pair runs
 * on freshly mapped pages: a line's crossing time depends on where its
 * physical address is homed, and one placement is no more typical than
 * another.
 *
 *   ring-bench [--rounds N] [--items N] [--rtts N] [--pp-iters N]
 *              [--slots N] [--cpus A,B] [--near-max-ns NS]
 *              [--only PREFIX[,...]] [--json FILE]
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "vmi_ring.h"

#define BENCH_MAX_BATCH 32
#define BENCH_MAX_WORDS 8 /* 64-byte items */

enum bench_kind { BENCH_THROUGHPUT, BENCH_LATENCY };

/* One row of the result table: a kind of test and its payload. */
struct bench_cfg {
	enum bench_kind kind;
	unsigned int words; /* item size / 8 */
	unsigned int batch;
};

static const struct bench_cfg bench_cfgs[] = {
	{ BENCH_THROUGHPUT, 1, 1 },  { BENCH_THROUGHPUT, 1, 8 },
	{ BENCH_THROUGHPUT, 1, 32 }, { BENCH_THROUGHPUT, 8, 1 },
	{ BENCH_THROUGHPUT, 8, 8 },  { BENCH_THROUGHPUT, 8, 32 },
	{ BENCH_LATENCY, 1, 1 },
};
#define BENCH_NR_CFGS (sizeof(bench_cfgs) / sizeof(bench_cfgs[0]))

struct bench_opts {
	unsigned int rounds;
	uint64_t items; /* per throughput run */
	uint64_t rtts; /* per latency run */
	uint64_t pp_iters; /* per ping-pong reading */
	uint32_t slots;
	int cpu[2];
	const char *only; /* test-name prefixes, comma-separated */
	const char *json;
};

/* The two sides' rings: ours and rte_ring, two of each for round trips. */
struct bench_rings {
	void *ours_mem[2];
	struct rte_ring *rte[2];
	struct vmi_ring prod[2], cons[2];
};

/* What the two pinned threads run next; 'side' 0 is the producer/pinger. */
typedef void bench_fn(int side, void *arg);

struct bench_job {
	bench_fn *fn;
	void *arg;
};

static struct {
	pthread_t worker;
	pthread_barrier_t start, done;
	struct bench_job job;
	bool quit;
	/* Spin rendezvous so both sides start timing within one round trip. */
	uint32_t go __attribute__((aligned(64)));
} bench_sync;

static double bench_tsc_per_ns;

static void bench_die(const char *what, int err)
{
	fprintf(stderr, "ring-bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* TSC ticks per ns, against CLOCK_MONOTONIC over 50 ms. */
static double bench_calibrate_tsc(void)
{
	uint64_t n0 = bench_now_ns(), t0 = __rdtsc(), n1;

	do
		n1 = bench_now_ns();
	while (n1 - n0 < 50000000u);
	return (double)(__rdtsc() - t0) / (double)(n1 - n0);
}

/* Involuntary context switches of this thread so far. */
static long bench_preemptions(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nivcsw;
}

static void bench_pin(int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err)
		bench_die("pthread_setaffinity_np", err);
}

/* Both sides arrive, then both leave: generation counter in one line. */
static void bench_rendezvous(int side, uint32_t gen)
{
	if (side == 0) {
		while (__atomic_load_n(&bench_sync.go, __ATOMIC_ACQUIRE) !=
		       2 * gen + 1)
			_mm_pause();
		__atomic_store_n(&bench_sync.go, 2 * gen + 2, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&bench_sync.go, 2 * gen + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&bench_sync.go, __ATOMIC_ACQUIRE) !=
		       2 * gen + 2)
			_mm_pause();
	}
}

static void *bench_worker(void *arg)
{
	int cpu = *(int *)arg;

	bench_pin(cpu);
	for (;;) {
		pthread_barrier_wait(&bench_sync.start);
		if (bench_sync.quit)
			return NULL;
		bench_sync.job.fn(1, bench_sync.job.arg);
		pthread_barrier_wait(&bench_sync.done);
	}
}

/* Run fn on both CPUs at once: side 0 here, side 1 on the worker. */
static void bench_run(bench_fn *fn, void *arg)
{
	bench_sync.job.fn = fn;
	bench_sync.job.arg = arg;
	pthread_barrier_wait(&bench_sync.start);
	fn(0, arg);
	pthread_barrier_wait(&bench_sync.done);
}

/* ---- cache-line ping-pong: the physical bounds ------------------------ */

/*
 * pp1 bounces one line that both sides write (a counter each side bumps in
 * turn): on this machine the line migrates whole, so this is the cheapest
 * round trip there is. pp2 uses two lines, each written by one side and
 * polled by the other, as every ring's indices are: the bound for any
 * design whose two directions have their own writer.
 */
struct bench_pp {
	uint64_t iters;
	uint32_t gen;
	bool two_lines;
	double ns; /* per round trip */
	long preempted;
	uint64_t line[2][8] __attribute__((aligned(64)));
};

static inline void bench_pp_wait(const uint64_t *line, uint64_t want)
{
	while (__atomic_load_n(line, __ATOMIC_ACQUIRE) != want)
		_mm_pause();
}

static void bench_pp_fn(int side, void *arg)
{
	struct bench_pp *pp = arg;
	uint64_t *me = pp->line[pp->two_lines ? side : 0];
	uint64_t *peer = pp->line[pp->two_lines ? !side : 0];
	long preempted = bench_preemptions();
	uint64_t i, t0 = 0;

	bench_rendezvous(side, pp->gen);
	if (side == 0)
		t0 = __rdtsc();
	for (i = 1; i <= pp->iters; i++) {
		/* One line: side 0 writes odd values, side 1 even ones. */
		uint64_t mine = pp->two_lines ? i : 2 * i - !side;

		if (side == 1)
			bench_pp_wait(peer, pp->two_lines ? i : mine - 1);
		__atomic_store_n(me, mine, __ATOMIC_RELEASE);
		if (side == 0)
			bench_pp_wait(peer, pp->two_lines ? i : mine + 1);
	}
	if (side == 0)
		pp->ns = (double)(__rdtsc() - t0) / bench_tsc_per_ns /
			 (double)pp->iters;
	__atomic_fetch_add(&pp->preempted, bench_preemptions() - preempted,
			   __ATOMIC_RELAXED);
}

static uint32_t bench_gen;

static void *bench_alloc(size_t size);
static void bench_free(void *p, size_t size);

/* On fresh memory each time, as the rings are (see bench_rings_alloc()). */
static double bench_pingpong(uint64_t iters, bool two_lines, long *preempted)
{
	struct bench_pp *pp = bench_alloc(sizeof(*pp));
	double ns;

	pp->iters = iters;
	pp->gen = ++bench_gen;
	pp->two_lines = two_lines;
	bench_run(bench_pp_fn, pp);
	ns = pp->ns;
	*preempted += pp->preempted;
	bench_free(pp, sizeof(*pp));
	return ns;
}

/* ---- items: every word written by the producer, read by the consumer --- */

static inline void bench_fill(uint64_t *dst, unsigned int words, uint64_t seq)
{
	unsigned int w;

	for (w = 0; w < words; w++)
		dst[w] = seq + w;
}

/* Sum of every word of item seq; the consumer checks it per item. */
static inline uint64_t bench_sum(const uint64_t *src, unsigned int words)
{
	uint64_t sum = 0;
	unsigned int w;

	for (w = 0; w < words; w++)
		sum += src[w];
	return sum;
}

static inline uint64_t bench_expect(uint64_t seq, unsigned int words)
{
	return seq * words + (uint64_t)words * (words - 1) / 2;
}

static void bench_bad_item(uint64_t seq, uint64_t got)
{
	fprintf(stderr, "ring-bench: item %llu: sum %llu is wrong\n",
		(unsigned long long)seq, (unsigned long long)got);
	exit(1);
}

/* ---- one run ------------------------------------------------------------ */

/*
 * The implementations a pair compares. ours: vmi_ring_prod_publish() per
 * batch, the notification decision (a full barrier) included each time.
 * ours-push: vmi_ring_prod_push() and vmi_ring_cons_pop() per batch, and
 * the notification check only when a side is about to wait (and at the
 * end), as sides with a burst of work use the ring.
 * rte_ring: DPDK SP/SC bulk, which has no notification to decide.
 */
enum bench_impl { BENCH_OURS, BENCH_PUSH, BENCH_RTE, BENCH_NR_IMPLS };

static const char *const bench_impl_names[] = { "ours", "ours-push",
						"rte_ring" };

struct bench_run {
	const struct bench_cfg *cfg;
	enum bench_impl impl;
	struct bench_rings *rings;
	uint64_t n; /* items, or round trips */
	uint32_t gen;
	double ns; /* consumer's elapsed time (or the pinger's) */
	long preempted; /* involuntary context switches, both sides */
};

static void bench_ours_send(struct vmi_ring *r, unsigned int words,
			    uint64_t seq, unsigned int n, bool push)
{
	unsigned int i;

	if (vmi_ring_prod_reserve(r, n) < (int)n) {
		/* A pushing producer settles notifications before it waits. */
		if (push)
			vmi_ring_prod_check_notify(r);
		while (vmi_ring_prod_reserve(r, n) < (int)n)
			_mm_pause();
	}
	for (i = 0; i < n; i++)
		bench_fill(vmi_ring_prod_slot(r, i), words, seq + i);
	if (push)
		vmi_ring_prod_push(r, n);
	else
		vmi_ring_prod_publish(r, n);
}

static void bench_ours_recv(struct vmi_ring *r, unsigned int words,
			    uint64_t seq, unsigned int n, bool pop)
{
	uint64_t items[BENCH_MAX_BATCH * BENCH_MAX_WORDS], sum;
	unsigned int i;

	if (vmi_ring_cons_peek(r) < (int)n) {
		/* A popping consumer settles notifications before it waits. */
		if (pop)
			vmi_ring_cons_check_notify(r);
		while (vmi_ring_cons_peek(r) < (int)n)
			_mm_pause();
	}
	/* One copy per batch, as rte_ring's bulk dequeue does. */
	vmi_ring_cons_copy_n(r, 0, n, items);
	for (i = 0; i < n; i++) {
		sum = bench_sum(&items[i * words], words);
		if (sum != bench_expect(seq + i, words))
			bench_bad_item(seq + i, sum);
	}
	if (pop)
		vmi_ring_cons_pop(r, n);
	else
		vmi_ring_cons_release(r, n);
}

static void bench_rte_send(struct rte_ring *r, unsigned int words, uint64_t seq,
			   unsigned int n)
{
	uint64_t items[BENCH_MAX_BATCH * BENCH_MAX_WORDS];
	unsigned int i;

	for (i = 0; i < n; i++)
		bench_fill(&items[i * words], words, seq + i);
	while (!rte_ring_sp_enqueue_bulk_elem(r, items, words * 8, n, NULL))
		_mm_pause();
}

static void bench_rte_recv(struct rte_ring *r, unsigned int words, uint64_t seq,
			   unsigned int n)
{
	uint64_t items[BENCH_MAX_BATCH * BENCH_MAX_WORDS], sum;
	unsigned int i;

	while (!rte_ring_sc_dequeue_bulk_elem(r, items, words * 8, n, NULL))
		_mm_pause();
	for (i = 0; i < n; i++) {
		sum = bench_sum(&items[i * words], words);
		if (sum != bench_expect(seq + i, words))
			bench_bad_item(seq + i, sum);
	}
}

static void bench_send(struct bench_run *b, int ring, uint64_t seq,
		       unsigned int n)
{
	if (b->impl == BENCH_RTE)
		bench_rte_send(b->rings->rte[ring], b->cfg->words, seq, n);
	else
		bench_ours_send(&b->rings->prod[ring], b->cfg->words, seq, n,
				b->impl == BENCH_PUSH);
}

static void bench_recv(struct bench_run *b, int ring, uint64_t seq,
		       unsigned int n)
{
	if (b->impl == BENCH_RTE)
		bench_rte_recv(b->rings->rte[ring], b->cfg->words, seq, n);
	else
		bench_ours_recv(&b->rings->cons[ring], b->cfg->words, seq, n,
				b->impl == BENCH_PUSH);
}

/* Side 0 produces b->n items on ring 0, side 1 consumes and times them. */
static void bench_tput_fn(int side, void *arg)
{
	struct bench_run *b = arg;
	long preempted = bench_preemptions();
	uint64_t seq, t0;
	unsigned int n;

	bench_rendezvous(side, b->gen);
	t0 = __rdtsc();
	for (seq = 0; seq < b->n; seq += n) {
		n = b->n - seq < b->cfg->batch ? (unsigned int)(b->n - seq) :
						 b->cfg->batch;
		if (side == 0)
			bench_send(b, 0, seq, n);
		else
			bench_recv(b, 0, seq, n);
	}
	if (b->impl == BENCH_PUSH && side == 0)
		vmi_ring_prod_check_notify(&b->rings->prod[0]);
	if (b->impl == BENCH_PUSH && side == 1)
		vmi_ring_cons_check_notify(&b->rings->cons[0]);
	if (side == 1)
		b->ns = (double)(__rdtsc() - t0) / bench_tsc_per_ns;
	__atomic_fetch_add(&b->preempted, bench_preemptions() - preempted,
			   __ATOMIC_RELAXED);
}

/* Side 0 sends one item on ring 0 and waits for it back on ring 1. */
static void bench_lat_fn(int side, void *arg)
{
	struct bench_run *b = arg;
	long preempted = bench_preemptions();
	uint64_t i, t0;

	bench_rendezvous(side, b->gen);
	t0 = __rdtsc();
	for (i = 0; i < b->n; i++) {
		if (side == 0) {
			bench_send(b, 0, i, 1);
			bench_recv(b, 1, i, 1);
		} else {
			bench_recv(b, 0, i, 1);
			bench_send(b, 1, i, 1);
		}
	}
	if (side == 0)
		b->ns = (double)(__rdtsc() - t0) / bench_tsc_per_ns;
	__atomic_fetch_add(&b->preempted, bench_preemptions() - preempted,
			   __ATOMIC_RELAXED);
}

/* ---- ring setup --------------------------------------------------------- */

/*
 * Fresh, populated pages. How long a cache line takes to cross between the
 * CPUs depends on where its physical address is homed, so each pair gets
 * new memory and the medians sample many placements, not one.
 */
static void *bench_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap", errno);
	return p;
}

static void bench_free(void *p, size_t size)
{
	munmap(p, size);
}

/* Fresh rings for one run: both kinds start empty at index 0. */
static void bench_setup(struct bench_rings *rg, const struct bench_opts *o,
			unsigned int words)
{
	int i, err;

	for (i = 0; i < 2; i++) {
		vmi_ring_init(rg->ours_mem[i]);
		err = vmi_ring_attach_prod(&rg->prod[i], rg->ours_mem[i],
					   o->slots, words * 8);
		if (!err)
			err = vmi_ring_attach_cons(&rg->cons[i],
						   rg->ours_mem[i], o->slots,
						   words * 8);
		if (err)
			bench_die("vmi_ring_attach", -err);
		err = rte_ring_init(rg->rte[i], "vmiring-bench", o->slots,
				    RING_F_SP_ENQ | RING_F_SC_DEQ |
					    RING_F_EXACT_SZ);
		if (err)
			bench_die("rte_ring_init", -err);
	}
}

static size_t bench_rte_bytes(const struct bench_opts *o)
{
	/* RING_F_EXACT_SZ rounds the internal size up to the next power. */
	ssize_t size =
		rte_ring_get_memsize_elem(BENCH_MAX_WORDS * 8, o->slots * 2);

	if (size < 0)
		bench_die("rte_ring_get_memsize_elem", (int)-size);
	return (size_t)size;
}

static void bench_rings_alloc(struct bench_rings *rg,
			      const struct bench_opts *o)
{
	int i;

	for (i = 0; i < 2; i++) {
		rg->ours_mem[i] = bench_alloc(
			VMI_RING_BYTES(o->slots, BENCH_MAX_WORDS * 8));
		rg->rte[i] = bench_alloc(bench_rte_bytes(o));
	}
}

static void bench_rings_free(struct bench_rings *rg, const struct bench_opts *o)
{
	int i;

	for (i = 0; i < 2; i++) {
		bench_free(rg->ours_mem[i],
			   VMI_RING_BYTES(o->slots, BENCH_MAX_WORDS * 8));
		bench_free(rg->rte[i], bench_rte_bytes(o));
	}
}

/* ---- pairs, statistics, output ----------------------------------------- */

/* One round of one test: every implementation back to back. */
struct bench_pair {
	unsigned int round, cfg;
	unsigned int first; /* implementation that ran first */
	double pp1, pp2, pp1_after; /* ns per round trip */
	double ns[BENCH_NR_IMPLS]; /* per item or round trip; 0: not run */
	long preempted; /* context switches while timing: the pair is noise */
};

/* The figures of a pair that the table and the JSON summarise. */
enum bench_metric {
	BENCH_M_OURS,
	BENCH_M_PUSH,
	BENCH_M_RTE,
	BENCH_M_PP1,
	BENCH_M_PP2,
	BENCH_M_R_OURS, /* tput: ours/rte_ring items/s; rtt: ours/pp1 */
	BENCH_M_R_PUSH, /* tput: ours-push/rte_ring; rtt: ours/pp2 */
	BENCH_M_R_RTE, /* rtt: rte_ring/pp1 */
	BENCH_NR_METRICS
};

static const char *const bench_metric_names[] = {
	"ours_ns", "ours_push_ns", "rte_ns", "pp1_ns",
	"pp2_ns",  "ratio",	   "ratio2", "rte_ratio",
};

static double bench_metric(const struct bench_pair *p, enum bench_metric m)
{
	bool lat = bench_cfgs[p->cfg].kind == BENCH_LATENCY;

	switch (m) {
	case BENCH_M_OURS:
	case BENCH_M_PUSH:
	case BENCH_M_RTE:
		return p->ns[m - BENCH_M_OURS];
	case BENCH_M_PP1:
		return p->pp1;
	case BENCH_M_PP2:
		return p->pp2;
	case BENCH_M_R_OURS:
		return lat ? p->ns[BENCH_OURS] / p->pp1 :
			     p->ns[BENCH_RTE] / p->ns[BENCH_OURS];
	case BENCH_M_R_PUSH:
		return lat ? p->ns[BENCH_OURS] / p->pp2 :
			     p->ns[BENCH_RTE] / p->ns[BENCH_PUSH];
	case BENCH_M_R_RTE:
		return lat ? p->ns[BENCH_RTE] / p->pp1 : 0;
	default:
		return 0;
	}
}

static double bench_near_max_ns = 200.0;

static const char *bench_placement(double pp)
{
	return pp < bench_near_max_ns ? "near" : "far";
}

/* near, far, or mixed if the vCPUs moved during the pair. */
static const char *bench_pair_placement(const struct bench_pair *p)
{
	const char *a = bench_placement(p->pp1);

	return strcmp(a, bench_placement(p->pp1_after)) ? "mixed" : a;
}

static double bench_one(const struct bench_opts *o, struct bench_rings *rg,
			const struct bench_cfg *cfg, enum bench_impl impl,
			long *preempted)
{
	struct bench_run b = {
		.cfg = cfg,
		.impl = impl,
		.rings = rg,
		.n = cfg->kind == BENCH_LATENCY ? o->rtts : o->items,
		.gen = ++bench_gen,
	};

	bench_setup(rg, o, cfg->words);
	bench_run(cfg->kind == BENCH_LATENCY ? bench_lat_fn : bench_tput_fn,
		  &b);
	*preempted += b.preempted;
	return b.ns / (double)b.n;
}

/*
 * One pair: both ping-pongs, every implementation (in an order that turns
 * with the round, so none always runs first), then ping-pong again to see
 * whether the vCPUs moved meanwhile.
 */
static void bench_pair(const struct bench_opts *o, struct bench_pair *p)
{
	const struct bench_cfg *cfg = &bench_cfgs[p->cfg];
	struct bench_rings rings, *rg = &rings;
	unsigned int k;

	bench_rings_alloc(rg, o);
	p->pp1 = bench_pingpong(o->pp_iters, false, &p->preempted);
	p->pp2 = bench_pingpong(o->pp_iters, true, &p->preempted);
	p->first = p->round % BENCH_NR_IMPLS;
	for (k = 0; k < BENCH_NR_IMPLS; k++) {
		enum bench_impl impl = (p->first + k) % BENCH_NR_IMPLS;

		/* At batch 1 push + check is publish: nothing to compare. */
		if (impl == BENCH_PUSH && cfg->kind == BENCH_LATENCY)
			continue;
		p->ns[impl] = bench_one(o, rg, cfg, impl, &p->preempted);
	}
	p->pp1_after = bench_pingpong(o->pp_iters, false, &p->preempted);
	bench_rings_free(rg, o);
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bench_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Medians of every metric over the pairs of one test in one placement,
 * leaving out pairs during which a thread was preempted (another process
 * ran on our CPU), unless every pair of the test was.
 */
struct bench_stat {
	size_t n, preempted;
	double med[BENCH_NR_METRICS];
};

static struct bench_stat bench_stat(const struct bench_pair *pairs,
				    size_t nr_pairs, unsigned int cfg,
				    const char *where)
{
	struct bench_stat s = { 0 };
	double *v = calloc(nr_pairs ? nr_pairs : 1, sizeof(double));
	bool any_clean = false;
	unsigned int m;
	size_t i, k;

	if (!v)
		bench_die("calloc", ENOMEM);
	for (i = 0; i < nr_pairs; i++)
		if (pairs[i].cfg == cfg && !pairs[i].preempted)
			any_clean = true;
	for (m = 0; m < BENCH_NR_METRICS; m++) {
		s.preempted = 0;
		for (i = 0, k = 0; i < nr_pairs; i++) {
			const struct bench_pair *p = &pairs[i];

			if (p->cfg != cfg ||
			    (where && strcmp(where, bench_pair_placement(p))))
				continue;
			if (p->preempted && any_clean) {
				s.preempted++;
				continue;
			}
			v[k++] = bench_metric(p, m);
		}
		s.n = k;
		s.med[m] = bench_median(v, k);
	}
	free(v);
	return s;
}

static void bench_cfg_name(const struct bench_cfg *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%uB-b%u",
		 c->kind == BENCH_LATENCY ? "rtt" : "tput", c->words * 8,
		 c->batch);
}

static const char *const bench_places[] = { "near", "far", "mixed", NULL };

/* One row of a table: a test, a placement, its medians. */
typedef void bench_row_fn(const char *name, const char *where,
			  const struct bench_stat *s);

static void bench_row_tput(const char *name, const char *where,
			   const struct bench_stat *s)
{
	printf("%-13s %-5s %5zu %4zu %9.1f %9.1f %9.1f %7.1f %7.2f %7.2f\n",
	       name, where, s->n, s->preempted, 1e3 / s->med[BENCH_M_OURS],
	       1e3 / s->med[BENCH_M_PUSH], 1e3 / s->med[BENCH_M_RTE],
	       s->med[BENCH_M_PP1], s->med[BENCH_M_R_OURS],
	       s->med[BENCH_M_R_PUSH]);
}

static void bench_row_rtt(const char *name, const char *where,
			  const struct bench_stat *s)
{
	printf("%-13s %-5s %5zu %4zu %9.1f %9.1f %7.1f %7.1f %7.2f %7.2f %7.2f\n",
	       name, where, s->n, s->preempted, s->med[BENCH_M_OURS],
	       s->med[BENCH_M_RTE], s->med[BENCH_M_PP1], s->med[BENCH_M_PP2],
	       s->med[BENCH_M_R_OURS], s->med[BENCH_M_R_PUSH],
	       s->med[BENCH_M_R_RTE]);
}

/* The rows of every test of one kind, per placement and over all. */
static void bench_print_rows(const struct bench_pair *pairs, size_t nr_pairs,
			     enum bench_kind kind, bench_row_fn *row)
{
	unsigned int c, w;
	char name[32];

	for (c = 0; c < BENCH_NR_CFGS; c++) {
		if (bench_cfgs[c].kind != kind)
			continue;
		bench_cfg_name(&bench_cfgs[c], name, sizeof(name));
		for (w = 0; w < 4; w++) {
			struct bench_stat s =
				bench_stat(pairs, nr_pairs, c, bench_places[w]);

			if (s.n)
				row(name,
				    bench_places[w] ? bench_places[w] : "all",
				    &s);
		}
	}
}

static void bench_print_table(const struct bench_pair *pairs, size_t nr_pairs)
{
	printf("\nthroughput, Mitems/s (ratios: items/s over rte_ring's)\n");
	printf("%-13s %-5s %5s %4s %9s %9s %9s %7s %7s %7s\n", "test", "where",
	       "pairs", "left", "ours", "ours-push", "rte_ring", "pp1 ns",
	       "ours/", "push/");
	bench_print_rows(pairs, nr_pairs, BENCH_THROUGHPUT, bench_row_tput);
	printf("\nround trip of one item through two rings, ns (ratios: over "
	       "the ping-pongs)\n");
	printf("%-13s %-5s %5s %4s %9s %9s %7s %7s %7s %7s %7s\n", "test",
	       "where", "pairs", "left", "ours", "rte_ring", "pp1", "pp2",
	       "ours/1", "ours/2", "rte/1");
	bench_print_rows(pairs, nr_pairs, BENCH_LATENCY, bench_row_rtt);
	printf("\nMedians of per-pair figures; 'left' pairs were left out, a "
	       "thread having been preempted.\npp1: one line both sides "
	       "write; pp2: two lines, one writer each.\nTargets: tput-8B-b32 "
	       "ours/ >= 1.0; rtt ours/1 <= 1.5.\n");
}

static void bench_json_metrics(FILE *f, const double *v)
{
	unsigned int m;

	for (m = 0; m < BENCH_NR_METRICS; m++)
		fprintf(f, ", \"%s\": %.4f", bench_metric_names[m], v[m]);
}

static void bench_write_json(const char *path, const struct bench_opts *o,
			     const struct bench_pair *pairs, size_t nr_pairs)
{
	FILE *f = fopen(path, "w");
	double v[BENCH_NR_METRICS];
	unsigned int c, w, m;
	bool first = true;
	char name[32];
	size_t i;

	if (!f)
		bench_die(path, errno);
	fprintf(f,
		"{\n  \"bench\": \"ring-bench\",\n  \"tsc_ghz\": %.4f,\n"
		"  \"cpus\": [%d, %d],\n  \"slots\": %u,\n  \"rounds\": %u,\n"
		"  \"items\": %llu,\n  \"rtts\": %llu,\n"
		"  \"near_max_ns\": %.1f,\n  \"pairs\": [",
		bench_tsc_per_ns, o->cpu[0], o->cpu[1], o->slots, o->rounds,
		(unsigned long long)o->items, (unsigned long long)o->rtts,
		bench_near_max_ns);
	for (i = 0; i < nr_pairs; i++) {
		const struct bench_pair *p = &pairs[i];

		bench_cfg_name(&bench_cfgs[p->cfg], name, sizeof(name));
		for (m = 0; m < BENCH_NR_METRICS; m++)
			v[m] = bench_metric(p, m);
		fprintf(f,
			"%s\n    {\"test\": \"%s\", \"round\": %u,"
			" \"first\": \"%s\", \"placement\": \"%s\","
			" \"preempted\": %ld, \"pp1_after_ns\": %.2f",
			i ? "," : "", name, p->round,
			bench_impl_names[p->first], bench_pair_placement(p),
			p->preempted, p->pp1_after);
		bench_json_metrics(f, v);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"summary\": [");
	for (c = 0; c < BENCH_NR_CFGS; c++) {
		bench_cfg_name(&bench_cfgs[c], name, sizeof(name));
		for (w = 0; w < 4; w++) {
			struct bench_stat s =
				bench_stat(pairs, nr_pairs, c, bench_places[w]);

			if (!s.n)
				continue;
			fprintf(f,
				"%s\n    {\"test\": \"%s\", \"placement\": "
				"\"%s\", \"pairs\": %zu, \"left_out\": %zu",
				first ? "" : ",", name,
				bench_places[w] ? bench_places[w] : "all", s.n,
				s.preempted);
			bench_json_metrics(f, s.med);
			fprintf(f, "}");
			first = false;
		}
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f))
		bench_die(path, errno);
}

static void bench_usage(void)
{
	fprintf(stderr,
		"usage: ring-bench [--rounds N] [--items N] [--rtts N]\n"
		"                  [--pp-iters N] [--slots N] [--cpus A,B]\n"
		"                  [--near-max-ns NS] [--only PREFIX[,...]]\n"
		"                  [--json FILE]\n");
	exit(2);
}

static void bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "items", required_argument, NULL, 'i' },
		{ "rtts", required_argument, NULL, 't' },
		{ "pp-iters", required_argument, NULL, 'p' },
		{ "slots", required_argument, NULL, 's' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "near-max-ns", required_argument, NULL, 'n' },
		{ "only", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			o->rounds = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'i':
			o->items = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o->rtts = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			o->pp_iters = strtoull(optarg, NULL, 0);
			break;
		case 's':
			o->slots = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &o->cpu[0], &o->cpu[1]) !=
			    2)
				bench_usage();
			break;
		case 'n':
			bench_near_max_ns = strtod(optarg, NULL);
			break;
		case 'o':
			o->only = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		default:
			bench_usage();
		}
	}
	if (optind != argc || !o->rounds || !o->items || !o->rtts ||
	    !o->pp_iters || !vmi_ring_size_ok(o->slots, 8) ||
	    o->slots < BENCH_MAX_BATCH || bench_near_max_ns <= 0) {
		fprintf(stderr, "ring-bench: bad arguments (slots must be a "
				"power of two in 32..32768)\n");
		bench_usage();
	}
}

/* Whether test name is one that --only PREFIX[,PREFIX...] selects. */
static bool bench_selected(const char *only, const char *name)
{
	const char *p = only;

	if (!only)
		return true;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len && !strncmp(name, p, len))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* Other work on the machine disturbs every figure: say how much there is. */
static void bench_print_load(void)
{
	char buf[64] = "";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	printf("load average: %s", buf[0] ? buf : "unknown\n");
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
		.rounds = 10,
		.items = 2000000,
		.rtts = 200000,
		.pp_iters = 50000,
		.slots = 1024,
		.cpu = { 0, 1 },
	};
	struct bench_pair *pairs;
	size_t nr = 0;
	unsigned int r, c;
	char name[32];
	int err;

	bench_parse(argc, argv, &o);
	pairs = calloc((size_t)o.rounds * BENCH_NR_CFGS, sizeof(*pairs));
	if (!pairs)
		bench_die("calloc", ENOMEM);
	bench_tsc_per_ns = bench_calibrate_tsc();

	pthread_barrier_init(&bench_sync.start, NULL, 2);
	pthread_barrier_init(&bench_sync.done, NULL, 2);
	bench_pin(o.cpu[0]);
	err = pthread_create(&bench_sync.worker, NULL, bench_worker, &o.cpu[1]);
	if (err)
		bench_die("pthread_create", err);

	printf("ring-bench: CPUs %d,%d, %u slots, TSC %.3f GHz, %u rounds\n",
	       o.cpu[0], o.cpu[1], o.slots, bench_tsc_per_ns, o.rounds);
	bench_print_load();
	printf("%-13s %5s %-5s %7s %7s %9s %9s %9s %7s\n", "test", "round",
	       "where", "pp1 ns", "pp2 ns", "ours ns", "push ns", "rte ns",
	       "ratio");
	for (r = 0; r < o.rounds; r++) {
		for (c = 0; c < BENCH_NR_CFGS; c++) {
			struct bench_pair *p = &pairs[nr];

			bench_cfg_name(&bench_cfgs[c], name, sizeof(name));
			if (!bench_selected(o.only, name))
				continue;
			nr++;
			p->round = r;
			p->cfg = c;
			bench_pair(&o, p);
			printf("%-13s %5u %-5s %7.1f %7.1f %9.2f %9.2f %9.2f %7.2f%s\n",
			       name, r, bench_pair_placement(p), p->pp1, p->pp2,
			       p->ns[BENCH_OURS], p->ns[BENCH_PUSH],
			       p->ns[BENCH_RTE],
			       bench_metric(p, BENCH_M_R_OURS),
			       p->preempted ? "  (preempted)" : "");
			fflush(stdout);
		}
	}

	bench_sync.quit = true;
	pthread_barrier_wait(&bench_sync.start);
	pthread_join(bench_sync.worker, NULL);

	bench_print_table(pairs, nr);
	if (o.json)
		bench_write_json(o.json, &o, pairs, nr);
	free(pairs);
	return 0;
}

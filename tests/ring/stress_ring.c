// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress test of the ring (shared-ring/vmi_ring.h): a producer and a
 * consumer, two threads or two processes over a memfd, move N
 * sequence-numbered items in random batches; the consumer checks that each
 * item is the next one, whole, so any loss, duplicate, reorder or torn copy
 * fails the test.
 *
 * Both sides wait as a real transport would: spin on the ring for a short
 * budget, then arm the event index and sleep on an eventfd that the peer
 * writes when the ring says to notify. Random stalls on either side make
 * both sleep often, so the notification logic runs thousands of times. Each
 * side mixes publish/release (decide per batch) with push/pop (decide once
 * before waiting), the two ways the API allows.
 *
 * A lost wake-up would hang the test; instead, a side that has slept for
 * two seconds checks whether it has work, no notification pending, and a
 * peer that is asleep (or done) too. That state is impossible unless the
 * ring lost a wake-up, and the test fails with both sides' indices.
 *
 *   stress_ring --threads|--processes [--items N] [--seed S]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmi_ring.h"

#define STRESS_SLOTS 128
#define STRESS_MAX_BATCH 48
#define STRESS_SPIN 4096 /* ring checks before arming */
#define STRESS_STALL_EVERY 8192 /* one batch in this many stalls */
#define STRESS_STALL_NS 150000

enum { STRESS_PROD, STRESS_CONS };

struct stress_side {
	uint64_t batches, arms, sleeps, notifies, idle_wakeups;
};

/* Everything both sides share: one page-aligned block (a memfd's pages). */
struct stress_shared {
	/* 1 while a side sleeps or after it has finished. */
	int asleep[2] __attribute__((aligned(64)));
	struct stress_side side[2] __attribute__((aligned(64)));
	unsigned char ring[] __attribute__((aligned(4096)));
};

struct stress {
	struct stress_shared *sh;
	struct vmi_ring r; /* this side's view */
	int efd[2]; /* efd[side]: written to wake that side */
	int peer_pidfd; /* the consumer process, or -1 */
	int me;
	uint64_t items;
	uint64_t rng;
};

static void stress_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void stress_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "stress_ring: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* xorshift64*: each side its own stream, reproducible from --seed. */
static uint32_t stress_rand(struct stress *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static void stress_notify(struct stress *s)
{
	uint64_t one = 1;

	s->sh->side[s->me].notifies++;
	if (write(s->efd[!s->me], &one, sizeof(one)) != sizeof(one))
		stress_fail("eventfd write: %s", strerror(errno));
}

static void stress_dump(struct stress *s)
{
	struct vmi_ring_hdr *h = s->r.hdr;

	fprintf(stderr,
		"  side %s: private idx %u; shared prod %u cons %u "
		"prod_event %u cons_event %u; asleep %d/%d\n",
		s->me == STRESS_PROD ? "producer" : "consumer", s->r.idx,
		vmi_le32_to_cpu(vmi_load_acquire(&h->prod)),
		vmi_le32_to_cpu(vmi_load_acquire(&h->cons)),
		vmi_le32_to_cpu(vmi_load_acquire(&h->prod_event)),
		vmi_le32_to_cpu(vmi_load_acquire(&h->cons_event)),
		__atomic_load_n(&s->sh->asleep[0], __ATOMIC_SEQ_CST),
		__atomic_load_n(&s->sh->asleep[1], __ATOMIC_SEQ_CST));
}

/* Work this side could do now: entries to take, or room to fill. */
static int stress_work(struct stress *s)
{
	return s->me == STRESS_CONS ?
		       vmi_ring_cons_peek(&s->r) :
		       vmi_ring_prod_reserve(&s->r, STRESS_SLOTS);
}

/*
 * Sleep until the peer notifies (or, for the producer of two processes,
 * until the consumer process dies: that fails the test). After each quiet
 * two seconds: if the peer sleeps too (it notified before it slept, so a
 * notification it owed us would be readable by now) and we have work, a
 * wake-up was lost.
 */
static void stress_sleep(struct stress *s)
{
	struct pollfd pfd[2] = {
		{ .fd = s->efd[s->me], .events = POLLIN },
		{ .fd = s->peer_pidfd, .events = POLLIN },
	};
	uint64_t count;
	int ret;

	s->sh->side[s->me].sleeps++;
	__atomic_store_n(&s->sh->asleep[s->me], 1, __ATOMIC_SEQ_CST);
	for (;;) {
		ret = poll(pfd, 2, 2000);
		if (ret < 0 && errno != EINTR)
			stress_fail("poll: %s", strerror(errno));
		if (ret > 0 && pfd[1].revents)
			stress_fail("the consumer process died");
		if (ret > 0)
			break;
		if (ret < 0 ||
		    !__atomic_load_n(&s->sh->asleep[!s->me], __ATOMIC_SEQ_CST))
			continue;
		if (poll(pfd, 1, 0) == 0 && stress_work(s) > 0) {
			fprintf(stderr, "stress_ring: lost wake-up:\n");
			stress_dump(s);
			exit(1);
		}
	}
	if (read(s->efd[s->me], &count, sizeof(count)) != sizeof(count))
		stress_fail("eventfd read: %s", strerror(errno));
	__atomic_store_n(&s->sh->asleep[s->me], 0, __ATOMIC_SEQ_CST);
}

/* Settle deferred notification decisions (after push or pop). */
static void stress_check(struct stress *s)
{
	bool notify = s->me == STRESS_PROD ? vmi_ring_prod_check_notify(&s->r) :
					     vmi_ring_cons_check_notify(&s->r);

	if (notify)
		stress_notify(s);
}

/* A random pause long enough for the peer to run out of spin and sleep. */
static void stress_maybe_stall(struct stress *s)
{
	struct timespec ts = { 0, STRESS_STALL_NS };

	if (stress_rand(s) % STRESS_STALL_EVERY)
		return;
	stress_check(s);
	nanosleep(&ts, NULL);
}

/*
 * Wait until there is work: spin, then arm and sleep. Returns the work
 * found (entries or free slots).
 */
static int stress_wait(struct stress *s)
{
	int i, ret;

	/* Nobody may sleep, nor leave the peer waiting, on an unsettled push. */
	stress_check(s);
	for (;;) {
		for (i = 0; i < STRESS_SPIN; i++) {
			ret = stress_work(s);
			if (ret)
				goto out;
#if defined(__x86_64__)
			__builtin_ia32_pause();
#endif
		}
		s->sh->side[s->me].arms++;
		ret = s->me == STRESS_CONS ? vmi_ring_cons_arm(&s->r) :
					     vmi_ring_prod_arm(&s->r);
		if (ret)
			goto out;
		stress_sleep(s);
		ret = stress_work(s);
		if (ret)
			goto out;
		s->sh->side[s->me].idle_wakeups++;
	}
out:
	if (ret < 0)
		stress_fail("%s: ring error %d",
			    s->me == STRESS_CONS ? "consumer" : "producer",
			    ret);
	return ret;
}

static void stress_produce(struct stress *s)
{
	uint64_t seq = 0;
	uint32_t want, i;
	int n;

	while (seq < s->items) {
		want = 1 + stress_rand(s) % STRESS_MAX_BATCH;
		if (want > s->items - seq)
			want = (uint32_t)(s->items - seq);
		n = vmi_ring_prod_reserve(&s->r, want);
		if (n == 0)
			n = stress_wait(s);
		if (n < 0)
			stress_fail("producer: reserve: %d", n);
		if ((uint32_t)n > want)
			n = (int)want;
		for (i = 0; i < (uint32_t)n; i++) {
			uint64_t *slot = vmi_ring_prod_slot(&s->r, i);

			slot[0] = seq + i;
			slot[1] = ~(seq + i);
		}
		seq += (uint32_t)n;
		if (stress_rand(s) & 1)
			vmi_ring_prod_push(&s->r, (uint32_t)n);
		else if (vmi_ring_prod_publish(&s->r, (uint32_t)n))
			stress_notify(s);
		s->sh->side[s->me].batches++;
		stress_maybe_stall(s);
	}
	stress_check(s);
}

static void stress_consume(struct stress *s)
{
	uint64_t seq = 0, item[2];
	uint32_t take, i;
	int avail;

	while (seq < s->items) {
		avail = vmi_ring_cons_peek(&s->r);
		if (avail == 0)
			avail = stress_wait(s);
		if (avail < 0)
			stress_fail("consumer: peek: %d", avail);
		take = 1 + stress_rand(s) % STRESS_MAX_BATCH;
		if (take > (uint32_t)avail)
			take = (uint32_t)avail;
		for (i = 0; i < take; i++) {
			vmi_ring_cons_copy(&s->r, i, item);
			if (item[0] != seq || item[1] != ~seq)
				stress_fail("item %" PRIu64 ": got %" PRIu64
					    "/%" PRIx64 " (lost, duplicated, "
					    "reordered or torn)",
					    seq, item[0], item[1]);
			seq++;
		}
		if (stress_rand(s) & 1)
			vmi_ring_cons_pop(&s->r, take);
		else if (vmi_ring_cons_release(&s->r, take))
			stress_notify(s);
		s->sh->side[s->me].batches++;
		stress_maybe_stall(s);
	}
	stress_check(s);
}

/* One side, from attach to done; then it counts as asleep for good. */
static void stress_side(struct stress *s)
{
	void *ring = s->sh->ring;
	int ret;

	ret = s->me == STRESS_PROD ?
		      vmi_ring_attach_prod(&s->r, ring, STRESS_SLOTS, 16) :
		      vmi_ring_attach_cons(&s->r, ring, STRESS_SLOTS, 16);
	if (ret)
		stress_fail("attach: %d", ret);
	if (s->me == STRESS_PROD)
		stress_produce(s);
	else
		stress_consume(s);
	__atomic_store_n(&s->sh->asleep[s->me], 1, __ATOMIC_SEQ_CST);
}

static void *stress_thread(void *arg)
{
	stress_side(arg);
	return NULL;
}

static void stress_run_threads(struct stress *prod, struct stress *cons)
{
	pthread_t t;
	int err;

	err = pthread_create(&t, NULL, stress_thread, cons);
	if (err)
		stress_fail("pthread_create: %s", strerror(err));
	stress_side(prod);
	pthread_join(t, NULL);
}

/* The consumer in a child process; the ring in the memfd both map. */
static void stress_run_processes(struct stress *prod, struct stress *cons)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		stress_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Do not outlive a producer that failed. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
			_exit(1);
		stress_side(cons);
		_exit(0);
	}
	prod->peer_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (prod->peer_pidfd < 0)
		stress_fail("pidfd_open: %s", strerror(errno));
	stress_side(prod);
	if (waitpid(pid, &status, 0) != pid)
		stress_fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		stress_fail("consumer process failed (status 0x%x)", status);
}

static struct stress_shared *stress_map(bool processes, size_t size)
{
	void *p;
	int fd;

	if (!processes) {
		if (posix_memalign(&p, 4096, size))
			stress_fail("posix_memalign %zu bytes failed", size);
		memset(p, 0, size);
		return p;
	}
	fd = memfd_create("stress_ring", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size))
		stress_fail("memfd of %zu bytes: %s", size, strerror(errno));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		stress_fail("mmap memfd: %s", strerror(errno));
	close(fd);
	return p;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "threads", no_argument, NULL, 't' },
		{ "processes", no_argument, NULL, 'p' },
		{ "items", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	size_t size =
		sizeof(struct stress_shared) + VMI_RING_BYTES(STRESS_SLOTS, 16);
	uint64_t items = 100000000, seed = 0x5eed;
	struct stress s[2];
	struct stress_shared *sh;
	int opt, mode = 0, efd[2], k;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 't':
		case 'p':
			mode = opt;
			break;
		case 'n':
			items = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			mode = 0;
			optind = argc + 1;
		}
	}
	if (!mode || optind != argc || !items || !seed) {
		fprintf(stderr, "usage: stress_ring --threads|--processes "
				"[--items N] [--seed S]\n");
		return 2;
	}

	sh = stress_map(mode == 'p', size);
	vmi_ring_init(sh->ring);
	for (k = 0; k < 2; k++) {
		efd[k] = eventfd(0, EFD_CLOEXEC);
		if (efd[k] < 0)
			stress_fail("eventfd: %s", strerror(errno));
	}
	for (k = 0; k < 2; k++) {
		s[k] = (struct stress){
			.sh = sh,
			.efd = { efd[0], efd[1] },
			.peer_pidfd = -1,
			.me = k,
			.items = items,
			.rng = seed * (k + 1),
		};
	}
	printf("stress_ring: %s, %" PRIu64 " items, seed %" PRIu64 "\n",
	       mode == 'p' ? "two processes over a memfd" : "two threads",
	       items, seed);
	if (mode == 'p')
		stress_run_processes(&s[STRESS_PROD], &s[STRESS_CONS]);
	else
		stress_run_threads(&s[STRESS_PROD], &s[STRESS_CONS]);

	for (k = 0; k < 2; k++) {
		const struct stress_side *d = &sh->side[k];

		printf("  %s: %" PRIu64 " batches, %" PRIu64 " arms, %" PRIu64
		       " sleeps, %" PRIu64 " notifications sent, %" PRIu64
		       " wake-ups without work\n",
		       k == STRESS_PROD ? "producer" : "consumer", d->batches,
		       d->arms, d->sleeps, d->notifies, d->idle_wakeups);
	}
	/*
	 * A side notifies only when its peer asked: each arm (and the fresh
	 * ring's zeroed event index) is crossed by exactly one batch, so a
	 * peer that polls without arming is never notified.
	 */
	for (k = 0; k < 2; k++)
		if (sh->side[k].notifies > sh->side[!k].arms + 1)
			stress_fail("%s sent %" PRIu64
				    " notifications for %" PRIu64
				    " arms of its peer",
				    k == STRESS_PROD ? "producer" : "consumer",
				    sh->side[k].notifies, sh->side[!k].arms);
	/* The test must have exercised sleeping and waking on both sides. */
	if (!sh->side[STRESS_PROD].sleeps || !sh->side[STRESS_CONS].sleeps ||
	    !sh->side[STRESS_PROD].notifies || !sh->side[STRESS_CONS].notifies)
		stress_fail("a side never slept or never notified: the "
			    "notification logic went untested");
	printf("stress_ring: all %" PRIu64 " items arrived in order\n", items);
	return 0;
}

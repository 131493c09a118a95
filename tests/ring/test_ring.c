// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the ring algorithms (shared-ring/vmi_ring.h), one side or
 * both in one thread: attach geometry, empty and full, batches at their
 * edges, indices that wrap at 2^32, the event-index rule and the
 * notification decisions built on it, and every -EPROTO a hostile peer can
 * provoke by writing an impossible index.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmi_ring.h"

#define SLOT 16 /* bytes: sequence number and its complement */

/* One ring in memory and both of our views of it. */
struct tring {
	void *mem;
	struct vmi_ring_hdr *hdr;
	struct vmi_ring prod, cons;
	uint32_t nr_slots;
};

/* Zeroed, cache-line aligned memory for a ring of @size bytes. */
static void *ring_alloc(size_t size)
{
	void *mem = NULL;

	assert_int_equal(posix_memalign(&mem, VMI_RING_CACHELINE, size), 0);
	assert_non_null(mem);
	memset(mem, 0, size);
	return mem;
}

/* A ring whose four header words start at the given values. */
static void tring_open(struct tring *t, uint32_t nr_slots, uint32_t prod,
		       uint32_t cons, uint32_t prod_event, uint32_t cons_event)
{
	t->mem = ring_alloc(VMI_RING_BYTES(nr_slots, SLOT));
	memset(t->mem, 0xA5, VMI_RING_BYTES(nr_slots, SLOT));
	vmi_ring_init(t->mem);
	t->hdr = t->mem;
	t->hdr->prod = vmi_cpu_to_le32(prod);
	t->hdr->cons = vmi_cpu_to_le32(cons);
	t->hdr->prod_event = vmi_cpu_to_le32(prod_event);
	t->hdr->cons_event = vmi_cpu_to_le32(cons_event);
	t->nr_slots = nr_slots;
	assert_int_equal(vmi_ring_attach_prod(&t->prod, t->mem, nr_slots, SLOT),
			 0);
	assert_int_equal(vmi_ring_attach_cons(&t->cons, t->mem, nr_slots, SLOT),
			 0);
}

static void tring_close(struct tring *t)
{
	free(t->mem);
}

static uint32_t hdr_get(const vmi_le32 *field)
{
	return vmi_le32_to_cpu(*field);
}

static void hdr_set(vmi_le32 *field, uint32_t v)
{
	*field = vmi_cpu_to_le32(v);
}

/* Fill @n reserved slots with seq, seq + 1, ... and publish them. */
static bool put(struct tring *t, uint64_t seq, uint32_t n)
{
	uint32_t i;

	assert_int_equal(vmi_ring_prod_reserve(&t->prod, n), (int)n);
	for (i = 0; i < n; i++) {
		uint64_t item[2] = { seq + i, ~(seq + i) };

		memcpy(vmi_ring_prod_slot(&t->prod, i), item, SLOT);
	}
	return vmi_ring_prod_publish(&t->prod, n);
}

/* Take exactly @n entries, check they are seq, seq + 1, ..., release. */
static bool take(struct tring *t, uint64_t seq, uint32_t n)
{
	uint64_t item[2];
	uint32_t i;

	assert_true(vmi_ring_cons_peek(&t->cons) >= (int)n);
	for (i = 0; i < n; i++) {
		vmi_ring_cons_copy(&t->cons, i, item);
		assert_int_equal(item[0], seq + i);
		assert_int_equal(item[1], ~(seq + i));
	}
	return vmi_ring_cons_release(&t->cons, n);
}

/* ---- attach ------------------------------------------------------------- */

static void test_attach_geometry(void **state)
{
	static const struct {
		uint32_t nr_slots, slot_size;
		int ret;
	} cases[] = {
		{ 2, 8, 0 },	       { 32768, 8, 0 },
		{ 4, 64, 0 },	       { 4, 4096, 0 },
		{ 0, 8, -EINVAL },     { 1, 8, -EINVAL },
		{ 3, 8, -EINVAL },     { 6, 8, -EINVAL },
		{ 65536, 8, -EINVAL }, { 1u << 31, 8, -EINVAL },
		{ 4, 0, -EINVAL },     { 4, 4, -EINVAL },
		{ 4, 12, -EINVAL },    { 4, 65, -EINVAL },
	};
	struct vmi_ring r = { 0 };
	unsigned char *mem;
	size_t i;

	(void)state;
	/* Big enough for the largest accepted geometry above. */
	mem = ring_alloc(VMI_RING_BYTES(32768, 8) + 64);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmi_ring_init(mem);
		assert_int_equal(vmi_ring_attach_prod(&r, mem,
						      cases[i].nr_slots,
						      cases[i].slot_size),
				 cases[i].ret);
		assert_int_equal(vmi_ring_attach_cons(&r, mem,
						      cases[i].nr_slots,
						      cases[i].slot_size),
				 cases[i].ret);
		assert_int_equal(vmi_ring_size_ok(cases[i].nr_slots,
						  cases[i].slot_size),
				 cases[i].ret == 0);
	}
	/* The header's indices each want their own cache line. */
	for (i = 4; i < 64; i += 4) {
		vmi_ring_init(mem + i);
		assert_int_equal(vmi_ring_attach_prod(&r, mem + i, 4, 8),
				 -EINVAL);
		assert_int_equal(vmi_ring_attach_cons(&r, mem + i, 4, 8),
				 -EINVAL);
	}
	vmi_ring_init(mem + 64);
	assert_int_equal(vmi_ring_attach_cons(&r, mem + 64, 4, 8), 0);
	assert_int_equal(vmi_ring_nr_slots(&r), 4);
	free(mem);
}

static void test_attach_indices(void **state)
{
	static const struct {
		uint32_t prod, cons;
		int ret;
	} cases[] = {
		{ 0, 0, 0 },
		{ 8, 0, 0 }, /* full */
		{ 9, 0, -EPROTO }, /* more entries than slots */
		{ 0, 1, -EPROTO }, /* consumer ahead of producer */
		{ 0xFFFFFFFF, 0, -EPROTO },
		{ 4, 0xFFFFFFFC, 0 }, /* full across 2^32 */
		{ 5, 0xFFFFFFFC, -EPROTO },
		{ 0x80000000, 0, -EPROTO },
	};
	struct vmi_ring r = { 0 };
	void *mem;
	size_t i;

	(void)state;
	mem = ring_alloc(VMI_RING_BYTES(8, 8));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmi_ring_hdr *h = mem;

		vmi_ring_init(mem);
		hdr_set(&h->prod, cases[i].prod);
		hdr_set(&h->cons, cases[i].cons);
		assert_int_equal(vmi_ring_attach_prod(&r, mem, 8, 8),
				 cases[i].ret);
		if (!cases[i].ret) {
			/* The producer continues from the header's index. */
			assert_int_equal(vmi_ring_prod_reserve(&r, 8),
					 8 - (cases[i].prod - cases[i].cons));
		}
		assert_int_equal(vmi_ring_attach_cons(&r, mem, 8, 8),
				 cases[i].ret);
		if (!cases[i].ret)
			assert_int_equal(vmi_ring_cons_peek(&r),
					 (int)(cases[i].prod - cases[i].cons));
	}
	free(mem);
}

/* ---- moving entries ----------------------------------------------------- */

static void test_empty_full(void **state)
{
	struct tring t;
	uint64_t item[2];

	(void)state;
	tring_open(&t, 4, 0, 0, 0, 0);
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 0);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 4), 4);
	put(&t, 100, 4);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 1), 0);
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 4);
	/* Taking one gives exactly one slot back. */
	take(&t, 100, 1);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 4), 1);
	put(&t, 104, 1);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 1), 0);
	take(&t, 101, 4);
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 0);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 4), 4);
	/* Entry i sits in slot i & 3. */
	memcpy(item, t.prod.slots + (104 - 100) % 4 * SLOT, SLOT);
	assert_int_equal(item[0], 104);
	assert_int_equal(hdr_get(&t.hdr->prod), 5);
	assert_int_equal(hdr_get(&t.hdr->cons), 5);
	tring_close(&t);
}

static void test_wrap_2_32(void **state)
{
	static const uint32_t batches[] = { 1, 3, 7, 8, 2, 5, 8, 1, 6, 4 };
	struct tring t;
	uint64_t seq = 0, got = 0;
	uint32_t start = 0xFFFFFFF0u, moved = 0;
	size_t b;
	int k;

	(void)state;
	tring_open(&t, 8, start, start, start, start);
	/* Around 2^32 several times over with uneven batches. */
	for (k = 0; k < 4; k++) {
		for (b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
			uint32_t n = batches[b];

			put(&t, seq, n);
			seq += n;
			assert_int_equal(vmi_ring_cons_peek(&t.cons), (int)n);
			take(&t, got, n);
			got += n;
			moved += n;
			assert_int_equal(hdr_get(&t.hdr->prod), start + moved);
			assert_int_equal(hdr_get(&t.hdr->cons), start + moved);
		}
	}
	assert_true(moved > 0x10); /* crossed 2^32 */
	/* Full and empty still hold right after the wrap. */
	put(&t, seq, 8);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 1), 0);
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 8);
	take(&t, got, 8);
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 0);
	tring_close(&t);
}

/* A full ring whose indices straddle 2^32: prod wrapped, cons did not. */
static void test_full_across_wrap(void **state)
{
	struct tring t;
	uint64_t item[2];

	(void)state;
	tring_open(&t, 8, 0xFFFFFFFCu, 0xFFFFFFFCu, 0, 0);
	put(&t, 0, 8);
	assert_int_equal(hdr_get(&t.hdr->prod), 4);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 8), 0);
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 8);
	vmi_ring_cons_copy(&t.cons, 7, item);
	assert_int_equal(item[0], 7);
	take(&t, 0, 8);
	assert_int_equal(hdr_get(&t.hdr->cons), 4);
	tring_close(&t);
}

static void test_batch_edges(void **state)
{
	struct tring t;
	uint64_t item[2];

	(void)state;
	tring_open(&t, 8, 0, 0, 0, 0);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 0), 0);
	/* More than the ring holds: all of it, never more. */
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 9), 8);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, UINT32_MAX), 8);
	/* Publishing nothing touches nothing and notifies nobody. */
	hdr_set(&t.hdr->prod, 0x12345678);
	assert_false(vmi_ring_prod_publish(&t.prod, 0));
	assert_int_equal(hdr_get(&t.hdr->prod), 0x12345678);
	hdr_set(&t.hdr->prod, 0);
	put(&t, 0, 5);
	/* Less room than asked: the room. */
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 8), 3);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 3), 3);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 2), 2);
	/* Releasing nothing touches nothing and notifies nobody. */
	hdr_set(&t.hdr->cons, 0x12345678);
	assert_false(vmi_ring_cons_release(&t.cons, 0));
	assert_int_equal(hdr_get(&t.hdr->cons), 0x12345678);
	hdr_set(&t.hdr->cons, 0);
	/* Entries beyond those waiting are masked into the ring. */
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 5);
	vmi_ring_cons_copy(&t.cons, 8 + 2, item);
	assert_int_equal(item[0], 2);
	assert_ptr_equal(vmi_ring_cons_slot(&t.cons, 8 + 2),
			 vmi_ring_cons_slot(&t.cons, 2));
	/* The last slot of a batch and the first of the next. */
	take(&t, 0, 4);
	put(&t, 5, 7);
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 8);
	take(&t, 4, 8);
	tring_close(&t);
}

/* The consumer copies exactly slot_size bytes, from the right slot. */
static void test_copy_bounds(void **state)
{
	unsigned char dst[SLOT + 8];
	struct tring t;
	uint32_t i;

	(void)state;
	tring_open(&t, 4, 0, 0, 0, 0);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 4), 4);
	for (i = 0; i < 4; i++)
		memset(vmi_ring_prod_slot(&t.prod, i), 0x10 + i, SLOT);
	vmi_ring_prod_publish(&t.prod, 4);
	for (i = 0; i < 4; i++) {
		memset(dst, 0xEE, sizeof(dst));
		vmi_ring_cons_copy(&t.cons, i, dst);
		assert_int_equal(dst[0], 0x10 + i);
		assert_int_equal(dst[SLOT - 1], 0x10 + i);
		assert_int_equal(dst[SLOT], 0xEE);
	}
	tring_close(&t);
}

/*
 * The bulk copy gives the same bytes as one copy per entry, across the
 * ring's end and at every start, and never writes past n entries.
 */
static void test_copy_n_wrap(void **state)
{
	unsigned char dst[8 * SLOT + 8], one[SLOT];
	uint32_t start, n, i;
	struct tring t;

	(void)state;
	for (start = 0; start < 8; start++) {
		/* Indices near 2^32 so the ring's end and the wrap coincide. */
		tring_open(&t, 8, UINT32_MAX - 3 + start,
			   UINT32_MAX - 3 + start, 0, 0);
		assert_int_equal(vmi_ring_prod_reserve(&t.prod, 8), 8);
		for (i = 0; i < 8; i++)
			memset(vmi_ring_prod_slot(&t.prod, i), 0x40 + i, SLOT);
		vmi_ring_prod_publish(&t.prod, 8);
		for (n = 0; n <= 8; n++) {
			memset(dst, 0xEE, sizeof(dst));
			vmi_ring_cons_copy_n(&t.cons, 8 - n, n, dst);
			for (i = 0; i < n; i++) {
				vmi_ring_cons_copy(&t.cons, 8 - n + i, one);
				assert_memory_equal(&dst[i * SLOT], one, SLOT);
				assert_int_equal(one[0], 0x40 + 8 - n + i);
			}
			assert_int_equal(dst[n * SLOT], 0xEE);
		}
		tring_close(&t);
	}
}

/* ---- event indices and notification ------------------------------------ */

static void test_need_event(void **state)
{
	static const struct {
		uint32_t event, new_idx, old_idx;
		int notify;
	} cases[] = {
		{ 5, 6, 5, 1 },
		{ 6, 6, 5, 0 },
		{ 4, 6, 5, 0 },
		{ 7, 10, 5, 1 },
		{ 5, 10, 5, 1 },
		{ 9, 10, 5, 1 },
		{ 10, 10, 5, 0 },
		{ 4, 10, 5, 0 },
		{ 5, 5, 5, 0 },
		/* across 2^32 */
		{ 0xFFFFFFFF, 2, 0xFFFFFFFE, 1 },
		{ 0xFFFFFFFE, 2, 0xFFFFFFFE, 1 },
		{ 0, 2, 0xFFFFFFFE, 1 },
		{ 1, 2, 0xFFFFFFFE, 1 },
		{ 2, 2, 0xFFFFFFFE, 0 },
		{ 0xFFFFFFFD, 2, 0xFFFFFFFE, 0 },
		/* an event far behind or ahead never fires */
		{ 0x80000000, 0x10, 0x8, 0 },
		{ 0x7FFFFFFF, 0x10, 0x8, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(!!vmi_ring_need_event(cases[i].event,
						       cases[i].new_idx,
						       cases[i].old_idx),
				 cases[i].notify);
}

/*
 * Publish notifies exactly when the consumer armed for one of the entries
 * published, once; a consumer that keeps polling is never notified.
 */
static void test_notify_consumer(void **state)
{
	uint32_t start = 0xFFFFFFFAu;
	struct tring t;
	uint64_t seq = 0, got = 0;
	int i;

	(void)state;
	/* The consumer's last arm lies far behind: it is busy. */
	tring_open(&t, 8, start, start, start - 100, start - 100);
	for (i = 0; i < 50; i++) {
		assert_false(put(&t, seq, 3));
		seq += 3;
		assert_false(take(&t, got, 3));
		got += 3;
	}
	/* Empty: the consumer arms and may sleep. */
	assert_int_equal(vmi_ring_cons_arm(&t.cons), 0);
	assert_int_equal(hdr_get(&t.hdr->prod_event), start + 150);
	/* The batch holding the awaited entry notifies; later ones do not. */
	assert_true(put(&t, seq, 2));
	seq += 2;
	assert_false(put(&t, seq, 1));
	seq += 1;
	/* Armed with work waiting: arm says so, and nobody must sleep. */
	assert_int_equal(vmi_ring_cons_arm(&t.cons), 3);
	/* An entry published before the arm was already counted above. */
	assert_false(put(&t, seq, 1));
	seq += 1;
	take(&t, got, 4);
	got += 4;
	/* Armed again while empty: the very next single entry notifies. */
	assert_int_equal(vmi_ring_cons_arm(&t.cons), 0);
	assert_true(put(&t, seq, 1));
	seq += 1;
	take(&t, got, 1);
	tring_close(&t);
}

/*
 * Release notifies exactly when the producer, finding the ring full, armed
 * for the next entry to be consumed; otherwise never.
 */
static void test_notify_producer(void **state)
{
	uint32_t start = 0xFFFFFFFEu;
	struct tring t;

	(void)state;
	tring_open(&t, 4, start, start, start - 50, start - 50);
	put(&t, 0, 4);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 1), 0);
	assert_int_equal(vmi_ring_prod_arm(&t.prod), 0);
	assert_int_equal(hdr_get(&t.hdr->cons_event), start);
	/* The consumer takes the awaited entry: notify, once. */
	assert_true(take(&t, 0, 1));
	assert_false(take(&t, 1, 1));
	/* Room already: arm says so. */
	assert_int_equal(vmi_ring_prod_arm(&t.prod), 2);
	assert_false(take(&t, 2, 2));
	put(&t, 4, 4);
	assert_false(take(&t, 4, 2));
	/* Arm on a stale cached index: the re-read finds the room. */
	assert_int_equal(vmi_ring_prod_arm(&t.prod), 2);
	put(&t, 8, 2);
	/* Full again, the producer arms for entry 6 (index start + 6). */
	assert_int_equal(vmi_ring_prod_arm(&t.prod), 0);
	assert_int_equal(hdr_get(&t.hdr->cons_event), start + 6);
	/* A consumer taking a batch that covers it notifies. */
	assert_true(take(&t, 6, 4));
	tring_close(&t);
}

/* Push and pop defer the decision; the check covers all moved since. */
static void test_push_pop_check(void **state)
{
	struct tring t;
	uint32_t i;

	(void)state;
	tring_open(&t, 8, 10, 10, 0, 0);
	assert_false(vmi_ring_prod_check_notify(&t.prod));
	assert_int_equal(vmi_ring_cons_arm(&t.cons), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(vmi_ring_prod_reserve(&t.prod, 2), 2);
		vmi_ring_prod_push(&t.prod, 2);
	}
	vmi_ring_prod_push(&t.prod, 0);
	assert_int_equal(hdr_get(&t.hdr->prod), 16);
	/* Entry 10, in the first push, was awaited. */
	assert_true(vmi_ring_prod_check_notify(&t.prod));
	assert_false(vmi_ring_prod_check_notify(&t.prod));
	/* A publish after pushes covers them too. */
	vmi_ring_prod_push(&t.prod, 1);
	hdr_set(&t.hdr->prod_event, 16);
	assert_true(vmi_ring_prod_publish(&t.prod, 1));
	assert_int_equal(vmi_ring_cons_peek(&t.cons), 8);

	/* The producer, full, arms for entry 10. */
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 1), 0);
	assert_int_equal(vmi_ring_prod_arm(&t.prod), 0);
	assert_false(vmi_ring_cons_check_notify(&t.cons));
	vmi_ring_cons_pop(&t.cons, 3);
	vmi_ring_cons_pop(&t.cons, 0);
	vmi_ring_cons_pop(&t.cons, 2);
	assert_int_equal(hdr_get(&t.hdr->cons), 15);
	assert_true(vmi_ring_cons_check_notify(&t.cons));
	assert_false(vmi_ring_cons_check_notify(&t.cons));
	/* A release after pops covers them too. */
	vmi_ring_cons_pop(&t.cons, 1);
	hdr_set(&t.hdr->cons_event, 15);
	assert_true(vmi_ring_cons_release(&t.cons, 1));
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 8), 7);
	tring_close(&t);
}

/* Event indices the peer writes can only change the yes/no answers. */
static void test_hostile_events(void **state)
{
	static const uint32_t values[] = { 0,	       1,	   7,	      8,
					   0x7FFFFFFF, 0x80000000, 0xFFFFFFFF };
	struct tring t;
	size_t i;

	(void)state;
	tring_open(&t, 8, 0, 0, 0, 0);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		hdr_set(&t.hdr->prod_event, values[i]);
		hdr_set(&t.hdr->cons_event, values[i]);
		put(&t, i * 8, 8);
		take(&t, i * 8, 8);
		assert_int_equal(vmi_ring_prod_reserve(&t.prod, 8), 8);
	}
	tring_close(&t);
}

/* ---- a hostile peer's indices ------------------------------------------- */

/* The consumer sees prod move by more than the ring holds, or backwards. */
static void test_eproto_consumer(void **state)
{
	static const int32_t moves[] = { 9, 1000, -1, -8, INT32_MIN, INT32_MAX };
	struct tring t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		tring_open(&t, 8, 0xFFFFFFFDu, 0xFFFFFFFDu, 0, 0);
		put(&t, 0, 5);
		take(&t, 0, 2);
		/* cons is at start + 2; a good prod lies in [cons, cons+8]. */
		hdr_set(&t.hdr->prod, 0xFFFFFFFDu + 2 + (uint32_t)moves[i]);
		assert_int_equal(vmi_ring_cons_peek(&t.cons), -EPROTO);
		assert_int_equal(vmi_ring_cons_arm(&t.cons), -EPROTO);
		/* At the edges it is fine. */
		hdr_set(&t.hdr->prod, 0xFFFFFFFDu + 2 + 8);
		assert_int_equal(vmi_ring_cons_peek(&t.cons), 8);
		hdr_set(&t.hdr->prod, 0xFFFFFFFDu + 2);
		assert_int_equal(vmi_ring_cons_peek(&t.cons), 0);
		tring_close(&t);
	}
}

/* The producer sees cons ahead of prod, or more than a ring behind. */
static void test_eproto_producer(void **state)
{
	static const int32_t moves[] = {
		1, 100, -9, -1000, INT32_MIN, INT32_MAX
	};
	struct tring t;
	uint32_t start = 0xFFFFFFFEu;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		tring_open(&t, 8, start, start, 0, 0);
		put(&t, 0, 8);
		/* prod is start + 8; a good cons lies in [prod - 8, prod]. */
		hdr_set(&t.hdr->cons, start + 8 + (uint32_t)moves[i]);
		assert_int_equal(vmi_ring_prod_reserve(&t.prod, 1), -EPROTO);
		assert_int_equal(vmi_ring_prod_arm(&t.prod), -EPROTO);
		hdr_set(&t.hdr->cons, start);
		assert_int_equal(vmi_ring_prod_reserve(&t.prod, 1), 0);
		hdr_set(&t.hdr->cons, start + 8);
		assert_int_equal(vmi_ring_prod_reserve(&t.prod, 9), 8);
		tring_close(&t);
	}
}

/*
 * A cached index that already gives the room asked for is trusted without
 * reading the header, so a bad cons shows up only when it matters.
 */
static void test_eproto_when_needed(void **state)
{
	struct tring t;

	(void)state;
	tring_open(&t, 8, 0, 0, 0, 0);
	hdr_set(&t.hdr->cons, 0x40000000);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 8), 8);
	put(&t, 0, 4);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 4), 4);
	assert_int_equal(vmi_ring_prod_reserve(&t.prod, 5), -EPROTO);
	tring_close(&t);
}

/* A peer that writes our own index is ignored: ours is private. */
static void test_own_index_private(void **state)
{
	struct tring t;

	(void)state;
	tring_open(&t, 8, 0, 0, 0, 0);
	put(&t, 0, 3);
	hdr_set(&t.hdr->prod, 0xDEAD);
	put(&t, 3, 2);
	assert_int_equal(hdr_get(&t.hdr->prod), 5);
	take(&t, 0, 2);
	hdr_set(&t.hdr->cons, 0xBEEF);
	take(&t, 2, 3);
	assert_int_equal(hdr_get(&t.hdr->cons), 5);
	tring_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_geometry),
		cmocka_unit_test(test_attach_indices),
		cmocka_unit_test(test_empty_full),
		cmocka_unit_test(test_wrap_2_32),
		cmocka_unit_test(test_full_across_wrap),
		cmocka_unit_test(test_batch_edges),
		cmocka_unit_test(test_copy_bounds),
		cmocka_unit_test(test_copy_n_wrap),
		cmocka_unit_test(test_need_event),
		cmocka_unit_test(test_notify_consumer),
		cmocka_unit_test(test_notify_producer),
		cmocka_unit_test(test_push_pop_check),
		cmocka_unit_test(test_hostile_events),
		cmocka_unit_test(test_eproto_consumer),
		cmocka_unit_test(test_eproto_producer),
		cmocka_unit_test(test_eproto_when_needed),
		cmocka_unit_test(test_own_index_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

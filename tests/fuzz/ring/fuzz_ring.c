// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the ring (shared-ring/vmi_ring.h) against a hostile
 * peer. The input is a program: a geometry, a starting header, then
 * operations that either write anything anywhere in the shared ring (both
 * indices, both event indices, slot bytes) or run one of our producer or
 * consumer calls. The ring sits in an allocation of exactly its size, so
 * AddressSanitizer catches any access outside it, and each copy-out goes to
 * a buffer of exactly one slot.
 *
 * Only our side's promises are asserted: no access outside the ring, never
 * more entries or room than the ring has, -EPROTO exactly when the index we
 * read is impossible, event indices written where the protocol says, and
 * notification answers that follow the event rule. What the peer's own
 * data means is not our business here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmi_ring.h"

struct fz {
	const uint8_t *p;
	size_t n;
};

static uint8_t fz_u8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static uint32_t fz_u32(struct fz *f)
{
	uint32_t v = fz_u8(f);

	v |= (uint32_t)fz_u8(f) << 8;
	v |= (uint32_t)fz_u8(f) << 16;
	return v | (uint32_t)fz_u8(f) << 24;
}

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz_ring: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);                           \
			abort();                                            \
		}                                                           \
	} while (0)

/* The world: one ring, our producer and consumer views, what they hold. */
struct fz_ring {
	struct vmi_ring_hdr *hdr;
	unsigned char *slots_end;
	uint32_t nr_slots, slot_size;
	struct vmi_ring prod, cons;
	uint32_t reserved; /* producer: slots the last reserve granted */
	uint32_t avail; /* consumer: entries the last peek reported */
	unsigned char *copy; /* one slot, exactly */
	unsigned char *bulk; /* nr_slots slots, exactly */
};

static uint32_t hdr_get(const vmi_le32 *field)
{
	return vmi_le32_to_cpu(*field);
}

static vmi_le32 *hdr_field(struct fz_ring *w, unsigned int which)
{
	vmi_le32 *fields[4] = { &w->hdr->prod, &w->hdr->cons,
				&w->hdr->prod_event, &w->hdr->cons_event };

	return fields[which % 4];
}

/* A pointer to slot i must lie wholly inside the slot area. */
static void check_slot_ptr(struct fz_ring *w, const void *slot)
{
	const unsigned char *s = slot;

	CHECK(s >= (const unsigned char *)(w->hdr + 1));
	CHECK(s + w->slot_size <= w->slots_end);
	CHECK((size_t)(s - (const unsigned char *)(w->hdr + 1)) %
		      w->slot_size ==
	      0);
}

/* What peek or arm must answer given the prod index now in the header. */
static void check_entries(struct fz_ring *w, int ret, uint32_t prod)
{
	uint32_t expect = prod - w->cons.idx;

	if (expect > w->nr_slots) {
		CHECK(ret == -EPROTO);
		w->avail = 0;
	} else {
		CHECK(ret == (int)expect);
		w->avail = expect;
	}
}

/* What a fresh read of cons must give the producer (room or -EPROTO). */
static void check_room(struct fz_ring *w, int ret, uint32_t cons, uint32_t want)
{
	uint32_t used = w->prod.idx - cons;

	if (used > w->nr_slots) {
		CHECK(ret == -EPROTO);
		return;
	}
	used = w->nr_slots - used;
	CHECK(ret == (int)(used < want ? used : want));
}

static void op_consumer(struct fz_ring *w, struct fz *f, unsigned int op)
{
	uint32_t prod = hdr_get(&w->hdr->prod), old, event, n, i;
	bool notify;

	switch (op) {
	case 0:
		check_entries(w, vmi_ring_cons_peek(&w->cons), prod);
		break;
	case 1:
		check_entries(w, vmi_ring_cons_arm(&w->cons), prod);
		CHECK(hdr_get(&w->hdr->prod_event) == w->cons.idx);
		break;
	case 2:
		/* Any index: the mask must keep it inside. */
		i = fz_u8(f);
		if (i & 0x80)
			i = w->avail ? i % w->avail : 0;
		vmi_ring_cons_copy(&w->cons, i, w->copy);
		check_slot_ptr(w, vmi_ring_cons_slot(&w->cons, i));
		/* The bulk copy of the rest stays inside the ring and @bulk. */
		n = i < w->avail ? w->avail - i : 0;
		vmi_ring_cons_copy_n(&w->cons, i, n, w->bulk);
		break;
	case 3:
	case 4:
		n = w->avail ? fz_u8(f) % (w->avail + 1) : 0;
		old = w->cons.checked;
		if (op == 3) {
			notify = vmi_ring_cons_release(&w->cons, n);
		} else {
			vmi_ring_cons_pop(&w->cons, n);
			notify = false;
		}
		w->avail -= n;
		CHECK(hdr_get(&w->hdr->cons) == w->cons.idx || !n);
		if (op == 3) {
			event = hdr_get(&w->hdr->cons_event);
			CHECK(notify ==
			      !!vmi_ring_need_event(event, w->cons.idx, old));
		}
		break;
	default:
		old = w->cons.checked;
		event = hdr_get(&w->hdr->cons_event);
		notify = vmi_ring_cons_check_notify(&w->cons);
		CHECK(notify == !!vmi_ring_need_event(event, w->cons.idx, old));
		break;
	}
}

static void op_producer(struct fz_ring *w, struct fz *f, unsigned int op)
{
	uint32_t cons = hdr_get(&w->hdr->cons), want, room, old, event, n, i;
	uint32_t peer = w->prod.peer;
	bool notify;
	int ret;

	switch (op) {
	case 0:
		want = fz_u8(f);
		if (want == 0xFF)
			want = fz_u32(f);
		room = w->nr_slots - (w->prod.idx - w->prod.peer);
		ret = vmi_ring_prod_reserve(&w->prod, want);
		/* The header is read only when the cached room falls short. */
		if (room >= want)
			CHECK(ret == (int)want);
		else
			check_room(w, ret, cons, want);
		CHECK(ret <= (int)w->nr_slots);
		w->reserved = ret > 0 ? (uint32_t)ret : 0;
		break;
	case 1:
		ret = vmi_ring_prod_arm(&w->prod);
		CHECK(hdr_get(&w->hdr->cons_event) == peer);
		check_room(w, ret, cons, w->nr_slots);
		w->reserved = 0;
		break;
	case 2:
		/* Fill a granted slot, or any: the mask must keep it inside. */
		i = fz_u8(f);
		if (w->reserved && !(i & 0x80))
			i %= w->reserved;
		check_slot_ptr(w, vmi_ring_prod_slot(&w->prod, i));
		memset(vmi_ring_prod_slot(&w->prod, i), fz_u8(f), w->slot_size);
		break;
	case 3:
	case 4:
		n = w->reserved ? fz_u8(f) % (w->reserved + 1) : 0;
		old = w->prod.checked;
		if (op == 3) {
			notify = vmi_ring_prod_publish(&w->prod, n);
			event = hdr_get(&w->hdr->prod_event);
			CHECK(notify ==
			      !!vmi_ring_need_event(event, w->prod.idx, old));
		} else {
			vmi_ring_prod_push(&w->prod, n);
		}
		CHECK(hdr_get(&w->hdr->prod) == w->prod.idx || !n);
		w->reserved -= n;
		break;
	default:
		old = w->prod.checked;
		event = hdr_get(&w->hdr->prod_event);
		notify = vmi_ring_prod_check_notify(&w->prod);
		CHECK(notify == !!vmi_ring_need_event(event, w->prod.idx, old));
		break;
	}
}

/* The hostile peer: any value in any shared word or slot byte. */
static void op_peer(struct fz_ring *w, struct fz *f, unsigned int op)
{
	size_t area = (size_t)w->nr_slots * w->slot_size, off, len;
	unsigned char *slots = (unsigned char *)(w->hdr + 1);
	vmi_le32 *field;

	switch (op) {
	case 0:
		field = hdr_field(w, fz_u8(f));
		*field = vmi_cpu_to_le32(fz_u32(f));
		break;
	case 1:
		/* Small moves, forwards or back, find the edges. */
		field = hdr_field(w, fz_u8(f));
		*field = vmi_cpu_to_le32(hdr_get(field) +
					 (uint32_t)(int32_t)(int8_t)fz_u8(f));
		break;
	default:
		off = (fz_u8(f) | (size_t)fz_u8(f) << 8) % area;
		len = fz_u8(f) % 64;
		if (len > area - off)
			len = area - off;
		memset(slots + off, fz_u8(f), len);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct fz_ring w = { 0 };
	uint32_t prod, cons;
	size_t bytes;
	void *mem;
	int ret;

	w.nr_slots = 2u << (fz_u8(&f) % 8);
	w.slot_size = 8 * (1 + fz_u8(&f) % 8);
	bytes = VMI_RING_BYTES(w.nr_slots, w.slot_size);
	if (posix_memalign(&mem, VMI_RING_CACHELINE, bytes))
		return 0;
	w.copy = malloc(w.slot_size);
	w.bulk = malloc((size_t)w.nr_slots * w.slot_size);
	if (!w.copy || !w.bulk) {
		free(w.copy);
		free(w.bulk);
		free(mem);
		return 0;
	}
	memset(mem, 0, bytes);
	w.hdr = mem;
	w.slots_end = (unsigned char *)mem + bytes;
	/* Start from the peer's header: any four words. */
	prod = fz_u32(&f);
	cons = fz_u32(&f);
	w.hdr->prod = vmi_cpu_to_le32(prod);
	w.hdr->cons = vmi_cpu_to_le32(cons);
	w.hdr->prod_event = vmi_cpu_to_le32(fz_u32(&f));
	w.hdr->cons_event = vmi_cpu_to_le32(fz_u32(&f));
	ret = vmi_ring_attach_prod(&w.prod, mem, w.nr_slots, w.slot_size);
	CHECK(ret ==
	      vmi_ring_attach_cons(&w.cons, mem, w.nr_slots, w.slot_size));
	CHECK(ret == ((uint32_t)(prod - cons) > w.nr_slots ? -EPROTO : 0));
	if (ret) {
		/* Start again from an empty ring at the peer's prod. */
		w.hdr->cons = w.hdr->prod;
		CHECK(!vmi_ring_attach_prod(&w.prod, mem, w.nr_slots,
					    w.slot_size));
		CHECK(!vmi_ring_attach_cons(&w.cons, mem, w.nr_slots,
					    w.slot_size));
	}

	while (f.n) {
		unsigned int op = fz_u8(&f);

		switch (op % 3) {
		case 0:
			op_peer(&w, &f, op / 3 % 3);
			break;
		case 1:
			op_consumer(&w, &f, op / 3 % 6);
			break;
		default:
			op_producer(&w, &f, op / 3 % 6);
			break;
		}
	}
	free(w.copy);
	free(w.bulk);
	free(mem);
	return 0;
}

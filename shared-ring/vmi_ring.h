/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * The vmipv ring algorithms: single producer, single consumer, over the
 * memory layout of include/vmi/ring.h (docs/ABI.md part (b)). Static inline
 * C that compiles unchanged in a Linux kernel module and in user space; the
 * only environment it needs is vmi_barrier.h.
 *
 * A struct vmi_ring is one side's private view of one shared ring: either
 * its producer or its consumer, never both. The private copy of our own
 * index is the truth; the shared copy is only published, never read back.
 * The peer's index is read once per call, checked, and cached, so a peer
 * that scribbles on the header can make us see fewer or more entries, never
 * entries outside the ring, and never crash us: every impossible value gives
 * -EPROTO, after which the caller stops using the ring (docs/ABI.md).
 *
 * Producer:                         Consumer:
 *   n = vmi_ring_prod_reserve(r, k)   n = vmi_ring_cons_peek(r)
 *   fill vmi_ring_prod_slot(r, i)     vmi_ring_cons_copy(r, i, &item)
 *   if (vmi_ring_prod_publish(r, n))  if (vmi_ring_cons_release(r, n))
 *           notify the consumer               notify the producer
 *
 * Before sleeping, a consumer calls vmi_ring_cons_arm() and a producer that
 * waits for room calls vmi_ring_prod_arm(); both re-check and return > 0 if
 * there is work after all. The ring says when to notify; how is the
 * transport's business.
 *
 * Deciding whether to notify takes a full barrier, which stalls until our
 * index store has left the CPU: about one cache-line transfer whenever the
 * peer is polling that index. A side that moves many batches back to back
 * may therefore split vmi_ring_prod_publish() into vmi_ring_prod_push() per
 * batch and one vmi_ring_prod_check_notify() when it runs out of work or
 * room (Xen's RING_PUSH_REQUESTS and _CHECK_NOTIFY, virtio's add and
 * kick_prepare), and vmi_ring_cons_release() into vmi_ring_cons_pop() and
 * vmi_ring_cons_check_notify() likewise. The check covers every entry moved
 * since the previous one; skipping it before waiting loses wake-ups.
 */
#ifndef VMI_RING_ALGO_H
#define VMI_RING_ALGO_H

#include <vmi/ring.h>
#include "vmi_barrier.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#endif

struct vmi_ring {
	struct vmi_ring_hdr *hdr; /* shared */
	unsigned char *slots; /* shared, nr_slots * slot_size bytes */
	uint32_t mask; /* nr_slots - 1 */
	uint32_t slot_size;
	uint32_t idx; /* our index: prod for a producer, cons for a consumer */
	uint32_t peer; /* producer: last valid consumer index read */
	uint32_t checked; /* idx at the last notification check */
};

/* A geometry the ring accepts: nr_slots a power of two in range, and slots
 * a non-zero multiple of 8 bytes (so 8-byte fields in slots stay aligned). */
static inline bool vmi_ring_size_ok(uint32_t nr_slots, uint32_t slot_size)
{
	return nr_slots >= VMI_RING_MIN_SLOTS &&
	       nr_slots <= VMI_RING_MAX_SLOTS && !(nr_slots & (nr_slots - 1)) &&
	       slot_size > 0 && !(slot_size & 7);
}

/*
 * Zero a ring's header before either side attaches. Only the side that
 * creates the shared memory (the host) calls this.
 */
static inline void vmi_ring_init(void *mem)
{
	memset(mem, 0, sizeof(struct vmi_ring_hdr));
}

/*
 * Internal: take one side of the ring at @mem. Both indices are read once;
 * the side's own index becomes its private copy.
 */
static inline int __vmi_ring_attach(struct vmi_ring *r, void *mem,
				    uint32_t nr_slots, uint32_t slot_size,
				    bool producer)
{
	struct vmi_ring_hdr *hdr = (struct vmi_ring_hdr *)mem;
	uint32_t prod, cons;

	/* Each index alone on its cache line, as the ABI lays them out. */
	if (!vmi_ring_size_ok(nr_slots, slot_size) ||
	    ((uintptr_t)mem & (VMI_RING_CACHELINE - 1)))
		return -EINVAL;
	prod = vmi_le32_to_cpu(vmi_read_once(hdr->prod));
	cons = vmi_le32_to_cpu(vmi_read_once(hdr->cons));
	if ((uint32_t)(prod - cons) > nr_slots)
		return -EPROTO;
	r->hdr = hdr;
	r->slots = (unsigned char *)mem + sizeof(*hdr);
	r->mask = nr_slots - 1;
	r->slot_size = slot_size;
	r->idx = producer ? prod : cons;
	r->peer = producer ? cons : prod;
	r->checked = r->idx;
	return 0;
}

/*
 * Take the producer side (vmi_ring_attach_prod) or the consumer side
 * (vmi_ring_attach_cons) of the ring at @mem, whose header is followed by
 * @nr_slots slots of @slot_size bytes (VMI_RING_BYTES()). Returns 0,
 * -EINVAL if the geometry is not one vmi_ring_size_ok() accepts or @mem is
 * not 64-byte aligned, or -EPROTO if the header's indices are not a valid
 * pair (prod - cons > nr_slots).
 */
static inline int vmi_ring_attach_prod(struct vmi_ring *r, void *mem,
				       uint32_t nr_slots, uint32_t slot_size)
{
	return __vmi_ring_attach(r, mem, nr_slots, slot_size, true);
}

static inline int vmi_ring_attach_cons(struct vmi_ring *r, void *mem,
				       uint32_t nr_slots, uint32_t slot_size)
{
	return __vmi_ring_attach(r, mem, nr_slots, slot_size, false);
}

static inline uint32_t vmi_ring_nr_slots(const struct vmi_ring *r)
{
	return r->mask + 1;
}

/* ---- producer ---------------------------------------------------------- */

/*
 * Internal: read the consumer's index once and check it. Acquire pairs
 * with the release in vmi_ring_cons_release(): the consumer has finished
 * reading the slots it gave back before we overwrite them.
 */
static inline int __vmi_ring_prod_room(struct vmi_ring *r)
{
	uint32_t nr_slots = r->mask + 1;
	uint32_t cons = vmi_le32_to_cpu(vmi_load_acquire(&r->hdr->cons));

	if (vmi_unlikely((uint32_t)(r->idx - cons) > nr_slots))
		return -EPROTO;
	r->peer = cons;
	return (int)(nr_slots - (r->idx - cons));
}

/*
 * How many of the next @want slots the producer may fill: min(@want, free
 * slots), or -EPROTO if the consumer's index is impossible. The shared
 * consumer index is read only when the cached one does not already give
 * @want slots, so a producer that stays ahead never touches its line.
 */
static inline int vmi_ring_prod_reserve(struct vmi_ring *r, uint32_t want)
{
	uint32_t room = r->mask + 1 - (r->idx - r->peer);
	int ret;

	if (room < want) {
		ret = __vmi_ring_prod_room(r);
		if (vmi_unlikely(ret < 0))
			return ret;
		room = (uint32_t)ret;
	}
	return (int)(room < want ? room : want);
}

/* The slot of the @i-th entry after the last published one. */
static inline void *vmi_ring_prod_slot(struct vmi_ring *r, uint32_t i)
{
	return r->slots + (size_t)((r->idx + i) & r->mask) * r->slot_size;
}

/*
 * Make the next @n filled slots visible to the consumer, without deciding
 * whether to notify it. A producer that pushes must call
 * vmi_ring_prod_check_notify() before it stops producing or sleeps (on
 * anything, including vmi_ring_prod_arm()): until then a consumer that went
 * to sleep may not have been told about the entries pushed.
 */
static inline void vmi_ring_prod_push(struct vmi_ring *r, uint32_t n)
{
	if (!n)
		return;
	r->idx += n;
	/*
	 * Release pairs with the acquire in vmi_ring_cons_peek(): the slot
	 * contents are visible before the index that covers them.
	 */
	vmi_store_release(&r->hdr->prod, vmi_cpu_to_le32(r->idx));
}

/*
 * Whether the consumer asked to be woken for one of the entries published
 * since the last check; true means notify it.
 */
static inline bool vmi_ring_prod_check_notify(struct vmi_ring *r)
{
	uint32_t old = r->checked, event;

	if (old == r->idx)
		return false;
	r->checked = r->idx;
	/*
	 * Store prod, then load prod_event: pairs with vmi_mb() in
	 * vmi_ring_cons_arm(), which stores prod_event, then loads prod. One
	 * of the two sides is bound to see the other's store: no lost wake-up
	 * (tests/model/ring_notify.pml proves it; without this barrier a
	 * store buffer lets both miss).
	 */
	vmi_mb();
	event = vmi_le32_to_cpu(vmi_read_once(r->hdr->prod_event));
	return vmi_ring_need_event(event, r->idx, old);
}

/*
 * Make the next @n filled slots visible to the consumer. Returns true if
 * the consumer asked to be woken for one of them (or for an entry pushed
 * with vmi_ring_prod_push() since the last check).
 */
static inline bool vmi_ring_prod_publish(struct vmi_ring *r, uint32_t n)
{
	vmi_ring_prod_push(r, n);
	return vmi_ring_prod_check_notify(r);
}

/*
 * The producer has no room and wants to sleep: ask to be woken when the
 * consumer takes the next entry. Returns the free slots now (> 0: do not
 * sleep), 0 (sleep; a notification will come) or -EPROTO.
 */
static inline int vmi_ring_prod_arm(struct vmi_ring *r)
{
	/*
	 * The entry we wait for is the oldest one we know unconsumed: the
	 * consumer's release of it crosses cons_event. If the cached index
	 * is stale, the re-read below sees the newer one and we do not sleep.
	 */
	vmi_write_once(r->hdr->cons_event, vmi_cpu_to_le32(r->peer));
	/*
	 * Store cons_event, then load cons: pairs with the vmi_mb() in
	 * vmi_ring_cons_release(), which stores cons, then loads cons_event.
	 */
	vmi_mb();
	return __vmi_ring_prod_room(r);
}

/* ---- consumer ---------------------------------------------------------- */

/* A pointer to the @i-th waiting entry, for consumers that copy field by
 * field with vmi_read_once() (the kernel driver reads 16-byte answers). */
static inline const void *vmi_ring_cons_slot(const struct vmi_ring *r,
					     uint32_t i)
{
	return r->slots + (size_t)((r->idx + i) & r->mask) * r->slot_size;
}

/*
 * How many entries wait to be consumed, or -EPROTO if the producer's
 * index claims more than the ring holds or lies behind ours. Reads the
 * shared index once.
 */
static inline int vmi_ring_cons_peek(struct vmi_ring *r)
{
	uint32_t prod, avail;

	/*
	 * Acquire pairs with the release in vmi_ring_prod_push(): slots up
	 * to prod are filled before we read them.
	 */
	prod = vmi_le32_to_cpu(vmi_load_acquire(&r->hdr->prod));
	avail = prod - r->idx;
	if (vmi_unlikely(avail > r->mask + 1))
		return -EPROTO;
	return (int)avail;
}

/*
 * Copy the @i-th waiting entry out of shared memory, once, into @dst
 * (slot_size bytes); validate the copy, never the slot. @i must be below
 * what the last vmi_ring_cons_peek() returned; the mask keeps even a wrong
 * @i inside the ring.
 */
static inline void vmi_ring_cons_copy(const struct vmi_ring *r, uint32_t i,
				      void *dst)
{
	memcpy(dst, r->slots + (size_t)((r->idx + i) & r->mask) * r->slot_size,
	       r->slot_size);
}

/*
 * Copy @n waiting entries, from the @i-th on, out of shared memory once
 * into the array @dst (@n * slot_size bytes): at most two memcpy() calls,
 * one on each side of the ring's end, instead of one per entry. @i + @n
 * must not exceed what the last vmi_ring_cons_peek() returned nor the ring
 * size; the mask keeps even wrong values inside the ring.
 */
static inline void vmi_ring_cons_copy_n(const struct vmi_ring *r, uint32_t i,
					uint32_t n, void *dst)
{
	uint32_t first = (r->idx + i) & r->mask;
	uint32_t nr_slots = r->mask + 1;
	uint32_t head;

	if (vmi_unlikely(n > nr_slots))
		n = nr_slots;
	head = nr_slots - first < n ? nr_slots - first : n;
	memcpy(dst, r->slots + (size_t)first * r->slot_size,
	       (size_t)head * r->slot_size);
	memcpy((unsigned char *)dst + (size_t)head * r->slot_size, r->slots,
	       (size_t)(n - head) * r->slot_size);
}

/*
 * Give @n consumed slots back to the producer (@n at most what the last
 * vmi_ring_cons_peek() returned), without deciding whether to notify it.
 * A consumer that pops must call vmi_ring_cons_check_notify() before it
 * stops consuming or sleeps (on anything, including vmi_ring_cons_arm()).
 */
static inline void vmi_ring_cons_pop(struct vmi_ring *r, uint32_t n)
{
	if (!n)
		return;
	r->idx += n;
	/*
	 * Release pairs with the acquire in __vmi_ring_prod_room(): our reads
	 * of the slots are done before the producer may reuse them.
	 */
	vmi_store_release(&r->hdr->cons, vmi_cpu_to_le32(r->idx));
}

/*
 * Whether the producer asked to be woken for one of the slots given back
 * since the last check; true means notify it.
 */
static inline bool vmi_ring_cons_check_notify(struct vmi_ring *r)
{
	uint32_t old = r->checked, event;

	if (old == r->idx)
		return false;
	r->checked = r->idx;
	/* Store cons, then load cons_event: pairs with vmi_ring_prod_arm(). */
	vmi_mb();
	event = vmi_le32_to_cpu(vmi_read_once(r->hdr->cons_event));
	return vmi_ring_need_event(event, r->idx, old);
}

/*
 * Give @n consumed slots back to the producer (@n at most what the last
 * vmi_ring_cons_peek() returned). Returns true if the producer asked to be
 * woken when room appears (for these slots or for slots popped with
 * vmi_ring_cons_pop() since the last check).
 */
static inline bool vmi_ring_cons_release(struct vmi_ring *r, uint32_t n)
{
	vmi_ring_cons_pop(r, n);
	return vmi_ring_cons_check_notify(r);
}

/*
 * The consumer found nothing and wants to sleep: ask to be woken when the
 * producer publishes the next entry. Returns the entries waiting now (> 0:
 * do not sleep), 0 (sleep; a notification will come) or -EPROTO.
 */
static inline int vmi_ring_cons_arm(struct vmi_ring *r)
{
	vmi_write_once(r->hdr->prod_event, vmi_cpu_to_le32(r->idx));
	/*
	 * Store prod_event, then load prod: pairs with the vmi_mb() in
	 * vmi_ring_prod_check_notify(), which stores prod, then loads
	 * prod_event.
	 */
	vmi_mb();
	return vmi_ring_cons_peek(r);
}

#endif /* VMI_RING_ALGO_H */

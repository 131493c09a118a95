/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * The vmipv shared ring: the memory layout both peers agree on (docs/ABI.md
 * part (b)). The algorithms that move items through it live in
 * shared-ring/vmi_ring.h; this header only fixes what sits where.
 *
 * A ring carries items in one direction, from one producer to one consumer.
 * Each device queue has two: requests (guest to host) and responses (host
 * to guest). A ring is a 256-byte header of four indices, each alone on a
 * 64-byte cache line, followed by 2^n fixed-size slots.
 *
 * Indices are free-running 32-bit counters: entry i lives in slot
 * i & (nr_slots - 1), the ring holds prod - cons entries (mod 2^32), and
 * that difference is never more than nr_slots. A consumer that sees a larger
 * one has a hostile or broken peer and stops with -EPROTO.
 *
 * The ring carries no order between a request and its answer: each class
 * says whether responses follow the order of the requests (net TX) or come
 * in any order, matched by id (block, entropy, net RX).
 *
 * Notification suppression uses event indices, as virtio's VIRTIO_F_EVENT_IDX
 * and Xen's req_event do: a peer that wants to be woken writes the index it
 * waits for, and the other side notifies only when its update crosses it.
 */
#ifndef VMI_RING_H
#define VMI_RING_H

#include "types.h"

#define VMI_RING_CACHELINE 64
#define VMI_RING_MIN_SLOTS 2
#define VMI_RING_MAX_SLOTS 32768

/*
 * struct vmi_ring_hdr - the four indices, each on its own cache line.
 *
 * Why four lines and not two grouped by writer: the event indices are
 * written only when a peer goes to sleep. Kept apart from the indices that
 * move on every batch, they stay shared-clean in the other CPU's cache, so
 * the "must I notify?" check after each publish costs no cache miss.
 */
struct vmi_ring_hdr {
	vmi_le32 prod; /* next entry the producer will fill (producer writes) */
	uint8_t pad_prod[VMI_RING_CACHELINE - 4];
	vmi_le32 cons; /* next entry the consumer will take (consumer writes) */
	uint8_t pad_cons[VMI_RING_CACHELINE - 4];
	/* consumer writes: "notify me when you publish entry prod_event" */
	vmi_le32 prod_event;
	uint8_t pad_prod_event[VMI_RING_CACHELINE - 4];
	/* producer writes: "notify me when you consume entry cons_event" */
	vmi_le32 cons_event;
	uint8_t pad_cons_event[VMI_RING_CACHELINE - 4];
};
VMI_ABI_SIZE(struct vmi_ring_hdr, 256);
VMI_ABI_OFFSET(struct vmi_ring_hdr, prod, 0);
VMI_ABI_OFFSET(struct vmi_ring_hdr, cons, 64);
VMI_ABI_OFFSET(struct vmi_ring_hdr, prod_event, 128);
VMI_ABI_OFFSET(struct vmi_ring_hdr, cons_event, 192);

/* Bytes one ring takes: the header, then the slots. */
#define VMI_RING_BYTES(nr_slots, slot_size) \
	(sizeof(struct vmi_ring_hdr) + (size_t)(nr_slots) * (slot_size))

/*
 * The event-index rule, written once for both sides (virtio's
 * vring_need_event on 32 bits). A side that moved its index from old to
 * new must notify iff the peer's event index lies in [old, new):
 * the peer asked to be woken for one of the entries just moved.
 */
static inline int vmi_ring_need_event(uint32_t event, uint32_t new_idx,
				      uint32_t old_idx)
{
	return (uint32_t)(new_idx - event - 1) < (uint32_t)(new_idx - old_idx);
}

/*
 * struct vmi_seg - a buffer reference: a byte range of the queue's data
 * area. Requests never carry addresses, only these (offset, length) pairs,
 * which the host checks against the data area before it uses them.
 */
struct vmi_seg {
	vmi_le32 offset; /* from the start of the queue's data area */
	vmi_le32 len; /* bytes, > 0 */
};
VMI_ABI_SIZE(struct vmi_seg, 8);

#endif /* VMI_RING_H */

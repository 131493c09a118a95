/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the user-space block guest (blk_user.c, blk_dev.c): the
 * device and queue structures behind vmi_blk_user.h.
 */
#ifndef VMI_BLK_USER_PRIV_H
#define VMI_BLK_USER_PRIV_H

#include <pthread.h>

#include <vmi_guest.h>
#include <vmi_ring.h>

#include "vmi_blk_user.h"
#include "vmi_conn.h"

#define VMI_BLK_MAX_ALLOCS 64 /* live vmi_blk_alloc() blocks per queue */

struct vmi_blk_tag {
	uint64_t user_data;
	uint32_t gen; /* bumped per use: the id's upper half */
	uint32_t want_len; /* what an OK answer's len must be */
	bool busy;
	bool internal; /* vmi_blk_exec()'s own request */
};

/*
 * One queue, used by one thread at a time; only the allocator takes a
 * lock, so that buffers may be handed out from another thread.
 */
struct vmi_blk_queue {
	struct vmi_blk_dev *d;
	unsigned int index;
	struct vmi_ring req; /* we produce */
	struct vmi_ring rsp; /* we consume */
	uint8_t *data;
	uint32_t data_size;
	uint32_t nr_slots;
	uint32_t staged; /* in the ring, not yet published */
	uint32_t inflight; /* submitted, not yet reaped */
	struct vmi_blk_tag *tags;
	uint32_t *free_tags;
	uint32_t nr_free;
	/* answers taken while vmi_blk_exec() waited, and failed requests */
	struct vmi_blk_completion *stash;
	uint32_t nr_stash;
	bool internal_done;
	int internal_error;
	struct vmi_seg *indirect; /* VMI_MAX_SEGS per tag, in the data area */
	uint32_t heartbeat;
	uint64_t heartbeat_ns; /* when heartbeat last moved */
	uint64_t checked_ns; /* last check on the backend while polling */
	pthread_mutex_t alloc_lock;
	struct {
		uint64_t offset, len;
	} allocs[VMI_BLK_MAX_ALLOCS]; /* sorted by offset */
	unsigned int nr_allocs;
} __attribute__((aligned(64)));

struct vmi_blk_dev {
	unsigned int index; /* in the ROM's device table */
	struct vmi_conn_dev cd; /* the bound ROM and the connection */
	struct vmi_blk_info info;
	enum vmi_blk_wait_mode mode;
	uint64_t poll_ns;
	uint64_t dead_ns;
	bool dead; /* the backend is gone: every queue fails at once */
	unsigned int nr_queues;
	struct vmi_blk_queue *q;
};

#endif /* VMI_BLK_USER_PRIV_H */

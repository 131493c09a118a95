/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space block guest: a process binds its VMI ROM, finds a block
 * device in the ROM's device table, connects to its backend, and moves
 * requests through the device's rings with this small API. fio's vmiblk
 * engine (fio_vmiblk.c) is its main user.
 *
 * One struct vmi_blk_dev per connection, shared by the threads of a
 * process; one struct vmi_blk_queue per thread (a queue is single-threaded:
 * its rings have one producer and one consumer on each side). Buffers must
 * lie in the queue's data area: get them from vmi_blk_alloc(), so that the
 * backend's disk I/O lands in them with no copy.
 *
 *   vmi_blk_open() -> vmi_blk_queue() -> vmi_blk_alloc()
 *   vmi_blk_submit() ... vmi_blk_commit() -> vmi_blk_reap()
 *
 * All functions return 0 (or a count) or a negative errno.
 */
#ifndef VMI_BLK_USER_H
#define VMI_BLK_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <vmi/blk.h>

struct vmi_blk_dev;
struct vmi_blk_queue;

/* How a queue waits for completions (and the backend for requests). */
enum vmi_blk_wait_mode {
	VMI_BLK_WAIT_ADAPTIVE, /* poll for poll_ns, then arm and sleep */
	VMI_BLK_WAIT_POLL, /* never sleep */
	VMI_BLK_WAIT_INTERRUPT, /* sleep at once */
};

struct vmi_blk_open_opts {
	const char *rom; /* ROM image file */
	unsigned int device; /* index in the ROM's device table */
	unsigned int nr_queues; /* to be served; 0: all */
	enum vmi_blk_wait_mode mode;
	/*
	 * Adaptive: poll this long per request in flight before sleeping
	 * (one request: through a disk's latency; many: about one gap
	 * between completions). 0: the default, 200 us.
	 */
	uint64_t poll_ns;
	/*
	 * A backend whose heartbeat stands still this long while requests
	 * wait is taken for dead (0: the default, the ABI's
	 * VMI_HEARTBEAT_TIMEOUT_MS, 3 s). A backend that
	 * exits is noticed at once, by its socket's end.
	 */
	uint64_t dead_ns;
};

/* What the device allows, from its config and the negotiated features. */
struct vmi_blk_info {
	uint64_t capacity; /* bytes */
	uint32_t logical_block_size;
	uint32_t physical_block_size;
	uint32_t buf_align; /* buffer addresses and lengths */
	uint32_t max_transfer; /* bytes per read or write */
	uint16_t max_segs; /* iovecs per read or write */
	uint64_t max_discard_bytes;
	uint64_t max_write_zeroes_bytes;
	uint32_t discard_granularity;
	uint16_t max_discard_segs; /* ranges per DISCARD / WRITE_ZEROES */
	/* topology hints, bytes (0: none; all 0 without VMI_BLK_F_TOPOLOGY) */
	uint32_t alignment_offset, min_io_size, opt_io_size;
	uint32_t nr_slots; /* requests in flight per queue */
	uint32_t data_size; /* bytes of data area per queue */
	uint64_t features; /* negotiated: VMI_FEATURE(VMI_BLK_F_*) etc. */
	bool read_only;
};

/*
 * vmi_blk_open - bind the ROM, find block device o->device, connect.
 * Returns 0 with *out set, or a negative errno with err saying why
 * (-EPROTO for a config that is not a VMI block config of major version
 * VMI_BLK_VERSION_MAJOR, or whose limits make no sense).
 */
int vmi_blk_open(const struct vmi_blk_open_opts *o, struct vmi_blk_dev **out,
		 char *err, size_t errlen);
/* Disconnect and free d; requests still in flight are abandoned. */
void vmi_blk_close(struct vmi_blk_dev *d);

const struct vmi_blk_info *vmi_blk_info(const struct vmi_blk_dev *d);
unsigned int vmi_blk_nr_queues(const struct vmi_blk_dev *d);

/* Queue q, for the exclusive use of the calling thread. */
struct vmi_blk_queue *vmi_blk_queue(struct vmi_blk_dev *d, unsigned int q);

/*
 * Data-area memory of queue q: len bytes at a multiple of align (a power
 * of two; at least buf_align is used), or NULL when the area is full.
 */
void *vmi_blk_alloc(struct vmi_blk_queue *q, size_t len, size_t align);
void vmi_blk_free(struct vmi_blk_queue *q, void *p);

/*
 * One request. offset and len are in bytes. A DISCARD or WRITE_ZEROES
 * names one range (offset, len; nr_iov 0) or, with VMI_BLK_F_MULTI_RANGE,
 * up to max_discard_segs ranges: nr_iov (1..VMI_BLK_SEGS_INLINE) buffers
 * in the data area holding struct vmi_blk_range entries (offset, len 0).
 */
struct vmi_blk_cmd {
	uint8_t op; /* enum vmi_blk_op */
	/* VMI_BLK_REQ_F_FUA (write), _UNMAP (write-zeroes), _WCE (set-cache) */
	uint8_t flags;
	uint16_t nr_iov; /* read/write: 1..max_segs; range lists; get-id 1 */
	uint64_t offset; /* read, write, discard, write-zeroes */
	uint64_t len; /* discard, write-zeroes */
	const struct iovec *iov; /* in the data area */
	uint64_t user_data; /* returned in the completion */
};

struct vmi_blk_completion {
	uint64_t user_data;
	/*
	 * 0 or a negative errno (vmi_blk_status_errno); -EIO also for an OK
	 * answer whose len is not the request's byte count (20 for GET_ID):
	 * the ABI has no partial success.
	 */
	int error;
	uint32_t status; /* enum vmi_blk_status */
	uint32_t len; /* bytes transferred */
};

/*
 * vmi_blk_submit - place one request in the ring (not yet visible to the
 * backend: vmi_blk_commit() publishes a batch).
 * Returns 0; -EBUSY when nr_slots requests are in flight (reap first);
 * -EINVAL for a request the device would refuse (a buffer outside the
 * data area, a length or alignment it does not allow); -ERANGE for bytes
 * outside the capacity; -EROFS for a write to a read-only device;
 * -EOPNOTSUPP for an operation not negotiated; -ENOTCONN once the backend
 * is gone.
 */
int vmi_blk_submit(struct vmi_blk_queue *q, const struct vmi_blk_cmd *cmd);

/* Publish what was submitted and wake the backend if it asked. */
int vmi_blk_commit(struct vmi_blk_queue *q);

/*
 * vmi_blk_reap - collect up to max completions, waiting (by the queue's
 * mode) for at least min of them or until timeout_ns passes (-1: no
 * limit). Returns the number collected. If the backend is gone, every
 * request in flight completes with -ENOTCONN instead of hanging.
 */
int vmi_blk_reap(struct vmi_blk_queue *q, struct vmi_blk_completion *c,
		 unsigned int max, unsigned int min, int64_t timeout_ns);

/* Requests submitted and not yet reaped. */
unsigned int vmi_blk_inflight(const struct vmi_blk_queue *q);

/*
 * vmi_blk_exec - one request, waited for: it is published with whatever
 * was submitted before it, and the answers to those that arrive meanwhile
 * are kept for vmi_blk_reap(). Returns 0 or its negative errno. For what
 * must be done before the next request is sent (fio's trims).
 */
int vmi_blk_exec(struct vmi_blk_queue *q, const struct vmi_blk_cmd *cmd);

/* A FLUSH on q, waited for (vmi_blk_exec): 0 or a negative errno. */
int vmi_blk_flush(struct vmi_blk_queue *q);

/*
 * vmi_blk_set_cache - switch the device's volatile write cache on
 * (writeback) or off (every write stable before its answer; what was
 * written before is flushed first), through SET_CACHE on q, waited for.
 * The mode is the device's, for every queue. Returns 0, -EOPNOTSUPP
 * without VMI_BLK_F_CONFIG_WCE, or the request's errno; -EPROTO when the
 * host answered OK but its config does not show the new mode.
 */
int vmi_blk_set_cache(struct vmi_blk_queue *q, bool writeback);

/*
 * The device's cache mode as its config says: 1 write-back, 0
 * write-through; -EOPNOTSUPP without VMI_BLK_F_CONFIG_WCE, -EPROTO for a
 * value that is neither.
 */
int vmi_blk_cache_mode(const struct vmi_blk_dev *d);

/* The device's answer as an errno: 0, -EIO, -EOPNOTSUPP, ... */
int vmi_blk_status_errno(uint32_t status);

#endif /* VMI_BLK_USER_H */

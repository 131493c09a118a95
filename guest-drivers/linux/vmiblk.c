// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmiblk.ko: the vmipv block driver of a Linux guest, /dev/vmiblkN.
 *
 * It binds the block devices that vmi_core puts on the vmi bus and speaks
 * docs/ABI.md parts (b) and (c) over their shared memory: one blk-mq
 * hardware queue per device queue, each with its request ring (we
 * produce), response ring (we consume) and data area. Each tag owns a
 * fixed slice of its queue's data area, so a request needs no allocation:
 * write data is gathered from the bio pages into the slice before the
 * request is published, read data is scattered back from it on
 * completion, and the request names the slice as one segment.
 *
 * Notifications: requests are published once per blk-mq batch and the
 * doorbell (the ROM's QueueNotify) rung only when the ring's event index
 * asks for it; completions arrive on the queue's MSI-X vector, whose
 * handler drains the response ring, re-arms the event index and drains
 * again until the re-arm finds nothing (disable / drain / re-enable).
 *
 * Beside the block layer's requests the driver sends two of its own
 * (REQ_OP_DRV_IN/OUT, as virtio_blk does): GET_ID once at probe, for the
 * disk's "serial" attribute, and SET_CACHE when "cache_type" is written.
 *
 * The backend is trusted for nothing: the config is copied out once and
 * checked (its magic and major version first), every response is copied
 * out, its id must name a tag we have in flight, an OK answer must have
 * moved exactly what was asked (ABI: no partial success), and any ring
 * error, a dead backend
 * (its heartbeat stopped, or NEEDS_RESET) or a timed-out request without a
 * heartbeat to tell makes the device dead: every request in flight and
 * every later one fails with an I/O error, and no slice is reused.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <vmi/blk.h>
#include <vmi_ring.h>

#include "vmi_core.h"

#define VMIBLK_MINORS 16 /* partitions per disk */
#define VMIBLK_MAX_DEPTH 128 /* tags per queue */
#define VMIBLK_TIMEOUT (10 * HZ) /* then ask the heartbeat */

/* What this driver supports; the device offers, both must have it. */
#define VMIBLK_FEATURES                                                        \
	(VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_HEARTBEAT) |         \
	 VMI_FEATURE(VMI_BLK_F_RO) | VMI_FEATURE(VMI_BLK_F_FLUSH) |            \
	 VMI_FEATURE(VMI_BLK_F_FUA) | VMI_FEATURE(VMI_BLK_F_DISCARD) |         \
	 VMI_FEATURE(VMI_BLK_F_WRITE_ZEROES) | VMI_FEATURE(VMI_BLK_F_GET_ID) | \
	 VMI_FEATURE(VMI_BLK_F_TOPOLOGY) |                                     \
	 VMI_FEATURE(VMI_BLK_F_MULTI_RANGE) |                                  \
	 VMI_FEATURE(VMI_BLK_F_CONFIG_WCE))

static int vmiblk_major;

struct vmiblk;

struct vmiblk_queue {
	spinlock_t lock; /* both rings, pending, vmiblk_req.inflight */
	struct vmi_ring req; /* we produce */
	struct vmi_ring rsp; /* we consume */
	u32 pending; /* filled request slots not yet published */
	u8 *data; /* the data area: tag t owns [t * slice, +slice) */
	struct vmiblk *vb;
	unsigned int index;
	char irq_name[24];
} ____cacheline_aligned_in_smp;

struct vmiblk {
	struct vmi_device *vdev;
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	u64 features; /* negotiated */
	u64 capacity; /* sectors */
	u32 depth; /* tags per queue */
	u32 slice; /* data-area bytes per tag */
	u32 lbs; /* logical block size */
	u16 max_ranges; /* DISCARD ranges per request: 1 without MULTI_RANGE */
	bool dead; /* stop using the backend; set under a queue lock */
	struct mutex cache_lock; /* one SET_CACHE at a time; writeback */
	bool writeback; /* the device's cache mode, as SET_CACHE left it */
	char serial[VMI_BLK_ID_BYTES + 1]; /* GET_ID's answer, "" if none */
	unsigned long failed; /* bit 0: the dead device's I/O was failed */
	struct delayed_work watchdog;
	struct vmi_dev_watch watch; /* the backend's status and heartbeat */
	unsigned int nr_queues;
	struct vmiblk_queue *q;
};

/* Per request (blk-mq pdu). */
struct vmiblk_req {
	bool inflight; /* published or about to be; owned by the backend */
	blk_status_t status;
	u32 len; /* bytes the backend says it moved */
	u8 drv_op; /* REQ_OP_DRV_*: VMI_BLK_OP_GET_ID or _SET_CACHE */
	u8 drv_flags; /* and its request flags */
};

static bool vmiblk_has(const struct vmiblk *vb, unsigned int bit)
{
	return vb->features & VMI_FEATURE(bit);
}

static blk_status_t vmiblk_status(u32 status)
{
	switch (status) {
	case VMI_BLK_S_OK:
		return BLK_STS_OK;
	case VMI_BLK_S_UNSUPP:
		return BLK_STS_NOTSUPP;
	case VMI_BLK_S_NOSPC:
		return BLK_STS_NOSPC;
	case VMI_BLK_S_TIMEOUT:
		return BLK_STS_TIMEOUT;
	default: /* IOERR, INVAL, RANGE, ROFS and anything unknown */
		return BLK_STS_IOERR;
	}
}

/* ---- the device is gone ----------------------------------------------- */

static bool vmiblk_fail_one(struct request *rq, void *data)
{
	struct vmiblk_queue *vq = rq->mq_hctx->driver_data;
	struct vmiblk_req *vr = blk_mq_rq_to_pdu(rq);
	unsigned long flags;
	bool mine;

	spin_lock_irqsave(&vq->lock, flags);
	mine = vr->inflight;
	vr->inflight = false;
	spin_unlock_irqrestore(&vq->lock, flags);
	if (mine) {
		vr->status = BLK_STS_IOERR;
		blk_mq_complete_request(rq);
	}
	return true;
}

/*
 * Stop submissions and interrupt drains for good; returns whether the
 * device was already dead. Under each lock, so that none misses it.
 */
static bool vmiblk_stop_rings(struct vmiblk *vb)
{
	bool was = READ_ONCE(vb->dead);
	unsigned long flags;
	unsigned int q;

	for (q = 0; q < vb->nr_queues; q++) {
		spin_lock_irqsave(&vb->q[q].lock, flags);
		WRITE_ONCE(vb->dead, true);
		spin_unlock_irqrestore(&vb->q[q].lock, flags);
	}
	return was;
}

/*
 * Stop trusting the backend: no ring is read again, every request it holds
 * fails now and every new one at once. Process context; the first caller
 * logs why.
 */
static void vmiblk_set_dead(struct vmiblk *vb, const char *why, u64 value)
{
	vmiblk_stop_rings(vb);
	if (test_and_set_bit(0, &vb->failed))
		return;
	dev_err(&vb->vdev->dev,
		"%s %#llx: the device is dead, failing its I/O\n", why, value);
	blk_mq_tagset_busy_iter(&vb->tag_set, vmiblk_fail_one, vb);
}

/*
 * A ring broke the protocol (queue lock held, maybe in hard irq): stop
 * here, and let the watchdog log and fail what is in flight.
 */
static void vmiblk_ring_broken(struct vmiblk_queue *vq)
{
	WRITE_ONCE(vq->vb->dead, true);
	mod_delayed_work(system_wq, &vq->vb->watchdog, 0);
}

static void vmiblk_watchdog(struct work_struct *work)
{
	struct vmiblk *vb =
		container_of(to_delayed_work(work), struct vmiblk, watchdog);
	enum vmi_dev_health h = vmi_dev_watch(vb->vdev, &vb->watch);

	if (READ_ONCE(vb->dead)) {
		vmiblk_set_dead(vb, "ring protocol error, device_status",
				vb->watch.status);
		return;
	}
	if (h == VMI_DEV_GONE) {
		vmiblk_set_dead(vb, "backend device_status", vb->watch.status);
		return;
	}
	/* A block device cannot wait: its requests time out meanwhile. */
	if (h == VMI_DEV_STALLED) {
		vmiblk_set_dead(vb, "backend heartbeat stopped at",
				vb->watch.last);
		return;
	}
	schedule_delayed_work(&vb->watchdog,
			      msecs_to_jiffies(VMI_DEV_WATCH_MS));
}

/* ---- submission ------------------------------------------------------- */

/* Make the filled slots visible; true if the backend must be kicked. */
static bool vmiblk_publish(struct vmiblk_queue *vq)
{
	u32 n = vq->pending;

	vq->pending = 0;
	return n && vmi_ring_prod_publish(&vq->req, n);
}

/*
 * A DISCARD: one range in the request, or (merged discards, possible only
 * with MULTI_RANGE) one per bio, listed in the tag's slice, as
 * virtio_blk_setup_discard_write_zeroes_erase() does.
 */
static blk_status_t vmiblk_build_ranges(struct vmiblk_queue *vq,
					struct request *rq,
					struct vmi_blk_req *wr, u32 off)
{
	struct vmi_blk_range *range = (struct vmi_blk_range *)(vq->data + off);
	unsigned int n = 0;
	struct bio *bio;

	__rq_for_each_bio(bio, rq)
	{
		if (n == vq->vb->max_ranges)
			return BLK_STS_IOERR; /* the limits we set forbid it */
		range[n].sector = vmi_cpu_to_le64(bio->bi_iter.bi_sector);
		range[n].nr_sectors =
			vmi_cpu_to_le32(bio->bi_iter.bi_size >> SECTOR_SHIFT);
		range[n].flags = 0;
		n++;
	}
	if (n == 1) {
		wr->nr_sectors = vmi_cpu_to_le32(blk_rq_sectors(rq));
		return BLK_STS_OK;
	}
	wr->sector = 0;
	wr->nr_segs = vmi_cpu_to_le16(1);
	wr->seg[0].offset = vmi_cpu_to_le32(off);
	wr->seg[0].len = vmi_cpu_to_le32(n * sizeof(*range));
	return BLK_STS_OK;
}

/* Fill the wire request for rq; write data goes into the tag's slice. */
static blk_status_t vmiblk_build(struct vmiblk_queue *vq, struct request *rq,
				 struct vmi_blk_req *wr)
{
	struct vmiblk *vb = vq->vb;
	u32 off = rq->tag * vb->slice;

	memset(wr, 0, sizeof(*wr));
	wr->id = vmi_cpu_to_le64(rq->tag);
	wr->sector = vmi_cpu_to_le64(blk_rq_pos(rq));
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		wr->op = op_is_write(req_op(rq)) ? VMI_BLK_OP_WRITE :
						   VMI_BLK_OP_READ;
		if ((rq->cmd_flags & REQ_FUA) && vmiblk_has(vb, VMI_BLK_F_FUA))
			wr->flags = VMI_BLK_REQ_F_FUA;
		wr->nr_segs = vmi_cpu_to_le16(1);
		wr->seg[0].offset = vmi_cpu_to_le32(off);
		wr->seg[0].len = vmi_cpu_to_le32(blk_rq_bytes(rq));
		if (wr->op == VMI_BLK_OP_WRITE) {
			struct req_iterator iter;
			struct bio_vec bv;
			u8 *dst = vq->data + off;

			rq_for_each_segment(bv, rq, iter)
			{
				memcpy_from_bvec(dst, &bv);
				dst += bv.bv_len;
			}
		}
		return BLK_STS_OK;
	case REQ_OP_FLUSH:
		wr->op = VMI_BLK_OP_FLUSH;
		return BLK_STS_OK;
	case REQ_OP_DISCARD:
		wr->op = VMI_BLK_OP_DISCARD;
		return vmiblk_build_ranges(vq, rq, wr, off);
	case REQ_OP_WRITE_ZEROES:
		/* Never merged (rq_mergeable()): always one range. */
		wr->op = VMI_BLK_OP_WRITE_ZEROES;
		if (!(rq->cmd_flags & REQ_NOUNMAP))
			wr->flags = VMI_BLK_REQ_F_UNMAP;
		wr->nr_sectors = vmi_cpu_to_le32(blk_rq_sectors(rq));
		return BLK_STS_OK;
	case REQ_OP_DRV_IN:
	case REQ_OP_DRV_OUT: {
		struct vmiblk_req *vr = blk_mq_rq_to_pdu(rq);

		wr->op = vr->drv_op;
		wr->flags = vr->drv_flags;
		wr->sector = 0;
		if (wr->op == VMI_BLK_OP_GET_ID) {
			/* One logical block: a multiple of buf_align. */
			wr->nr_segs = vmi_cpu_to_le16(1);
			wr->seg[0].offset = vmi_cpu_to_le32(off);
			wr->seg[0].len = vmi_cpu_to_le32(vb->lbs);
		}
		return BLK_STS_OK;
	}
	default:
		return BLK_STS_NOTSUPP;
	}
}

static blk_status_t vmiblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				    const struct blk_mq_queue_data *bd)
{
	struct vmiblk_queue *vq = hctx->driver_data;
	struct request *rq = bd->rq;
	struct vmiblk_req *vr = blk_mq_rq_to_pdu(rq);
	struct vmi_blk_req wr;
	unsigned long flags;
	blk_status_t st;
	bool kick = false;
	int room;

	if (READ_ONCE(vq->vb->dead))
		return BLK_STS_IOERR;
	st = vmiblk_build(vq, rq, &wr);
	if (st)
		return st;
	blk_mq_start_request(rq);

	spin_lock_irqsave(&vq->lock, flags);
	if (vq->vb->dead) {
		spin_unlock_irqrestore(&vq->lock, flags);
		return BLK_STS_IOERR;
	}
	/*
	 * Room is certain: a slot is taken only by a request in flight, and
	 * there are no more tags than slots. Less means a broken backend.
	 */
	room = vmi_ring_prod_reserve(&vq->req, vq->pending + 1);
	if (room < (int)vq->pending + 1) {
		vmiblk_ring_broken(vq);
		spin_unlock_irqrestore(&vq->lock, flags);
		return BLK_STS_IOERR;
	}
	memcpy(vmi_ring_prod_slot(&vq->req, vq->pending), &wr, sizeof(wr));
	vq->pending++;
	vr->inflight = true;
	if (bd->last)
		kick = vmiblk_publish(vq);
	spin_unlock_irqrestore(&vq->lock, flags);
	if (kick)
		vmi_dev_notify(vq->vb->vdev, vq->index);
	return BLK_STS_OK;
}

/* blk-mq ends a batch without a "last" request: publish what is filled. */
static void vmiblk_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct vmiblk_queue *vq = hctx->driver_data;
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&vq->lock, flags);
	kick = vmiblk_publish(vq);
	spin_unlock_irqrestore(&vq->lock, flags);
	if (kick)
		vmi_dev_notify(vq->vb->vdev, vq->index);
}

/* ---- completion ------------------------------------------------------- */

/*
 * One response, copied out of the ring: it must name a tag we have in
 * flight. Returns false for a response no honest backend sends.
 */
static bool vmiblk_answer(struct vmiblk_queue *vq,
			  const struct vmi_blk_rsp *rsp)
{
	u64 id = vmi_le64_to_cpu(rsp->id);
	struct vmiblk *vb = vq->vb;
	struct vmiblk_req *vr;
	struct request *rq;

	if (id >= vb->depth)
		return false;
	rq = blk_mq_tag_to_rq(vb->tag_set.tags[vq->index], (unsigned int)id);
	if (!rq)
		return false;
	vr = blk_mq_rq_to_pdu(rq);
	if (!vr->inflight)
		return false;
	vr->inflight = false;
	vr->status = vmiblk_status(vmi_le32_to_cpu(rsp->status));
	vr->len = vmi_le32_to_cpu(rsp->len);
	blk_mq_complete_request(rq);
	return true;
}

static irqreturn_t vmiblk_irq(int irq, void *data)
{
	struct vmiblk_queue *vq = data;
	bool kick = false, broken = false;
	unsigned long flags;
	int n, i;

	spin_lock_irqsave(&vq->lock, flags);
	if (vq->vb->dead) {
		spin_unlock_irqrestore(&vq->lock, flags);
		return IRQ_HANDLED;
	}
	do {
		while ((n = vmi_ring_cons_peek(&vq->rsp)) > 0) {
			for (i = 0; i < n && !broken; i++) {
				struct vmi_blk_rsp rsp;

				vmi_ring_cons_copy(&vq->rsp, i, &rsp);
				broken = !vmiblk_answer(vq, &rsp);
			}
			if (broken)
				break;
			kick |= vmi_ring_cons_release(&vq->rsp, n);
		}
		if (n < 0 || broken)
			break;
		/* Ask for the next interrupt; drain again if work came in. */
	} while ((n = vmi_ring_cons_arm(&vq->rsp)) > 0);
	if (n < 0 || broken)
		vmiblk_ring_broken(vq);
	spin_unlock_irqrestore(&vq->lock, flags);
	/* The backend waited for room in the response ring. */
	if (kick)
		vmi_dev_notify(vq->vb->vdev, vq->index);
	return IRQ_HANDLED;
}

/* What an OK answer's len must be: the ABI has no partial success. */
static u32 vmiblk_want_len(struct request *rq)
{
	struct vmiblk_req *vr = blk_mq_rq_to_pdu(rq);

	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		return blk_rq_bytes(rq);
	case REQ_OP_DRV_IN:
	case REQ_OP_DRV_OUT:
		return vr->drv_op == VMI_BLK_OP_GET_ID ? VMI_BLK_ID_BYTES : 0;
	default:
		return 0;
	}
}

static void vmiblk_complete(struct request *rq)
{
	struct vmiblk_queue *vq = rq->mq_hctx->driver_data;
	struct vmiblk_req *vr = blk_mq_rq_to_pdu(rq);
	blk_status_t st = vr->status;

	if (!st && vr->len != vmiblk_want_len(rq)) {
		dev_err_ratelimited(
			&vq->vb->vdev->dev,
			"tag %d: op %d answered OK with %u bytes, not %u\n",
			rq->tag, req_op(rq), vr->len, vmiblk_want_len(rq));
		st = BLK_STS_IOERR;
	}
	if (!st && req_op(rq) == REQ_OP_READ) {
		const u8 *src = vq->data + rq->tag * vq->vb->slice;
		struct req_iterator iter;
		struct bio_vec bv;

		rq_for_each_segment(bv, rq, iter)
		{
			memcpy_to_bvec(&bv, src);
			src += bv.bv_len;
		}
	}
	blk_mq_end_request(rq, st);
}

static enum blk_eh_timer_return vmiblk_timeout(struct request *rq)
{
	struct vmiblk_queue *vq = rq->mq_hctx->driver_data;
	struct vmiblk *vb = vq->vb;

	/* With a heartbeat, the watchdog tells slow from gone. */
	if (!READ_ONCE(vb->dead) && vmiblk_has(vb, VMI_F_HEARTBEAT))
		return BLK_EH_RESET_TIMER;
	/* Without one, a late answer could land in a reused slice. */
	vmiblk_set_dead(vb, "request timed out, tag", rq->tag);
	/* Failed with the others, or being completed: either way done. */
	vmiblk_fail_one(rq, NULL);
	return BLK_EH_DONE;
}

static int vmiblk_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			    unsigned int index)
{
	struct vmiblk *vb = data;

	hctx->driver_data = &vb->q[index];
	return 0;
}

/* Each hardware queue serves the CPUs its MSI-X vector is spread to. */
static void vmiblk_map_queues(struct blk_mq_tag_set *set)
{
	struct blk_mq_queue_map *map = &set->map[HCTX_TYPE_DEFAULT];
	struct vmiblk *vb = set->driver_data;
	unsigned int q, cpu;

	for (q = 0; q < map->nr_queues; q++) {
		const struct cpumask *mask = vmi_dev_irq_affinity(vb->vdev, q);

		if (!mask) {
			blk_mq_map_queues(map);
			return;
		}
		for_each_cpu(cpu, mask)
			map->mq_map[cpu] = map->queue_offset + q;
	}
}

static const struct blk_mq_ops vmiblk_mq_ops = {
	.queue_rq = vmiblk_queue_rq,
	.commit_rqs = vmiblk_commit_rqs,
	.complete = vmiblk_complete,
	.timeout = vmiblk_timeout,
	.init_hctx = vmiblk_init_hctx,
	.map_queues = vmiblk_map_queues,
};

static const struct block_device_operations vmiblk_fops = {
	.owner = THIS_MODULE,
};

/* ---- the driver's own requests and the disk's attributes --------------- */

/*
 * One GET_ID or SET_CACHE through the block layer, waited for (process
 * context): ordered with I/O as any request is. Returns 0 or -EIO etc.;
 * for GET_ID, copies the answer into vb->serial.
 */
static int vmiblk_drv_request(struct vmiblk *vb, u8 op, u8 flags)
{
	bool in = op == VMI_BLK_OP_GET_ID;
	struct request_queue *q = vb->disk->queue;
	struct vmiblk_req *vr;
	struct request *rq;
	blk_status_t st;

	rq = blk_mq_alloc_request(q, in ? REQ_OP_DRV_IN : REQ_OP_DRV_OUT, 0);
	if (IS_ERR(rq))
		return PTR_ERR(rq);
	vr = blk_mq_rq_to_pdu(rq);
	vr->drv_op = op;
	vr->drv_flags = flags;
	st = blk_execute_rq(rq, false);
	/* The tag is still ours: its slice holds the answer. */
	if (!st && in) {
		struct vmiblk_queue *vq = rq->mq_hctx->driver_data;

		memcpy(vb->serial, vq->data + rq->tag * vb->slice,
		       VMI_BLK_ID_BYTES);
		vb->serial[VMI_BLK_ID_BYTES] = '\0';
	}
	blk_mq_free_request(rq);
	return blk_status_to_errno(st);
}

static struct vmiblk *vmiblk_from_dev(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

/* The device's serial, as virtio_blk's "serial" attribute. */
static ssize_t serial_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", vmiblk_from_dev(dev)->serial);
}
static DEVICE_ATTR_RO(serial);

static const char *const vmiblk_cache_types[] = { "write through",
						  "write back" };

/*
 * "cache_type", as sd and virtio_blk have it: the device's volatile write
 * cache, switched by SET_CACHE (with CONFIG_WCE) before the block layer is
 * told, so that the two never disagree in the unsafe direction.
 */
static ssize_t cache_type_store(struct device *dev,
				struct device_attribute *attr, const char *buf,
				size_t count)
{
	struct vmiblk *vb = vmiblk_from_dev(dev);
	int i, ret;

	i = sysfs_match_string(vmiblk_cache_types, buf);
	if (i < 0)
		return i;
	mutex_lock(&vb->cache_lock);
	ret = vmiblk_drv_request(vb, VMI_BLK_OP_SET_CACHE,
				 i ? VMI_BLK_REQ_F_WCE : 0);
	if (!ret) {
		vb->writeback = i;
		blk_queue_write_cache(vb->disk->queue, i,
				      vmiblk_has(vb, VMI_BLK_F_FUA));
	}
	mutex_unlock(&vb->cache_lock);
	if (ret)
		dev_err(&vb->vdev->dev, "cache_type %s: SET_CACHE failed: %d\n",
			vmiblk_cache_types[i], ret);
	return ret ? ret : count;
}

static ssize_t cache_type_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct vmiblk *vb = vmiblk_from_dev(dev);
	bool wb;

	mutex_lock(&vb->cache_lock);
	wb = vb->writeback;
	mutex_unlock(&vb->cache_lock);
	return sysfs_emit(buf, "%s\n", vmiblk_cache_types[wb]);
}
static DEVICE_ATTR_RW(cache_type);

static struct attribute *vmiblk_attrs[] = {
	&dev_attr_serial.attr,
	&dev_attr_cache_type.attr,
	NULL,
};

/* serial with an answered GET_ID; cache_type writable with CONFIG_WCE. */
static umode_t vmiblk_attr_visible(struct kobject *kobj, struct attribute *a,
				   int n)
{
	struct vmiblk *vb = vmiblk_from_dev(kobj_to_dev(kobj));

	if (a == &dev_attr_serial.attr)
		return vb->serial[0] ? a->mode : 0;
	if (a == &dev_attr_cache_type.attr &&
	    !(vmiblk_has(vb, VMI_BLK_F_CONFIG_WCE) &&
	      vmiblk_has(vb, VMI_BLK_F_FLUSH)))
		return 0444;
	return a->mode;
}

static const struct attribute_group vmiblk_attr_group = {
	.attrs = vmiblk_attrs,
	.is_visible = vmiblk_attr_visible,
};

static const struct attribute_group *vmiblk_attr_groups[] = {
	&vmiblk_attr_group,
	NULL,
};

/* ---- probe and remove ------------------------------------------------- */

/*
 * Copy the class config out of shared memory once and check what the
 * driver relies on; fills the queue limits and the slice size.
 */
static int vmiblk_config(struct vmiblk *vb, struct vmi_blk_config *cfg)
{
	struct vmi_device *vdev = vb->vdev;
	u32 lbs, pbs, align, max_transfer, slots = vdev->layout.p.ring_slots;
	u32 data_size = vdev->layout.p.data_size, gen;

	if (vmi_dev_config_read(vdev, cfg, sizeof(*cfg), &gen))
		return -EAGAIN;
	if (vmi_le32_to_cpu(cfg->magic) != VMI_BLK_CONFIG_MAGIC ||
	    vmi_le16_to_cpu(cfg->version_major) != VMI_BLK_VERSION_MAJOR) {
		dev_err(&vdev->dev,
			"config magic %#x version %u.%u: not a VMI block config of version %u.x (magic %#x)\n",
			vmi_le32_to_cpu(cfg->magic),
			vmi_le16_to_cpu(cfg->version_major),
			vmi_le16_to_cpu(cfg->version_minor),
			VMI_BLK_VERSION_MAJOR, VMI_BLK_CONFIG_MAGIC);
		return -EPROTO;
	}
	vb->capacity = vmi_le64_to_cpu(cfg->capacity);
	lbs = vmi_le32_to_cpu(cfg->logical_block_size);
	pbs = vmi_le32_to_cpu(cfg->physical_block_size);
	align = vmi_le32_to_cpu(cfg->buf_align);
	max_transfer = vmi_le32_to_cpu(cfg->max_transfer);
	if (lbs != 512 && lbs != 4096) {
		dev_err(&vdev->dev, "logical_block_size %u\n", lbs);
		return -EINVAL;
	}
	if (pbs < lbs || !is_power_of_2(pbs)) {
		dev_err(&vdev->dev, "physical_block_size %u\n", pbs);
		return -EINVAL;
	}
	/* Slices are 4 KiB aligned and transfers a multiple of lbs. */
	if (!align || !is_power_of_2(align) || align > lbs) {
		dev_err(&vdev->dev, "buf_align %u with block size %u\n", align,
			lbs);
		return -EINVAL;
	}
	if (max_transfer < PAGE_SIZE) {
		dev_err(&vdev->dev, "max_transfer %u\n", max_transfer);
		return -EINVAL;
	}
	if (vmiblk_has(vb, VMI_BLK_F_TOPOLOGY)) {
		u32 ao = vmi_le32_to_cpu(cfg->alignment_offset);
		u32 io_min = vmi_le32_to_cpu(cfg->min_io_size);
		u32 io_opt = vmi_le32_to_cpu(cfg->opt_io_size);

		if (ao % lbs || io_min % lbs || io_opt % lbs ||
		    (ao && ao >= pbs)) {
			dev_err(&vdev->dev,
				"topology: alignment_offset %u, min_io_size %u, opt_io_size %u with blocks of %u/%u bytes\n",
				ao, io_min, io_opt, lbs, pbs);
			return -EINVAL;
		}
	}
	vb->max_ranges = 1;
	if (vmiblk_has(vb, VMI_BLK_F_MULTI_RANGE)) {
		vb->max_ranges = vmi_le16_to_cpu(cfg->max_discard_segs);
		if (!vb->max_ranges) {
			dev_err(&vdev->dev,
				"max_discard_segs 0 with MULTI_RANGE\n");
			return -EINVAL;
		}
	}
	vb->lbs = lbs;
	/* With FLUSH the device starts in write-back, unless it says. */
	vb->writeback =
		vmiblk_has(vb, VMI_BLK_F_FLUSH) &&
		(!vmiblk_has(vb, VMI_BLK_F_CONFIG_WCE) || cfg->writeback);
	vb->depth = min_t(u32, slots, VMIBLK_MAX_DEPTH);
	vb->slice = min_t(u32, max_transfer, data_size / vb->depth);
	vb->slice = round_down(vb->slice, PAGE_SIZE);
	if (!vb->slice) {
		vb->depth = data_size / PAGE_SIZE;
		vb->slice = PAGE_SIZE;
	}
	/* A range list fits the tag's slice and one segment. */
	vb->max_ranges = min_t(u32, vb->max_ranges,
			       vb->slice / sizeof(struct vmi_blk_range));
	return 0;
}

static void vmiblk_limits(struct vmiblk *vb, const struct vmi_blk_config *cfg)
{
	struct request_queue *q = vb->disk->queue;
	u32 lbs = vmi_le32_to_cpu(cfg->logical_block_size);

	blk_queue_logical_block_size(q, lbs);
	blk_queue_physical_block_size(
		q, vmi_le32_to_cpu(cfg->physical_block_size));
	blk_queue_max_hw_sectors(q, vb->slice >> SECTOR_SHIFT);
	blk_queue_max_segment_size(q, vb->slice);
	blk_queue_max_segments(q, USHRT_MAX);
	blk_queue_rq_timeout(q, VMIBLK_TIMEOUT);
	blk_queue_write_cache(q, vb->writeback, vmiblk_has(vb, VMI_BLK_F_FUA));
	if (vmiblk_has(vb, VMI_BLK_F_TOPOLOGY)) {
		blk_queue_alignment_offset(
			q, vmi_le32_to_cpu(cfg->alignment_offset));
		blk_queue_io_min(q, vmi_le32_to_cpu(cfg->min_io_size));
		blk_queue_io_opt(q, vmi_le32_to_cpu(cfg->opt_io_size));
	}
	if (vmiblk_has(vb, VMI_BLK_F_DISCARD)) {
		blk_queue_max_discard_sectors(
			q, vmi_le32_to_cpu(cfg->max_discard_sectors));
		blk_queue_max_discard_segments(q, vb->max_ranges);
		q->limits.discard_granularity =
			max(vmi_le32_to_cpu(cfg->discard_granularity), lbs);
	}
	if (vmiblk_has(vb, VMI_BLK_F_WRITE_ZEROES))
		blk_queue_max_write_zeroes_sectors(
			q, vmi_le32_to_cpu(cfg->max_write_zeroes_sectors));
	set_disk_ro(vb->disk, vmiblk_has(vb, VMI_BLK_F_RO));
	set_capacity(vb->disk, vb->capacity);
}

static int vmiblk_setup_queues(struct vmiblk *vb)
{
	struct vmi_device *vdev = vb->vdev;
	unsigned int q;
	int ret;

	vb->q = kcalloc(vb->nr_queues, sizeof(*vb->q), GFP_KERNEL);
	if (!vb->q)
		return -ENOMEM;
	for (q = 0; q < vb->nr_queues; q++) {
		struct vmiblk_queue *vq = &vb->q[q];

		spin_lock_init(&vq->lock);
		vq->vb = vb;
		vq->index = q;
		ret = vmi_dev_queue_rings(vdev, q, &vq->req,
					  sizeof(struct vmi_blk_req), &vq->rsp,
					  sizeof(struct vmi_blk_rsp),
					  &vq->data);
		if (ret)
			return ret;
	}
	return 0;
}

static void vmiblk_free_irqs(struct vmiblk *vb, unsigned int n)
{
	while (n--)
		vmi_dev_free_irq(vb->vdev, n, &vb->q[n]);
}

static int vmiblk_request_irqs(struct vmiblk *vb)
{
	unsigned int q;
	int ret;

	for (q = 0; q < vb->nr_queues; q++) {
		struct vmiblk_queue *vq = &vb->q[q];

		snprintf(vq->irq_name, sizeof(vq->irq_name), "vmiblk%u-q%u",
			 vb->vdev->instance, q);
		ret = vmi_dev_request_irq(vb->vdev, q, vmiblk_irq, vq->irq_name,
					  vq);
		if (ret) {
			vmiblk_free_irqs(vb, q);
			return ret;
		}
	}
	return 0;
}

static int vmiblk_alloc_disk(struct vmiblk *vb)
{
	struct blk_mq_tag_set *set = &vb->tag_set;
	int ret;

	set->ops = &vmiblk_mq_ops;
	set->nr_hw_queues = vb->nr_queues;
	set->nr_maps = 1;
	set->queue_depth = vb->depth;
	set->numa_node = NUMA_NO_NODE;
	set->cmd_size = sizeof(struct vmiblk_req);
	set->flags = BLK_MQ_F_SHOULD_MERGE;
	set->driver_data = vb;
	ret = blk_mq_alloc_tag_set(set);
	if (ret)
		return ret;
	vb->disk = blk_mq_alloc_disk(set, vb);
	if (IS_ERR(vb->disk)) {
		ret = PTR_ERR(vb->disk);
		vb->disk = NULL;
		blk_mq_free_tag_set(set);
		return ret;
	}
	return 0;
}

static void vmiblk_free(struct vmiblk *vb)
{
	kfree(vb->q);
	kfree(vb);
}

static int vmiblk_probe(struct vmi_device *vdev)
{
	struct vmi_blk_config cfg;
	struct vmiblk *vb;
	int ret;

	vb = kzalloc(sizeof(*vb), GFP_KERNEL);
	if (!vb)
		return -ENOMEM;
	vb->vdev = vdev;
	vb->nr_queues = vdev->nr_queues;
	mutex_init(&vb->cache_lock);
	INIT_DELAYED_WORK(&vb->watchdog, vmiblk_watchdog);
	dev_set_drvdata(&vdev->dev, vb);

	ret = vmi_dev_reset(vdev);
	if (!ret)
		ret = vmi_dev_negotiate(vdev, VMIBLK_FEATURES, &vb->features);
	if (!ret)
		ret = vmiblk_config(vb, &cfg);
	if (!ret)
		ret = vmiblk_setup_queues(vb);
	if (ret)
		goto fail;
	ret = vmiblk_alloc_disk(vb);
	if (ret)
		goto fail;
	ret = vmiblk_request_irqs(vb);
	if (ret)
		goto fail_disk;
	vmiblk_limits(vb, &cfg);
	ret = vmi_dev_start(vdev);
	if (ret)
		goto fail_irqs;
	vmi_dev_watch_init(vdev, &vb->watch, vb->features);
	schedule_delayed_work(&vb->watchdog,
			      msecs_to_jiffies(VMI_DEV_WATCH_MS));

	vb->disk->major = vmiblk_major;
	vb->disk->first_minor = vdev->instance * VMIBLK_MINORS;
	vb->disk->minors = VMIBLK_MINORS;
	vb->disk->fops = &vmiblk_fops;
	vb->disk->private_data = vb;
	snprintf(vb->disk->disk_name, DISK_NAME_LEN, "vmiblk%u",
		 vdev->instance);
	/* The serial before the disk appears: udev reads it at once. */
	if (vmiblk_has(vb, VMI_BLK_F_GET_ID)) {
		ret = vmiblk_drv_request(vb, VMI_BLK_OP_GET_ID, 0);
		if (ret)
			dev_warn(&vdev->dev, "GET_ID failed (%d): no serial\n",
				 ret);
	}
	ret = device_add_disk(&vdev->dev, vb->disk, vmiblk_attr_groups);
	if (ret)
		goto fail_started;
	dev_info(
		&vdev->dev,
		"%s: %llu MiB, %u queue%s x %u tags, %u KiB per request, features %#llx%s%s%s%s%s%s%s%s%s, cache %s, serial '%s'\n",
		vb->disk->disk_name, vb->capacity >> 11, vb->nr_queues,
		vb->nr_queues == 1 ? "" : "s", vb->depth, vb->slice >> 10,
		vb->features, vmiblk_has(vb, VMI_BLK_F_RO) ? " ro" : "",
		vmiblk_has(vb, VMI_BLK_F_FLUSH) ? " flush" : "",
		vmiblk_has(vb, VMI_BLK_F_FUA) ? " fua" : "",
		vmiblk_has(vb, VMI_BLK_F_DISCARD) ? " discard" : "",
		vmiblk_has(vb, VMI_BLK_F_WRITE_ZEROES) ? " write-zeroes" : "",
		vmiblk_has(vb, VMI_BLK_F_MULTI_RANGE) ? " multi-range" : "",
		vmiblk_has(vb, VMI_BLK_F_TOPOLOGY) ? " topology" : "",
		vmiblk_has(vb, VMI_BLK_F_CONFIG_WCE) ? " config-wce" : "",
		vmiblk_has(vb, VMI_F_HEARTBEAT) ? " heartbeat" : "",
		vmiblk_cache_types[vb->writeback], vb->serial);
	return 0;

fail_started:
	cancel_delayed_work_sync(&vb->watchdog);
	vmi_dev_reset(vdev);
fail_irqs:
	vmiblk_free_irqs(vb, vb->nr_queues);
fail_disk:
	put_disk(vb->disk);
	blk_mq_free_tag_set(&vb->tag_set);
fail:
	dev_err(&vdev->dev, "not bound: %d\n", ret);
	vmiblk_free(vb);
	return ret;
}

/*
 * Unbind, with I/O in flight or not: del_gendisk() fails new I/O and
 * waits for what is in flight, which the backend answers or the watchdog
 * fails; then the rings stop and the backend is told to stop serving
 * (unless it is gone).
 */
static void vmiblk_remove(struct vmi_device *vdev)
{
	struct vmiblk *vb = dev_get_drvdata(&vdev->dev);
	bool was_dead;

	del_gendisk(vb->disk);
	/* Nothing is in flight: no interrupt may start the watchdog now. */
	was_dead = vmiblk_stop_rings(vb);
	cancel_delayed_work_sync(&vb->watchdog);
	if (!was_dead)
		vmi_dev_reset(vdev);
	vmiblk_free_irqs(vb, vb->nr_queues);
	blk_mq_free_tag_set(&vb->tag_set);
	put_disk(vb->disk);
	vmiblk_free(vb);
}

static struct vmi_driver vmiblk_driver = {
	.driver.name = "vmiblk",
	.dev_class = VMI_DEV_CLASS_BLK,
	.probe = vmiblk_probe,
	.remove = vmiblk_remove,
};

static int __init vmiblk_init(void)
{
	int ret;

	vmiblk_major = register_blkdev(0, "vmiblk");
	if (vmiblk_major < 0)
		return vmiblk_major;
	ret = vmi_register_driver(&vmiblk_driver);
	if (ret)
		unregister_blkdev(vmiblk_major, "vmiblk");
	return ret;
}

static void __exit vmiblk_exit(void)
{
	vmi_unregister_driver(&vmiblk_driver);
	unregister_blkdev(vmiblk_major, "vmiblk");
}

module_init(vmiblk_init);
module_exit(vmiblk_exit);
MODULE_DESCRIPTION("vmipv block driver");
MODULE_LICENSE("GPL");
MODULE_ALIAS("vmi:c1");

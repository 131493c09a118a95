// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opening a block device of a process guest: bind the ROM, pick the
 * device entry, connect (conn.c), read and check the device's config (its
 * magic and major version first), and set up each queue's rings and tags.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blk_user_priv.h"

#define VMI_BLK_DEFAULT_POLL_NS 200000ull
/* The ABI's liveness rule (docs/ABI.md part (e), "Liveness"). */
#define VMI_BLK_DEFAULT_DEAD_NS (VMI_HEARTBEAT_TIMEOUT_MS * 1000000ull)
#define VMI_BLK_HANDSHAKE_MS 5000

/* Everything this library can use, offered or not. */
#define VMI_BLK_SUPPORTED                                                      \
	(VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_INDIRECT) |          \
	 VMI_FEATURE(VMI_F_HEARTBEAT) | VMI_FEATURE(VMI_BLK_F_RO) |            \
	 VMI_FEATURE(VMI_BLK_F_FLUSH) | VMI_FEATURE(VMI_BLK_F_FUA) |           \
	 VMI_FEATURE(VMI_BLK_F_DISCARD) |                                      \
	 VMI_FEATURE(VMI_BLK_F_WRITE_ZEROES) | VMI_FEATURE(VMI_BLK_F_GET_ID) | \
	 VMI_FEATURE(VMI_BLK_F_TOPOLOGY) |                                     \
	 VMI_FEATURE(VMI_BLK_F_MULTI_RANGE) |                                  \
	 VMI_FEATURE(VMI_BLK_F_CONFIG_WCE))

static bool vmi_blk_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/*
 * The device's config, copied once out of shared memory and checked: the
 * limits it sets are what vmi_blk_submit() enforces before the backend does.
 */
static int vmi_blk_read_config(struct vmi_blk_dev *d, char *err, size_t errlen)
{
	struct vmi_blk_info *i = &d->info;
	struct vmi_blk_config c;
	uint64_t sectors;
	int ret;

	ret = vmi_conn_read_config(&d->cd.conn, &c, sizeof(c),
				   VMI_BLK_CONFIG_MAGIC, VMI_BLK_VERSION_MAJOR,
				   err, errlen);
	if (ret)
		return ret;
	sectors = vmi_le64_to_cpu(c.capacity);
	i->features = d->cd.conn.features;
	i->read_only = i->features & VMI_FEATURE(VMI_BLK_F_RO);
	i->logical_block_size = vmi_le32_to_cpu(c.logical_block_size);
	i->physical_block_size = vmi_le32_to_cpu(c.physical_block_size);
	i->buf_align = vmi_le32_to_cpu(c.buf_align);
	i->max_segs = vmi_le16_to_cpu(c.max_segs);
	i->max_transfer = vmi_le32_to_cpu(c.max_transfer);
	i->max_discard_bytes = (uint64_t)vmi_le32_to_cpu(c.max_discard_sectors)
			       << VMI_BLK_SECTOR_SHIFT;
	i->max_write_zeroes_bytes =
		(uint64_t)vmi_le32_to_cpu(c.max_write_zeroes_sectors)
		<< VMI_BLK_SECTOR_SHIFT;
	i->discard_granularity = vmi_le32_to_cpu(c.discard_granularity);
	i->max_discard_segs = vmi_le16_to_cpu(c.max_discard_segs);
	if (i->features & VMI_FEATURE(VMI_BLK_F_TOPOLOGY)) {
		i->alignment_offset = vmi_le32_to_cpu(c.alignment_offset);
		i->min_io_size = vmi_le32_to_cpu(c.min_io_size);
		i->opt_io_size = vmi_le32_to_cpu(c.opt_io_size);
	}
	i->nr_slots = d->cd.conn.layout.p.ring_slots;
	i->data_size = d->cd.conn.layout.p.data_size;

	if (!sectors || sectors > UINT64_MAX >> VMI_BLK_SECTOR_SHIFT)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "config capacity %llu sectors",
				     (unsigned long long)sectors);
	i->capacity = sectors << VMI_BLK_SECTOR_SHIFT;
	if (i->logical_block_size != 512 && i->logical_block_size != 4096)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "config logical_block_size %u",
				     i->logical_block_size);
	if (!vmi_blk_pow2(i->buf_align) || i->buf_align > VMI_SHM_ALIGN)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "config buf_align %u", i->buf_align);
	if (i->buf_align < VMI_BLK_SECTOR_SIZE)
		i->buf_align = VMI_BLK_SECTOR_SIZE;
	if (!i->max_segs || i->max_segs > VMI_MAX_SEGS)
		return vmi_conn_fail(err, errlen, -EPROTO, "config max_segs %u",
				     i->max_segs);
	if (!(i->features & VMI_FEATURE(VMI_F_INDIRECT)) &&
	    i->max_segs > VMI_BLK_SEGS_INLINE)
		i->max_segs = VMI_BLK_SEGS_INLINE;
	if (i->max_transfer < i->logical_block_size)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "config max_transfer %u", i->max_transfer);
	if (i->max_transfer > i->data_size)
		i->max_transfer = i->data_size;
	if ((i->features & VMI_FEATURE(VMI_BLK_F_MULTI_RANGE)) &&
	    !i->max_discard_segs)
		return vmi_conn_fail(
			err, errlen, -EPROTO,
			"config max_discard_segs 0 with MULTI_RANGE");
	/* Hints are in whole logical blocks, an offset inside a block. */
	if (i->alignment_offset % i->logical_block_size ||
	    i->min_io_size % i->logical_block_size ||
	    i->opt_io_size % i->logical_block_size ||
	    (i->alignment_offset &&
	     i->alignment_offset >= i->physical_block_size))
		return vmi_conn_fail(
			err, errlen, -EPROTO,
			"config topology: alignment_offset %u, min_io_size %u, opt_io_size %u with blocks of %u/%u bytes",
			i->alignment_offset, i->min_io_size, i->opt_io_size,
			i->logical_block_size, i->physical_block_size);
	return 0;
}

static int vmi_blk_queue_init(struct vmi_blk_dev *d, unsigned int index)
{
	struct vmi_blk_queue *q = &d->q[index];
	uint32_t t;
	int ret;

	q->d = d;
	q->index = index;
	pthread_mutex_init(&q->alloc_lock, NULL);
	q->nr_slots = d->info.nr_slots;
	q->data = vmi_conn_data(&d->cd.conn, index);
	q->data_size = d->info.data_size;
	ret = vmi_ring_attach_prod(&q->req,
				   vmi_conn_req_ring(&d->cd.conn, index),
				   q->nr_slots, sizeof(struct vmi_blk_req));
	if (!ret)
		ret = vmi_ring_attach_cons(
			&q->rsp, vmi_conn_rsp_ring(&d->cd.conn, index),
			q->nr_slots, sizeof(struct vmi_blk_rsp));
	if (ret)
		return ret;
	q->tags = calloc(q->nr_slots, sizeof(*q->tags));
	q->free_tags = calloc(q->nr_slots, sizeof(*q->free_tags));
	q->stash = calloc(q->nr_slots, sizeof(*q->stash));
	if (!q->tags || !q->free_tags || !q->stash)
		return -ENOMEM;
	for (t = 0; t < q->nr_slots; t++)
		q->free_tags[t] = q->nr_slots - 1 - t;
	q->nr_free = q->nr_slots;
	/* The heartbeat is judged from now on, not from the epoch. */
	q->heartbeat = vmi_conn_heartbeat(&d->cd.conn);
	q->heartbeat_ns = vmi_conn_now_ns();
	q->checked_ns = q->heartbeat_ns;
	return 0;
}

static void vmi_blk_queue_fini(struct vmi_blk_queue *q)
{
	free(q->tags);
	free(q->free_tags);
	free(q->stash);
	pthread_mutex_destroy(&q->alloc_lock);
}

int vmi_blk_open(const struct vmi_blk_open_opts *o, struct vmi_blk_dev **out,
		 char *err, size_t errlen)
{
	struct vmi_blk_dev *d;
	unsigned int i;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return vmi_conn_fail(err, errlen, -ENOMEM, "out of memory");
	d->index = o->device;
	d->mode = o->mode;
	d->poll_ns = o->poll_ns ? o->poll_ns : VMI_BLK_DEFAULT_POLL_NS;
	d->dead_ns = o->dead_ns ? o->dead_ns : VMI_BLK_DEFAULT_DEAD_NS;

	ret = vmi_conn_dev_open(&d->cd, o->rom, (int)o->device,
				VMI_DEV_CLASS_BLK, o->nr_queues,
				VMI_BLK_SUPPORTED, VMI_BLK_HANDSHAKE_MS, err,
				errlen);
	if (ret)
		goto fail;
	ret = vmi_blk_read_config(d, err, errlen);
	if (ret)
		goto fail;
	d->nr_queues = d->cd.conn.nr_queues;
	if (posix_memalign((void **)&d->q, 64, d->nr_queues * sizeof(*d->q))) {
		d->q = NULL;
		ret = vmi_conn_fail(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	memset(d->q, 0, d->nr_queues * sizeof(*d->q));
	for (i = 0; i < d->nr_queues; i++) {
		ret = vmi_blk_queue_init(d, i);
		if (ret) {
			vmi_conn_fail(err, errlen, ret, "queue %u: %s", i,
				      strerror(-ret));
			goto fail;
		}
	}
	*out = d;
	return 0;
fail:
	vmi_blk_close(d);
	return ret;
}

void vmi_blk_close(struct vmi_blk_dev *d)
{
	unsigned int i;

	if (!d)
		return;
	if (d->q) {
		for (i = 0; i < d->nr_queues; i++)
			vmi_blk_queue_fini(&d->q[i]);
		free(d->q);
	}
	vmi_conn_dev_close(&d->cd);
	free(d);
}

const struct vmi_blk_info *vmi_blk_info(const struct vmi_blk_dev *d)
{
	return &d->info;
}

unsigned int vmi_blk_nr_queues(const struct vmi_blk_dev *d)
{
	return d->nr_queues;
}

struct vmi_blk_queue *vmi_blk_queue(struct vmi_blk_dev *d, unsigned int q)
{
	return q < d->nr_queues ? &d->q[q] : NULL;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * fio external ioengine "vmiblk": fio as a process guest of a vmipv block
 * device, through the user-space block library (vmi_blk_user.h).
 *
 *   fio --ioengine=external:fio-vmiblk.so --rom=rom.bin --device=0 \
 *       --rw=randread --bs=4k --iodepth=32 --numjobs=2 ...
 *
 * Options:
 *   rom=PATH        the ROM image that describes the device (required)
 *   device=N        the device's index in the ROM's device table (0)
 *   queue=N         this job's queue (default: the lowest no other job has)
 *   mode=M          how to wait for completions: adaptive (poll, then
 *                   sleep; the default), poll or interrupt
 *   poll_us=N       adaptive: microseconds to poll before sleeping
 *                   (0: the library's default)
 *   cache=C         the device's volatile write cache, set when the job
 *                   starts: default (leave it), writeback or writethrough
 *                   (SET_CACHE; needs the device's CONFIG_WCE feature, and
 *                   changes the mode of the whole device, every job's)
 *
 * The jobs of a fio run share one connection to the device, each job on a
 * queue of its own, so numjobs=N drives N queues of one guest. That needs
 * the jobs to be threads of one process: the engine sets thread=1 (as
 * fio's rbd engine does), and a run with more jobs than the device has
 * queues fails with a message that says so.
 *
 * fio's I/O buffers come from the job's queue's data area (iomem_alloc),
 * so reads land in them from the target and writes leave from them with no
 * copy. fsync and fdatasync become FLUSH, trims DISCARD (each waited for,
 * as fio's io_uring engine does).
 *
 * Built against the installed fio's configured source (-include
 * config-host.h); fio resolves its own symbols when it loads the engine.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fio.h"
#include "optgroup.h"

#include "vmi_blk_user.h"

struct vmiblk_options {
	void *pad; /* fio: the first option's offset must not be 0 */
	char *rom;
	unsigned int device;
	int queue;
	unsigned int mode;
	unsigned int poll_us;
	unsigned int cache;
};

/* cache= */
enum vmiblk_cache {
	VMIBLK_CACHE_DEFAULT,
	VMIBLK_CACHE_WRITEBACK,
	VMIBLK_CACHE_WRITETHROUGH,
};

/* The process's connection to one device, shared by the jobs using it. */
struct vmiblk_shared {
	struct vmiblk_shared *next;
	char *rom;
	unsigned int device;
	unsigned int mode;
	unsigned int poll_us;
	struct vmi_blk_dev *dev;
	unsigned int refs;
	uint64_t queues_used; /* bit q: a job has queue q */
};

struct vmiblk_data {
	struct vmiblk_shared *sh;
	struct vmi_blk_queue *q; /* NULL until init claimed one */
	unsigned int queue;
	struct vmi_blk_completion *cpl;
	struct io_u **events;
	struct io_u **queued; /* submitted since the last commit */
	unsigned int nr_queued;
	unsigned int depth;
};

/* Guards vmiblk_devices and every vmiblk_shared's refs and queues_used. */
static pthread_mutex_t vmiblk_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vmiblk_shared *vmiblk_devices;

static struct fio_option options[] = {
	{
		.name = "rom",
		.lname = "VMI ROM image",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct vmiblk_options, rom),
		.help = "The VMI ROM image that describes the block device",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "device",
		.lname = "Device index",
		.type = FIO_OPT_INT,
		.off1 = offsetof(struct vmiblk_options, device),
		.def = "0",
		.help = "Index of the block device in the ROM's device table",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "queue",
		.lname = "Queue",
		.type = FIO_OPT_INT,
		.off1 = offsetof(struct vmiblk_options, queue),
		.def = "-1",
		.help = "Queue of this job (default: the lowest free one)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "mode",
		.lname = "Wait mode",
		.type = FIO_OPT_STR,
		.off1 = offsetof(struct vmiblk_options, mode),
		.def = "adaptive",
		.help = "How to wait for completions",
		.posval = {
			{ .ival = "adaptive",
			  .oval = VMI_BLK_WAIT_ADAPTIVE,
			  .help = "Poll for poll_us, then sleep" },
			{ .ival = "poll",
			  .oval = VMI_BLK_WAIT_POLL,
			  .help = "Never sleep" },
			{ .ival = "interrupt",
			  .oval = VMI_BLK_WAIT_INTERRUPT,
			  .help = "Sleep at once" },
		},
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "poll_us",
		.lname = "Poll budget",
		.type = FIO_OPT_INT,
		.off1 = offsetof(struct vmiblk_options, poll_us),
		.def = "0",
		.help = "Adaptive mode: microseconds to poll before sleeping (0: the library's default)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "cache",
		.lname = "Write cache",
		.type = FIO_OPT_STR,
		.off1 = offsetof(struct vmiblk_options, cache),
		.def = "default",
		.help = "The device's volatile write cache mode",
		.posval = {
			{ .ival = "default",
			  .oval = VMIBLK_CACHE_DEFAULT,
			  .help = "Leave it as the device has it" },
			{ .ival = "writeback",
			  .oval = VMIBLK_CACHE_WRITEBACK,
			  .help = "Writes may wait in the cache for a flush" },
			{ .ival = "writethrough",
			  .oval = VMIBLK_CACHE_WRITETHROUGH,
			  .help = "Every write is stable when it completes" },
		},
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = NULL,
	},
};

/* This process's connection for the job's options, opened on first use. */
static struct vmiblk_shared *vmiblk_get(struct thread_data *td)
{
	struct vmiblk_options *o = td->eo;
	struct vmi_blk_open_opts oo = {
		.rom = o->rom,
		.device = o->device,
		.mode = o->mode,
		.poll_ns = (uint64_t)o->poll_us * 1000,
	};
	struct vmiblk_shared *sh;
	char err[256];
	int ret;

	for (sh = vmiblk_devices; sh; sh = sh->next)
		if (!strcmp(sh->rom, o->rom) && sh->device == o->device &&
		    sh->mode == o->mode && sh->poll_us == o->poll_us)
			break;
	if (!sh) {
		sh = calloc(1, sizeof(*sh));
		if (!sh)
			return NULL;
		ret = vmi_blk_open(&oo, &sh->dev, err, sizeof(err));
		if (ret) {
			log_err("vmiblk: %s device %u: %s\n", o->rom, o->device,
				err);
			free(sh);
			return NULL;
		}
		sh->rom = strdup(o->rom);
		sh->device = o->device;
		sh->mode = o->mode;
		sh->poll_us = o->poll_us;
		sh->next = vmiblk_devices;
		vmiblk_devices = sh;
	}
	sh->refs++;
	return sh;
}

static void vmiblk_put(struct vmiblk_shared *sh)
{
	struct vmiblk_shared **pp;

	if (--sh->refs)
		return;
	for (pp = &vmiblk_devices; *pp != sh; pp = &(*pp)->next)
		;
	*pp = sh->next;
	vmi_blk_close(sh->dev);
	free(sh->rom);
	free(sh);
}

/*
 * fio calls setup in its main thread to size the file, before the job's
 * thread starts (and again in the job's thread): connect once, keep the
 * connection for the job, report the capacity.
 */
static int vmiblk_setup(struct thread_data *td)
{
	struct vmiblk_options *o = td->eo;
	struct vmiblk_data *vd = td->io_ops_data;

	td->o.use_thread = 1;
	if (!td->files_index) {
		add_file(td, td->o.filename ? td->o.filename : "vmiblk", 0, 0);
		td->o.nr_files = td->o.nr_files ? td->o.nr_files : 1;
		td->o.open_files++;
	}
	if (!vd) {
		if (!o->rom) {
			log_err("vmiblk: the rom= option is required\n");
			return 1;
		}
		vd = calloc(1, sizeof(*vd));
		if (!vd)
			return 1;
		pthread_mutex_lock(&vmiblk_lock);
		vd->sh = vmiblk_get(td);
		pthread_mutex_unlock(&vmiblk_lock);
		if (!vd->sh) {
			free(vd);
			return 1;
		}
		td->io_ops_data = vd;
	}
	td->files[0]->real_file_size = vmi_blk_info(vd->sh->dev)->capacity;
	fio_file_set_size_known(td->files[0]);
	return 0;
}

/* The job's queue: queue= or the lowest one no other job has. */
static int vmiblk_claim_queue(struct thread_data *td, struct vmiblk_data *vd)
{
	struct vmiblk_options *o = td->eo;
	unsigned int nr = vmi_blk_nr_queues(vd->sh->dev);
	int queue = o->queue;

	if (queue < 0) {
		for (queue = 0; (unsigned int)queue < nr; queue++)
			if (!(vd->sh->queues_used & (1ull << queue)))
				break;
		if ((unsigned int)queue == nr) {
			log_err("vmiblk: all %u queues of device %u are taken: run at most %u jobs on it\n",
				nr, o->device, nr);
			return -EBUSY;
		}
	} else if ((unsigned int)queue >= nr) {
		log_err("vmiblk: queue=%d, device %u has %u queues\n", queue,
			o->device, nr);
		return -EINVAL;
	} else if (vd->sh->queues_used & (1ull << queue)) {
		log_err("vmiblk: queue %d is taken by another job\n", queue);
		return -EBUSY;
	}
	vd->sh->queues_used |= 1ull << queue;
	vd->queue = (unsigned int)queue;
	vd->q = vmi_blk_queue(vd->sh->dev, vd->queue);
	return 0;
}

static void vmiblk_cleanup(struct thread_data *td)
{
	struct vmiblk_data *vd = td->io_ops_data;

	if (!vd)
		return;
	pthread_mutex_lock(&vmiblk_lock);
	if (vd->q)
		vd->sh->queues_used &= ~(1ull << vd->queue);
	vmiblk_put(vd->sh);
	pthread_mutex_unlock(&vmiblk_lock);
	free(vd->cpl);
	free(vd->events);
	free(vd->queued);
	free(vd);
	td->io_ops_data = NULL;
}

/* cache=: the device's write cache mode, through the job's own queue. */
static int vmiblk_set_cache(struct thread_data *td, struct vmiblk_data *vd)
{
	struct vmiblk_options *o = td->eo;
	bool writeback = o->cache == VMIBLK_CACHE_WRITEBACK;
	int ret;

	if (o->cache == VMIBLK_CACHE_DEFAULT)
		return 0;
	ret = vmi_blk_set_cache(vd->q, writeback);
	if (ret) {
		log_err("vmiblk: cache=%s on device %u: %s%s\n",
			writeback ? "writeback" : "writethrough", o->device,
			strerror(-ret),
			ret == -EOPNOTSUPP ?
				" (the device does not offer CONFIG_WCE)" :
				"");
		return 1;
	}
	return 0;
}

static int vmiblk_init(struct thread_data *td)
{
	struct vmiblk_data *vd = td->io_ops_data;
	unsigned int slots;
	int ret;

	if (!vd && vmiblk_setup(td))
		return 1;
	vd = td->io_ops_data;
	pthread_mutex_lock(&vmiblk_lock);
	ret = vmiblk_claim_queue(td, vd);
	pthread_mutex_unlock(&vmiblk_lock);
	if (ret)
		return 1;

	slots = vmi_blk_info(vd->sh->dev)->nr_slots;
	vd->depth = td->o.iodepth;
	if (vd->depth > slots) {
		log_err("vmiblk: iodepth=%u exceeds the ring's %u slots\n",
			vd->depth, slots);
		return 1;
	}
	vd->cpl = calloc(vd->depth, sizeof(*vd->cpl));
	vd->events = calloc(vd->depth, sizeof(*vd->events));
	vd->queued = calloc(vd->depth, sizeof(*vd->queued));
	if (!vd->cpl || !vd->events || !vd->queued)
		return 1;
	return vmiblk_set_cache(td, vd);
}

static int vmiblk_open_file(struct thread_data *td, struct fio_file *f)
{
	(void)td;
	(void)f;
	return 0;
}

static int vmiblk_close_file(struct thread_data *td, struct fio_file *f)
{
	(void)td;
	(void)f;
	return 0;
}

/* fio's buffers in the job's data area: the backend's I/O lands there. */
static int vmiblk_iomem_alloc(struct thread_data *td, size_t total)
{
	struct vmiblk_data *vd = td->io_ops_data;
	const struct vmi_blk_info *info = vmi_blk_info(vd->sh->dev);

	td->orig_buffer = vmi_blk_alloc(vd->q, total, 4096);
	if (!td->orig_buffer) {
		log_err("vmiblk: %zu bytes of I/O buffers (iodepth x bs) do not fit the queue's %u-byte data area\n",
			total, info->data_size);
		return 1;
	}
	return 0;
}

static void vmiblk_iomem_free(struct thread_data *td)
{
	struct vmiblk_data *vd = td->io_ops_data;

	if (vd && vd->q)
		vmi_blk_free(vd->q, td->orig_buffer);
}

static enum fio_q_status vmiblk_queue(struct thread_data *td, struct io_u *io_u)
{
	struct vmiblk_data *vd = td->io_ops_data;
	struct iovec iov = { io_u->xfer_buf, io_u->xfer_buflen };
	struct vmi_blk_cmd cmd = {
		.nr_iov = 1,
		.iov = &iov,
		.offset = io_u->offset,
		.user_data = (uintptr_t)io_u,
	};
	int ret;

	fio_ro_check(td, io_u);
	switch (io_u->ddir) {
	case DDIR_READ:
		cmd.op = VMI_BLK_OP_READ;
		break;
	case DDIR_WRITE:
		cmd.op = VMI_BLK_OP_WRITE;
		break;
	case DDIR_SYNC:
	case DDIR_DATASYNC:
		cmd.op = VMI_BLK_OP_FLUSH;
		cmd.nr_iov = 0;
		break;
	case DDIR_TRIM:
		/*
		 * Done before anything queued after it, as fio's own engines
		 * do (FIO_ASYNCIO_SYNC_TRIM): trimwrite writes the block it
		 * just trimmed, and the backend may run the two at once.
		 */
		cmd.op = VMI_BLK_OP_DISCARD;
		cmd.nr_iov = 0;
		cmd.len = io_u->xfer_buflen;
		ret = vmi_blk_exec(vd->q, &cmd);
		io_u->error = -ret;
		return FIO_Q_COMPLETED;
	default:
		io_u->error = EINVAL;
		return FIO_Q_COMPLETED;
	}
	ret = vmi_blk_submit(vd->q, &cmd);
	if (ret == -EBUSY)
		return FIO_Q_BUSY;
	if (ret) {
		io_u->error = -ret;
		return FIO_Q_COMPLETED;
	}
	vd->queued[vd->nr_queued++] = io_u;
	return FIO_Q_QUEUED;
}

static int vmiblk_commit(struct thread_data *td)
{
	struct vmiblk_data *vd = td->io_ops_data;
	struct timespec now;
	unsigned int i;

	if (!vd->nr_queued)
		return 0;
	vmi_blk_commit(vd->q);
	if (fio_fill_issue_time(td)) {
		fio_gettime(&now, NULL);
		for (i = 0; i < vd->nr_queued; i++)
			memcpy(&vd->queued[i]->issue_time, &now, sizeof(now));
	}
	for (i = 0; i < vd->nr_queued; i++)
		io_u_queued(td, vd->queued[i]);
	io_u_mark_submit(td, vd->nr_queued);
	vd->nr_queued = 0;
	return 0;
}

static int vmiblk_getevents(struct thread_data *td, unsigned int min,
			    unsigned int max, const struct timespec *t)
{
	struct vmiblk_data *vd = td->io_ops_data;
	int64_t timeout = t ? (int64_t)t->tv_sec * 1000000000 + t->tv_nsec : -1;
	int i, n;

	if (max > vd->depth)
		max = vd->depth;
	n = vmi_blk_reap(vd->q, vd->cpl, max, min, timeout);
	for (i = 0; i < n; i++) {
		struct io_u *io_u =
			(struct io_u *)(uintptr_t)vd->cpl[i].user_data;

		io_u->error = -vd->cpl[i].error;
		/* A failed transfer moved nothing fio may count on. */
		io_u->resid = vd->cpl[i].error ? io_u->xfer_buflen : 0;
		vd->events[i] = io_u;
	}
	return n;
}

static struct io_u *vmiblk_event(struct thread_data *td, int event)
{
	struct vmiblk_data *vd = td->io_ops_data;

	return vd->events[event];
}

/* The symbol fio's loader of external engines looks up (dlsym). */
extern struct ioengine_ops ioengine;
struct ioengine_ops ioengine = {
	.name = "vmiblk",
	.version = FIO_IOOPS_VERSION,
	.flags = FIO_DISKLESSIO | FIO_NODISKUTIL | FIO_NOEXTEND |
		 FIO_ASYNCIO_SETS_ISSUE_TIME | FIO_ASYNCIO_SYNC_TRIM,
	.setup = vmiblk_setup,
	.init = vmiblk_init,
	.queue = vmiblk_queue,
	.commit = vmiblk_commit,
	.getevents = vmiblk_getevents,
	.event = vmiblk_event,
	.cleanup = vmiblk_cleanup,
	.open_file = vmiblk_open_file,
	.close_file = vmiblk_close_file,
	.iomem_alloc = vmiblk_iomem_alloc,
	.iomem_free = vmiblk_iomem_free,
	.option_struct_size = sizeof(struct vmiblk_options),
	.options = options,
};

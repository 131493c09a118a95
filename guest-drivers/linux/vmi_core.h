/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vmi_core.ko offers the vmipv device drivers of a Linux guest
 * (vmiblk.ko, vminet.ko): a "vmi" bus whose devices are the entries
 * of the VMI ROM's device table that vmi_core found behind an
 * ivshmem-doorbell PCI device, and the few operations a driver needs on
 * one: the status handshake of docs/ABI.md part (e), the queues' rings and
 * data areas, notify (the ROM's QueueNotify) and per-queue interrupts.
 *
 * A driver registers a struct vmi_driver for its device class; the bus
 * calls probe for each device of that class, in process context. The
 * driver never sees the ROM, the PCI device or the doorbell.
 */
#ifndef VMI_CORE_H
#define VMI_CORE_H

#include <linux/device.h>
#include <linux/interrupt.h>
#include <vmi/dev.h>
#include <vmi/rom.h>
#include <vmi_layout.h>

struct vmi_core_dev; /* vmi_core's own state of a device */

struct vmi_device {
	struct device dev; /* on the vmi bus; parent: the PCI device */
	struct vmi_rom_dev entry; /* the ROM's device table entry, a copy */
	struct vmi_layout layout; /* what the entry describes, checked */
	u16 dev_class; /* enum vmi_dev_class */
	u16 instance; /* N of vmiblkN */
	unsigned int nr_queues;
	struct vmi_shm_hdr *shm; /* mapped shared memory (BAR2) */
	u64 shm_len; /* bytes mapped, >= layout.shm_size */
	struct vmi_core_dev *core;
};

#define to_vmi_device(d) container_of(d, struct vmi_device, dev)

struct vmi_driver {
	struct device_driver driver;
	u16 dev_class; /* the class this driver binds */
	int (*probe)(struct vmi_device *vdev);
	void (*remove)(struct vmi_device *vdev);
};

#define to_vmi_driver(d) container_of(d, struct vmi_driver, driver)

int __vmi_register_driver(struct vmi_driver *drv, struct module *owner);
#define vmi_register_driver(drv) __vmi_register_driver(drv, THIS_MODULE)
void vmi_unregister_driver(struct vmi_driver *drv);

/* One queue of a device, as the layout rule places it in shared memory. */
struct vmi_dev_queue {
	void *req_ring; /* struct vmi_ring_hdr + slots: the guest produces */
	void *rsp_ring; /* the guest consumes */
	u32 nr_slots;
	u16 req_slot_size, rsp_slot_size;
	void *data; /* the queue's data area */
	u32 data_size;
};

void vmi_dev_queue(struct vmi_device *vdev, unsigned int q,
		   struct vmi_dev_queue *out);

/*
 * Attach queue q's rings, the guest producing requests and consuming
 * responses of the given slot sizes; *data gets the queue's data area.
 * Returns 0, or -EPROTO after logging which ring the layout refused.
 */
struct vmi_ring;
int vmi_dev_queue_rings(struct vmi_device *vdev, unsigned int q,
			struct vmi_ring *req, size_t req_size,
			struct vmi_ring *rsp, size_t rsp_size, u8 **data);

/*
 * The handshake, in order: vmi_dev_reset() (the backend stops serving
 * and lays the memory out afresh), vmi_dev_negotiate() (features), ring
 * setup by the driver, vmi_dev_start() (DRIVER_OK; waits for ALIVE).
 * vmi_dev_reset() again when the driver stops. Each returns 0 or a
 * negative errno after logging which step failed on which value.
 */
int vmi_dev_reset(struct vmi_device *vdev);
/* Accept offered & supported (VERSION_1 required); *accepted gets it. */
int vmi_dev_negotiate(struct vmi_device *vdev, u64 supported, u64 *accepted);
int vmi_dev_start(struct vmi_device *vdev);

/* Host-written status words, read once each. */
u32 vmi_dev_device_status(struct vmi_device *vdev);
u32 vmi_dev_heartbeat(struct vmi_device *vdev);

/*
 * The class config, len bytes of one version (docs/ABI.md part (e),
 * "Config changes"); *gen gets its generation. Returns 0, or -EAGAIN
 * after logging a host that kept it odd (still writing).
 */
int vmi_dev_config_read(struct vmi_device *vdev, void *dst, size_t len,
			u32 *gen);

/*
 * Is the backend still there? A driver's watchdog calls vmi_dev_watch()
 * every VMI_DEV_WATCH_MS: GONE when the backend set NEEDS_RESET or
 * dropped ALIVE (it will not serve these rings again), STALLED while the
 * heartbeat (if negotiated) has not moved for VMI_DEV_WATCH_STALL ticks,
 * the ABI's VMI_HEARTBEAT_TIMEOUT_MS, OK otherwise (again OK once a
 * stalled heartbeat moves).
 */
#define VMI_DEV_WATCH_MS 500
#define VMI_DEV_WATCH_STALL (VMI_HEARTBEAT_TIMEOUT_MS / VMI_DEV_WATCH_MS)

enum vmi_dev_health { VMI_DEV_OK, VMI_DEV_STALLED, VMI_DEV_GONE };

struct vmi_dev_watch {
	bool heartbeat; /* VMI_F_HEARTBEAT was negotiated */
	u32 last; /* heartbeat last seen */
	unsigned int misses; /* ticks without a change */
	u32 status; /* device_status at the last tick */
};

/* After vmi_dev_start(): the heartbeat as it is now. */
void vmi_dev_watch_init(struct vmi_device *vdev, struct vmi_dev_watch *w,
			u64 features);
enum vmi_dev_health vmi_dev_watch(struct vmi_device *vdev,
				  struct vmi_dev_watch *w);

/* Kick queue q: the ROM's QueueNotify (the doorbell), any context. */
void vmi_dev_notify(struct vmi_device *vdev, unsigned int q);

/* Queue q's completion interrupt (MSI-X vector q + 1). */
int vmi_dev_request_irq(struct vmi_device *vdev, unsigned int q,
			irq_handler_t handler, const char *name, void *data);
void vmi_dev_free_irq(struct vmi_device *vdev, unsigned int q, void *data);
/* The CPUs queue q's interrupt is spread to, or NULL. */
const struct cpumask *vmi_dev_irq_affinity(struct vmi_device *vdev,
					   unsigned int q);

#endif /* VMI_CORE_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi_core: the "vmi" bus and the ivshmem-doorbell PCI driver that fills
 * it. An ivshmem device (1af4:1110) is a vmipv device only if the bound
 * VMI ROM names its PCI address in a device table entry; vmi_core then
 * maps its registers (BAR0) and shared memory (BAR2), checks the memory
 * against the entry's layout, sets up MSI-X (vector 0 configuration,
 * q + 1 queue q) and puts a struct vmi_device on the bus, where the
 * driver of its class (vmiblk for block) finds it.
 *
 * The handshake helpers drive docs/ABI.md part (e) through the header and
 * vector 0 (part (f), "QEMU guests"); the queue kick is the ROM's
 * QueueNotify, which writes the doorbell.
 */
#include "core_priv.h" /* first: it sets pr_fmt */

#include <linux/io.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <vmi_ring.h>

/* How long the backend may take to answer a status change. */
#define VMI_CORE_HANDSHAKE_MS 5000

static const char *const vmi_core_class_names[] = {
	[VMI_DEV_CLASS_BLK] = "blk",
	[VMI_DEV_CLASS_NET] = "net",
};

static int vmi_bus_match(struct device *dev, struct device_driver *drv)
{
	return to_vmi_device(dev)->dev_class == to_vmi_driver(drv)->dev_class;
}

static int vmi_bus_uevent(struct device *dev, struct kobj_uevent_env *env)
{
	return add_uevent_var(env, "MODALIAS=vmi:c%u",
			      to_vmi_device(dev)->dev_class);
}

static int vmi_bus_probe(struct device *dev)
{
	return to_vmi_driver(dev->driver)->probe(to_vmi_device(dev));
}

static void vmi_bus_remove(struct device *dev)
{
	to_vmi_driver(dev->driver)->remove(to_vmi_device(dev));
}

static struct bus_type vmi_bus_type = {
	.name = "vmi",
	.match = vmi_bus_match,
	.uevent = vmi_bus_uevent,
	.probe = vmi_bus_probe,
	.remove = vmi_bus_remove,
};

int __vmi_register_driver(struct vmi_driver *drv, struct module *owner)
{
	drv->driver.bus = &vmi_bus_type;
	drv->driver.owner = owner;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__vmi_register_driver);

void vmi_unregister_driver(struct vmi_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(vmi_unregister_driver);

/* ---- handshake -------------------------------------------------------- */

static u32 vmi_core_generation(struct vmi_device *vdev)
{
	/*
	 * Acquire pairs with the backend's release of an even generation,
	 * which it stores after the rest of the header.
	 */
	return vmi_le32_to_cpu(smp_load_acquire(&vdev->shm->generation));
}

/* A reset is done when generation is even again, and not the old value. */
static bool vmi_core_reset_done(struct vmi_device *vdev, u32 old)
{
	u32 gen = vmi_core_generation(vdev);

	return gen != old && !(gen & 1);
}

u32 vmi_dev_device_status(struct vmi_device *vdev)
{
	/* Acquire: what the backend wrote before the status is visible. */
	return vmi_le32_to_cpu(smp_load_acquire(&vdev->shm->device_status));
}
EXPORT_SYMBOL_GPL(vmi_dev_device_status);

u32 vmi_dev_heartbeat(struct vmi_device *vdev)
{
	return vmi_le32_to_cpu(READ_ONCE(vdev->shm->heartbeat));
}
EXPORT_SYMBOL_GPL(vmi_dev_heartbeat);

int vmi_dev_config_read(struct vmi_device *vdev, void *dst, size_t len,
			u32 *gen)
{
	int ret = vmi_shm_config_read(vdev->shm, dst, len, gen);

	if (ret)
		dev_err(&vdev->dev,
			"config: generation %u, odd or moving over %u reads: the backend never finished writing it\n",
			vmi_core_generation(vdev), VMI_SHM_CONFIG_TRIES);
	return ret;
}
EXPORT_SYMBOL_GPL(vmi_dev_config_read);

/* Write driver_status, then ring the backend's vector 0. */
static void vmi_core_set_status(struct vmi_device *vdev, u32 status)
{
	struct vmi_core_dev *cd = to_vmi_core_dev(vdev);

	/* Release: driver_features and the rings before the status. */
	smp_store_release(&vdev->shm->driver_status, vmi_cpu_to_le32(status));
	iowrite32(VMI_IVSHMEM_HOST_PEER << 16 | VMI_IVSHMEM_CONFIG_VECTOR,
		  cd->regs + VMI_IVSHMEM_REG_DOORBELL);
}

/*
 * Wait until cond holds, woken by vector 0 and re-checking every 100 ms
 * (an answer that raced with our arming is not lost).
 */
#define vmi_core_wait(vdev, cond)                                          \
	({                                                                 \
		struct vmi_core_dev *cd_ = to_vmi_core_dev(vdev);          \
		unsigned long end_ =                                       \
			jiffies + msecs_to_jiffies(VMI_CORE_HANDSHAKE_MS); \
		while (!(cond) && time_before(jiffies, end_))              \
			wait_event_timeout(cd_->config_wq, cond, HZ / 10); \
		(cond);                                                    \
	})

int vmi_dev_reset(struct vmi_device *vdev)
{
	u32 gen = vmi_core_generation(vdev);
	char err[160];

	vmi_core_set_status(vdev, 0);
	if (!vmi_core_wait(vdev, vmi_core_reset_done(vdev, gen))) {
		dev_err(&vdev->dev,
			"reset: generation %u (was %u), no new header after %u ms: no backend\n",
			vmi_core_generation(vdev), gen, VMI_CORE_HANDSHAKE_MS);
		return -ETIMEDOUT;
	}
	/* The backend wrote the header afresh: check it again. */
	if (vmi_shm_hdr_check(vdev->shm, vdev->shm_len, &vdev->layout, err,
			      sizeof(err))) {
		dev_err(&vdev->dev, "after reset: %s\n", err);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vmi_dev_reset);

int vmi_dev_negotiate(struct vmi_device *vdev, u64 supported, u64 *accepted)
{
	u64 offered = vmi_le64_to_cpu(READ_ONCE(vdev->shm->device_features));
	u64 rom = vmi_le64_to_cpu(vdev->entry.features);
	u64 acc = offered & rom & supported;

	vmi_core_set_status(vdev, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER);
	if (!(acc & VMI_FEATURE(VMI_F_VERSION_1))) {
		dev_err(&vdev->dev,
			"features: offered %#llx, ROM %#llx, driver %#llx: no VERSION_1 in common\n",
			offered, rom, supported);
		vmi_core_set_status(vdev, VMI_STATUS_FAILED);
		return -EPROTONOSUPPORT;
	}
	WRITE_ONCE(vdev->shm->driver_features, vmi_cpu_to_le64(acc));
	vmi_core_set_status(vdev, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER |
					  VMI_STATUS_FEATURES_OK);
	*accepted = acc;
	return 0;
}
EXPORT_SYMBOL_GPL(vmi_dev_negotiate);

int vmi_dev_start(struct vmi_device *vdev)
{
	const u32 answer = VMI_DEVICE_ALIVE | VMI_DEVICE_FEATURES_REJECTED |
			   VMI_DEVICE_NEEDS_RESET;
	u32 st;

	vmi_core_set_status(vdev, VMI_STATUS_ACKNOWLEDGE | VMI_STATUS_DRIVER |
					  VMI_STATUS_FEATURES_OK |
					  VMI_STATUS_DRIVER_OK);
	if (!vmi_core_wait(vdev, vmi_dev_device_status(vdev) & answer)) {
		dev_err(&vdev->dev,
			"DRIVER_OK: device_status still %#x after %u ms\n",
			vmi_dev_device_status(vdev), VMI_CORE_HANDSHAKE_MS);
		return -ETIMEDOUT;
	}
	st = vmi_dev_device_status(vdev);
	if (st & (VMI_DEVICE_FEATURES_REJECTED | VMI_DEVICE_NEEDS_RESET)) {
		dev_err(&vdev->dev, "the backend refused: device_status %#x\n",
			st);
		return -EPROTO;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vmi_dev_start);

/* ---- queues ----------------------------------------------------------- */

void vmi_dev_queue(struct vmi_device *vdev, unsigned int q,
		   struct vmi_dev_queue *out)
{
	struct vmi_layout_queue lq;
	u8 *base = (u8 *)vdev->shm;

	vmi_layout_queue(&vdev->layout, q, &lq);
	out->req_ring = base + lq.req_offset;
	out->rsp_ring = base + lq.rsp_offset;
	out->nr_slots = vdev->layout.p.ring_slots;
	out->req_slot_size = lq.req_slot_size;
	out->rsp_slot_size = lq.rsp_slot_size;
	out->data = base + lq.data_offset;
	out->data_size = vdev->layout.p.data_size;
}
EXPORT_SYMBOL_GPL(vmi_dev_queue);

int vmi_dev_queue_rings(struct vmi_device *vdev, unsigned int q,
			struct vmi_ring *req, size_t req_size,
			struct vmi_ring *rsp, size_t rsp_size, u8 **data)
{
	struct vmi_dev_queue dq;
	int ret;

	vmi_dev_queue(vdev, q, &dq);
	if (dq.req_slot_size != req_size || dq.rsp_slot_size != rsp_size) {
		dev_err(&vdev->dev,
			"queue %u: slots of %u/%u bytes, the driver needs %zu/%zu\n",
			q, dq.req_slot_size, dq.rsp_slot_size, req_size,
			rsp_size);
		return -EPROTO;
	}
	ret = vmi_ring_attach_prod(req, dq.req_ring, dq.nr_slots,
				   dq.req_slot_size);
	if (!ret)
		ret = vmi_ring_attach_cons(rsp, dq.rsp_ring, dq.nr_slots,
					   dq.rsp_slot_size);
	if (ret) {
		dev_err(&vdev->dev, "queue %u: rings refused: %d\n", q, ret);
		return -EPROTO;
	}
	*data = dq.data;
	return 0;
}
EXPORT_SYMBOL_GPL(vmi_dev_queue_rings);

void vmi_dev_watch_init(struct vmi_device *vdev, struct vmi_dev_watch *w,
			u64 features)
{
	w->heartbeat = features & VMI_FEATURE(VMI_F_HEARTBEAT);
	w->last = vmi_dev_heartbeat(vdev);
	w->misses = 0;
	w->status = vmi_dev_device_status(vdev);
}
EXPORT_SYMBOL_GPL(vmi_dev_watch_init);

enum vmi_dev_health vmi_dev_watch(struct vmi_device *vdev,
				  struct vmi_dev_watch *w)
{
	u32 hb = vmi_dev_heartbeat(vdev);

	w->status = vmi_dev_device_status(vdev);
	if (w->status & VMI_DEVICE_NEEDS_RESET ||
	    !(w->status & VMI_DEVICE_ALIVE))
		return VMI_DEV_GONE;
	if (!w->heartbeat)
		return VMI_DEV_OK;
	w->misses = hb == w->last ? w->misses + 1 : 0;
	w->last = hb;
	return w->misses >= VMI_DEV_WATCH_STALL ? VMI_DEV_STALLED : VMI_DEV_OK;
}
EXPORT_SYMBOL_GPL(vmi_dev_watch);

void vmi_dev_notify(struct vmi_device *vdev, unsigned int q)
{
	struct vmi_core_dev *cd = to_vmi_core_dev(vdev);
	long ret = vmi_core_guest.ops.queue_notify(&cd->notify, q);

	if (unlikely(ret))
		dev_err_ratelimited(&vdev->dev, "QueueNotify(%u): %ld\n", q,
				    ret);
}
EXPORT_SYMBOL_GPL(vmi_dev_notify);

int vmi_dev_request_irq(struct vmi_device *vdev, unsigned int q,
			irq_handler_t handler, const char *name, void *data)
{
	return request_irq(pci_irq_vector(to_vmi_core_dev(vdev)->pdev, q + 1),
			   handler, 0, name, data);
}
EXPORT_SYMBOL_GPL(vmi_dev_request_irq);

void vmi_dev_free_irq(struct vmi_device *vdev, unsigned int q, void *data)
{
	free_irq(pci_irq_vector(to_vmi_core_dev(vdev)->pdev, q + 1), data);
}
EXPORT_SYMBOL_GPL(vmi_dev_free_irq);

const struct cpumask *vmi_dev_irq_affinity(struct vmi_device *vdev,
					   unsigned int q)
{
	return pci_irq_get_affinity(to_vmi_core_dev(vdev)->pdev, q + 1);
}
EXPORT_SYMBOL_GPL(vmi_dev_irq_affinity);

/* ---- the ivshmem PCI driver ------------------------------------------- */

static irqreturn_t vmi_core_config_irq(int irq, void *data)
{
	struct vmi_core_dev *cd = data;

	wake_up(&cd->config_wq);
	return IRQ_HANDLED;
}

static void vmi_core_dev_release(struct device *dev)
{
	kfree(to_vmi_core_dev(to_vmi_device(dev)));
}

/* Map BAR2 and check it holds what the ROM entry describes. */
static int vmi_core_map_shm(struct pci_dev *pdev, struct vmi_device *vdev)
{
	resource_size_t start = pci_resource_start(pdev, 2);
	resource_size_t len = pci_resource_len(pdev, 2);
	char err[160];

	if (len < vdev->layout.shm_size) {
		dev_err(&pdev->dev,
			"BAR2 is %llu bytes, the ROM's device needs %llu\n",
			(unsigned long long)len, vdev->layout.shm_size);
		return -EINVAL;
	}
	if (!devm_request_mem_region(&pdev->dev, start, len, KBUILD_MODNAME))
		return -EBUSY;
	/* RAM on the host side: cacheable, so ring accesses are plain. */
	vdev->shm = devm_memremap(&pdev->dev, start, len, MEMREMAP_WB);
	if (IS_ERR(vdev->shm))
		return PTR_ERR(vdev->shm);
	vdev->shm_len = len;
	if (vmi_shm_hdr_check(vdev->shm, len, &vdev->layout, err,
			      sizeof(err))) {
		dev_err(&pdev->dev, "shared memory refused: %s\n", err);
		return -EPROTO;
	}
	return 0;
}

static int vmi_core_setup_irqs(struct pci_dev *pdev, struct vmi_core_dev *cd)
{
	struct irq_affinity affd = { .pre_vectors = 1 };
	int nvec = cd->vdev.nr_queues + 1, have = pci_msix_vec_count(pdev);
	unsigned int flags = PCI_IRQ_MSIX;
	int ret;

	if (have < nvec) {
		dev_err(&pdev->dev,
			"%d MSI-X vectors, the ROM's device needs %d (ivshmem-doorbell vectors=%d)\n",
			have, nvec, nvec);
		return -EINVAL;
	}
	/*
	 * Managed spreading gives at most one vector per possible CPU; a
	 * device with more queues (a net device's RX and TX) takes plain
	 * vectors, which the kernel balances.
	 */
	if (nvec - 1 <= (int)num_possible_cpus())
		flags |= PCI_IRQ_AFFINITY;
	ret = pci_alloc_irq_vectors_affinity(pdev, nvec, nvec, flags,
					     flags & PCI_IRQ_AFFINITY ? &affd :
									NULL);
	if (ret < 0)
		return ret;
	ret = request_irq(pci_irq_vector(pdev, 0), vmi_core_config_irq, 0,
			  "vmi-config", cd);
	if (ret)
		pci_free_irq_vectors(pdev);
	return ret;
}

static int vmi_core_pci_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	u32 locator = (u32)pdev->bus->number << 8 | pdev->devfn;
	struct vmi_core_dev *cd;
	struct vmi_device *vdev;
	u16 dev_class;
	int ret;

	cd = kzalloc(sizeof(*cd), GFP_KERNEL);
	if (!cd)
		return -ENOMEM;
	vdev = &cd->vdev;
	ret = pci_domain_nr(pdev->bus) ?
		      -ENODEV :
		      vmi_core_rom_find_dev(locator, &vdev->entry,
					    &vdev->layout);
	if (ret) {
		if (ret == -ENODEV)
			dev_info(
				&pdev->dev,
				"not named by a VMI ROM device entry: not ours\n");
		kfree(cd);
		return ret;
	}
	dev_class = vmi_le16_to_cpu(vdev->entry.dev_class);
	vdev->dev_class = dev_class;
	vdev->instance = vmi_le16_to_cpu(vdev->entry.instance);
	vdev->nr_queues = vdev->layout.p.nr_queues;
	cd->pdev = pdev;
	init_waitqueue_head(&cd->config_wq);

	ret = pcim_enable_device(pdev);
	if (!ret)
		ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	/* An MSI-X message is a memory write by the device: bus mastering. */
	if (!ret)
		pci_set_master(pdev);
	if (!ret)
		ret = vmi_core_map_shm(pdev, vdev);
	if (ret)
		goto free;
	cd->regs = pcim_iomap_table(pdev)[0];
	cd->notify = (struct vmi_rom_notify_ctx)VMI_ROM_NOTIFY_CTX_INIT(
		vdev->nr_queues);
	cd->notify.peer_id = VMI_IVSHMEM_HOST_PEER;
	/* The ROM stores to BAR0 as mapped: a guest virtual address. */
	cd->notify.regs = (u64)(uintptr_t)(void __force *)cd->regs;
	ret = vmi_core_setup_irqs(pdev, cd);
	if (ret)
		goto free;

	vdev->dev.bus = &vmi_bus_type;
	vdev->dev.parent = &pdev->dev;
	vdev->dev.release = vmi_core_dev_release;
	dev_set_name(&vdev->dev, "%s%u",
		     dev_class < ARRAY_SIZE(vmi_core_class_names) &&
				     vmi_core_class_names[dev_class] ?
			     vmi_core_class_names[dev_class] :
			     "dev",
		     vdev->instance);
	pci_set_drvdata(pdev, cd);
	dev_info(
		&pdev->dev,
		"vmipv %s: %u queues x %u slots, %u KiB data each, features %#llx, BAR2 %llu KiB, peer id %u\n",
		dev_name(&vdev->dev), vdev->nr_queues,
		vdev->layout.p.ring_slots, vdev->layout.p.data_size >> 10,
		(unsigned long long)vmi_le64_to_cpu(vdev->entry.features),
		vdev->shm_len >> 10,
		ioread32(cd->regs + VMI_IVSHMEM_REG_IVPOSITION));
	ret = device_register(&vdev->dev);
	if (ret) {
		free_irq(pci_irq_vector(pdev, 0), cd);
		pci_free_irq_vectors(pdev);
		put_device(&vdev->dev);
	}
	return ret;
free:
	kfree(cd);
	return ret;
}

static void vmi_core_pci_remove(struct pci_dev *pdev)
{
	struct vmi_core_dev *cd = pci_get_drvdata(pdev);

	/* The driver's remove may still wait for vector 0: irqs go last. */
	get_device(&cd->vdev.dev);
	device_unregister(&cd->vdev.dev);
	free_irq(pci_irq_vector(pdev, 0), cd);
	pci_free_irq_vectors(pdev);
	put_device(&cd->vdev.dev);
}

static const struct pci_device_id vmi_core_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },
	{}
};
MODULE_DEVICE_TABLE(pci, vmi_core_pci_ids);

static struct pci_driver vmi_core_pci_driver = {
	.name = "vmi_core",
	.id_table = vmi_core_pci_ids,
	.probe = vmi_core_pci_probe,
	.remove = vmi_core_pci_remove,
};

/*
 * The bus always exists, so that device drivers load in native mode too;
 * the PCI driver only when the ROM has devices to offer, so that a guest
 * without a ROM leaves every ivshmem device to whoever wants it.
 */
int vmi_core_bus_init(void)
{
	int ret = bus_register(&vmi_bus_type);

	if (ret || !vmi_core_guest.dev_count)
		return ret;
	ret = pci_register_driver(&vmi_core_pci_driver);
	if (ret)
		bus_unregister(&vmi_bus_type);
	return ret;
}

void vmi_core_bus_exit(void)
{
	if (vmi_core_guest.dev_count)
		pci_unregister_driver(&vmi_core_pci_driver);
	bus_unregister(&vmi_bus_type);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to vmi_core.ko: the ROM probe (core_rom.c) and the vmi bus with
 * its ivshmem PCI driver (core_bus.c). Device drivers include vmi_core.h.
 */
#ifndef VMI_CORE_PRIV_H
#define VMI_CORE_PRIV_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/wait.h>
#include <vmi_guest.h>

#include "vmi_core.h"

/* vmi_core's side of one device: the PCI device behind it. */
struct vmi_core_dev {
	struct vmi_device vdev;
	struct pci_dev *pdev;
	void __iomem *regs; /* BAR0: INTRMASK, INTRSTATUS, IVPOSITION, DOORBELL */
	struct vmi_rom_notify_ctx notify; /* what QueueNotify reads */
	wait_queue_head_t config_wq; /* woken by vector 0 */
};

#define to_vmi_core_dev(v) container_of(v, struct vmi_core_dev, vdev)

/* core_rom.c: the bound ROM, or native calls when there is none. */
extern struct vmi_guest vmi_core_guest;
int vmi_core_rom_probe(void);
void vmi_core_rom_release(void);
int vmi_core_rom_find_dev(u32 locator, struct vmi_rom_dev *out,
			  struct vmi_layout *layout);

/* core_bus.c */
int vmi_core_bus_init(void);
void vmi_core_bus_exit(void);

#endif /* VMI_CORE_PRIV_H */

// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi_core.ko: the VMI layer of a vmipv Linux guest. At load it probes the
 * option-ROM window for a VMI ROM and binds it (core_rom.c), or binds the
 * native implementations when there is none or it is refused, and then
 * offers the ROM's devices on the vmi bus (core_bus.c). It loads in both
 * cases: one kernel runs with and without a hypervisor ROM.
 */
#include "core_priv.h" /* first: it sets pr_fmt */

#include <linux/module.h>

static int __init vmi_core_init(void)
{
	int ret = vmi_core_rom_probe();

	if (ret)
		return ret;
	ret = vmi_core_bus_init();
	if (ret)
		vmi_core_rom_release();
	return ret;
}

static void __exit vmi_core_exit(void)
{
	vmi_core_bus_exit();
	vmi_core_rom_release();
}

module_init(vmi_core_init);
module_exit(vmi_core_exit);
MODULE_DESCRIPTION("vmipv: VMI ROM probe and binding, vmi bus");
MODULE_LICENSE("GPL");

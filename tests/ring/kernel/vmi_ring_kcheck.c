// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compile check, never loaded: every ring operation of
 * shared-ring/vmi_ring.h instantiated in a Linux kernel module, so that
 * tests/ring/kernel-compile.sh proves the header builds unchanged against
 * the kernel's own barriers, READ_ONCE/WRITE_ONCE and types (-Werror).
 */
#include <linux/module.h>
#include "vmi_ring.h"

int vmi_ring_kcheck(void *mem);

int vmi_ring_kcheck(void *mem)
{
	struct vmi_ring prod, cons;
	u64 item;
	int n;

	vmi_ring_init(mem);
	n = vmi_ring_attach_prod(&prod, mem, 8, sizeof(item));
	n += vmi_ring_attach_cons(&cons, mem, 8, sizeof(item));
	n += vmi_ring_prod_reserve(&prod, 2);
	*(u64 *)vmi_ring_prod_slot(&prod, 0) = 1;
	n += vmi_ring_prod_publish(&prod, 1);
	vmi_ring_prod_push(&prod, 1);
	n += vmi_ring_prod_check_notify(&prod) + vmi_ring_prod_arm(&prod);
	n += vmi_ring_cons_peek(&cons);
	vmi_ring_cons_copy(&cons, 0, &item);
	n += READ_ONCE(*(const u64 *)vmi_ring_cons_slot(&cons, 1)) != item;
	n += vmi_ring_cons_release(&cons, 1);
	vmi_ring_cons_pop(&cons, 1);
	n += vmi_ring_cons_check_notify(&cons) + vmi_ring_cons_arm(&cons);
	return n + vmi_ring_nr_slots(&cons);
}
EXPORT_SYMBOL_GPL(vmi_ring_kcheck);

MODULE_DESCRIPTION("vmipv ring header compile check");
MODULE_LICENSE("GPL");

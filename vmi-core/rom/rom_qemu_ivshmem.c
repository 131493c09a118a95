// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "qemu-ivshmem" flavour: the guest is a kernel in QEMU and each
 * device's shared memory is BAR2 of an ivshmem-doorbell PCI device whose
 * server is the backend. A queue is notified by a 32-bit store to the
 * doorbell register in BAR0; completions come back as MSI-X vectors, so
 * waiting and acknowledging are the guest kernel's business (NONE, NOP).
 * Register layout: QEMU docs/specs/ivshmem-spec, and include/vmi/dev.h.
 */
#include "rom_priv.h"

/* ctx->regs is where the guest mapped BAR0. */
#define VMI_ROM_REG(ctx, off)                   \
	(((volatile uint32_t *)(uintptr_t)(ctx) \
		  ->regs)[(off) / sizeof(uint32_t)])

/* Nothing to set up: the BAR mappings arrive with each call's context. */
long vmi_rom_init(void)
{
	return 0;
}

static long vmi_rom_ivshmem_queue_notify(const struct vmi_rom_notify_ctx *ctx,
					 uint32_t queue)
{
	/* The doorbell's high half names the peer, the low half a vector. */
	if (vmi_rom_notify_ctx_bad(ctx, queue) || ctx->peer_id > 0xffff)
		return -EINVAL;
	VMI_ROM_REG(ctx, VMI_IVSHMEM_REG_DOORBELL) = ctx->peer_id << 16 |
						     (queue + 1);
	return 0;
}

/*
 * Without MSI-X the device has one INTx line for every vector: INTRMASK
 * bit 0 enables it (the spec's "peer interrupt"), so masking any queue
 * masks them all. The other bits are reserved and kept as read.
 */
static long vmi_rom_ivshmem_queue_irq_mask(const struct vmi_rom_notify_ctx *ctx,
					   uint32_t queue, uint32_t masked)
{
	uint32_t v;

	if (vmi_rom_notify_ctx_bad(ctx, queue))
		return -EINVAL;
	v = VMI_ROM_REG(ctx, VMI_IVSHMEM_REG_INTRMASK);
	VMI_ROM_REG(ctx, VMI_IVSHMEM_REG_INTRMASK) = masked ? v & ~1u : v | 1u;
	return 0;
}

struct vmi_rom_reloc vmi_rom_get_reloc(uint32_t call)
{
	switch (call) {
	case VMI_CALL_RDTSC:
		return VMI_ROM_CALL(vmi_rom_rdtsc);
	case VMI_CALL_DevEnumerate:
		return VMI_ROM_CALL(vmi_rom_dev_enumerate);
	case VMI_CALL_QueueNotify:
		return VMI_ROM_CALL(vmi_rom_ivshmem_queue_notify);
	case VMI_CALL_QueueIrqAck:
		/* MSI-X needs no acknowledgement. */
		return VMI_ROM_NOP;
	case VMI_CALL_QueueIrqMask:
		return VMI_ROM_CALL(vmi_rom_ivshmem_queue_irq_mask);
	default:
		/* WaitEvent, ReadClock: the guest kernel's own. */
		return VMI_ROM_NONE;
	}
}

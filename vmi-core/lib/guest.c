// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binding a VMI ROM, Linux's way: run vmi_init, then ask get_reloc for
 * every call the guest uses and take the ROM's code where it answers CALL,
 * a no-op where it answers NOP, and the guest's own native code where it
 * answers NONE. The image is validated first, and every answer is checked
 * against the call table before a pointer is taken, so a ROM whose code
 * and tables disagree is refused rather than half bound.
 *
 * Kernel-compatible: compat.h is the only environment it needs.
 */
#include "compat.h"
#include <vmi_guest.h>

typedef long (*vmi_rom_init_fn)(void);
typedef struct vmi_rom_reloc (*vmi_rom_get_reloc_fn)(uint32_t call);

/* ---- Native implementations: no ROM, no vmipv devices ----------------- */

static uint64_t vmi_native_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static long vmi_native_dev_enumerate(uint32_t index, struct vmi_rom_dev *out)
{
	(void)index;
	(void)out;
	return -ENODEV;
}

static long vmi_native_queue(const struct vmi_rom_notify_ctx *ctx,
			     uint32_t queue)
{
	(void)ctx;
	(void)queue;
	return -ENODEV;
}

static long vmi_native_queue_irq_mask(const struct vmi_rom_notify_ctx *ctx,
				      uint32_t queue, uint32_t masked)
{
	(void)ctx;
	(void)queue;
	(void)masked;
	return -ENODEV;
}

static long vmi_native_wait_event(const struct vmi_rom_notify_ctx *ctx,
				  uint32_t queue, int64_t timeout_ns)
{
	(void)ctx;
	(void)queue;
	(void)timeout_ns;
	return -ENODEV;
}

static uint64_t vmi_native_read_clock(void)
{
	return vmi_compat_clock_ns();
}

static const struct vmi_guest_ops vmi_native_ops = {
	.rdtsc = vmi_native_rdtsc,
	.dev_enumerate = vmi_native_dev_enumerate,
	.queue_notify = vmi_native_queue,
	.queue_irq_ack = vmi_native_queue,
	.queue_irq_mask = vmi_native_queue_irq_mask,
	.wait_event = vmi_native_wait_event,
	.read_clock = vmi_native_read_clock,
};

/* ---- No-ops: what the hypervisor does not need (NOP) ------------------ */

/*
 * Same contract as the ROM's calls: a context of another layout or a queue
 * out of range is -EINVAL.
 */
static long vmi_nop_queue(const struct vmi_rom_notify_ctx *ctx, uint32_t queue)
{
	return vmi_rom_notify_ctx_bad(ctx, queue) ? -EINVAL : 0;
}

static long vmi_nop_queue_irq_mask(const struct vmi_rom_notify_ctx *ctx,
				   uint32_t queue, uint32_t masked)
{
	(void)masked;
	return vmi_nop_queue(ctx, queue);
}

void vmi_guest_bind_native(struct vmi_guest *g)
{
	memset(g, 0, sizeof(*g));
	g->ops = vmi_native_ops;
}

/* What the (validated) call table says about call: type and offset. */
static void vmi_guest_table(const struct vmi_rom_header *h, uint32_t call,
			    uint8_t *type, uint32_t *offset)
{
	const uint8_t *table =
		(const uint8_t *)h + vmi_le32_to_cpu(h->ext.call_offset);
	unsigned int i;

	*type = VMI_ROM_RELOC_NONE;
	*offset = 0;
	for (i = 0; i < vmi_le16_to_cpu(h->ext.call_count); i++) {
		struct vmi_rom_call rc;

		memcpy(&rc, table + i * sizeof(rc), sizeof(rc));
		if (vmi_le16_to_cpu(rc.call) == call) {
			*type = rc.type;
			*offset = vmi_le32_to_cpu(rc.offset);
			return;
		}
	}
}

/*
 * Ask get_reloc about call and check the answer against the call table:
 * the same type, and for CALL the address of the table's offset in the
 * image as it is mapped now (anything else would run code nobody checked).
 */
static int vmi_guest_reloc(const struct vmi_rom_header *h,
			   vmi_rom_get_reloc_fn get_reloc, uint32_t call,
			   uintptr_t *addr, uint8_t *type, char *err,
			   size_t errlen)
{
	struct vmi_rom_reloc r = get_reloc(call);
	uintptr_t want;
	uint32_t offset;

	vmi_guest_table(h, call, type, &offset);
	want = *type == VMI_ROM_RELOC_CALL ? (uintptr_t)h + offset : 0;
	if (r.type != *type || r.addr != want) {
		vmi_errf(
			err, errlen,
			"get_reloc(%u %s) answered %s at %#llx; the call table says %s at %#llx",
			call, vmi_rom_call_name(call),
			vmi_rom_reloc_name(r.type) ?
				vmi_rom_reloc_name(r.type) :
				"an unknown type",
			(unsigned long long)r.addr, vmi_rom_reloc_name(*type),
			(unsigned long long)want);
		return -EPROTO;
	}
	*addr = r.addr;
	return 0;
}

/*
 * Bind one entry of b->ops: the ROM's code for CALL, nop for NOP (NULL for
 * a call with a result, which the validator never lets through as NOP),
 * the native code for NONE.
 */
#define VMI_GUEST_BIND(h, get_reloc, b, field, call, nop, err, errlen)        \
	({                                                                    \
		uintptr_t addr_;                                              \
		int ret_ = vmi_guest_reloc(h, get_reloc, call, &addr_,        \
					   &(b)->binding.field, err, errlen); \
		if (!ret_ && (b)->binding.field == VMI_ROM_RELOC_CALL)        \
			(b)->ops.field = (__typeof__((b)->ops.field))addr_;   \
		else if (!ret_ && (b)->binding.field == VMI_ROM_RELOC_NOP)    \
			(b)->ops.field = (nop);                               \
		if (!ret_ && !(b)->ops.field) {                               \
			vmi_errf(err, errlen,                                 \
				 "call %u: NOP for a call with a result",     \
				 call);                                       \
			ret_ = -EPROTO;                                       \
		}                                                             \
		ret_;                                                         \
	})

int vmi_guest_bind(struct vmi_guest *g, const void *image, size_t len,
		   char *err, size_t errlen)
{
	const struct vmi_rom_header *h = image;
	vmi_rom_init_fn init;
	vmi_rom_get_reloc_fn get_reloc;
	struct vmi_guest b;
	long rc;
	int ret;

	vmi_guest_bind_native(g);
	if (!image)
		return 0;
	ret = vmi_rom_validate(image, len, err, errlen);
	if (ret)
		return ret;

	init = (vmi_rom_init_fn)(uintptr_t)h->vmi_init;
	get_reloc = (vmi_rom_get_reloc_fn)(uintptr_t)h->get_reloc;
	rc = init();
	if (rc) {
		vmi_errf(err, errlen, "vmi_init returned %ld", rc);
		return -ENODEV;
	}

	vmi_guest_bind_native(&b);
	ret = VMI_GUEST_BIND(h, get_reloc, &b, rdtsc, VMI_CALL_RDTSC, NULL, err,
			     errlen);
	if (!ret)
		ret = VMI_GUEST_BIND(h, get_reloc, &b, dev_enumerate,
				     VMI_CALL_DevEnumerate, NULL, err, errlen);
	if (!ret)
		ret = VMI_GUEST_BIND(h, get_reloc, &b, queue_notify,
				     VMI_CALL_QueueNotify, vmi_nop_queue, err,
				     errlen);
	if (!ret)
		ret = VMI_GUEST_BIND(h, get_reloc, &b, queue_irq_ack,
				     VMI_CALL_QueueIrqAck, vmi_nop_queue, err,
				     errlen);
	if (!ret)
		ret = VMI_GUEST_BIND(h, get_reloc, &b, queue_irq_mask,
				     VMI_CALL_QueueIrqMask,
				     vmi_nop_queue_irq_mask, err, errlen);
	if (!ret)
		ret = VMI_GUEST_BIND(h, get_reloc, &b, wait_event,
				     VMI_CALL_WaitEvent, NULL, err, errlen);
	if (!ret)
		ret = VMI_GUEST_BIND(h, get_reloc, &b, read_clock,
				     VMI_CALL_ReadClock, NULL, err, errlen);
	if (ret)
		return ret;

	b.image = image;
	b.image_len = vmi_le32_to_cpu(h->ext.image_size);
	b.flavour = vmi_le16_to_cpu(h->ext.flavour);
	b.dev_count = vmi_le16_to_cpu(h->ext.dev_count);
	*g = b;
	return 0;
}

int vmi_guest_dev_socket(const struct vmi_guest *g,
			 const struct vmi_rom_dev *dev, char *path, size_t len)
{
	const struct vmi_rom_header *h = g->image;
	uint32_t loc, loc_len;

	if (!h)
		return -ENODEV;
	loc = vmi_le32_to_cpu(dev->locator);
	loc_len = vmi_le32_to_cpu(dev->locator_len);
	/* dev is the caller's copy: check it against this image again. */
	if (vmi_le16_to_cpu(dev->transport) != VMI_TRANSPORT_PROCESS ||
	    !loc_len ||
	    (uint64_t)loc + loc_len > vmi_le32_to_cpu(h->ext.strings_size))
		return -EINVAL;
	if (loc_len >= len)
		return -ENAMETOOLONG;
	memcpy(path,
	       (const uint8_t *)h + vmi_le32_to_cpu(h->ext.strings_offset) +
		       loc,
	       loc_len);
	path[loc_len] = '\0';
	return (int)loc_len;
}

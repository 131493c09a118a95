// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi_core: find the VMI ROM, validate it, copy it into read-only
 * executable memory and bind its calls, as Linux's VMI did
 * (arch/x86/kernel/vmi_32.c, 2.6.21-2.6.36): scan the option-ROM window
 * 0xC0000-0xDFFFF in 2 KiB steps for 55 AA + "cVmi", then trust nothing
 * the image says until the shared validator (vmi-core/lib, the same code
 * user-space guests run) has checked all of docs/ABI.md part (a), and bind
 * with the shared binder, which checks each get_reloc answer against the
 * validated call table.
 *
 * Executable memory: a module of Debian's 6.1 kernel has no exported
 * allocator of executable memory (module_alloc and set_memory_x are not
 * exported; vmap() and __vmalloc() give non-executable mappings since
 * 5.8). lookup_address() is exported, so vmi_core takes pages from
 * vmalloc(), copies the image (validated in the window) there while the
 * mapping is writable and not executable, then rewrites those pages' own
 * PTEs to PAGE_KERNEL_ROX and flushes the TLBs; the binder validates the
 * copy once more before it calls vmi_init. No mapping of the image is ever
 * writable and executable at once, and nothing in it runs unvalidated.
 * If the pages are not mapped by 4 KiB PTEs, the ROM is refused and the
 * guest runs natively.
 */
#include "core_priv.h" /* first: it sets pr_fmt */

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>

struct vmi_guest vmi_core_guest;
static void *vmi_core_rom_image; /* RO+X copy, or NULL when native */
static size_t vmi_core_rom_size; /* bytes mapped at vmi_core_rom_image */

static void vmi_core_flush_tlb_one(void *unused)
{
	__flush_tlb_all();
}

/* Give every page of [addr, addr + size) the protection prot. */
static int vmi_core_protect(void *addr, size_t size, pgprot_t prot)
{
	unsigned long a, end = (unsigned long)addr + size;
	unsigned int level;
	pte_t *pte;

	/* All pages or none: check them all before changing one. */
	for (a = (unsigned long)addr; a < end; a += PAGE_SIZE) {
		pte = lookup_address(a, &level);
		if (!pte || level != PG_LEVEL_4K)
			return -EFAULT;
	}
	for (a = (unsigned long)addr; a < end; a += PAGE_SIZE) {
		pte = lookup_address(a, &level);
		set_pte(pte, pfn_pte(pte_pfn(*pte), prot));
	}
	on_each_cpu(vmi_core_flush_tlb_one, NULL, 1);
	return 0;
}

static void vmi_core_exec_free(void *mem, size_t size)
{
	if (vmi_core_protect(mem, size, PAGE_KERNEL))
		pr_err("cannot make the ROM copy writable again: leaking it\n");
	else
		vfree(mem);
}

/*
 * Take the validated image at window offset off: copy it into fresh pages,
 * make them read-only and executable, bind (which validates the copy
 * again, the bytes that will run). 0 with the ROM bound, or a negative
 * errno with err naming the field or call that failed.
 */
static int vmi_core_rom_take(const u8 *win, size_t off, char *err,
			     size_t errlen)
{
	const struct vmi_rom_header *h = (const void *)(win + off);
	size_t len = (size_t)h->rom_length * VMI_ROM_BLOCK;
	size_t size = PAGE_ALIGN(len);
	void *mem = vmalloc(size);
	int ret;

	if (!mem) {
		snprintf(err, errlen, "no memory for a %zu-byte copy", size);
		return -ENOMEM;
	}
	memcpy(mem, h, len);
	memset(mem + len, VMI_ROM_INT3, size - len);
	ret = vmi_core_protect(mem, size, PAGE_KERNEL_ROX);
	if (ret) {
		snprintf(
			err, errlen,
			"its copy is not mapped by 4 KiB pages: cannot make it read-only executable");
		goto fail;
	}
	ret = vmi_guest_bind(&vmi_core_guest, mem, len, err, errlen);
	if (ret)
		goto fail;
	vmi_core_rom_image = mem;
	vmi_core_rom_size = size;
	return 0;
fail:
	vmi_core_exec_free(mem, size);
	return ret;
}

static const char *vmi_core_flavour_name(u16 flavour)
{
	return flavour == VMI_ROM_FLAVOUR_PROCESS      ? "process" :
	       flavour == VMI_ROM_FLAVOUR_QEMU_IVSHMEM ? "qemu-ivshmem" :
							 "?";
}

static void vmi_core_rom_report(phys_addr_t phys)
{
	const struct vmi_rom_header *h = vmi_core_rom_image;
	const struct vmi_guest_binding *b = &vmi_core_guest.binding;

	pr_info("VMI ROM at %#llx: %u bytes, API %u.%u, vmipv %u.%u, flavour %s, %u device%s\n",
		(unsigned long long)phys, vmi_le32_to_cpu(h->ext.image_size),
		h->api_version_maj, h->api_version_min,
		vmi_le16_to_cpu(h->ext.version_major),
		vmi_le16_to_cpu(h->ext.version_minor),
		vmi_core_flavour_name(vmi_core_guest.flavour),
		vmi_core_guest.dev_count,
		vmi_core_guest.dev_count == 1 ? "" : "s");
	pr_info("bound: RDTSC %s, DevEnumerate %s, QueueNotify %s, QueueIrqAck %s, QueueIrqMask %s, WaitEvent %s, ReadClock %s\n",
		vmi_rom_reloc_name(b->rdtsc),
		vmi_rom_reloc_name(b->dev_enumerate),
		vmi_rom_reloc_name(b->queue_notify),
		vmi_rom_reloc_name(b->queue_irq_ack),
		vmi_rom_reloc_name(b->queue_irq_mask),
		vmi_rom_reloc_name(b->wait_event),
		vmi_rom_reloc_name(b->read_clock));
}

/*
 * The library's probe scans the window as Linux did and validates each
 * candidate in place; the winner is then copied, and only the copy runs.
 */
int vmi_core_rom_probe(void)
{
	size_t win_len = VMI_ROM_SCAN_END - VMI_ROM_SCAN_START, off;
	char err[160];
	u8 *win;

	vmi_guest_bind_native(&vmi_core_guest);
	win = memremap(VMI_ROM_SCAN_START, win_len, MEMREMAP_WB);
	if (!win) {
		pr_err("cannot map the option-ROM window %#x-%#x: native, no vmipv devices\n",
		       VMI_ROM_SCAN_START, VMI_ROM_SCAN_END - 1);
		return 0;
	}
	if (vmi_rom_probe(win, win_len, &off, err, sizeof(err))) {
		pr_info("no VMI ROM accepted in %#x-%#x (%s): native, no vmipv devices\n",
			VMI_ROM_SCAN_START, VMI_ROM_SCAN_END - 1, err);
	} else if (vmi_core_rom_take(win, off, err, sizeof(err))) {
		pr_warn("VMI ROM at %#lx refused: %s; native, no vmipv devices\n",
			VMI_ROM_SCAN_START + off, err);
		vmi_guest_bind_native(&vmi_core_guest);
	} else {
		vmi_core_rom_report(VMI_ROM_SCAN_START + off);
	}
	memunmap(win);
	return 0;
}

void vmi_core_rom_release(void)
{
	if (vmi_core_rom_image)
		vmi_core_exec_free(vmi_core_rom_image, vmi_core_rom_size);
	vmi_core_rom_image = NULL;
	vmi_guest_bind_native(&vmi_core_guest);
}

/*
 * The ROM's device entry for the ivshmem PCI device at locator
 * (bus << 8 | devfn), through DevEnumerate. The ROM's code fills out,
 * so each entry is checked again here: class, transport, and the geometry
 * against the layout rule.
 */
int vmi_core_rom_find_dev(u32 locator, struct vmi_rom_dev *out,
			  struct vmi_layout *layout)
{
	char err[160];
	u32 i;

	for (i = 0; i < vmi_core_guest.dev_count; i++) {
		long ret = vmi_core_guest.ops.dev_enumerate(i, out);

		if (ret) {
			pr_err("DevEnumerate(%u) returned %ld\n", i, ret);
			return -EPROTO;
		}
		if (vmi_le16_to_cpu(out->transport) != VMI_TRANSPORT_IVSHMEM ||
		    vmi_le32_to_cpu(out->locator) != locator)
			continue;
		if (vmi_layout_from_rom_dev(out, layout, err, sizeof(err))) {
			pr_err("device %u: %s\n", i, err);
			return -EPROTO;
		}
		return 0;
	}
	return -ENODEV;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "qemu-ivshmem" flavour: the guest is a kernel in QEMU (KVM or TCG),
 * a hardware-virtualised CPU, so the ROM implements the CPU, interrupt,
 * MMU, APIC and time calls of docs/ABI.md part (a) with the privileged
 * instructions themselves, and does better than native where the
 * hypervisor knows more: the cycle frequency (measured or configured when
 * vmi-rom built the image, no calibration), batched page-table stores in
 * lazy MMU mode, no port-0x80 delays.
 *
 * Its state is per CPU, in guest memory the kernel hands over through
 * %gs:0 (struct vmi_rom_cpu): per-call counters and the lazy-MMU queue.
 *
 * Devices: each device's shared memory is BAR2 of an ivshmem-doorbell PCI
 * device whose server is the backend. A queue is notified by a 32-bit
 * store to the doorbell register in BAR0; completions come back as MSI-X
 * vectors, so waiting and acknowledging are the guest kernel's business
 * (NONE, NOP). Register layout: QEMU docs/specs/ivshmem-spec, and
 * include/vmi/dev.h.
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

/* ---- Per-CPU state ------------------------------------------------------ */

#define VMI_ROM_IF 0x200ull /* RFLAGS.IF */
#define VMI_ROM_IOPL 0x3000ull /* RFLAGS.IOPL */
#define VMI_ROM_CR4_PGE 0x80ull
#define VMI_ROM_X2APIC_MSR 0x800u /* + xAPIC offset / 16 */
#define VMI_ROM_APIC_ICR 0x300u

/*
 * The interrupt calls keep every register but RAX (the kernel's
 * callee-save pv-op convention): GCC saves whatever such a function uses,
 * the counter increment included.
 */
#define VMI_ROM_KEEP_REGS __attribute__((no_caller_saved_registers))

typedef uint64_t __attribute__((aligned(1), may_alias)) vmi_rom_u64_any;

/* This CPU's struct vmi_rom_cpu, from %gs:0, or NULL. */
static inline struct vmi_rom_cpu *vmi_rom_cpu(void)
{
	struct vmi_rom_cpu *c;

	asm volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Count one call of number call on this CPU; returns its state or NULL. */
static inline struct vmi_rom_cpu *vmi_rom_count(unsigned int call)
{
	struct vmi_rom_cpu *c = vmi_rom_cpu();

	if (c)
		c->calls[call]++;
	return c;
}

/* Apply the page-table stores lazy MMU mode queued, in order. */
static void vmi_rom_lazy_apply(struct vmi_rom_cpu *c)
{
	uint32_t i, n = c->lazy_count;

	if (!n)
		return;
	/* The guest's own memory: a wild count cannot send us past lazy[]. */
	if (n > VMI_ROM_LAZY_SLOTS)
		n = VMI_ROM_LAZY_SLOTS;
	for (i = 0; i < n; i++)
		*(volatile uint64_t *)(uintptr_t)c->lazy[i].entry =
			c->lazy[i].value;
	c->lazy_count = 0;
	c->lazy_flushes++;
}

static inline uint64_t vmi_rom_flags(void)
{
	uint64_t f;

	asm volatile("pushfq\n\tpopq %0" : "=r"(f));
	return f;
}

static inline void vmi_rom_set_flags(uint64_t f)
{
	asm volatile("pushq %0\n\tpopfq" : : "r"(f) : "memory", "cc");
}

static inline uint64_t vmi_rom_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void vmi_rom_wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

/* ---- CPU, control registers and descriptors ------------------------------ */

static void vmi_rom_cpuid(struct vmi_rom_cpuid *r)
{
	uint32_t a, b, c, d;

	vmi_rom_count(VMI_CALL_CPUID);
	asm volatile("cpuid"
		     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "0"(r->eax), "2"(r->ecx));
	r->eax = a;
	r->ebx = b;
	r->ecx = c;
	r->edx = d;
}

/* A faulting MSR access raises #GP here: the guest binds the plain access. */
static long vmi_rom_write_msr(uint32_t msr, uint64_t value)
{
	vmi_rom_count(VMI_CALL_WRMSR);
	vmi_rom_wrmsr(msr, value);
	return 0;
}

static long vmi_rom_read_msr(uint32_t msr, uint64_t *value)
{
	vmi_rom_count(VMI_CALL_RDMSR);
	*value = vmi_rom_rdmsr(msr);
	return 0;
}

static void vmi_rom_set_gdt(const struct vmi_rom_desc_ptr *p)
{
	vmi_rom_count(VMI_CALL_SetGDT);
	asm volatile("lgdt %0" : : "m"(*p) : "memory");
}

static void vmi_rom_set_ldt(uint16_t sel)
{
	vmi_rom_count(VMI_CALL_SetLDT);
	asm volatile("lldt %0" : : "r"(sel) : "memory");
}

static void vmi_rom_set_idt(const struct vmi_rom_desc_ptr *p)
{
	vmi_rom_count(VMI_CALL_SetIDT);
	asm volatile("lidt %0" : : "m"(*p) : "memory");
}

static void vmi_rom_set_tr(uint16_t sel)
{
	vmi_rom_count(VMI_CALL_SetTR);
	asm volatile("ltr %0" : : "r"(sel) : "memory");
}

static void vmi_rom_get_gdt(struct vmi_rom_desc_ptr *p)
{
	vmi_rom_count(VMI_CALL_GetGDT);
	asm volatile("sgdt %0" : "=m"(*p));
}

static uint16_t vmi_rom_get_ldt(void)
{
	uint16_t sel;

	vmi_rom_count(VMI_CALL_GetLDT);
	asm volatile("sldt %0" : "=r"(sel));
	return sel;
}

static void vmi_rom_get_idt(struct vmi_rom_desc_ptr *p)
{
	vmi_rom_count(VMI_CALL_GetIDT);
	asm volatile("sidt %0" : "=m"(*p));
}

static uint16_t vmi_rom_get_tr(void)
{
	uint16_t sel;

	vmi_rom_count(VMI_CALL_GetTR);
	asm volatile("str %0" : "=r"(sel));
	return sel;
}

/* Descriptor stores: 8 or 16 bytes, as whole 64-bit words. */
static void vmi_rom_copy_desc(uint64_t dst, const void *src, uint32_t size)
{
	volatile vmi_rom_u64_any *d = (volatile vmi_rom_u64_any *)dst;
	const vmi_rom_u64_any *s = src;

	d[0] = s[0];
	if (size == 16)
		d[1] = s[1];
}

static void vmi_rom_write_gdt_entry(uint64_t table, uint32_t index,
				    const void *desc, uint32_t size)
{
	vmi_rom_count(VMI_CALL_WriteGDTEntry);
	if (size == 8 || size == 16)
		vmi_rom_copy_desc(table + (uint64_t)index * 8, desc, size);
}

static void vmi_rom_write_ldt_entry(uint64_t table, uint32_t index,
				    const void *desc)
{
	vmi_rom_count(VMI_CALL_WriteLDTEntry);
	vmi_rom_copy_desc(table + (uint64_t)index * 8, desc, 8);
}

static void vmi_rom_write_idt_entry(uint64_t table, uint32_t index,
				    const void *gate)
{
	vmi_rom_count(VMI_CALL_WriteIDTEntry);
	vmi_rom_copy_desc(table + (uint64_t)index * 16, gate, 16);
}

/*
 * The ROM cannot find a writable TSS (an x86-64 kernel's TR points at a
 * read-only alias), so the guest names it: rsp0 is at offset 4.
 */
static void vmi_rom_update_kernel_stack(uint64_t tss, uint64_t sp0)
{
	vmi_rom_count(VMI_CALL_UpdateKernelStack);
	*(volatile vmi_rom_u64_any *)(tss + 4) = sp0;
}

#define VMI_ROM_CR_CALLS(n)                                            \
	static void vmi_rom_set_cr##n(uint64_t v)                      \
	{                                                              \
		vmi_rom_count(VMI_CALL_SetCR##n);                      \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}                                                              \
	static uint64_t vmi_rom_get_cr##n(void)                        \
	{                                                              \
		uint64_t v;                                            \
		vmi_rom_count(VMI_CALL_GetCR##n);                      \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                              \
	}
VMI_ROM_CR_CALLS(0)
VMI_ROM_CR_CALLS(2)
VMI_ROM_CR_CALLS(3)
VMI_ROM_CR_CALLS(4)

static void vmi_rom_wbinvd(void)
{
	vmi_rom_count(VMI_CALL_WBINVD);
	asm volatile("wbinvd" : : : "memory");
}

static void vmi_rom_set_dr(uint32_t regno, uint64_t v)
{
	vmi_rom_count(VMI_CALL_SetDR);
	switch (regno) {
	case 0:
		asm volatile("mov %0, %%db0" : : "r"(v));
		break;
	case 1:
		asm volatile("mov %0, %%db1" : : "r"(v));
		break;
	case 2:
		asm volatile("mov %0, %%db2" : : "r"(v));
		break;
	case 3:
		asm volatile("mov %0, %%db3" : : "r"(v));
		break;
	case 6:
		asm volatile("mov %0, %%db6" : : "r"(v));
		break;
	case 7:
		asm volatile("mov %0, %%db7" : : "r"(v));
		break;
	}
}

static uint64_t vmi_rom_get_dr(uint32_t regno)
{
	uint64_t v = 0;

	vmi_rom_count(VMI_CALL_GetDR);
	switch (regno) {
	case 0:
		asm volatile("mov %%db0, %0" : "=r"(v));
		break;
	case 1:
		asm volatile("mov %%db1, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%db2, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%db3, %0" : "=r"(v));
		break;
	case 6:
		asm volatile("mov %%db6, %0" : "=r"(v));
		break;
	case 7:
		asm volatile("mov %%db7, %0" : "=r"(v));
		break;
	}
	return v;
}

static uint64_t vmi_rom_rdpmc(uint32_t counter)
{
	uint32_t lo, hi;

	vmi_rom_count(VMI_CALL_RDPMC);
	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t vmi_rom_ivshmem_rdtsc(void)
{
	vmi_rom_count(VMI_CALL_RDTSC);
	return vmi_rom_tsc();
}

static void vmi_rom_clts(void)
{
	vmi_rom_count(VMI_CALL_CLTS);
	asm volatile("clts" : : : "memory");
}

static void vmi_rom_set_iopl_mask(uint64_t mask)
{
	vmi_rom_count(VMI_CALL_SetIOPLMask);
	vmi_rom_set_flags((vmi_rom_flags() & ~VMI_ROM_IOPL) |
			  (mask & VMI_ROM_IOPL));
}

/* ---- Interrupts ------------------------------------------------------------ */

VMI_ROM_KEEP_REGS static void vmi_rom_enable_interrupts(void)
{
	vmi_rom_count(VMI_CALL_EnableInterrupts);
	asm volatile("sti" : : : "memory");
}

VMI_ROM_KEEP_REGS static void vmi_rom_disable_interrupts(void)
{
	vmi_rom_count(VMI_CALL_DisableInterrupts);
	asm volatile("cli" : : : "memory");
}

VMI_ROM_KEEP_REGS static uint64_t vmi_rom_get_interrupt_mask(void)
{
	vmi_rom_count(VMI_CALL_GetInterruptMask);
	return vmi_rom_flags();
}

/* POPF, not STI/CLI: only IF changes (and at CPL 3 nothing, no fault). */
VMI_ROM_KEEP_REGS static void vmi_rom_set_interrupt_mask(uint64_t flags)
{
	vmi_rom_count(VMI_CALL_SetInterruptMask);
	vmi_rom_set_flags((vmi_rom_flags() & ~VMI_ROM_IF) |
			  (flags & VMI_ROM_IF));
}

/* STI's one-instruction shadow: no interrupt between it and HLT. */
static void vmi_rom_halt(void)
{
	vmi_rom_count(VMI_CALL_Halt);
	asm volatile("sti\n\thlt" : : : "memory");
}

/* ---- MMU ----------------------------------------------------------------- */

static void vmi_rom_set_pxe(uint64_t *entry, uint64_t value, uint32_t level)
{
	struct vmi_rom_cpu *c = vmi_rom_count(VMI_CALL_SetPxE);

	(void)level;
	if (c && c->lazy_mode == VMI_ROM_LAZY_MMU) {
		if (c->lazy_count >= VMI_ROM_LAZY_SLOTS)
			vmi_rom_lazy_apply(c);
		c->lazy[c->lazy_count].entry = (uint64_t)(uintptr_t)entry;
		c->lazy[c->lazy_count].value = value;
		c->lazy_count++;
		return;
	}
	*(volatile uint64_t *)entry = value;
}

/* With nested paging nobody shadows the guest's page tables: count only. */
static void vmi_rom_update_pxe(uint64_t *entry, uint32_t level)
{
	(void)entry;
	(void)level;
	vmi_rom_count(VMI_CALL_UpdatePxE);
}

static void vmi_rom_allocate_page(uint64_t pfn, uint32_t level,
				  uint64_t clone_pfn, uint32_t start,
				  uint32_t count)
{
	(void)pfn;
	(void)level;
	(void)clone_pfn;
	(void)start;
	(void)count;
	vmi_rom_count(VMI_CALL_AllocatePage);
}

static void vmi_rom_release_page(uint64_t pfn, uint32_t level)
{
	(void)pfn;
	(void)level;
	vmi_rom_count(VMI_CALL_ReleasePage);
}

static void vmi_rom_inval_page(uint64_t addr)
{
	struct vmi_rom_cpu *c = vmi_rom_count(VMI_CALL_InvalPage);

	if (c)
		vmi_rom_lazy_apply(c);
	asm volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

/*
 * Interrupts off, as Linux does it: an interrupt between reading and
 * writing CR3 or CR4 must not see, or change, a half-done flush.
 */
static void vmi_rom_flush_tlb(uint32_t flags)
{
	struct vmi_rom_cpu *c = vmi_rom_count(VMI_CALL_FlushTLB);
	uint64_t rflags, cr;

	if (c)
		vmi_rom_lazy_apply(c);
	if (!(flags & (VMI_ROM_FLUSH_TLB | VMI_ROM_FLUSH_GLOBAL)))
		return;
	rflags = vmi_rom_flags();
	asm volatile("cli" : : : "memory");
	if (flags & VMI_ROM_FLUSH_GLOBAL) {
		asm volatile("mov %%cr4, %0" : "=r"(cr));
		asm volatile("mov %0, %%cr4"
			     :
			     : "r"(cr ^ VMI_ROM_CR4_PGE)
			     : "memory");
		asm volatile("mov %0, %%cr4" : : "r"(cr) : "memory");
	} else {
		asm volatile("mov %%cr3, %0" : "=r"(cr));
		asm volatile("mov %0, %%cr3" : : "r"(cr) : "memory");
	}
	vmi_rom_set_flags(rflags);
}

/*
 * Any change of mode applies the queue first, so that no store stays
 * queued once SetPxE stops queueing. Lazy CPU mode defers nothing.
 */
static void vmi_rom_set_lazy_mode(uint32_t mode)
{
	struct vmi_rom_cpu *c = vmi_rom_count(VMI_CALL_SetLazyMode);

	if (!c)
		return;
	vmi_rom_lazy_apply(c);
	c->lazy_mode = mode == VMI_ROM_LAZY_MMU || mode == VMI_ROM_LAZY_CPU ?
			       mode :
			       VMI_ROM_LAZY_NONE;
}

/* ---- Local APIC (x2APIC) --------------------------------------------------- */

static void vmi_rom_apic_write(uint32_t reg, uint64_t value)
{
	vmi_rom_count(VMI_CALL_APICWrite);
	vmi_rom_wrmsr(VMI_ROM_X2APIC_MSR + reg / 16,
		      reg == VMI_ROM_APIC_ICR ? value : (uint32_t)value);
}

static uint64_t vmi_rom_apic_read(uint32_t reg)
{
	uint64_t v;

	vmi_rom_count(VMI_CALL_APICRead);
	v = vmi_rom_rdmsr(VMI_ROM_X2APIC_MSR + reg / 16);
	return reg == VMI_ROM_APIC_ICR ? v : (uint32_t)v;
}

/* ---- Time ------------------------------------------------------------------ */

/* vmi-rom build measured or was told it; the image carries it. */
static uint64_t vmi_rom_get_cycle_frequency(void)
{
	vmi_rom_count(VMI_CALL_GetCycleFrequency);
	return vmi_le64_to_cpu(vmi_rom_image.ext.cycle_freq);
}

/* No steal-time accounting: STOLEN is 0, so AVAILABLE is REAL. */
static uint64_t vmi_rom_get_cycle_counter(uint32_t counter)
{
	vmi_rom_count(VMI_CALL_GetCycleCounter);
	if (counter == VMI_ROM_CYCLES_REAL ||
	    counter == VMI_ROM_CYCLES_AVAILABLE)
		return vmi_rom_tsc();
	return 0;
}

/* MC146818 registers behind ports 0x70 (index) and 0x71 (data). */
#define VMI_ROM_RTC_SEC 0x00
#define VMI_ROM_RTC_MIN 0x02
#define VMI_ROM_RTC_HOUR 0x04
#define VMI_ROM_RTC_MDAY 0x07
#define VMI_ROM_RTC_MON 0x08
#define VMI_ROM_RTC_YEAR 0x09
#define VMI_ROM_RTC_A 0x0a /* bit 7: update in progress */
#define VMI_ROM_RTC_B 0x0b /* bit 2: binary, bit 1: 24-hour */
#define VMI_ROM_RTC_TRIES 100000 /* UIP lasts < 2 ms; a read ~1 us */

/* Index and data as one step: an interrupt handler may use the RTC too. */
static uint8_t vmi_rom_cmos(uint8_t reg)
{
	uint64_t rflags = vmi_rom_flags();
	uint8_t v;

	asm volatile("cli\n\toutb %1, $0x70\n\tinb $0x71, %0"
		     : "=a"(v)
		     : "a"(reg)
		     : "memory");
	vmi_rom_set_flags(rflags);
	return v;
}

/* Wait for no update in progress, then read the six time registers. */
static int vmi_rom_rtc_read(uint8_t t[6])
{
	static const uint8_t regs[6] = { VMI_ROM_RTC_SEC,  VMI_ROM_RTC_MIN,
					 VMI_ROM_RTC_HOUR, VMI_ROM_RTC_MDAY,
					 VMI_ROM_RTC_MON,  VMI_ROM_RTC_YEAR };
	unsigned int i;

	for (i = 0; vmi_rom_cmos(VMI_ROM_RTC_A) & 0x80; i++)
		if (i == VMI_ROM_RTC_TRIES)
			return -ETIMEDOUT;
	for (i = 0; i < 6; i++)
		t[i] = vmi_rom_cmos(regs[i]);
	return 0;
}

static unsigned int vmi_rom_bcd(uint8_t v, int binary)
{
	return binary ? v : (v & 15u) + (v >> 4) * 10u;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), H. Hinnant's. */
static uint64_t vmi_rom_days(unsigned int y, unsigned int m, unsigned int d)
{
	unsigned int era, yoe, doy;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return (uint64_t)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy -
	       719468;
}

/*
 * The RTC's time: read until two reads agree (an update may land between
 * the registers). Years 70-99 are 19xx, 00-69 20xx, as Linux reads a
 * CMOS without an ACPI century register. 0 when the RTC does not answer.
 */
static uint64_t vmi_rom_get_wallclock_time(void)
{
	uint8_t a[6], b[6], regb;
	unsigned int i, sec, min, hour, mday, mon, year, tries = 0;
	int bin, same;

	vmi_rom_count(VMI_CALL_GetWallclockTime);
	do {
		if (tries++ == 8 || vmi_rom_rtc_read(a) || vmi_rom_rtc_read(b))
			return 0;
		for (same = 1, i = 0; i < 6; i++)
			same &= a[i] == b[i];
	} while (!same);
	regb = vmi_rom_cmos(VMI_ROM_RTC_B);
	bin = regb & 0x04;
	sec = vmi_rom_bcd(a[0], bin);
	min = vmi_rom_bcd(a[1], bin);
	hour = vmi_rom_bcd(a[2] & 0x7f, bin);
	if (!(regb & 0x02)) /* 12-hour: 12 AM is 0, bit 7 is PM */
		hour = hour % 12 + (a[2] & 0x80 ? 12 : 0);
	mday = vmi_rom_bcd(a[3], bin);
	mon = vmi_rom_bcd(a[4], bin);
	year = vmi_rom_bcd(a[5], bin);
	if (sec > 59 || min > 59 || hour > 23 || !mday || mday > 31 || !mon ||
	    mon > 12 || year > 99)
		return 0;
	year += year < 70 ? 2000 : 1900;
	return ((vmi_rom_days(year, mon, mday) * 24 + hour) * 60 + min) * 60 *
		       1000000000ull +
	       sec * 1000000000ull;
}

struct vmi_rom_reloc vmi_rom_get_reloc(uint32_t call)
{
	switch (call) {
	case VMI_CALL_CPUID:
		return VMI_ROM_CALL(vmi_rom_cpuid);
	case VMI_CALL_WRMSR:
		return VMI_ROM_CALL(vmi_rom_write_msr);
	case VMI_CALL_RDMSR:
		return VMI_ROM_CALL(vmi_rom_read_msr);
	case VMI_CALL_SetGDT:
		return VMI_ROM_CALL(vmi_rom_set_gdt);
	case VMI_CALL_SetLDT:
		return VMI_ROM_CALL(vmi_rom_set_ldt);
	case VMI_CALL_SetIDT:
		return VMI_ROM_CALL(vmi_rom_set_idt);
	case VMI_CALL_SetTR:
		return VMI_ROM_CALL(vmi_rom_set_tr);
	case VMI_CALL_GetGDT:
		return VMI_ROM_CALL(vmi_rom_get_gdt);
	case VMI_CALL_GetLDT:
		return VMI_ROM_CALL(vmi_rom_get_ldt);
	case VMI_CALL_GetIDT:
		return VMI_ROM_CALL(vmi_rom_get_idt);
	case VMI_CALL_GetTR:
		return VMI_ROM_CALL(vmi_rom_get_tr);
	case VMI_CALL_WriteGDTEntry:
		return VMI_ROM_CALL(vmi_rom_write_gdt_entry);
	case VMI_CALL_WriteLDTEntry:
		return VMI_ROM_CALL(vmi_rom_write_ldt_entry);
	case VMI_CALL_WriteIDTEntry:
		return VMI_ROM_CALL(vmi_rom_write_idt_entry);
	case VMI_CALL_UpdateKernelStack:
		return VMI_ROM_CALL(vmi_rom_update_kernel_stack);
	case VMI_CALL_SetCR0:
		return VMI_ROM_CALL(vmi_rom_set_cr0);
	case VMI_CALL_SetCR2:
		return VMI_ROM_CALL(vmi_rom_set_cr2);
	case VMI_CALL_SetCR3:
		return VMI_ROM_CALL(vmi_rom_set_cr3);
	case VMI_CALL_SetCR4:
		return VMI_ROM_CALL(vmi_rom_set_cr4);
	case VMI_CALL_GetCR0:
		return VMI_ROM_CALL(vmi_rom_get_cr0);
	case VMI_CALL_GetCR2:
		return VMI_ROM_CALL(vmi_rom_get_cr2);
	case VMI_CALL_GetCR3:
		return VMI_ROM_CALL(vmi_rom_get_cr3);
	case VMI_CALL_GetCR4:
		return VMI_ROM_CALL(vmi_rom_get_cr4);
	case VMI_CALL_WBINVD:
		return VMI_ROM_CALL(vmi_rom_wbinvd);
	case VMI_CALL_SetDR:
		return VMI_ROM_CALL(vmi_rom_set_dr);
	case VMI_CALL_GetDR:
		return VMI_ROM_CALL(vmi_rom_get_dr);
	case VMI_CALL_RDPMC:
		return VMI_ROM_CALL(vmi_rom_rdpmc);
	case VMI_CALL_RDTSC:
		return VMI_ROM_CALL(vmi_rom_ivshmem_rdtsc);
	case VMI_CALL_CLTS:
		return VMI_ROM_CALL(vmi_rom_clts);
	case VMI_CALL_SetIOPLMask:
		return VMI_ROM_CALL(vmi_rom_set_iopl_mask);
	case VMI_CALL_EnableInterrupts:
		return VMI_ROM_CALL(vmi_rom_enable_interrupts);
	case VMI_CALL_DisableInterrupts:
		return VMI_ROM_CALL(vmi_rom_disable_interrupts);
	case VMI_CALL_GetInterruptMask:
		return VMI_ROM_CALL(vmi_rom_get_interrupt_mask);
	case VMI_CALL_SetInterruptMask:
		return VMI_ROM_CALL(vmi_rom_set_interrupt_mask);
	case VMI_CALL_Halt:
		return VMI_ROM_CALL(vmi_rom_halt);
	case VMI_CALL_SetPxE:
		return VMI_ROM_CALL(vmi_rom_set_pxe);
	case VMI_CALL_UpdatePxE:
		return VMI_ROM_CALL(vmi_rom_update_pxe);
	case VMI_CALL_AllocatePage:
		return VMI_ROM_CALL(vmi_rom_allocate_page);
	case VMI_CALL_ReleasePage:
		return VMI_ROM_CALL(vmi_rom_release_page);
	case VMI_CALL_InvalPage:
		return VMI_ROM_CALL(vmi_rom_inval_page);
	case VMI_CALL_FlushTLB:
		return VMI_ROM_CALL(vmi_rom_flush_tlb);
	case VMI_CALL_SetLazyMode:
		return VMI_ROM_CALL(vmi_rom_set_lazy_mode);
	case VMI_CALL_APICWrite:
		return VMI_ROM_CALL(vmi_rom_apic_write);
	case VMI_CALL_APICRead:
		return VMI_ROM_CALL(vmi_rom_apic_read);
	case VMI_CALL_IODelay:
		/* QEMU's devices need no port-0x80 delay. */
		return VMI_ROM_NOP;
	case VMI_CALL_GetCycleFrequency:
		return VMI_ROM_CALL(vmi_rom_get_cycle_frequency);
	case VMI_CALL_GetCycleCounter:
		return VMI_ROM_CALL(vmi_rom_get_cycle_counter);
	case VMI_CALL_GetWallclockTime:
		return VMI_ROM_CALL(vmi_rom_get_wallclock_time);
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
		/*
		 * The calls reserved in API 4, and WaitEvent and ReadClock:
		 * the guest kernel's own.
		 */
		return VMI_ROM_NONE;
	}
}

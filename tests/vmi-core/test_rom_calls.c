// SPDX-License-Identifier: GPL-2.0-only
/*
 * The qemu-ivshmem ROM's CPU, interrupt, MMU and time calls, run in a user
 * process from a read-only executable copy of the built image, with GS
 * set up as a guest kernel sets it (%gs:0 points at this CPU's struct
 * vmi_rom_cpu). Only the calls that work at CPL 3 run here: CPUID, RDTSC
 * and the cycle counters, GetCycleFrequency, the page-table calls (on
 * ordinary memory), GetInterruptMask and SetInterruptMask (POPF at CPL 3
 * changes neither IF nor IOPL, and does not fault), SetIOPLMask. The
 * privileged ones run in the kernel boot test (tests/vm).
 *
 * Usage: test_rom_calls PROCESS.rom QEMU-IVSHMEM.rom
 */
#include <endian.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>
#include <x86intrin.h>
#include <cmocka.h>

#include <vmi_guest.h>

#include "rom_test.h"

#define RFLAGS_TF 0x100ull
#define RFLAGS_IF 0x200ull
#define RFLAGS_DF 0x400ull
#define RFLAGS_IOPL 0x3000ull
#define RFLAGS_AC 0x40000ull

static uint8_t *rom; /* the qemu-ivshmem image, mapped executable */
static struct vmi_rom_cpu *cpu; /* 64-byte aligned, as the spec says */

/* get_reloc through the image's jump point, as a guest binds. */
static struct vmi_rom_reloc get_reloc(uint8_t *map, uint32_t call)
{
	struct vmi_rom_reloc (*fn)(uint32_t) = (struct vmi_rom_reloc(*)(
		uint32_t))(
		uintptr_t)(map + offsetof(struct vmi_rom_header, get_reloc));

	return fn(call);
}

/* The address of call's code: CALL, and where the call table says. */
static void *bound(uint32_t call)
{
	struct vmi_rom_reloc r = get_reloc(rom, call);
	struct vmi_rom_call *c = rom_test_call_of(roms[ROM_IVSHMEM].p, call);

	assert_int_equal(r.type, VMI_ROM_RELOC_CALL);
	assert_int_equal(c->type, VMI_ROM_RELOC_CALL);
	assert_ptr_equal((void *)(uintptr_t)r.addr, rom + le32toh(c->offset));
	return (void *)(uintptr_t)r.addr;
}

#define ROM_FN(call, type) ((type)bound(call))

static int setup(void **state)
{
	(void)state;
	rom = rom_test_map_exec(&roms[ROM_IVSHMEM]);
	assert_int_equal(posix_memalign((void **)&cpu, 64, sizeof(*cpu)), 0);
	memset(cpu, 0, sizeof(*cpu));
	rom_test_set_cpu(cpu);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rom_test_set_cpu(NULL);
	rom_test_unmap(rom, roms[ROM_IVSHMEM].len);
	free(cpu);
	return 0;
}

/* Every call counted here and nowhere else: the other 127 stay 0. */
static void assert_counts(const uint64_t want[128])
{
	unsigned int i;

	for (i = 0; i < 128; i++)
		if (cpu->calls[i] != want[i])
			fail_msg("calls[%u] (%s) is %llu, expected %llu", i,
				 vmi_rom_call_name(i) ? vmi_rom_call_name(i) :
							"?",
				 (unsigned long long)cpu->calls[i],
				 (unsigned long long)want[i]);
}

/*
 * What each flavour answers: qemu-ivshmem CALL for every call with an
 * x86-64 meaning but IODelay (NOP) and the device calls a kernel does
 * natively; process CALL for RDTSC only among 0-127. The call table
 * agrees with every answer.
 */
static void test_answers(void **state)
{
	unsigned int f, call;

	(void)state;
	for (f = 0; f < ROM_NR_FLAVOURS; f++) {
		uint8_t *map = rom_test_map_exec(&roms[f]);

		for (call = 0; call < VMI_CALL_VENDOR_END; call++) {
			struct vmi_rom_reloc r;
			unsigned int want;

			if (!vmi_rom_call_name(call))
				continue;
			r = get_reloc(map, call);
			if (call >= VMI_CALL_VENDOR_BASE)
				continue; /* test_rom_bind's */
			if (f == ROM_PROCESS)
				want = call == VMI_CALL_RDTSC ?
					       VMI_ROM_RELOC_CALL :
					       VMI_ROM_RELOC_NONE;
			else if (call == VMI_CALL_IODelay)
				want = VMI_ROM_RELOC_NOP;
			else if (call == VMI_CALL_IRET ||
				 call == VMI_CALL_SYSEXIT ||
				 call == VMI_CALL_Reboot ||
				 call == VMI_CALL_Shutdown ||
				 call == VMI_CALL_SetPxELong ||
				 call == VMI_CALL_UpdatePxELong ||
				 call == VMI_CALL_MachineToPhysical ||
				 call == VMI_CALL_PhysicalToMachine ||
				 call == VMI_CALL_SetLinearMapping ||
				 call == VMI_CALL_SetInitialAPState ||
				 call == VMI_CALL_SetAlarm ||
				 call == VMI_CALL_CancelAlarm ||
				 call == VMI_CALL_WallclockUpdated)
				want = VMI_ROM_RELOC_NONE;
			else
				want = VMI_ROM_RELOC_CALL;
			if (r.type != want)
				fail_msg(
					"%s ROM: get_reloc(%u %s) answered %s, expected %s",
					f == ROM_PROCESS ? "process" :
							   "qemu-ivshmem",
					call, vmi_rom_call_name(call),
					vmi_rom_reloc_name(
						(unsigned int)r.type),
					vmi_rom_reloc_name(want));
		}
		rom_test_unmap(map, roms[f].len);
	}
}

static void test_cpuid(void **state)
{
	static const uint32_t leaves[][2] = {
		{ 0, 0 }, { 7, 0 }, { 0xd, 1 }, { 0x80000000, 0 }
	};
	void (*fn)(struct vmi_rom_cpuid *) =
		ROM_FN(VMI_CALL_CPUID, void (*)(struct vmi_rom_cpuid *));
	uint64_t want[128] = { 0 };
	unsigned int i;

	(void)state;
	memset(cpu, 0, sizeof(*cpu));
	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		struct vmi_rom_cpuid r = { .eax = leaves[i][0],
					   .ecx = leaves[i][1] };
		unsigned int a, b, c, d;

		__cpuid_count(leaves[i][0], leaves[i][1], a, b, c, d);
		fn(&r);
		assert_int_equal(r.eax, a);
		assert_int_equal(r.ebx, b);
		assert_int_equal(r.ecx, c);
		assert_int_equal(r.edx, d);
	}
	want[VMI_CALL_CPUID] = ARRAY_SIZE(leaves);
	assert_counts(want);
}

/* On one CPU, every reading of the TSC is at least the one before. */
static void test_cycles(void **state)
{
	uint64_t (*rdtsc)(void) = ROM_FN(VMI_CALL_RDTSC, uint64_t(*)(void));
	uint64_t (*counter)(uint32_t) =
		ROM_FN(VMI_CALL_GetCycleCounter, uint64_t(*)(uint32_t));
	uint64_t (*freq)(void) =
		ROM_FN(VMI_CALL_GetCycleFrequency, uint64_t(*)(void));
	uint64_t want[128] = { 0 }, t[5];
	cpu_set_t one;
	unsigned int i;

	(void)state;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	memset(cpu, 0, sizeof(*cpu));
	t[0] = __rdtsc();
	t[1] = rdtsc();
	t[2] = counter(VMI_ROM_CYCLES_REAL);
	t[3] = counter(VMI_ROM_CYCLES_AVAILABLE);
	t[4] = __rdtsc();
	for (i = 1; i < ARRAY_SIZE(t); i++)
		if (t[i] < t[i - 1])
			fail_msg("TSC reading %u is %llu, less than %llu", i,
				 (unsigned long long)t[i],
				 (unsigned long long)t[i - 1]);
	/* No steal-time accounting; unknown counters are 0. */
	assert_int_equal(counter(VMI_ROM_CYCLES_STOLEN), 0);
	assert_int_equal(counter(3), 0);
	/* The frequency is the image's, which the test machine set. */
	assert_int_equal(
		freq(),
		le64toh(rom_test_hdr(roms[ROM_IVSHMEM].p)->ext.cycle_freq));
	assert_int_equal(freq(), 2400000000ull);
	want[VMI_CALL_RDTSC] = 1;
	want[VMI_CALL_GetCycleCounter] = 4;
	want[VMI_CALL_GetCycleFrequency] = 2;
	assert_counts(want);
}

typedef void (*set_pxe_fn)(uint64_t *, uint64_t, uint32_t);
typedef void (*lazy_fn)(uint32_t);

/* Outside lazy mode a store happens at once; the other calls count. */
static void test_pxe_immediate(void **state)
{
	set_pxe_fn set = ROM_FN(VMI_CALL_SetPxE, set_pxe_fn);
	void (*update)(uint64_t *, uint32_t) =
		ROM_FN(VMI_CALL_UpdatePxE, void (*)(uint64_t *, uint32_t));
	void (*alloc)(uint64_t, uint32_t, uint64_t, uint32_t, uint32_t) =
		ROM_FN(VMI_CALL_AllocatePage,
		       void (*)(uint64_t, uint32_t, uint64_t, uint32_t,
				uint32_t));
	void (*release)(uint64_t, uint32_t) =
		ROM_FN(VMI_CALL_ReleasePage, void (*)(uint64_t, uint32_t));
	uint64_t want[128] = { 0 }, pt[4] = { 0 };
	unsigned int level;

	(void)state;
	memset(cpu, 0, sizeof(*cpu));
	for (level = VMI_ROM_PT_PTE; level <= VMI_ROM_PT_P4D; level++) {
		set(&pt[level - 1], 0x1000ull * level | 0x63, level);
		assert_int_equal(pt[level - 1], 0x1000ull * level | 0x63);
	}
	update(&pt[0], VMI_ROM_PT_PTE);
	alloc(0x1234, VMI_ROM_PT_PMD, 0, 0, 0);
	alloc(0x1235, VMI_ROM_PT_P4D, 0x99, 256, 256);
	release(0x1234, VMI_ROM_PT_PMD);
	assert_int_equal(pt[0], 0x1063);
	assert_int_equal(cpu->lazy_count, 0);
	assert_int_equal(cpu->lazy_flushes, 0);
	want[VMI_CALL_SetPxE] = 4;
	want[VMI_CALL_UpdatePxE] = 1;
	want[VMI_CALL_AllocatePage] = 2;
	want[VMI_CALL_ReleasePage] = 1;
	assert_counts(want);
}

/*
 * Lazy MMU mode: the stores wait in the queue until the mode is left, and
 * are then applied in order (two stores to one entry: the second wins).
 */
static void test_pxe_lazy(void **state)
{
	set_pxe_fn set = ROM_FN(VMI_CALL_SetPxE, set_pxe_fn);
	lazy_fn lazy = ROM_FN(VMI_CALL_SetLazyMode, lazy_fn);
	uint64_t want[128] = { 0 }, pt[8] = { 0 };
	unsigned int i;

	(void)state;
	memset(cpu, 0, sizeof(*cpu));
	lazy(VMI_ROM_LAZY_MMU);
	assert_int_equal(cpu->lazy_mode, VMI_ROM_LAZY_MMU);
	for (i = 0; i < 8; i++)
		set(&pt[i], 0x100 + i, VMI_ROM_PT_PTE);
	set(&pt[3], 0x999, VMI_ROM_PT_PTE);
	for (i = 0; i < 8; i++)
		assert_int_equal(pt[i], 0);
	assert_int_equal(cpu->lazy_count, 9);
	assert_ptr_equal((void *)(uintptr_t)cpu->lazy[0].entry, &pt[0]);
	assert_int_equal(cpu->lazy[8].value, 0x999);
	lazy(VMI_ROM_LAZY_NONE);
	for (i = 0; i < 8; i++)
		assert_int_equal(pt[i], i == 3 ? 0x999 : 0x100 + i);
	assert_int_equal(cpu->lazy_mode, VMI_ROM_LAZY_NONE);
	assert_int_equal(cpu->lazy_count, 0);
	assert_int_equal(cpu->lazy_flushes, 1);

	/* Leaving with nothing queued applies nothing. */
	lazy(VMI_ROM_LAZY_MMU);
	lazy(VMI_ROM_LAZY_NONE);
	assert_int_equal(cpu->lazy_flushes, 1);

	/* Lazy CPU mode defers no page-table store. */
	lazy(VMI_ROM_LAZY_CPU);
	assert_int_equal(cpu->lazy_mode, VMI_ROM_LAZY_CPU);
	set(&pt[0], 0x777, VMI_ROM_PT_PTE);
	assert_int_equal(pt[0], 0x777);
	/* An unknown mode acts as 0. */
	lazy(9);
	assert_int_equal(cpu->lazy_mode, VMI_ROM_LAZY_NONE);

	want[VMI_CALL_SetPxE] = 10;
	want[VMI_CALL_SetLazyMode] = 6;
	assert_counts(want);
}

/* The 65th store applies the 64 queued ones first, then queues itself. */
static void test_pxe_lazy_full(void **state)
{
	set_pxe_fn set = ROM_FN(VMI_CALL_SetPxE, set_pxe_fn);
	lazy_fn lazy = ROM_FN(VMI_CALL_SetLazyMode, lazy_fn);
	uint64_t pt[VMI_ROM_LAZY_SLOTS + 1] = { 0 };
	unsigned int i;

	(void)state;
	memset(cpu, 0, sizeof(*cpu));
	lazy(VMI_ROM_LAZY_MMU);
	for (i = 0; i < VMI_ROM_LAZY_SLOTS; i++)
		set(&pt[i], i + 1, VMI_ROM_PT_PMD);
	assert_int_equal(cpu->lazy_count, VMI_ROM_LAZY_SLOTS);
	assert_int_equal(pt[0], 0);
	assert_int_equal(cpu->lazy_flushes, 0);
	set(&pt[VMI_ROM_LAZY_SLOTS], 0xabc, VMI_ROM_PT_PMD);
	for (i = 0; i < VMI_ROM_LAZY_SLOTS; i++)
		assert_int_equal(pt[i], i + 1);
	assert_int_equal(pt[VMI_ROM_LAZY_SLOTS], 0);
	assert_int_equal(cpu->lazy_count, 1);
	assert_int_equal(cpu->lazy_flushes, 1);
	lazy(VMI_ROM_LAZY_NONE);
	assert_int_equal(pt[VMI_ROM_LAZY_SLOTS], 0xabc);
	assert_int_equal(cpu->lazy_flushes, 2);
	assert_int_equal(cpu->calls[VMI_CALL_SetPxE], VMI_ROM_LAZY_SLOTS + 1);
}

/* With %gs:0 = 0 the ROM counts nothing and defers nothing. */
static void test_no_cpu(void **state)
{
	set_pxe_fn set = ROM_FN(VMI_CALL_SetPxE, set_pxe_fn);
	lazy_fn lazy = ROM_FN(VMI_CALL_SetLazyMode, lazy_fn);
	uint64_t (*rdtsc)(void) = ROM_FN(VMI_CALL_RDTSC, uint64_t(*)(void));
	uint64_t want[128] = { 0 }, e = 0;

	(void)state;
	memset(cpu, 0, sizeof(*cpu));
	rdtsc();
	rom_test_set_cpu(NULL);
	lazy(VMI_ROM_LAZY_MMU);
	set(&e, 0x5000, VMI_ROM_PT_PTE);
	assert_int_equal(e, 0x5000);
	lazy(VMI_ROM_LAZY_NONE);
	rdtsc();
	rom_test_set_cpu(cpu);
	want[VMI_CALL_RDTSC] = 1;
	assert_counts(want);
	assert_int_equal(cpu->lazy_mode, VMI_ROM_LAZY_NONE);
	assert_int_equal(cpu->lazy_count, 0);
}

/*
 * Call fn(arg) with every general register but RAX and RSP loaded with a
 * pattern, and store them after the call: out[0..13] are RBX, RCX, RDX,
 * RSI, RDI, RBP, R8-R15; out[14] is RSP after the call, out[15] before.
 */
void call_keep_regs(void *fn, uint64_t arg, uint64_t out[16]);
asm(".pushsection .text\n"
    ".globl call_keep_regs\n"
    ".type call_keep_regs, @function\n"
    "call_keep_regs:\n"
    "	push %rbx\n"
    "	push %rbp\n"
    "	push %r12\n"
    "	push %r13\n"
    "	push %r14\n"
    "	push %r15\n"
    "	push %rdx\n"
    "	mov %rsp, 120(%rdx)\n"
    "	mov %rdi, %rax\n"
    "	mov %rsi, %rdi\n"
    "	movabs $0x1111111111111101, %rbx\n"
    "	movabs $0x1111111111111102, %rcx\n"
    "	movabs $0x1111111111111103, %rdx\n"
    "	movabs $0x1111111111111104, %rsi\n"
    "	movabs $0x1111111111111106, %rbp\n"
    "	movabs $0x1111111111111108, %r8\n"
    "	movabs $0x1111111111111109, %r9\n"
    "	movabs $0x111111111111110a, %r10\n"
    "	movabs $0x111111111111110b, %r11\n"
    "	movabs $0x111111111111110c, %r12\n"
    "	movabs $0x111111111111110d, %r13\n"
    "	movabs $0x111111111111110e, %r14\n"
    "	movabs $0x111111111111110f, %r15\n"
    "	call *%rax\n"
    "	mov (%rsp), %rax\n"
    "	mov %rbx, 0(%rax)\n"
    "	mov %rcx, 8(%rax)\n"
    "	mov %rdx, 16(%rax)\n"
    "	mov %rsi, 24(%rax)\n"
    "	mov %rdi, 32(%rax)\n"
    "	mov %rbp, 40(%rax)\n"
    "	mov %r8, 48(%rax)\n"
    "	mov %r9, 56(%rax)\n"
    "	mov %r10, 64(%rax)\n"
    "	mov %r11, 72(%rax)\n"
    "	mov %r12, 80(%rax)\n"
    "	mov %r13, 88(%rax)\n"
    "	mov %r14, 96(%rax)\n"
    "	mov %r15, 104(%rax)\n"
    "	mov %rsp, 112(%rax)\n"
    "	pop %rdx\n"
    "	pop %r15\n"
    "	pop %r14\n"
    "	pop %r13\n"
    "	pop %r12\n"
    "	pop %rbp\n"
    "	pop %rbx\n"
    "	ret\n"
    ".size call_keep_regs, . - call_keep_regs\n"
    ".popsection");

static void assert_regs_kept(uint32_t call, uint64_t arg)
{
	static const char *const names[14] = { "RBX", "RCX", "RDX", "RSI",
					       "RDI", "RBP", "R8",  "R9",
					       "R10", "R11", "R12", "R13",
					       "R14", "R15" };
	uint64_t out[16];
	unsigned int i;

	call_keep_regs(bound(call), arg, out);
	for (i = 0; i < 14; i++) {
		uint64_t want = i == 4 ? arg :
					 0x1111111111111101ull + i + (i >= 6);

		if (out[i] != want)
			fail_msg("%s changed %s: %#llx, expected %#llx",
				 vmi_rom_call_name(call), names[i],
				 (unsigned long long)out[i],
				 (unsigned long long)want);
	}
	assert_int_equal(out[14], out[15]);
}

/*
 * The interrupt calls that run at CPL 3 keep every register but RAX, and
 * touch no flag but IF: SetInterruptMask given every bit set must not
 * set TF, DF or AC (a trap, a backwards string copy, alignment checks).
 */
static void test_irq_calls(void **state)
{
	uint64_t (*get)(void) =
		ROM_FN(VMI_CALL_GetInterruptMask, uint64_t(*)(void));
	void (*set)(uint64_t) =
		ROM_FN(VMI_CALL_SetInterruptMask, void (*)(uint64_t));
	void (*iopl)(uint64_t) =
		ROM_FN(VMI_CALL_SetIOPLMask, void (*)(uint64_t));
	uint64_t want[128] = { 0 }, f;

	(void)state;
	memset(cpu, 0, sizeof(*cpu));
	assert_true(get() & RFLAGS_IF);
	assert_regs_kept(VMI_CALL_GetInterruptMask, 0);
	assert_regs_kept(VMI_CALL_SetInterruptMask, RFLAGS_IF);
	assert_regs_kept(VMI_CALL_SetInterruptMask, ~0ull);
	assert_regs_kept(VMI_CALL_SetInterruptMask, 0);
	set(~0ull);
	iopl(RFLAGS_IOPL);
	f = get();
	assert_true(f & RFLAGS_IF);
	assert_false(f & (RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_IOPL));
	want[VMI_CALL_GetInterruptMask] = 3;
	want[VMI_CALL_SetInterruptMask] = 4;
	want[VMI_CALL_SetIOPLMask] = 1;
	assert_counts(want);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test_setup_teardown(test_cpuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pxe_immediate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pxe_lazy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pxe_lazy_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_calls, setup,
						teardown),
	};

	return rom_test_run(tests, ARRAY_SIZE(tests), argc, argv, 1, "");
}

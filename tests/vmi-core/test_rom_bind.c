// SPDX-License-Identifier: GPL-2.0-only
/*
 * One guest code path, three hypervisors: the same calls through struct
 * vmi_guest_ops bind to the process ROM (notify writes an eventfd, wait
 * blocks on one, the clock is a raw clock_gettime), to the qemu-ivshmem
 * ROM (notify and mask are stores to BAR0, here a fake BAR0 in ordinary
 * memory whose every register is checked after each call) and to no ROM
 * at all (native). The ROM code runs from read-only executable copies at
 * addresses the linker never saw, two at once. Images whose code and
 * call table disagree, or whose vmi_init fails, validate but do not bind.
 *
 * Usage: test_rom_bind PROCESS.rom QEMU-IVSHMEM.rom
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <cmocka.h>

#include <vmi/dev.h>
#include <vmi_guest.h>

#include "rom_test.h"

#define NR_QUEUES 3

/*
 * What a driver does first, whatever it runs on: list the devices. Returns
 * how many there are; dev_enumerate's end is -ENOENT with a ROM and
 * -ENODEV without.
 */
static unsigned int guest_enumerate(const struct vmi_guest *g,
				    struct vmi_rom_dev *devs, unsigned int max)
{
	unsigned int n = 0;
	long ret;

	while (n < max && !(ret = g->ops.dev_enumerate(n, &devs[n])))
		n++;
	assert_int_equal(ret, g->image ? -ENOENT : -ENODEV);
	return n;
}

/* The devices the ROM returns are its device table, byte for byte. */
static void check_devices(const struct vmi_guest *g, uint8_t *image)
{
	struct vmi_rom_dev devs[8];
	unsigned int i, n = guest_enumerate(g, devs, 8);

	assert_int_equal(n, le16toh(rom_test_hdr(image)->ext.dev_count));
	assert_int_equal(n, g->dev_count);
	for (i = 0; i < n; i++)
		assert_memory_equal(&devs[i], rom_test_dev(image, i),
				    sizeof(devs[i]));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ReadClock, ROM or native, is CLOCK_MONOTONIC in nanoseconds. */
static void check_clock(const struct vmi_guest *g)
{
	uint64_t t0 = now_ns(), c1 = g->ops.read_clock(),
		 c2 = g->ops.read_clock(), t1 = now_ns();

	assert_true(t0 <= c1 && c1 <= c2 && c2 <= t1);
	assert_true(g->ops.rdtsc() != 0);
}

static void bind_exec(struct vmi_guest *g, enum rom_test_flavour f, void **exec)
{
	char err[256] = "";

	*exec = rom_test_map_exec(&roms[f]);
	if (vmi_guest_bind(g, *exec, roms[f].len, err, sizeof(err)))
		fail_msg("bind: %s", err);
	assert_ptr_equal(g->image, *exec);
	assert_int_equal(g->image_len, roms[f].len);
}

/* A CALL binding points into the image, at the call table's offset. */
static void assert_in_image(const struct vmi_guest *g, const void *fn,
			    uint16_t call)
{
	uint8_t *img = (uint8_t *)g->image;
	unsigned int i;

	for (i = 0; i < le16toh(rom_test_hdr(img)->ext.call_count); i++) {
		struct vmi_rom_call *c = rom_test_call(img, i);

		if (le16toh(c->call) == call) {
			assert_ptr_equal(fn, img + le32toh(c->offset));
			return;
		}
	}
	fail_msg("call %u not in the table", call);
}

/*
 * A context of another size or version: every call the ROM answered (CALL
 * or the library's NOP stand-in) refuses it with -EINVAL, before it touches
 * a descriptor or a register.
 */
static void check_bad_ctx(const struct vmi_guest *g,
			  const struct vmi_rom_notify_ctx *good)
{
	struct vmi_rom_notify_ctx bad[2] = { *good, *good };
	unsigned int i;

	bad[0].size = sizeof(*good) - 8;
	bad[1].version = VMI_ROM_NOTIFY_CTX_VERSION + 1;
	for (i = 0; i < 2; i++) {
		assert_int_equal(g->ops.queue_notify(&bad[i], 0), -EINVAL);
		assert_int_equal(g->ops.queue_irq_ack(&bad[i], 0), -EINVAL);
		assert_int_equal(g->ops.queue_irq_mask(&bad[i], 0, 1), -EINVAL);
		if (g->binding.wait_event != VMI_ROM_RELOC_NONE)
			assert_int_equal(g->ops.wait_event(&bad[i], 0, 0),
					 -EINVAL);
	}
}

/* ---- process --------------------------------------------------------- */

struct process_ctx {
	struct vmi_rom_notify_ctx ctx;
	int32_t kick[NR_QUEUES], irq[NR_QUEUES];
};

static void process_ctx_open(struct process_ctx *p, int irq_flags)
{
	unsigned int q;

	memset(p, 0, sizeof(*p));
	for (q = 0; q < NR_QUEUES; q++) {
		p->kick[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		p->irq[q] = eventfd(0, irq_flags | EFD_CLOEXEC);
		assert_true(p->kick[q] >= 0 && p->irq[q] >= 0);
	}
	p->ctx = (struct vmi_rom_notify_ctx)VMI_ROM_NOTIFY_CTX_INIT(NR_QUEUES);
	p->ctx.kick_fds = (uint64_t)(uintptr_t)p->kick;
	p->ctx.irq_fds = (uint64_t)(uintptr_t)p->irq;
}

static void process_ctx_close(struct process_ctx *p)
{
	unsigned int q;

	for (q = 0; q < NR_QUEUES; q++) {
		close(p->kick[q]);
		close(p->irq[q]);
	}
}

/* The eventfd's counter, read and reset; 0 when it was not set. */
static uint64_t drain(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		assert_int_equal(errno, EAGAIN);
	return v;
}

static void signal_fd(int fd, uint64_t v)
{
	assert_int_equal(write(fd, &v, sizeof(v)), sizeof(v));
}

static void *late_signal(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	signal_fd(*(int32_t *)arg, 1);
	return NULL;
}

static void test_process(void **state)
{
	struct vmi_guest g;
	struct process_ctx p;
	const struct vmi_rom_notify_ctx *ctx = &p.ctx;
	struct vmi_rom_dev dev;
	char path[128];
	pthread_t t;
	void *exec;

	(void)state;
	bind_exec(&g, ROM_PROCESS, &exec);
	assert_int_equal(g.flavour, VMI_ROM_FLAVOUR_PROCESS);
	assert_int_equal(g.binding.rdtsc, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.dev_enumerate, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.queue_notify, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.queue_irq_ack, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.queue_irq_mask, VMI_ROM_RELOC_NOP);
	assert_int_equal(g.binding.wait_event, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.read_clock, VMI_ROM_RELOC_CALL);
	assert_in_image(&g, (void *)g.ops.queue_notify, VMI_CALL_QueueNotify);
	assert_in_image(&g, (void *)g.ops.read_clock, VMI_CALL_ReadClock);
	check_devices(&g, exec);
	check_clock(&g);

	assert_int_equal(g.ops.dev_enumerate(0, &dev), 0);
	assert_int_equal(vmi_guest_dev_socket(&g, &dev, path, sizeof(path)),
			 strlen("/tmp/vmipv-test/blk0.sock"));
	assert_string_equal(path, "/tmp/vmipv-test/blk0.sock");
	assert_int_equal(vmi_guest_dev_socket(&g, &dev, path, 10),
			 -ENAMETOOLONG);

	/* Notify: exactly the queue's kick eventfd gets a 1. */
	process_ctx_open(&p, EFD_NONBLOCK);
	assert_int_equal(g.ops.queue_notify(ctx, 1), 0);
	assert_int_equal(g.ops.queue_notify(ctx, 1), 0);
	assert_int_equal(drain(p.kick[1]), 2);
	assert_int_equal(drain(p.kick[0]), 0);
	assert_int_equal(drain(p.kick[2]), 0);
	assert_int_equal(g.ops.queue_notify(ctx, NR_QUEUES), -EINVAL);
	signal_fd(p.irq[0], 1);
	check_bad_ctx(&g, ctx);
	assert_int_equal(drain(p.kick[0]), 0);
	assert_int_equal(drain(p.irq[0]), 1);

	/* Wait: an event already there, a timeout, a wake-up from a thread. */
	signal_fd(p.irq[2], 3);
	assert_int_equal(g.ops.wait_event(ctx, 2, -1), 1);
	assert_int_equal(drain(p.irq[2]), 0);
	assert_int_equal(g.ops.wait_event(ctx, 2, 1000 * 1000), 0);
	assert_int_equal(pthread_create(&t, NULL, late_signal, &p.irq[0]), 0);
	assert_int_equal(g.ops.wait_event(ctx, 0, -1), 1);
	pthread_join(t, NULL);
	assert_int_equal(drain(p.irq[0]), 0);
	assert_int_equal(g.ops.wait_event(ctx, 3, 0), -EINVAL);

	/* Ack drains; mask is the ROM's NOP, which still checks the queue. */
	signal_fd(p.irq[1], 5);
	assert_int_equal(g.ops.queue_irq_ack(ctx, 1), 0);
	assert_int_equal(drain(p.irq[1]), 0);
	assert_int_equal(g.ops.queue_irq_mask(ctx, 1, 1), 0);
	assert_int_equal(g.ops.queue_irq_mask(ctx, NR_QUEUES, 1), -EINVAL);
	process_ctx_close(&p);

	/* Blocking eventfds: ack on an empty one must not block. */
	process_ctx_open(&p, 0);
	assert_int_equal(g.ops.queue_irq_ack(ctx, 0), 0);
	signal_fd(p.irq[0], 1);
	assert_int_equal(g.ops.queue_irq_ack(ctx, 0), 0);
	assert_int_equal(g.ops.wait_event(ctx, 0, 0), 0);
	process_ctx_close(&p);

	/* A closed descriptor is the system call's error, not a crash. */
	assert_int_equal(g.ops.queue_notify(ctx, 0), -EBADF);
	assert_int_equal(g.ops.wait_event(ctx, 0, 0), -EBADF);
	rom_test_unmap(exec, roms[ROM_PROCESS].len);
}

/* ---- qemu-ivshmem ------------------------------------------------------ */

#define REG(off) ((off) / 4)
#define SENTINEL 0xa5a5a5a5u

/* Every register but INTRMASK holds the sentinel, except what changed. */
static void assert_regs(const uint32_t *regs, uint32_t intrmask,
			uint32_t doorbell)
{
	unsigned int i;

	assert_int_equal(regs[REG(VMI_IVSHMEM_REG_INTRMASK)], intrmask);
	assert_int_equal(regs[REG(VMI_IVSHMEM_REG_DOORBELL)], doorbell);
	for (i = 0; i < 64; i++)
		if (i != REG(VMI_IVSHMEM_REG_INTRMASK) &&
		    i != REG(VMI_IVSHMEM_REG_DOORBELL))
			assert_int_equal(regs[i], SENTINEL);
}

static void test_qemu_ivshmem(void **state)
{
	uint32_t bar0[64]; /* 256 bytes: the size of ivshmem's BAR0 */
	struct vmi_rom_notify_ctx ctx = VMI_ROM_NOTIFY_CTX_INIT(NR_QUEUES);
	struct vmi_rom_dev dev;
	struct vmi_guest g;
	char path[128];
	void *exec;
	unsigned int i;

	(void)state;
	ctx.peer_id = 7;
	ctx.regs = (uint64_t)(uintptr_t)bar0;
	bind_exec(&g, ROM_IVSHMEM, &exec);
	assert_int_equal(g.flavour, VMI_ROM_FLAVOUR_QEMU_IVSHMEM);
	assert_int_equal(g.binding.rdtsc, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.dev_enumerate, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.queue_notify, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.queue_irq_ack, VMI_ROM_RELOC_NOP);
	assert_int_equal(g.binding.queue_irq_mask, VMI_ROM_RELOC_CALL);
	assert_int_equal(g.binding.wait_event, VMI_ROM_RELOC_NONE);
	assert_int_equal(g.binding.read_clock, VMI_ROM_RELOC_NONE);
	assert_in_image(&g, (void *)g.ops.queue_notify, VMI_CALL_QueueNotify);
	assert_in_image(&g, (void *)g.ops.queue_irq_mask,
			VMI_CALL_QueueIrqMask);
	check_devices(&g, exec);
	check_clock(&g);
	assert_int_equal(g.ops.dev_enumerate(0, &dev), 0);
	assert_int_equal(vmi_guest_dev_socket(&g, &dev, path, sizeof(path)),
			 -EINVAL);

	for (i = 0; i < 64; i++)
		bar0[i] = SENTINEL;
	bar0[REG(VMI_IVSHMEM_REG_INTRMASK)] = 0;

	/* Doorbell: peer << 16 | vector, vector q + 1. */
	assert_int_equal(g.ops.queue_notify(&ctx, 0), 0);
	assert_regs(bar0, 0, 7 << 16 | 1);
	assert_int_equal(g.ops.queue_notify(&ctx, 2), 0);
	assert_regs(bar0, 0, 7 << 16 | 3);
	assert_int_equal(g.ops.queue_notify(&ctx, NR_QUEUES), -EINVAL);
	ctx.peer_id = 0x10000;
	assert_int_equal(g.ops.queue_notify(&ctx, 0), -EINVAL);
	assert_regs(bar0, 0, 7 << 16 | 3);
	ctx.peer_id = 7;
	bar0[REG(VMI_IVSHMEM_REG_INTRMASK)] = 1;
	check_bad_ctx(&g, &ctx);
	assert_regs(bar0, 1, 7 << 16 | 3);
	bar0[REG(VMI_IVSHMEM_REG_INTRMASK)] = 0;

	/* INTRMASK bit 0 enables INTx; reserved bits stay as they were. */
	assert_int_equal(g.ops.queue_irq_mask(&ctx, 1, 0), 0);
	assert_regs(bar0, 1, 7 << 16 | 3);
	assert_int_equal(g.ops.queue_irq_mask(&ctx, 1, 1), 0);
	assert_regs(bar0, 0, 7 << 16 | 3);
	bar0[REG(VMI_IVSHMEM_REG_INTRMASK)] = 0xf0;
	assert_int_equal(g.ops.queue_irq_mask(&ctx, 0, 0), 0);
	assert_regs(bar0, 0xf1, 7 << 16 | 3);
	assert_int_equal(g.ops.queue_irq_mask(&ctx, 0, 1), 0);
	assert_regs(bar0, 0xf0, 7 << 16 | 3);
	assert_int_equal(g.ops.queue_irq_mask(&ctx, NR_QUEUES, 1), -EINVAL);

	/* Ack is a NOP (MSI-X); wait is the guest kernel's (native here). */
	assert_int_equal(g.ops.queue_irq_ack(&ctx, 0), 0);
	assert_int_equal(g.ops.queue_irq_ack(&ctx, NR_QUEUES), -EINVAL);
	assert_int_equal(g.ops.wait_event(&ctx, 0, 0), -ENODEV);
	assert_regs(bar0, 0xf0, 7 << 16 | 3);
	rom_test_unmap(exec, roms[ROM_IVSHMEM].len);
}

/* ---- no ROM ------------------------------------------------------------ */

static void test_native(void **state)
{
	struct vmi_rom_notify_ctx ctx = VMI_ROM_NOTIFY_CTX_INIT(NR_QUEUES);
	struct vmi_rom_dev devs[1];
	struct vmi_guest g;
	char err[64] = "";

	(void)state;
	assert_int_equal(vmi_guest_bind(&g, NULL, 0, err, sizeof(err)), 0);
	assert_null(g.image);
	assert_int_equal(guest_enumerate(&g, devs, 1), 0);
	assert_int_equal(g.binding.read_clock, VMI_ROM_RELOC_NONE);
	check_clock(&g);
	assert_int_equal(g.ops.queue_notify(&ctx, 0), -ENODEV);
	assert_int_equal(g.ops.queue_irq_ack(&ctx, 0), -ENODEV);
	assert_int_equal(g.ops.queue_irq_mask(&ctx, 0, 1), -ENODEV);
	assert_int_equal(g.ops.wait_event(&ctx, 0, 0), -ENODEV);
	assert_int_equal(vmi_guest_dev_socket(&g, &devs[0], err, sizeof(err)),
			 -ENODEV);

	/* No file, or no path: native, and no error. */
	assert_int_equal(vmi_guest_open(&g, NULL, err, sizeof(err)), 0);
	assert_null(g.image);
	assert_int_equal(vmi_guest_open(&g, "/nonexistent/vmi.rom", err,
					sizeof(err)),
			 0);
	assert_null(g.image);
	vmi_guest_close(&g);
}

/* Two copies bound at once, each calling into its own image. */
static void test_two_mappings(void **state)
{
	struct vmi_guest a, b;
	struct process_ctx p;
	void *ea, *eb;

	(void)state;
	bind_exec(&a, ROM_PROCESS, &ea);
	bind_exec(&b, ROM_PROCESS, &eb);
	assert_ptr_not_equal(ea, eb);
	assert_ptr_not_equal((void *)a.ops.queue_notify,
			     (void *)b.ops.queue_notify);
	assert_int_equal((uint8_t *)a.ops.queue_notify - (uint8_t *)ea,
			 (uint8_t *)b.ops.queue_notify - (uint8_t *)eb);
	check_devices(&a, ea);
	rom_test_unmap(ea, roms[ROM_PROCESS].len);
	/* b does not depend on a's image in any way. */
	check_devices(&b, eb);
	process_ctx_open(&p, EFD_NONBLOCK);
	assert_int_equal(b.ops.queue_notify(&p.ctx, 0), 0);
	assert_int_equal(drain(p.kick[0]), 1);
	process_ctx_close(&p);
	rom_test_unmap(eb, roms[ROM_PROCESS].len);
}

/* ---- Images that validate but must not bind ---------------------------- */

/* The table sends RDTSC and DevEnumerate to each other's code. */
static void swap_entries(uint8_t *p, size_t *len)
{
	struct vmi_rom_call *a = rom_test_call_of(p, VMI_CALL_RDTSC),
			    *b = rom_test_call_of(p, VMI_CALL_DevEnumerate);
	uint32_t off = a->offset;

	(void)len;
	a->offset = b->offset;
	b->offset = off;
}

/* The table calls QueueIrqMask's NOP IODelay's: 131 becomes NONE. */
static void renumber_nop(uint8_t *p, size_t *len)
{
	(void)len;
	rom_test_call_of(p, VMI_CALL_QueueIrqMask)->call =
		htole16(VMI_CALL_IODelay);
}

/* vmi_init's trampoline jumps to RDTSC's code, which returns non-zero. */
static void init_fails(uint8_t *p, size_t *len)
{
	uint32_t code = le32toh(rom_test_hdr(p)->ext.code_offset);
	int32_t rel = le32toh(rom_test_call_of(p, VMI_CALL_RDTSC)->offset) -
		      (code + 5);

	(void)len;
	rel = htole32(rel);
	memcpy(p + code + 1, &rel, sizeof(rel));
}

static void test_bind_refusals(void **state)
{
	static const struct rom_mutation cases[] = {
		{ "swapped offsets", ROM_PROCESS, swap_entries, 0, -EPROTO,
		  "get_reloc(27 RDTSC) answered CALL at" },
		{ "renumbered NOP", ROM_PROCESS, renumber_nop, 0, -EPROTO,
		  "get_reloc(131 QueueIrqMask) answered NOP at 0; the call table says NONE at 0" },
		{ "vmi_init fails", ROM_IVSHMEM, init_fails, 0, -ENODEV,
		  "vmi_init returned " },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rom_image bad;
		struct vmi_guest g;
		char err[256] = "";
		struct vmi_rom_dev d;
		void *exec;

		rom_test_mutate(&roms[cases[i].flavour], &cases[i], &bad);
		/* Every rule of the image holds: only running it tells. */
		if (vmi_rom_validate(bad.p, bad.len, err, sizeof(err)))
			fail_msg("%s: %s", cases[i].name, err);
		exec = rom_test_map_exec(&bad);
		assert_int_equal(vmi_guest_bind(&g, exec, bad.len, err,
						sizeof(err)),
				 cases[i].ret);
		if (!strstr(err, cases[i].msg))
			fail_msg("%s: '%s' lacks '%s'", cases[i].name, err,
				 cases[i].msg);
		assert_null(g.image);
		assert_int_equal(g.ops.dev_enumerate(0, &d), -ENODEV);
		rom_test_unmap(exec, bad.len);
		free(bad.p);
	}
}

/* vmi_guest_open maps the file's image read-only and executable. */
static void test_open_file(void **state)
{
	char err[256] = "", line[512], want[32];
	struct vmi_guest g;
	int found = 0;
	FILE *maps;

	(void)state;
	if (vmi_guest_open(&g, rom_paths[ROM_PROCESS], err, sizeof(err)))
		fail_msg("open: %s", err);
	assert_non_null(g.image);
	assert_int_equal(g.flavour, VMI_ROM_FLAVOUR_PROCESS);
	check_devices(&g, (uint8_t *)g.image);

	snprintf(want, sizeof(want), "%lx-", (unsigned long)g.image);
	maps = fopen("/proc/self/maps", "r");
	assert_non_null(maps);
	while (fgets(line, sizeof(line), maps))
		if (!strncmp(line, want, strlen(want))) {
			found = 1;
			assert_memory_equal(line + strcspn(line, " ") + 1,
					    "r-xp", 4);
		}
	fclose(maps);
	assert_true(found);
	vmi_guest_close(&g);
	assert_null(g.image);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_qemu_ivshmem),
		cmocka_unit_test(test_native),
		cmocka_unit_test(test_two_mappings),
		cmocka_unit_test(test_bind_refusals),
		cmocka_unit_test(test_open_file),
	};

	return rom_test_run(tests, ARRAY_SIZE(tests), argc, argv, 1, "");
}

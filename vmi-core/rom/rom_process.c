// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "process" flavour: the guest is a Linux process and the hypervisor
 * is the backends it talks to over Unix sockets. A queue is notified by
 * writing its kick eventfd, and a guest waits for the backend by polling
 * its irq eventfd, both by raw system call: the ROM links no library.
 * docs/ABI.md part (a), "Call numbers", gives each call's contract.
 */
#include <asm/unistd.h>
#include <linux/poll.h>
#include <linux/time.h>

#include "rom_priv.h"

/* Descriptor q of a context's array (a guest virtual address). */
#define VMI_ROM_FD(array, q) (((const int32_t *)(uintptr_t)(array))[q])

static inline long vmi_rom_syscall(long nr, long a1, long a2, long a3, long a4,
				   long a5)
{
	register long r10 asm("r10") = a4;
	register long r8 asm("r8") = a5;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "0"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
		     : "rcx", "r11", "memory");
	return ret;
}

/*
 * System calls need user mode: a kernel that finds this ROM must not bind
 * it. The privilege level is the low two bits of CS.
 */
long vmi_rom_init(void)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return (cs & 3) == 3 ? 0 : -ENODEV;
}

static long vmi_rom_process_queue_notify(const struct vmi_rom_notify_ctx *ctx,
					 uint32_t queue)
{
	uint64_t one = 1;
	long ret;

	if (vmi_rom_notify_ctx_bad(ctx, queue))
		return -EINVAL;
	ret = vmi_rom_syscall(__NR_write, VMI_ROM_FD(ctx->kick_fds, queue),
			      (long)&one, sizeof(one), 0, 0);
	/* A full counter (EAGAIN) is a pending notification: the host wakes. */
	return ret < 0 && ret != -EAGAIN ? ret : 0;
}

/* Reset the counter if it is set; never block, whatever the fd's flags. */
static long vmi_rom_process_drain(int32_t fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct __kernel_timespec zero = { 0, 0 };
	uint64_t count;
	long ret;

	ret = vmi_rom_syscall(__NR_ppoll, (long)&pfd, 1, (long)&zero, 0, 0);
	if (ret <= 0)
		return ret;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	ret = vmi_rom_syscall(__NR_read, fd, (long)&count, sizeof(count), 0, 0);
	return ret < 0 && ret != -EAGAIN ? ret : 1;
}

static long vmi_rom_process_queue_irq_ack(const struct vmi_rom_notify_ctx *ctx,
					  uint32_t queue)
{
	long ret;

	if (vmi_rom_notify_ctx_bad(ctx, queue))
		return -EINVAL;
	ret = vmi_rom_process_drain(VMI_ROM_FD(ctx->irq_fds, queue));
	return ret < 0 ? ret : 0;
}

static long vmi_rom_process_wait_event(const struct vmi_rom_notify_ctx *ctx,
				       uint32_t queue, int64_t timeout_ns)
{
	struct pollfd pfd;
	struct __kernel_timespec ts;
	long ret;

	if (vmi_rom_notify_ctx_bad(ctx, queue))
		return -EINVAL;
	pfd.fd = VMI_ROM_FD(ctx->irq_fds, queue);
	pfd.events = POLLIN;
	pfd.revents = 0;
	ts.tv_sec = timeout_ns / 1000000000;
	ts.tv_nsec = timeout_ns % 1000000000;
	ret = vmi_rom_syscall(__NR_ppoll, (long)&pfd, 1,
			      timeout_ns < 0 ? 0 : (long)&ts, 0, 0);
	if (ret <= 0)
		return ret;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	ret = vmi_rom_process_drain(pfd.fd);
	return ret < 0 ? ret : 1;
}

static uint64_t vmi_rom_process_read_clock(void)
{
	struct __kernel_timespec ts;

	if (vmi_rom_syscall(__NR_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0,
			    0, 0))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

struct vmi_rom_reloc vmi_rom_get_reloc(uint32_t call)
{
	switch (call) {
	case VMI_CALL_RDTSC:
		return VMI_ROM_CALL(vmi_rom_rdtsc);
	case VMI_CALL_DevEnumerate:
		return VMI_ROM_CALL(vmi_rom_dev_enumerate);
	case VMI_CALL_QueueNotify:
		return VMI_ROM_CALL(vmi_rom_process_queue_notify);
	case VMI_CALL_QueueIrqAck:
		return VMI_ROM_CALL(vmi_rom_process_queue_irq_ack);
	case VMI_CALL_QueueIrqMask:
		/* The rings' event indices already suppress notifications. */
		return VMI_ROM_NOP;
	case VMI_CALL_WaitEvent:
		return VMI_ROM_CALL(vmi_rom_process_wait_event);
	case VMI_CALL_ReadClock:
		return VMI_ROM_CALL(vmi_rom_process_read_clock);
	default:
		return VMI_ROM_NONE;
	}
}

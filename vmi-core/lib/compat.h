/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to vmi-core/lib: what the library's kernel-compatible files need
 * from their environment (errno values, snprintf, memcpy/memset, a
 * monotonic clock), mapped to the kernel's headers under __KERNEL__ and to
 * libc otherwise. Reads of shared memory use vmi_read_once() from
 * shared-ring/vmi_barrier.h. This is the one file a Kbuild of the library
 * sees differently from a user-space build.
 */
#ifndef VMI_CORE_COMPAT_H
#define VMI_CORE_COMPAT_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/ktime.h> /* with timekeeping.h, which needs it first */
#include <linux/limits.h>
#ifndef UINT32_MAX
#define UINT32_MAX U32_MAX
#endif
#else
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#endif

/* Format into a caller's error buffer, which may be NULL. */
#define vmi_errf(err, errlen, ...)                              \
	do {                                                    \
		if ((err) && (errlen))                          \
			snprintf((err), (errlen), __VA_ARGS__); \
	} while (0)

/* CLOCK_MONOTONIC in nanoseconds: the native ReadClock. */
static inline uint64_t vmi_compat_clock_ns(void)
{
#ifdef __KERNEL__
	return ktime_get_ns();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
#endif
}

/* Let a peer that holds something up run: a spin on a shared word. */
static inline void vmi_compat_relax(void)
{
#ifdef __KERNEL__
	cpu_relax();
#else
	sched_yield();
#endif
}

#include <vmi_barrier.h>

#endif /* VMI_CORE_COMPAT_H */

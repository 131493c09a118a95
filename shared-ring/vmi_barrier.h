/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * The only place where vmipv says how memory is ordered between the guest
 * and the host. Everything that touches a shared index goes through these
 * macros, so the same ring code compiles in a Linux kernel module
 * (mapped to the kernel's own primitives) and in user space (mapped to the
 * GCC/Clang __atomic builtins, which ThreadSanitizer understands).
 *
 *   vmi_load_acquire(p)     read *p once; later reads stay after it
 *   vmi_store_release(p, v) write *p once; earlier accesses stay before it
 *   vmi_read_once(x)        read x once, no ordering (peer-written hints)
 *   vmi_write_once(x, v)    write x once, no ordering
 *   vmi_fetch_or_release(p, v)  *p |= v atomically, then as a release
 *                           (user space only: the host's status bits)
 *   vmi_mb()                full barrier: orders an earlier store against a
 *                           later load (the one thing release/acquire
 *                           cannot do; needed by the event-index handshake)
 *
 * Each use in vmi_ring.h says which edge of the other side it pairs with.
 */
#ifndef VMI_BARRIER_H
#define VMI_BARRIER_H

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <asm/barrier.h>

#define vmi_load_acquire(p) smp_load_acquire(p)
#define vmi_store_release(p, v) smp_store_release(p, v)
#define vmi_read_once(x) READ_ONCE(x)
#define vmi_write_once(x, v) WRITE_ONCE(x, v)
#define vmi_mb() smp_mb()
#define vmi_likely(x) likely(x)
#define vmi_unlikely(x) unlikely(x)

#else /* user space */

#ifdef __CHECKER__
/*
 * sparse (tests/abi/sparse.sh) checks types, not ordering, and 0.6.4
 * refuses the __atomic builtins on the __bitwise vmi_le* types: it sees
 * volatile accesses of the same type instead. Never compiled.
 */
#define vmi_load_acquire(p) (*(volatile __typeof__(*(p)) *)(p))
#define vmi_store_release(p, v) (*(volatile __typeof__(*(p)) *)(p) = (v))
#define vmi_read_once(x) vmi_load_acquire(&(x))
#define vmi_write_once(x, v) vmi_store_release(&(x), v)
#define vmi_fetch_or_release(p, v) (*(volatile __typeof__(*(p)) *)(p) |= (v))
#else
#define vmi_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define vmi_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define vmi_read_once(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define vmi_write_once(x, v) __atomic_store_n(&(x), v, __ATOMIC_RELAXED)
#define vmi_fetch_or_release(p, v) __atomic_fetch_or(p, v, __ATOMIC_RELEASE)
#endif
#define vmi_likely(x) __builtin_expect(!!(x), 1)
#define vmi_unlikely(x) __builtin_expect(!!(x), 0)

#if defined(__x86_64__)
/*
 * As the kernel's smp_mb() on x86-64: a locked add to the stack is a full
 * barrier and costs about a third of MFENCE. ThreadSanitizer builds use it
 * too: TSan models no fence at all (GCC refuses atomic_thread_fence under
 * -fsanitize=thread), and none is needed for its race detection, since
 * every shared index is an atomic and the slots are published by the
 * release/acquire pairs; the barrier only orders the event-index handshake,
 * which tests/model/ checks.
 */
#define vmi_mb() \
	__asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")
#else
#define vmi_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#endif /* __KERNEL__ */

#endif /* VMI_BARRIER_H */

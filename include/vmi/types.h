/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * vmipv wire types: the fixed-width, little-endian integers that every vmipv
 * ABI header (rom.h, ring.h, dev.h, blk.h, net.h) is built from, and the one
 * place where host byte order is converted to and from wire byte order.
 *
 * The same header compiles in a Linux kernel module (__KERNEL__) and in user
 * space. Wire fields are declared with the vmi_le* types so that a reader can
 * tell at a glance which integers are shared with the peer; convert them with
 * vmi_le*_to_cpu() / vmi_cpu_to_le*() and never do arithmetic on them raw.
 * Under sparse (__CHECKER__) the vmi_le* types are __bitwise, as the
 * kernel's __le* are, so that a missing conversion is a warning, not a
 * silent byte-order bug on a big-endian peer.
 *
 * The headers compile alone as C11 and as C++11 or later, since other
 * implementations of the ABI may be written in C++ (tests/abi/headers.sh).
 */
#ifndef VMI_TYPES_H
#define VMI_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#include <asm/byteorder.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

#ifdef __KERNEL__
/* The kernel's own wire types: sparse checks them with C=1 or C=2. */
typedef __le16 vmi_le16;
typedef __le32 vmi_le32;
typedef __le64 vmi_le64;
#define vmi_le16_to_cpu(x) le16_to_cpu(x)
#define vmi_le32_to_cpu(x) le32_to_cpu(x)
#define vmi_le64_to_cpu(x) le64_to_cpu(x)
#define vmi_cpu_to_le16(x) cpu_to_le16(x)
#define vmi_cpu_to_le32(x) cpu_to_le32(x)
#define vmi_cpu_to_le64(x) cpu_to_le64(x)
#else
/*
 * Our own spelling of the kernel's __bitwise and __force: <linux/types.h>
 * defines those two names with another expansion, and a program may include
 * it after this header.
 */
#ifdef __CHECKER__
#define __vmi_bitwise __attribute__((bitwise))
#define __vmi_force __attribute__((force))
#else
#define __vmi_bitwise
#define __vmi_force
#endif
typedef uint16_t __vmi_bitwise vmi_le16;
typedef uint32_t __vmi_bitwise vmi_le32;
typedef uint64_t __vmi_bitwise vmi_le64;
/*
 * Byte swaps with the compiler's builtins rather than <endian.h>: the same
 * in strict C11 and in C++, on any libc, and constant expressions when the
 * argument is one (static initialisers, case labels).
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define __vmi_swab16(x) __builtin_bswap16(x)
#define __vmi_swab32(x) __builtin_bswap32(x)
#define __vmi_swab64(x) __builtin_bswap64(x)
#else
#define __vmi_swab16(x) (x)
#define __vmi_swab32(x) (x)
#define __vmi_swab64(x) (x)
#endif
/*
 * As the kernel's __le16_to_cpu(): the inner cast makes sparse check that x
 * is a vmi_le16 (and not a vmi_le32 or a host integer) before the forced
 * cast drops the restriction.
 */
#define vmi_le16_to_cpu(x) \
	((uint16_t)__vmi_swab16((__vmi_force uint16_t)(vmi_le16)(x)))
#define vmi_le32_to_cpu(x) \
	((uint32_t)__vmi_swab32((__vmi_force uint32_t)(vmi_le32)(x)))
#define vmi_le64_to_cpu(x) \
	((uint64_t)__vmi_swab64((__vmi_force uint64_t)(vmi_le64)(x)))
#define vmi_cpu_to_le16(x) ((__vmi_force vmi_le16)__vmi_swab16((uint16_t)(x)))
#define vmi_cpu_to_le32(x) ((__vmi_force vmi_le32)__vmi_swab32((uint32_t)(x)))
#define vmi_cpu_to_le64(x) ((__vmi_force vmi_le64)__vmi_swab64((uint64_t)(x)))
#endif

/*
 * Layout checks used by every ABI header: size and field offset. C++ (11
 * and later) spells the C11 keyword static_assert.
 */
#ifdef __cplusplus
#define VMI_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define VMI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#define VMI_ABI_SIZE(type, size)                  \
	VMI_STATIC_ASSERT(sizeof(type) == (size), \
			  #type " must be " #size " bytes")
#define VMI_ABI_OFFSET(type, field, off)                  \
	VMI_STATIC_ASSERT(offsetof(type, field) == (off), \
			  #type "." #field " must be at offset " #off)

/* Four ASCII characters as the little-endian 32-bit value that spells them. */
#define VMI_FOURCC(a, b, c, d)                                          \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | \
	 ((uint32_t)(d) << 24))

#endif /* VMI_TYPES_H */

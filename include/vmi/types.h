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
#include <endian.h>
#endif

typedef uint16_t vmi_le16;
typedef uint32_t vmi_le32;
typedef uint64_t vmi_le64;

#ifdef __KERNEL__
#define vmi_le16_to_cpu(x) le16_to_cpu((__force __le16)(x))
#define vmi_le32_to_cpu(x) le32_to_cpu((__force __le32)(x))
#define vmi_le64_to_cpu(x) le64_to_cpu((__force __le64)(x))
#define vmi_cpu_to_le16(x) ((__force vmi_le16)cpu_to_le16(x))
#define vmi_cpu_to_le32(x) ((__force vmi_le32)cpu_to_le32(x))
#define vmi_cpu_to_le64(x) ((__force vmi_le64)cpu_to_le64(x))
#else
#define vmi_le16_to_cpu(x) le16toh(x)
#define vmi_le32_to_cpu(x) le32toh(x)
#define vmi_le64_to_cpu(x) le64toh(x)
#define vmi_cpu_to_le16(x) htole16(x)
#define vmi_cpu_to_le32(x) htole32(x)
#define vmi_cpu_to_le64(x) htole64(x)
#endif

/* Layout checks used by every ABI header: size and field offset. */
#define VMI_ABI_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")
#define VMI_ABI_OFFSET(type, field, off)               \
	_Static_assert(offsetof(type, field) == (off), \
		       #type "." #field " must be at offset " #off)

/* Four ASCII characters as the little-endian 32-bit value that spells them. */
#define VMI_FOURCC(a, b, c, d)                                          \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | \
	 ((uint32_t)(d) << 24))

#endif /* VMI_TYPES_H */

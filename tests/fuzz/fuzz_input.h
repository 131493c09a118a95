/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the libFuzzer targets of the hosts' validators (tests/fuzz/blk,
 * tests/fuzz/net): a failed promise traps, and an input splits into what
 * a guest writes (its descriptor), a few bytes that pick the limits, and
 * the start of its data area.
 */
#ifndef VMI_FUZZ_INPUT_H
#define VMI_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CHECK(x)                          \
	do {                              \
		if (!(x))                 \
			__builtin_trap(); \
	} while (0)

/*
 * fuzz_split - copy the first desc_size bytes of in to desc and what
 * follows the nlim limit bytes to data (data_size bytes, zero past the
 * input). Returns the limit bytes, or NULL for an input too short to hold
 * a descriptor and its limits.
 */
static inline const uint8_t *fuzz_split(const uint8_t *in, size_t size,
					void *desc, size_t desc_size,
					size_t nlim, uint8_t *data,
					size_t data_size)
{
	if (size < desc_size + nlim)
		return NULL;
	memcpy(desc, in, desc_size);
	size -= desc_size + nlim;
	memset(data, 0, data_size);
	memcpy(data, in + desc_size + nlim,
	       size < data_size ? size : data_size);
	return in + desc_size;
}

#endif /* VMI_FUZZ_INPUT_H */

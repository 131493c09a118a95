/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space entropy guest: a process binds its VMI ROM, finds an
 * entropy device (docs/ABI.md part (g)) in the ROM's device table,
 * connects to its backend, and reads random bytes with this small API.
 * vmirng-read is its user; docs/DEVICE-CLASS.md walks through it as the
 * example of a device class's guest file.
 *
 * One struct vmi_rng_dev per connection, used by one thread at a time; it
 * uses queue 0 and has one request in flight at a time.
 *
 *   vmi_rng_open() -> vmi_rng_read() ... -> vmi_rng_close()
 *
 * All functions return 0 (or a status) or a negative errno; -ENOTCONN
 * once the backend is gone.
 */
#ifndef VMI_RNG_USER_H
#define VMI_RNG_USER_H

#include <stddef.h>
#include <stdint.h>

#include <vmi/rng.h>

struct vmi_rng_dev;

/*
 * vmi_rng_open - bind the ROM file rom, find entropy device index device
 * of its device table (< 0: the first one on the process transport),
 * connect, and check the device's config (magic, version, max_request).
 * Returns 0 with *out set, or a negative errno with err saying why.
 */
int vmi_rng_open(const char *rom, int device, struct vmi_rng_dev **out,
		 char *err, size_t errlen);

/* Disconnect and free d. */
void vmi_rng_close(struct vmi_rng_dev *d);

/* Bytes one request may ask for (the device's max_request). */
uint32_t vmi_rng_max_request(const struct vmi_rng_dev *d);

/*
 * vmi_rng_read - fill buf with len random bytes from the device, in
 * requests of at most max_request bytes. Returns 0, -EIO when the device
 * answers a status other than OK, or -ENOTCONN / -EPROTO as below.
 */
int vmi_rng_read(struct vmi_rng_dev *d, void *buf, size_t len);

/*
 * vmi_rng_request - one request for len bytes at offset in queue 0's data
 * area, sent as given, and wait for its answer. No check is made here, so
 * that a test can send what vmi_rng_read() never does (a range outside
 * the data area). Returns the device's status (enum vmi_rng_status, >= 0)
 * with *filled the bytes it reports filled, -ENOTCONN when the backend is
 * gone, or -EPROTO for an answer to another id or for more bytes than
 * asked.
 */
int vmi_rng_request(struct vmi_rng_dev *d, uint32_t offset, uint32_t len,
		    uint32_t *filled);

#endif /* VMI_RNG_USER_H */

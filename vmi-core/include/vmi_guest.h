/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest interface to the VMI ROM: validate an image, bind its calls,
 * and fall back to native code when there is no ROM. Used unchanged by the
 * user-space guests (which map a ROM file) and by the vmi_core kernel
 * module (which scans the option-ROM window and copies the image into
 * executable, read-only memory).
 *
 * A driver never looks at the ROM itself: it enumerates devices and
 * notifies queues through struct vmi_guest_ops, whose entries point at the
 * ROM's code where the ROM provides a call and at native code otherwise.
 */
#ifndef VMI_GUEST_H
#define VMI_GUEST_H

#include <vmi/rom.h>

/* The calls a vmipv guest binds (docs/ABI.md, "Call numbers"). */
struct vmi_guest_ops {
	uint64_t (*rdtsc)(void);
	long (*dev_enumerate)(uint32_t index, struct vmi_rom_dev *out);
	long (*queue_notify)(const struct vmi_rom_notify_ctx *ctx,
			     uint32_t queue);
	long (*queue_irq_ack)(const struct vmi_rom_notify_ctx *ctx,
			      uint32_t queue);
	long (*queue_irq_mask)(const struct vmi_rom_notify_ctx *ctx,
			       uint32_t queue, uint32_t masked);
	long (*wait_event)(const struct vmi_rom_notify_ctx *ctx, uint32_t queue,
			   int64_t timeout_ns);
	uint64_t (*read_clock)(void);
};

/* Relocation type each entry of vmi_guest_ops got, for inspection. */
struct vmi_guest_binding {
	uint8_t rdtsc, dev_enumerate, queue_notify, queue_irq_ack,
		queue_irq_mask, wait_event, read_clock;
};

struct vmi_guest {
	const void *image; /* executable mapping, NULL when native */
	size_t image_len;
	uint16_t flavour; /* enum vmi_rom_flavour, 0 when native */
	uint16_t dev_count;
	struct vmi_guest_ops ops;
	struct vmi_guest_binding binding;
};

/*
 * vmi_rom_validate - check every rule of docs/ABI.md part (a) on an image
 * of len bytes that is not executed: signatures, lengths, checksum,
 * versions, every offset and size inside the image, no overlapping tables,
 * call entries inside the code area and starting with ENDBR64, device
 * entries (class, transport, geometry by the layout rule, locators inside
 * the strings). Returns 0 or -EINVAL/-EPROTONOSUPPORT with err naming the
 * field and the value.
 */
int vmi_rom_validate(const void *image, size_t len, char *err, size_t errlen);

/*
 * vmi_rom_probe - find a ROM in a window of len bytes, as Linux's VMI probe
 * did in 0xC0000-0xDFFFF: candidates start every VMI_ROM_SCAN_STEP bytes
 * with 55 AA and "cVmi", and the first that validates wins. Stores its
 * offset in the window and returns 0, or returns -ENODEV with err naming
 * what was wrong with the last candidate (or that there was none).
 */
int vmi_rom_probe(const void *window, size_t len, size_t *offset, char *err,
		  size_t errlen);

/* "RDTSC", "QueueNotify", ...; NULL for a number no VMI API defines. */
const char *vmi_rom_call_name(unsigned int call);
/* "NONE", "CALL", "JUMP", "NOP"; NULL for another value. */
const char *vmi_rom_reloc_name(unsigned int type);

/*
 * vmi_guest_bind - bind a validated image that is mapped executable at
 * image: run vmi_init, then get_reloc for each call, check each returned
 * address against the call table, and fill g->ops (native where the ROM
 * says NONE). With image == NULL, bind everything native. Returns 0, or
 * the validator's error, -ENODEV when vmi_init fails, -EPROTO when an
 * answer of get_reloc differs from the call table, with err naming the
 * field or call and the value; g is then native.
 */
int vmi_guest_bind(struct vmi_guest *g, const void *image, size_t len,
		   char *err, size_t errlen);

/* Bind the native implementations only (no ROM). */
void vmi_guest_bind_native(struct vmi_guest *g);

/*
 * vmi_guest_dev_socket - the socket path of a process-transport device
 * entry (from dev_enumerate), read from the bound image's strings area,
 * NUL-terminated into path. Returns its length, -ENODEV when g is native,
 * -EINVAL when dev is not a process device of this image, or -ENAMETOOLONG
 * when len is too small.
 */
int vmi_guest_dev_socket(const struct vmi_guest *g,
			 const struct vmi_rom_dev *dev, char *path, size_t len);

#ifndef __KERNEL__
/*
 * User space: load the ROM file at path into private memory, validate it,
 * make it read-only and executable (never writable and executable at
 * once), and bind it. A NULL path, or a missing file, binds native and
 * returns 0 with g->image == NULL; a file that fails validation or
 * binding returns the error (err starts with the path), and g is native.
 * vmi_guest_close unmaps what vmi_guest_open mapped and binds native.
 */
int vmi_guest_open(struct vmi_guest *g, const char *path, char *err,
		   size_t errlen);
void vmi_guest_close(struct vmi_guest *g);
#endif

#endif /* VMI_GUEST_H */

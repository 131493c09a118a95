/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Machine descriptions (host side): the devices a hypervisor offers its
 * guests, read from the small line-oriented text format of docs/MACHINE.md.
 * vmi-rom builds a ROM's device table from it; each backend reads its own
 * device from the same file, including the backend-only options (a block
 * device's target, a network device's MAC) that the ROM ignores.
 *
 *   device blk 0
 *       transport process
 *       socket /run/vmipv/blk0.sock
 *       queues 2
 *       target /var/lib/vmipv/disk0.img
 *
 * Every bad line is refused with "FILE:LINE: what is wrong (value)".
 */
#ifndef VMI_MACHINE_H
#define VMI_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmi_layout.h>

#define VMI_MACHINE_MAX_DEVS 64 /* a ROM's device table holds 64 */
#define VMI_MACHINE_SOCKET_MAX 107 /* sun_path less its NUL */

/* A backend-only option, e.g. "target /disk.img" or "readonly". */
struct vmi_machine_opt {
	char *key;
	char *value; /* as written; "" for a flag */
	uint64_t num; /* size and number options: the value parsed */
	unsigned int line;
};

struct vmi_machine_dev {
	uint16_t dev_class; /* enum vmi_dev_class */
	uint16_t instance;
	uint16_t transport; /* enum vmi_dev_transport */
	uint16_t nr_queues;
	uint32_t ring_slots;
	uint32_t data_size; /* per queue */
	uint64_t features; /* offered; always has VMI_F_VERSION_1 */
	/*
	 * process: the Unix socket the backend listens on (the ROM's
	 * locator); ivshmem: the ivshmem server's socket, or NULL.
	 */
	char *socket;
	int32_t pci; /* ivshmem: bus << 8 | dev << 3 | fn; else -1 */
	struct vmi_layout layout; /* of the shared memory */
	struct vmi_machine_opt *opts;
	unsigned int nr_opts;
	unsigned int line; /* of its "device" line */
};

struct vmi_machine {
	struct vmi_machine_dev *devs;
	unsigned int nr_devs;
	uint64_t cycle_freq; /* "cycle-frequency" in Hz, or 0: not given */
};

/*
 * vmi_machine_load - read and check the machine description at path.
 * Returns 0, or a negative errno with err saying "FILE:LINE: what is wrong
 * (value)" (or "FILE: why" when the file cannot be read). On error m is
 * empty; either way vmi_machine_free releases it.
 */
int vmi_machine_load(const char *path, struct vmi_machine *m, char *err,
		     size_t errlen);

/* The same for len bytes of text; name stands for the file in messages. */
int vmi_machine_parse(const char *name, const char *text, size_t len,
		      struct vmi_machine *m, char *err, size_t errlen);

void vmi_machine_free(struct vmi_machine *m);

/* The device of class and instance, or NULL. */
const struct vmi_machine_dev *vmi_machine_find(const struct vmi_machine *m,
					       uint16_t dev_class,
					       uint16_t instance);

/* A backend option's value ("" for a flag), or NULL when it is absent. */
const char *vmi_machine_opt(const struct vmi_machine_dev *d, const char *key);

/* A size or number option's value, or def when it is absent. */
uint64_t vmi_machine_opt_num(const struct vmi_machine_dev *d, const char *key,
			     uint64_t def);

/* "blk", "net"; "process", "ivshmem"; NULL for unknown values. */
const char *vmi_machine_class_name(unsigned int dev_class);
const char *vmi_machine_transport_name(unsigned int transport);

/*
 * The names of the feature bits in features, comma-separated, as the
 * "features" key spells them (bits without a name as "bitN"). Returns the
 * length snprintf would have written.
 */
int vmi_machine_features_str(unsigned int dev_class, uint64_t features,
			     char *buf, size_t len);

#endif /* VMI_MACHINE_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The geometry of a device's shared memory (docs/ABI.md part (e)): where
 * each queue's rings and data area sit, computed by one rule from four
 * numbers (class, queues, slots, data area size). The ROM builder writes
 * the result into the device table, the backend lays out the memory with
 * it, and the guest checks that the memory it is given agrees with it.
 *
 * Pure computation and checks on local copies: compiles in the kernel and
 * in user space.
 */
#ifndef VMI_LAYOUT_H
#define VMI_LAYOUT_H

#include <vmi/dev.h>
#include <vmi/rom.h>

struct vmi_layout_params {
	uint16_t dev_class; /* enum vmi_dev_class */
	uint16_t nr_queues; /* net: an even number (RX, TX pairs) */
	uint32_t ring_slots; /* power of two */
	uint32_t data_size; /* per queue, multiple of 4 KiB */
};

struct vmi_layout {
	struct vmi_layout_params p;
	uint64_t shm_size;
	uint32_t ring_offset; /* queue 0's request ring */
	uint32_t ring_stride;
	uint64_t data_offset; /* queue 0's data area */
};

struct vmi_layout_queue {
	uint32_t req_offset;
	uint32_t rsp_offset;
	uint16_t req_slot_size;
	uint16_t rsp_slot_size;
	uint16_t kind; /* VMI_NET_QUEUE_RX/TX, 0 for blk */
	uint64_t data_offset;
};

/*
 * The device classes the layout rule knows (one table in layout.c): the
 * name of dev_class ("blk", "net", "rng") or NULL for an unknown class,
 * and the class a name spells, or 0 for none.
 */
const char *vmi_layout_class_name(unsigned int dev_class);
unsigned int vmi_layout_class_by_name(const char *name);

/*
 * vmi_layout_compute - apply the ABI's layout rule.
 * Returns 0, or -EINVAL with a message in err naming the bad parameter:
 * unknown class, queue count out of 1..VMI_MAX_QUEUES (or odd for net),
 * slots not a power of two in VMI_RING_MIN_SLOTS..VMI_RING_MAX_SLOTS,
 * data area not a non-zero multiple of 4 KiB, or a geometry whose ring
 * offsets would not fit the 32-bit fields.
 */
int vmi_layout_compute(const struct vmi_layout_params *p, struct vmi_layout *l,
		       char *err, size_t errlen);

/* Queue q's offsets and slot sizes; q < l->p.nr_queues. */
void vmi_layout_queue(const struct vmi_layout *l, unsigned int q,
		      struct vmi_layout_queue *out);

/* The layout a device table entry describes; -EINVAL as above, or if the
 * entry's offsets disagree with the rule. */
int vmi_layout_from_rom_dev(const struct vmi_rom_dev *dev, struct vmi_layout *l,
			    char *err, size_t errlen);

/* Fill a device table entry's geometry fields from a layout. */
void vmi_layout_to_rom_dev(const struct vmi_layout *l, struct vmi_rom_dev *dev);

/*
 * Host side: write the shared-memory header for layout l with the device's
 * offered features and class config (config_len <= 192 bytes). Indices of
 * every ring start at zero; the caller zeroes the memory first.
 */
void vmi_shm_hdr_init(struct vmi_shm_hdr *hdr, const struct vmi_layout *l,
		      uint64_t device_features, const void *config,
		      size_t config_len);

/*
 * Guest side: check that a mapped shared-memory header of mapped_len bytes
 * describes exactly layout l (magic, version, class, sizes, every queue's
 * offsets, slot sizes, vector and kind). Each field is read once. Returns
 * 0 or -EPROTO with a message naming the field and its value.
 */
int vmi_shm_hdr_check(const struct vmi_shm_hdr *hdr, uint64_t mapped_len,
		      const struct vmi_layout *l, char *err, size_t errlen);

/*
 * The generation rule of docs/ABI.md part (e), "Config changes", written
 * once for both sides. The host brackets every change of the class config
 * made while a guest may read it (and a reset's new header) with
 * vmi_shm_config_begin() and vmi_shm_config_end(); *gen is its own count,
 * even between changes, never read back from the shared memory. It then
 * rings the guest's config vector.
 */
void vmi_shm_config_begin(struct vmi_shm_hdr *hdr, uint32_t *gen);
void vmi_shm_config_end(struct vmi_shm_hdr *hdr, uint32_t *gen);

/* Tries before vmi_shm_config_read() gives up on a host that keeps writing */
#define VMI_SHM_CONFIG_TRIES 1000

/*
 * Guest side: copy the first len bytes (<= 192) of the class config as one
 * version, never a mix of two; *gen gets the (even) generation of that
 * version. Returns 0, or -EAGAIN if the host was still writing after
 * VMI_SHM_CONFIG_TRIES tries (dst then holds nothing usable).
 */
int vmi_shm_config_read(const struct vmi_shm_hdr *hdr, void *dst, size_t len,
			uint32_t *gen);

#endif /* VMI_LAYOUT_H */

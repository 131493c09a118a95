/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * What every vmipv device class shares (docs/ABI.md part (e)): the layout of
 * a device's shared memory, feature negotiation, the status handshake, and
 * the messages of the process-guest transport (a Unix socket that hands over
 * the shared memory and the eventfds).
 *
 * Shared memory of one device:
 *
 *   0x0000  struct vmi_shm_hdr (4 KiB): identity, features, status,
 *           class config, queue table
 *   ring_offset + q * ring_stride: queue q's request ring, then its
 *           response ring (struct vmi_ring_hdr + slots each)
 *   data_offset + q * data_size: queue q's data area, which requests
 *           reference with struct vmi_seg (offset, length)
 *
 * Feature bits 0-31 belong to the device class (blk.h, net.h); bits 32-63
 * are common to all classes and defined here. Bit 63 stays reserved for
 * the way past 64 bits that a later minor version will add (docs/ABI.md
 * part (e), "Past 64 feature bits"): a host of this version never offers
 * it, a guest never accepts it.
 */
#ifndef VMI_DEV_H
#define VMI_DEV_H

#include "types.h"
#include "ring.h"

#define VMI_SHM_MAGIC VMI_FOURCC('V', 'M', 'S', 'H')
#define VMI_SHM_VERSION_MAJOR 1
#define VMI_SHM_VERSION_MINOR 0
#define VMI_SHM_HDR_SIZE 4096
#define VMI_SHM_ALIGN 4096
#define VMI_MAX_QUEUES 64
#define VMI_MAX_SEGS 64 /* segments of one request, indirect included */

/* ---- Common feature bits (32-63) -------------------------------------- */

/* Must be offered and accepted: this layout (VMI_SHM_VERSION_MAJOR 1). */
#define VMI_F_VERSION_1 32
/*
 * A request with VMI_REQ_F_INDIRECT takes its segment list from the data
 * area: seg[0] points to nr_segs struct vmi_seg, 8-byte aligned.
 */
#define VMI_F_INDIRECT 33
/* The backend bumps vmi_shm_hdr.heartbeat (see "Liveness" below). */
#define VMI_F_HEARTBEAT 34

#define VMI_FEATURE(bit) (1ULL << (bit))

/* ---- Liveness (VMI_F_HEARTBEAT) --------------------------------------- */

/*
 * One rule for both sides: while it serves a guest, the host bumps
 * vmi_shm_hdr.heartbeat at least every VMI_HEARTBEAT_PERIOD_MS; a guest
 * that sees it unchanged for VMI_HEARTBEAT_TIMEOUT_MS takes the backend
 * as stalled (it stops waiting for answers, and may resume when the
 * heartbeat moves again). Without VMI_F_HEARTBEAT, heartbeat means
 * nothing.
 */
#define VMI_HEARTBEAT_PERIOD_MS 100
#define VMI_HEARTBEAT_TIMEOUT_MS 3000

/* ---- Config changes: vmi_shm_hdr.generation --------------------------- */

/*
 * generation is a sequence count over the class config (and, on a reset,
 * the whole header): the host makes it odd (full barrier) before it
 * writes, and even (release) after, then rings the config vector. A guest
 * reads generation (acquire), waits while it is odd, copies the config,
 * (full barrier) reads generation again and copies again if it moved.
 * vmi_shm_config_begin/end/read() in vmi-core/include/vmi_layout.h do it.
 * Which config fields may change after DRIVER_OK is the class's to say.
 */

/* ---- Status handshake ------------------------------------------------- */

/* vmi_shm_hdr.driver_status, written by the guest, in this order. */
#define VMI_STATUS_ACKNOWLEDGE 0x01 /* guest found the device */
#define VMI_STATUS_DRIVER 0x02 /* guest has a driver for it */
#define VMI_STATUS_FEATURES_OK 0x08 /* driver_features written */
#define VMI_STATUS_DRIVER_OK 0x04 /* rings ready: host may start */
#define VMI_STATUS_FAILED 0x80 /* guest gave up */

/* vmi_shm_hdr.device_status, written by the host. */
#define VMI_DEVICE_ALIVE 0x01 /* a backend serves the queues */
#define VMI_DEVICE_LINK_UP 0x02 /* net: carrier */
#define VMI_DEVICE_FEATURES_REJECTED 0x40 /* driver_features not a subset */
#define VMI_DEVICE_NEEDS_RESET 0x80 /* host saw a protocol error */

/*
 * struct vmi_shm_queue - one queue's geometry (32 bytes). Offsets are from
 * the start of the shared memory; rings are 64-byte aligned, data areas
 * 4 KiB aligned; nothing overlaps anything else.
 */
struct vmi_shm_queue {
	vmi_le32 req_offset; /* request ring (guest produces) */
	vmi_le32 rsp_offset; /* response ring (host produces) */
	vmi_le32 nr_slots; /* both rings, power of two */
	vmi_le16 req_slot_size; /* class-defined, see blk.h / net.h */
	vmi_le16 rsp_slot_size;
	vmi_le64 data_offset;
	vmi_le32 data_size;
	vmi_le16 vector; /* ivshmem: MSI-X vector and doorbell (q + 1) */
	vmi_le16 kind; /* class-defined: net RX or TX, blk 0 */
};
VMI_ABI_SIZE(struct vmi_shm_queue, 32);

/*
 * struct vmi_shm_hdr - the first 4 KiB of a device's shared memory. The
 * host writes everything except driver_features and driver_status, and the
 * guest validates all of it (every offset inside shm_size) before use.
 */
struct vmi_shm_hdr {
	vmi_le32 magic; /* VMI_SHM_MAGIC */
	vmi_le16 version_major;
	vmi_le16 version_minor;
	vmi_le16 dev_class; /* enum vmi_dev_class (rom.h) */
	vmi_le16 nr_queues;
	vmi_le32 hdr_size; /* VMI_SHM_HDR_SIZE */
	vmi_le64 shm_size;
	vmi_le64 device_features; /* host: offered */
	vmi_le64 driver_features; /* guest: accepted, a subset */
	vmi_le32 driver_status; /* guest: VMI_STATUS_* */
	vmi_le32 device_status; /* host: VMI_DEVICE_* */
	vmi_le32 generation; /* host: odd while it writes the config */
	vmi_le32 heartbeat; /* host: VMI_HEARTBEAT_PERIOD_MS (F_HEARTBEAT) */
	vmi_le32 queue_offset; /* 0x100 */
	vmi_le32 queue_entry_size; /* sizeof(struct vmi_shm_queue) */
	uint8_t config[192]; /* class config: vmi_blk_config, vmi_net_config */
	struct vmi_shm_queue queue[VMI_MAX_QUEUES];
	uint8_t reserved[VMI_SHM_HDR_SIZE - 0x100 - VMI_MAX_QUEUES * 32];
};
VMI_ABI_SIZE(struct vmi_shm_hdr, VMI_SHM_HDR_SIZE);
VMI_ABI_OFFSET(struct vmi_shm_hdr, dev_class, 0x08);
VMI_ABI_OFFSET(struct vmi_shm_hdr, shm_size, 0x10);
VMI_ABI_OFFSET(struct vmi_shm_hdr, device_features, 0x18);
VMI_ABI_OFFSET(struct vmi_shm_hdr, driver_features, 0x20);
VMI_ABI_OFFSET(struct vmi_shm_hdr, driver_status, 0x28);
VMI_ABI_OFFSET(struct vmi_shm_hdr, device_status, 0x2C);
VMI_ABI_OFFSET(struct vmi_shm_hdr, generation, 0x30);
VMI_ABI_OFFSET(struct vmi_shm_hdr, heartbeat, 0x34);
VMI_ABI_OFFSET(struct vmi_shm_hdr, queue_offset, 0x38);
VMI_ABI_OFFSET(struct vmi_shm_hdr, config, 0x40);
VMI_ABI_OFFSET(struct vmi_shm_hdr, queue, 0x100);

/* ---- Process transport: messages on the Unix socket ------------------- */

#define VMI_MSG_MAGIC VMI_FOURCC('V', 'M', 'T', 'P')
#define VMI_MSG_VERSION 1

enum vmi_msg_type {
	VMI_MSG_HELLO = 1, /* guest -> host */
	VMI_MSG_WELCOME = 2, /* host -> guest, with SCM_RIGHTS fds */
	VMI_MSG_READY = 3, /* guest -> host */
};

/*
 * struct vmi_msg - every message is exactly 64 bytes.
 *
 * HELLO:   dev_class, instance, nr_queues (0: all), features = what the
 *          driver supports.
 * WELCOME: status (0 or a positive errno), nr_queues, features = offered &
 *          supported, shm_size, nr_fds. The ancillary data carries nr_fds
 *          descriptors: the shared memory (a memfd), then one kick eventfd
 *          (guest -> host) per queue, then one irq eventfd (host -> guest)
 *          per queue.
 * READY:   features = what the driver finally accepted (a subset of the
 *          WELCOME's); the host starts serving, or drops the guest if the
 *          set is not a subset.
 */
struct vmi_msg {
	vmi_le32 magic; /* VMI_MSG_MAGIC */
	vmi_le16 version; /* VMI_MSG_VERSION */
	vmi_le16 type; /* enum vmi_msg_type */
	vmi_le16 dev_class;
	vmi_le16 instance;
	vmi_le16 nr_queues;
	vmi_le16 nr_fds;
	vmi_le32 status;
	vmi_le32 reserved0;
	vmi_le64 features;
	vmi_le64 shm_size;
	uint8_t reserved[24];
};
VMI_ABI_SIZE(struct vmi_msg, 64);
VMI_ABI_OFFSET(struct vmi_msg, status, 0x10);
VMI_ABI_OFFSET(struct vmi_msg, features, 0x18);
VMI_ABI_OFFSET(struct vmi_msg, shm_size, 0x20);

/* ---- ivshmem transport: doorbell vectors ------------------------------ */

/*
 * BAR0 registers of QEMU's ivshmem-doorbell (docs/specs/ivshmem-spec):
 * a write of (peer << 16 | vector) to DOORBELL rings the peer's vector.
 * Vector 0 is for configuration (status changes), vector q + 1 for queue q,
 * in both directions.
 */
#define VMI_IVSHMEM_REG_INTRMASK 0x00
#define VMI_IVSHMEM_REG_INTRSTATUS 0x04
#define VMI_IVSHMEM_REG_IVPOSITION 0x08
#define VMI_IVSHMEM_REG_DOORBELL 0x0C
#define VMI_IVSHMEM_CONFIG_VECTOR 0
/*
 * The backend is the ivshmem server and peer 0 of every guest it serves;
 * guests get ids from 1 (their IVPOSITION). A guest rings the backend with
 * DOORBELL = VMI_IVSHMEM_HOST_PEER << 16 | vector.
 */
#define VMI_IVSHMEM_HOST_PEER 0

#endif /* VMI_DEV_H */

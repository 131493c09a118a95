// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared-memory layout rule of docs/ABI.md part (e), in one place.
 *
 * Each device class declares, per kind of queue, the sizes of its request
 * and response slots; everything else follows from the four parameters:
 *
 *   ring_offset = 4096 (after struct vmi_shm_hdr)
 *   req ring bytes = ALIGN(256 + slots * req_slot_size, 4096), rsp alike
 *   ring_stride = the largest req + rsp bytes over the class's queue kinds
 *   queue q: req ring at ring_offset + q * ring_stride, rsp right after it
 *   data_offset = ring_offset + nr_queues * ring_stride
 *   queue q: data area at data_offset + q * data_size
 *   shm_size = data_offset + nr_queues * data_size
 */
#include "compat.h"
#include <vmi_layout.h>
#include <vmi/blk.h>
#include <vmi/net.h>
#include <vmi/rng.h>

struct vmi_layout_kind {
	uint16_t kind;
	uint16_t req_slot_size;
	uint16_t rsp_slot_size;
};

/*
 * The device classes: name (as machine descriptions and logs spell it) and
 * queue kinds; queue q is of kind q % nr_kinds. A new device class adds one
 * line here (docs/DEVICE-CLASS.md): the ROM validator, the machine parser
 * and the guest's shared-memory check know a class only from this table.
 */
static const struct vmi_layout_class {
	uint16_t dev_class;
	const char *name;
	uint16_t nr_kinds;
	struct vmi_layout_kind kinds[2];
} vmi_layout_classes[] = {
	{ VMI_DEV_CLASS_BLK,
	  "blk",
	  1,
	  { { 0, sizeof(struct vmi_blk_req), sizeof(struct vmi_blk_rsp) } } },
	{ VMI_DEV_CLASS_RNG,
	  "rng",
	  1,
	  { { 0, sizeof(struct vmi_rng_req), sizeof(struct vmi_rng_rsp) } } },
	{ VMI_DEV_CLASS_NET,
	  "net",
	  2,
	  { { VMI_NET_QUEUE_RX, sizeof(struct vmi_net_rx_buf),
	      sizeof(struct vmi_net_rx_rsp) },
	    { VMI_NET_QUEUE_TX, sizeof(struct vmi_net_tx),
	      sizeof(struct vmi_net_tx_rsp) } } },
};

#define VMI_ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))

static const struct vmi_layout_class *vmi_layout_class(uint16_t dev_class)
{
	size_t i;

	for (i = 0;
	     i < sizeof(vmi_layout_classes) / sizeof(vmi_layout_classes[0]);
	     i++)
		if (vmi_layout_classes[i].dev_class == dev_class)
			return &vmi_layout_classes[i];
	return NULL;
}

const char *vmi_layout_class_name(unsigned int dev_class)
{
	const struct vmi_layout_class *c =
		dev_class <= 0xffff ? vmi_layout_class((uint16_t)dev_class) :
				      NULL;

	return c ? c->name : NULL;
}

unsigned int vmi_layout_class_by_name(const char *name)
{
	size_t i;

	for (i = 0;
	     i < sizeof(vmi_layout_classes) / sizeof(vmi_layout_classes[0]);
	     i++)
		if (!strcmp(vmi_layout_classes[i].name, name))
			return vmi_layout_classes[i].dev_class;
	return 0;
}

static uint64_t vmi_ring_area(uint32_t slots, uint16_t slot_size)
{
	return VMI_ALIGN_UP(VMI_RING_BYTES(slots, slot_size), VMI_SHM_ALIGN);
}

int vmi_layout_compute(const struct vmi_layout_params *p, struct vmi_layout *l,
		       char *err, size_t errlen)
{
	const struct vmi_layout_class *c = vmi_layout_class(p->dev_class);
	uint64_t stride = 0, data_offset;
	unsigned int k;

	if (!c) {
		vmi_errf(err, errlen, "dev_class %u is not a known class",
			 p->dev_class);
		return -EINVAL;
	}
	if (p->nr_queues < 1 || p->nr_queues > VMI_MAX_QUEUES ||
	    p->nr_queues % c->nr_kinds) {
		vmi_errf(err, errlen,
			 "nr_queues %u is not a multiple of %u in 1..%u",
			 p->nr_queues, c->nr_kinds, VMI_MAX_QUEUES);
		return -EINVAL;
	}
	if (p->ring_slots < VMI_RING_MIN_SLOTS ||
	    p->ring_slots > VMI_RING_MAX_SLOTS ||
	    (p->ring_slots & (p->ring_slots - 1))) {
		vmi_errf(err, errlen,
			 "ring_slots %u is not a power of two in %u..%u",
			 p->ring_slots, VMI_RING_MIN_SLOTS, VMI_RING_MAX_SLOTS);
		return -EINVAL;
	}
	if (!p->data_size || p->data_size % VMI_SHM_ALIGN) {
		vmi_errf(err, errlen,
			 "data_size %u is not a non-zero multiple of %u",
			 p->data_size, VMI_SHM_ALIGN);
		return -EINVAL;
	}

	for (k = 0; k < c->nr_kinds; k++) {
		uint64_t s =
			vmi_ring_area(p->ring_slots,
				      c->kinds[k].req_slot_size) +
			vmi_ring_area(p->ring_slots, c->kinds[k].rsp_slot_size);
		if (s > stride)
			stride = s;
	}
	data_offset = VMI_SHM_HDR_SIZE + (uint64_t)p->nr_queues * stride;
	/* Ring offsets travel in 32-bit fields. */
	if (data_offset > UINT32_MAX) {
		vmi_errf(err, errlen,
			 "rings of %u queues x %u slots do not fit in 4 GiB",
			 p->nr_queues, p->ring_slots);
		return -EINVAL;
	}

	l->p = *p;
	l->ring_offset = VMI_SHM_HDR_SIZE;
	l->ring_stride = (uint32_t)stride;
	l->data_offset = data_offset;
	l->shm_size = data_offset + (uint64_t)p->nr_queues * p->data_size;
	return 0;
}

void vmi_layout_queue(const struct vmi_layout *l, unsigned int q,
		      struct vmi_layout_queue *out)
{
	const struct vmi_layout_class *c = vmi_layout_class(l->p.dev_class);
	const struct vmi_layout_kind *k = &c->kinds[q % c->nr_kinds];

	out->req_offset = l->ring_offset + q * l->ring_stride;
	out->rsp_offset =
		out->req_offset +
		(uint32_t)vmi_ring_area(l->p.ring_slots, k->req_slot_size);
	out->req_slot_size = k->req_slot_size;
	out->rsp_slot_size = k->rsp_slot_size;
	out->kind = k->kind;
	out->data_offset = l->data_offset + (uint64_t)q * l->p.data_size;
}

int vmi_layout_from_rom_dev(const struct vmi_rom_dev *dev, struct vmi_layout *l,
			    char *err, size_t errlen)
{
	struct vmi_layout_params p = {
		.dev_class = vmi_le16_to_cpu(dev->dev_class),
		.nr_queues = vmi_le16_to_cpu(dev->nr_queues),
		.ring_slots = vmi_le32_to_cpu(dev->ring_slots),
		.data_size = vmi_le32_to_cpu(dev->data_size),
	};
	int ret = vmi_layout_compute(&p, l, err, errlen);

	if (ret)
		return ret;
	if (vmi_le64_to_cpu(dev->shm_size) != l->shm_size ||
	    vmi_le32_to_cpu(dev->ring_offset) != l->ring_offset ||
	    vmi_le32_to_cpu(dev->ring_stride) != l->ring_stride ||
	    vmi_le64_to_cpu(dev->data_offset) != l->data_offset) {
		vmi_errf(
			err, errlen,
			"device geometry (shm_size %llu, ring_offset %u, ring_stride %u, data_offset %llu) disagrees with the layout rule (%llu, %u, %u, %llu)",
			(unsigned long long)vmi_le64_to_cpu(dev->shm_size),
			vmi_le32_to_cpu(dev->ring_offset),
			vmi_le32_to_cpu(dev->ring_stride),
			(unsigned long long)vmi_le64_to_cpu(dev->data_offset),
			(unsigned long long)l->shm_size, l->ring_offset,
			l->ring_stride, (unsigned long long)l->data_offset);
		return -EINVAL;
	}
	return 0;
}

void vmi_layout_to_rom_dev(const struct vmi_layout *l, struct vmi_rom_dev *dev)
{
	dev->dev_class = vmi_cpu_to_le16(l->p.dev_class);
	dev->nr_queues = vmi_cpu_to_le16(l->p.nr_queues);
	dev->ring_slots = vmi_cpu_to_le32(l->p.ring_slots);
	dev->data_size = vmi_cpu_to_le32(l->p.data_size);
	dev->shm_size = vmi_cpu_to_le64(l->shm_size);
	dev->ring_offset = vmi_cpu_to_le32(l->ring_offset);
	dev->ring_stride = vmi_cpu_to_le32(l->ring_stride);
	dev->data_offset = vmi_cpu_to_le64(l->data_offset);
}

void vmi_shm_hdr_init(struct vmi_shm_hdr *hdr, const struct vmi_layout *l,
		      uint64_t device_features, const void *config,
		      size_t config_len)
{
	unsigned int q;

	hdr->magic = vmi_cpu_to_le32(VMI_SHM_MAGIC);
	hdr->version_major = vmi_cpu_to_le16(VMI_SHM_VERSION_MAJOR);
	hdr->version_minor = vmi_cpu_to_le16(VMI_SHM_VERSION_MINOR);
	hdr->dev_class = vmi_cpu_to_le16(l->p.dev_class);
	hdr->nr_queues = vmi_cpu_to_le16(l->p.nr_queues);
	hdr->hdr_size = vmi_cpu_to_le32(VMI_SHM_HDR_SIZE);
	hdr->shm_size = vmi_cpu_to_le64(l->shm_size);
	hdr->device_features = vmi_cpu_to_le64(device_features);
	hdr->queue_offset =
		vmi_cpu_to_le32(offsetof(struct vmi_shm_hdr, queue));
	hdr->queue_entry_size = vmi_cpu_to_le32(sizeof(struct vmi_shm_queue));
	if (config_len > sizeof(hdr->config))
		config_len = sizeof(hdr->config);
	if (config_len)
		memcpy(hdr->config, config, config_len);

	for (q = 0; q < l->p.nr_queues; q++) {
		struct vmi_shm_queue *sq = &hdr->queue[q];
		struct vmi_layout_queue lq;

		vmi_layout_queue(l, q, &lq);
		sq->req_offset = vmi_cpu_to_le32(lq.req_offset);
		sq->rsp_offset = vmi_cpu_to_le32(lq.rsp_offset);
		sq->nr_slots = vmi_cpu_to_le32(l->p.ring_slots);
		sq->req_slot_size = vmi_cpu_to_le16(lq.req_slot_size);
		sq->rsp_slot_size = vmi_cpu_to_le16(lq.rsp_slot_size);
		sq->data_offset = vmi_cpu_to_le64(lq.data_offset);
		sq->data_size = vmi_cpu_to_le32(l->p.data_size);
		sq->vector = vmi_cpu_to_le16(q + 1);
		sq->kind = vmi_cpu_to_le16(lq.kind);
	}
}

void vmi_shm_config_begin(struct vmi_shm_hdr *hdr, uint32_t *gen)
{
	*gen |= 1;
	vmi_write_once(hdr->generation, vmi_cpu_to_le32(*gen));
	/* Odd before any byte of the new config: pairs with the reader's mb. */
	vmi_mb();
}

void vmi_shm_config_end(struct vmi_shm_hdr *hdr, uint32_t *gen)
{
	*gen = (*gen | 1) + 1;
	/* Release: the whole config before the even value. */
	vmi_store_release(&hdr->generation, vmi_cpu_to_le32(*gen));
}

int vmi_shm_config_read(const struct vmi_shm_hdr *hdr, void *dst, size_t len,
			uint32_t *gen)
{
	unsigned int i;

	if (len > sizeof(hdr->config))
		len = sizeof(hdr->config);
	for (i = 0; i < VMI_SHM_CONFIG_TRIES; i++) {
		/* Acquire: pairs with the host's release of an even value. */
		uint32_t g =
			vmi_le32_to_cpu(vmi_load_acquire(&hdr->generation));

		if (!(g & 1)) {
			memcpy(dst, hdr->config, len);
			/* The copy before the second look: pairs with begin. */
			vmi_mb();
			if (vmi_le32_to_cpu(vmi_read_once(hdr->generation)) ==
			    g) {
				*gen = g;
				return 0;
			}
		}
		vmi_compat_relax();
	}
	return -EAGAIN;
}

/*
 * Compare one header field, read once, with what the layout says; where is
 * "" for the header itself or "queue[N]." for a queue entry.
 */
#define VMI_SHM_EXPECT(obj, field, conv, want, where)                        \
	do {                                                                 \
		unsigned long long got_ = conv(vmi_read_once((obj)->field)); \
		if (got_ != (unsigned long long)(want)) {                    \
			vmi_errf(err, errlen,                                \
				 "shared memory %s" #field                   \
				 " is %#llx, expected %#llx",                \
				 where, got_, (unsigned long long)(want));   \
			return -EPROTO;                                      \
		}                                                            \
	} while (0)

int vmi_shm_hdr_check(const struct vmi_shm_hdr *hdr, uint64_t mapped_len,
		      const struct vmi_layout *l, char *err, size_t errlen)
{
	unsigned int q;

	if (mapped_len < l->shm_size) {
		vmi_errf(err, errlen,
			 "shared memory is %llu bytes, the device needs %llu",
			 (unsigned long long)mapped_len,
			 (unsigned long long)l->shm_size);
		return -EPROTO;
	}
	VMI_SHM_EXPECT(hdr, magic, vmi_le32_to_cpu, VMI_SHM_MAGIC, "");
	VMI_SHM_EXPECT(hdr, version_major, vmi_le16_to_cpu,
		       VMI_SHM_VERSION_MAJOR, "");
	VMI_SHM_EXPECT(hdr, dev_class, vmi_le16_to_cpu, l->p.dev_class, "");
	VMI_SHM_EXPECT(hdr, nr_queues, vmi_le16_to_cpu, l->p.nr_queues, "");
	VMI_SHM_EXPECT(hdr, hdr_size, vmi_le32_to_cpu, VMI_SHM_HDR_SIZE, "");
	VMI_SHM_EXPECT(hdr, shm_size, vmi_le64_to_cpu, l->shm_size, "");
	VMI_SHM_EXPECT(hdr, queue_offset, vmi_le32_to_cpu,
		       offsetof(struct vmi_shm_hdr, queue), "");
	VMI_SHM_EXPECT(hdr, queue_entry_size, vmi_le32_to_cpu,
		       sizeof(struct vmi_shm_queue), "");

	for (q = 0; q < l->p.nr_queues; q++) {
		const struct vmi_shm_queue *sq = &hdr->queue[q];
		struct vmi_layout_queue lq;
		char where[16];

		snprintf(where, sizeof(where), "queue[%u].", q);
		vmi_layout_queue(l, q, &lq);
		VMI_SHM_EXPECT(sq, req_offset, vmi_le32_to_cpu, lq.req_offset,
			       where);
		VMI_SHM_EXPECT(sq, rsp_offset, vmi_le32_to_cpu, lq.rsp_offset,
			       where);
		VMI_SHM_EXPECT(sq, nr_slots, vmi_le32_to_cpu, l->p.ring_slots,
			       where);
		VMI_SHM_EXPECT(sq, req_slot_size, vmi_le16_to_cpu,
			       lq.req_slot_size, where);
		VMI_SHM_EXPECT(sq, rsp_slot_size, vmi_le16_to_cpu,
			       lq.rsp_slot_size, where);
		VMI_SHM_EXPECT(sq, data_offset, vmi_le64_to_cpu, lq.data_offset,
			       where);
		VMI_SHM_EXPECT(sq, data_size, vmi_le32_to_cpu, l->p.data_size,
			       where);
		VMI_SHM_EXPECT(sq, vector, vmi_le16_to_cpu, q + 1, where);
		VMI_SHM_EXPECT(sq, kind, vmi_le16_to_cpu, lq.kind, where);
	}
	return 0;
}

/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Uses what the ABI headers define as macros and inline functions, which a
 * header compiled alone never expands: tests/abi/headers.sh builds this
 * file as C (C11, GNU11) and as C++ (11, 17, 20), with -Werror, to show
 * that an implementation in either language can use them.
 */
#include <vmi/blk.h>
#include <vmi/dev.h>
#include <vmi/net.h>
#include <vmi/ring.h>
#include <vmi/rng.h>
#include <vmi/rom.h>
#include <vmi/types.h>

/* The conversions and VMI_FOURCC are constant expressions. */
VMI_STATIC_ASSERT(vmi_le32_to_cpu(vmi_cpu_to_le32(VMI_SHM_MAGIC)) ==
			  0x48534d56u,
		  "VMI_FOURCC('V', 'M', 'S', 'H') is \"VMSH\" little-endian");
VMI_STATIC_ASSERT(vmi_le16_to_cpu(vmi_cpu_to_le16(0xfffe)) == 0xfffe,
		  "vmi_le16 round trip");
VMI_STATIC_ASSERT(vmi_le64_to_cpu(vmi_cpu_to_le64(VMI_FEATURE(63))) ==
			  0x8000000000000000ull,
		  "vmi_le64 round trip");
VMI_STATIC_ASSERT(VMI_RING_BYTES(4, 64) == 512, "ring of 4 x 64 bytes");

int vmi_headers_use(const struct vmi_shm_hdr *hdr, struct vmi_blk_req *req,
		    const struct vmi_ring_hdr *ring);

int vmi_headers_use(const struct vmi_shm_hdr *hdr, struct vmi_blk_req *req,
		    const struct vmi_ring_hdr *ring)
{
	struct vmi_rom_notify_ctx ctx = VMI_ROM_NOTIFY_CTX_INIT(2);

	if (vmi_rom_notify_ctx_bad(&ctx, 1))
		return -1;
	req->nr_segs = vmi_cpu_to_le16(1);
	req->sector = vmi_cpu_to_le64(8);
	req->seg[0].len = vmi_cpu_to_le32(VMI_BLK_SECTOR_SIZE);
	if (!vmi_ring_need_event(vmi_le32_to_cpu(ring->prod_event),
				 vmi_le32_to_cpu(ring->prod), 0))
		return -2;
	switch (vmi_le32_to_cpu(hdr->magic)) {
	case VMI_SHM_MAGIC:
		return vmi_le16_to_cpu(hdr->dev_class) == VMI_DEV_CLASS_BLK;
	case VMI_FOURCC('V', 'M', 'B', 'K'):
		return 2;
	default:
		return 0;
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-netback's TX descriptor validator (host-backends/net/net_tx.c), one
 * rule of docs/ABI.md part (d) at a time: each test builds a descriptor
 * that breaks exactly one rule and checks the reason it is refused for,
 * and that the id is kept for the answer whatever happens. Good
 * descriptors, including the ones Linux's TAP really produces (a header
 * length hint longer than the headers, DATA_VALID on forwarded packets, a
 * GSO packet whose payload fits one segment), must pass: a valid packet
 * is never refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net_tx.h"

#define DATA_SIZE (1u << 20)
#define ID 0x1122334455667788ull

static uint8_t data[DATA_SIZE] __attribute__((aligned(4096)));

static const uint64_t all_features =
	VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_INDIRECT) |
	VMI_FEATURE(VMI_NET_F_CSUM) | VMI_FEATURE(VMI_NET_F_HOST_TSO4) |
	VMI_FEATURE(VMI_NET_F_HOST_TSO6) | VMI_FEATURE(VMI_NET_F_HOST_USO);

static struct vmi_net_tx_limits lim;
static struct vmi_net_tx tx;
static struct vmi_net_pkt pkt;

static int setup(void **state)
{
	(void)state;
	lim = (struct vmi_net_tx_limits){
		.features = all_features,
		.data_size = DATA_SIZE,
		.max_packet = VMI_NET_MAX_PACKET,
		.max_segs = VMI_MAX_SEGS,
	};
	memset(&tx, 0, sizeof(tx));
	memset(&pkt, 0xa5, sizeof(pkt));
	tx.id = vmi_cpu_to_le64(ID);
	memset(data, 0, sizeof(data));
	return 0;
}

static void set_seg(unsigned int i, uint32_t offset, uint32_t len)
{
	tx.seg[i].offset = vmi_cpu_to_le32(offset);
	tx.seg[i].len = vmi_cpu_to_le32(len);
}

static void one_seg(uint32_t offset, uint32_t len)
{
	tx.nr_segs = vmi_cpu_to_le16(1);
	set_seg(0, offset, len);
}

/* A TCP/IPv4 partial checksum header: Ethernet 14 + IPv4 20, TCP at 34. */
static void csum_tcp(void)
{
	tx.hdr.flags = VMI_NET_HDR_F_NEEDS_CSUM;
	tx.hdr.csum_start = vmi_cpu_to_le16(34);
	tx.hdr.csum_offset = vmi_cpu_to_le16(16);
}

static void gso(uint8_t type, uint16_t size, uint16_t hdr_len)
{
	csum_tcp();
	tx.hdr.gso_type = type;
	tx.hdr.gso_size = vmi_cpu_to_le16(size);
	tx.hdr.hdr_len = vmi_cpu_to_le16(hdr_len);
}

static enum vmi_net_tx_err check(void)
{
	enum vmi_net_tx_err err = vmi_net_tx_check(&tx, data, &lim, &pkt);

	/* Every outcome keeps the id: a refused packet is still answered. */
	assert_int_equal(pkt.id, ID);
	return err;
}

/* ---- good descriptors ---------------------------------------------------- */

static void test_plain_ok(void **state)
{
	(void)state;
	one_seg(4096, 60);
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.len, 60);
	assert_int_equal(pkt.nr_segs, 1);
	assert_int_equal(pkt.seg[0].offset, 4096);
	assert_int_equal(pkt.seg[0].len, 60);
	assert_int_equal(pkt.ol.flags, 0);
	assert_int_equal(pkt.ol.gso_type, VMI_NET_GSO_NONE);
}

static void test_inline_chain_ok(void **state)
{
	unsigned int i;

	(void)state;
	tx.nr_segs = vmi_cpu_to_le16(VMI_NET_SEGS_INLINE);
	for (i = 0; i < VMI_NET_SEGS_INLINE; i++)
		set_seg(i, i * 8192, 1000 + i);
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(VMI_NET_SEGS_INLINE, 4);
	assert_int_equal(pkt.nr_segs, 4);
	assert_int_equal(pkt.len, 4 * 1000 + 6);
	assert_int_equal(pkt.seg[3].offset, 3 * 8192);
}

/*
 * The 8 reserved bytes after the inline segments mean nothing yet: the
 * host ignores them whatever they hold, and never reads them as a fifth
 * segment.
 */
static void test_reserved_ignored(void **state)
{
	struct vmi_net_pkt zeroed;
	unsigned int i;

	(void)state;
	assert_int_equal(offsetof(struct vmi_net_tx, reserved),
			 offsetof(struct vmi_net_tx, seg) +
				 VMI_NET_SEGS_INLINE * sizeof(struct vmi_seg));
	tx.nr_segs = vmi_cpu_to_le16(VMI_NET_SEGS_INLINE);
	for (i = 0; i < VMI_NET_SEGS_INLINE; i++)
		set_seg(i, i * 8192, 100);
	assert_int_equal(check(), VMI_NET_TX_OK);
	zeroed = pkt;
	/* Would be a fifth segment (offset 0, 0xffffffff bytes) if read. */
	memset(tx.reserved, 0xff, sizeof(tx.reserved));
	memset(tx.reserved, 0, 4);
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.nr_segs, zeroed.nr_segs);
	assert_int_equal(pkt.len, zeroed.len);
	assert_memory_equal(pkt.seg, zeroed.seg,
			    VMI_NET_SEGS_INLINE * sizeof(pkt.seg[0]));
	/* Nor is a refusal about them: 5 inline is refused as a count. */
	tx.nr_segs = vmi_cpu_to_le16(VMI_NET_SEGS_INLINE + 1);
	assert_int_equal(check(), VMI_NET_TX_E_NSEGS);
}

/* Five segments, one more than fit inline, go through an indirect list. */
static void test_indirect_five_ok(void **state)
{
	struct vmi_seg *list = (struct vmi_seg *)(data + 4096);
	unsigned int i;

	(void)state;
	for (i = 0; i < VMI_NET_SEGS_INLINE + 1; i++) {
		list[i].offset = vmi_cpu_to_le32(65536 + i * 4096);
		list[i].len = vmi_cpu_to_le32(500 + i);
	}
	tx.flags = vmi_cpu_to_le16(VMI_NET_TX_F_INDIRECT);
	tx.nr_segs = vmi_cpu_to_le16(VMI_NET_SEGS_INLINE + 1);
	set_seg(0, 4096, (VMI_NET_SEGS_INLINE + 1) * sizeof(struct vmi_seg));
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.nr_segs, 5);
	assert_int_equal(pkt.len, 5 * 500 + 10);
	assert_int_equal(pkt.seg[4].offset, 65536 + 4 * 4096);
	assert_int_equal(pkt.seg[4].len, 504);
	/* Without INDIRECT negotiated, a fifth segment has no way in. */
	lim.features &= ~VMI_FEATURE(VMI_F_INDIRECT);
	lim.max_segs = VMI_NET_SEGS_INLINE;
	assert_int_equal(check(), VMI_NET_TX_E_FLAGS);
}

/* What Linux's TAP gives: hdr_len is skb_headlen, here the whole packet. */
static void test_linux_tso_ok(void **state)
{
	(void)state;
	one_seg(0, 65000);
	gso(VMI_NET_GSO_TCPV4, 1448, 65000);
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.ol.gso_type, VMI_NET_GSO_TCPV4);
	assert_int_equal(pkt.ol.gso_size, 1448);
	assert_int_equal(pkt.ol.csum_start, 34);
	assert_int_equal(pkt.ol.csum_offset, 16);
}

static void test_tso_ecn_and_v6_ok(void **state)
{
	(void)state;
	one_seg(0, 9000);
	gso(VMI_NET_GSO_TCPV4 | VMI_NET_GSO_ECN, 1448, 66);
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.ol.gso_type, VMI_NET_GSO_TCPV4 | VMI_NET_GSO_ECN);
	gso(VMI_NET_GSO_TCPV6, 1428, 86);
	assert_int_equal(check(), VMI_NET_TX_OK);
	gso(VMI_NET_GSO_UDP_L4, 1472, 42);
	assert_int_equal(check(), VMI_NET_TX_OK);
}

/*
 * A GSO packet whose payload fits one segment is still a valid packet
 * (sent unsegmented), as long as gso_size is not larger than the packet.
 */
static void test_gso_small_payload_ok(void **state)
{
	(void)state;
	one_seg(0, 200);
	gso(VMI_NET_GSO_TCPV4, 180, 66);
	assert_int_equal(check(), VMI_NET_TX_OK);
	gso(VMI_NET_GSO_TCPV4, 200, 66);
	assert_int_equal(check(), VMI_NET_TX_OK);
}

/* DATA_VALID means nothing on TX: accepted, and dropped from the copy. */
static void test_data_valid_ignored(void **state)
{
	(void)state;
	one_seg(0, 100);
	tx.hdr.flags = VMI_NET_HDR_F_DATA_VALID;
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.ol.flags, 0);
	csum_tcp();
	tx.hdr.flags |= VMI_NET_HDR_F_DATA_VALID;
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.ol.flags, VMI_NET_HDR_F_NEEDS_CSUM);
}

static void test_bounds_ok(void **state)
{
	(void)state;
	one_seg(DATA_SIZE - VMI_NET_MIN_PACKET, VMI_NET_MIN_PACKET);
	assert_int_equal(check(), VMI_NET_TX_OK);
	tx.nr_segs = vmi_cpu_to_le16(2);
	set_seg(0, 0, 65536);
	set_seg(1, 65536, VMI_NET_MAX_PACKET - 65536);
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.len, VMI_NET_MAX_PACKET);
	/* The checksum field may be the packet's last two bytes. */
	one_seg(0, 100);
	tx.hdr.flags = VMI_NET_HDR_F_NEEDS_CSUM;
	tx.hdr.csum_start = vmi_cpu_to_le16(90);
	tx.hdr.csum_offset = vmi_cpu_to_le16(8);
	assert_int_equal(check(), VMI_NET_TX_OK);
}

/* The list is read once from the data area into the checked copy. */
static void test_indirect_ok(void **state)
{
	struct vmi_seg *list = (struct vmi_seg *)(data + 8192);
	unsigned int i;

	(void)state;
	for (i = 0; i < VMI_MAX_SEGS; i++) {
		list[i].offset = vmi_cpu_to_le32(65536 + i * 1024);
		list[i].len = vmi_cpu_to_le32(1000);
	}
	tx.flags = vmi_cpu_to_le16(VMI_NET_TX_F_INDIRECT);
	tx.nr_segs = vmi_cpu_to_le16(VMI_MAX_SEGS);
	set_seg(0, 8192, VMI_MAX_SEGS * sizeof(struct vmi_seg));
	assert_int_equal(check(), VMI_NET_TX_OK);
	assert_int_equal(pkt.nr_segs, VMI_MAX_SEGS);
	assert_int_equal(pkt.len, VMI_MAX_SEGS * 1000);
	assert_int_equal(pkt.seg[63].offset, 65536 + 63 * 1024);
	/* Changing the list afterwards changes nothing already checked. */
	list[63].offset = vmi_cpu_to_le32(DATA_SIZE);
	assert_int_equal(pkt.seg[63].offset, 65536 + 63 * 1024);
}

/* ---- refused descriptors -------------------------------------------------- */

static void test_flags(void **state)
{
	(void)state;
	one_seg(0, 100);
	tx.flags = vmi_cpu_to_le16(0x0002);
	assert_int_equal(check(), VMI_NET_TX_E_FLAGS);
	/* INDIRECT without the feature */
	lim.features &= ~VMI_FEATURE(VMI_F_INDIRECT);
	lim.max_segs = VMI_NET_SEGS_INLINE;
	tx.flags = vmi_cpu_to_le16(VMI_NET_TX_F_INDIRECT);
	assert_int_equal(check(), VMI_NET_TX_E_FLAGS);
}

static void test_nr_segs(void **state)
{
	(void)state;
	one_seg(0, 100);
	tx.nr_segs = 0;
	assert_int_equal(check(), VMI_NET_TX_E_NSEGS);
	/* inline chains stop at 4, with or without INDIRECT negotiated */
	tx.nr_segs = vmi_cpu_to_le16(VMI_NET_SEGS_INLINE + 1);
	assert_int_equal(check(), VMI_NET_TX_E_NSEGS);
	/* indirect chains at 64, and at the guest's limit */
	tx.flags = vmi_cpu_to_le16(VMI_NET_TX_F_INDIRECT);
	tx.nr_segs = vmi_cpu_to_le16(VMI_MAX_SEGS + 1);
	set_seg(0, 0, 4096);
	assert_int_equal(check(), VMI_NET_TX_E_NSEGS);
	lim.max_segs = 16;
	tx.nr_segs = vmi_cpu_to_le16(17);
	assert_int_equal(check(), VMI_NET_TX_E_NSEGS);
}

static void test_indirect_list(void **state)
{
	(void)state;
	tx.flags = vmi_cpu_to_le16(VMI_NET_TX_F_INDIRECT);
	tx.nr_segs = vmi_cpu_to_le16(4);
	/* misaligned */
	set_seg(0, 8196, 32);
	assert_int_equal(check(), VMI_NET_TX_E_INDIRECT);
	/* shorter than nr_segs entries */
	set_seg(0, 8192, 24);
	assert_int_equal(check(), VMI_NET_TX_E_INDIRECT);
	/* beyond the data area, and wrapping 32 bits */
	set_seg(0, DATA_SIZE - 24, 32);
	assert_int_equal(check(), VMI_NET_TX_E_INDIRECT);
	set_seg(0, 0xfffffff8u, 32);
	assert_int_equal(check(), VMI_NET_TX_E_INDIRECT);
	/* a listed segment outside the data area */
	set_seg(0, 8192, 32);
	((struct vmi_seg *)(data + 8192))[0].len = vmi_cpu_to_le32(100);
	((struct vmi_seg *)(data + 8192))[1].len = vmi_cpu_to_le32(100);
	((struct vmi_seg *)(data + 8192))[2].len = vmi_cpu_to_le32(100);
	((struct vmi_seg *)(data + 8192))[3].offset =
		vmi_cpu_to_le32(DATA_SIZE);
	((struct vmi_seg *)(data + 8192))[3].len = vmi_cpu_to_le32(1);
	assert_int_equal(check(), VMI_NET_TX_E_SEG);
}

static void test_seg(void **state)
{
	(void)state;
	one_seg(0, 0);
	assert_int_equal(check(), VMI_NET_TX_E_SEG);
	one_seg(DATA_SIZE - 50, 100);
	assert_int_equal(check(), VMI_NET_TX_E_SEG);
	one_seg(0xffffff00u, 0x200);
	assert_int_equal(check(), VMI_NET_TX_E_SEG);
	tx.nr_segs = vmi_cpu_to_le16(2);
	set_seg(0, 0, 100);
	set_seg(1, DATA_SIZE, 1);
	assert_int_equal(check(), VMI_NET_TX_E_SEG);
}

static void test_len(void **state)
{
	(void)state;
	one_seg(0, VMI_NET_MIN_PACKET - 1);
	assert_int_equal(check(), VMI_NET_TX_E_LEN);
	tx.nr_segs = vmi_cpu_to_le16(2);
	set_seg(0, 0, 65536);
	set_seg(1, 65536, VMI_NET_MAX_PACKET - 65536 + 1);
	assert_int_equal(check(), VMI_NET_TX_E_LEN);
	/* a smaller max_packet (no TSO) */
	lim.max_packet = 1518;
	one_seg(0, 1519);
	assert_int_equal(check(), VMI_NET_TX_E_LEN);
	/* 64 segments of a full data area add up past 32 bits' worth */
	lim.max_packet = VMI_NET_MAX_PACKET;
	tx.flags = vmi_cpu_to_le16(VMI_NET_TX_F_INDIRECT);
	tx.nr_segs = vmi_cpu_to_le16(VMI_MAX_SEGS);
	set_seg(0, 0, VMI_MAX_SEGS * sizeof(struct vmi_seg));
	for (unsigned int i = 0; i < VMI_MAX_SEGS; i++) {
		((struct vmi_seg *)data)[i].offset = 0;
		((struct vmi_seg *)data)[i].len = vmi_cpu_to_le32(DATA_SIZE);
	}
	assert_int_equal(check(), VMI_NET_TX_E_LEN);
}

static void test_hdr_flags(void **state)
{
	(void)state;
	one_seg(0, 100);
	tx.hdr.flags = 0x04;
	assert_int_equal(check(), VMI_NET_TX_E_HDR_FLAGS);
	tx.hdr.flags = 0x80 | VMI_NET_HDR_F_NEEDS_CSUM;
	assert_int_equal(check(), VMI_NET_TX_E_HDR_FLAGS);
}

static void test_csum(void **state)
{
	(void)state;
	one_seg(0, 100);
	csum_tcp();
	lim.features &= ~VMI_FEATURE(VMI_NET_F_CSUM);
	assert_int_equal(check(), VMI_NET_TX_E_CSUM);
	lim.features = all_features;
	tx.hdr.csum_start = vmi_cpu_to_le16(90);
	tx.hdr.csum_offset = vmi_cpu_to_le16(9);
	assert_int_equal(check(), VMI_NET_TX_E_CSUM);
	tx.hdr.csum_start = vmi_cpu_to_le16(0xffff);
	tx.hdr.csum_offset = vmi_cpu_to_le16(0xffff);
	assert_int_equal(check(), VMI_NET_TX_E_CSUM);
	/* GSO without NEEDS_CSUM */
	gso(VMI_NET_GSO_TCPV4, 40, 66);
	tx.hdr.flags = 0;
	assert_int_equal(check(), VMI_NET_TX_E_CSUM);
}

static void test_gso_type(void **state)
{
	(void)state;
	one_seg(0, 9000);
	gso(3, 1448, 66); /* virtio's UFO */
	assert_int_equal(check(), VMI_NET_TX_E_GSO_TYPE);
	gso(2, 1448, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_TYPE);
	gso(0x7f, 1448, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_TYPE);
	gso(VMI_NET_GSO_ECN, 1448, 66); /* ECN alone */
	assert_int_equal(check(), VMI_NET_TX_E_GSO_TYPE);
	gso(VMI_NET_GSO_UDP_L4 | VMI_NET_GSO_ECN, 1448, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_TYPE);
	/* known but not negotiated */
	lim.features = VMI_FEATURE(VMI_NET_F_CSUM);
	gso(VMI_NET_GSO_TCPV4, 1448, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_TYPE);
	gso(VMI_NET_GSO_TCPV6, 1448, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_TYPE);
	gso(VMI_NET_GSO_UDP_L4, 1448, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_TYPE);
}

static void test_gso_size(void **state)
{
	(void)state;
	one_seg(0, 9000);
	gso(VMI_NET_GSO_TCPV4, 0, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_SIZE);
	gso(VMI_NET_GSO_TCPV4, 9001, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_SIZE);
	/* more than VMI_NET_GSO_MAX_SEGS segments */
	one_seg(0, 65000);
	gso(VMI_NET_GSO_TCPV4, 65000 / VMI_NET_GSO_MAX_SEGS, 66);
	assert_int_equal(check(), VMI_NET_TX_E_GSO_SIZE);
	gso(VMI_NET_GSO_TCPV4, 65000 / VMI_NET_GSO_MAX_SEGS + 1, 66);
	assert_int_equal(check(), VMI_NET_TX_OK);
}

static void test_hdr_len(void **state)
{
	(void)state;
	one_seg(0, 9000);
	gso(VMI_NET_GSO_TCPV4, 1448, 9001);
	assert_int_equal(check(), VMI_NET_TX_E_HDR_LEN);
}

/* Each reason has a name for its counter. */
static void test_err_names(void **state)
{
	unsigned int e;

	(void)state;
	for (e = 0; e < VMI_NET_TX_NR_ERR; e++) {
		assert_non_null(vmi_net_tx_err_name[e]);
		assert_true(strlen(vmi_net_tx_err_name[e]) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain_ok, setup),
		cmocka_unit_test_setup(test_inline_chain_ok, setup),
		cmocka_unit_test_setup(test_reserved_ignored, setup),
		cmocka_unit_test_setup(test_indirect_five_ok, setup),
		cmocka_unit_test_setup(test_linux_tso_ok, setup),
		cmocka_unit_test_setup(test_tso_ecn_and_v6_ok, setup),
		cmocka_unit_test_setup(test_gso_small_payload_ok, setup),
		cmocka_unit_test_setup(test_data_valid_ignored, setup),
		cmocka_unit_test_setup(test_bounds_ok, setup),
		cmocka_unit_test_setup(test_indirect_ok, setup),
		cmocka_unit_test_setup(test_flags, setup),
		cmocka_unit_test_setup(test_nr_segs, setup),
		cmocka_unit_test_setup(test_indirect_list, setup),
		cmocka_unit_test_setup(test_seg, setup),
		cmocka_unit_test_setup(test_len, setup),
		cmocka_unit_test_setup(test_hdr_flags, setup),
		cmocka_unit_test_setup(test_csum, setup),
		cmocka_unit_test_setup(test_gso_type, setup),
		cmocka_unit_test_setup(test_gso_size, setup),
		cmocka_unit_test_setup(test_hdr_len, setup),
		cmocka_unit_test_setup(test_err_names, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

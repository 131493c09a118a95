// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared-memory layout rule (docs/ABI.md part (e), vmi-core/lib/
 * layout.c): geometry worked out by hand for both classes, every
 * parameter the rule refuses, the round trip through a ROM device entry,
 * and a header written by vmi_shm_hdr_init that vmi_shm_hdr_check accepts
 * until any one field of it changes.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <vmi/blk.h>
#include <vmi/net.h>
#include <vmi_layout.h>

static void compute(uint16_t cls, uint16_t queues, uint32_t slots,
		    uint32_t data, struct vmi_layout *l)
{
	struct vmi_layout_params p = { cls, queues, slots, data };
	char err[200] = "";

	if (vmi_layout_compute(&p, l, err, sizeof(err)))
		fail_msg("%s", err);
}

/*
 * blk, 2 queues x 128 slots: request ring 256 + 128 x 64 = 8448 -> 12 KiB,
 * response ring 256 + 128 x 16 = 2304 -> 4 KiB, stride 16 KiB.
 */
static void test_blk(void **state)
{
	struct vmi_layout l;
	struct vmi_layout_queue q;

	(void)state;
	compute(VMI_DEV_CLASS_BLK, 2, 128, 512 * 1024, &l);
	assert_int_equal(l.ring_offset, 4096);
	assert_int_equal(l.ring_stride, 16384);
	assert_int_equal(l.data_offset, 4096 + 2 * 16384);
	assert_int_equal(l.shm_size, 4096 + 2 * 16384 + 2 * 512 * 1024);
	vmi_layout_queue(&l, 1, &q);
	assert_int_equal(q.req_offset, 4096 + 16384);
	assert_int_equal(q.rsp_offset, 4096 + 16384 + 12288);
	assert_int_equal(q.req_slot_size, sizeof(struct vmi_blk_req));
	assert_int_equal(q.rsp_slot_size, sizeof(struct vmi_blk_rsp));
	assert_int_equal(q.kind, 0);
	assert_int_equal(q.data_offset, l.data_offset + 512 * 1024);
}

/*
 * net, 4 queues x 256 slots: RX 256 + 256 x 16 -> 8 KiB and 256 + 256 x 32
 * -> 12 KiB; TX 256 + 256 x 64 -> 20 KiB and 256 + 256 x 16 -> 8 KiB; the
 * stride is the larger pair, 28 KiB, for every queue.
 */
static void test_net(void **state)
{
	struct vmi_layout l;
	struct vmi_layout_queue rx, tx;

	(void)state;
	compute(VMI_DEV_CLASS_NET, 4, 256, 1 << 20, &l);
	assert_int_equal(l.ring_stride, 28672);
	assert_int_equal(l.data_offset, 4096 + 4 * 28672);
	vmi_layout_queue(&l, 2, &rx);
	vmi_layout_queue(&l, 3, &tx);
	assert_int_equal(rx.kind, VMI_NET_QUEUE_RX);
	assert_int_equal(rx.req_offset, 4096 + 2 * 28672);
	assert_int_equal(rx.rsp_offset, rx.req_offset + 8192);
	assert_int_equal(rx.req_slot_size, sizeof(struct vmi_net_rx_buf));
	assert_int_equal(rx.rsp_slot_size, sizeof(struct vmi_net_rx_rsp));
	assert_int_equal(tx.kind, VMI_NET_QUEUE_TX);
	assert_int_equal(tx.req_offset, 4096 + 3 * 28672);
	assert_int_equal(tx.rsp_offset, tx.req_offset + 20480);
	assert_int_equal(tx.req_slot_size, sizeof(struct vmi_net_tx));
	assert_int_equal(tx.rsp_slot_size, sizeof(struct vmi_net_tx_rsp));
	assert_int_equal(tx.data_offset, l.data_offset + 3 * (1 << 20));
}

static void test_refused(void **state)
{
	static const struct {
		struct vmi_layout_params p;
		const char *msg;
	} bad[] = {
		{ { 99, 1, 64, 4096 }, "dev_class 99 is not a known class" },
		{ { VMI_DEV_CLASS_BLK, 0, 64, 4096 },
		  "nr_queues 0 is not a multiple of 1 in 1..64" },
		{ { VMI_DEV_CLASS_BLK, 65, 64, 4096 },
		  "nr_queues 65 is not a multiple of 1 in 1..64" },
		{ { VMI_DEV_CLASS_NET, 3, 64, 4096 },
		  "nr_queues 3 is not a multiple of 2 in 1..64" },
		{ { VMI_DEV_CLASS_BLK, 1, 1, 4096 },
		  "ring_slots 1 is not a power of two in 2..32768" },
		{ { VMI_DEV_CLASS_BLK, 1, 96, 4096 },
		  "ring_slots 96 is not a power of two in 2..32768" },
		{ { VMI_DEV_CLASS_BLK, 1, 65536, 4096 },
		  "ring_slots 65536 is not a power of two in 2..32768" },
		{ { VMI_DEV_CLASS_BLK, 1, 64, 0 },
		  "data_size 0 is not a non-zero multiple of 4096" },
		{ { VMI_DEV_CLASS_BLK, 1, 64, 6000 },
		  "data_size 6000 is not a non-zero multiple of 4096" },
	};
	struct vmi_layout l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[200] = "";

		assert_int_equal(vmi_layout_compute(&bad[i].p, &l, err,
						    sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, bad[i].msg);
	}
	/* The largest geometry the rule allows still fits its fields. */
	compute(VMI_DEV_CLASS_NET, 64, 32768, 0xfffff000u, &l);
	assert_true(l.shm_size > 64ULL * 0xfffff000u);
}

static void test_rom_dev(void **state)
{
	struct vmi_layout l, back;
	struct vmi_rom_dev d = { 0 };
	char err[200] = "";

	(void)state;
	compute(VMI_DEV_CLASS_NET, 2, 512, 2 << 20, &l);
	vmi_layout_to_rom_dev(&l, &d);
	assert_int_equal(vmi_layout_from_rom_dev(&d, &back, err, sizeof(err)),
			 0);
	assert_memory_equal(&back.p, &l.p, sizeof(l.p));
	assert_int_equal(back.shm_size, l.shm_size);
	assert_int_equal(back.ring_offset, l.ring_offset);
	assert_int_equal(back.ring_stride, l.ring_stride);
	assert_int_equal(back.data_offset, l.data_offset);
	d.ring_stride = htole32(le32toh(d.ring_stride) + 4096);
	assert_int_equal(vmi_layout_from_rom_dev(&d, &back, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "disagrees with the layout rule"));
	d.ring_slots = htole32(3);
	assert_int_equal(vmi_layout_from_rom_dev(&d, &back, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "ring_slots 3 is not a power of two in 2..32768");
}

/* Offsets of the header fields the check compares, and their sizes. */
static const struct {
	size_t off, size;
	const char *name;
} fields[] = {
	{ offsetof(struct vmi_shm_hdr, magic), 4, "magic" },
	{ offsetof(struct vmi_shm_hdr, version_major), 2, "version_major" },
	{ offsetof(struct vmi_shm_hdr, dev_class), 2, "dev_class" },
	{ offsetof(struct vmi_shm_hdr, nr_queues), 2, "nr_queues" },
	{ offsetof(struct vmi_shm_hdr, hdr_size), 4, "hdr_size" },
	{ offsetof(struct vmi_shm_hdr, shm_size), 8, "shm_size" },
	{ offsetof(struct vmi_shm_hdr, queue_offset), 4, "queue_offset" },
	{ offsetof(struct vmi_shm_hdr, queue_entry_size), 4,
	  "queue_entry_size" },
	{ offsetof(struct vmi_shm_hdr, queue[1].req_offset), 4,
	  "queue[1].req_offset" },
	{ offsetof(struct vmi_shm_hdr, queue[1].rsp_offset), 4,
	  "queue[1].rsp_offset" },
	{ offsetof(struct vmi_shm_hdr, queue[1].nr_slots), 4,
	  "queue[1].nr_slots" },
	{ offsetof(struct vmi_shm_hdr, queue[1].req_slot_size), 2,
	  "queue[1].req_slot_size" },
	{ offsetof(struct vmi_shm_hdr, queue[1].rsp_slot_size), 2,
	  "queue[1].rsp_slot_size" },
	{ offsetof(struct vmi_shm_hdr, queue[1].data_offset), 8,
	  "queue[1].data_offset" },
	{ offsetof(struct vmi_shm_hdr, queue[1].data_size), 4,
	  "queue[1].data_size" },
	{ offsetof(struct vmi_shm_hdr, queue[1].vector), 2, "queue[1].vector" },
	{ offsetof(struct vmi_shm_hdr, queue[1].kind), 2, "queue[1].kind" },
};

static void test_shm_hdr(void **state)
{
	struct vmi_net_config cfg = { .mtu = htole16(9000) };
	struct vmi_shm_hdr *h = calloc(1, sizeof(*h));
	struct vmi_layout l;
	char err[200] = "", want[64];
	size_t i;

	(void)state;
	compute(VMI_DEV_CLASS_NET, 2, 64, 4096, &l);
	vmi_shm_hdr_init(h, &l, VMI_FEATURE(VMI_F_VERSION_1), &cfg,
			 sizeof(cfg));
	assert_int_equal(vmi_shm_hdr_check(h, l.shm_size, &l, err, sizeof(err)),
			 0);
	assert_int_equal(le16toh(h->queue[1].vector), 2);
	assert_int_equal(le64toh(h->device_features),
			 VMI_FEATURE(VMI_F_VERSION_1));
	assert_memory_equal(h->config, &cfg, sizeof(cfg));
	assert_int_equal(vmi_shm_hdr_check(h, l.shm_size - 1, &l, err,
					   sizeof(err)),
			 -EPROTO);
	assert_non_null(strstr(err, "the device needs"));

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint8_t *b = (uint8_t *)h + fields[i].off;

		b[fields[i].size - 1] ^= 0x40;
		assert_int_equal(vmi_shm_hdr_check(h, l.shm_size, &l, err,
						   sizeof(err)),
				 -EPROTO);
		snprintf(want, sizeof(want), "shared memory %s is ",
			 fields[i].name);
		if (strncmp(err, want, strlen(want)))
			fail_msg("'%s' does not start with '%s'", err, want);
		b[fields[i].size - 1] ^= 0x40;
	}
	/* Without a config, the config area stays as it was. */
	memset(h, 0, sizeof(*h));
	vmi_shm_hdr_init(h, &l, 0, NULL, 0);
	assert_int_equal(vmi_shm_hdr_check(h, l.shm_size, &l, err, sizeof(err)),
			 0);
	free(h);
}

/* ---- the generation rule: vmi_shm_config_begin/end/read ------------- */

static void test_config_gen(void **state)
{
	struct vmi_shm_hdr *h = calloc(1, sizeof(*h));
	uint8_t copy[sizeof(h->config)];
	uint32_t host = 0, gen = 1;

	(void)state;
	memset(h->config, 0x5a, sizeof(h->config));
	assert_int_equal(vmi_shm_config_read(h, copy, sizeof(copy), &gen), 0);
	assert_int_equal(gen, 0);
	assert_memory_equal(copy, h->config, sizeof(copy));

	/* The host writes: odd meanwhile, the next even value after. */
	vmi_shm_config_begin(h, &host);
	assert_int_equal(vmi_le32_to_cpu(h->generation), 1);
	/* A reader never takes a config being written. */
	memset(copy, 0, sizeof(copy));
	assert_int_equal(vmi_shm_config_read(h, copy, sizeof(copy), &gen),
			 -EAGAIN);
	memset(h->config, 0xa5, sizeof(h->config));
	vmi_shm_config_end(h, &host);
	assert_int_equal(host, 2);
	assert_int_equal(vmi_le32_to_cpu(h->generation), 2);
	assert_int_equal(vmi_shm_config_read(h, copy, 8, &gen), 0);
	assert_int_equal(gen, 2);
	assert_memory_equal(copy, h->config, 8);
	/* The host's own count rules: a guest's scribble does not move it. */
	h->generation = vmi_cpu_to_le32(7);
	vmi_shm_config_begin(h, &host);
	vmi_shm_config_end(h, &host);
	assert_int_equal(vmi_le32_to_cpu(h->generation), 4);
	free(h);
}

struct config_writer {
	struct vmi_shm_hdr *h;
	int stop; /* atomic: set by the reader when it has seen enough */
};

/*
 * A host changing the config over and over, every byte the round's, with
 * a pause about as long as a copy between changes, so that the reader
 * gets some copies whole and others torn. It runs until the reader has
 * seen enough, not for a fixed count: the two threads' scheduling (a
 * loaded machine, a sanitizer build) then cannot decide the outcome.
 */
static void *config_writer(void *arg)
{
	struct config_writer *w = arg;
	uint32_t host = 0;
	unsigned int r;

	for (r = 1; !__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE); r++) {
		volatile unsigned int spin;

		vmi_shm_config_begin(w->h, &host);
		memset(w->h->config, (int)(r & 0xff), sizeof(w->h->config));
		vmi_shm_config_end(w->h, &host);
		/* About one reader's copy at rest: some copies are torn. */
		for (spin = 0; spin < 64; spin++)
			;
	}
	return NULL;
}

static uint64_t config_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Against a host that rewrites the config without pause, every copy the
 * reader returns is one version (all its bytes equal) of an even
 * generation: a copy torn between two versions is retried, never handed
 * out. A plain memcpy of the config fails this at once. The reader goes on
 * until it has seen the generation move 20000 times (or 20 s have passed,
 * and then it must have seen it move at least once).
 */
static void test_config_torn(void **state)
{
	struct config_writer w = { calloc(1, sizeof(*w.h)), 0 };
	uint64_t deadline = config_now_ns() + 20000000000ull;
	uint8_t copy[sizeof(w.h->config)];
	unsigned long reads = 0, moved = 0;
	uint32_t gen = 0, last = 0;
	size_t i = sizeof(copy);
	pthread_t t;

	(void)state;
	assert_non_null(w.h);
	assert_int_equal(pthread_create(&t, NULL, config_writer, &w), 0);
	while (moved < 20000 && config_now_ns() < deadline) {
		if (vmi_shm_config_read(w.h, copy, sizeof(copy), &gen))
			continue; /* the writer kept it busy: not a copy */
		reads++;
		if (gen % 2)
			break; /* checked below, once the writer stopped */
		moved += gen != last;
		last = gen;
		for (i = 1; i < sizeof(copy); i++)
			if (copy[i] != copy[0])
				break;
		if (i < sizeof(copy))
			break;
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	free(w.h);
	if (gen % 2)
		fail_msg("copy handed out at odd generation %u", gen);
	if (i < sizeof(copy))
		fail_msg(
			"torn copy at generation %u: byte %zu is %#x, byte 0 %#x",
			gen, i, copy[i], copy[0]);
	assert_true(reads > 0);
	assert_true(moved > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blk),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_rom_dev),
		cmocka_unit_test(test_shm_hdr),
		cmocka_unit_test(test_config_gen),
		cmocka_unit_test(test_config_torn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-blk-hostile: a guest that breaks the block protocol on purpose, to
 * show that vmi-blkback answers every request it refuses, never acts on
 * one, never takes more than a ring's worth of entries in one pass, and
 * drops a guest that corrupts its ring indices without hurting anyone else.
 * It speaks the transport through guest-drivers/user/conn.c and writes the
 * rings by hand (shared-ring/vmi_ring.h), not through the block library,
 * which would refuse to send such requests.
 *
 *   vmi-blk-hostile ROM DEVICE
 *
 * Phases, each printing one line:
 *   1. bad requests (out-of-range sectors, segments outside the data area,
 *      zero and huge lengths, unknown operations, bad flags and counts),
 *      two good reads among them: every id answered once, with the status
 *      the ABI gives, len 0 for the refused;
 *   2. full rings of refused requests, three times round: all answered;
 *   3. answers not taken: with the response ring full, another ring of
 *      requests waits untouched until the guest takes the answers;
 *   4. a request ring producer index beyond the ring: the backend drops
 *      the guest (NEEDS_RESET, socket end);
 *   5. a response ring consumer index beyond the producer's: the same,
 *      once the backend needs room and reads it.
 * Exit 0 when every phase held. The target must not change: the calling
 * test compares it before and after (no write here is valid).
 *
 *   vmi-blk-hostile ROM DEVICE stall KICK_MS
 *
 * A guest that stops taking answers, for the stalled-guest test: see
 * stall().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vmi/blk.h>
#include <vmi_guest.h>
#include <vmi_ring.h>

#include "vmi_conn.h"

#define FEATURES                                                       \
	(VMI_FEATURE(VMI_F_VERSION_1) | VMI_FEATURE(VMI_F_INDIRECT) |  \
	 VMI_FEATURE(VMI_F_HEARTBEAT) | VMI_FEATURE(VMI_BLK_F_FLUSH) | \
	 VMI_FEATURE(VMI_BLK_F_FUA) | VMI_FEATURE(VMI_BLK_F_DISCARD) | \
	 VMI_FEATURE(VMI_BLK_F_WRITE_ZEROES) | VMI_FEATURE(VMI_BLK_F_GET_ID))

struct hostile {
	struct vmi_guest g;
	struct vmi_rom_dev dev;
	char path[128];
	struct vmi_conn c;
	struct vmi_ring req, rsp;
	uint32_t slots;
	uint64_t capacity; /* sectors */
	uint32_t data_size, max_transfer;
	uint8_t *data;
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vmi-blk-hostile: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	return 1;
}

static int connect_dev(struct hostile *h)
{
	struct vmi_blk_config cfg;
	char err[256];
	int ret;

	ret = vmi_conn_open(&h->c, &h->g, &h->dev, h->path, 1, FEATURES, 5000,
			    err, sizeof(err));
	if (ret)
		return fail("connect: %s", err);
	memcpy(&cfg, h->c.shm->config, sizeof(cfg));
	h->capacity = vmi_le64_to_cpu(cfg.capacity);
	h->max_transfer = vmi_le32_to_cpu(cfg.max_transfer);
	h->slots = h->c.layout.p.ring_slots;
	h->data_size = h->c.layout.p.data_size;
	h->data = vmi_conn_data(&h->c, 0);
	if (vmi_ring_attach_prod(&h->req, vmi_conn_req_ring(&h->c, 0), h->slots,
				 sizeof(struct vmi_blk_req)) ||
	    vmi_ring_attach_cons(&h->rsp, vmi_conn_rsp_ring(&h->c, 0), h->slots,
				 sizeof(struct vmi_blk_rsp)))
		return fail("attach rings");
	return 0;
}

static struct vmi_blk_req rq(uint64_t id, uint8_t op, uint64_t sector,
			     uint16_t nr_segs, uint32_t off, uint32_t len)
{
	struct vmi_blk_req r;

	memset(&r, 0, sizeof(r));
	r.id = vmi_cpu_to_le64(id);
	r.op = op;
	r.sector = vmi_cpu_to_le64(sector);
	r.nr_segs = vmi_cpu_to_le16(nr_segs);
	r.seg[0].offset = vmi_cpu_to_le32(off);
	r.seg[0].len = vmi_cpu_to_le32(len);
	return r;
}

/* Put n requests in the ring, publish them all at once, kick. */
static int send_reqs(struct hostile *h, const struct vmi_blk_req *r, uint32_t n)
{
	uint32_t i;

	if (vmi_ring_prod_reserve(&h->req, n) != (int)n)
		return fail("no room for %u requests", n);
	for (i = 0; i < n; i++)
		memcpy(vmi_ring_prod_slot(&h->req, i), &r[i], sizeof(r[i]));
	vmi_ring_prod_publish(&h->req, n);
	vmi_conn_notify(&h->c, 0);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Take exactly n answers (waiting at most 10 s) into out; fails on more
 * than n waiting or on a timeout.
 */
static int take_rsps(struct hostile *h, struct vmi_blk_rsp *out, uint32_t n)
{
	uint64_t deadline = now_ms() + 10000;
	uint32_t got = 0;

	while (got < n) {
		int avail = vmi_ring_cons_peek(&h->rsp);
		int i;

		if (avail < 0)
			return fail("response ring indices out of range");
		if ((uint32_t)avail > n - got)
			return fail("%u answers for %u requests",
				    got + (uint32_t)avail, n);
		for (i = 0; i < avail; i++)
			vmi_ring_cons_copy(&h->rsp, (uint32_t)i, &out[got + i]);
		if (avail && vmi_ring_cons_release(&h->rsp, (uint32_t)avail))
			vmi_conn_notify(&h->c, 0);
		got += (uint32_t)avail;
		if (got < n && now_ms() > deadline)
			return fail("%u of %u answers after 10 s", got, n);
		if (!avail)
			usleep(200);
	}
	return 0;
}

struct bad_case {
	const char *what;
	struct vmi_blk_req r;
	uint32_t status;
};

static int phase_bad_requests(struct hostile *h)
{
	uint32_t ds = h->data_size, cap = (uint32_t)h->capacity;
	struct bad_case cases[32];
	struct vmi_blk_req reqs[32];
	struct vmi_blk_rsp rsps[32];
	unsigned int n = 0, i, j;
	struct vmi_seg *list;

#define CASE(w, req, st)                                                    \
	do {                                                                \
		cases[n] = (struct bad_case){ w, req, st };                 \
		cases[n].r.id = vmi_cpu_to_le64(0xbad0000000000000ull | n); \
		n++;                                                        \
	} while (0)

	CASE("read past the capacity", rq(0, VMI_BLK_OP_READ, cap, 1, 0, 512),
	     VMI_BLK_S_RANGE);
	CASE("write across the end",
	     rq(0, VMI_BLK_OP_WRITE, cap - 1, 1, 0, 1024), VMI_BLK_S_RANGE);
	CASE("write at sector 2^64-1",
	     rq(0, VMI_BLK_OP_WRITE, UINT64_MAX, 1, 0, 512), VMI_BLK_S_RANGE);
	CASE("good read 1", rq(0, VMI_BLK_OP_READ, 0, 1, 0, 4096),
	     VMI_BLK_S_OK);
	CASE("write from past the data area",
	     rq(0, VMI_BLK_OP_WRITE, 0, 1, ds, 512), VMI_BLK_S_INVAL);
	CASE("write straddling the data area's end",
	     rq(0, VMI_BLK_OP_WRITE, 0, 1, ds - 512, 1024), VMI_BLK_S_INVAL);
	CASE("write whose offset + len wraps 32 bits",
	     rq(0, VMI_BLK_OP_WRITE, 0, 1, 0xfffffe00u, 1024), VMI_BLK_S_INVAL);
	CASE("write of zero bytes", rq(0, VMI_BLK_OP_WRITE, 0, 1, 0, 0),
	     VMI_BLK_S_INVAL);
	CASE("write of 4 GiB - 512",
	     rq(0, VMI_BLK_OP_WRITE, 0, 1, 0, 0xfffffe00u), VMI_BLK_S_INVAL);
	CASE("write past max_transfer",
	     rq(0, VMI_BLK_OP_WRITE, 0, 1, 0, h->max_transfer + 512),
	     VMI_BLK_S_INVAL);
	CASE("unaligned segment", rq(0, VMI_BLK_OP_WRITE, 0, 1, 100, 512),
	     VMI_BLK_S_INVAL);
	CASE("write without segments", rq(0, VMI_BLK_OP_WRITE, 0, 0, 0, 512),
	     VMI_BLK_S_INVAL);
	CASE("write with 6 inline segments",
	     rq(0, VMI_BLK_OP_WRITE, 0, 6, 0, 512), VMI_BLK_S_INVAL);
	CASE("unknown op 6", rq(0, 6, 0, 1, 0, 512), VMI_BLK_S_UNSUPP);
	CASE("unknown op 255", rq(0, 255, 0, 1, 0, 512), VMI_BLK_S_UNSUPP);
	CASE("write with unknown flags", rq(0, VMI_BLK_OP_WRITE, 0, 1, 0, 512),
	     VMI_BLK_S_INVAL);
	cases[n - 1].r.flags = 0x40;
	CASE("flush with a segment", rq(0, VMI_BLK_OP_FLUSH, 0, 1, 0, 512),
	     VMI_BLK_S_INVAL);
	CASE("discard of zero sectors", rq(0, VMI_BLK_OP_DISCARD, 0, 0, 0, 0),
	     VMI_BLK_S_INVAL);
	CASE("discard past the capacity",
	     rq(0, VMI_BLK_OP_DISCARD, cap - 8, 0, 0, 0), VMI_BLK_S_RANGE);
	cases[n - 1].r.nr_sectors = vmi_cpu_to_le32(16);
	CASE("write-zeroes of 2^32-1 sectors",
	     rq(0, VMI_BLK_OP_WRITE_ZEROES, 0, 0, 0, 0), VMI_BLK_S_INVAL);
	cases[n - 1].r.nr_sectors = vmi_cpu_to_le32(UINT32_MAX);
	/* Indirect list outside the data area, then one whose entry is. */
	CASE("indirect list past the data area",
	     rq(0, VMI_BLK_OP_WRITE, 0, 8, ds - 32, 64), VMI_BLK_S_INVAL);
	cases[n - 1].r.flags = VMI_BLK_REQ_F_INDIRECT;
	CASE("indirect entry past the data area",
	     rq(0, VMI_BLK_OP_WRITE, 0, 2, 65536, 16), VMI_BLK_S_INVAL);
	cases[n - 1].r.flags = VMI_BLK_REQ_F_INDIRECT;
	list = (struct vmi_seg *)(h->data + 65536);
	list[0].offset = vmi_cpu_to_le32(4096);
	list[0].len = vmi_cpu_to_le32(512);
	list[1].offset = vmi_cpu_to_le32(ds);
	list[1].len = vmi_cpu_to_le32(512);
	CASE("good read 2", rq(0, VMI_BLK_OP_READ, 8, 1, 8192, 512),
	     VMI_BLK_S_OK);
#undef CASE

	for (i = 0; i < n; i++)
		reqs[i] = cases[i].r;
	if (send_reqs(h, reqs, n) || take_rsps(h, rsps, n))
		return 1;
	for (i = 0; i < n; i++) {
		uint64_t want = 0xbad0000000000000ull | i;

		for (j = 0; j < n && vmi_le64_to_cpu(rsps[j].id) != want; j++)
			;
		if (j == n)
			return fail("no answer for %s", cases[i].what);
		if (vmi_le32_to_cpu(rsps[j].status) != cases[i].status)
			return fail("%s: status %u, expected %u", cases[i].what,
				    vmi_le32_to_cpu(rsps[j].status),
				    cases[i].status);
		if (cases[i].status && rsps[j].len)
			return fail("%s: refused with len %u", cases[i].what,
				    vmi_le32_to_cpu(rsps[j].len));
		rsps[j].id = 0; /* each answer counts once */
	}
	printf("phase 1: %u requests (%u bad), each answered once with its status\n",
	       n, n - 2);
	return 0;
}

/* Fill the whole request ring with refused requests, three times. */
static int phase_full_rings(struct hostile *h)
{
	struct vmi_blk_req *reqs = calloc(h->slots, sizeof(*reqs));
	struct vmi_blk_rsp *rsps = calloc(h->slots, sizeof(*rsps));
	uint8_t *seen = calloc(h->slots, 1);
	uint32_t round, i;
	int ret = 1;

	if (!reqs || !rsps || !seen)
		goto out;
	for (round = 0; round < 3; round++) {
		memset(seen, 0, h->slots);
		for (i = 0; i < h->slots; i++)
			reqs[i] = rq((uint64_t)round << 32 | i, 7, 0, 0, 0, 0);
		if (send_reqs(h, reqs, h->slots) ||
		    take_rsps(h, rsps, h->slots))
			goto out;
		for (i = 0; i < h->slots; i++) {
			uint64_t id = vmi_le64_to_cpu(rsps[i].id);
			uint32_t k = (uint32_t)id;

			if (id >> 32 != round || k >= h->slots || seen[k] ||
			    vmi_le32_to_cpu(rsps[i].status) !=
				    VMI_BLK_S_UNSUPP) {
				fail("round %u: bad answer id %#llx status %u",
				     round, (unsigned long long)id,
				     vmi_le32_to_cpu(rsps[i].status));
				goto out;
			}
			seen[k] = 1;
		}
	}
	printf("phase 2: 3 full rings of %u refused requests, all answered\n",
	       h->slots);
	ret = 0;
out:
	free(reqs);
	free(rsps);
	free(seen);
	return ret;
}

/*
 * Answers left in the ring: the backend fills the response ring, then
 * must leave the next ring of requests alone until there is room.
 */
static int phase_answers_not_taken(struct hostile *h)
{
	struct vmi_blk_req *reqs = calloc(h->slots, sizeof(*reqs));
	struct vmi_blk_rsp *rsps = calloc(2 * h->slots, sizeof(*rsps));
	uint64_t deadline;
	uint32_t i;
	int ret = 1, avail = 0;

	if (!reqs || !rsps)
		goto out;
	for (i = 0; i < h->slots; i++)
		reqs[i] = rq(i, VMI_BLK_OP_READ, i * 8, 1, 0, 4096);
	if (send_reqs(h, reqs, h->slots))
		goto out;
	deadline = now_ms() + 10000;
	while ((avail = vmi_ring_cons_peek(&h->rsp)) < (int)h->slots &&
	       now_ms() < deadline)
		usleep(1000);
	if (avail != (int)h->slots) {
		fail("%d answers for a ring of %u reads", avail, h->slots);
		goto out;
	}
	/* The backend took them all: the request ring is empty again. */
	for (i = 0; i < h->slots; i++)
		reqs[i] = rq(h->slots + i, VMI_BLK_OP_READ, i * 8, 1, 0, 4096);
	if (send_reqs(h, reqs, h->slots))
		goto out;
	usleep(300 * 1000);
	/* Nothing may have moved: no room to answer. */
	if (vmi_ring_cons_peek(&h->rsp) != (int)h->slots ||
	    vmi_le32_to_cpu(vmi_load_acquire(&h->req.hdr->cons)) !=
		    h->req.idx - h->slots) {
		fail("the backend took requests it had no room to answer");
		goto out;
	}
	if (take_rsps(h, rsps, 2 * h->slots))
		goto out;
	for (i = 0; i < 2 * h->slots; i++)
		if (vmi_le32_to_cpu(rsps[i].status) != VMI_BLK_S_OK ||
		    vmi_le64_to_cpu(rsps[i].id) >= 2 * h->slots) {
			fail("answer %u: id %llu status %u", i,
			     (unsigned long long)vmi_le64_to_cpu(rsps[i].id),
			     vmi_le32_to_cpu(rsps[i].status));
			goto out;
		}
	printf("phase 3: with the response ring full the backend waited; %u answers once room came\n",
	       2 * h->slots);
	ret = 0;
out:
	free(reqs);
	free(rsps);
	return ret;
}

/* After a corruption: NEEDS_RESET and the end of the connection. */
static int expect_dropped(struct hostile *h, const char *what)
{
	uint64_t deadline = now_ms() + 10000;

	while (vmi_conn_alive(&h->c) && now_ms() < deadline)
		usleep(1000);
	if (vmi_conn_alive(&h->c))
		return fail("%s: still served after 10 s", what);
	if (!(vmi_le32_to_cpu(h->c.shm->device_status) &
	      VMI_DEVICE_NEEDS_RESET))
		return fail("%s: dropped without NEEDS_RESET", what);
	return 0;
}

static int phase_bad_prod(struct hostile *h)
{
	/* One more than the ring holds, as a producer that lost count. */
	vmi_store_release(&h->req.hdr->prod,
			  vmi_cpu_to_le32(h->req.idx + h->slots + 1));
	vmi_conn_notify(&h->c, 0);
	if (expect_dropped(h, "request prod beyond the ring"))
		return 1;
	printf("phase 4: request ring prod = cons + %u: dropped with NEEDS_RESET\n",
	       h->slots + 1);
	return 0;
}

/*
 * The producer side reads the guest's consumer index only when its cached
 * copy leaves too little room, so a corrupted value is harmless until the
 * backend needs room; then it must be noticed. Fill the response ring to
 * get there.
 */
static int phase_bad_cons(struct hostile *h)
{
	struct vmi_blk_req *reqs = calloc(h->slots, sizeof(*reqs));
	uint64_t deadline = now_ms() + 10000;
	uint32_t i;
	int ret = 1;

	if (!reqs)
		return fail("out of memory");
	vmi_store_release(&h->rsp.hdr->cons,
			  vmi_cpu_to_le32(h->rsp.idx + h->slots + 7));
	for (i = 0; i < h->slots; i++)
		reqs[i] = rq(i, 7, 0, 0, 0, 0);
	if (send_reqs(h, reqs, h->slots))
		goto out;
	while (vmi_ring_cons_peek(&h->rsp) < (int)h->slots &&
	       now_ms() < deadline)
		usleep(1000);
	if (vmi_ring_cons_peek(&h->rsp) != (int)h->slots) {
		fail("a ring of refused requests was not answered");
		goto out;
	}
	/* Now the backend needs room, and reads the consumer index. */
	if (send_reqs(h, reqs, 1) ||
	    expect_dropped(h, "response cons beyond prod"))
		goto out;
	printf("phase 5: response ring cons beyond prod: dropped with NEEDS_RESET once the backend needed room\n");
	ret = 0;
out:
	free(reqs);
	return ret;
}

/*
 * A guest that stops taking answers: it fills the request ring, lets the
 * backend answer it all, publishes another ring of requests that cannot be
 * answered, then only kicks the backend, every kick_ms, until killed.
 */
static int stall(struct hostile *h, unsigned int kick_ms)
{
	struct vmi_blk_req *reqs = calloc(h->slots, sizeof(*reqs));
	uint64_t deadline = now_ms() + 10000;
	uint32_t i;

	if (!reqs)
		return fail("out of memory");
	for (i = 0; i < h->slots; i++)
		reqs[i] = rq(i, VMI_BLK_OP_READ, i * 8, 1, 0, 4096);
	if (send_reqs(h, reqs, h->slots))
		return 1;
	while (vmi_ring_cons_peek(&h->rsp) < (int)h->slots &&
	       now_ms() < deadline)
		usleep(1000);
	if (send_reqs(h, reqs, h->slots))
		return 1;
	printf("stalled: %u answers not taken, %u requests waiting\n", h->slots,
	       h->slots);
	fflush(stdout);
	for (;;) {
		vmi_conn_notify(&h->c, 0);
		usleep(kick_ms * 1000);
	}
}

int main(int argc, char **argv)
{
	struct hostile h;
	char err[256];

	if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "stall"))) {
		fprintf(stderr,
			"usage: vmi-blk-hostile ROM DEVICE [stall KICK_MS]\n");
		return 2;
	}
	memset(&h, 0, sizeof(h));
	if (vmi_guest_open(&h.g, argv[1], err, sizeof(err)))
		return fail("%s", err);
	if (vmi_conn_find(&h.g, (unsigned int)atoi(argv[2]), VMI_DEV_CLASS_BLK,
			  &h.dev, h.path, sizeof(h.path), err, sizeof(err)))
		return fail("%s", err);

	if (argc == 5)
		return connect_dev(&h) ||
		       stall(&h, (unsigned int)strtoul(argv[4], NULL, 0));
	if (connect_dev(&h) || phase_bad_requests(&h) || phase_full_rings(&h) ||
	    phase_answers_not_taken(&h) || phase_bad_prod(&h))
		return 1;
	vmi_conn_close(&h.c);
	if (connect_dev(&h) || phase_bad_cons(&h))
		return 1;
	vmi_conn_close(&h.c);
	vmi_guest_close(&h.g);
	return 0;
}

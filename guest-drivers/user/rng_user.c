// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user-space entropy guest library (vmi_rng_user.h). Everything
 * class-independent (the ROM, the device table, the socket handshake, the
 * shared memory and its checks, notify and wait through the ROM's calls)
 * is libvmi-conn's; this file is only the entropy class: its config, its
 * one request and one answer.
 *
 * One request at a time on queue 0: publish it (kick the backend if the
 * ring says so), then take the answer, sleeping in the ROM's WaitEvent
 * after arming the response ring's event index. An entropy read is rare
 * and small, so the guest never polls.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <vmi_ring.h>

#include "vmi_conn.h"
#include "vmi_rng_user.h"

#define VMI_RNG_HANDSHAKE_MS 5000
#define VMI_RNG_SLEEP_NS 100000000ll /* longest sleep: the backend is checked */

struct vmi_rng_dev {
	struct vmi_conn_dev cd; /* the bound ROM and the connection */
	struct vmi_ring req; /* we produce */
	struct vmi_ring rsp; /* we consume */
	uint8_t *data; /* queue 0's data area */
	uint32_t data_size;
	uint32_t max_request;
	uint64_t next_id;
};

/* The device's config, copied once out of shared memory, then checked. */
static int vmi_rng_read_config(struct vmi_rng_dev *d, char *err, size_t errlen)
{
	struct vmi_rng_config c;
	int ret;

	ret = vmi_conn_read_config(&d->cd.conn, &c, sizeof(c),
				   VMI_RNG_CONFIG_MAGIC, VMI_RNG_VERSION_MAJOR,
				   err, errlen);
	if (ret)
		return ret;
	d->max_request = vmi_le32_to_cpu(c.max_request);
	if (!d->max_request || d->max_request > d->data_size)
		return vmi_conn_fail(err, errlen, -EPROTO,
				     "config max_request %u is not in 1..%u",
				     d->max_request, d->data_size);
	return 0;
}

int vmi_rng_open(const char *rom, int device, struct vmi_rng_dev **out,
		 char *err, size_t errlen)
{
	const uint64_t supported = VMI_FEATURE(VMI_F_VERSION_1) |
				   VMI_FEATURE(VMI_F_HEARTBEAT);
	struct vmi_rng_dev *d = calloc(1, sizeof(*d));
	const struct vmi_conn *c;
	int ret;

	if (!d)
		return vmi_conn_fail(err, errlen, -ENOMEM, "out of memory");
	ret = vmi_conn_dev_open(&d->cd, rom, device, VMI_DEV_CLASS_RNG, 1,
				supported, VMI_RNG_HANDSHAKE_MS, err, errlen);
	if (ret)
		goto fail;
	c = &d->cd.conn;
	d->data = vmi_conn_data(c, 0);
	d->data_size = c->layout.p.data_size;
	ret = vmi_rng_read_config(d, err, errlen);
	if (ret)
		goto fail;
	ret = vmi_conn_queue(c, 0, &d->req, &d->rsp);
	if (ret) {
		vmi_conn_fail(err, errlen, ret, "queue 0's rings: %s",
			      strerror(-ret));
		goto fail;
	}
	*out = d;
	return 0;
fail:
	vmi_rng_close(d);
	return ret;
}

void vmi_rng_close(struct vmi_rng_dev *d)
{
	if (!d)
		return;
	vmi_conn_dev_close(&d->cd);
	free(d);
}

uint32_t vmi_rng_max_request(const struct vmi_rng_dev *d)
{
	return d->max_request;
}

/* Publish one request; the ring has room: only one is ever out. */
static int vmi_rng_send(struct vmi_rng_dev *d, uint64_t id, uint32_t offset,
			uint32_t len)
{
	struct vmi_rng_req *r;
	int room = vmi_ring_prod_reserve(&d->req, 1);

	if (room <= 0)
		return room < 0 ? -ENOTCONN : -EBUSY;
	r = vmi_ring_prod_slot(&d->req, 0);
	memset(r, 0, sizeof(*r));
	r->id = vmi_cpu_to_le64(id);
	r->seg.offset = vmi_cpu_to_le32(offset);
	r->seg.len = vmi_cpu_to_le32(len);
	if (vmi_ring_prod_publish(&d->req, 1))
		vmi_conn_notify(&d->cd.conn, 0);
	return 0;
}

/*
 * Wait for the next answer and copy it out: arm the response ring, re-check,
 * then sleep in the ROM's WaitEvent; a sleep that ends with nothing checks
 * that the backend is still there.
 */
static int vmi_rng_answer(struct vmi_rng_dev *d, struct vmi_rng_rsp *r)
{
	int avail;

	for (;;) {
		avail = vmi_ring_cons_peek(&d->rsp);
		if (avail > 0)
			break;
		if (!avail)
			avail = vmi_ring_cons_arm(&d->rsp);
		if (avail < 0)
			return -EPROTO;
		if (avail > 0)
			continue;
		if (vmi_conn_wait(&d->cd.conn, 0, VMI_RNG_SLEEP_NS) <= 0 &&
		    !vmi_conn_alive(&d->cd.conn))
			return -ENOTCONN;
	}
	vmi_ring_cons_copy(&d->rsp, 0, r);
	if (vmi_ring_cons_release(&d->rsp, 1))
		vmi_conn_notify(&d->cd.conn, 0);
	return 0;
}

int vmi_rng_request(struct vmi_rng_dev *d, uint32_t offset, uint32_t len,
		    uint32_t *filled)
{
	uint64_t id = d->next_id++;
	struct vmi_rng_rsp r;
	uint32_t st;
	int ret;

	ret = vmi_rng_send(d, id, offset, len);
	if (!ret)
		ret = vmi_rng_answer(d, &r);
	if (ret)
		return ret;
	*filled = vmi_le32_to_cpu(r.len);
	st = vmi_le32_to_cpu(r.status);
	if (vmi_le64_to_cpu(r.id) != id || *filled > len || st > INT_MAX)
		return -EPROTO;
	return (int)st;
}

int vmi_rng_read(struct vmi_rng_dev *d, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint32_t n, filled;
	int st;

	while (len) {
		n = len < d->max_request ? (uint32_t)len : d->max_request;
		st = vmi_rng_request(d, 0, n, &filled);
		if (st < 0)
			return st;
		if (st != VMI_RNG_S_OK || filled != n)
			return -EIO;
		/* The bytes are ours now: the backend answered for them. */
		memcpy(p, d->data, n);
		p += n;
		len -= n;
	}
	return 0;
}

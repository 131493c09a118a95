// SPDX-License-Identifier: GPL-2.0-only
/*
 * Admitting and dropping the guests of vmi-netback (the transport's attach
 * and detach, in its loop thread): a guest's queue pairs are set up over
 * its shared memory, then handed to the workers through their mailboxes;
 * on detach the workers let go of them before anything is freed.
 *
 * A guest takes every queue pair of the device: packets come in on every
 * port queue, and pair k of a guest is served by the worker of port queue
 * k alone, so a guest with fewer pairs would lose the flows the port puts
 * on the others.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "netback.h"

static int vmi_netback_gq_init(struct vmi_netback *nb,
			       struct vmi_netback_guest *bg, unsigned int k)
{
	struct vmi_netback_gq *gq = &bg->gq[k];
	const struct vmi_layout *l = &nb->dev.layout;
	struct vmi_host_guest *g = bg->g;
	uint8_t *shm = (uint8_t *)g->shm;
	struct vmi_layout_queue rx, tx;
	uint64_t f = g->features;
	int ret;

	gq->bg = bg;
	gq->pair = k;
	gq->nr_slots = l->p.ring_slots;
	vmi_layout_queue(l, 2 * k, &rx);
	vmi_layout_queue(l, 2 * k + 1, &tx);
	ret = vmi_ring_attach_cons(&gq->rx_req, shm + rx.req_offset,
				   gq->nr_slots, rx.req_slot_size);
	if (!ret)
		ret = vmi_ring_attach_prod(&gq->rx_rsp, shm + rx.rsp_offset,
					   gq->nr_slots, rx.rsp_slot_size);
	if (!ret)
		ret = vmi_ring_attach_cons(&gq->tx_req, shm + tx.req_offset,
					   gq->nr_slots, tx.req_slot_size);
	if (!ret)
		ret = vmi_ring_attach_prod(&gq->tx_rsp, shm + tx.rsp_offset,
					   gq->nr_slots, tx.rsp_slot_size);
	if (ret)
		return ret;
	gq->rx_data = shm + rx.data_offset;
	gq->tx_data = shm + tx.data_offset;
	gq->lim = (struct vmi_net_tx_limits){
		.features = f,
		.data_size = l->p.data_size,
		.max_packet = vmi_le32_to_cpu(nb->config.max_packet),
		.max_segs = f & VMI_FEATURE(VMI_F_INDIRECT) ?
				    VMI_MAX_SEGS :
				    VMI_NET_SEGS_INLINE,
	};
	gq->rx_csum = f & VMI_FEATURE(VMI_NET_F_GUEST_CSUM);
	gq->rx_gro = nb->gro && gq->rx_csum &&
		     (f & VMI_FEATURE(VMI_NET_F_GUEST_TSO4));
	if (gq->rx_gro) {
		gq->gro = vmi_netback_gro_create(rte_socket_id());
		if (!gq->gro)
			return -ENOMEM;
	}
	gq->txc = rte_zmalloc("vmin_txc", gq->nr_slots * sizeof(*gq->txc),
			      RTE_CACHE_LINE_SIZE);
	return gq->txc ? 0 : -ENOMEM;
}

static void vmi_netback_guest_free(struct vmi_netback_guest *bg)
{
	unsigned int k;

	if (bg->gq)
		for (k = 0; k < bg->nr_pairs; k++) {
			/* The workers let go of it: packets it held go too. */
			vmi_netback_gro_destroy(bg->gq[k].gro);
			rte_free(bg->gq[k].txc);
		}
	rte_free(bg->gq);
	free(bg);
}

static int vmi_netback_attach(void *arg, struct vmi_host_guest *g)
{
	struct vmi_netback *nb = arg;
	struct vmi_netback_guest *bg;
	unsigned int k;
	int ret;

	if (g->nr_queues != 2 * nb->nr_pairs) {
		vmi_transport_log(
			nb->transport,
			"%s: takes %u queues of %u: a guest must take every queue pair",
			g->name, g->nr_queues, 2 * nb->nr_pairs);
		return -EINVAL;
	}
	if (nb->nr_guests == VMI_NETBACK_MAX_GUESTS)
		return -EBUSY;
	bg = calloc(1, sizeof(*bg));
	if (!bg)
		return -ENOMEM;
	bg->nb = nb;
	bg->g = g;
	bg->nr_pairs = nb->nr_pairs;
	/* Each pair's counters on their own cache lines. */
	bg->gq = rte_zmalloc("vmin_gq", bg->nr_pairs * sizeof(*bg->gq),
			     RTE_CACHE_LINE_SIZE);
	if (!bg->gq) {
		free(bg);
		return -ENOMEM;
	}
	for (k = 0; k < bg->nr_pairs; k++) {
		ret = vmi_netback_gq_init(nb, bg, k);
		if (ret) {
			vmi_transport_log(nb->transport,
					  "%s: queue pair %u: %s", g->name, k,
					  strerror(-ret));
			vmi_netback_guest_free(bg);
			return ret;
		}
	}
	g->priv = bg;
	nb->guests[nb->nr_guests++] = bg;
	for (k = 0; k < nb->nr_workers; k++)
		vmi_netback_worker_call(&nb->workers[k], VMI_NETBACK_CMD_ADD,
					bg);
	return 0;
}

static void vmi_netback_detach(void *arg, struct vmi_host_guest *g)
{
	struct vmi_netback *nb = arg;
	struct vmi_netback_guest *bg = g->priv;
	unsigned int k;

	/* After this no worker touches the guest's memory. */
	for (k = 0; k < nb->nr_workers; k++)
		vmi_netback_worker_call(&nb->workers[k], VMI_NETBACK_CMD_DEL,
					bg);
	for (k = 0; k < bg->nr_pairs; k++)
		vmi_netback_stats_add(&nb->totals[k], &bg->gq[k].stats);
	for (k = 0; k < nb->nr_guests && nb->guests[k] != bg; k++)
		;
	if (k < nb->nr_guests)
		nb->guests[k] = nb->guests[--nb->nr_guests];
	vmi_netback_guest_free(bg);
	g->priv = NULL;
}

const struct vmi_host_dev_ops vmi_netback_dev_ops = {
	.attach = vmi_netback_attach,
	.detach = vmi_netback_detach,
};

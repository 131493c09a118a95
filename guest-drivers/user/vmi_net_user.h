/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space network guest: a process binds its VMI ROM, finds a
 * network device in the ROM's device table, connects to its backend, and
 * moves packets through the device's queue pairs with this small API.
 * vminet-tap (a TAP interface on the device) and vminet-gen (a packet
 * generator and test guest) are its users.
 *
 * One struct vmi_net_dev per connection; one struct vmi_net_queue per
 * queue pair, used by one thread at a time. Packet buffers are slots of the
 * queue's data areas, handed out here: a TX packet is written into a slot
 * from vmi_net_tx_alloc() and sent with no copy; an RX packet arrives in a
 * slot posted by vmi_net_rx_fill() and is read in place.
 *
 *   vmi_net_open() -> vmi_net_queue()
 *   TX: vmi_net_tx_alloc() ... vmi_net_tx_send() ... vmi_net_tx_commit()
 *       vmi_net_tx_complete() gives the slots back
 *   RX: vmi_net_rx_fill() ... vmi_net_rx_recv() ... vmi_net_rx_done()
 *   nothing to do: vmi_net_idle() polls, then sleeps
 *
 * All functions return 0 (or a count) or a negative errno; -ENOTCONN once
 * the backend is gone.
 */
#ifndef VMI_NET_USER_H
#define VMI_NET_USER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmi/dev.h>
#include <vmi/net.h>

struct vmi_net_dev;
struct vmi_net_queue;

/* How a queue waits for the backend once it has nothing to do. */
enum vmi_net_wait_mode {
	VMI_NET_WAIT_ADAPTIVE, /* poll for poll_ns, then arm and sleep */
	VMI_NET_WAIT_POLL, /* never sleep */
	VMI_NET_WAIT_INTERRUPT, /* sleep at once */
};

struct vmi_net_open_opts {
	const char *rom; /* ROM image file */
	int device; /* index in the ROM's device table; < 0: the first net */
	/* features the caller can use (VMI_FEATURE() bits); 0: every one
	 * the library knows. Accepted: offered & these. */
	uint64_t features;
	enum vmi_net_wait_mode mode;
	uint64_t poll_ns; /* adaptive; 0: the default (50 us) */
};

/* What the device gives, from its config and the negotiated features. */
struct vmi_net_info {
	uint64_t features; /* negotiated */
	uint16_t instance; /* the device's, for naming it */
	uint16_t mtu; /* L3; 1500 without VMI_NET_F_MTU */
	bool has_mac; /* VMI_NET_F_MAC: mac is the guest's address */
	uint8_t mac[6];
	uint32_t max_packet; /* largest frame either way */
	unsigned int nr_pairs;
	uint32_t nr_slots; /* ring slots per queue */
	uint32_t tx_buf_size, rx_buf_size; /* slot sizes */
	uint32_t nr_tx_bufs, nr_rx_bufs; /* per queue pair */
};

/* Counters of one queue pair (the owning thread writes them). */
struct vmi_net_qstats {
	uint64_t tx_packets, tx_bytes; /* completed OK */
	uint64_t tx_inval; /* completed INVAL: the backend refused it */
	uint64_t tx_dropped; /* completed DROPPED: no room on the port */
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_empty; /* buffers given back empty */
	uint64_t sleeps, notifies;
};

/* A received packet, in its RX slot until vmi_net_rx_done(). */
struct vmi_net_rx_pkt {
	void *data;
	uint32_t len;
	uint32_t buf; /* slot index */
	struct vmi_net_hdr hdr; /* as the backend wrote it */
};

/*
 * The command-line options of vmi_net_open_opts, shared by the programs
 * on this library: put VMI_NET_OPEN_LONGOPTS in the getopt_long() table
 * (their values are above any character), VMI_NET_OPEN_USAGE in the
 * usage text, and hand what getopt_long() returns to vmi_net_open_opt().
 */
enum {
	VMI_NET_OPT_ROM = 0x100,
	VMI_NET_OPT_DEVICE,
	VMI_NET_OPT_MODE,
	VMI_NET_OPT_POLL_US,
};

/* One table entry per line (clang-format would fold the braces). */
/* clang-format off */
#define VMI_NET_OPEN_LONGOPTS						\
	{ "rom", required_argument, NULL, VMI_NET_OPT_ROM },		\
	{ "device", required_argument, NULL, VMI_NET_OPT_DEVICE },	\
	{ "mode", required_argument, NULL, VMI_NET_OPT_MODE },		\
	{ "poll-us", required_argument, NULL, VMI_NET_OPT_POLL_US }

#define VMI_NET_OPEN_USAGE						\
	"  --device N        device table index (default: the first network device)\n" \
	"  --mode MODE       adaptive (default: poll, then sleep on the eventfd),\n" \
	"                    poll or interrupt\n"				\
	"  --poll-us N       adaptive: poll N us before sleeping (default 50)\n"
/* clang-format on */

/*
 * vmi_net_open_opt - take option c (from getopt_long()) with value arg
 * into o. Returns 1 if it was one of VMI_NET_OPEN_LONGOPTS, 0 if not,
 * -EINVAL for a bad value.
 */
int vmi_net_open_opt(struct vmi_net_open_opts *o, int c, const char *arg);

/*
 * vmi_net_open - bind the ROM, find the network device, connect, take
 * every queue pair, and size the slots: max_packet bytes when large
 * segments are negotiated that way (TX: HOST_TSO4/6, RX: GUEST_TSO4/6),
 * else mtu + Ethernet header + VLAN tag; as many slots per queue as the
 * data area holds, at most the ring's size.
 */
int vmi_net_open(const struct vmi_net_open_opts *o, struct vmi_net_dev **out,
		 char *err, size_t errlen);
/* Disconnect and free d; packets in flight are abandoned. */
void vmi_net_close(struct vmi_net_dev *d);

const struct vmi_net_info *vmi_net_info(const struct vmi_net_dev *d);
struct vmi_net_queue *vmi_net_queue(struct vmi_net_dev *d, unsigned int pair);
const struct vmi_net_qstats *vmi_net_qstats(const struct vmi_net_queue *q);

/* ---- TX ------------------------------------------------------------------ */

/* A free TX slot of tx_buf_size bytes, or NULL when all are in flight. */
void *vmi_net_tx_alloc(struct vmi_net_queue *q);
/* Give back a slot from vmi_net_tx_alloc() that will not be sent. */
void vmi_net_tx_free(struct vmi_net_queue *q, void *buf);

/*
 * vmi_net_tx_send - stage the packet of len bytes at the start of slot
 * buf, with offload header h (NULL: none). It goes out at the next
 * vmi_net_tx_commit(); the slot comes back with its completion.
 * Returns 0, or -EINVAL for a buffer that is no TX slot of q or a length
 * beyond it.
 */
int vmi_net_tx_send(struct vmi_net_queue *q, void *buf, uint32_t len,
		    const struct vmi_net_hdr *h);

/*
 * vmi_net_tx_send_raw - stage a descriptor exactly as given, for a guest
 * that tests the backend with what a driver never sends. Its id is
 * replaced; its completion is counted, never matched to a slot.
 * Returns 0, or -EBUSY when the ring is full.
 */
int vmi_net_tx_send_raw(struct vmi_net_queue *q, const struct vmi_net_tx *tx);

/* Offset of a TX slot pointer in the TX data area (for raw descriptors). */
uint32_t vmi_net_tx_offset(const struct vmi_net_queue *q, const void *buf);
uint32_t vmi_net_tx_data_size(const struct vmi_net_queue *q);

/* Publish what was staged and wake the backend if it asked. */
int vmi_net_tx_commit(struct vmi_net_queue *q);

/*
 * vmi_net_tx_complete - take the backend's completions: their slots are
 * free again, their statuses counted. Returns how many, or -EPROTO for an
 * answer that is not for the oldest unanswered descriptor (the backend
 * answers in order, docs/ABI.md part (d)).
 */
int vmi_net_tx_complete(struct vmi_net_queue *q);

/* Staged or sent and not yet completed. */
unsigned int vmi_net_tx_inflight(const struct vmi_net_queue *q);

/* ---- RX ------------------------------------------------------------------ */

/* Post every free RX slot to the backend. Returns how many. */
int vmi_net_rx_fill(struct vmi_net_queue *q);

/*
 * vmi_net_rx_recv - up to max packets the backend delivered, each in its
 * slot; empty slots it gave back are reposted, not returned. Returns how
 * many, -EPROTO for an answer that names no posted slot or overruns it.
 */
int vmi_net_rx_recv(struct vmi_net_queue *q, struct vmi_net_rx_pkt *pkts,
		    unsigned int max);

/* The slots of n received packets are free again (posted at next fill). */
void vmi_net_rx_done(struct vmi_net_queue *q, const struct vmi_net_rx_pkt *pkts,
		     unsigned int n);

/* ---- waiting ------------------------------------------------------------- */

/*
 * vmi_net_idle - a pass found nothing to do since idle_since_ns (from
 * vmi_net_now_ns()). Polls (by the mode) or arms both response rings (and
 * the TX request ring if it is full), re-checks, and sleeps in poll() on
 * the queues' eventfds and the caller's own descriptors (nfds of them,
 * e.g. a TAP's fd), at most 100 ms. Returns 0, or -ENOTCONN when the
 * backend is gone.
 */
int vmi_net_idle(struct vmi_net_queue *q, struct pollfd *fds, unsigned int nfds,
		 uint64_t idle_since_ns);

uint64_t vmi_net_now_ns(void);

#endif /* VMI_NET_USER_H */

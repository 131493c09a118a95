// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every host transport kind shares: one epoll loop per device, the
 * list of guests with their handshake deadlines, the heartbeat, and the
 * one way a guest leaves (vmi_transport_guest_drop), whatever the reason.
 *
 * Only this loop's thread changes the guest list; a backend thread that
 * finds a guest misbehaving sets a flag and wakes the loop, which then
 * drops the guest, so a detach never races with the thread that asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "transport_priv.h"

uint64_t vmi_transport_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void vmi_transport_vlog(const char *who, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line, so lines of several threads do not mix. */
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, who,
		line);
}

void vmi_transport_log(const struct vmi_transport *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmi_transport_vlog(t->dev->name, fmt, ap);
	va_end(ap);
}

void vmi_transport_guest_log(const struct vmi_tguest *tg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmi_transport_vlog(tg->g.name, fmt, ap);
	va_end(ap);
}

int vmi_transport_add_watch(struct vmi_transport *t, struct vmi_watch *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0) {
		int err = -errno;

		vmi_transport_log(t, "epoll_ctl(ADD, fd %d): %s", w->fd,
				  strerror(-err));
		return err;
	}
	return 0;
}

void vmi_transport_del_watch(struct vmi_transport *t, struct vmi_watch *w)
{
	epoll_ctl(t->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

static void vmi_transport_user_cb(struct vmi_transport *t, struct vmi_watch *w,
				  uint32_t events)
{
	(void)t;
	(void)events;
	w->user_cb(w->arg, w->fd);
}

int vmi_transport_watch(struct vmi_transport *t, int fd,
			void (*cb)(void *arg, int fd), void *arg)
{
	struct vmi_watch *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->cb = vmi_transport_user_cb;
	w->user_cb = cb;
	w->arg = arg;
	ret = vmi_transport_add_watch(t, w);
	if (ret) {
		free(w);
		return ret;
	}
	w->next = t->watches;
	t->watches = w;
	return 0;
}

/* Drop the guests that backend threads failed since the last wake. */
static void vmi_transport_wake_cb(struct vmi_transport *t, struct vmi_watch *w,
				  uint32_t events)
{
	struct vmi_tguest *tg, *next;
	uint64_t v;

	(void)events;
	if (read(w->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		vmi_transport_log(t, "read(wake eventfd): %s", strerror(errno));
	for (tg = t->guests; tg; tg = next) {
		next = tg->next;
		if (__atomic_load_n(&tg->failed, __ATOMIC_ACQUIRE))
			vmi_transport_guest_drop(t, tg, "protocol error");
	}
}

int vmi_transport_open(const struct vmi_transport_ops *ops,
		       const struct vmi_host_dev *dev, const char *locator,
		       struct vmi_transport **out)
{
	struct vmi_transport *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	t->ops = ops;
	t->dev = dev;
	t->next_id = 1;
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->epfd < 0 || t->wake_fd < 0) {
		ret = -errno;
		vmi_transport_log(t, "epoll/eventfd: %s", strerror(-ret));
		goto fail;
	}
	t->wake_watch.fd = t->wake_fd;
	t->wake_watch.cb = vmi_transport_wake_cb;
	ret = vmi_transport_add_watch(t, &t->wake_watch);
	if (ret)
		goto fail;
	ret = ops->open(t, locator);
	if (ret)
		goto fail;
	*out = t;
	return 0;
fail:
	if (t->wake_fd >= 0)
		close(t->wake_fd);
	if (t->epfd >= 0)
		close(t->epfd);
	free(t);
	return ret;
}

struct vmi_tguest *
vmi_transport_guest_new(struct vmi_transport *t, int fd, int pid,
			void (*cb)(struct vmi_transport *t, struct vmi_watch *w,
				   uint32_t events))
{
	struct vmi_tguest *tg;
	unsigned int q;

	if (t->nr_guests >= t->dev->max_guests) {
		vmi_transport_log(t, "refusing pid %d: %u guests already", pid,
				  t->nr_guests);
		close(fd);
		return NULL;
	}
	tg = calloc(1, sizeof(*tg));
	if (!tg) {
		close(fd);
		return NULL;
	}
	tg->g.t = t;
	tg->g.id = t->next_id++;
	snprintf(tg->g.name, sizeof(tg->g.name), "%s guest %u (pid %d)",
		 t->dev->name, tg->g.id, pid);
	for (q = 0; q < VMI_MAX_QUEUES; q++) {
		tg->g.kick_fd[q] = -1;
		tg->g.irq_fd[q] = -1;
	}
	tg->state = VMI_GUEST_HANDSHAKE;
	tg->deadline_ns = vmi_transport_now_ns() +
			  VMI_TRANSPORT_HANDSHAKE_MS * 1000000ull;
	tg->watch.fd = fd;
	tg->watch.cb = cb;
	tg->watch.arg = tg;
	if (vmi_transport_add_watch(t, &tg->watch)) {
		close(fd);
		free(tg);
		return NULL;
	}
	tg->next = t->guests;
	t->guests = tg;
	t->nr_guests++;
	vmi_transport_guest_log(tg, "connected");
	return tg;
}

/* device_status is the host's to write; the guest only reads it. */
static void vmi_transport_set_status(struct vmi_host_guest *g, uint32_t set)
{
	vmi_fetch_or_release(&g->shm->device_status, vmi_cpu_to_le32(set));
}

int vmi_transport_guest_admit(struct vmi_transport *t, struct vmi_tguest *tg)
{
	int ret;

	ret = t->dev->ops->attach(t->dev->priv, &tg->g);
	if (ret) {
		vmi_transport_guest_drop(t, tg, "backend refused it: %s",
					 strerror(-ret));
		return ret;
	}
	tg->state = VMI_GUEST_SERVING;
	/* Only now: the guest may publish requests once it sees ALIVE. */
	vmi_transport_set_status(&tg->g, VMI_DEVICE_ALIVE);
	vmi_transport_guest_log(tg, "serving %u queue%s, features %#llx",
				tg->g.nr_queues,
				tg->g.nr_queues == 1 ? "" : "s",
				(unsigned long long)tg->g.features);
	return 0;
}

void vmi_transport_guest_drop(struct vmi_transport *t, struct vmi_tguest *tg,
			      const char *fmt, ...)
{
	struct vmi_tguest **pp;
	char why[256];
	unsigned int q;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vmi_transport_guest_log(tg, "dropped: %s", why);

	for (pp = &t->guests; *pp; pp = &(*pp)->next) {
		if (*pp == tg) {
			*pp = tg->next;
			break;
		}
	}
	t->nr_guests--;
	if (tg->state == VMI_GUEST_SERVING)
		t->dev->ops->detach(t->dev->priv, &tg->g);
	if (t->ops->guest_drop)
		t->ops->guest_drop(t, tg);
	vmi_transport_del_watch(t, &tg->watch);
	close(tg->watch.fd);
	for (q = 0; q < VMI_MAX_QUEUES; q++) {
		if (tg->g.kick_fd[q] >= 0)
			close(tg->g.kick_fd[q]);
		if (tg->g.irq_fd[q] >= 0)
			close(tg->g.irq_fd[q]);
	}
	if (tg->g.shm)
		munmap(tg->g.shm, tg->g.shm_size);
	/*
	 * Freed by the loop after the current batch of events, which may
	 * still hold this watch: its cb == NULL makes the loop skip them.
	 */
	tg->watch.cb = NULL;
	tg->next = t->dead;
	t->dead = tg;
}

static void vmi_transport_free_dead(struct vmi_transport *t)
{
	struct vmi_tguest *tg;

	while ((tg = t->dead)) {
		t->dead = tg->next;
		free(tg->kind_priv);
		free(tg);
	}
}

void vmi_host_guest_fail(struct vmi_host_guest *g, const char *fmt, ...)
{
	struct vmi_tguest *tg = (struct vmi_tguest *)g;
	uint64_t one = 1;
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vmi_transport_guest_log(tg, "protocol error: %s", why);
	vmi_transport_set_status(g, VMI_DEVICE_NEEDS_RESET);
	__atomic_store_n(&tg->failed, true, __ATOMIC_RELEASE);
	if (write(g->t->wake_fd, &one, sizeof(one)) < 0)
		vmi_transport_guest_log(tg, "write(wake eventfd): %s",
					strerror(errno));
}

void vmi_host_guest_notify(struct vmi_host_guest *g, unsigned int q)
{
	uint64_t one = 1;

	/* Fails only when the counter would overflow: the guest is woken. */
	if (write(g->irq_fd[q], &one, sizeof(one)) < 0 && errno != EAGAIN)
		vmi_transport_guest_log((struct vmi_tguest *)g,
					"write(irq eventfd %u): %s", q,
					strerror(errno));
}

/* Heartbeat for the served, deadlines for the others. */
static void vmi_transport_tick(struct vmi_transport *t)
{
	uint64_t now = vmi_transport_now_ns();
	struct vmi_tguest *tg, *next;

	for (tg = t->guests; tg; tg = next) {
		next = tg->next;
		if (tg->state == VMI_GUEST_SERVING) {
			vmi_write_once(tg->g.shm->heartbeat,
				       vmi_cpu_to_le32(++tg->heartbeat));
		} else if (now >= tg->deadline_ns) {
			vmi_transport_guest_drop(t, tg,
						 "no handshake within %u ms",
						 VMI_TRANSPORT_HANDSHAKE_MS);
		}
	}
}

int vmi_transport_run(struct vmi_transport *t)
{
	uint64_t next_tick = vmi_transport_now_ns();

	while (!t->stop) {
		struct epoll_event ev[16];
		uint64_t now = vmi_transport_now_ns();
		int i, n, timeout_ms;

		if (now >= next_tick) {
			vmi_transport_tick(t);
			next_tick = now + VMI_TRANSPORT_TICK_MS * 1000000ull;
		}
		timeout_ms = (int)((next_tick - now + 999999) / 1000000);
		n = epoll_wait(t->epfd, ev, 16, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			vmi_transport_log(t, "epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n && !t->stop; i++) {
			struct vmi_watch *w = ev[i].data.ptr;

			/* A guest dropped earlier in this batch: skip. */
			if (w->cb)
				w->cb(t, w, ev[i].events);
		}
		vmi_transport_free_dead(t);
	}
	return 0;
}

void vmi_transport_stop(struct vmi_transport *t)
{
	t->stop = true;
}

void vmi_transport_close(struct vmi_transport *t)
{
	struct vmi_watch *w;

	while (t->guests)
		vmi_transport_guest_drop(t, t->guests, "backend stopping");
	vmi_transport_free_dead(t);
	t->ops->close(t);
	while ((w = t->watches)) {
		t->watches = w->next;
		vmi_transport_del_watch(t, w);
		free(w);
	}
	close(t->wake_fd);
	close(t->epfd);
	free(t);
}

void vmi_transport_for_each_guest(struct vmi_transport *t,
				  void (*fn)(void *arg,
					     struct vmi_host_guest *g),
				  void *arg)
{
	struct vmi_tguest *tg;

	for (tg = t->guests; tg; tg = tg->next)
		if (tg->state == VMI_GUEST_SERVING)
			fn(arg, &tg->g);
}

/* ---- listening sockets ---------------------------------------------------- */

struct vmi_listener {
	struct vmi_watch watch;
	struct sockaddr_un addr;
	void (*accept)(struct vmi_transport *t, int fd, int pid);
};

static void vmi_listener_cb(struct vmi_transport *t, struct vmi_watch *w,
			    uint32_t events)
{
	struct vmi_listener *l = w->arg;

	(void)events;
	for (;;) {
		struct ucred cred = { .pid = -1 };
		socklen_t len = sizeof(cred);
		int fd = accept4(w->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				vmi_transport_log(t, "accept: %s",
						  strerror(errno));
			return;
		}
		getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
		l->accept(t, fd, cred.pid);
	}
}

/* Remove a dead server's socket file; refuse a live server's. */
static int vmi_listener_claim(struct vmi_transport *t,
			      const struct sockaddr_un *addr, int type)
{
	struct stat st;
	int fd, ret;

	if (lstat(addr->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		vmi_transport_log(t, "%s exists and is not a socket",
				  addr->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	close(fd);
	if (ret == 0) {
		vmi_transport_log(t, "%s: another server is listening there",
				  addr->sun_path);
		return -EADDRINUSE;
	}
	return unlink(addr->sun_path) < 0 ? -errno : 0;
}

int vmi_transport_listen(struct vmi_transport *t, const char *path, int type,
			 void (*accept)(struct vmi_transport *t, int fd,
					int pid))
{
	struct vmi_listener *l = calloc(1, sizeof(*l));
	int fd = -1, ret;

	if (!l)
		return -ENOMEM;
	l->accept = accept;
	l->addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(l->addr.sun_path)) {
		vmi_transport_log(t, "socket path %s is longer than %zu bytes",
				  path, sizeof(l->addr.sun_path) - 1);
		ret = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(l->addr.sun_path, path);
	ret = vmi_listener_claim(t, &l->addr, type);
	if (ret)
		goto fail;
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    bind(fd, (struct sockaddr *)&l->addr, sizeof(l->addr)) < 0 ||
	    listen(fd, 64) < 0) {
		ret = -errno;
		vmi_transport_log(t, "listening on %s: %s", path,
				  strerror(-ret));
		goto fail;
	}
	l->watch.fd = fd;
	l->watch.cb = vmi_listener_cb;
	l->watch.arg = l;
	ret = vmi_transport_add_watch(t, &l->watch);
	if (ret)
		goto fail;
	t->kind = l;
	vmi_transport_log(t, "%s transport listening on %s", t->ops->name,
			  path);
	return 0;
fail:
	if (fd >= 0) {
		close(fd);
		unlink(l->addr.sun_path);
	}
	free(l);
	return ret;
}

void vmi_transport_unlisten(struct vmi_transport *t)
{
	struct vmi_listener *l = t->kind;

	vmi_transport_del_watch(t, &l->watch);
	close(l->watch.fd);
	unlink(l->addr.sun_path);
	free(l);
}

/* ---- guest memory ---------------------------------------------------------- */

int vmi_transport_guest_shm(struct vmi_transport *t, struct vmi_tguest *tg,
			    const char *kind, uint64_t size)
{
	char name[64];
	void *p;
	int fd, ret;

	snprintf(name, sizeof(name), "vmi-%s-%s%u", t->dev->name, kind,
		 tg->g.id);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) <
		    0)
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	tg->g.shm = p;
	tg->g.shm_size = size;
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

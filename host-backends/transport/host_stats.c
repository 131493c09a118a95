// SPDX-License-Identifier: GPL-2.0-only
/*
 * A backend's counters on demand, the same way for every backend
 * (vmi-blkback, vmi-netback): SIGUSR1 writes the JSON document to a file,
 * replaced atomically (or to stderr), and each connection to a control
 * socket reads one document, then EOF. Both run in the transport's loop,
 * so the backend's json() needs no lock against the loop's callbacks.
 * With them, the two small helpers their settings and documents share.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "vmi_transport.h"

int vmi_host_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -EINVAL : 0;
}

void vmi_host_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Write the document where file says, replacing it atomically. */
static void vmi_host_stats_dump(struct vmi_host_stats *s)
{
	char tmp[4096];
	FILE *f;

	if (!s->file) {
		s->json(s->arg, stderr);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->file);
	f = fopen(tmp, "w");
	if (!f) {
		vmi_transport_log(s->t, "%s: %s", tmp, strerror(errno));
		return;
	}
	s->json(s->arg, f);
	if (fclose(f) || rename(tmp, s->file))
		vmi_transport_log(s->t, "%s: %s", s->file, strerror(errno));
}

static void vmi_host_stats_signal_cb(void *arg, int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si))
		vmi_host_stats_dump(arg);
}

/* One connection, one JSON document, then EOF. */
static void vmi_host_stats_control_cb(void *arg, int fd)
{
	struct vmi_host_stats *s = arg;
	char *buf = NULL;
	size_t len = 0, off = 0;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	FILE *f;

	if (c < 0)
		return;
	f = open_memstream(&buf, &len);
	if (f) {
		s->json(s->arg, f);
		fclose(f);
		/* Blocking, on a local socket: a few KiB at most. */
		while (off < len) {
			ssize_t n = send(c, buf + off, len - off, MSG_NOSIGNAL);

			if (n <= 0) {
				vmi_transport_log(s->t, "control: send: %s",
						  strerror(errno));
				break;
			}
			off += (size_t)n;
		}
		free(buf);
	}
	close(c);
}

static int vmi_host_stats_control(struct vmi_host_stats *s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(s->control) >= sizeof(a.sun_path)) {
		vmi_transport_log(s->t, "control %s: path too long",
				  s->control);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, s->control);
	unlink(a.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 8) < 0) {
		ret = -errno;
		vmi_transport_log(s->t, "control %s: %s", s->control,
				  strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	s->control_fd = fd;
	return vmi_transport_watch(s->t, fd, vmi_host_stats_control_cb, s);
}

int vmi_host_stats_open(struct vmi_host_stats *s)
{
	sigset_t set;
	int ret;

	s->signal_fd = -1;
	s->control_fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	s->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->signal_fd < 0) {
		ret = -errno;
		vmi_transport_log(s->t, "signalfd: %s", strerror(-ret));
		return ret;
	}
	ret = vmi_transport_watch(s->t, s->signal_fd, vmi_host_stats_signal_cb,
				  s);
	if (!ret && s->control)
		ret = vmi_host_stats_control(s);
	return ret;
}

void vmi_host_stats_close(struct vmi_host_stats *s)
{
	if (s->signal_fd >= 0)
		close(s->signal_fd);
	if (s->control_fd >= 0) {
		close(s->control_fd);
		unlink(s->control);
	}
	s->signal_fd = -1;
	s->control_fd = -1;
}

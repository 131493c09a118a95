// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-space guests: load a ROM file and bind it. The file is read into
 * private anonymous memory, validated there, and that memory is then made
 * read-only and executable: the bytes that run are exactly the bytes that
 * were checked (a second mapping of the file could change under us, since
 * a private mapping only snapshots the pages it writes), and no page is
 * ever writable and executable at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <vmi_guest.h>

static size_t vmi_guest_pages(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) / page * page;
}

/* A system call failed: its errno, named in why. */
static int vmi_guest_errno(char *why, size_t whylen)
{
	int ret = -errno;

	snprintf(why, whylen, "%s", strerror(-ret));
	return ret;
}

/*
 * Read at most the largest ROM from fd into fresh memory, validate it,
 * drop the pages past its image_size and make the rest read-only and
 * executable. Returns image_size with *image set, or a negative errno
 * with why saying what failed.
 */
static int vmi_guest_load(int fd, void **image, char *why, size_t whylen)
{
	size_t cap = vmi_guest_pages(VMI_ROM_MAX_SIZE), done = 0, size;
	uint8_t *p;
	int ret;

	p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return vmi_guest_errno(why, whylen);
	while (done < VMI_ROM_MAX_SIZE) {
		ssize_t n = read(fd, p + done, VMI_ROM_MAX_SIZE - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = vmi_guest_errno(why, whylen);
			goto fail;
		}
		if (!n)
			break;
		done += n;
	}
	ret = vmi_rom_validate(p, done, why, whylen);
	if (ret)
		goto fail;
	size = ((const struct vmi_rom_header *)p)->rom_length * VMI_ROM_BLOCK;
	if (vmi_guest_pages(size) < cap)
		munmap(p + vmi_guest_pages(size), cap - vmi_guest_pages(size));
	cap = vmi_guest_pages(size);
	if (mprotect(p, cap, PROT_READ | PROT_EXEC)) {
		ret = vmi_guest_errno(why, whylen);
		goto fail;
	}
	*image = p;
	return (int)size;
fail:
	munmap(p, cap);
	return ret;
}

int vmi_guest_open(struct vmi_guest *g, const char *path, char *err,
		   size_t errlen)
{
	char why[256];
	void *image = NULL;
	int fd, ret;

	vmi_guest_bind_native(g);
	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		ret = vmi_guest_errno(why, sizeof(why));
	} else {
		ret = vmi_guest_load(fd, &image, why, sizeof(why));
		close(fd);
	}
	if (ret > 0) {
		size_t size = ret;

		ret = vmi_guest_bind(g, image, size, why, sizeof(why));
		if (ret)
			munmap(image, size);
	}
	if (ret && err && errlen)
		snprintf(err, errlen, "%s: %s", path, why);
	return ret;
}

void vmi_guest_close(struct vmi_guest *g)
{
	if (g->image)
		munmap((void *)g->image, g->image_len);
	vmi_guest_bind_native(g);
}

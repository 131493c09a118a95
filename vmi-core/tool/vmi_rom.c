// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-rom: the host's tool for vmipv ROM images.
 *
 *   vmi-rom build --flavour F --machine FILE -o IMAGE
 *   vmi-rom inspect IMAGE
 *   vmi-rom verify IMAGE
 *
 * Exit status: 0 done (verify: the image is valid), 1 the input or the
 * image is wrong (the message says what), 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmi_guest.h>

#include "vmi_rom_tool.h"

#define VMI_ROM_EXIT_USAGE 2

static const char vmi_rom_usage[] =
	"usage: vmi-rom COMMAND [ARGS]\n"
	"Build, inspect and verify vmipv ROM images (docs/ABI.md part (a)).\n"
	"\n"
	"  build --flavour F --machine FILE -o IMAGE\n"
	"                   build an image for hypervisor flavour F from a\n"
	"                   machine description (docs/MACHINE.md)\n"
	"  inspect IMAGE    print the header, calls and devices of an image\n"
	"  verify IMAGE     check every rule a guest checks; exit 0 if valid\n"
	"\n"
	"'vmi-rom COMMAND --help' describes each command.\n";

static const char vmi_rom_build_usage[] =
	"usage: vmi-rom build --flavour F --machine FILE -o IMAGE\n"
	"Build a ROM image of flavour F for the devices of a machine\n"
	"description (format: docs/MACHINE.md).\n"
	"\n"
	"  -f, --flavour F     process       a guest that is a Linux process:\n"
	"                                    notify and wait on eventfds\n"
	"                      qemu-ivshmem  a guest kernel in QEMU: notify\n"
	"                                    by the ivshmem doorbell\n"
	"  -m, --machine FILE  the devices; each must use the flavour's\n"
	"                      transport (process, or ivshmem)\n"
	"  -o, --output IMAGE  where to write the image (replaced atomically)\n"
	"  -h, --help          this text\n";

static const char vmi_rom_inspect_usage[] =
	"usage: vmi-rom inspect IMAGE\n"
	"Print every field of the header, the vmipv extension, the call table\n"
	"(call, relocation type, code offset) and the device table, then the\n"
	"verdict of 'vmi-rom verify'. Works on broken images too; exits 1 if\n"
	"the image is not valid.\n";

static const char vmi_rom_verify_usage[] =
	"usage: vmi-rom verify IMAGE\n"
	"Check IMAGE as a guest does before it binds it: signatures, lengths,\n"
	"checksum, versions, every offset inside the image, no overlapping\n"
	"tables, jump points, call table, device table. Exits 0 and prints a\n"
	"summary if it is valid, else exits 1 naming the first broken field\n"
	"and its value.\n";

/* Parse a command's options; only build has any but --help. */
static int vmi_rom_options(int argc, char **argv, const char *usage,
			   const char **flavour, const char **machine,
			   const char **output)
{
	static const struct option opts[] = {
		{ "flavour", required_argument, NULL, 'f' },
		{ "machine", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = flavour ? "f:m:o:h" : "h";
	int c;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (c) {
		case 'f':
		case 'm':
		case 'o':
			if (!flavour)
				goto usage;
			*(c == 'f' ? flavour :
			  c == 'm' ? machine :
				     output) = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			goto usage;
		}
	}
	return 0;
usage:
	fputs(usage, stderr);
	return -EINVAL;
}

static int vmi_rom_write(const char *path, const uint8_t *img, size_t size)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f || fwrite(img, 1, size, f) != size) {
		fprintf(stderr, "vmi-rom: %s: %s\n", tmp, strerror(errno));
		if (f)
			fclose(f);
		unlink(tmp);
		return 1;
	}
	if (fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "vmi-rom: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

static int vmi_rom_cmd_build(int argc, char **argv)
{
	const char *flavour = NULL, *machine = NULL, *output = NULL;
	const struct vmi_rom_flavour_desc *f;
	struct vmi_machine m = { 0 };
	uint8_t *img;
	size_t size;
	char err[512];
	int ret;

	if (vmi_rom_options(argc, argv, vmi_rom_build_usage, &flavour, &machine,
			    &output))
		return VMI_ROM_EXIT_USAGE;
	if (optind < argc || !flavour || !machine || !output) {
		fputs(vmi_rom_build_usage, stderr);
		return VMI_ROM_EXIT_USAGE;
	}
	f = vmi_rom_flavour(flavour, 0);
	if (!f) {
		fprintf(stderr,
			"vmi-rom: --flavour must be process or qemu-ivshmem (%s)\n",
			flavour);
		return VMI_ROM_EXIT_USAGE;
	}
	if (vmi_machine_load(machine, &m, err, sizeof(err))) {
		fprintf(stderr, "vmi-rom: %s\n", err);
		return 1;
	}
	ret = vmi_rom_build(f, &m, machine, &img, &size, err, sizeof(err));
	vmi_machine_free(&m);
	if (ret) {
		fprintf(stderr, "vmi-rom: %s\n", err);
		return 1;
	}
	ret = vmi_rom_write(output, img, size);
	free(img);
	return ret;
}

/* The whole file, at most one byte more than the largest ROM. */
static uint8_t *vmi_rom_read(const char *path, size_t *len)
{
	uint8_t *buf = malloc(VMI_ROM_MAX_SIZE + 1);
	FILE *f = fopen(path, "re");

	if (!f || !buf) {
		fprintf(stderr, "vmi-rom: %s: %s\n", path, strerror(errno));
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, VMI_ROM_MAX_SIZE + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "vmi-rom: %s: read error\n", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int vmi_rom_cmd_check(int argc, char **argv, bool inspect)
{
	const char *usage = inspect ? vmi_rom_inspect_usage :
				      vmi_rom_verify_usage;
	struct vmi_rom_header h;
	uint8_t *img;
	size_t len;
	char why[256];
	int ret;

	if (vmi_rom_options(argc, argv, usage, NULL, NULL, NULL))
		return VMI_ROM_EXIT_USAGE;
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return VMI_ROM_EXIT_USAGE;
	}
	img = vmi_rom_read(argv[optind], &len);
	if (!img)
		return 1;
	if (inspect) {
		ret = vmi_rom_inspect(stdout, img, len);
	} else {
		ret = vmi_rom_validate(img, len, why, sizeof(why));
		if (ret) {
			fprintf(stderr, "vmi-rom: %s: %s\n", argv[optind], why);
		} else {
			const struct vmi_rom_flavour_desc *f;

			memcpy(&h, img, sizeof(h));
			f = vmi_rom_flavour(NULL,
					    vmi_le16_to_cpu(h.ext.flavour));
			printf("%s: valid %s ROM, API %u.%u, %u bytes, %u calls, %u devices\n",
			       argv[optind], f ? f->name : "?",
			       h.api_version_maj, h.api_version_min,
			       vmi_le32_to_cpu(h.ext.image_size),
			       vmi_le16_to_cpu(h.ext.call_count),
			       vmi_le16_to_cpu(h.ext.dev_count));
		}
	}
	free(img);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fputs(vmi_rom_usage, stderr);
		return VMI_ROM_EXIT_USAGE;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		fputs(vmi_rom_usage, stdout);
		return 0;
	}
	/* The command's own options start after its name. */
	argc--;
	argv++;
	if (!strcmp(cmd, "build"))
		return vmi_rom_cmd_build(argc, argv);
	if (!strcmp(cmd, "inspect"))
		return vmi_rom_cmd_check(argc, argv, true);
	if (!strcmp(cmd, "verify"))
		return vmi_rom_cmd_check(argc, argv, false);
	fprintf(stderr, "vmi-rom: unknown command '%s'\n%s", cmd,
		vmi_rom_usage);
	return VMI_ROM_EXIT_USAGE;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * An i386 VMI guest's view of a ROM: this 32-bit program (gcc -m32)
 * reproduces how Linux 2.6.21 to 2.6.36 found, checked and entered a VMI
 * ROM (arch/x86/kernel/vmi_32.c: probe_vmi_rom, check_vmi_rom and the start
 * of vmi_activate), with Linux's own structure layout, constants, order of
 * checks and messages. It exists to prove that such a guest refuses vmipv's
 * ROMs: they are x86-64 code (API major 4), and a 3.x guest that accepted
 * one would call vmi_init and get_reloc as i386 regparm functions, getting
 * nonsense answers and then crashing on the first call it bound.
 *
 * The option-ROM window 0xC0000-0xDFFFF is a 128 KiB buffer: the image sits
 * at 0xC8000 (a 2 KiB-aligned offset, as a BIOS would place it after a VGA
 * BIOS at 0xC0000, which a 55 AA signature without "cVmi" stands for here),
 * and the scan reads it in place, in 2 KiB steps, as Linux read the ISA
 * mapping. If a ROM passes, vmi_init is called (regparm(1), result in EAX)
 * and get_reloc (regparm(2), call number in EAX, result in EDX:EAX) for
 * every call number Linux bound, unless --probe-only is given: that option
 * only probes, so that a test can check that an API-3 image WOULD be
 * accepted without running x86-64 code in 32-bit mode.
 *
 * Usage: legacy_probe32 [--probe-only] IMAGE
 * Exit: 0 a ROM was accepted (and, without --probe-only, initialised),
 * 1 no ROM accepted, 2 usage or I/O error, 3 "VMI ROM failed to initialize!".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if !defined(__i386__)
#error "legacy_probe32 reproduces an i386 guest: build it with gcc -m32"
#endif

/* Linux's constants (arch/x86/include/asm/vmi.h). */
#define VMI_SIGNATURE 0x696d5663
#define VMI_API_REV_MAJOR 3
#define VMI_API_REV_MINOR 0
#define PCI_VENDOR_ID_VMWARE 0x15AD
#define PCI_DEVICE_ID_VMWARE_VMI 0x0801

/* Linux's probe window: 0xC0000 up to 0xE0000, 2 KiB steps. */
#define WINDOW_BASE 0xC0000ul
#define WINDOW_END 0xE0000ul
#define WINDOW_STEP 2048ul
#define IMAGE_BASE 0xC8000ul

/* Linux's structures, as declared there (packed). */
struct vrom_header {
	uint16_t rom_signature;
	uint8_t rom_length;
	uint8_t rom_entry[4];
	uint8_t rom_pad0;
	uint32_t vrom_signature;
	uint8_t api_version_min;
	uint8_t api_version_maj;
	uint8_t jump_slots;
	uint8_t reserved1;
	uint32_t virtual_top;
	uint16_t reserved2;
	uint16_t license_offs;
	uint16_t pci_header_offs;
	uint16_t pnp_header_offs;
	uint32_t rom_pad3;
	uint8_t reserved[96];
	char vmi_init[8];
	char get_reloc[8];
} __attribute__((packed));

struct pnp_header {
	char sig[4];
	char rev;
	char size;
	short next;
	short res;
	long devID;
	unsigned short manufacturer_offset;
	unsigned short product_offset;
} __attribute__((packed));

struct pci_header {
	char sig[4];
	short vendorID;
	short deviceID;
	short vpdData;
	short size;
	char rev;
	char class;
	char subclass;
	char interface;
	short chunks;
	char rom_version_min;
	char rom_version_maj;
	char codetype;
	char lastRom;
	short reserved;
} __attribute__((packed));

struct vmi_relocation_info {
	unsigned char *eip;
	unsigned char type;
	unsigned char reserved[3];
} __attribute__((packed));

_Static_assert(sizeof(struct vrom_header) == 0x90, "vrom_header is 144 bytes");
_Static_assert(sizeof(struct vmi_relocation_info) == 8, "reloc is 8 bytes");

/* How Linux entered the ROM: i386 regparm C calls to the jump points. */
typedef uint32_t __attribute__((regparm(1))) vromfunc(void);
typedef uint64_t __attribute__((regparm(2))) vromlongfunc(int);

/* Linux's call numbers that vmi_activate asked get_reloc about. */
static const int linux_calls[] = {
	0,  3,	4,  5,	6,  7,	9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	21, 22, 23, 24, 25, 27, 28, 29, 30, 31, 32, 33, 34, 35, 38, 39, 40, 41,
	44, 45, 46, 47, 48, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 73,
};

/* check_vmi_rom(): the checks and messages of Linux, in its order. */
static int check_vmi_rom(const struct vrom_header *rom)
{
	const struct pci_header *pci;
	const struct pnp_header *pnp;
	const char *manufacturer = "UNKNOWN";
	const char *product = "UNKNOWN";
	const char *license = "unspecified";

	if (rom->rom_signature != 0xaa55)
		return 0;
	if (rom->vrom_signature != VMI_SIGNATURE)
		return 0;
	if (rom->api_version_maj != VMI_API_REV_MAJOR ||
	    rom->api_version_min + 1 < VMI_API_REV_MINOR + 1) {
		printf("VMI: Found mismatched rom version %d.%d\n",
		       rom->api_version_maj, rom->api_version_min);
		return 0;
	}
	if (!rom->pci_header_offs) {
		printf("VMI: ROM does not contain PCI header.\n");
		return 0;
	}
	pci = (const struct pci_header *)((const char *)rom +
					  rom->pci_header_offs);
	if (pci->vendorID != PCI_VENDOR_ID_VMWARE ||
	    pci->deviceID != PCI_DEVICE_ID_VMWARE_VMI)
		printf("VMI: ROM from unknown manufacturer\n"); /* a warning */
	if (rom->pnp_header_offs) {
		pnp = (const struct pnp_header *)((const char *)rom +
						  rom->pnp_header_offs);
		if (pnp->manufacturer_offset)
			manufacturer =
				(const char *)rom + pnp->manufacturer_offset;
		if (pnp->product_offset)
			product = (const char *)rom + pnp->product_offset;
	}
	if (rom->license_offs)
		license = (const char *)rom + rom->license_offs;
	printf("VMI: Found %s %s, API version %d.%d, ROM version %d.%d\n",
	       manufacturer, product, rom->api_version_maj,
	       rom->api_version_min, pci->rom_version_maj,
	       pci->rom_version_min);
	if (strcmp(license, "GPL") && strcmp(license, "GPL v2")) {
		printf("VMI: Non GPL license `%s' found for ROM. Not used.\n",
		       license);
		return 0;
	}
	return 1;
}

/* probe_vmi_rom(): the first candidate that passes wins. */
static struct vrom_header *probe_vmi_rom(unsigned char *window)
{
	unsigned long base;

	for (base = WINDOW_BASE; base < WINDOW_END; base += WINDOW_STEP) {
		struct vrom_header *rom =
			(struct vrom_header *)(window + base - WINDOW_BASE);

		if (check_vmi_rom(rom))
			return rom;
	}
	return NULL;
}

/* The start of vmi_activate(): initialise, then bind every call. */
static int activate_vmi(struct vrom_header *rom)
{
	uint32_t ret = ((vromfunc *)rom->vmi_init)();
	unsigned int i;

	if (ret) {
		printf("VMI ROM failed to initialize! (EAX %#x)\n", ret);
		return 3;
	}
	for (i = 0; i < sizeof(linux_calls) / sizeof(linux_calls[0]); i++) {
		uint64_t reloc =
			((vromlongfunc *)rom->get_reloc)(linux_calls[i]);
		struct vmi_relocation_info rel;

		memcpy(&rel, &reloc, sizeof(rel));
		printf("VMI: get_reloc(%d): type %u eip %p\n", linux_calls[i],
		       rel.type, (void *)rel.eip);
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t window_len = WINDOW_END - WINDOW_BASE, len;
	int probe_only = argc == 3 && !strcmp(argv[1], "--probe-only");
	struct vrom_header *rom;
	unsigned char *window;
	FILE *f;

	if (argc != 2 + probe_only) {
		fprintf(stderr, "usage: %s [--probe-only] IMAGE\n", argv[0]);
		return 2;
	}
	/* Executable, as the ISA mapping Linux ran the ROM from was. */
	window = mmap(NULL, window_len, PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (window == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	f = fopen(argv[1 + probe_only], "rb");
	if (!f) {
		perror(argv[1 + probe_only]);
		return 2;
	}
	len = fread(window + IMAGE_BASE - WINDOW_BASE, 1,
		    WINDOW_END - IMAGE_BASE, f);
	fclose(f);
	if (len < sizeof(struct vrom_header)) {
		fprintf(stderr, "%s: %zu bytes, less than a VMI ROM header\n",
			argv[1 + probe_only], len);
		return 2;
	}
	window[0] = 0x55; /* a VGA BIOS at 0xC0000: not a VMI ROM */
	window[1] = 0xaa;

	rom = probe_vmi_rom(window);
	if (!rom) {
		printf("VMI: no ROM accepted in %#lx-%#lx: the guest stays native\n",
		       WINDOW_BASE, WINDOW_END - 1);
		return 1;
	}
	printf("VMI: ROM accepted at %#lx\n",
	       WINDOW_BASE + (unsigned long)((unsigned char *)rom - window));
	return probe_only ? 0 : activate_vmi(rom);
}

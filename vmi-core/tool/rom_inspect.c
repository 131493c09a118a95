// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmi-rom inspect: print what an image says, field by field, then the
 * validator's verdict. Meant for broken images too, so every read is
 * checked against the file's length first and a table that does not fit
 * is reported instead of printed.
 */
#include <string.h>

#include <vmi_guest.h>

#include "vmi_rom_tool.h"

struct vmi_rom_view {
	FILE *out;
	const uint8_t *p;
	size_t len;
};

static bool vmi_rom_fits(const struct vmi_rom_view *v, uint64_t off, uint64_t n)
{
	return off <= v->len && n <= v->len - off;
}

/* A quoted, escaped string of at most max bytes at off, if it fits. */
static void vmi_rom_print_str(const struct vmi_rom_view *v, uint64_t off,
			      uint64_t max, bool nul)
{
	uint64_t i;

	if (!vmi_rom_fits(v, off, 1)) {
		fprintf(v->out, "(outside the file)");
		return;
	}
	fputc('"', v->out);
	for (i = 0; i < max && off + i < v->len && !(nul && !v->p[off + i]);
	     i++) {
		uint8_t ch = v->p[off + i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			fputc(ch, v->out);
		else
			fprintf(v->out, "\\x%02x", ch);
	}
	fputc('"', v->out);
}

static void vmi_rom_print_fourcc(FILE *out, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		uint8_t ch = v >> (8 * i);

		fputc(ch >= 0x20 && ch < 0x7f ? ch : '.', out);
	}
}

/* "0x080 -> 0x090 -> 0x1a0": a jump point followed to its target. */
static void vmi_rom_print_jump(const struct vmi_rom_view *v, const char *name,
			       size_t at)
{
	const uint8_t *jp = v->p + at;
	uint64_t near = at + 6 + (int8_t)jp[5];
	vmi_le32 rel;

	fprintf(v->out, "  %-16s 0x%03zx", name, at);
	if (jp[4] != VMI_ROM_JUMP_SHORT) {
		fprintf(v->out, " (no JMP rel8)\n");
		return;
	}
	fprintf(v->out, " -> 0x%03llx", (unsigned long long)near);
	if (!vmi_rom_fits(v, near, 5) || v->p[near] != VMI_ROM_JUMP_NEAR) {
		fprintf(v->out, " (no JMP rel32)\n");
		return;
	}
	memcpy(&rel, v->p + near + 1, sizeof(rel));
	fprintf(v->out, " -> 0x%03llx\n",
		(unsigned long long)(near + 5 + (int32_t)vmi_le32_to_cpu(rel)));
}

static void vmi_rom_print_header(const struct vmi_rom_view *v,
				 const struct vmi_rom_header *h)
{
	uint16_t pci_off = vmi_le16_to_cpu(h->pci_header_offs);
	uint16_t pnp_off = vmi_le16_to_cpu(h->pnp_header_offs);
	uint16_t lic = vmi_le16_to_cpu(h->license_offs);
	FILE *out = v->out;

	fprintf(out, "header\n");
	fprintf(out, "  %-16s 0x%04x\n", "rom_signature",
		vmi_le16_to_cpu(h->rom_signature));
	fprintf(out, "  %-16s %u (%u bytes)\n", "rom_length", h->rom_length,
		h->rom_length * VMI_ROM_BLOCK);
	fprintf(out, "  %-16s %02x %02x %02x %02x\n", "rom_entry",
		h->rom_entry[0], h->rom_entry[1], h->rom_entry[2],
		h->rom_entry[3]);
	fprintf(out, "  %-16s 0x%08x \"", "vrom_signature",
		vmi_le32_to_cpu(h->vrom_signature));
	vmi_rom_print_fourcc(out, vmi_le32_to_cpu(h->vrom_signature));
	fprintf(out, "\"\n  %-16s %u.%u\n", "api_version", h->api_version_maj,
		h->api_version_min);
	fprintf(out, "  %-16s %u\n", "jump_slots", h->jump_slots);
	fprintf(out, "  %-16s 0x%08x\n", "virtual_top",
		vmi_le32_to_cpu(h->virtual_top));
	fprintf(out, "  %-16s 0x%04x ", "license_offs", lic);
	vmi_rom_print_str(v, lic, 64, true);
	fprintf(out, "\n  %-16s 0x%04x", "pci_header_offs", pci_off);
	if (pci_off &&
	    vmi_rom_fits(v, pci_off, sizeof(struct vmi_rom_pci_header))) {
		struct vmi_rom_pci_header pci;

		memcpy(&pci, v->p + pci_off, sizeof(pci));
		fprintf(out, " \"");
		vmi_rom_print_fourcc(out, vmi_le32_to_cpu(pci.sig));
		fprintf(out,
			"\" %04x:%04x rom_version %u.%u code_type %#04x chunks %u",
			vmi_le16_to_cpu(pci.vendor_id),
			vmi_le16_to_cpu(pci.device_id), pci.rom_version_maj,
			pci.rom_version_min, pci.code_type,
			vmi_le16_to_cpu(pci.chunks));
	}
	fprintf(out, "\n  %-16s 0x%04x", "pnp_header_offs", pnp_off);
	if (pnp_off &&
	    vmi_rom_fits(v, pnp_off, sizeof(struct vmi_rom_pnp_header))) {
		struct vmi_rom_pnp_header pnp;

		memcpy(&pnp, v->p + pnp_off, sizeof(pnp));
		fprintf(out, " \"");
		vmi_rom_print_fourcc(out, vmi_le32_to_cpu(pnp.sig));
		fprintf(out, "\" manufacturer ");
		vmi_rom_print_str(v, vmi_le16_to_cpu(pnp.manufacturer_offset),
				  64, true);
		fprintf(out, " product ");
		vmi_rom_print_str(v, vmi_le16_to_cpu(pnp.product_offset), 64,
				  true);
	}
	fprintf(out, "\n");
	vmi_rom_print_jump(v, "vmi_init",
			   offsetof(struct vmi_rom_header, vmi_init));
	vmi_rom_print_jump(v, "get_reloc",
			   offsetof(struct vmi_rom_header, get_reloc));
}

static void vmi_rom_print_ext(const struct vmi_rom_view *v,
			      const struct vmi_rom_ext *e)
{
	const struct vmi_rom_flavour_desc *f =
		vmi_rom_flavour(NULL, vmi_le16_to_cpu(e->flavour));
	FILE *out = v->out;

	fprintf(out, "ext\n  %-16s \"", "magic");
	vmi_rom_print_fourcc(out, vmi_le32_to_cpu(e->magic));
	fprintf(out, "\" version %u.%u\n", vmi_le16_to_cpu(e->version_major),
		vmi_le16_to_cpu(e->version_minor));
	fprintf(out, "  %-16s %u (%s)\n", "flavour",
		vmi_le16_to_cpu(e->flavour), f ? f->name : "unknown");
	fprintf(out, "  %-16s %#x\n", "flags", vmi_le16_to_cpu(e->flags));
	fprintf(out, "  %-16s %u\n", "image_size",
		vmi_le32_to_cpu(e->image_size));
	fprintf(out, "  %-16s 0x%04x, %u bytes\n", "code",
		vmi_le32_to_cpu(e->code_offset), vmi_le32_to_cpu(e->code_size));
	fprintf(out, "  %-16s 0x%04x, %u x %u bytes\n", "call table",
		vmi_le32_to_cpu(e->call_offset), vmi_le16_to_cpu(e->call_count),
		vmi_le16_to_cpu(e->call_entry_size));
	fprintf(out, "  %-16s 0x%04x, %u x %u bytes\n", "device table",
		vmi_le32_to_cpu(e->dev_offset), vmi_le16_to_cpu(e->dev_count),
		vmi_le16_to_cpu(e->dev_entry_size));
	fprintf(out, "  %-16s 0x%04x, %u bytes\n", "strings",
		vmi_le32_to_cpu(e->strings_offset),
		vmi_le32_to_cpu(e->strings_size));
}

static void vmi_rom_print_calls(const struct vmi_rom_view *v,
				const struct vmi_rom_ext *e)
{
	uint32_t off = vmi_le32_to_cpu(e->call_offset);
	unsigned int i, n = vmi_le16_to_cpu(e->call_count);

	fprintf(v->out, "calls (other numbers: NONE)\n");
	if (!vmi_rom_fits(v, off, (uint64_t)n * sizeof(struct vmi_rom_call))) {
		fprintf(v->out, "  (the table does not fit in the file)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		struct vmi_rom_call c;
		const char *name, *type;

		memcpy(&c, v->p + off + i * sizeof(c), sizeof(c));
		name = vmi_rom_call_name(vmi_le16_to_cpu(c.call));
		type = vmi_rom_reloc_name(c.type);
		fprintf(v->out, "  %-4u %-18s %-4s 0x%04x\n",
			vmi_le16_to_cpu(c.call), name ? name : "?",
			type ? type : "?", vmi_le32_to_cpu(c.offset));
	}
}

static void vmi_rom_print_devs(const struct vmi_rom_view *v,
			       const struct vmi_rom_ext *e)
{
	uint32_t off = vmi_le32_to_cpu(e->dev_offset);
	uint32_t strings = vmi_le32_to_cpu(e->strings_offset);
	unsigned int i, n = vmi_le16_to_cpu(e->dev_count);
	FILE *out = v->out;

	fprintf(out, "devices\n");
	if (!vmi_rom_fits(v, off, (uint64_t)n * sizeof(struct vmi_rom_dev))) {
		fprintf(out, "  (the table does not fit in the file)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		struct vmi_rom_dev d;
		const char *cls, *tr;
		uint32_t loc;
		char feat[512];

		memcpy(&d, v->p + off + i * sizeof(d), sizeof(d));
		cls = vmi_machine_class_name(vmi_le16_to_cpu(d.dev_class));
		tr = vmi_machine_transport_name(vmi_le16_to_cpu(d.transport));
		loc = vmi_le32_to_cpu(d.locator);
		vmi_machine_features_str(vmi_le16_to_cpu(d.dev_class),
					 vmi_le64_to_cpu(d.features), feat,
					 sizeof(feat));
		fprintf(out,
			"  %u: %s %u, %s, queues %u, slots %u, data %u\n"
			"     features %#llx (%s)\n"
			"     shm_size %#llx, ring_offset %#x, ring_stride %#x, data_offset %#llx\n",
			i, cls ? cls : "?", vmi_le16_to_cpu(d.instance),
			tr ? tr : "?", vmi_le16_to_cpu(d.nr_queues),
			vmi_le32_to_cpu(d.ring_slots),
			vmi_le32_to_cpu(d.data_size),
			(unsigned long long)vmi_le64_to_cpu(d.features), feat,
			(unsigned long long)vmi_le64_to_cpu(d.shm_size),
			vmi_le32_to_cpu(d.ring_offset),
			vmi_le32_to_cpu(d.ring_stride),
			(unsigned long long)vmi_le64_to_cpu(d.data_offset));
		if (vmi_le16_to_cpu(d.transport) == VMI_TRANSPORT_IVSHMEM) {
			fprintf(out, "     pci %02x:%02x.%x\n", loc >> 8 & 0xff,
				loc >> 3 & 31, loc & 7);
		} else {
			fprintf(out, "     socket ");
			vmi_rom_print_str(v, (uint64_t)strings + loc,
					  vmi_le32_to_cpu(d.locator_len),
					  false);
			fprintf(out, "\n");
		}
	}
}

int vmi_rom_inspect(FILE *out, const uint8_t *image, size_t len)
{
	struct vmi_rom_view v = { out, image, len };
	struct vmi_rom_header h;
	struct vmi_rom_ext e;
	char why[256];
	int ret;

	fprintf(out, "image: %zu bytes\n", len);
	if (len >= sizeof(h)) {
		memcpy(&h, image, sizeof(h));
		memcpy(&e, &h.ext, sizeof(e));
		vmi_rom_print_header(&v, &h);
		vmi_rom_print_ext(&v, &e);
		vmi_rom_print_calls(&v, &e);
		vmi_rom_print_devs(&v, &e);
	}
	ret = vmi_rom_validate(image, len, why, sizeof(why));
	fprintf(out, "verify: %s\n", ret ? why : "ok");
	return ret;
}

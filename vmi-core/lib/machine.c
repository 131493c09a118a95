// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine-description parser (docs/MACHINE.md): one statement a line,
 * "device CLASS INSTANCE" opening a device and "KEY [VALUE]" lines giving
 * its properties. ROM keys become fields of struct vmi_machine_dev and are
 * checked against the ABI's rules (the layout rule itself judges queues,
 * slots and data sizes, at the line that set them); backend keys are
 * checked for their type and kept as options. The first bad line ends the
 * parse with "FILE:LINE: what is wrong (value)".
 *
 * Host code: it reads a file the host's administrator wrote, never guest
 * memory, but it is fuzzed like any other parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmi/blk.h>
#include <vmi/net.h>
#include <vmi/rom.h>
#include <vmi_machine.h>

#define VMI_MACHINE_MAX_FILE (1 << 20)
#define VMI_MACHINE_MAX_LINE 4096

struct vmi_machine_name {
	const char *name;
	unsigned int value;
};

static const struct vmi_machine_name vmi_machine_transports[] = {
	{ "process", VMI_TRANSPORT_PROCESS },
	{ "ivshmem", VMI_TRANSPORT_IVSHMEM },
};

/* Feature names; dev_class 0: common to every class. */
static const struct vmi_machine_feature {
	uint16_t dev_class;
	uint8_t bit;
	const char *name;
} vmi_machine_features[] = {
	{ 0, VMI_F_VERSION_1, "version_1" },
	{ 0, VMI_F_INDIRECT, "indirect" },
	{ 0, VMI_F_HEARTBEAT, "heartbeat" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_RO, "ro" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_FLUSH, "flush" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_FUA, "fua" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_DISCARD, "discard" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_WRITE_ZEROES, "write_zeroes" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_GET_ID, "get_id" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_TOPOLOGY, "topology" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_MULTI_RANGE, "multi_range" },
	{ VMI_DEV_CLASS_BLK, VMI_BLK_F_CONFIG_WCE, "config_wce" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_CSUM, "csum" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_GUEST_CSUM, "guest_csum" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_HOST_TSO4, "host_tso4" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_HOST_TSO6, "host_tso6" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_HOST_USO, "host_uso" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_GUEST_TSO4, "guest_tso4" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_GUEST_TSO6, "guest_tso6" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_MTU, "mtu" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_MAC, "mac" },
	{ VMI_DEV_CLASS_NET, VMI_NET_F_STATUS, "status" },
};

enum vmi_machine_kind {
	VMI_MACHINE_STRING,
	VMI_MACHINE_FLAG,
	VMI_MACHINE_SIZE, /* bytes, with an optional K, M or G */
	VMI_MACHINE_NUMBER,
	VMI_MACHINE_MAC, /* 52:54:00:12:34:56 */
};

/*
 * Backend-only keys of each class: the ROM ignores them, the backend reads
 * them. A key that describes what the guest sees also offers its feature.
 */
static const struct vmi_machine_key {
	uint16_t dev_class;
	const char *key;
	enum vmi_machine_kind kind;
	int feature; /* offered with the key, or -1 */
} vmi_machine_backend_keys[] = {
	{ VMI_DEV_CLASS_BLK, "target", VMI_MACHINE_STRING, -1 },
	{ VMI_DEV_CLASS_BLK, "timeout_ms", VMI_MACHINE_NUMBER, -1 },
	{ VMI_DEV_CLASS_BLK, "readonly", VMI_MACHINE_FLAG, VMI_BLK_F_RO },
	{ VMI_DEV_CLASS_BLK, "buffered", VMI_MACHINE_FLAG, -1 },
	{ VMI_DEV_CLASS_BLK, "null", VMI_MACHINE_FLAG, -1 },
	{ VMI_DEV_CLASS_BLK, "size", VMI_MACHINE_SIZE, -1 },
	{ VMI_DEV_CLASS_BLK, "block_size", VMI_MACHINE_NUMBER, -1 },
	{ VMI_DEV_CLASS_BLK, "mode", VMI_MACHINE_STRING, -1 },
	{ VMI_DEV_CLASS_BLK, "poll_us", VMI_MACHINE_NUMBER, -1 },
	{ VMI_DEV_CLASS_BLK, "cpus", VMI_MACHINE_STRING, -1 },
	{ VMI_DEV_CLASS_BLK, "max_guests", VMI_MACHINE_NUMBER, -1 },
	{ VMI_DEV_CLASS_BLK, "stats", VMI_MACHINE_STRING, -1 },
	{ VMI_DEV_CLASS_BLK, "control", VMI_MACHINE_STRING, -1 },
	{ VMI_DEV_CLASS_NET, "backend", VMI_MACHINE_STRING, -1 },
	{ VMI_DEV_CLASS_NET, "tap", VMI_MACHINE_STRING, -1 },
	{ VMI_DEV_CLASS_NET, "port", VMI_MACHINE_STRING, -1 },
	{ VMI_DEV_CLASS_NET, "mac", VMI_MACHINE_MAC, VMI_NET_F_MAC },
	{ VMI_DEV_CLASS_NET, "mtu", VMI_MACHINE_NUMBER, VMI_NET_F_MTU },
};

#define VMI_MACHINE_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The ROM keys, as bits of vmi_machine_parser.seen. */
enum vmi_machine_rom_key {
	VMI_MACHINE_TRANSPORT,
	VMI_MACHINE_SOCKET,
	VMI_MACHINE_PCI,
	VMI_MACHINE_QUEUES,
	VMI_MACHINE_SLOTS,
	VMI_MACHINE_DATA,
	VMI_MACHINE_FEATURES,
	VMI_MACHINE_NR_ROM_KEYS,
};

struct vmi_machine_parser {
	const char *name;
	unsigned int line;
	struct vmi_machine *m;
	struct vmi_machine_dev *dev; /* the device being read, or NULL */
	unsigned int seen_line[VMI_MACHINE_NR_ROM_KEYS]; /* 0: not given */
	unsigned int cycle_freq_line; /* 0: not given */
	char *err;
	size_t errlen;
};

static int vmi_machine_fail_at(struct vmi_machine_parser *p, unsigned int line,
			       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: " and the message; always -EINVAL. */
static int vmi_machine_fail_at(struct vmi_machine_parser *p, unsigned int line,
			       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define vmi_machine_fail(p, ...) vmi_machine_fail_at(p, (p)->line, __VA_ARGS__)

static int vmi_machine_lookup(const struct vmi_machine_name *t, size_t n,
			      const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return (int)t[i].value;
	return -1;
}

static const char *vmi_machine_name_of(const struct vmi_machine_name *t,
				       size_t n, unsigned int value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].value == value)
			return t[i].name;
	return NULL;
}

const char *vmi_machine_class_name(unsigned int dev_class)
{
	return vmi_layout_class_name(dev_class);
}

const char *vmi_machine_transport_name(unsigned int transport)
{
	return vmi_machine_name_of(
		vmi_machine_transports,
		VMI_MACHINE_ARRAY_SIZE(vmi_machine_transports), transport);
}

static const struct vmi_machine_feature *
vmi_machine_feature(unsigned int dev_class, const char *name, int bit)
{
	size_t i;

	for (i = 0; i < VMI_MACHINE_ARRAY_SIZE(vmi_machine_features); i++) {
		const struct vmi_machine_feature *f = &vmi_machine_features[i];

		if ((f->dev_class && f->dev_class != dev_class) ||
		    (name ? strcmp(f->name, name) : f->bit != bit))
			continue;
		return f;
	}
	return NULL;
}

int vmi_machine_features_str(unsigned int dev_class, uint64_t features,
			     char *buf, size_t len)
{
	int n = 0, bit;

	if (len)
		buf[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		const struct vmi_machine_feature *f;
		size_t at = (size_t)n < len ? (size_t)n : len;
		int w;

		if (!(features & (1ULL << bit)))
			continue;
		f = vmi_machine_feature(dev_class, NULL, bit);
		if (f)
			w = snprintf(buf + at, len - at, "%s%s", n ? "," : "",
				     f->name);
		else
			w = snprintf(buf + at, len - at, "%sbit%d",
				     n ? "," : "", bit);
		n += w;
	}
	return n;
}

/* Decimal or 0x hex; with units, a K, M or G suffix (powers of 1024). */
static int vmi_machine_number(const char *s, bool units, uint64_t *out)
{
	unsigned int base = 10, shift = 0;
	uint64_t v = 0;
	const char *q = s;

	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		base = 16;
		q += 2;
	}
	if (!*q)
		return -EINVAL;
	for (; *q; q++) {
		unsigned int dgt;

		if (*q >= '0' && *q <= '9')
			dgt = *q - '0';
		else if (base == 16 && *q >= 'a' && *q <= 'f')
			dgt = *q - 'a' + 10;
		else if (base == 16 && *q >= 'A' && *q <= 'F')
			dgt = *q - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - dgt) / base)
			return -ERANGE;
		v = v * base + dgt;
	}
	if (q == s || (q == s + 2 && base == 16))
		return -EINVAL;
	if (units && *q && !q[1]) {
		shift = *q == 'K' || *q == 'k' ? 10 :
			*q == 'M' || *q == 'm' ? 20 :
			*q == 'G' || *q == 'g' ? 30 :
						 0;
		if (shift)
			q++;
	}
	if (*q)
		return -EINVAL;
	if (shift && v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static int vmi_machine_mac(const char *s)
{
	unsigned int i;

	for (i = 0; i < 17; i++) {
		char ch = s[i];

		if (i % 3 == 2 ? ch != ':' :
				 !((ch >= '0' && ch <= '9') ||
				   (ch >= 'a' && ch <= 'f') ||
				   (ch >= 'A' && ch <= 'F')))
			return -EINVAL;
	}
	return s[17] ? -EINVAL : 0;
}

/*
 * Check the device's queues, slots and data size by the layout rule, so
 * that the line that set one of them gets the rule's own message.
 */
static int vmi_machine_check_layout(struct vmi_machine_parser *p,
				    unsigned int line, const char *value)
{
	struct vmi_machine_dev *d = p->dev;
	struct vmi_layout_params lp = {
		.dev_class = d->dev_class,
		.nr_queues = d->nr_queues,
		.ring_slots = d->ring_slots,
		.data_size = d->data_size,
	};
	char msg[200];

	if (vmi_layout_compute(&lp, &d->layout, msg, sizeof(msg)))
		return value ? vmi_machine_fail_at(p, line, "%s (%s)", msg,
						   value) :
			       vmi_machine_fail_at(
				       p, line, "device %s %u: %s",
				       vmi_machine_class_name(d->dev_class),
				       d->instance, msg);
	return 0;
}

static int vmi_machine_key_transport(struct vmi_machine_parser *p,
				     const char *value)
{
	int t = vmi_machine_lookup(
		vmi_machine_transports,
		VMI_MACHINE_ARRAY_SIZE(vmi_machine_transports), value);

	if (t < 0)
		return vmi_machine_fail(
			p, "transport must be process or ivshmem (%s)", value);
	p->dev->transport = t;
	return 0;
}

static int vmi_machine_key_socket(struct vmi_machine_parser *p,
				  const char *value)
{
	if (strlen(value) > VMI_MACHINE_SOCKET_MAX)
		return vmi_machine_fail(
			p, "socket path is longer than %u bytes (%s)",
			VMI_MACHINE_SOCKET_MAX, value);
	p->dev->socket = strdup(value);
	return p->dev->socket ? 0 : -ENOMEM;
}

/* bus:dev.fn in hex, as lspci prints it: 00:04.0 */
static int vmi_machine_key_pci(struct vmi_machine_parser *p, const char *value)
{
	unsigned int bus, dev, fn;
	char end;

	if (strlen(value) != 7 ||
	    sscanf(value, "%2x:%2x.%1x%c", &bus, &dev, &fn, &end) != 3 ||
	    value[2] != ':' || value[5] != '.' || dev > 31 || fn > 7)
		return vmi_machine_fail(
			p, "pci must be bus:dev.fn, e.g. 00:04.0 (%s)", value);
	p->dev->pci = (int32_t)(bus << 8 | dev << 3 | fn);
	return 0;
}

static int vmi_machine_key_u32(struct vmi_machine_parser *p, const char *value,
			       bool units, const char *what, uint32_t *out)
{
	uint64_t v;

	if (vmi_machine_number(value, units, &v) || v > UINT32_MAX)
		return vmi_machine_fail(
			p, "%s must be a number%s (%s)", what,
			units ? " with an optional K, M or G" : "", value);
	*out = (uint32_t)v;
	return 0;
}

static int vmi_machine_key_queues(struct vmi_machine_parser *p,
				  const char *value)
{
	uint32_t v = 0;
	int ret;

	/* Out of uint16_t range is out of the rule's range, too. */
	ret = vmi_machine_key_u32(p, value, false, "queues", &v);
	if (ret || v > UINT16_MAX)
		return ret ? ret :
			     vmi_machine_fail(p, "queues must be 1..%u (%s)",
					      VMI_MAX_QUEUES, value);
	p->dev->nr_queues = (uint16_t)v;
	return vmi_machine_check_layout(p, p->line, value);
}

static int vmi_machine_key_slots(struct vmi_machine_parser *p,
				 const char *value)
{
	uint32_t v = 0;
	int ret = vmi_machine_key_u32(p, value, false, "slots", &v);

	if (ret)
		return ret;
	p->dev->ring_slots = v;
	return vmi_machine_check_layout(p, p->line, value);
}

static int vmi_machine_key_data(struct vmi_machine_parser *p, const char *value)
{
	uint32_t v = 0;
	int ret = vmi_machine_key_u32(p, value, true, "data", &v);

	if (ret)
		return ret;
	p->dev->data_size = v;
	return vmi_machine_check_layout(p, p->line, value);
}

/* Feature names separated by blanks or commas. */
static int vmi_machine_key_features(struct vmi_machine_parser *p,
				    const char *value)
{
	char buf[VMI_MACHINE_MAX_LINE], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		const struct vmi_machine_feature *f =
			vmi_machine_feature(p->dev->dev_class, tok, -1);

		if (!f)
			return vmi_machine_fail(
				p, "unknown feature for a %s device (%s)",
				vmi_machine_class_name(p->dev->dev_class), tok);
		p->dev->features |= VMI_FEATURE(f->bit);
	}
	return 0;
}

static const struct {
	const char *key;
	int (*parse)(struct vmi_machine_parser *p, const char *value);
} vmi_machine_rom_keys[VMI_MACHINE_NR_ROM_KEYS] = {
	[VMI_MACHINE_TRANSPORT] = { "transport", vmi_machine_key_transport },
	[VMI_MACHINE_SOCKET] = { "socket", vmi_machine_key_socket },
	[VMI_MACHINE_PCI] = { "pci", vmi_machine_key_pci },
	[VMI_MACHINE_QUEUES] = { "queues", vmi_machine_key_queues },
	[VMI_MACHINE_SLOTS] = { "slots", vmi_machine_key_slots },
	[VMI_MACHINE_DATA] = { "data", vmi_machine_key_data },
	[VMI_MACHINE_FEATURES] = { "features", vmi_machine_key_features },
};

static int vmi_machine_backend_key(struct vmi_machine_parser *p,
				   const char *key, const char *value)
{
	struct vmi_machine_dev *d = p->dev;
	const struct vmi_machine_key *k = NULL;
	struct vmi_machine_opt *o;
	uint64_t num = 0;
	size_t i;

	for (i = 0; i < VMI_MACHINE_ARRAY_SIZE(vmi_machine_backend_keys); i++)
		if (vmi_machine_backend_keys[i].dev_class == d->dev_class &&
		    !strcmp(vmi_machine_backend_keys[i].key, key))
			k = &vmi_machine_backend_keys[i];
	if (!k)
		return vmi_machine_fail(p, "unknown key for a %s device (%s)",
					vmi_machine_class_name(d->dev_class),
					key);
	if (vmi_machine_opt(d, key))
		return vmi_machine_fail(p,
					"key given twice in device %s %u (%s)",
					vmi_machine_class_name(d->dev_class),
					d->instance, key);
	if (k->kind == VMI_MACHINE_FLAG && *value)
		return vmi_machine_fail(p, "%s takes no value (%s)", key,
					value);
	if (k->kind != VMI_MACHINE_FLAG && !*value)
		return vmi_machine_fail(p, "%s needs a value (%s)", key, key);
	if ((k->kind == VMI_MACHINE_SIZE || k->kind == VMI_MACHINE_NUMBER) &&
	    vmi_machine_number(value, k->kind == VMI_MACHINE_SIZE, &num))
		return vmi_machine_fail(p, "%s must be a number%s (%s)", key,
					k->kind == VMI_MACHINE_SIZE ?
						" with an optional K, M or G" :
						"",
					value);
	if (k->kind == VMI_MACHINE_MAC && vmi_machine_mac(value))
		return vmi_machine_fail(
			p,
			"%s must be a MAC address, e.g. 52:54:00:12:34:56 (%s)",
			key, value);

	o = realloc(d->opts, (d->nr_opts + 1) * sizeof(*o));
	if (!o)
		return -ENOMEM;
	d->opts = o;
	o = &d->opts[d->nr_opts];
	*o = (struct vmi_machine_opt){ .key = strdup(key),
				       .value = strdup(value),
				       .num = num,
				       .line = p->line };
	if (!o->key || !o->value) {
		free(o->key);
		free(o->value);
		return -ENOMEM;
	}
	d->nr_opts++;
	if (k->feature >= 0)
		d->features |= VMI_FEATURE(k->feature);
	return 0;
}

/*
 * "cycle-frequency HZ", before the first device: the TSC frequency the ROM
 * hands its guests (GetCycleFrequency), instead of the one vmi-rom build
 * measures on the host.
 */
static int vmi_machine_cycle_frequency(struct vmi_machine_parser *p,
				       const char *value)
{
	uint64_t hz;

	if (p->cycle_freq_line)
		return vmi_machine_fail(
			p, "cycle-frequency given twice, first at line %u (%s)",
			p->cycle_freq_line, value);
	if (vmi_machine_number(value, false, &hz) ||
	    hz < VMI_ROM_CYCLE_FREQ_MIN || hz > VMI_ROM_CYCLE_FREQ_MAX)
		return vmi_machine_fail(
			p,
			"cycle-frequency must be a number of Hz in %llu..%llu (%s)",
			VMI_ROM_CYCLE_FREQ_MIN, VMI_ROM_CYCLE_FREQ_MAX, value);
	p->cycle_freq_line = p->line;
	p->m->cycle_freq = hz;
	return 0;
}

static int vmi_machine_key(struct vmi_machine_parser *p, const char *key,
			   const char *value)
{
	unsigned int i;

	if (!p->dev && !strcmp(key, "cycle-frequency"))
		return vmi_machine_cycle_frequency(p, value);
	if (!p->dev)
		return vmi_machine_fail(
			p, "key before the first device line (%s)", key);
	for (i = 0; i < VMI_MACHINE_NR_ROM_KEYS; i++) {
		if (strcmp(vmi_machine_rom_keys[i].key, key))
			continue;
		if (p->seen_line[i])
			return vmi_machine_fail(
				p, "key given twice in device %s %u (%s)",
				vmi_machine_class_name(p->dev->dev_class),
				p->dev->instance, key);
		if (!*value)
			return vmi_machine_fail(p, "%s needs a value (%s)", key,
						key);
		p->seen_line[i] = p->line;
		return vmi_machine_rom_keys[i].parse(p, value);
	}
	return vmi_machine_backend_key(p, key, value);
}

/* The device is complete: required keys, the layout, clashes. */
static int vmi_machine_end_device(struct vmi_machine_parser *p)
{
	struct vmi_machine_dev *d = p->dev;
	const char *cls;
	unsigned int i;
	int ret;

	if (!d)
		return 0;
	cls = vmi_machine_class_name(d->dev_class);
	if (!d->transport)
		return vmi_machine_fail_at(
			p, d->line,
			"device %s %u has no transport (process or ivshmem)",
			cls, d->instance);
	if (d->transport == VMI_TRANSPORT_PROCESS && !d->socket)
		return vmi_machine_fail_at(
			p, d->line,
			"device %s %u has no socket (transport process)", cls,
			d->instance);
	if (d->transport == VMI_TRANSPORT_PROCESS && d->pci >= 0)
		return vmi_machine_fail_at(
			p, p->seen_line[VMI_MACHINE_PCI],
			"pci is for transport ivshmem only (%02x:%02x.%x)",
			d->pci >> 8, d->pci >> 3 & 31, d->pci & 7);
	if (d->transport == VMI_TRANSPORT_IVSHMEM && d->pci < 0)
		return vmi_machine_fail_at(
			p, d->line,
			"device %s %u has no pci (transport ivshmem)", cls,
			d->instance);
	ret = vmi_machine_check_layout(p, d->line, NULL);
	if (ret)
		return ret;
	for (i = 0; i + 1 < p->m->nr_devs; i++) {
		const struct vmi_machine_dev *o = &p->m->devs[i];

		if (d->socket && o->socket && !strcmp(d->socket, o->socket))
			return vmi_machine_fail_at(
				p, p->seen_line[VMI_MACHINE_SOCKET],
				"socket already used by device %s %u at line %u (%s)",
				vmi_machine_class_name(o->dev_class),
				o->instance, o->line, d->socket);
		if (d->pci >= 0 && o->pci == d->pci)
			return vmi_machine_fail_at(
				p, p->seen_line[VMI_MACHINE_PCI],
				"pci address already used by device %s %u at line %u (%02x:%02x.%x)",
				vmi_machine_class_name(o->dev_class),
				o->instance, o->line, d->pci >> 8,
				d->pci >> 3 & 31, d->pci & 7);
	}
	p->dev = NULL;
	return 0;
}

static int vmi_machine_device(struct vmi_machine_parser *p, const char *value)
{
	struct vmi_machine *m = p->m;
	struct vmi_machine_dev *d;
	char cls[32], extra;
	uint64_t inst;
	int c, n = 0;
	unsigned int i;

	if (sscanf(value, "%31s %n", cls, &n) != 1 || !n)
		return vmi_machine_fail(
			p,
			"device needs a class and an instance, e.g. blk 0 (%s)",
			value);
	/* The layout rule's table says which classes exist. */
	c = (int)vmi_layout_class_by_name(cls);
	if (!c)
		return vmi_machine_fail(
			p, "unknown device class, see docs/MACHINE.md (%s)",
			cls);
	if (sscanf(value + n, "%*s %c", &extra) == 1 ||
	    vmi_machine_number(value + n, false, &inst) || inst > UINT16_MAX)
		return vmi_machine_fail(
			p, "device instance must be a number 0..65535 (%s)",
			value + n);
	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i].dev_class == c && m->devs[i].instance == inst)
			return vmi_machine_fail(
				p,
				"device %s %u defined twice, first at line %u (%s)",
				cls, (unsigned int)inst, m->devs[i].line,
				value);
	if (m->nr_devs == VMI_MACHINE_MAX_DEVS)
		return vmi_machine_fail(p, "more than %u devices (%s)",
					VMI_MACHINE_MAX_DEVS, value);

	d = &m->devs[m->nr_devs++];
	*d = (struct vmi_machine_dev){
		.dev_class = (uint16_t)c,
		.instance = (uint16_t)inst,
		/* Defaults: docs/MACHINE.md. */
		.nr_queues = c == VMI_DEV_CLASS_NET ? 2 : 1,
		.ring_slots = 256,
		.data_size = 1 << 20,
		.features = VMI_FEATURE(VMI_F_VERSION_1),
		.pci = -1,
		.line = p->line,
	};
	p->dev = d;
	memset(p->seen_line, 0, sizeof(p->seen_line));
	return 0;
}

/* One line, NUL-terminated in buf: strip the comment, split, dispatch. */
static int vmi_machine_line(struct vmi_machine_parser *p, char *buf)
{
	char *key, *value, *e;
	size_t i;

	for (i = 0; buf[i]; i++) {
		unsigned char ch = buf[i];

		if (ch == '#' &&
		    (!i || buf[i - 1] == ' ' || buf[i - 1] == '\t')) {
			buf[i] = '\0';
			break;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return vmi_machine_fail(p, "control character (0x%02x)",
						ch);
	}
	key = buf + strspn(buf, " \t");
	e = key + strlen(key);
	while (e > key && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	if (!*key)
		return 0;
	value = key + strcspn(key, " \t");
	if (*value) {
		*value++ = '\0';
		value += strspn(value, " \t");
	}
	if (!strcmp(key, "device")) {
		int ret = vmi_machine_end_device(p);

		return ret ? ret : vmi_machine_device(p, value);
	}
	return vmi_machine_key(p, key, value);
}

int vmi_machine_parse(const char *name, const char *text, size_t len,
		      struct vmi_machine *m, char *err, size_t errlen)
{
	struct vmi_machine_parser p = {
		.name = name, .m = m, .err = err, .errlen = errlen
	};
	char buf[VMI_MACHINE_MAX_LINE];
	size_t at = 0;
	int ret = 0;

	m->nr_devs = 0;
	m->cycle_freq = 0;
	m->devs = calloc(VMI_MACHINE_MAX_DEVS, sizeof(*m->devs));
	if (!m->devs)
		return -ENOMEM;
	while (!ret && at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - at;

		p.line++;
		if (n && text[at + n - 1] == '\r')
			n--;
		if (n >= sizeof(buf))
			ret = vmi_machine_fail(
				&p, "line longer than %zu bytes (%zu)",
				sizeof(buf) - 1, n);
		else if (memchr(text + at, '\0', n))
			ret = vmi_machine_fail(&p, "control character (0x00)");
		if (ret)
			break;
		memcpy(buf, text + at, n);
		buf[n] = '\0';
		ret = vmi_machine_line(&p, buf);
		at = end + 1;
	}
	if (!ret)
		ret = vmi_machine_end_device(&p);
	if (ret)
		vmi_machine_free(m);
	return ret;
}

int vmi_machine_load(const char *path, struct vmi_machine *m, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;
	int ret;

	m->devs = NULL;
	m->nr_devs = 0;
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	text = malloc(VMI_MACHINE_MAX_FILE + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(text, 1, VMI_MACHINE_MAX_FILE + 1, f);
	if (ferror(f) || n > VMI_MACHINE_MAX_FILE) {
		ret = ferror(f) ? -EIO : -EFBIG;
		snprintf(
			err, errlen, "%s: %s", path,
			ret == -EIO ?
				"read error" :
				"larger than 1 MiB, not a machine description");
	} else {
		ret = vmi_machine_parse(path, text, n, m, err, errlen);
	}
	free(text);
	fclose(f);
	return ret;
}

void vmi_machine_free(struct vmi_machine *m)
{
	unsigned int i, j;

	for (i = 0; m->devs && i < VMI_MACHINE_MAX_DEVS; i++) {
		struct vmi_machine_dev *d = &m->devs[i];

		for (j = 0; j < d->nr_opts; j++) {
			free(d->opts[j].key);
			free(d->opts[j].value);
		}
		free(d->opts);
		free(d->socket);
	}
	free(m->devs);
	m->devs = NULL;
	m->nr_devs = 0;
}

const struct vmi_machine_dev *vmi_machine_find(const struct vmi_machine *m,
					       uint16_t dev_class,
					       uint16_t instance)
{
	unsigned int i;

	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i].dev_class == dev_class &&
		    m->devs[i].instance == instance)
			return &m->devs[i];
	return NULL;
}

static const struct vmi_machine_opt *
vmi_machine_opt_find(const struct vmi_machine_dev *d, const char *key)
{
	unsigned int i;

	for (i = 0; i < d->nr_opts; i++)
		if (!strcmp(d->opts[i].key, key))
			return &d->opts[i];
	return NULL;
}

const char *vmi_machine_opt(const struct vmi_machine_dev *d, const char *key)
{
	const struct vmi_machine_opt *o = vmi_machine_opt_find(d, key);

	return o ? o->value : NULL;
}

uint64_t vmi_machine_opt_num(const struct vmi_machine_dev *d, const char *key,
			     uint64_t def)
{
	const struct vmi_machine_opt *o = vmi_machine_opt_find(d, key);

	return o ? o->num : def;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the machine-description parser on any text. Every
 * input either parses into devices whose layout the rule accepts, or is
 * refused with a "NAME:LINE: " message; nothing leaks either way.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vmi_machine.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmi_machine m;
	char err[512] = "";
	unsigned int i;

	if (vmi_machine_parse("f", (const char *)data, size, &m, err,
			      sizeof(err))) {
		if (strncmp(err, "f:", 2) && err[0])
			__builtin_trap(); /* a message without its line */
		return 0;
	}
	for (i = 0; i < m.nr_devs; i++) {
		struct vmi_layout l;

		if (vmi_layout_compute(&m.devs[i].layout.p, &l, NULL, 0) ||
		    l.shm_size != m.devs[i].layout.shm_size)
			__builtin_trap();
	}
	vmi_machine_free(&m);
	return 0;
}

# The Linux guest kernel modules (vmi_core.ko, vmiblk.ko, vminet.ko), built by Kbuild
# against the installed linux-headers-amd64 (the kernel that the QEMU tests
# boot, which is not the kernel this machine runs).
#
# Kbuild builds only inside the folder it is given, so the module folder in
# $(O)/linux holds symbolic links: to the module sources here and to the
# kernel-compatible files of the vmi-core guest library, which are the same
# files user-space guests compile (no copies).

# The newest installed linux-headers-*-amd64, and the vmlinuz of that version.
VMI_KVER ?= $(patsubst /usr/src/linux-headers-%,%,$(lastword $(sort \
	$(wildcard /usr/src/linux-headers-*-amd64))))
VMI_KDIR ?= /usr/src/linux-headers-$(VMI_KVER)
VMI_KMOD_DIR := $(O)/linux

# Module sources (here) and the shared guest-library files they link.
VMI_KMOD_SRCS := $(wildcard guest-drivers/linux/*.c guest-drivers/linux/*.h) \
	guest-drivers/linux/Kbuild
VMI_KMOD_LIB_FILES := layout.c rom_validate.c guest.c
VMI_KMOD_LIB := $(addprefix vmi-core/lib/,$(VMI_KMOD_LIB_FILES))
VMI_KMODS := $(VMI_KMOD_DIR)/vmi_core.ko $(VMI_KMOD_DIR)/vmiblk.ko \
	$(VMI_KMOD_DIR)/vminet.ko

PROGS += $(VMI_KMODS)

# Headers the module sources include, for the rebuild decision only (Kbuild
# tracks them itself once it runs).
VMI_KMOD_DEPS := $(wildcard include/vmi/*.h shared-ring/*.h \
	vmi-core/include/*.h vmi-core/lib/*.h)

$(VMI_KMODS) &: $(VMI_KMOD_SRCS) $(VMI_KMOD_LIB) $(VMI_KMOD_DEPS)
	@test -d $(VMI_KDIR) || { echo "no kernel headers in $(VMI_KDIR)" \
		"(install linux-headers-amd64: make deps)" >&2; exit 1; }
	@mkdir -p $(VMI_KMOD_DIR)
	@for f in $(VMI_KMOD_SRCS) $(VMI_KMOD_LIB) vmi-core/lib/compat.h; do \
		ln -sf $(CURDIR)/$$f $(VMI_KMOD_DIR)/; done
	# O= (empty): our output folder, given as make O=..., must not reach
	# Kbuild, for which O names the kernel's own build folder.
	$(MAKE) -C $(VMI_KDIR) M=$(CURDIR)/$(VMI_KMOD_DIR) O= \
		VMI_ROOT=$(CURDIR) VMI_LIB_OBJS="$(VMI_KMOD_LIB_FILES:.c=.o)" \
		modules

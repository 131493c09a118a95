# The VMI64 guest kernel: Debian's linux-source-6.1 with the patch series
# and config fragment of guest-drivers/linux/vmi64, built as
# $(O)/vmi64/bzImage (make guest-kernel). The same bzImage runs natively
# and bound to a vmipv ROM (tests/vm/vmi64.sh boots both).
#
# The unpacked, patched and configured tree is redone only when the
# patches, the fragment or this file change (tree.stamp); the vmi-core
# files the kernel compiles are symbolic links into this tree (no copies),
# so an edit of them rebuilds incrementally.

VMI64_KSRC ?= /usr/src/linux-source-6.1.tar.xz
VMI64_DIR := $(O)/vmi64
VMI64_KTREE := $(VMI64_DIR)/linux-source-6.1
VMI64_BZIMAGE := $(VMI64_DIR)/bzImage
VMI64_PATCHES := $(sort $(wildcard guest-drivers/linux/vmi64/*.patch))
VMI64_CONFIG := guest-drivers/linux/vmi64/vmi64.config
# vmi-core's validator and binder, and the headers they and vmi64.c read.
VMI64_LIB := $(addprefix vmi-core/lib/,rom_validate.c layout.c guest.c \
	compat.h)
VMI64_DEPS := $(VMI64_LIB) $(wildcard include/vmi/*.h vmi-core/include/*.h \
	shared-ring/*.h)

.PHONY: guest-kernel
guest-kernel: $(VMI64_BZIMAGE)

$(VMI64_DIR)/tree.stamp: $(VMI64_PATCHES) $(VMI64_CONFIG) \
		guest-drivers/linux/kernel.mk
	@test -r $(VMI64_KSRC) || { echo "no $(VMI64_KSRC)" \
		"(install linux-source-6.1: make deps)" >&2; exit 1; }
	rm -rf $(VMI64_KTREE) $@
	mkdir -p $(VMI64_DIR)
	tar -xJf $(VMI64_KSRC) -C $(VMI64_DIR)
	for p in $(VMI64_PATCHES); do \
		patch -d $(VMI64_KTREE) -p1 -s -N <$$p || exit 1; done
	# O= (empty): our output folder must not reach Kbuild (see linux.mk).
	$(MAKE) -C $(VMI64_KTREE) O= -s tinyconfig
	cd $(VMI64_KTREE) && scripts/kconfig/merge_config.sh -m .config \
		$(CURDIR)/$(VMI64_CONFIG) >/dev/null
	$(MAKE) -C $(VMI64_KTREE) O= -s olddefconfig
	@grep -qx CONFIG_VMI64=y $(VMI64_KTREE)/.config || { \
		echo "$(VMI64_KTREE)/.config: CONFIG_VMI64 did not survive" \
			"olddefconfig" >&2; exit 1; }
	touch $@

$(VMI64_BZIMAGE): $(VMI64_DIR)/tree.stamp $(VMI64_DEPS)
	@d=$(VMI64_KTREE)/arch/x86/kernel/vmi64; \
	for f in $(VMI64_LIB); do ln -sf $(CURDIR)/$$f $$d/; done; \
	ln -sfn $(CURDIR)/include $$d/include; \
	ln -sfn $(CURDIR)/vmi-core/include $$d/core-include; \
	ln -sfn $(CURDIR)/shared-ring $$d/shared-ring
	$(MAKE) -C $(VMI64_KTREE) O= -j$$(nproc) bzImage
	cp $(VMI64_KTREE)/arch/x86/boot/bzImage $@

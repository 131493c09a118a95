# tests/vm: the Linux guest modules in QEMU (software emulation), found
# through the VMI ROM and served by vmi-blkback and vmi-netback over
# ivshmem. The initramfs is built with everything else; the test boots it
# four times (block ROM, network ROM, no ROM, broken ROM), a few minutes
# in all.

VMI_VM_INITRAMFS := $(O)/vm/initramfs.cpio
PROGS += $(VMI_VM_INITRAMFS)
TESTS += tests/vm/run.sh@$(O)@$(VMI_KVER)

$(VMI_VM_INITRAMFS): tests/vm/mkinitramfs.sh tests/vm/guest-init.sh \
		$(VMI_KMODS)
	@mkdir -p $(@D)
	tests/vm/mkinitramfs.sh $(VMI_KVER) $(VMI_KMOD_DIR) $@

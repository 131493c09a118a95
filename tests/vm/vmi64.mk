# tests/vm/vmi64.sh: the VMI64 guest kernel ($(O)/vmi64/bzImage, from
# guest-drivers/linux/kernel.mk) booted natively, bound to the
# qemu-ivshmem ROM, and with broken ROMs. The kernel is part of all.

PROGS += $(VMI64_BZIMAGE)
TESTS += tests/vm/vmi64.sh@$(O)

# vmi-core: the ROM code of each hypervisor flavour, the vmi-rom tool that
# builds images from it, and the library of guest binding (kernel-compatible
# files), layout rule and machine descriptions.
#
# Other fragments link $(VMI_CORE_LIB) and build ROM images with $(VMI_ROM):
#   $(VMI_ROM) build --flavour process --machine FILE -o IMAGE

VMI_CORE_LIB := $(O)/vmi-core/libvmicore.a
VMI_ROM := $(O)/vmi-core/vmi-rom
VMI_ROM_FLAVOURS := process qemu-ivshmem
PROGS += $(VMI_CORE_LIB) $(VMI_ROM)

VMI_CORE_LIB_OBJS := $(addprefix $(O)/vmi-core/lib/,layout.o rom_validate.o \
	guest.o guest_user.o machine.o)

$(VMI_CORE_LIB): $(VMI_CORE_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# ---- ROM code: freestanding, position-independent, no relocations --------
#
# Built with gcc whatever CC is (clang 14 lacks -mgeneral-regs-only on
# x86), never with the sanitizers: it runs inside guests, not in our tests'
# address-space checks. rom.ld links each flavour at the code area's offset;
# a dynamic relocation left in the result fails the build, and only the
# .rom section becomes the flat blob that vmi-rom embeds.
VMI_ROM_CC ?= gcc
VMI_ROM_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes -Wstack-usage=128 \
	-ffreestanding -fno-builtin -nostdlib -mno-red-zone \
	-mgeneral-regs-only -fcf-protection=branch -fpie -fvisibility=hidden \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-tree-loop-distribute-patterns -Iinclude
VMI_ROM_OUT := $(O)/vmi-core/rom
VMI_ROM_BLOBS := $(VMI_ROM_FLAVOURS:%=$(VMI_ROM_OUT)/%.bin)

$(VMI_ROM_OUT)/%.rom.o: vmi-core/rom/%.c
	@mkdir -p $(@D)
	$(VMI_ROM_CC) $(VMI_ROM_CFLAGS) -MMD -MP -c $< -o $@

define VMI_ROM_FLAVOUR_RULES
$(VMI_ROM_OUT)/$(1).elf: $(VMI_ROM_OUT)/rom_common.rom.o \
		$(VMI_ROM_OUT)/rom_$(subst -,_,$(1)).rom.o vmi-core/rom/rom.ld
	$(LD) -pie --no-dynamic-linker -z text -z noexecstack \
		--no-warn-rwx-segments -T vmi-core/rom/rom.ld -o $$@ \
		$$(filter %.o,$$^)
	@readelf -rW $$@ | grep -q '^There are no relocations' || { \
		echo "$$@: ROM code needs relocations:" >&2; \
		readelf -rW $$@ >&2; rm -f $$@; exit 1; }

$(VMI_ROM_OUT)/$(1).bin: $(VMI_ROM_OUT)/$(1).elf
	objcopy -O binary -j .rom $$< $$@
endef
$(foreach f,$(VMI_ROM_FLAVOURS),$(eval $(call VMI_ROM_FLAVOUR_RULES,$(f))))

# ---- vmi-rom ---------------------------------------------------------------

VMI_ROM_TOOL_OBJS := $(addprefix $(O)/vmi-core/tool/,vmi_rom.o rom_build.o \
	rom_inspect.o blobs.o)

$(O)/vmi-core/tool/blobs.o: vmi-core/tool/blobs.S $(VMI_ROM_BLOBS)
	@mkdir -p $(@D)
	$(CC) -c -Wa,-I$(VMI_ROM_OUT) -o $@ $<

$(VMI_ROM): $(VMI_ROM_TOOL_OBJS) $(VMI_CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^

# ---- Tests -----------------------------------------------------------------
#
# The images the tests use are built by vmi-rom from the machine files in
# tests/vmi-core/, one per flavour.

VMI_CORE_T := $(O)/tests/vmi-core
VMI_CORE_TEST_ROMS := $(VMI_ROM_FLAVOURS:%=$(VMI_CORE_T)/%.rom)
VMI_CORE_TESTS := test_rom_validate test_rom_bind test_machine test_vmi_rom \
	test_layout test_rom_calls
PROGS += $(VMI_CORE_TEST_ROMS) $(VMI_CORE_TESTS:%=$(VMI_CORE_T)/%)

$(VMI_CORE_T)/%.rom: tests/vmi-core/%.machine $(VMI_ROM)
	@mkdir -p $(@D)
	$(VMI_ROM) build --flavour $* --machine $< -o $@

# Each test binary depends on the images, so that building the binary
# (as make SAN=1 san-build does) is enough to run it.
$(VMI_CORE_TESTS:%=$(VMI_CORE_T)/%): $(VMI_CORE_T)/%: $(VMI_CORE_T)/%.o \
		$(VMI_CORE_T)/rom_test.o $(VMI_CORE_LIB) | $(VMI_CORE_TEST_ROMS)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lpthread

VMI_CORE_ROM_ARGS := @$(VMI_CORE_T)/process.rom@$(VMI_CORE_T)/qemu-ivshmem.rom
VMI_CORE_TEST_ENTRIES := \
	$(VMI_CORE_T)/test_rom_validate$(VMI_CORE_ROM_ARGS) \
	$(VMI_CORE_T)/test_rom_bind$(VMI_CORE_ROM_ARGS) \
	$(VMI_CORE_T)/test_rom_calls$(VMI_CORE_ROM_ARGS) \
	$(VMI_CORE_T)/test_machine \
	$(VMI_CORE_T)/test_layout \
	$(VMI_CORE_T)/test_vmi_rom@$(VMI_ROM)@tests/vmi-core$(VMI_CORE_ROM_ARGS)
TESTS += $(VMI_CORE_TEST_ENTRIES)
SAN_TESTS += $(VMI_CORE_TEST_ENTRIES)

# The legacy probe: Linux's i386 VMI probe (2.6.21-2.6.36) rebuilt as a
# 32-bit program, which must refuse our API-4 images. gcc -m32 whatever CC
# is, and never with the sanitizers: it stands for an old i386 kernel, not
# for our code (gcc-multilib, scripts/deps.sh).
VMI_CORE_LEGACY := $(VMI_CORE_T)/legacy_probe32
PROGS += $(VMI_CORE_LEGACY)

$(VMI_CORE_LEGACY): tests/vmi-core/legacy_probe32.c
	@mkdir -p $(@D)
	gcc -m32 -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

TESTS += tests/vmi-core/legacy_probe.sh@$(VMI_CORE_LEGACY)$(VMI_CORE_ROM_ARGS)

# ---- Fuzzers: the ROM validator and the machine-description parser --------

VMI_CORE_FUZZ := $(O)/fuzz/vmi-core
FUZZERS += $(VMI_CORE_FUZZ)/fuzz_rom_validate $(VMI_CORE_FUZZ)/fuzz_machine

$(VMI_CORE_FUZZ)/fuzz_rom_validate: \
		$(O)/fuzz/tests/fuzz/vmi-core/fuzz_rom_validate.o \
		$(O)/fuzz/vmi-core/lib/rom_validate.o \
		$(O)/fuzz/vmi-core/lib/layout.o
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $^

$(VMI_CORE_FUZZ)/fuzz_machine: $(O)/fuzz/tests/fuzz/vmi-core/fuzz_machine.o \
		$(O)/fuzz/vmi-core/lib/machine.o $(O)/fuzz/vmi-core/lib/layout.o
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $^

TESTS += tests/fuzz/run-fuzzer.sh@$(VMI_CORE_FUZZ)/fuzz_rom_validate@tests/fuzz/corpus/vmi_rom@20000 \
	tests/fuzz/run-fuzzer.sh@$(VMI_CORE_FUZZ)/fuzz_machine@tests/fuzz/corpus/vmi_rom_machine@20000

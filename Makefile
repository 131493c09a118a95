# vmipv top-level Makefile.
#
# Every component adds its programs, libraries and tests from a fragment of
# its own (<dir>/build.mk), so that adding a component, or a device class,
# touches one line here and nothing in the other fragments.
#
#   make            build everything into $(O)
#   make check      install missing packages, build with -Werror, run every test
#   make test       build and run every test (no package check)
#   make test SAN=1 every test from an AddressSanitizer + UBSan build
#   make demo       the main job: backends, a guest, a short fio + iperf3 run
#   make bench      the full benchmark campaign (about an hour)
#   make deps       install every Debian package the project uses (root)
#                   (CEPH=1: also the Ceph daemons for the RBD tests)
#   make format     reformat all C with .clang-format; format-check verifies

.DEFAULT_GOAL := all
SHELL := /bin/bash

SAN ?= 0
ifeq ($(SAN),1)
O ?= build/san
else
O ?= build/default
endif

ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
# The test runner's per-test timeout, seconds.
TEST_TIMEOUT ?= 600

BASE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes -D_GNU_SOURCE \
	-Iinclude -Ishared-ring -Ivmi-core/include
ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
endif
CFLAGS += $(BASE_CFLAGS) $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)

# ThreadSanitizer builds (the rings) and libFuzzer builds (every parser of
# guest or ROM bytes) have their own flags and output folders.
TSAN_CFLAGS := $(BASE_CFLAGS) -fsanitize=thread -O1
FUZZ_CFLAGS := $(filter-out -Wmissing-prototypes,$(BASE_CFLAGS)) \
	-fsanitize=fuzzer,address,undefined -O1

# Filled in by the fragments. SAN_TESTS are the tests that make check runs a
# second time from an ASan+UBSan build (unit tests of everything that reads
# peer or file data); they name $(O), so they resolve to build/san there.
PROGS :=
TESTS :=
SAN_TESTS :=
FUZZERS :=
CLEAN_EXTRA :=

include mk/rules.mk
include tests/build.mk
include $(sort $(wildcard shared-ring/*.mk vmi-core/*.mk guest-drivers/*/*.mk \
	host-backends/*/*.mk perf/*/*.mk tests/vm/*.mk))

.PHONY: all deps check test demo bench format format-check clean san-build \
	check-installed demo-installed bench-installed

all: $(PROGS) $(FUZZERS)

# The executables behind SAN_TESTS (entries are "program@arg@arg").
san-build: $(foreach t,$(SAN_TESTS),$(firstword $(subst @, ,$(t))))

deps:
	scripts/deps.sh $(if $(CEPH),--ceph)

# make check, demo and bench install what is missing first, then run the
# real work in a second make. Make expands every $(shell ...) and
# $(wildcard ...) of the fragments (the guest kernel's version, DPDK's
# flags, fio's source) when it reads them, before any recipe runs: only a
# make started after deps.sh sees the installed system.
check demo bench:
	scripts/deps.sh --if-missing
	$(MAKE) --no-print-directory $@-installed

check-installed:
	$(MAKE) format-check
	$(MAKE) all
	$(MAKE) SAN=1 san-build
	tests/run-tests.sh --timeout $(TEST_TIMEOUT) $(TESTS) \
		$(shell $(MAKE) -s --no-print-directory SAN=1 print-SAN_TESTS)

demo-installed: all
	scripts/demo.sh

bench-installed: all
	perf/bench.sh

# Run the tests without the package check (a developer's inner loop).
test: all
	tests/run-tests.sh --timeout $(TEST_TIMEOUT) $(TESTS)

C_SOURCES = $(shell git ls-files -co --exclude-standard '*.c' '*.h')

format:
	clang-format -i $(C_SOURCES)

format-check:
	clang-format --dry-run --Werror $(C_SOURCES)

clean:
	rm -rf build $(CLEAN_EXTRA)

# make print-TESTS (or any variable): what a fragment contributed.
print-%:
	@echo $($*)

# Tests that belong to no single component: the ABI headers against
# docs/ABI.md. Component tests live in their own build.mk.

ABI_TEST := $(O)/tests/test_abi
PROGS += $(ABI_TEST)
TESTS += $(ABI_TEST)@docs/ABI.md
SAN_TESTS += $(ABI_TEST)@docs/ABI.md

$(ABI_TEST): $(O)/tests/test_abi.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

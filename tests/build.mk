# Tests that belong to no single component: the ABI headers against
# docs/ABI.md. Component tests live in their own build.mk.

ABI_TEST := $(O)/tests/test_abi
PROGS += $(ABI_TEST)
TESTS += $(ABI_TEST)
SAN_TESTS += $(ABI_TEST)

# The tests that read files of the source tree find them from any folder.
$(O)/tests/test_abi.o $(O)/tests/vmi-core/test_machine.o: \
	CFLAGS += -DVMI_SRCDIR='"$(CURDIR)"'

$(ABI_TEST): $(O)/tests/test_abi.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

# The ABI headers compile alone as C and C++ (headers.sh); sparse finds wire
# fields used without a byte-order conversion, in user space and in the
# guest modules (sparse.sh works in $(O)/sparse).
TESTS += tests/abi/headers.sh tests/abi/sparse.sh@$(O)

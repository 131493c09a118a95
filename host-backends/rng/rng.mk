# The entropy device class (docs/DEVICE-CLASS.md walks through every line):
# vmi-rngback, its request validator's unit test and libFuzzer target, and
# the end-to-end test (tests/rng/rng.sh) with the guest's vmirng-read. The
# guest library and vmirng-read are in guest-drivers/user/rng.mk.

RNGBACK := $(O)/host-backends/rng/vmi-rngback
RNGBACK_OBJS := $(addprefix $(O)/host-backends/rng/, rngback.o rng_req.o)
RNG_REQ_TEST := $(O)/tests/rng/test_rng_req
RNG_REQ_FUZZ := $(O)/fuzz/tests/fuzz/rng/fuzz_rng_req

PROGS += $(RNGBACK) $(RNG_REQ_TEST)
FUZZERS += $(RNG_REQ_FUZZ)
TESTS += $(RNG_REQ_TEST) \
	tests/fuzz/run-fuzzer.sh@$(RNG_REQ_FUZZ)@tests/fuzz/corpus/vmi_rng_req@20000 \
	tests/rng/rng.sh@$(O)
SAN_TESTS += $(RNG_REQ_TEST) tests/rng/rng.sh@$(O)

$(RNGBACK_OBJS): CFLAGS += -Ihost-backends/transport
$(O)/tests/rng/test_rng_req.o: CFLAGS += -Ihost-backends/rng
$(O)/fuzz/tests/fuzz/rng/fuzz_rng_req.o: FUZZ_CFLAGS += -Ihost-backends/rng

# (Paths, not the other fragments' variables: those are read later.)
$(RNGBACK): $(RNGBACK_OBJS) $(O)/host-backends/transport/libvmi-transport.a \
		$(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

$(RNG_REQ_TEST): $(O)/tests/rng/test_rng_req.o $(O)/host-backends/rng/rng_req.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(RNG_REQ_FUZZ): $(O)/fuzz/tests/fuzz/rng/fuzz_rng_req.o \
		$(O)/fuzz/host-backends/rng/rng_req.o
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $^

# Building the script's entry (as make SAN=1 san-build does) builds what
# it runs.
tests/rng/rng.sh: $(RNGBACK) $(O)/guest-drivers/user/vmirng-read \
	$(O)/vmi-core/vmi-rom

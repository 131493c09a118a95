# shared-ring: the ring is header-only (vmi_ring.h, vmi_barrier.h); this
# fragment builds and registers its tests.
#
#   test_ring      cmocka unit tests (also from the ASan+UBSan build)
#   stress_ring    100 million items between two threads under
#                  ThreadSanitizer, and between two processes over a memfd
#   fuzz_ring      libFuzzer: our producer and consumer against a hostile peer
#   run-model.sh   spin model of the notification protocol, with broken
#                  variants that must fail
#   kernel-compile.sh   the header built in a kernel module (Kbuild, -Werror)

RING_TEST := $(O)/tests/ring/test_ring
RING_STRESS := $(O)/tests/ring/stress_ring
RING_STRESS_TSAN := $(O)/tsan/tests/ring/stress_ring
RING_FUZZ := $(O)/fuzz/tests/fuzz/ring/fuzz_ring
RING_STRESS_ITEMS := 100000000

PROGS += $(RING_TEST) $(RING_STRESS) $(RING_STRESS_TSAN)
FUZZERS += $(RING_FUZZ)
TESTS += $(RING_TEST) \
	$(RING_STRESS_TSAN)@--threads@--items@$(RING_STRESS_ITEMS) \
	$(RING_STRESS)@--processes@--items@$(RING_STRESS_ITEMS) \
	tests/fuzz/run-fuzzer.sh@$(RING_FUZZ)@tests/fuzz/corpus/vmi_ring@20000 \
	tests/model/run-model.sh tests/ring/kernel-compile.sh
SAN_TESTS += $(RING_TEST) \
	$(RING_STRESS)@--processes@--items@$(RING_STRESS_ITEMS)

$(RING_TEST): $(O)/tests/ring/test_ring.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(RING_STRESS): $(O)/tests/ring/stress_ring.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

# Not $(LDFLAGS): with SAN=1 they carry ASan, which excludes TSan.
$(RING_STRESS_TSAN): $(O)/tsan/tests/ring/stress_ring.o
	$(CC) -fsanitize=thread -o $@ $^ -lpthread

$(RING_FUZZ): $(O)/fuzz/tests/fuzz/ring/fuzz_ring.o
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $^

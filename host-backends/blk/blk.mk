# vmi-blkback (io_uring block backend), its request validator's unit test
# and libFuzzer target, and the block path's end-to-end tests (tests/blk/).

BLKBACK := $(O)/host-backends/blk/vmi-blkback
BLKBACK_OBJS := $(addprefix $(O)/host-backends/blk/, \
	main.o queue.o target.o target_nbd.o target_rbd.o stats.o blk_req.o)
BLK_REQ_TEST := $(O)/tests/blk/test_blk_req
BLK_REQ_FUZZ := $(O)/fuzz/tests/fuzz/blk/fuzz_blk_req

FUZZERS += $(BLK_REQ_FUZZ)
PROGS += $(BLK_REQ_TEST)
TESTS += $(BLK_REQ_TEST) \
	tests/fuzz/run-fuzzer.sh@$(BLK_REQ_FUZZ)@tests/fuzz/corpus/vmi_blk_req@20000
SAN_TESTS += $(BLK_REQ_TEST)

$(BLKBACK_OBJS): CFLAGS += -Ihost-backends/transport
$(O)/tests/blk/test_blk_req.o: CFLAGS += -Ihost-backends/blk
$(O)/fuzz/tests/fuzz/blk/fuzz_blk_req.o: FUZZ_CFLAGS += -Ihost-backends/blk

# (Paths, not the other fragments' variables: those are read later.)
$(BLKBACK): $(BLKBACK_OBJS) $(O)/host-backends/transport/libvmi-transport.a \
		$(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^ -luring -lnbd -lrbd -lrados -lpthread

$(BLK_REQ_TEST): $(O)/tests/blk/test_blk_req.o $(O)/host-backends/blk/blk_req.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(BLK_REQ_FUZZ): $(O)/fuzz/tests/fuzz/blk/fuzz_blk_req.o \
		$(O)/fuzz/host-backends/blk/blk_req.o
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $^

# vmi-blk-io: a process guest for the shell tests (tests/blk/blk_io.c).
BLK_IO := $(O)/tests/blk/vmi-blk-io
PROGS += $(BLKBACK) $(BLK_IO)

$(O)/tests/blk/blk_io.o: CFLAGS += -Iguest-drivers/user

$(BLK_IO): $(O)/tests/blk/blk_io.o $(O)/guest-drivers/user/libvmi-blk-user.a \
		$(O)/guest-drivers/user/libvmi-conn.a $(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

# vmi-blk-hostile: a guest that breaks the protocol (tests/blk/blk_hostile.c).
BLK_HOSTILE := $(O)/tests/blk/vmi-blk-hostile
PROGS += $(BLK_HOSTILE)

$(O)/tests/blk/blk_hostile.o: CFLAGS += -Iguest-drivers/user

$(BLK_HOSTILE): $(O)/tests/blk/blk_hostile.o \
		$(O)/guest-drivers/user/libvmi-conn.a $(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^

# The block path end to end (tests/blk/*.sh, each takes the build folder):
# every operation and fio workload; the ABI 4.0 features (range lists,
# the cache toggle, GET_ID, topology, short reads of a shrunk target);
# 1 GiB of fio verify over two queues with independent readers;
# FLUSH/FUA then SIGKILL; a hostile guest; a stalled guest; a backend
# killed under fio; the NBD target on nbdkit
# (operations, fio verify, negotiation, the server lost and back); the
# RBD target on a throwaway Ceph cluster (skips without the Ceph
# packages). The short ones run again from the sanitizer build.
BLK_E2E := ops features fio-verify flush-kill hostile stall restart nbd rbd
TESTS += $(BLK_E2E:%=tests/blk/%.sh@$(O))
SAN_TESTS += tests/blk/ops.sh@$(O) tests/blk/features.sh@$(O) \
	tests/blk/hostile.sh@$(O) \
	tests/blk/flush-kill.sh@$(O) tests/blk/nbd.sh@$(O)

# The scripts run what make builds: building a script's entry (as make
# SAN=1 san-build does) builds the programs it runs.
$(BLK_E2E:%=tests/blk/%.sh): $(BLKBACK) $(BLK_IO) $(BLK_HOSTILE) \
	$(O)/guest-drivers/user/fio-vmiblk.so $(O)/vmi-core/vmi-rom

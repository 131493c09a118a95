# vmi-netback (the DPDK network backend), the unit tests of its TX
# validator and offload mapping, the validator's libFuzzer target, and the
# network path's end-to-end tests (tests/net/, which set up and tear down
# their own namespaces, hugepages and processes).

NETBACK_DIR := $(O)/host-backends/net
NETBACK := $(NETBACK_DIR)/vmi-netback
NETBACK_DPDK_OBJS := $(addprefix $(NETBACK_DIR)/, \
	main.o port.o offload.o worker.o guest.o stats.o)
NETBACK_OBJS := $(NETBACK_DPDK_OBJS) $(NETBACK_DIR)/net_tx.o
# The checksum helpers of rte_ip.h used here are experimental in 22.11.
DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null) \
	-DALLOW_EXPERIMENTAL_API
DPDK_LIBS := $(shell pkg-config --libs libdpdk 2>/dev/null)

NET_TX_TEST := $(O)/tests/net/test_net_tx
NET_OFFLOAD_TEST := $(O)/tests/net/test_net_offload
NET_TX_FUZZ := $(O)/fuzz/tests/fuzz/net/fuzz_net_tx

PROGS += $(NETBACK) $(NET_TX_TEST) $(NET_OFFLOAD_TEST)
FUZZERS += $(NET_TX_FUZZ)
TESTS += $(NET_TX_TEST) $(NET_OFFLOAD_TEST) \
	tests/fuzz/run-fuzzer.sh@$(NET_TX_FUZZ)@tests/fuzz/corpus/vmi_net_tx@20000
SAN_TESTS += $(NET_TX_TEST) $(NET_OFFLOAD_TEST)

$(NETBACK_DPDK_OBJS) $(O)/tests/net/test_net_offload.o: \
	CFLAGS += $(DPDK_CFLAGS) -Ihost-backends/transport -Ihost-backends/net
$(O)/tests/net/test_net_tx.o: CFLAGS += -Ihost-backends/net
$(O)/fuzz/tests/fuzz/net/fuzz_net_tx.o: FUZZ_CFLAGS += -Ihost-backends/net

# (Paths, not the other fragments' variables: those are read later.)
$(NETBACK): $(NETBACK_OBJS) $(O)/host-backends/transport/libvmi-transport.a \
		$(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^ $(DPDK_LIBS) -lpthread

$(NET_TX_TEST): $(O)/tests/net/test_net_tx.o $(NETBACK_DIR)/net_tx.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(NET_OFFLOAD_TEST): $(O)/tests/net/test_net_offload.o \
		$(NETBACK_DIR)/offload.o
	$(CC) $(LDFLAGS) -o $@ $^ $(DPDK_LIBS) -lcmocka

$(NET_TX_FUZZ): $(O)/fuzz/tests/fuzz/net/fuzz_net_tx.o \
		$(O)/fuzz/host-backends/net/net_tx.o
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $^

# End to end, each with its own namespaces, hugepages and processes.
TESTS += tests/net/iperf3.sh@$(O) tests/net/malformed.sh@$(O) \
	tests/net/stall.sh@$(O)

# perf/ring: ring-bench, the vmipv ring against DPDK's rte_ring SP/SC
# (built by `make all`, run by perf/ring/run.sh; never timed in a test).
# DPDK's headers come in as system headers so that our -Werror flags do not
# judge them.

RING_BENCH := $(O)/perf/ring/ring-bench
RING_BENCH_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libdpdk))
RING_BENCH_LIBS := $(shell pkg-config --libs libdpdk) -lpthread

PROGS += $(RING_BENCH)
# A tiny smoke run: the bench starts, finishes and writes well-formed JSON.
TESTS += perf/ring/smoke.sh@$(RING_BENCH)

$(O)/perf/ring/ring_bench.o: CFLAGS += $(RING_BENCH_CFLAGS)

$(RING_BENCH): $(O)/perf/ring/ring_bench.o
	$(CC) $(LDFLAGS) -o $@ $^ $(RING_BENCH_LIBS)

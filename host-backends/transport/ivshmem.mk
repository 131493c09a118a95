# The ivshmem transport's test: the server side against a client that
# plays QEMU's ivshmem-doorbell device (ivshmem.c itself is in the
# transport library, transport.mk).

IVSHMEM_TEST := $(O)/host-backends/transport/ivshmem_test
PROGS += $(IVSHMEM_TEST)
TESTS += $(IVSHMEM_TEST)
SAN_TESTS += $(IVSHMEM_TEST)

# (Paths, not the other fragments' variables: those are read later.)
$(IVSHMEM_TEST): $(O)/host-backends/transport/ivshmem_test.o \
		$(O)/host-backends/transport/libvmi-transport.a \
		$(O)/vmi-core/lib/layout.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lpthread

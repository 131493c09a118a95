# The host side of the transports, shared by every device backend: a static
# library that vmi-blkback and vmi-netback link.

TRANSPORT_LIB := $(O)/host-backends/transport/libvmi-transport.a
TRANSPORT_OBJS := $(addprefix $(O)/host-backends/transport/, \
	transport.o process.o ivshmem.o backend.o host_stats.o)
# Backends include vmi_transport.h from here.
TRANSPORT_CFLAGS := -Ihost-backends/transport

PROGS += $(TRANSPORT_LIB)

$(TRANSPORT_OBJS): CFLAGS += $(TRANSPORT_CFLAGS)

$(TRANSPORT_LIB): $(TRANSPORT_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# The process transport from both ends (tests/transport/test_process.c):
# the host side in a thread, guests through guest-drivers/user/conn.c and
# by hand.
PROCESS_TEST := $(O)/tests/transport/test_process
PROGS += $(PROCESS_TEST)
TESTS += $(PROCESS_TEST)
SAN_TESTS += $(PROCESS_TEST)

$(O)/tests/transport/test_process.o: CFLAGS += -Ihost-backends/transport \
	-Iguest-drivers/user

$(PROCESS_TEST): $(O)/tests/transport/test_process.o $(TRANSPORT_LIB) \
		$(O)/guest-drivers/user/libvmi-conn.a $(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lpthread

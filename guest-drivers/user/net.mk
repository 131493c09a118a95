# The user-space network guest: its library (libvmi-net-user: open a
# network device through the ROM and the process transport, move packets
# through its queue pairs), vminet-tap (a TAP interface on the device) and
# vminet-gen (a packet generator and test guest).

NET_USER_DIR := $(O)/guest-drivers/user
NET_USER_LIB := $(NET_USER_DIR)/libvmi-net-user.a
VMINET_TAP := $(NET_USER_DIR)/vminet-tap
VMINET_GEN := $(NET_USER_DIR)/vminet-gen

PROGS += $(NET_USER_LIB) $(VMINET_TAP) $(VMINET_GEN)

$(NET_USER_LIB): $(NET_USER_DIR)/net_user.o
	$(AR) rcs $@ $^

$(NET_USER_DIR)/net_user.o $(NET_USER_DIR)/vminet_%.o: \
	CFLAGS += -Iguest-drivers/user

# (Paths, not the other fragments' variables: those are read later.)
$(VMINET_TAP): $(NET_USER_DIR)/vminet_tap.o $(NET_USER_LIB) \
		$(NET_USER_DIR)/libvmi-conn.a $(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

$(VMINET_GEN): $(NET_USER_DIR)/vminet_gen.o $(NET_USER_LIB) \
		$(NET_USER_DIR)/libvmi-conn.a $(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^

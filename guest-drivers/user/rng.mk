# The user-space entropy guest (docs/DEVICE-CLASS.md): its library
# (libvmi-rng-user: open an entropy device through the ROM and the process
# transport, read random bytes) and vmirng-read, which writes them to
# stdout. The backend and the tests are in host-backends/rng/rng.mk.

RNG_USER_LIB := $(O)/guest-drivers/user/libvmi-rng-user.a
VMIRNG_READ := $(O)/guest-drivers/user/vmirng-read

PROGS += $(RNG_USER_LIB) $(VMIRNG_READ)

$(RNG_USER_LIB): $(O)/guest-drivers/user/rng_user.o
	$(AR) rcs $@ $^

# (Both objects get -Iguest-drivers/user from user.mk's pattern.)
# (Paths, not the other fragments' variables: those are read later.)
$(VMIRNG_READ): $(O)/guest-drivers/user/vmirng_read.o $(RNG_USER_LIB) \
		$(O)/guest-drivers/user/libvmi-conn.a $(O)/vmi-core/libvmicore.a
	$(CC) $(LDFLAGS) -o $@ $^

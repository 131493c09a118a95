# User-space guests: the guest side of the process transport (libvmi-conn,
# class-independent), the block library (libvmi-blk-user) and the fio
# external ioengine "vmiblk" built against the installed fio's configured
# source (scripts/deps.sh prepares build/fio-src/src).

USER_DIR := $(O)/guest-drivers/user
CONN_LIB := $(USER_DIR)/libvmi-conn.a
BLK_USER_LIB := $(USER_DIR)/libvmi-blk-user.a
FIO_VMIBLK := $(USER_DIR)/fio-vmiblk.so
USER_CFLAGS := -Iguest-drivers/user

# What a process guest links from vmi-core: the ROM loader, validator and
# binder, and the layout rule.
VMI_GUEST_SRCS := vmi-core/lib/guest.c vmi-core/lib/guest_user.c \
	vmi-core/lib/rom_validate.c vmi-core/lib/layout.c
VMI_GUEST_OBJS := $(patsubst %.c,$(O)/%.o,$(VMI_GUEST_SRCS))

PROGS += $(CONN_LIB) $(BLK_USER_LIB) $(FIO_VMIBLK)

$(USER_DIR)/%.o: CFLAGS += $(USER_CFLAGS)

$(CONN_LIB): $(USER_DIR)/conn.o
	$(AR) rcs $@ $^

$(BLK_USER_LIB): $(USER_DIR)/blk_dev.o $(USER_DIR)/blk_user.o
	$(AR) rcs $@ $^

# The engine is a shared object: everything in it is compiled -fPIC into
# $(O)/pic. fio's headers are taken as system headers (their warnings are
# fio's business), with fio's own feature macros.
FIO_SRC := build/fio-src/src
FIO_ENGINE_SRCS := guest-drivers/user/fio_vmiblk.c guest-drivers/user/conn.c \
	guest-drivers/user/blk_dev.c guest-drivers/user/blk_user.c \
	$(VMI_GUEST_SRCS)
FIO_ENGINE_OBJS := $(patsubst %.c,$(O)/pic/%.o,$(FIO_ENGINE_SRCS))
FIO_CFLAGS := -isystem $(FIO_SRC) -include $(FIO_SRC)/config-host.h \
	-D_LARGEFILE_SOURCE -D_FILE_OFFSET_BITS=64 -DFIO_INTERNAL

$(O)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(USER_CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(O)/pic/guest-drivers/user/fio_vmiblk.o: CFLAGS += $(FIO_CFLAGS)
$(O)/pic/guest-drivers/user/fio_vmiblk.o: $(FIO_SRC)/config-host.h

$(FIO_SRC)/config-host.h:
	@echo "fio's configured source is missing: run scripts/deps.sh" >&2
	@false

$(FIO_VMIBLK): $(FIO_ENGINE_OBJS)
	$(CC) $(LDFLAGS) -shared -o $@ $^ -lpthread

# Pattern rules shared by every fragment: objects and dependency files go
# under $(O) (or $(O)/tsan, $(O)/fuzz) mirroring the source tree.

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/tsan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(TSAN_CFLAGS) -MMD -MP -c $< -o $@

$(O)/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

# Not in $(O)/vmi64: the guest kernel's source tree (kernel.mk) has its own.
-include $(shell find $(O) -path $(O)/vmi64 -prune -o -name '*.d' -print \
	2>/dev/null)

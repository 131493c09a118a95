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

-include $(shell find $(O) -name '*.d' 2>/dev/null)

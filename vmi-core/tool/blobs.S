/*
 * The ROM code of each flavour, linked flat and position-independent by
 * vmi-core/build.mk ($(O)/vmi-core/rom/<flavour>.bin, found through the
 * assembler's include path), embedded in vmi-rom so that the tool alone
 * builds complete images.
 */
#define VMI_ROM_BLOB(sym, file)		\
	.globl sym, sym##_end;		\
	.balign 16;			\
sym:					\
	.incbin file;			\
sym##_end:

	.section .rodata.vmi_rom_code, "a", @progbits
VMI_ROM_BLOB(vmi_rom_code_process, "process.bin")
VMI_ROM_BLOB(vmi_rom_code_qemu_ivshmem, "qemu-ivshmem.bin")

	.section .note.GNU-stack, "", @progbits

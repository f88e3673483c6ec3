/* Entry: the ROM loader calls the address MEM_END names. The stub runs on
 * its own stack (the linker script's _stack_top) and never returns. */
	.section .text.entry,"ax"
	.global stub_entry
	.align 4
	.literal_position
	.literal .Lstack, _stack_top
	.literal .Lmain, stub_main
stub_entry:
	l32r	a1, .Lstack
	l32r	a0, .Lmain
	callx0	a0
1:	j	1b

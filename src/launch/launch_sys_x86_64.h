/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x86_64: the system call instruction and the process entry point. */
#ifndef S6L_SYS_X86_64_H
#define S6L_SYS_X86_64_H

/* Arguments in rdi, rsi, rdx, r10, r8; the kernel clobbers rcx and r11. */
static inline long s6l_sys(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;

	__asm__ volatile ("syscall"
			  : "=a"(ret)
			  : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
			  : "rcx", "r11", "memory");
	return ret;
}

/* The kernel starts us with argc at the stack pointer; the ABI wants the
 * stack 16-byte aligned at each call. */
#define S6L_DEFINE_START \
	__asm__(".text\n" \
		".global _start\n" \
		".type _start, @function\n" \
		"_start:\n" \
		"	xor %ebp, %ebp\n" \
		"	mov %rsp, %rdi\n" \
		"	and $-16, %rsp\n" \
		"	call s6l_entry\n" \
		"	hlt\n")

#endif

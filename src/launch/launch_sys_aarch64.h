/* SPDX-License-Identifier: GPL-2.0-or-later */
/* aarch64: the system call instruction and the process entry point. */
#ifndef S6L_SYS_AARCH64_H
#define S6L_SYS_AARCH64_H

/* Number in x8, arguments in x0..x4, the answer in x0. */
static inline long s6l_sys(long n, long a, long b, long c, long d, long e)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;

	__asm__ volatile ("svc 0"
			  : "+r"(x0)
			  : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			  : "memory", "cc");
	return x0;
}

/* The kernel starts us with argc at sp, which is 16-byte aligned. */
#define S6L_DEFINE_START \
	__asm__(".text\n" \
		".global _start\n" \
		".type _start, %function\n" \
		"_start:\n" \
		"	mov x29, #0\n" \
		"	mov x30, #0\n" \
		"	mov x0, sp\n" \
		"	bl s6l_entry\n" \
		"	brk #0\n")

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process entry: without a C library, _start reads argc, argv, envp and
 * the auxiliary vector from the initial stack itself; with one, main(). */
#include "launch.h"
#include "launch_sys.h"

#define S6L_AT_NULL 0
#define S6L_AT_SECURE 23

#ifdef S6L_NOLIBC
S6L_DEFINE_START;

__attribute__((noreturn, used)) void s6l_entry(long *sp);

/* sp: argc, argv[0..argc-1], NULL, envp..., NULL, auxv pairs, AT_NULL. */
void s6l_entry(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **e = envp;
	bool secure = true; /* unless the kernel says otherwise */

	while (*e)
		e++;
	for (unsigned long *av = (unsigned long *)(e + 1); av[0] != S6L_AT_NULL; av += 2)
		if (av[0] == S6L_AT_SECURE)
			secure = av[1] != 0;
	s6l_exit(s6l_main(argc, argv, envp, secure));
}
#else
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv)
{
	return s6l_main(argc, argv, environ, getauxval(AT_SECURE) != 0);
}
#endif

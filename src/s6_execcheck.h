/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Before exec: would LD_PRELOAD take effect in this program? It does not in
 * a statically linked program (no PT_INTERP: no dynamic loader runs), and
 * the loader ignores it (or keeps only trusted paths) when the program gains
 * privileges through setuid/setgid bits or file capabilities. */
#ifndef S6_EXECCHECK_H
#define S6_EXECCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum s6_exec_flags {
	S6_EXEC_STATIC = 1 << 0,    /* ELF without PT_INTERP */
	S6_EXEC_SETUID = 1 << 1,
	S6_EXEC_SETGID = 1 << 2,
	S6_EXEC_CAPS = 1 << 3,      /* security.capability attribute */
};

/* ELF header (at least 64 bytes of the file's start): 1 and the program
 * header table's place when it is an ELF file, 0 when not, -1 when the
 * header is malformed. */
int s6_elf_phdrs(const uint8_t *hdr, size_t len, uint64_t *off, size_t *entsize, size_t *count);
/* True when the program header table (entsize * count bytes, from the
 * header of the same file) has a PT_INTERP entry. */
bool s6_elf_has_interp(const uint8_t *hdr, const uint8_t *ph, size_t entsize, size_t count);

/* The file execvp would run for cmd (a path, or searched in PATH); false
 * when none is found (execvp will say so). */
bool s6_exec_resolve(const char *cmd, char *buf, size_t len);
/* The S6_EXEC_* flags of an executable file; 0 when it is fine or unknown. */
unsigned int s6_exec_inspect(const char *path);
/* The interpreter of a "#!" script, one level; false for anything else. */
bool s6_exec_interp(const char *path, char *buf, size_t len);
/* "statically linked", "setuid", ... for messages: the first flag set. */
const char *s6_exec_why(unsigned int flags);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "s6_bytes.h"
#include "s6_execcheck.h"

#define S6_ELF_HDR 64          /* the 64-bit header; the 32-bit one is shorter */
#define S6_ELF_PH_MAX 512      /* more program headers than any real program */
#define S6_PT_INTERP 3

int s6_elf_phdrs(const uint8_t *hdr, size_t len, uint64_t *off, size_t *entsize, size_t *count)
{
	if (len < 16 || memcmp(hdr, "\177ELF", 4) != 0)
		return 0;
	int is64 = hdr[4] == 2, be = hdr[5] == 2;
	if ((hdr[4] != 1 && !is64) || (hdr[5] != 1 && !be) || len < (is64 ? 64u : 52u))
		return -1;
	*off = s6_get_uint(hdr + (is64 ? 32 : 28), is64 ? 8 : 4, be);
	*entsize = (size_t)s6_get_uint(hdr + (is64 ? 54 : 42), 2, be);
	*count = (size_t)s6_get_uint(hdr + (is64 ? 56 : 44), 2, be);
	/* An entry too short for its class, or PN_XNUM (count elsewhere). */
	if (*entsize < (is64 ? 56u : 32u) || *count == 0 || *count > S6_ELF_PH_MAX)
		return -1;
	return 1;
}

bool s6_elf_has_interp(const uint8_t *hdr, const uint8_t *ph, size_t entsize, size_t count)
{
	int be = hdr[5] == 2;

	for (size_t i = 0; i < count; i++)
		if (s6_get_uint(ph + i * entsize, 4, be) == S6_PT_INTERP)
			return true;
	return false;
}

/* Statically linked: an ELF file whose program headers name no loader. A
 * file that cannot be read or parsed is left to execve to judge. */
static bool s6_exec_is_static(int fd)
{
	uint8_t hdr[S6_ELF_HDR];
	uint64_t off;
	size_t entsize, count;
	ssize_t n = pread(fd, hdr, sizeof hdr, 0);

	if (n <= 0 || s6_elf_phdrs(hdr, (size_t)n, &off, &entsize, &count) != 1)
		return false;
	if (entsize > 4096 || off > (uint64_t)1 << 40)
		return false;
	size_t total = entsize * count;
	uint8_t *ph = malloc(total);
	if (!ph)
		return false;
	bool is_static = pread(fd, ph, total, (off_t)off) == (ssize_t)total &&
			 !s6_elf_has_interp(hdr, ph, entsize, count);
	free(ph);
	return is_static;
}

unsigned int s6_exec_inspect(const char *path)
{
	struct stat st;
	unsigned int flags = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (s6_exec_is_static(fd))
			flags |= S6_EXEC_STATIC;
		/* The loader turns secure (AT_SECURE) when exec changes the
		 * effective ids away from the real ones: a setuid program of
		 * one's own is a plain program. setgid without group execute
		 * means mandatory locking, not setgid. */
		if ((st.st_mode & S_ISUID) && st.st_uid != getuid())
			flags |= S6_EXEC_SETUID;
		if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
		    st.st_gid != getgid())
			flags |= S6_EXEC_SETGID;
		if (fgetxattr(fd, "security.capability", NULL, 0) > 0)
			flags |= S6_EXEC_CAPS;
	}
	close(fd);
	return flags;
}

static bool s6_exec_candidate(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

bool s6_exec_resolve(const char *cmd, char *buf, size_t len)
{
	if (strchr(cmd, '/')) {
		int n = snprintf(buf, len, "%s", cmd);
		return n >= 0 && (size_t)n < len && s6_exec_candidate(buf);
	}
	const char *p = getenv("PATH");
	if (!p)
		p = "/bin:/usr/bin"; /* execvp's default */
	/* Each turn consumes one component: bounded by the string's length. */
	for (;;) {
		const char *end = strchr(p, ':');
		size_t dl = end ? (size_t)(end - p) : strlen(p);
		int n = snprintf(buf, len, "%.*s%s%s", (int)dl, dl ? p : ".", "/", cmd);
		if (n >= 0 && (size_t)n < len && s6_exec_candidate(buf))
			return true;
		if (!end)
			return false;
		p = end + 1;
	}
}

bool s6_exec_interp(const char *path, char *buf, size_t len)
{
	char line[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n = fd >= 0 ? pread(fd, line, sizeof line - 1, 0) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return false;
	line[n] = '\0';
	char *s = line + 2 + strspn(line + 2, " \t");
	size_t l = strcspn(s, " \t\r\n");
	if (l == 0 || l >= len)
		return false;
	memcpy(buf, s, l);
	buf[l] = '\0';
	return true;
}

const char *s6_exec_why(unsigned int flags)
{
	if (flags & S6_EXEC_STATIC)
		return "statically linked";
	if (flags & S6_EXEC_SETUID)
		return "setuid";
	if (flags & S6_EXEC_SETGID)
		return "setgid";
	if (flags & S6_EXEC_CAPS)
		return "a program with file capabilities";
	return "fine";
}

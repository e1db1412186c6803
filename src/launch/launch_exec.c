/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which file will run, and will LD_PRELOAD reach it? The search is the full
 * command's (s6_exec_resolve, execvp's rules). The judgement is stricter than
 * its s6_exec_inspect: only a plainly dynamic program of this machine, no
 * setuid/setgid bit, no file capabilities passes; the full command decides
 * (with its messages, warnings and fail-closed refusal) about the rest. */
#include <stdint.h>
#include "launch.h"
#include "launch_sys.h"

#define S6L_HEAD 1024           /* ELF header and, usually, program headers */
#define S6L_SHEBANG 255         /* what s6_exec_interp reads of a "#!" line */
#define S6L_PHDRS_MAX 4096
#define S6L_PT_INTERP 3

#if defined(__x86_64__)
#define S6L_EM 62
#elif defined(__aarch64__)
#define S6L_EM 183
#elif defined(__i386__)
#define S6L_EM 3
#elif defined(__arm__)
#define S6L_EM 40
#elif defined(__riscv)
#define S6L_EM 243
#elif defined(__powerpc64__)
#define S6L_EM 21
#elif defined(__s390x__)
#define S6L_EM 22
#else
#define S6L_EM 0                /* unknown: every program goes to the full command */
#endif

static bool s6l_candidate(const char *path)
{
	struct s6l_stat st = {0};

	return s6l_access(path, S6L_X_OK) == 0 && s6l_stat(path, &st) == 0 &&
	       (st.mode & S6L_S_IFMT) == S6L_S_IFREG;
}

bool s6l_resolve(char *const *envp, const char *cmd, char *buf, size_t len)
{
	struct s6l_buf b;
	const char *p = cmd;

	while (*p && *p != '/')
		p++;
	if (*p == '/') {
		s6l_buf_init(&b, buf, len);
		s6l_put(&b, cmd);
		return !b.overflow && s6l_candidate(buf);
	}
	p = s6l_getenv(envp, "PATH");
	if (!p)
		p = "/bin:/usr/bin"; /* execvp's default */
	/* Each turn consumes one component: bounded by the string's length. */
	for (;;) {
		const char *end = p;
		while (*end && *end != ':')
			end++;
		s6l_buf_init(&b, buf, len);
		if (end == p)
			s6l_put(&b, ".");
		else
			s6l_putn(&b, p, (size_t)(end - p));
		s6l_put(&b, "/");
		s6l_put(&b, cmd);
		if (!b.overflow && s6l_candidate(buf))
			return true;
		if (!*end)
			return false;
		p = end + 1;
	}
}

static uint64_t s6l_get(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	/* Native byte order: s6l_elf_dynamic accepts only this machine's. */
	for (size_t i = 0; i < n; i++)
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = v << 8 | p[i];
#else
		v |= (uint64_t)p[i] << (8 * i);
#endif
	return v;
}

/* An ELF program of this machine's class, byte order and type, with a
 * PT_INTERP entry (a dynamic loader runs, and reads LD_PRELOAD). */
static bool s6l_elf_dynamic(int fd, const uint8_t *h, size_t n)
{
	const bool is64 = sizeof(void *) == 8;
	const uint8_t data = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 2 : 1;
	uint8_t more[S6L_PHDRS_MAX];

	if (n < 64 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F' ||
	    h[4] != (is64 ? 2 : 1) || h[5] != data || S6L_EM == 0 || s6l_get(h + 18, 2) != S6L_EM)
		return false;
	uint64_t off = s6l_get(h + (is64 ? 32 : 28), is64 ? 8 : 4);
	size_t ent = (size_t)s6l_get(h + (is64 ? 54 : 42), 2);
	size_t count = (size_t)s6l_get(h + (is64 ? 56 : 44), 2);
	size_t total = ent * count;
	if (ent < (is64 ? 56u : 32u) || count == 0 || total > sizeof more || off > 1u << 30)
		return false;
	const uint8_t *ph = h + off;
	if (off + total > n) {
		if (s6l_pread(fd, more, total, (long)off) != (long)total)
			return false;
		ph = more;
	}
	for (size_t i = 0; i < count; i++)
		if (s6l_get(ph + i * ent, 4) == S6L_PT_INTERP)
			return true;
	return false;
}

/* The interpreter of a "#!" line, parsed as s6_exec_interp parses it. */
static bool s6l_shebang(const uint8_t *h, size_t n, char *buf, size_t len)
{
	size_t i = 2, l = 0;

	if (n > S6L_SHEBANG)
		n = S6L_SHEBANG;
	while (i < n && (h[i] == ' ' || h[i] == '\t'))
		i++;
	while (i + l < n && h[i + l] && h[i + l] != ' ' && h[i + l] != '\t' &&
	       h[i + l] != '\r' && h[i + l] != '\n')
		l++;
	if (l == 0 || l >= len)
		return false;
	for (size_t k = 0; k < l; k++)
		buf[k] = (char)h[i + k];
	buf[l] = '\0';
	return true;
}

/* depth 0: the program; 1: the interpreter of a script (one level, as the
 * full command looks). */
static bool s6l_check(const char *path, int depth)
{
	uint8_t head[S6L_HEAD];
	char interp[S6L_PATH_MAX];
	struct s6l_stat st = {0};
	bool ok = false, script = false;
	long fd = s6l_open(path, S6L_O_RDONLY | S6L_O_CLOEXEC | S6L_O_NONBLOCK);

	if (fd < 0)
		return false;
	long n = s6l_pread((int)fd, head, sizeof head, 0);
	if (n > 0 && s6l_fstat((int)fd, &st) == 0 && (st.mode & S6L_S_IFMT) == S6L_S_IFREG &&
	    !(st.mode & (S6L_S_ISUID | S6L_S_ISGID)) &&
	    s6l_fgetxattr_size((int)fd, "security.capability") <= 0) {
		script = n >= 2 && head[0] == '#' && head[1] == '!';
		if (script)
			ok = depth == 0 && s6l_shebang(head, (size_t)n, interp, sizeof interp);
		else
			ok = s6l_elf_dynamic((int)fd, head, (size_t)n);
	}
	s6l_close((int)fd);
	return ok && (!script || s6l_check(interp, 1));
}

bool s6l_preloadable(const char *path)
{
	return s6l_check(path, 0);
}

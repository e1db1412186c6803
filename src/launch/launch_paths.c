/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preload library, the configuration file and the full command, found
 * as the full command finds them (s6_preload_find, s6_config_find). */
#include "launch.h"
#include "launch_sys.h"

#define S6L_LIB_NAME "libsocks6ify.so"

static bool s6l_readable(const char *path)
{
	return s6l_access(path, S6L_R_OK) == 0;
}

/* buf = a + b; false when it does not fit. */
static bool s6l_join(char *buf, size_t len, const char *a, const char *b)
{
	struct s6l_buf o;

	s6l_buf_init(&o, buf, len);
	s6l_put(&o, a);
	s6l_put(&o, b);
	return !o.overflow;
}

/* True when this executable lives in the build directory: run from there,
 * it uses the library and full command built next to it. */
static bool s6l_in_build_tree(void)
{
	char exe[S6L_PATH_MAX];
	long n = s6l_readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		return false;
	while (n > 0 && exe[n - 1] != '/')
		n--;
	if (n <= 1)
		return false;
	exe[n - 1] = '\0';
	return s6l_streq(exe, S6_BUILDDIR) || s6l_streq(exe, S6_BUILDDIR "/.libs");
}

bool s6l_find_library(char *const *envp, char *buf, size_t len)
{
	const char *env = s6l_getenv(envp, "SOCKS6IFY_LIBRARY");

	if (env && env[0])
		return s6l_join(buf, len, env, "") && s6l_readable(buf);
	if (s6l_in_build_tree() &&
	    s6l_join(buf, len, S6_BUILDDIR "/preload/.libs/", S6L_LIB_NAME) && s6l_readable(buf))
		return true;
	return s6l_join(buf, len, PKGLIBDIR "/", S6L_LIB_NAME) && s6l_readable(buf);
}

void s6l_find_cli(char *const *envp, char *buf, size_t len)
{
	const char *env = s6l_getenv(envp, "SOCKS6IFY_CLI");

	if (env && env[0] && s6l_join(buf, len, env, ""))
		return;
	if (s6l_in_build_tree() && s6l_join(buf, len, S6_BUILDDIR "/socks6ify-cli", ""))
		return;
	s6l_join(buf, len, S6L_CLI_PATH, "");
}

static bool s6l_exists(const char *path)
{
	struct s6l_stat st = {0};

	return s6l_stat(path, &st) == 0;
}

/* s6_config_find: explicit, else the XDG or home file, else the system one. */
static const char *s6l_config_named(char *const *envp, const char *explicit, char *buf,
				    size_t len)
{
	const char *xdg = s6l_getenv(envp, "XDG_CONFIG_HOME");
	const char *home = s6l_getenv(envp, "HOME");

	if (explicit && explicit[0])
		return s6l_join(buf, len, explicit, "") ? buf : explicit;
	if (xdg && xdg[0] == '/') {
		if (s6l_join(buf, len, xdg, "/socks6ify/socks6ify.conf") && s6l_exists(buf))
			return buf;
	} else if (home && home[0] == '/') {
		if (s6l_join(buf, len, home, "/.config/socks6ify/socks6ify.conf") &&
		    s6l_exists(buf))
			return buf;
	}
	if (s6l_join(buf, len, SYSCONFDIR "/socks6ify.conf", "") && s6l_exists(buf))
		return buf;
	return NULL;
}

/* realpath() through the kernel's name for an open file. */
static bool s6l_realpath(const char *file, char *buf, size_t len)
{
	char link[32] = "/proc/self/fd/";
	long fd = s6l_open(file, S6L_O_PATH | S6L_O_CLOEXEC);

	if (fd < 0)
		return false;
	/* fd < 1024 for a fresh descriptor of a process that just started. */
	size_t n = s6l_strlen(link);
	if (fd >= 100)
		link[n++] = (char)('0' + fd / 100);
	if (fd >= 10)
		link[n++] = (char)('0' + fd / 10 % 10);
	link[n++] = (char)('0' + fd % 10);
	link[n] = '\0';
	long r = fd < 1000 ? s6l_readlink(link, buf, len - 1) : -1;
	s6l_close((int)fd);
	if (r <= 0 || buf[0] != '/' || (size_t)r >= len - 1)
		return false;
	buf[r] = '\0';
	return true;
}

/* named: the file as the user named it ("" for none), for messages;
 * real: its absolute path for SOCKS6IFY_CONF ("" for none). */
bool s6l_find_config(char *const *envp, const struct s6l_args *a, char *named, char *real,
		     size_t len)
{
	const char *explicit = a->config ? a->config : s6l_getenv(envp, "SOCKS6IFY_CONF");
	const char *file = NULL;

	named[0] = real[0] = '\0';
	if (!(explicit && explicit[0] == '\0'))
		file = s6l_config_named(envp, explicit, named, len);
	if (!file) {
		named[0] = '\0'; /* the search left its last try there */
		return true;
	}
	if (file != named && !s6l_join(named, len, file, ""))
		return false;
	return s6l_realpath(named, real, len);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "s6_preload_path.h"

#define S6_LIB_NAME "libsocks6ify.so"

static bool s6_readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* True when this executable lives in the build directory (or its .libs). */
static bool s6_running_from_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	/* Exactly the build directory (or libtool's .libs in it): an install
	 * prefix below the build directory is not the build tree. */
	return strcmp(exe, S6_BUILDDIR) == 0 || strcmp(exe, S6_BUILDDIR "/.libs") == 0;
}

bool s6_preload_find(char *buf, size_t len)
{
	const char *env = getauxval(AT_SECURE) ? NULL : getenv("SOCKS6IFY_LIBRARY");

	if (env && env[0]) {
		snprintf(buf, len, "%s", env);
		return s6_readable(buf);
	}
	if (s6_running_from_build_tree()) {
		snprintf(buf, len, "%s/preload/.libs/%s", S6_BUILDDIR, S6_LIB_NAME);
		if (s6_readable(buf))
			return true;
	}
	snprintf(buf, len, "%s/%s", PKGLIBDIR, S6_LIB_NAME);
	return s6_readable(buf);
}

#ifdef S6_WITH_SANITIZERS
/* An ASan-built preload library needs the ASan runtime loaded first. */
static int s6_find_asan(struct dl_phdr_info *info, size_t size, void *data)
{
	if (info->dlpi_name && strstr(info->dlpi_name, "libasan.so")) {
		snprintf(data, PATH_MAX, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}
#endif

bool s6_preload_set_env(const char *lib)
{
	char value[8192], first[PATH_MAX] = "";
	const char *old = getenv("LD_PRELOAD");

#ifdef S6_WITH_SANITIZERS
	dl_iterate_phdr(s6_find_asan, first);
#endif
	int n = snprintf(value, sizeof value, "%s%s%s%s%s", first, first[0] ? " " : "", lib,
			 old && old[0] ? " " : "", old ? old : "");
	if (n < 0 || (size_t)n >= sizeof value)
		return false;
	return setenv("LD_PRELOAD", value, 1) == 0;
}

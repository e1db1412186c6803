/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `socks6ify on` / `socks6ify off`: shell code (for eval) that turns the
 * preload library on or off in the calling shell. `on` records what it set
 * in SOCKS6IFY_SHELL_PRELOAD and SOCKS6IFY_SHELL_VARS, so `off` removes
 * exactly that and leaves the user's other LD_PRELOAD entries alone. */
#ifndef S6_SHELLENV_H
#define S6_SHELLENV_H

#include <stdbool.h>
#include <stdio.h>

/* The environment is already set as for exec: LD_PRELOAD is ours in front
 * of old (the value after s6_shell_strip_ours), vars (NULL-terminated) are
 * the SOCKS6IFY_* variables the command set. Print them as exports. False
 * when something would not fit. */
bool s6_shell_on(FILE *out, const char *old, const char *const *vars);
/* Remove the entries of a previous `on` from LD_PRELOAD (in this process's
 * environment), so `on` twice does not stack them; lib is ours when no
 * record exists. */
bool s6_shell_strip_ours(const char *lib);
/* Print the code that undoes `on`. */
bool s6_shell_off(FILE *out, const char *lib);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* s6_tool --session-file: the session id and the token window kept between
 * runs, so a test can reuse a session, spend the next token, or spend one
 * again on purpose. Text, one key=value a line:
 *   session_id=HEX
 *   window=BASE+SIZE
 *   next=TOKEN          (smallest token this client has not spent) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s6_tool.h"

static bool parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 || n / 2 > cap)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return true;
}

static bool parse_line(char *line, struct tool_sess *s)
{
	uint32_t a, b;

	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "session_id=", 11) == 0) {
		s->has_id = parse_hex(line + 11, s->id, sizeof(s->id), &s->id_len);
		return s->has_id;
	}
	if (sscanf(line, "window=%" SCNu32 "+%" SCNu32, &a, &b) == 2)
		return s6_token_window_advertise(&s->win, a, b);
	if (sscanf(line, "next=%" SCNu32, &a) == 1) {
		s->win.next = a;
		return true;
	}
	return line[0] == '\0';
}

/* A missing file is an empty session (the first run asks for one). */
bool tool_sess_load(const char *path, struct tool_sess *s)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	bool ok = true;

	memset(s, 0, sizeof(*s));
	s6_token_window_init(&s->win);
	if (!f)
		return true;
	while (ok && fgets(line, sizeof(line), f))
		ok = parse_line(line, s);
	fclose(f);
	return ok;
}

bool tool_sess_save(const char *path, const struct tool_sess *s)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	if (s->has_id) {
		fputs("session_id=", f);
		for (size_t i = 0; i < s->id_len; i++)
			fprintf(f, "%02x", s->id[i]);
		fputc('\n', f);
	}
	if (s->win.valid)
		fprintf(f, "window=%" PRIu32 "+%" PRIu32 "\nnext=%" PRIu32 "\n",
			s->win.base, s->win.size, s->win.next);
	ok = !ferror(f);
	return fclose(f) == 0 && ok;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Corpus replay: runs one fuzz target's LLVMFuzzerTestOneInput on every
 * file of its committed corpus (S6_FUZZ_CORPUS), or on the files and
 * directories named on the command line. Built with any compiler, so
 * `make check` replays the seeds and every saved crash in the normal and
 * the sanitizer builds. A property violation aborts, failing the test. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef S6_FUZZ_CORPUS
#error "S6_FUZZ_CORPUS must name the corpus directory"
#endif

#define REPLAY_FILE_MAX (1024 * 1024)

/* Read a whole file into an exactly sized block (ASan sees over-reads).
 * Returns 0, or -1 with a message. */
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    size > REPLAY_FILE_MAX || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: cannot read: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	return 0;
}

/* Every regular file of dir, in name order so runs are reproducible.
 * Returns the number replayed, or -1. */
static long replay_dir(const char *dir)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);
	long done = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && done >= 0) {
			if (replay_file(path) != 0)
				done = -1;
			else
				done++;
		}
		free(ents[i]);
	}
	free(ents);
	return done;
}

static long replay_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path);
	return replay_file(path) == 0 ? 1 : -1;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		total = replay_path(S6_FUZZ_CORPUS);
	} else {
		for (int i = 1; i < argc && total >= 0; i++) {
			long n = replay_path(argv[i]);
			total = n < 0 ? -1 : total + n;
		}
	}
	if (total <= 0) {
		fprintf(stderr, "replay: %s\n", total == 0 ? "no inputs found" : "failed");
		return 1;
	}
	printf("replay: %ld inputs, no property violated\n", total);
	return 0;
}

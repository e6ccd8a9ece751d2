/*
 * replay.c - main() for the fuzz targets when libFuzzer is not there.
 *
 *   fuzz_NAME [-v] FILE|DIR...
 *
 * Feeds each FILE (each file of a DIR, in name order) once to
 * LLVMFuzzerTestOneInput(), as `fuzz_NAME FILE...` does with libFuzzer,
 * each in a buffer of exactly its size so that a sanitizer build sees
 * reads past the end.  Exits 0 when every input went through, 66 when
 * one cannot be read; a finding aborts the process.
 */
#include "bptconf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "buf.h"
#include "fileio.h"
#include "fuzz.h"

static int verbose;

static int
replay_file(const char *path)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	size_t len;
	char *copy;

	if (fio_read_file(&ctx, path, 0, &b) != BPT_OK) {
		fprintf(stderr, "replay: %s\n", ctx.errmsg);
		return -1;
	}
	/* malloc(0) may return NULL; libFuzzer passes a valid pointer */
	if ((copy = malloc(b.len ? b.len : 1)) == NULL) {
		buf_release(&b);
		fprintf(stderr, "replay: out of memory\n");
		return -1;
	}
	len = b.len;
	if (len)
		memcpy(copy, b.buf, len);
	buf_release(&b);
	if (verbose)
		fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput((const uint8_t *)copy, len);
	free(copy);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir, long *n)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	char **names = NULL, **more;
	size_t count = 0, alloc = 0, i;
	int rc = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (count == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			if ((more = realloc(names, alloc * sizeof(*names))) == NULL) {
				rc = -1;
				break;
			}
			names = more;
		}
		if ((names[count] = strdup(de->d_name)) == NULL) {
			rc = -1;
			break;
		}
		count++;
	}
	closedir(d);
	if (rc == 0 && count > 0)
		qsort(names, count, sizeof(*names), by_name);
	for (i = 0; i < count; i++) {
		struct stat sb;

		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, names[i]);
		if (rc == 0 && !buf_failed(&path) && stat(path.buf, &sb) == 0 &&
		    S_ISREG(sb.st_mode)) {
			if (replay_file(path.buf) < 0)
				rc = -1;
			else
				(*n)++;
		}
		free(names[i]);
	}
	free(names);
	buf_release(&path);
	return rc;
}

int
main(int argc, char **argv)
{
	long n = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		struct stat sb;

		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (stat(argv[i], &sb) < 0) {
			perror(argv[i]);
			rc = EX_NOINPUT;
		} else if (S_ISDIR(sb.st_mode)) {
			if (replay_dir(argv[i], &n) < 0)
				rc = EX_NOINPUT;
		} else if (replay_file(argv[i]) < 0) {
			rc = EX_NOINPUT;
		} else {
			n++;
		}
	}
	fprintf(stderr, "replay: %ld inputs\n", n);
	return rc;
}

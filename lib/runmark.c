/* runmark.c - run files: how a run that died on a message ended. */
#include "bptconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "runmark.h"
#include "store.h"

#define RUNMARK_READ 256	/* a file holds a few short lines */

/* STORE-runs, the folder of the run files. */
static void
runs_dir(struct bpt_ctx *ctx, struct buf *b)
{
	buf_addf(b, "%s-runs", store_path(ctx->store));
}

enum bpt_status
runmark_open(struct bpt_ctx *ctx, const char *sha, struct runmark *rm)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	enum bpt_status st = BPT_OK;
	int fd, tries;

	rm->fd = -1;
	rm->path = NULL;
	runs_dir(ctx, &dir);
	buf_addf(&path, "%s/%s.%ld", buf_str(&dir), sha, (long)getpid());
	if (buf_failed(&dir) || buf_failed(&path)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	for (tries = 0;; tries++) {
		fd = open(path.buf, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0 || errno != ENOENT || tries > 0)
			break;
		if (mkdir(dir.buf, 0700) < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		st = bpt_err(ctx, errno == ENOSPC ? BPT_ENOSPC : BPT_ECREATE,
		    "run file '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	rm->fd = fd;
	rm->path = buf_detach(&path, NULL);
out:
	buf_release(&dir);
	buf_release(&path);
	return st;
}

void
runmark_close(struct runmark *rm)
{
	if (rm->path != NULL && unlink(rm->path) < 0 && errno != ENOENT)
		log_warn("run file '%s'", rm->path);
	if (rm->fd >= 0)
		close(rm->fd);
	free(rm->path);
	rm->fd = -1;
	rm->path = NULL;
}

void
runmark_note(int fd, int what)
{
	char b[32], digits[12];
	size_t n = 0, k = 0;
	const char *word = what == RUNMARK_SLOW ? "slow\n" :
	    what == RUNMARK_TIMEOUT ? "timeout\n" : "signal ";
	unsigned v = what > 0 ? (unsigned)what : 0;
	ssize_t w;

	while (*word != '\0')
		b[n++] = *word++;
	if (what > 0) {
		do {
			digits[k++] = (char)('0' + v % 10);
			v /= 10;
		} while (v > 0 && k < sizeof(digits));
		while (k > 0)
			b[n++] = digits[--k];
		b[n++] = '\n';
	}
	w = write(fd, b, n);
	(void)w;
}

/* Adds what one file said to *t. */
static void
tally(struct runmark_tally *t, const char *text)
{
	const char *line;
	int crashed = 0, slow = 0;

	for (line = text; *line != '\0'; line++) {
		if (strncmp(line, "signal ", 7) == 0) {
			crashed = 1;
			t->signal = atoi(line + 7);
		} else if (strncmp(line, "timeout\n", 8) == 0) {
			crashed = 1;
			t->timeout = 1;
		} else if (strncmp(line, "slow\n", 5) == 0) {
			slow = 1;
		}
		line += strcspn(line, "\n");
		if (*line == '\0')
			break;
	}
	if (crashed)
		t->crashes++;
	else if (slow)
		t->unfinished++;
	else
		t->early++;
}

/* 1 when the run that made a file named PID is gone. */
static int
run_gone(const char *pid_text)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(pid_text, &end, 10);
	if (*pid_text == '\0' || *end != '\0' || errno != 0 || pid <= 0)
		return 0;
	/* ours before this run made one: an earlier process with our id */
	if (pid == (long)getpid())
		return 1;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

enum bpt_status
runmark_collect(struct bpt_ctx *ctx, const char *sha, struct runmark_tally *t)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	enum bpt_status st = BPT_OK;
	size_t shalen = strlen(sha);
	struct dirent *de;
	DIR *d;

	if (t != NULL)
		memset(t, 0, sizeof(*t));
	runs_dir(ctx, &dir);
	if (buf_failed(&dir)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if ((d = opendir(dir.buf)) == NULL) {
		if (errno != ENOENT)
			log_warn("run files '%s'", dir.buf);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		char text[RUNMARK_READ];
		ssize_t n;
		int fd;

		if (strncmp(de->d_name, sha, shalen) != 0 ||
		    de->d_name[shalen] != '.' || !run_gone(de->d_name + shalen + 1))
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir.buf, de->d_name);
		if (buf_failed(&path)) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			break;
		}
		fd = open(path.buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			log_warn("run file '%s'", path.buf);
			continue;
		}
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n < 0) {
			log_warn("run file '%s'", path.buf);
			continue;
		}
		text[n] = '\0';
		if (unlink(path.buf) < 0) {
			/* counted once only: a file that stays is not read */
			log_warn("run file '%s'", path.buf);
			continue;
		}
		if (t != NULL)
			tally(t, text);
	}
	closedir(d);
out:
	buf_release(&dir);
	buf_release(&path);
	return st;
}

/* fileio.c - bounded reads and atomic, durable writes (see fileio.h). */
#include "bptconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

enum bpt_status
fio_read_fd(struct bpt_ctx *ctx, int fd, size_t max, struct buf *out,
    int *truncated, size_t *total)
{
	char chunk[65536];
	size_t seen = 0;
	ssize_t n;

	if (truncated)
		*truncated = 0;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return bpt_err(ctx, BPT_EIO, "read: %s", strerror(errno));
		}
		if (n == 0)
			break;
		if (max == 0 || out->len < max) {
			size_t keep = (size_t)n;

			if (max != 0 && keep > max - out->len)
				keep = max - out->len;
			buf_add(out, chunk, keep);
			if (buf_failed(out))
				return bpt_err(ctx, BPT_ENOMEM, "out of memory reading input");
			if (keep < (size_t)n && truncated)
				*truncated = 1;
		} else if (truncated) {
			*truncated = 1;
		}
		seen += (size_t)n;
	}
	if (total)
		*total = seen;
	return BPT_OK;
}

/* What a file that is not a regular one is, for messages. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

enum bpt_status
fio_open_regular(struct bpt_ctx *ctx, const char *path, int flags, int *fdp,
    struct stat *sb)
{
	int fd, e, fl;

	*fdp = -1;
	/*
	 * O_NONBLOCK: opening a FIFO for reading waits for a writer, and a
	 * device may wait for whatever it waits for.  Nothing is read from
	 * the descriptor before fstat() has shown a regular file.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
	    (flags & FIO_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0) {
		e = errno;
		if (e == ELOOP && (flags & FIO_NOFOLLOW))
			return bpt_err(ctx, BPT_EDATA, "%s: a symbolic link, not "
			    "followed", path);
		return bpt_err(ctx, bpt_errno_status(e) == BPT_ENOENT ?
		    BPT_ENOENT : BPT_EIO, "%s: %s", path, strerror(e));
	}
	if (fstat(fd, sb) < 0) {
		e = errno;
		close(fd);
		return bpt_err(ctx, BPT_EIO, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(sb->st_mode)) {
		close(fd);
		return bpt_err(ctx, BPT_EDATA, "%s: %s, not a regular file", path,
		    file_kind(sb->st_mode));
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		return bpt_err(ctx, BPT_EIO, "%s: %s", path, strerror(e));
	}
	*fdp = fd;
	return BPT_OK;
}

enum bpt_status
fio_read_regular(struct bpt_ctx *ctx, const char *path, size_t max, int flags,
    struct buf *out, struct stat *sbp)
{
	struct stat sb;
	enum bpt_status st;
	int fd, trunc = 0;

	if ((st = fio_open_regular(ctx, path, flags, &fd, &sb)) != BPT_OK)
		return st;
	if (sbp != NULL)
		*sbp = sb;
	/* a file too large is refused before a byte of it is read */
	if (max != 0 && sb.st_size > 0 && (unsigned long long)sb.st_size > max) {
		close(fd);
		return bpt_err(ctx, BPT_EDATA, "%s: larger than %zu bytes", path, max);
	}
	st = fio_read_fd(ctx, fd, max, out, &trunc, NULL);
	close(fd);
	if (st != BPT_OK)
		return bpt_err_prefix(ctx, "%s", path);
	if (trunc)
		return bpt_err(ctx, BPT_EDATA, "%s: larger than %zu bytes", path, max);
	return BPT_OK;
}

enum bpt_status
fio_read_file(struct bpt_ctx *ctx, const char *path, size_t max, struct buf *out)
{
	return fio_read_regular(ctx, path, max, 0, out, NULL);
}

enum bpt_status
fio_mkdirs(struct bpt_ctx *ctx, const char *path, mode_t mode)
{
	struct buf b = BUF_INIT;
	enum bpt_status st = BPT_OK;
	size_t i;

	buf_adds(&b, path);
	if (buf_failed(&b))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	for (i = 1; i <= b.len; i++) {
		char c = b.buf[i];

		if (c != '/' && c != '\0')
			continue;
		b.buf[i] = '\0';
		if (mkdir(b.buf, mode) < 0 && errno != EEXIST) {
			st = bpt_err(ctx, bpt_errno_status(errno) == BPT_ENOSPC ?
			    BPT_ENOSPC : BPT_ECREATE, "cannot create folder '%s': %s",
			    b.buf, strerror(errno));
			break;
		}
		b.buf[i] = c;
	}
	buf_release(&b);
	return st;
}

enum bpt_status
fio_fsync_dir(struct bpt_ctx *ctx, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return bpt_err(ctx, BPT_EIO, "open folder '%s': %s", dir, strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;

		close(fd);
		return bpt_err(ctx, bpt_errno_status(e) == BPT_ENOSPC ? BPT_ENOSPC :
		    BPT_EIO, "fsync folder '%s': %s", dir, strerror(e));
	}
	close(fd);
	return BPT_OK;
}

enum bpt_status
fio_scratch(struct bpt_ctx *ctx, const char *path, int *fd)
{
	const char *slash = strrchr(path, '/');
	struct buf t = BUF_INIT;
	enum bpt_status st = BPT_OK;

	*fd = -1;
	if (slash == NULL)
		buf_adds(&t, ".");
	else
		buf_add(&t, path, (size_t)(slash - path));
	buf_adds(&t, "/.bpt-scratch.XXXXXX");
	if (buf_failed(&t))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if ((*fd = mkstemp(t.buf)) < 0)
		st = bpt_err(ctx, bpt_errno_status(errno) == BPT_ENOSPC ?
		    BPT_ENOSPC : BPT_ECREATE, "cannot make a scratch file in "
		    "'%.*s': %s", (int)(t.len - 20), t.buf, strerror(errno));
	else
		unlink(t.buf);
	buf_release(&t);
	return st;
}

int
fio_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A failed write, close or create: a full disk is BPT_ENOSPC (75). */
static enum bpt_status
write_error(struct bpt_ctx *ctx, enum bpt_status other, const char *what,
    const char *path, int e)
{
	return bpt_err(ctx, bpt_errno_status(e) == BPT_ENOSPC ? BPT_ENOSPC :
	    other, "%s '%s': %s", what, path, strerror(e));
}

enum bpt_status
fio_write_rename(struct bpt_ctx *ctx, const char *tmp, const char *path,
    const struct iovec *iov, size_t n, mode_t mode)
{
	struct buf dir = BUF_INIT;
	const char *slash;
	enum bpt_status st;
	size_t i;
	int fd, e;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return write_error(ctx, BPT_ECREATE, "cannot create", tmp, errno);
	for (i = 0; i < n; i++)
		if (fio_write_all(fd, iov[i].iov_base, iov[i].iov_len) < 0)
			break;
	if (i < n || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		return write_error(ctx, BPT_EIO, "write", tmp, e);
	}
	/* NFS and full disks report a failed write as late as this */
	if (close(fd) < 0) {
		e = errno;
		unlink(tmp);
		return write_error(ctx, BPT_EIO, "close", tmp, e);
	}
	if (rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		return write_error(ctx, BPT_EIO, "rename to", path, e);
	}
	/* the rename is durable once the folder that holds it is synced */
	slash = strrchr(path, '/');
	if (slash == NULL)
		return fio_fsync_dir(ctx, ".");
	buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	st = buf_failed(&dir) ? bpt_err(ctx, BPT_ENOMEM, "out of memory") :
	    fio_fsync_dir(ctx, dir.buf);
	buf_release(&dir);
	return st;
}

int
fio_is_exposed(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return 0;
	return (sb.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

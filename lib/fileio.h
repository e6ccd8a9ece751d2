/*
 * fileio.h - careful file handling: bounded reads, atomic writes
 * (temp file in the target folder, fsync, rename, fsync the folder).
 */
#ifndef BPT_FILEIO_H
#define BPT_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "bpt.h"
#include "buf.h"

/*
 * Reads fd to its end into out, keeping at most max bytes (0: no
 * limit).  Past max the rest is read and counted, not kept: *truncated
 * is set and *total holds the full size.  BPT_EIO on a read error.
 */
enum bpt_status fio_read_fd(struct bpt_ctx *ctx, int fd, size_t max,
    struct buf *out, int *truncated, size_t *total);

/* fio_open_regular() flags */
#define FIO_NOFOLLOW 1	/* refuse a symbolic link, as O_NOFOLLOW */

/*
 * Opens path for reading if it is a regular file.  A FIFO, a device, a
 * folder or a socket is refused without waiting and without reading a
 * byte of it (the open is O_NONBLOCK, then fstat); with FIO_NOFOLLOW a
 * symbolic link is refused too.  On success *fd is open (blocking, for
 * the caller to close) and *sb holds its fstat(2).  BPT_ENOENT when
 * path does not exist, BPT_EDATA when it is not a regular file, BPT_EIO
 * on any other error (permissions included); the message names path.
 */
enum bpt_status fio_open_regular(struct bpt_ctx *ctx, const char *path,
    int flags, int *fd, struct stat *sb);

/*
 * Reads the whole of the regular file path (fio_open_regular() with
 * flags) into out: at most max bytes (0: no limit); a larger file is
 * BPT_EDATA.  *sb (may be NULL) gets its fstat(2).
 */
enum bpt_status fio_read_regular(struct bpt_ctx *ctx, const char *path,
    size_t max, int flags, struct buf *out, struct stat *sb);

/* fio_read_regular() without flags or stat. */
enum bpt_status fio_read_file(struct bpt_ctx *ctx, const char *path,
    size_t max, struct buf *out);

/* Creates path and its parents with mode (existing ones are kept). */
enum bpt_status fio_mkdirs(struct bpt_ctx *ctx, const char *path, mode_t mode);

/* fsync(2) on a folder, so a rename into it is durable. */
enum bpt_status fio_fsync_dir(struct bpt_ctx *ctx, const char *dir);

/*
 * Makes a file appear whole at path, or not at all, and durably: the n
 * pieces of iov are written to the new file tmp (created with O_EXCL
 * and mode), which is fsynced, closed (its result checked), renamed to
 * path, and the folder of path fsynced.  tmp must be on the same file
 * system: the temp file in the target folder, or a Maildir's tmp/ for
 * new/.  On failure tmp is removed.  BPT_ECREATE when tmp cannot be
 * made, BPT_ENOSPC on a full disk, BPT_EIO; the message names the file.
 */
enum bpt_status fio_write_rename(struct bpt_ctx *ctx, const char *tmp,
    const char *path, const struct iovec *iov, size_t n, mode_t mode);

/*
 * A scratch file in the folder of path (on the same disk, and as
 * private as the file there), gone from the folder at once so that
 * nothing stays behind whatever happens: *fd is open for reading and
 * writing, for the caller to close.  BPT_ECREATE, BPT_ENOSPC,
 * BPT_ENOMEM.
 */
enum bpt_status fio_scratch(struct bpt_ctx *ctx, const char *path, int *fd);

/* write(2) all of it, retrying on EINTR and short writes; -1 on error. */
int fio_write_all(int fd, const void *p, size_t n);

/*
 * True when path is readable or writable by group or others; used to
 * warn about config and password files.
 */
int fio_is_exposed(const char *path);

#endif

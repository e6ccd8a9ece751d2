/*
 * transport_maildir.c - delivery into OUTBOX/<recipient>/new/, one
 * real Maildir per recipient, for demos and tests.  Each copy is
 * written to tmp/ under a unique name, fsynced, renamed into new/ and
 * the folder fsynced (the maildir rules).
 */
#include "bptconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "transport.h"

struct mdstate {
	char *root;
	char host[64];
	unsigned long seq;
};

static enum bpt_status
md_open(struct bpt_ctx *ctx, const struct bpt_config *cfg, void **state)
{
	struct mdstate *s = calloc(1, sizeof(*s));
	char *p;

	if (s == NULL || (s->root = strdup(cfg->delivery.maildir)) == NULL) {
		free(s);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	if (gethostname(s->host, sizeof(s->host)) < 0)
		snprintf(s->host, sizeof(s->host), "localhost");
	s->host[sizeof(s->host) - 1] = '\0';
	/* '/' and ':' are not allowed in maildir unique names */
	for (p = s->host; *p; p++)
		if (*p == '/' || *p == ':')
			*p = '_';
	*state = s;
	return BPT_OK;
}

/* The recipient as one safe path component: '/', '%' and controls
 * percent-encoded, a leading '.' too. */
static void
rcpt_dir(struct buf *b, const char *rcpt)
{
	const unsigned char *p = (const unsigned char *)rcpt;

	for (; *p; p++) {
		if (*p == '/' || *p == '%' || *p < 0x20 || *p == 0x7f ||
		    (p == (const unsigned char *)rcpt && *p == '.'))
			buf_addf(b, "%%%02X", *p);
		else
			buf_addch(b, *p);
	}
}

static int
fail(struct tr_rcpt *r, const char *what, int e)
{
	/* local trouble (disk full, permissions): try again later */
	r->result = TR_TEMP;
	snprintf(r->reply, sizeof(r->reply), "maildir: %s: %s", what, strerror(e));
	return -1;
}

static int
deliver_one(struct mdstate *s, const struct tr_message *m, struct tr_rcpt *r)
{
	struct buf dir = BUF_INIT, tmp = BUF_INIT, dst = BUF_INIT, hdr = BUF_INIT;
	struct timeval tv;
	int fd = -1, rc = -1, e;
	size_t base;

	buf_addf(&dir, "%s/", s->root);
	rcpt_dir(&dir, r->addr);
	base = dir.len;
	if (buf_failed(&dir)) {
		fail(r, "out of memory", ENOMEM);
		goto out;
	}
	/* tmp, new and cur: a real Maildir any client can open */
	if (mkdir(s->root, 0700) < 0 && errno != EEXIST) {
		fail(r, s->root, errno);
		goto out;
	}
	if (mkdir(dir.buf, 0700) < 0 && errno != EEXIST) {
		fail(r, dir.buf, errno);
		goto out;
	}
	buf_adds(&dir, "/cur");
	if (mkdir(dir.buf, 0700) < 0 && errno != EEXIST) {
		fail(r, dir.buf, errno);
		goto out;
	}
	buf_setlen(&dir, base);
	gettimeofday(&tv, NULL);
	buf_addf(&tmp, "%s/tmp", dir.buf);
	if (mkdir(tmp.buf, 0700) < 0 && errno != EEXIST) {
		fail(r, tmp.buf, errno);
		goto out;
	}
	buf_addf(&tmp, "/%lld.M%ldP%ldQ%lu.%s", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(), ++s->seq, s->host);
	buf_addf(&dst, "%s/new", dir.buf);
	if (mkdir(dst.buf, 0700) < 0 && errno != EEXIST) {
		fail(r, dst.buf, errno);
		goto out;
	}
	buf_addf(&dst, "/%lld.M%ldP%ldQ%lu.%s", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(), s->seq, s->host);
	if (buf_failed(&tmp) || buf_failed(&dst)) {
		fail(r, "out of memory", ENOMEM);
		goto out;
	}
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fail(r, tmp.buf, errno);
		goto out;
	}
	/* as a delivery agent does: the envelope sender on top */
	buf_addf(&hdr, "Return-Path: <%s>\n", r->env_from ? r->env_from : m->env_from);
	if (buf_failed(&hdr) || fio_write_all(fd, hdr.buf, hdr.len) < 0 ||
	    fio_write_all(fd, m->data, m->len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		fd = -1;
		unlink(tmp.buf);
		fail(r, tmp.buf, e);
		goto out;
	}
	e = close(fd);
	fd = -1;
	if (e < 0) {
		e = errno;
		unlink(tmp.buf);
		fail(r, tmp.buf, e);
		goto out;
	}
	if (rename(tmp.buf, dst.buf) < 0) {
		e = errno;
		unlink(tmp.buf);
		fail(r, dst.buf, e);
		goto out;
	}
	/* the rename is durable once new/ is synced */
	buf_addf(&dir, "/new");
	fd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		fail(r, dir.buf, errno);
		goto out;
	}
	r->result = TR_OK;
	r->code = 250;
	snprintf(r->reply, sizeof(r->reply), "delivered to maildir");
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&dir);
	buf_release(&tmp);
	buf_release(&dst);
	buf_release(&hdr);
	return rc;
}

static enum bpt_status
md_send(struct bpt_ctx *ctx, void *state, const struct tr_message *m,
    struct tr_rcpt *r, size_t n)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < n; i++)
		deliver_one(state, m, &r[i]);
	return BPT_OK;
}

static void
md_close(void *state)
{
	struct mdstate *s = state;

	if (s == NULL)
		return;
	free(s->root);
	free(s);
}

const struct transport_ops transport_maildir_ops = {
	"maildir", md_open, md_send, md_close,
};

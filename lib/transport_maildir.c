/*
 * transport_maildir.c - delivery into OUTBOX/<recipient>/new/, one
 * real Maildir per recipient, for demos and tests.  Each copy is
 * written to tmp/ under a unique name, fsynced, renamed into new/ and
 * the folder fsynced (the maildir rules), by fio_write_rename().
 */
#include "bptconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/uio.h>
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

/* Local trouble (disk full, permissions): the copy is tried again later. */
static int
fail(struct tr_rcpt *r, const struct bpt_ctx *err)
{
	r->result = TR_TEMP;
	snprintf(r->reply, sizeof(r->reply), "maildir: %s", err->errmsg);
	return -1;
}

/* path/sub made with its parents, 0700, and kept in path */
static enum bpt_status
md_mkdir(struct bpt_ctx *ctx, struct buf *path, size_t base, const char *sub)
{
	buf_setlen(path, base);
	buf_adds(path, sub);
	if (buf_failed(path))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return fio_mkdirs(ctx, path->buf, 0700);
}

static int
deliver_one(struct mdstate *s, const struct tr_message *m, struct tr_rcpt *r)
{
	/* a context of its own: one recipient's trouble is its reply, and
	   the caller's recorded error stays as it was */
	struct bpt_ctx err = BPT_CTX_INIT;
	struct buf dir = BUF_INIT, tmp = BUF_INIT, dst = BUF_INIT, hdr = BUF_INIT;
	struct iovec iov[2];
	struct timeval tv;
	int rc = -1;
	size_t base;

	buf_addf(&dir, "%s/", s->root);
	rcpt_dir(&dir, r->addr);
	base = dir.len;
	/* tmp, new and cur: a real Maildir any client can open */
	if (md_mkdir(&err, &dir, base, "/cur") != BPT_OK ||
	    md_mkdir(&err, &dir, base, "/new") != BPT_OK ||
	    md_mkdir(&err, &dir, base, "/tmp") != BPT_OK) {
		fail(r, &err);
		goto out;
	}
	buf_setlen(&dir, base);
	gettimeofday(&tv, NULL);
	++s->seq;
	buf_addf(&tmp, "%s/tmp/%lld.M%ldP%ldQ%lu.%s", dir.buf,
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), s->seq,
	    s->host);
	buf_addf(&dst, "%s/new/%s", dir.buf, strrchr(buf_str(&tmp), '/') + 1);
	/* as a delivery agent does: the envelope sender on top */
	buf_addf(&hdr, "Return-Path: <%s>\n", r->env_from ? r->env_from : m->env_from);
	if (buf_failed(&tmp) || buf_failed(&dst) || buf_failed(&hdr)) {
		bpt_err(&err, BPT_ENOMEM, "out of memory");
		fail(r, &err);
		goto out;
	}
	iov[0].iov_base = hdr.buf;
	iov[0].iov_len = hdr.len;
	iov[1].iov_base = (void *)(uintptr_t)m->data;
	iov[1].iov_len = m->len;
	if (fio_write_rename(&err, tmp.buf, dst.buf, iov, 2, 0600) != BPT_OK) {
		fail(r, &err);
		goto out;
	}
	r->result = TR_OK;
	r->code = 250;
	snprintf(r->reply, sizeof(r->reply), "delivered to maildir");
	rc = 0;
out:
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

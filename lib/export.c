/* export.c - the signed transcript to the police file, and its records. */
#include "bptconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>

#include "audit.h"
#include "buf.h"
#include "compose.h"
#include "config.h"
#include "export.h"
#include "fileio.h"
#include "incident.h"
#include "log.h"
#include "pgpmime.h"
#include "printer.h"
#include "sha256.h"
#include "sign.h"
#include "store.h"
#include "util.h"


static const char *const format_names[] = { "eml", "mbox", "text", "json" };

int
export_parse_format(const char *s, enum export_format *f)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(s, format_names[i]) == 0) {
			*f = (enum export_format)i;
			return 0;
		}
	return -1;
}

const char *
export_format_str(enum export_format f)
{
	return (size_t)f < sizeof(format_names) / sizeof(format_names[0]) ?
	    format_names[f] : "?";
}

/* The message headers (CRLF), without the Content-Type. */
static enum bpt_status
headers(struct bpt_ctx *ctx, long long number, const char *subject,
    struct buf *out, char msgid[COMPOSE_MSGID_MAX])
{
	const struct bpt_config *cfg = ctx->cfg;
	struct buf h = BUF_INIT;
	char date[40];
	enum bpt_status st;

	if ((st = compose_msgid(ctx, number, msgid)) != BPT_OK)
		return st;
	util_time_rfc5322(cfg_timezone(ctx->cfg), bpt_now(ctx), date);
	buf_adds(&h, "From: ");
	compose_phrase(&h, cfg->group.name);
	buf_addf(&h, " <%s>\n", cfg->group.address);
	if (*cfg->police.address)
		buf_addf(&h, "To: <%s>\n", cfg->police.address);
	compose_header_text(&h, "Subject", subject);
	buf_addf(&h, "Date: %s\nMessage-ID: <%s>\n", date, msgid);
	/* what answers it automatically must not come back as an alert */
	buf_adds(&h, "Auto-Submitted: auto-generated\n");
	buf_addf(&h, "X-Loop: %s\n", cfg->group.address);
	buf_addf(&h, "X-BPT-Incident: %lld\n", number);
	buf_adds(&h, "MIME-Version: 1.0\n");
	/* compose writes LF line ends; the message is canonical */
	{
		const char *p = h.buf ? h.buf : "", *nl;

		while ((nl = strchr(p, '\n')) != NULL) {
			buf_add(out, p, (size_t)(nl - p));
			buf_add(out, "\r\n", 2);
			p = nl + 1;
		}
	}
	st = buf_failed(&h) || buf_failed(out) ? bpt_err(ctx, BPT_ENOMEM,
	    "out of memory") : BPT_OK;
	buf_release(&h);
	return st;
}

/* Writes b to fd when it is >= 0, else to path, atomically. */
static enum bpt_status
write_out(struct bpt_ctx *ctx, const char *path, int fd, const struct buf *b)
{
	const char *slash;
	struct buf tmp = BUF_INIT;
	enum bpt_status st;

	if (fd >= 0) {
		if (fio_write_all(fd, b->buf ? b->buf : "", b->len) < 0)
			return bpt_err(ctx, bpt_errno_status(errno) == BPT_ENOSPC ?
			    BPT_ENOSPC : BPT_EIO, "cannot write the transcript: %s",
			    strerror(errno));
		return BPT_OK;
	}
	/* the temp file beside the target: the rename stays on one file system */
	slash = strrchr(path, '/');
	if (slash != NULL)
		buf_add(&tmp, path, (size_t)(slash + 1 - path));
	buf_addf(&tmp, ".%s.%ld.tmp", slash ? slash + 1 : path, (long)getpid());
	if (buf_failed(&tmp))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	{
		struct iovec iov = { (void *)(b->buf ? b->buf : ""), b->len };

		st = fio_write_rename(ctx, tmp.buf, path, &iov, 1, 0600);
	}
	buf_release(&tmp);
	return st;
}

/* The exports row, incidents.exported_at and the audit row. */
static enum bpt_status
record(struct bpt_ctx *ctx, long long number, const struct export_opts *o,
    struct export_result *r)
{
	static const char ins[] = "INSERT INTO exports(incident_id, created_at, "
	    "created_by, recipient, file, sha256, signer, content, outbox_id, "
	    "format, size, encrypted_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "zeroblob(0), ?8, ?9, ?10, ?11)";
	static const char upd[] = "UPDATE incidents SET exported_at = ?2 WHERE id = ?1";
	struct audit_entry e = { 0 };
	struct buf d = BUF_INIT;
	enum bpt_status st;
	sqlite3_stmt *s;

	if ((s = store_prepare(ctx, ctx->store, ins)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	sqlite3_bind_int64(s, 2, bpt_now(ctx));
	store_bind_text(s, 3, ctx->actor ? ctx->actor : AUDIT_ACTOR_BPT);
	store_bind_text(s, 4, o->file ? NULL : r->recipient);
	store_bind_text(s, 5, o->file);
	store_bind_text(s, 6, r->sha256);
	store_bind_text(s, 7, *r->signer ? r->signer : NULL);
	if (r->outbox > 0)
		sqlite3_bind_int64(s, 8, r->outbox);
	store_bind_text(s, 9, export_format_str(o->format));
	sqlite3_bind_int64(s, 10, (sqlite3_int64)r->size);
	store_bind_text(s, 11, *r->encrypted_to ? r->encrypted_to : NULL);
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	r->record = sqlite3_last_insert_rowid(store_db(ctx->store));
	if (*r->signer) {
		if ((s = store_prepare(ctx, ctx->store, upd)) == NULL)
			return ctx->err;
		sqlite3_bind_int64(s, 1, number);
		sqlite3_bind_int64(s, 2, bpt_now(ctx));
		if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
			return st;
	}
	buf_addf(&d, "%s %s, %zu bytes, sha256 %s", export_format_str(o->format),
	    o->file ? (o->fd >= 0 ? "written out" : "to a file") :
	    "mailed", r->size, r->sha256);
	if (*r->signer)
		buf_addf(&d, ", signed by %s", r->signer);
	if (*r->encrypted_to)
		buf_addf(&d, ", encrypted to %s", r->encrypted_to);
	if (buf_failed(&d))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	e.action = "export";
	e.incident_id = number;
	e.reason = o->file ? o->file : r->recipient;
	e.detail = d.buf;
	st = audit_add(ctx, &e);
	buf_release(&d);
	return st;
}

/* Queues the message for the police and records it, in one transaction. */
static enum bpt_status
queue(struct bpt_ctx *ctx, long long number, const struct export_opts *o,
    struct buf *msg, const char *msgid, const char *runner,
    struct export_result *r)
{
	const struct bpt_config *cfg = ctx->cfg;
	const char *bounces = cfg->list.bounces;
	enum bpt_status st;

	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		goto out;
	st = outbox_add(ctx, "export", number, 0, msgid, bounces, msg->buf, msg->len,
	    &r->outbox);
	if (st == BPT_OK)
		st = outbox_to_address(ctx, r->outbox, 0, cfg->police.address, runner);
	if (st == BPT_OK)
		st = record(ctx, number, o, r);
	if (st == BPT_OK)
		st = store_commit(ctx, ctx->store);
	else
		store_rollback(ctx->store);
out:
	return st;
}

/* Can the incident be exported at all?  Before any work is done. */
static enum bpt_status
check_incident(struct bpt_ctx *ctx, long long number, const struct export_opts *o)
{
	struct incident inc;
	enum bpt_status st = incident_get(ctx, number, &inc);
	int closed;

	if (st != BPT_OK)
		return st;
	closed = inc.closed;
	incident_release(&inc);
	if (!closed && !o->force)
		return bpt_err(ctx, BPT_EDATA, "incident #%lld is still open: close "
		    "it first, or export it as it stands with --force", number);
	return BPT_OK;
}

/* A temp file beside path for the message, renamed into place later. */
static enum bpt_status
out_begin(struct bpt_ctx *ctx, const char *path, struct buf *tmp, int *fd)
{
	const char *slash = strrchr(path, '/');

	*fd = -1;
	if (slash != NULL)
		buf_add(tmp, path, (size_t)(slash - path + 1));
	buf_addf(tmp, ".%s.XXXXXX", slash ? slash + 1 : path);
	if (buf_failed(tmp))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if ((*fd = mkstemp(tmp->buf)) < 0)
		return bpt_err(ctx, bpt_errno_status(errno) == BPT_ENOSPC ? BPT_ENOSPC :
		    BPT_ECREATE, "cannot create '%s': %s", tmp->buf, strerror(errno));
	return BPT_OK;
}

/* fsync, close, rename over path, fsync the folder; or remove it. */
static enum bpt_status
out_end(struct bpt_ctx *ctx, const char *path, const char *tmp, int fd,
    enum bpt_status st)
{
	const char *slash = strrchr(path, '/');
	struct buf dir = BUF_INIT;
	int e;

	if (st == BPT_OK && fsync(fd) < 0)
		st = bpt_err(ctx, bpt_errno_status(errno) == BPT_ENOSPC ? BPT_ENOSPC :
		    BPT_EIO, "cannot write '%s': %s", path, strerror(errno));
	e = close(fd);
	if (st == BPT_OK && e < 0)
		st = bpt_err(ctx, BPT_EIO, "cannot write '%s': %s", path,
		    strerror(errno));
	if (st == BPT_OK && rename(tmp, path) < 0)
		st = bpt_err(ctx, BPT_ECREATE, "cannot create '%s': %s", path,
		    strerror(errno));
	if (st != BPT_OK) {
		unlink(tmp);
		return st;
	}
	if (slash == NULL)
		buf_adds(&dir, ".");
	else if (slash == path)
		buf_adds(&dir, "/");
	else
		buf_add(&dir, path, (size_t)(slash - path));
	st = buf_failed(&dir) ? bpt_err(ctx, BPT_ENOMEM, "out of memory") :
	    fio_fsync_dir(ctx, dir.buf);
	buf_release(&dir);
	return st;
}

/* The export in the database, with its audit row: one transaction. */
static enum bpt_status
record_tx(struct bpt_ctx *ctx, long long number, const struct export_opts *o,
    struct export_result *r)
{
	enum bpt_status st;

	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	st = record(ctx, number, o, r);
	if (st == BPT_OK)
		return store_commit(ctx, ctx->store);
	store_rollback(ctx->store);
	return st;
}

/* text and json: small, unsigned, built in memory and written. */
static enum bpt_status
export_view(struct bpt_ctx *ctx, long long number, const struct export_opts *o,
    struct export_result *r)
{
	struct buf b = BUF_INIT;
	enum bpt_status st;

	st = transcript_build(ctx, number, o->format == EXPORT_TEXT ?
	    TRANSCRIPT_TEXT : TRANSCRIPT_JSON, -1, &b, &r->info);
	if (st == BPT_OK) {
		sha256_hex_fast(b.buf ? b.buf : "", b.len, r->sha256);
		r->size = b.len;
		st = write_out(ctx, o->file, o->fd, &b);
	}
	buf_release(&b);
	if (st == BPT_OK && (st = record_tx(ctx, number, o, r)) != BPT_OK &&
	    o->fd < 0)
		unlink(o->file);
	return st;
}

enum bpt_status
export_incident(struct bpt_ctx *ctx, long long number, const struct export_opts *o,
    struct export_result *r)
{
	const struct bpt_config *cfg = ctx->cfg;
	struct sign_opts so = { cfg->signing.gnupghome, o->interactive };
	struct sign_session *ss = NULL;
	struct buf b = BUF_INIT, msg = BUF_INIT, hdr = BUF_INIT, tmp = BUF_INIT;
	struct pgpmime_out po;
	struct sign_result sr;
	char runner[OUTBOX_RUNNER_MAX], msgid[COMPOSE_MSGID_MAX] = "", from[400];
	int encrypt = *cfg->police.encrypt_to != '\0', efd = -1, ofd = -1;
	enum bpt_status st;

	memset(r, 0, sizeof(*r));
	memset(&po, 0, sizeof(po));
	r->number = number;
	if (o->file == NULL) {
		if (o->format != EXPORT_EML)
			return bpt_err(ctx, BPT_EUSAGE, "only the eml format is mailed");
		if (*cfg->police.address == '\0')
			return bpt_err(ctx, BPT_ECONFIG, "police.address is empty: set "
			    "it, or write the transcript to a file with -o FILE");
	}
	snprintf(r->recipient, sizeof(r->recipient), "%s", o->file ? o->file :
	    cfg->police.address);
	if ((st = check_incident(ctx, number, o)) != BPT_OK)
		return st;
	if (o->format == EXPORT_TEXT || o->format == EXPORT_JSON)
		return export_view(ctx, number, o, r);
	/*
	 * The keys first: one that cannot be used stops everything before
	 * anything is written, recorded or sent.  gpgme starts gpg and its
	 * helpers eight times for it.  Looked up in a thread beside the
	 * build, they cost the build more than they saved: after each fork
	 * every page the build wrote to faulted again (bench/README.md).
	 */
	if ((st = sign_open(ctx, &so, &ss)) != BPT_OK)
		return st;
	if ((st = sign_check_signer(ctx, ss, "signing.key", cfg->signing.key)) !=
	    BPT_OK || (encrypt && (st = sign_check_recipient(ctx, ss,
	    "police.encrypt_to", cfg->police.encrypt_to)) != BPT_OK))
		goto out;
	/* the signed entity goes to a scratch file in the store's own
	 * folder (private to the tools), never whole in memory */
	if ((st = fio_scratch(ctx, cfg->store, &efd)) != BPT_OK ||
	    (st = transcript_build(ctx, number, TRANSCRIPT_MIME, efd, &b,
	    &r->info)) != BPT_OK)
		goto out;
	buf_release(&b);
	if ((st = headers(ctx, number, r->info.subject, &hdr, msgid)) != BPT_OK)
		goto out;
	/* what leaves: the file's bytes, or the message in the form the
	 * relay gets it (CRLF), which is also what an .eml file holds */
	po.fd = -1;
	po.mem = &msg;
	if (o->file == NULL) {
		/* the outbox keeps mail with LF line ends; transports make CRLF */
		po.lf = 1;
		po.hash_crlf = 1;
		po.scratch = 1;
	} else if (o->fd >= 0) {
		po.fd = o->fd;
	} else if ((st = out_begin(ctx, o->file, &tmp, &ofd)) != BPT_OK) {
		goto out;
	} else {
		po.fd = ofd;
		po.scratch = 1;		/* renamed into place only on success */
	}
	if (o->format == EXPORT_MBOX) {
		struct tm tm;
		time_t now = bpt_now(ctx);
		char t[64];

		gmtime_r(&now, &tm);
		strftime(t, sizeof(t), "%a %b %e %H:%M:%S %Y", &tm);
		snprintf(from, sizeof(from), "From %s %s", cfg->group.address, t);
		po.lf = 1;
		po.from_line = from;
	}
	st = pgpmime_write(ctx, ss, hdr.buf, hdr.len, efd, cfg->signing.key,
	    encrypt ? cfg->police.encrypt_to : NULL, &po, &sr);
	if (ofd >= 0) {
		st = out_end(ctx, o->file, tmp.buf, ofd, st);
		ofd = -1;
	}
	if (st != BPT_OK)
		goto out;
	memcpy(r->sha256, po.sha256, sizeof(r->sha256));
	r->size = po.size;
	snprintf(r->signer, sizeof(r->signer), "%s", sr.fpr);
	if (encrypt)
		snprintf(r->encrypted_to, sizeof(r->encrypted_to), "%s",
		    cfg->police.encrypt_to);
	if (o->file != NULL) {
		/* not recorded: the file must not stay as if it were */
		if ((st = record_tx(ctx, number, o, r)) != BPT_OK && o->fd < 0)
			unlink(o->file);
		goto out;
	}
	outbox_runner(runner);
	if ((st = queue(ctx, number, o, &msg, msgid, o->deliver ? runner : NULL,
	    r)) != BPT_OK)
		goto out;
	buf_release(&msg);
	if (o->deliver) {
		enum bpt_status ds = outbox_deliver_claimed(ctx, runner, &r->sent);

		/* queued and recorded: bpt-send delivers what is left */
		if (ds != BPT_OK)
			log_warnx("incident #%lld: delivery left for bpt-send: %s",
			    number, ctx->errmsg);
	}
out:
	if (ofd >= 0) {
		close(ofd);
		unlink(tmp.buf);
	}
	if (efd >= 0)
		close(efd);
	sign_close(ss);
	buf_release(&b);
	buf_release(&msg);
	buf_release(&hdr);
	buf_release(&tmp);
	return st;
}

enum bpt_status
export_pending(struct bpt_ctx *ctx, const struct export_opts *o,
    int (*fn)(void *arg, enum bpt_status st, const struct export_result *r),
    void *arg)
{
	static const char sql[] = "SELECT id FROM incidents WHERE status = 'closed' "
	    "AND exported_at IS NULL AND purged_at IS NULL AND closed_at <= ?1 "
	    "ORDER BY id";
	struct export_result r;
	enum bpt_status st, first = BPT_OK;
	long long *ids = NULL;
	size_t n = 0, i;
	sqlite3_stmt *s;

	if (o->file != NULL)
		return bpt_err(ctx, BPT_EUSAGE, "--pending mails; it takes no file");
	if (*ctx->cfg->police.address == '\0')
		return bpt_err(ctx, BPT_ECONFIG, "police.address is empty: --pending "
		    "has nowhere to send transcripts");
	if ((s = store_prepare(ctx, ctx->store, sql)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, bpt_now(ctx) - ctx->cfg->police.export_after);
	if ((st = store_ids(ctx, ctx->store, s, &ids, &n, "find pending exports")) !=
	    BPT_OK)
		return st;
	for (i = 0; i < n; i++) {
		if (o->dry_run) {
			memset(&r, 0, sizeof(r));
			r.number = ids[i];
			snprintf(r.recipient, sizeof(r.recipient), "%s",
			    ctx->cfg->police.address);
			if (fn != NULL && fn(arg, BPT_OK, &r) != 0)
				break;
			continue;
		}
		st = export_incident(ctx, ids[i], o, &r);
		if (st != BPT_OK && first == BPT_OK)
			first = st;
		if (fn != NULL && fn(arg, st, &r) != 0)
			break;
		/* the same key fails the same way for every incident */
		if (st == BPT_ECONFIG || st == BPT_EUNAVAIL || st == BPT_ENOMEM)
			break;
	}
	free(ids);
	return first;
}

enum bpt_status
export_each(struct bpt_ctx *ctx, long long number,
    int (*fn)(void *arg, const struct export_record *e), void *arg)
{
	static const char sql[] = "SELECT e.id, e.created_at, e.created_by, "
	    "e.recipient, e.file, e.format, e.size, e.sha256, e.signer, "
	    "e.encrypted_to, (SELECT d.state FROM outbox o CROSS JOIN deliveries d "
	    "ON d.id BETWEEN o.dfirst AND o.dlast WHERE o.id = e.outbox_id "
	    "ORDER BY d.id LIMIT 1) FROM exports e WHERE e.incident_id = ? "
	    "ORDER BY e.id";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	struct export_record e;
	int rc;

	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, number);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(s, 0);
		e.at = (time_t)sqlite3_column_int64(s, 1);
		e.by = store_col_text(s, 2);
		e.recipient = (const char *)sqlite3_column_text(s, 3);
		e.file = (const char *)sqlite3_column_text(s, 4);
		e.format = sqlite3_column_type(s, 5) == SQLITE_NULL ? "eml" :
		    store_col_text(s, 5);
		e.size = sqlite3_column_int64(s, 6);
		e.sha256 = store_col_text(s, 7);
		e.signer = (const char *)sqlite3_column_text(s, 8);
		e.encrypted_to = (const char *)sqlite3_column_text(s, 9);
		e.delivery = (const char *)sqlite3_column_text(s, 10);
		if (fn(arg, &e) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(ctx, ctx->store, rc, "read exports");
	return BPT_OK;
}

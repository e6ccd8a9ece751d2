/*
 * member_csv.c - members as CSV: the columns, export of one member to a
 * line, and import of a file (member.h).
 *
 * One table names the columns; export writes them in its order and
 * import finds them by name (or a Dutch or older name) in any order.
 * Every cell goes through csv_add_cell() on the way out and
 * csv_cell_text() on the way in, so a value a spreadsheet would run as
 * a formula is neutralised and still comes back as it was.  Times are
 * written in UTC ("2026-11-28T20:04:05Z"): the file means the same in
 * every timezone.
 */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "audit.h"
#include "buf.h"
#include "config.h"
#include "csv.h"
#include "member.h"
#include "member_int.h"
#include "store.h"
#include "util.h"

enum {
	COL_EMAIL, COL_NAME, COL_PHONE, COL_ROLE, COL_STATUS, COL_REASON,
	COL_UNTIL, COL_STATUS_AT, COL_CONSENT, COL_CONSENT_AT, COL_CONSENT_VIA,
	COL_JOINED, NCOLS
};

/* The header export writes, in this order: columns[COL_x] is COL_x. */
static const char *const columns[NCOLS] = {
	[COL_EMAIL] = "email",
	[COL_NAME] = "name",
	[COL_PHONE] = "phone",
	[COL_ROLE] = "role",
	[COL_STATUS] = "status",
	[COL_REASON] = "status_reason",
	[COL_UNTIL] = "status_until",
	[COL_STATUS_AT] = "status_at",
	[COL_CONSENT] = "consent_version",
	[COL_CONSENT_AT] = "consent_at",
	[COL_CONSENT_VIA] = "consent_via",
	[COL_JOINED] = "joined_at",
};

/* Other names import takes for a column. */
static const struct {
	const char *name;
	int col;
} aliases[] = {
	{ "e-mail", COL_EMAIL }, { "mail", COL_EMAIL },
	{ "naam", COL_NAME },
	{ "telefoon", COL_PHONE },
	{ "rol", COL_ROLE },
	{ "consent", COL_CONSENT },
	{ "joined", COL_JOINED },
};

/* --- times --------------------------------------------------------------- */

/* t as "2026-11-28T20:04:05Z" in buf; NULL for 0 (no time). */
static const char *
csv_time(time_t t, char buf[32])
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return buf;
}

/* "+01:00" or "-02:30" into seconds east of UTC; -1 if it is not one. */
static long
utc_offset(const char *s)
{
	int i;

	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return -1;
	for (i = 1; i < 6; i++)
		if (i != 3 && !isdigit((unsigned char)s[i]))
			return -1;
	return ((s[1] - '0') * 10 + (s[2] - '0')) * 3600L +
	    ((s[4] - '0') * 10 + (s[5] - '0')) * 60L;
}

/*
 * A time of column what: what export writes, RFC 3339 with an offset
 * ("2026-11-28T21:04:05+01:00"), or a local date with an optional time
 * ("2026-11-28", "2026-11-28 21:04").  BPT_EDATA when it is none.
 */
static enum bpt_status
parse_time(struct bpt_ctx *ctx, const char *what, const char *s, time_t *out)
{
	struct tm tm;
	const char *end;
	long off = 0;
	time_t t = -1;
	char *v;

	if ((v = member_trim(s)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end != NULL) {
		if (strcmp(end, "Z") != 0 && (off = utc_offset(end)) >= 0 &&
		    *end == '-')
			off = -off;
		/* off is -1 only for what is no offset: -00:01 is -60 */
		if (off != -1)
			t = timegm(&tm) - off;
	} else {
		t = util_parse_date(cfg_timezone(ctx->cfg), v);
	}
	free(v);
	if (t <= 0)
		return bpt_err(ctx, BPT_EDATA, "bad %s '%s': write it as "
		    "2026-11-28T20:04:05Z or 2026-11-28", what, s);
	*out = t;
	return BPT_OK;
}

/* --- export -------------------------------------------------------------- */

static const char *
value(const struct member *m, int col, char t[32])
{
	switch (col) {
	case COL_EMAIL: return m->email;
	case COL_NAME: return m->name;
	case COL_PHONE: return m->phone;
	case COL_ROLE: return m->role;
	case COL_STATUS: return m->status;
	case COL_REASON: return m->status_reason;
	case COL_UNTIL: return csv_time(m->status_until, t);
	case COL_STATUS_AT: return csv_time(m->status_at, t);
	case COL_CONSENT: return m->consent_version;
	case COL_CONSENT_AT: return csv_time(m->consent_at, t);
	case COL_CONSENT_VIA: return m->consent_version ? m->consent_via : NULL;
	case COL_JOINED: return csv_time(m->joined_at, t);
	}
	return NULL;
}

static void
line_end(struct buf *out, unsigned flags)
{
	buf_adds(out, flags & MEMBER_CSV_EXCEL ? "\r\n" : "\n");
}

void
member_csv_header(struct buf *out, unsigned flags)
{
	int i, sep = flags & MEMBER_CSV_EXCEL ? ';' : ',';

	if (flags & MEMBER_CSV_EXCEL)
		buf_adds(out, "\xef\xbb\xbf");
	for (i = 0; i < NCOLS; i++) {
		if (i > 0)
			buf_addch(out, sep);
		buf_adds(out, columns[i]);
	}
	line_end(out, flags);
}

void
member_csv_row(struct buf *out, const struct member *m, unsigned flags)
{
	int i, sep = flags & MEMBER_CSV_EXCEL ? ';' : ',';
	char t[32];

	for (i = 0; i < NCOLS; i++) {
		if (i > 0)
			buf_addch(out, sep);
		csv_add_cell(out, value(m, i, t));
	}
	line_end(out, flags);
}

/* --- import -------------------------------------------------------------- */

static int
column_named(const char *h)
{
	size_t i;

	for (i = 0; i < NCOLS; i++)
		if (strcasecmp(h, columns[i]) == 0)
			return (int)i;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(h, aliases[i].name) == 0)
			return aliases[i].col;
	return -1;
}

/* An error about the header that lists the columns import knows. */
static enum bpt_status
header_bad(struct bpt_ctx *ctx, const struct csv *c, const char *what,
    const char *h)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < NCOLS; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", columns[i]);
	if (buf_failed(&b))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	bpt_err(ctx, BPT_EDATA, "%s:%ld: %s%s%s%s (expected %s)", c->name,
	    c->line, what, h ? " '" : "", h ? h : "", h ? "'" : "", buf_str(&b));
	buf_release(&b);
	return BPT_EDATA;
}

/* Maps the header's fields to columns: map[COL_x] is a field or -1. */
static enum bpt_status
import_header(struct bpt_ctx *ctx, struct csv *c, int map[NCOLS])
{
	enum bpt_status st = BPT_OK;
	size_t i, nf = csv_nfields(c);
	char *h;
	int col;

	for (i = 0; i < NCOLS; i++)
		map[i] = -1;
	for (i = 0; i < nf && st == BPT_OK; i++) {
		if ((h = member_trim(csv_field(c, i))) == NULL)
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
		if ((col = column_named(h)) < 0)
			st = header_bad(ctx, c, "unknown column", h);
		else if (map[col] >= 0)
			st = bpt_err(ctx, BPT_EDATA, "%s:%ld: column '%s' twice in "
			    "the header", c->name, c->line, h);
		else
			map[col] = (int)i;
		free(h);
	}
	if (st == BPT_OK && map[COL_EMAIL] < 0)
		st = header_bad(ctx, c, "no email column in the header", NULL);
	return st;
}

/*
 * The value of column col, without the quote export put before a
 * formula, or NULL when the file has no such column or the cell is
 * blank (for an existing member: keep what is stored).
 */
static const char *
cell(const struct csv *c, const int map[NCOLS], int col)
{
	const char *s;

	if (map[col] < 0)
		return NULL;
	s = csv_cell_text(csv_field(c, (size_t)map[col]));
	return s[strspn(s, " \t")] == '\0' ? NULL : s;
}

static enum bpt_status
cell_time(struct bpt_ctx *ctx, const struct csv *c, const int map[NCOLS],
    int col, time_t *out)
{
	const char *s = cell(c, map, col);

	*out = 0;
	return s == NULL ? BPT_OK : parse_time(ctx, columns[col], s, out);
}

/* The values of the current row into pc; errors without NAME:LINE. */
static enum bpt_status
row_values(struct bpt_ctx *ctx, const struct csv *c, const int map[NCOLS],
    const struct member_import_opts *o, struct pchange *pc)
{
	struct member_change ch = { 0 };
	const char *s;
	enum bpt_status st;

	ch.name = cell(c, map, COL_NAME);
	ch.phone = cell(c, map, COL_PHONE);
	ch.role = cell(c, map, COL_ROLE);
	ch.consent_version = cell(c, map, COL_CONSENT);
	ch.consent_via = cell(c, map, COL_CONSENT_VIA);
	if (ch.consent_version == NULL &&
	    (ch.consent_via != NULL || cell(c, map, COL_CONSENT_AT) != NULL))
		return bpt_err(ctx, BPT_EDATA, "consent_at and consent_via need "
		    "a consent_version in the same row");
	if (ch.consent_version == NULL)
		ch.consent_version = o->consent_version;
	if (ch.consent_via == NULL)
		ch.consent_via = "import";
	if ((st = pchange_prepare(ctx, &ch, pc)) != BPT_OK)
		return st;
	if ((s = cell(c, map, COL_STATUS)) != NULL &&
	    (st = member_check_status(ctx, s, &pc->status)) != BPT_OK)
		return st;
	if ((s = cell(c, map, COL_REASON)) != NULL &&
	    (st = member_check_text(ctx, "status_reason", s, MEMBER_REASON_MAX,
	    0, &pc->status_reason)) != BPT_OK)
		return st;
	if ((st = cell_time(ctx, c, map, COL_UNTIL, &pc->status_until)) != BPT_OK ||
	    (st = cell_time(ctx, c, map, COL_STATUS_AT, &pc->status_at)) != BPT_OK ||
	    (st = cell_time(ctx, c, map, COL_CONSENT_AT, &pc->consent_at)) != BPT_OK ||
	    (st = cell_time(ctx, c, map, COL_JOINED, &pc->joined_at)) != BPT_OK)
		return st;
	if (pc->status_reason != NULL &&
	    (pc->status == NULL || strcmp(pc->status, "active") == 0))
		return bpt_err(ctx, BPT_EDATA, "a status_reason needs a status "
		    "other than active");
	if (pc->status_until != 0 &&
	    (pc->status == NULL || strcmp(pc->status, "suspended") != 0))
		return bpt_err(ctx, BPT_EDATA, "a status_until is the end of a "
		    "suspension: the status must be suspended");
	if (pc->status_at != 0 && pc->status == NULL)
		return bpt_err(ctx, BPT_EDATA, "a status_at needs a status");
	return BPT_OK;
}

/* A member the import made active: o->joined(), if any. */
static enum bpt_status
joined(struct bpt_ctx *ctx, const struct member_import_opts *o,
    const char *email)
{
	if (o->joined == NULL || o->dry_run)
		return BPT_OK;
	return o->joined(ctx, email, o->joined_arg);
}

/* Checks and writes one data row; errors without the NAME:LINE prefix. */
static enum bpt_status
import_row(struct bpt_ctx *ctx, const struct csv *c, const int map[NCOLS],
    const struct member_import_opts *o, const struct add_how *how,
    long long max_id, time_t now, struct token_pool *tp, struct buf *d,
    struct member_import_result *res)
{
	struct pchange pc;
	struct member old;
	enum bpt_status st;
	const char *done = "none";
	char *norm = NULL;
	long long id;

	memset(&pc, 0, sizeof(pc));
	memset(&old, 0, sizeof(old));
	if ((st = addr_normalize(ctx, csv_cell_text(csv_field(c,
	    (size_t)map[COL_EMAIL])), &norm)) != BPT_OK)
		return st;
	if ((st = row_values(ctx, c, map, o, &pc)) != BPT_OK)
		goto out;
	/* added members are recorded by the import's row, which covers
	   their ids (contiguous: only additions take new ids); a row each
	   would make a large import a third slower */
	st = member_add_new(ctx, tp, norm, &pc, NULL, now, d, &id);
	if (st == BPT_OK) {
		res->added++;
		if (pc.status == NULL || strcmp(pc.status, "active") == 0)
			st = joined(ctx, o, norm);
		goto out;
	}
	if (st != BPT_EEXIST)
		goto out;
	if ((st = member_lookup_norm(ctx, norm, &old)) != BPT_OK) {
		if (st == BPT_ENOENT)
			st = bpt_err(ctx, BPT_EINTERNAL, "'%s' vanished", norm);
		goto out;
	}
	if (old.id > max_id) {
		st = bpt_err(ctx, BPT_EDATA, "'%s' appears more than once in the "
		    "file", old.email);
		goto out;
	}
	st = member_add_existing(ctx, &old, &pc, how, now, d, &done);
	if (st != BPT_OK)
		goto out;
	if (strcmp(done, "readd") == 0 || strcmp(done, "force-add") == 0) {
		res->readded++;
		st = joined(ctx, o, old.email);
	} else if (strcmp(done, "update") == 0)
		res->updated++;
	else
		res->unchanged++;
out:
	member_release(&old);
	pchange_release(&pc);
	free(norm);
	return st;
}

/*
 * cache_spill off for the length of an import: a large import touches
 * more index pages than the page cache holds (2 MiB); writing them to
 * the WAL in the middle of the transaction costs more than the import.
 */
static void
import_settings(struct bpt_ctx *ctx, int importing)
{
	sqlite3_exec(store_db(ctx->store), importing ? "PRAGMA cache_spill=OFF" :
	    "PRAGMA cache_spill=ON", NULL, NULL, NULL);
}

enum bpt_status
member_import(struct bpt_ctx *ctx, FILE *in, const struct member_import_opts *o,
    struct member_import_result *res)
{
	struct audit_entry e = { 0 };
	struct token_pool tp = MEMBER_TOKEN_POOL_INIT;
	struct add_how how = { o->update, o->force, NULL, 0 };
	struct buf d = BUF_INIT;
	struct csv c;
	enum bpt_status st;
	long long max_id = 0;
	size_t nhead;
	time_t now = bpt_now(ctx);
	char *why = NULL;
	int map[NCOLS], eof = 0, nested = 0, opened = 0, settings = 0;

	memset(res, 0, sizeof(*res));
	csv_init(&c, in, o->name);
	if (o->reason != NULL && (st = member_check_text(ctx, "reason",
	    o->reason, MEMBER_REASON_MAX, 1, &why)) != BPT_OK)
		goto out;
	how.reason = why;
	if ((st = csv_next(ctx, &c, &eof)) != BPT_OK)
		goto out;
	if (eof) {
		st = bpt_err(ctx, BPT_EDATA, "%s: empty file (expected a header "
		    "row: email,name,phone,role,...)", c.name);
		goto out;
	}
	if ((st = import_header(ctx, &c, map)) != BPT_OK)
		goto out;
	nhead = csv_nfields(&c);
	import_settings(ctx, 1);
	settings = 1;
	if ((st = store_enter(ctx, ctx->store, &nested)) != BPT_OK)
		goto out;
	opened = 1;
	if ((st = member_max_id(ctx, &max_id)) != BPT_OK)
		goto out;
	for (;;) {
		if ((st = csv_next(ctx, &c, &eof)) != BPT_OK || eof)
			break;
		res->records++;
		if (csv_nfields(&c) != nhead) {
			st = bpt_err(ctx, BPT_EDATA, "%s:%ld: %zu fields, the header "
			    "has %zu", c.name, c.line, csv_nfields(&c), nhead);
			break;
		}
		st = import_row(ctx, &c, map, o, &how, max_id, now, &tp, &d, res);
		if (st != BPT_OK) {
			bpt_err_prefix(ctx, "%s:%ld", c.name, c.line);
			break;
		}
	}
	if (st != BPT_OK)
		goto out;
	buf_reset(&d);
	buf_addf(&d, "%s: %ld added, %ld re-added, %ld updated, %ld unchanged",
	    c.name, res->added, res->readded, res->updated, res->unchanged);
	if (buf_failed(&d)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	e.at = now;
	e.action = "import";
	e.detail = buf_str(&d);
	if (res->added > 0) {
		e.member_id = tp.next_id - res->added;
		e.member_last = tp.next_id - 1;
	}
	st = audit_add(ctx, &e);
out:
	if (opened)
		st = store_finish(ctx, ctx->store, nested, o->dry_run, st);
	if (settings)
		import_settings(ctx, 0);
	buf_release(&d);
	csv_release(&c);
	free(why);
	return st;
}

/*
 * member_csv.c - members from CSV: the columns import knows, and import
 * of a file (member.h).
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "audit.h"
#include "buf.h"
#include "csv.h"
#include "member.h"
#include "member_int.h"
#include "store.h"

enum { COL_EMAIL, COL_NAME, COL_PHONE, COL_ROLE, COL_CONSENT, NCOLS };

static const struct {
	const char *name;
	int col;
} col_names[] = {
	{ "email", COL_EMAIL }, { "e-mail", COL_EMAIL }, { "mail", COL_EMAIL },
	{ "name", COL_NAME }, { "naam", COL_NAME },
	{ "phone", COL_PHONE }, { "telefoon", COL_PHONE },
	{ "role", COL_ROLE }, { "rol", COL_ROLE },
	{ "consent_version", COL_CONSENT }, { "consent", COL_CONSENT },
};

/* Maps the header's fields to columns: map[COL_x] is a field or -1. */
static enum bpt_status
import_header(struct bpt_ctx *ctx, struct csv *c, int map[NCOLS])
{
	size_t i, j, nf = csv_nfields(c);
	char *h;

	for (i = 0; i < NCOLS; i++)
		map[i] = -1;
	for (i = 0; i < nf; i++) {
		int col = -1;

		if ((h = member_trim(csv_field(c, i))) == NULL)
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
		for (j = 0; j < sizeof(col_names) / sizeof(col_names[0]); j++)
			if (strcasecmp(h, col_names[j].name) == 0)
				col = col_names[j].col;
		if (col < 0) {
			bpt_err(ctx, BPT_EDATA, "%s:%ld: unknown column '%s' in the "
			    "header (expected email, name, phone, role, "
			    "consent_version)", c->name, c->line, h);
			free(h);
			return BPT_EDATA;
		}
		if (map[col] >= 0) {
			bpt_err(ctx, BPT_EDATA, "%s:%ld: column '%s' twice in the "
			    "header", c->name, c->line, h);
			free(h);
			return BPT_EDATA;
		}
		free(h);
		map[col] = (int)i;
	}
	if (map[COL_EMAIL] < 0)
		return bpt_err(ctx, BPT_EDATA, "%s:%ld: no email column in the "
		    "header (expected email, name, phone, role, consent_version)",
		    c->name, c->line);
	return BPT_OK;
}

/* The cell of column col, or NULL when the file has no such column. */
static const char *
cell(const struct csv *c, const int map[NCOLS], int col)
{
	return map[col] < 0 ? NULL : csv_field(c, (size_t)map[col]);
}

/* A blank cell of an existing member keeps what is stored. */
static const char *
nonblank(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0' ? NULL : s;
}

/* Checks and writes one data row; errors without the NAME:LINE prefix. */
static enum bpt_status
import_row(struct bpt_ctx *ctx, const struct csv *c, const int map[NCOLS],
    const struct member_import_opts *o, long long max_id, time_t now,
    struct token_pool *tp, struct buf *d, struct member_import_result *res)
{
	struct member_change ch = { 0 };
	struct pchange pc;
	struct member old;
	enum bpt_status st;
	const char *done = "none";
	char *norm = NULL;
	long long id;

	memset(&pc, 0, sizeof(pc));
	memset(&old, 0, sizeof(old));
	if ((st = addr_normalize(ctx, cell(c, map, COL_EMAIL), &norm)) != BPT_OK)
		return st;
	ch.name = nonblank(cell(c, map, COL_NAME));
	ch.phone = nonblank(cell(c, map, COL_PHONE));
	ch.role = nonblank(cell(c, map, COL_ROLE));
	ch.consent_version = nonblank(cell(c, map, COL_CONSENT));
	if (ch.consent_version == NULL)
		ch.consent_version = o->consent_version;
	ch.consent_via = "import";
	if ((st = pchange_prepare(ctx, &ch, &pc)) != BPT_OK)
		goto out;
	/* added members are recorded by the import's row, which covers
	   their ids (contiguous: only additions take new ids); a row each
	   would make a large import a third slower */
	st = member_add_new(ctx, tp, norm, &pc, NULL, now, d, &id);
	if (st == BPT_OK) {
		res->added++;
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
	if ((st = member_add_existing(ctx, &old, &pc, o->update, now, d,
	    &done)) != BPT_OK)
		goto out;
	if (strcmp(done, "readd") == 0)
		res->readded++;
	else if (strcmp(done, "update") == 0)
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
	struct buf d = BUF_INIT;
	struct csv c;
	enum bpt_status st;
	long long max_id = 0;
	size_t nhead;
	time_t now = bpt_now(ctx);
	int map[NCOLS], eof = 0, own = 0, opened = 0, settings = 0;

	memset(res, 0, sizeof(*res));
	csv_init(&c, in, o->name);
	if ((st = csv_next(ctx, &c, &eof)) != BPT_OK)
		goto out;
	if (eof) {
		st = bpt_err(ctx, BPT_EDATA, "%s: empty file (expected a header "
		    "row: email,name,phone,role)", c.name);
		goto out;
	}
	if ((st = import_header(ctx, &c, map)) != BPT_OK)
		goto out;
	nhead = csv_nfields(&c);
	import_settings(ctx, 1);
	settings = 1;
	if ((st = member_tx_open(ctx, o->dry_run, &own)) != BPT_OK)
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
		st = import_row(ctx, &c, map, o, max_id, now, &tp, &d, res);
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
		st = member_tx_close(ctx, own, o->dry_run, st);
	if (settings)
		import_settings(ctx, 0);
	buf_release(&d);
	csv_release(&c);
	return st;
}

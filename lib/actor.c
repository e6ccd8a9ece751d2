/* actor.c - who acts for the group: --as, or a login linked to a member. */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "actor.h"
#include "audit.h"
#include "buf.h"
#include "member.h"
#include "store.h"
#include "util.h"

#define LOGIN_MAX 64

void
actor_release(struct actor *a)
{
	if (a == NULL)
		return;
	free(a->email);
	free(a->name);
	memset(a, 0, sizeof(*a));
}

static int
is_admin(const struct member *m)
{
	return strcmp(m->role, "admin") == 0 || strcmp(m->role, "coordinator") == 0;
}

/* The address of the member whose login is login; BPT_ENOENT if none. */
static enum bpt_status
email_of_login(struct bpt_ctx *ctx, const char *login, char **out)
{
	static const char sql[] = "SELECT email FROM members WHERE login = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st = BPT_ENOENT;
	int rc;

	*out = NULL;
	if (s == NULL)
		return ctx->err;
	store_bind_text(s, 1, login);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		st = (*out = strdup(store_col_text(s, 0))) != NULL ? BPT_OK :
		    bpt_err(ctx, BPT_ENOMEM, "out of memory");
	else if (rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "look up a login");
	sqlite3_reset(s);
	return st;
}

enum bpt_status
actor_check(struct bpt_ctx *ctx, const char *as, const char *login,
    struct actor *out)
{
	struct member m;
	enum bpt_status st;
	char *email = NULL, *actor;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (as == NULL) {
		st = email_of_login(ctx, login ? login : "", &email);
		if (st == BPT_ENOENT)
			return bpt_err(ctx, BPT_EPERM, "login '%s' is not linked to an "
			    "admin or coordinator: give --as EMAIL, or link it with "
			    "'bpt-member set EMAIL --login %s'", login ? login : "",
			    login ? login : "");
		if (st != BPT_OK)
			return st;
	}
	st = member_lookup(ctx, as ? as : email, &m);
	if (st == BPT_ENOENT)
		st = bpt_err(ctx, BPT_EPERM, "'%s' is not a member of this group: "
		    "only an active admin or coordinator may do this",
		    as ? as : email);
	free(email);
	if (st != BPT_OK)
		return st;
	if (!is_admin(&m) || !member_is_active(&m)) {
		st = bpt_err(ctx, BPT_EPERM, "'%s' is not an active admin or "
		    "coordinator (role %s, status %s)", m.email, m.role, m.status);
		member_release(&m);
		return st;
	}
	out->id = m.id;
	out->email = strdup(m.email);
	out->name = strdup(m.name ? m.name : "");
	actor = strdup(m.email);
	member_release(&m);
	if (out->email == NULL || out->name == NULL || actor == NULL) {
		free(actor);
		actor_release(out);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	free(ctx->actor);
	ctx->actor = actor;
	return BPT_OK;
}

const char *
actor_login_name(void)
{
	const char *s = getenv("SUDO_USER");

	return s != NULL && *s != '\0' ? s : util_login_name();
}

enum bpt_status
actor_login_of(struct bpt_ctx *ctx, long long id, char **out)
{
	static const char sql[] = "SELECT login FROM members WHERE id = ?";
	sqlite3_stmt *s = store_prepare(ctx, ctx->store, sql);
	enum bpt_status st = BPT_OK;
	int rc;

	*out = NULL;
	if (s == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL &&
	    (*out = strdup(store_col_text(s, 0))) == NULL)
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = store_fail(ctx, ctx->store, rc, "read a login");
	sqlite3_reset(s);
	return st;
}

/* One word of printable ASCII, as login names are. */
static int
login_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LOGIN_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static enum bpt_status
write_login(struct bpt_ctx *ctx, const struct member *m, const char *old,
    const char *login, struct buf *d)
{
	static const char taken[] = "SELECT email FROM members WHERE login = ?1 "
	    "AND id <> ?2";
	static const char upd[] = "UPDATE members SET login = ?2, updated_at = ?3 "
	    "WHERE id = ?1";
	struct audit_entry e = { 0 };
	enum bpt_status st;
	sqlite3_stmt *s;
	int rc;

	if (*login != '\0') {
		if ((s = store_prepare(ctx, ctx->store, taken)) == NULL)
			return ctx->err;
		store_bind_text(s, 1, login);
		sqlite3_bind_int64(s, 2, m->id);
		rc = sqlite3_step(s);
		st = BPT_OK;
		if (rc == SQLITE_ROW)
			st = bpt_err(ctx, BPT_EDATA, "login '%s' is already linked to "
			    "'%s'", login, store_col_text(s, 0));
		else if (rc != SQLITE_DONE)
			st = store_fail(ctx, ctx->store, rc, "look up a login");
		sqlite3_reset(s);
		if (st != BPT_OK)
			return st;
	}
	if ((s = store_prepare(ctx, ctx->store, upd)) == NULL)
		return ctx->err;
	sqlite3_bind_int64(s, 1, m->id);
	store_bind_text(s, 2, *login ? login : NULL);
	sqlite3_bind_int64(s, 3, bpt_now(ctx));
	if ((st = store_step_done(ctx, ctx->store, s)) != BPT_OK)
		return st;
	if (d->len > 0)
		buf_adds(d, ", ");
	buf_addf(d, "login '%s' -> '%s'", old ? old : "", login);
	if (buf_failed(d))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	e.action = "update";
	e.member_id = m->id;
	e.member_email = m->email;
	e.detail = buf_str(d);
	return audit_add(ctx, &e);
}

enum bpt_status
actor_set_login(struct bpt_ctx *ctx, const char *email,
    const struct member_change *ch, int fields, const char *login,
    struct member_report *r)
{
	struct member_report fr;
	struct member m;
	struct buf d = BUF_INIT;
	enum bpt_status st;
	char *old = NULL;
	int changed = 0;

	memset(r, 0, sizeof(*r));
	memset(&fr, 0, sizeof(fr));
	memset(&m, 0, sizeof(m));
	if (*login != '\0' && !login_ok(login))
		return bpt_err(ctx, BPT_EDATA, "bad login '%s': one word of at most "
		    "%d characters", login, LOGIN_MAX);
	if ((st = store_begin(ctx, ctx->store)) != BPT_OK)
		return st;
	if (fields) {
		struct member_change c = *ch;

		/* this transaction is rolled back for a dry run */
		c.dry_run = 0;
		if ((st = member_set(ctx, email, &c, &fr)) != BPT_OK)
			goto out;
		changed = strcmp(fr.action, "none") != 0;
		buf_adds(&d, fr.detail ? fr.detail : "");
	}
	if ((st = member_find(ctx, email, &m)) != BPT_OK)
		goto out;
	if ((st = actor_login_of(ctx, m.id, &old)) != BPT_OK)
		goto out;
	if (strcmp(old ? old : "", login) != 0) {
		/* the audit row of the login says only what it changed */
		struct buf ld = BUF_INIT;

		st = write_login(ctx, &m, old, login, &ld);
		if (st == BPT_OK) {
			if (d.len > 0)
				buf_adds(&d, ", ");
			buf_adds(&d, buf_str(&ld));
		}
		buf_release(&ld);
		if (st != BPT_OK)
			goto out;
		changed = 1;
	}
	r->action = changed ? "update" : "none";
	r->id = m.id;
	r->email = strdup(m.email);
	r->detail = buf_detach(&d, NULL);
	if (r->email == NULL || r->detail == NULL) {
		member_report_release(r);
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
out:
	if (st != BPT_OK || ch->dry_run)
		store_rollback(ctx->store);
	else if ((st = store_commit(ctx, ctx->store)) != BPT_OK)
		member_report_release(r);
	member_report_release(&fr);
	member_release(&m);
	buf_release(&d);
	free(old);
	return st;
}

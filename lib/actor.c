/* actor.c - who acts for the group: --as, or a login linked to a member. */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "actor.h"
#include "member.h"
#include "store.h"

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

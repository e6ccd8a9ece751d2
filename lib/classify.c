/* classify.c - one incoming mail, one class, in the order of DESIGN.md. */
#include "bptconf.h"

#include <string.h>
#include <strings.h>

#include "autoclass.h"
#include "classify.h"
#include "config.h"
#include "mail.h"
#include "member.h"

const char *
classify_str(enum classify_class c)
{
	static const char *const names[] = {
		"toolarge", "loop", "bounce", "autoreply", "malformed", "command",
		"nonmember", "held", "rejected", "closed", "reply", "post",
	};

	return (size_t)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}

int
classify_is_request(const struct bpt_config *cfg, const char *rcpt)
{
	const char *at, *rat;
	size_t ll;

	if (rcpt == NULL || cfg->list.request == NULL ||
	    (at = strrchr(cfg->list.request, '@')) == NULL ||
	    (rat = strrchr(rcpt, '@')) == NULL || strcasecmp(at, rat) != 0)
		return 0;
	/* bpt-request@, or bpt-request+TOKEN@ of a confirmation */
	ll = (size_t)(at - cfg->list.request);
	return strncasecmp(rcpt, cfg->list.request, ll) == 0 &&
	    (rcpt + ll == rat || rcpt[ll] == '+');
}

static void
set(struct classify_out *out, enum classify_class c, const char *why)
{
	out->cls = c;
	out->why = why;
}

void
classify(const struct classify_in *in, struct classify_out *out)
{
	const struct bpt_config *cfg = in->cfg;
	const struct mail *m = in->m;
	const char *why = NULL;
	enum autoclass ac;
	enum policy_action act;
	int active = in->sender != NULL && member_is_active(in->sender);

	out->rule = POLICY_NONE;
	out->automatic = 0;
	buf_reset(&out->evidence);
	ac = autoclass_of(m, cfg->group.address, cfg->list.id, &why);
	if (in->truncated) {
		set(out, CLS_TOOLARGE, "policy.max_message_size");
		out->automatic = ac != AC_HUMAN;
		return;
	}
	/*
	 * A mail whose only sign of a machine is its subject ("Out of
	 * office pand Kerkstraat: verdachte man") may be a member's
	 * alert: held for an admin, never answered.  From anyone else it
	 * stays what the subject says.
	 */
	if ((ac == AC_BOUNCE || ac == AC_AUTOREPLY) && active && !in->approved &&
	    autoclass_subject_only(m, cfg->group.address, cfg->list.id)) {
		set(out, CLS_HELD, "only the subject looks automatic");
		out->rule = POLICY_AUTOMATIC;
		out->automatic = 1;
		buf_addf(&out->evidence, "subject: %s (%s)", m->subject ? m->subject :
		    "", why);
		return;
	}
	switch (ac) {
	case AC_LOOP:
		set(out, CLS_LOOP, why);
		out->automatic = 1;
		return;
	case AC_BOUNCE:
		set(out, CLS_BOUNCE, why);
		out->automatic = 1;
		return;
	case AC_AUTOREPLY:
		set(out, CLS_AUTOREPLY, why);
		out->automatic = 1;
		return;
	case AC_HUMAN:
		break;
	}
	if (m->flags & MAIL_LIMITS) {
		set(out, CLS_MALFORMED, "over a parsing limit");
		return;
	}
	if (classify_is_request(cfg, in->env_to)) {
		set(out, CLS_COMMAND, "to the request address");
		return;
	}
	if (!active) {
		/* a stranger's mail may wait for an admin; a member who may
		 * not post is told why (bpt.yaml(5), policy.non_members) */
		if (in->sender == NULL && cfg->policy.non_members_hold &&
		    !in->approved) {
			set(out, CLS_HELD, "sender is not a member");
			out->rule = POLICY_NON_MEMBER;
			buf_addf(&out->evidence, "From: %s", m->from_addr ?
			    m->from_addr : "(none)");
			return;
		}
		if (!in->approved) {
			set(out, CLS_NONMEMBER, in->sender ? "sender is not an active "
			    "member" : "sender is not a member");
			return;
		}
	}
	if (!in->approved) {
		struct policy_in pi = { cfg, m, in->words, in->recent,
		    in->thread != 0 };

		act = policy_check(&pi, &out->rule, &out->evidence);
		if (act == POLICY_HOLD) {
			set(out, CLS_HELD, policy_rule_name(out->rule));
			return;
		}
		if (act == POLICY_REJECT) {
			set(out, CLS_REJECTED, policy_rule_name(out->rule));
			return;
		}
		buf_reset(&out->evidence);
	}
	if (in->thread != 0 && in->thread_closed) {
		set(out, CLS_CLOSED, "answers a closed incident");
		return;
	}
	if (in->thread != 0) {
		set(out, CLS_REPLY, NULL);
		return;
	}
	set(out, CLS_POST, "new incident");
}

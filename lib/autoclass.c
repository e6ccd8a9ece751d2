/* autoclass.c - loops, bounces and automatic replies (see autoclass.h). */
#include "bptconf.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailimf.h>

#include "addr.h"
#include "autoclass.h"
#include "mail.h"
#include "util.h"

static const char *
skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

static int
ci_starts(const char *s, const char *pre)
{
	return s != NULL && strncasecmp(skip_blanks(s), pre, strlen(pre)) == 0;
}

/* Copies the part of v inside <...> (or v trimmed) into out. */
static void
angle_part(const char *v, char *out, size_t outsz)
{
	const char *b, *e;
	size_t n;

	v = skip_blanks(v);
	b = strrchr(v, '<');
	if (b != NULL && (e = strchr(b, '>')) != NULL) {
		b++;
	} else {
		b = v;
		e = v + strlen(v);
		while (e > b && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r' || e[-1] == '\n'))
			e--;
	}
	n = (size_t)(e - b);
	if (n >= outsz)
		n = 0;	/* longer than any id we compare with */
	memcpy(out, b, n);
	out[n] = '\0';
}

/* The local part of addr (up to the last '@') equals one of list. */
static int
local_is(const char *addr, const char *const *list)
{
	const char *at;
	size_t n;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return 0;
	n = (size_t)(at - addr);
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncasecmp(addr, *list, n) == 0)
			return 1;
	return 0;
}

/* ---- loop ------------------------------------------------------------- */

static int
is_loop(const struct mail *m, const char *list_addr, const char *list_id,
    const char **why)
{
	char got[512], want[512];
	const char *v;
	size_t i;

	if (list_id != NULL && *list_id != '\0') {
		angle_part(list_id, want, sizeof(want));
		for (i = 0; want[0] != '\0' &&
		    (v = mail_header(m, "List-Id", i)) != NULL; i++) {
			angle_part(v, got, sizeof(got));
			if (strcasecmp(got, want) == 0) {
				*why = "our own List-Id";
				return 1;
			}
		}
	}
	if (list_addr != NULL && *list_addr != '\0') {
		for (i = 0; (v = mail_header(m, "X-Loop", i)) != NULL; i++) {
			angle_part(v, got, sizeof(got));
			if (addr_eq(got, list_addr)) {
				*why = "X-Loop with our list address";
				return 1;
			}
		}
	}
	return 0;
}

/* ---- bounce ----------------------------------------------------------- */

static const char *const daemon_locals[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	NULL
};

static const char *const system_locals[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	"postmaster", "mailer", "mdaemon", "mail.daemon", "bounce",
	"bounces", NULL
};

/* The envelope sender is null: Return-Path <> or <MAILER-DAEMON>. */
static int
null_sender(const struct mail *m)
{
	const char *raw;

	if (m->return_path == NULL) {
		raw = mail_header(m, "Return-Path", 0);
		return raw != NULL && util_ci_find(raw, "mailer-daemon");
	}
	return m->return_path[0] == '\0' ||
	    util_ci_find(m->return_path, "mailer-daemon");
}

/*
 * Null, or not known at all: without a Return-Path field (an MTA that
 * does not add one) only a sender that is a mail system anyway is
 * taken for a bounce on this ground.
 */
static int
null_or_missing_sender(const struct mail *m)
{
	return null_sender(m) || (m->return_path == NULL &&
	    mail_header(m, "Return-Path", 0) == NULL);
}

/* From is a delivery system: mailer-daemon, postmaster, ... */
static int
system_from(const struct mail *m)
{
	const char *raw;

	if (local_is(m->from_addr, system_locals))
		return 1;
	/* Exchange Online: MicrosoftExchange329e71ec88ae4615bbc...@ */
	if (m->from_addr != NULL &&
	    strncasecmp(m->from_addr, "microsoftexchange", 17) == 0)
		return 1;
	if (m->from_name != NULL &&
	    (util_ci_find(m->from_name, "mail delivery") ||
	    util_ci_find(m->from_name, "mailer-daemon") ||
	    util_ci_find(m->from_name, "postmaster")))
		return 1;
	if (m->from_addr == NULL && (raw = mail_header(m, "From", 0)) != NULL)
		return util_ci_find(raw, "mailer-daemon") ||
		    util_ci_find(raw, "postmaster");
	return 0;
}

static int
is_report(const struct mail *m)
{
	const char *ct;

	if (m->dsn != NULL)
		return 1;
	ct = mail_header(m, "Content-Type", 0);
	return ct != NULL && ci_starts(ct, "multipart/report") &&
	    util_ci_find(ct, "delivery-status");
}

/* Subjects only delivery systems write, matched anywhere. */
static const char *const ndr_anywhere[] = {
	"undelivered mail returned to sender",
	"delivery status notification",
	"mail delivery failed",
	"returned mail: ",
	"could not send message for past",
	"delivery has failed",
	"\xd0\xbd\xd0\xb5 \xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2"
	    "\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe",	/* "не доставлено" */
	"\xd0\xbd\xd0\xb5\xd0\xb4\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2"
	    "\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbd",	/* "недоставленн" */
	NULL
};

/* Subjects of non-delivery reports, at the start of the subject; a
 * person may write these words too, so they count only from a system
 * sender or with a null Return-Path. */
static const char *const ndr_start[] = {
	"undeliverable", "undelivered", "onbestelbaar", "niet bezorgd",
	"niet afgeleverd", "unzustellbar", "nicht zustellbar", "non remis",
	"non distribu", "\xc3\xa9" "chec de la remise",
	"non recapitabile", "no se puede entregar", "failure notice",
	"delivery failure", "failure delivery", "permanent delivery failure",
	"delivery notification", "returned mail", "mail delivery",
	"mail failure", "message delayed", "delayed mail", "delivery delayed",
	"warning: could not send", "nondeliverable", "non-deliver",
	"non deliver", "mail system error", "message not delivered",
	"message could not be delivered", "unable to deliver",
	NULL
};

static int
ndr_subject(const struct mail *m, int weak_ok)
{
	const char *const *p;
	const char *s = m->subject;

	if (s == NULL)
		return 0;
	for (p = ndr_anywhere; *p != NULL; p++)
		if (util_ci_find(s, *p))
			return 1;
	if (!weak_ok)
		return 0;
	for (p = ndr_start; *p != NULL; p++)
		if (ci_starts(s, *p))
			return 1;
	return 0;
}

/* addr is LOCAL-bounces@DOMAIN or LOCAL-bounces+TOKEN@DOMAIN of list. */
static int
is_bounce_addr(const char *addr, const char *list)
{
	const char *lat, *aat;
	size_t llen;

	if (addr == NULL || list == NULL)
		return 0;
	if ((lat = strrchr(list, '@')) == NULL ||
	    (aat = strrchr(addr, '@')) == NULL)
		return 0;
	llen = (size_t)(lat - list);
	if (strncasecmp(addr, list, llen) != 0 ||
	    strncasecmp(addr + llen, "-bounces", 8) != 0)
		return 0;
	if (addr + llen + 8 != aat && addr[llen + 8] != '+')
		return 0;
	return strcasecmp(aat + 1, lat + 1) == 0;
}

static int
list_has_bounce_addr(struct mailimf_address_list *al, const char *list)
{
	clistiter *it, *jt;
	struct mailimf_address *a;
	struct mailimf_mailbox *mb;

	if (al == NULL || al->ad_list == NULL)
		return 0;
	for (it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		a = clist_content(it);
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			if (is_bounce_addr(a->ad_data.ad_mailbox->mb_addr_spec,
			    list))
				return 1;
		} else if (a->ad_data.ad_group->grp_mb_list != NULL &&
		    a->ad_data.ad_group->grp_mb_list->mb_list != NULL) {
			for (jt = clist_begin(a->ad_data.ad_group->grp_mb_list->
			    mb_list); jt != NULL; jt = clist_next(jt)) {
				mb = clist_content(jt);
				if (is_bounce_addr(mb->mb_addr_spec, list))
					return 1;
			}
		}
	}
	return 0;
}

/* Sent to our bounce address: envelope recipient or To. */
static int
to_bounce_addr(const struct mail *m, const char *list_addr)
{
	static const char *const env[] = {
		"Delivered-To", "X-Original-To", "Envelope-To", NULL
	};
	struct mailimf_address_list *al;
	const char *const *h;
	const char *v;
	char a[512];
	size_t i, idx;
	int hit;

	if (list_addr == NULL || strchr(list_addr, '@') == NULL)
		return 0;
	if (is_bounce_addr(m->envelope_to, list_addr))
		return 1;
	for (h = env; *h != NULL; h++) {
		for (i = 0; (v = mail_header(m, *h, i)) != NULL; i++) {
			angle_part(v, a, sizeof(a));
			if (is_bounce_addr(a, list_addr))
				return 1;
		}
	}
	for (i = 0; (v = mail_header(m, "To", i)) != NULL; i++) {
		idx = 0;
		al = NULL;
		if (mailimf_address_list_parse(v, strlen(v), &idx, &al) !=
		    MAILIMF_NO_ERROR)
			continue;
		hit = list_has_bounce_addr(al, list_addr);
		mailimf_address_list_free(al);
		if (hit)
			return 1;
	}
	return 0;
}

static int
is_bounce(const struct mail *m, const char **why, int subject)
{
	int nullrp = null_sender(m), sys = system_from(m);
	int norp = null_or_missing_sender(m);

	if (is_report(m)) {
		*why = "delivery status report";
		return 1;
	}
	/* Exim names the failed addresses in a header of its own */
	if (mail_header(m, "X-Failed-Recipients", 0) != NULL) {
		*why = "X-Failed-Recipients";
		return 1;
	}
	if (local_is(m->from_addr, daemon_locals) ||
	    (m->from_addr == NULL && util_ci_find(mail_header(m, "From", 0),
	    "mailer-daemon"))) {
		*why = "from MAILER-DAEMON";
		return 1;
	}
	if (sys && norp) {
		*why = "from a mail system with a null Return-Path";
		return 1;
	}
	if (m->from_addr == NULL && m->return_path != NULL &&
	    m->return_path[0] == '\0') {
		*why = "no From and a null Return-Path";
		return 1;
	}
	if ((subject || sys || nullrp) && ndr_subject(m, sys || nullrp)) {
		*why = "non-delivery subject";
		return 1;
	}
	return 0;
}

/* ---- automatic replies ------------------------------------------------ */

/* Challenge-response systems ask the sender to get on a list. */
static const char *const challenge_words[] = {
	"guest list", "pre-approved", "waitlisted", "boxbe",
	"challenge-response", "challenge/response", "spamarrest",
	"mailinblack", "approved senders list", "sender verification request",
	NULL
};

static int
is_challenge(const struct mail *m)
{
	static const char *const noreply[] = {
		"noreply", "no-reply", "no_reply", "donotreply",
		"do-not-reply", NULL
	};
	const char *const *w;
	const char *parts[3];
	size_t i;

	/* only in a machine's frame: a report, or a no-reply sender */
	if (!is_report(m) && !local_is(m->from_addr, noreply) &&
	    mail_header(m, "Auto-Submitted", 0) == NULL)
		return 0;
	parts[0] = m->subject;
	parts[1] = m->dsn;
	parts[2] = m->text;
	for (i = 0; i < 3; i++)
		for (w = challenge_words; *w != NULL; w++)
			if (util_ci_find(parts[i], *w))
				return 1;
	return 0;
}

/* Vacation subjects, matched anywhere. */
static const char *const vacation_anywhere[] = {
	"automatisch antwoord", "automatic reply", "automatic response",
	"auto-reply", "autoreply", "auto reply", "auto-response",
	"autoresponse", "autoresponder", "out of office", "out of the office",
	"afwezigheidsmelding", "afwezigheidsbericht", "afwezigheidsassistent",
	"abwesenheit", "automatische antwort", "r\xc3\xa9ponse automatique",
	"reponse automatique", "automatiska atbilde",
	"autom\xc4\x81tiska atbilde", "automatyczna odpowied",
	"[auto generated]", "respuesta autom\xc3\xa1tica",
	"respuesta automatica", "risposta automatica", "automatisk svar",
	"autosvar", "automaattinen vastaus", "vacation reply",
	"automated reply", "automated response", "auto response",
	"autoantwort", "auto-antwort", "odpowied\xc5\xba automatyczna",
	"otomatik yan\xc4\xb1t",
	"\xd0\xb0\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x82\xd0"
	    "\xb8\xd1\x87\xd0\xb5\xd1\x81\xd0\xba\xd0\xb8\xd0\xb9 "
	    "\xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82",	/* автоматический ответ */
	"\xd0\xb0\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbe\xd1\x82\xd0\xb2\xd0"
	    "\xb5\xd1\x82",				/* автоответ */
	"\xe8\x87\xaa\xe5\x8b\x95\xe8\xbf\x94\xe4\xbf\xa1",	/* 自動返信 */
	"\xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94",	/* 自動応答 */
	"\xe8\x87\xaa\xe5\x8a\xa8\xe5\x9b\x9e\xe5\xa4\x8d",	/* 自动回复 */
	NULL
};

/* Vacation subjects that only count at the start of the subject. */
static const char *const vacation_start[] = {
	"abwesend", "vacation:", "urlaub", "absence:", "absent:",
	"fuera de la oficina", "hors du bureau", NULL
};

/*
 * Header names that mark automatic mail: X-...auto(-)reply,
 * -replied, -respond(er), -response, -generated, -submitted,
 * holidayreply, machinegenerated.  Exchange's X-Auto-Response-Suppress
 * is not one: it asks others not to answer and rides on normal mail.
 */
static int
auto_header_name(const char *name)
{
	static const char *const tails[] = {
		"reply", "replied", "respond", "responder", "response",
		"generated", "submitted", NULL
	};
	const char *const *t;
	const char *p;

	if (name == NULL || strncasecmp(name, "x-", 2) != 0 ||
	    util_ci_find(name, "suppress"))
		return 0;
	if (util_ci_find(name, "holidayreply") ||
	    util_ci_find(name, "machinegenerated"))
		return 1;
	for (p = name; *p != '\0'; p++) {
		if (strncasecmp(p, "auto", 4) != 0)
			continue;
		p += 4;
		if (*p == '-' || *p == '_')
			p++;
		for (t = tails; *t != NULL; t++)
			if (strcasecmp(p, *t) == 0 || (strncasecmp(p, *t,
			    strlen(*t)) == 0 && p[strlen(*t)] == '-'))
				return 1;
		p--;
	}
	return 0;
}

/* "Afwezig: ...", "Afwezig tot 3 januari", but not "Afwezige buren". */
static int
afwezig(const char *s)
{
	static const char *const after[] = {
		":", " tot ", " t/m ", " van ", " wegens ", " i.v.m.",
		" ivm ", " (", " -", NULL
	};
	const char *const *a;

	s = skip_blanks(s);
	if (strncasecmp(s, "afwezig", 7) != 0)
		return 0;
	s += 7;
	if (*s == '\0')
		return 1;
	for (a = after; *a != NULL; a++)
		if (strncasecmp(s, *a, strlen(*a)) == 0)
			return 1;
	return 0;
}

static int
token_is(const char *v, const char *word)
{
	size_t n = strlen(word);

	v = skip_blanks(v);
	return strncasecmp(v, word, n) == 0 && (v[n] == '\0' ||
	    v[n] == ';' || v[n] == ' ' || v[n] == '\t' || v[n] == '(' ||
	    v[n] == '\r' || v[n] == '\n');
}

static int
is_autoreply(const struct mail *m, const char **why, int subject)
{
	static const char *const xheaders[] = {
		"X-Autoreply", "X-Autorespond", "X-Autogenerated",
		"X-Auto-Reply", "X-Autoresponder", NULL
	};
	static const char *const prec[] = {
		"Precedence", "X-Precedence", NULL
	};
	const char *const *h, *const *w;
	const char *v;
	size_t i;
	int mailing;

	if (is_challenge(m)) {
		*why = "challenge-response";
		return 1;
	}
	for (i = 0; (v = mail_header(m, "Auto-Submitted", i)) != NULL; i++) {
		if (!token_is(v, "no") && *skip_blanks(v) != '\0') {
			*why = "Auto-Submitted";
			return 1;
		}
	}
	for (h = xheaders; *h != NULL; h++) {
		v = mail_header(m, *h, 0);
		if (v != NULL && !token_is(v, "no") && !token_is(v, "false")) {
			*why = "X-Autoreply or a relative";
			return 1;
		}
	}
	for (i = 0; i < m->nhdr; i++) {
		if (auto_header_name(m->hdr[i].name) &&
		    !token_is(m->hdr[i].value, "no") &&
		    !token_is(m->hdr[i].value, "false") &&
		    !token_is(m->hdr[i].value, "0")) {
			*why = "X-Autoreply or a relative";
			return 1;
		}
	}
	/* read receipts and abuse reports are machines' mail too */
	v = mail_header(m, "Content-Type", 0);
	if (v != NULL && ci_starts(v, "multipart/report") &&
	    (util_ci_find(v, "disposition-notification") ||
	    util_ci_find(v, "feedback-report"))) {
		*why = "receipt or feedback report";
		return 1;
	}
	/* bulk mail of a list manager (List-Id or List-Unsubscribe, and
	 * a Return-Path that is not null) is a mailing, not a reply */
	mailing = !null_sender(m) && (mail_header(m, "List-Id", 0) != NULL ||
	    mail_header(m, "List-Unsubscribe", 0) != NULL);
	for (h = prec; *h != NULL; h++) {
		for (i = 0; (v = mail_header(m, *h, i)) != NULL; i++) {
			if (token_is(v, "auto_reply") || (!mailing &&
			    (token_is(v, "bulk") || token_is(v, "junk")))) {
				*why = "Precedence bulk or junk";
				return 1;
			}
		}
	}
	if (m->subject != NULL && subject) {
		for (w = vacation_anywhere; *w != NULL; w++) {
			if (util_ci_find(m->subject, *w)) {
				*why = "vacation subject";
				return 1;
			}
		}
		for (w = vacation_start; *w != NULL; w++) {
			if (ci_starts(m->subject, *w)) {
				*why = "vacation subject";
				return 1;
			}
		}
	}
	if (m->subject != NULL) {
		/* "Afwezig: ..." is also how a resident asks the street to
		 * watch the house; only an answer to a message counts (not a
		 * subject rule alone: autoclass_subject_only()) */
		if (afwezig(m->subject) && (m->in_reply_to != NULL ||
		    m->nrefs > 0 || null_sender(m))) {
			*why = "vacation subject";
			return 1;
		}
	}
	return 0;
}

/* subject 0: the rules that read the subject alone are left out. */
static enum autoclass
run(const struct mail *m, const char *list_addr, const char *list_id,
    const char **why, int subject)
{
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = "human";
	if (m == NULL)
		return AC_HUMAN;
	if (is_loop(m, list_addr, list_id, why))
		return AC_LOOP;
	/* a challenge dressed as a delivery report is still a person's
	 * filter asking for attention, not a failed address */
	if (!is_challenge(m) && is_bounce(m, why, subject))
		return AC_BOUNCE;
	if (is_autoreply(m, why, subject))
		return AC_AUTOREPLY;
	if (to_bounce_addr(m, list_addr)) {
		*why = "sent to the bounce address";
		return AC_BOUNCE;
	}
	/* RFC 5321: a null reverse-path is for notifications only */
	if (m->return_path != NULL && m->return_path[0] == '\0') {
		*why = "null Return-Path";
		return AC_AUTOREPLY;
	}
	*why = "human";
	return AC_HUMAN;
}

enum autoclass
autoclass_of(const struct mail *m, const char *list_addr,
    const char *list_id, const char **why)
{
	return run(m, list_addr, list_id, why, 1);
}

int
autoclass_subject_only(const struct mail *m, const char *list_addr,
    const char *list_id)
{
	return run(m, list_addr, list_id, NULL, 1) != AC_HUMAN &&
	    run(m, list_addr, list_id, NULL, 0) == AC_HUMAN;
}

const char *
autoclass_str(enum autoclass c)
{
	switch (c) {
	case AC_LOOP:
		return "loop";
	case AC_BOUNCE:
		return "bounce";
	case AC_AUTOREPLY:
		return "autoreply";
	default:
		return "human";
	}
}

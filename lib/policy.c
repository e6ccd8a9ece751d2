/* policy.c - the posting rules of the group, one pure check. */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "authres.h"
#include "chitchat.h"
#include "compose.h"
#include "config.h"
#include "mail.h"
#include "policy.h"
#include "quote.h"
#include "words.h"

#define MAX_EVIDENCE_WORDS 8
#define MAX_AUTHRES 16

static const struct {
	enum policy_rule rule;
	const char *name, *nl, *en;
} rules[] = {
	{ POLICY_AUTOMATIC, "automatic", "mogelijk een automatisch antwoord",
	  "possibly an automatic reply" },
	{ POLICY_NON_MEMBER, "non_member", "afzender is geen lid",
	  "the sender is not a member" },
	{ POLICY_FORGED, "forged", "mogelijk vervalst", "possibly forged" },
	{ POLICY_FLOOD, "flood", "te veel berichten in een uur",
	  "too many messages in an hour" },
	{ POLICY_LANGUAGE, "language", "taalgebruik", "language" },
	{ POLICY_PHOTO, "photo", "foto zonder tekst", "photo without text" },
	{ POLICY_CHITCHAT, "chitchat", "geen melding", "not an alert" },
};

const char *
policy_rule_name(enum policy_rule r)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].rule == r)
			return rules[i].name;
	return "none";
}

enum policy_rule
policy_rule_parse(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].name, s) == 0)
			return rules[i].rule;
	return POLICY_NONE;
}

const char *
policy_rule_text(enum policy_rule r, int en)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].rule == r)
			return en ? rules[i].en : rules[i].nl;
	return "";
}

int
policy_is_image(const char *t)
{
	return strcmp(t, "image/jpeg") == 0 || strcmp(t, "image/jpg") == 0 ||
	    strcmp(t, "image/png") == 0 || strcmp(t, "image/gif") == 0 ||
	    strcmp(t, "image/webp") == 0 || strcmp(t, "image/heic") == 0;
}

/* 1 when s holds nothing but blanks. */
static int
blank(const char *s)
{
	if (s == NULL)
		return 1;
	for (; *s != '\0'; s++)
		if (!strchr(" \t\r\n", *s))
			return 0;
	return 1;
}

/* DMARC fail (or SPF and DKIM fail) under the trusted authserv-id. */
static int
forged(const struct policy_in *in, struct buf *ev)
{
	const struct mail *m = in->m;
	const char *vals[MAX_AUTHRES], *v;
	size_t n = 0;

	if (in->cfg->policy.authserv_id[0] == '\0' || m->from_addr == NULL)
		return 0;
	while (n < MAX_AUTHRES &&
	    (v = mail_header(m, "Authentication-Results", n)) != NULL)
		vals[n++] = v;
	return authres_verdict(vals, n, in->cfg->policy.authserv_id,
	    addr_domain(m->from_addr), ev) == AUTHRES_FORGED;
}

/* A photo, and neither text nor a subject of its own. */
static int
photo_only(const struct mail *m, const char *text, struct buf *ev)
{
	char *subject;
	size_t i, images = 0;
	int none;

	for (i = 0; i < m->natt; i++)
		if (policy_is_image(m->att[i].content_type) && !m->att[i].in_forward)
			images++;
	if (images == 0 || !blank(text))
		return 0;
	/* "Re: [BPT #3] Man bij de school" keeps its own words */
	if ((subject = compose_base_subject(m->subject)) == NULL)
		return 0;
	none = blank(subject);
	free(subject);
	if (none && ev != NULL)
		buf_addf(ev, "%zu %s, no text and no subject", images,
		    images == 1 ? "photo" : "photos");
	return none;
}

enum policy_action
policy_check(const struct policy_in *in, enum policy_rule *rule, struct buf *ev)
{
	const struct bpt_config *cfg = in->cfg;
	const struct mail *m = in->m;
	enum policy_action act = POLICY_PASS;
	char *text;
	int folded = 0;

	*rule = POLICY_NONE;
	if (forged(in, ev)) {
		*rule = POLICY_FORGED;
		return POLICY_HOLD;
	}
	if (ev != NULL)
		buf_reset(ev);
	if (cfg->policy.flood_max_per_hour > 0 &&
	    in->recent >= cfg->policy.flood_max_per_hour) {
		*rule = POLICY_FLOOD;
		if (ev != NULL)
			buf_addf(ev, "%ld earlier messages within the hour (at most %ld)",
			    in->recent, cfg->policy.flood_max_per_hour);
		return POLICY_HOLD;
	}
	/* a reply: only its new text, not what it quotes */
	text = in->is_reply ? quote_fold(m->text, &folded) : strdup(m->text);
	if (text == NULL) {
		/* out of memory: the whole text, read as it is */
		text = NULL;
	}
	if (in->words != NULL && cfg->policy.language != CFG_ALLOW &&
	    (in->is_reply || cfg->policy.hold_alerts)) {
		size_t hits = words_find(in->words, m->subject ? m->subject : "",
		    MAX_EVIDENCE_WORDS, ev);

		if (hits > 0 && ev != NULL && ev->len > 0)
			buf_adds(ev, ", ");
		hits += words_find(in->words, text ? text : m->text,
		    MAX_EVIDENCE_WORDS, ev);
		if (ev != NULL && ev->len >= 2 && hits > 0 &&
		    strcmp(ev->buf + ev->len - 2, ", ") == 0)
			buf_setlen(ev, ev->len - 2);
		if (hits > 0) {
			*rule = POLICY_LANGUAGE;
			act = cfg->policy.language == CFG_REJECT ? POLICY_REJECT :
			    POLICY_HOLD;
			goto out;
		}
		if (ev != NULL)
			buf_reset(ev);
	}
	if (photo_only(m, text ? text : m->text, ev)) {
		*rule = POLICY_PHOTO;
		act = POLICY_HOLD;
		goto out;
	}
	if (!in->is_reply && chitchat_only(m->subject, m->text)) {
		*rule = POLICY_CHITCHAT;
		act = POLICY_HOLD;
		if (ev != NULL)
			buf_adds(ev, "only greetings, thanks or emoji");
	}
out:
	free(text);
	return act;
}

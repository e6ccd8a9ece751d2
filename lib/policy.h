/*
 * policy.h - the group's posting rules ("Gebruiksregels"), checked on
 * a member's message: forged sender, flood, language, a photo without
 * text, chit-chat.  Pure: the caller looks up what the store knows
 * (how many messages the member sent in the last hour, whether the
 * mail answers an incident) and passes it in.
 */
#ifndef BPT_POLICY_H
#define BPT_POLICY_H

#include <stddef.h>

#include "buf.h"

struct bpt_config;
struct mail;
struct words;

/* The rule a message broke; the names are what the store and the
 * listings show (holds.reason). */
enum policy_rule {
	POLICY_NONE,
	POLICY_AUTOMATIC,	/* only its subject says it is automatic */
	POLICY_NON_MEMBER,	/* policy.non_members: hold */
	POLICY_FORGED,		/* Authentication-Results: DMARC fail */
	POLICY_FLOOD,		/* past policy.flood.max_per_hour */
	POLICY_LANGUAGE,	/* a word of the list */
	POLICY_PHOTO,		/* a photo and no text at all */
	POLICY_CHITCHAT,	/* greetings, thanks, emoji: no alert */
};

enum policy_action { POLICY_PASS, POLICY_HOLD, POLICY_REJECT };

struct policy_in {
	const struct bpt_config *cfg;
	const struct mail *m;
	const struct words *words;	/* NULL: no language check */
	long recent;		/* the member's messages in the hour before */
	int is_reply;		/* it answers an incident */
};

/*
 * Checks the rules in the order above (a forged mail is held as
 * forged, whatever else it holds).  *rule gets the rule broken
 * (POLICY_NONE for a pass); evidence (may be NULL) gets what broke it:
 * the words as written, the failed check, the count.
 */
enum policy_action policy_check(const struct policy_in *in,
    enum policy_rule *rule, struct buf *evidence);

/* "language", "photo", ...: the name of a rule, as stored; static. */
const char *policy_rule_name(enum policy_rule r);

/* The rule from its stored name; POLICY_NONE when unknown. */
enum policy_rule policy_rule_parse(const char *s);

/* What a resident reads about a rule: "taalgebruik", ...; static. */
const char *policy_rule_text(enum policy_rule r, int en);

/* 1 for an image type members may get (JPEG, PNG, GIF, WebP, HEIC). */
int policy_is_image(const char *content_type);

#endif

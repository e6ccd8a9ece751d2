/* chitchat.c - greetings, thanks and emoji, and nothing else. */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chitchat.h"

/*
 * Words of greetings, thanks and agreement (Dutch and English, as
 * members write them), lower case and without accents.  A message of
 * only these says nothing about a suspicious situation.  Keep it to
 * words that cannot describe one: "man", "auto", "nu" are not here.
 */
static const char *const small_words[] = {
	"a", "aan", "al", "alle", "allemaal", "allen", "alvast", "and",
	"avond", "bedankt", "bericht", "berichten", "beste", "buren",
	"buurtgenoten", "daag", "dag", "dank", "danke", "dankje",
	"dankjewel", "danku", "dankuwel", "de", "deze", "doei", "een",
	"en", "everyone", "fijn", "fijne", "gedaan", "gefeliciteerd",
	"gezellige", "goed", "goede", "goedemiddag", "goedemorgen",
	"goedenacht", "goedenavond", "good", "gr", "graag", "great",
	"groet", "groeten", "groetjes", "hai", "hallo", "hartelijk",
	"hartelijke", "he", "hee", "hello", "het", "hey", "hi", "hoi",
	"iedereen", "info", "informatie", "je", "jij", "jullie", "lieve",
	"looks", "middag", "mooi", "morgen", "morning", "much", "mvg",
	"nacht", "nice", "ok", "okay", "oke", "okee", "oki", "prettige",
	"prima", "regards", "super", "thank", "thanks", "thx", "tnx",
	"top", "u", "van", "veel", "very", "voor", "vriendelijke", "weekend",
	"wel", "welterusten", "you", "zeker", "zo",
};

/* A closing after which a name may follow. */
static const char *const closings[] = {
	"gr", "groet", "groeten", "groetjes", "mvg", "regards",
};

static int
cmp(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

static int
listed(const char *w, const char *const *list, size_t n)
{
	return bsearch(w, list, n, sizeof(*list), cmp) != NULL;
}

struct reading {
	int other;		/* words that are not small talk */
	int names;		/* capitalised words after a closing */
	int closed;		/* a closing was read */
};

/* Reads one text; sets r->other when it holds more than small talk. */
static void
read_text(const char *s, struct reading *r)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		char w[32];
		size_t n = 0;
		int cap, letters = 0;

		if (isdigit(*p)) {
			r->other++;	/* a time, a number, a house: content */
			return;
		}
		if (!isalpha(*p) && !(p[0] == 0xc3 && p[1] >= 0x80)) {
			/* punctuation, emoji and other symbols say nothing */
			p++;
			continue;
		}
		cap = isupper(*p);
		while (isalpha(*p) || (p[0] == 0xc3 && p[1] >= 0x80) || *p == '\'') {
			if (p[0] == 0xc3) {
				/* é, ë: the base letter is close enough here */
				static const char base[] = "aaaaaaaceeeeiiiidnooooo ouuuuy s";
				unsigned char c = (unsigned char)(p[1] & 0x1f);

				if (n + 1 < sizeof(w))
					w[n++] = base[c];
				p += 2;
			} else {
				if (*p != '\'' && n + 1 < sizeof(w))
					w[n++] = (char)tolower(*p);
				p++;
			}
			letters++;
		}
		w[n] = '\0';
		if (listed(w, small_words, sizeof(small_words) / sizeof(small_words[0]))) {
			if (listed(w, closings, sizeof(closings) / sizeof(closings[0])))
				r->closed = 1;
			continue;
		}
		/* a name after the closing: "Groet, Jan" */
		if (r->closed && cap && letters > 1 && r->names < 3) {
			r->names++;
			continue;
		}
		r->other++;
		return;
	}
}

int
chitchat_only(const char *subject, const char *text)
{
	struct reading r = { 0, 0, 0 };

	if (subject != NULL)
		read_text(subject, &r);
	if (r.other)
		return 0;
	/* a name in the subject is no closing of the text */
	r.closed = 0;
	r.names = 0;
	if (text != NULL)
		read_text(text, &r);
	return r.other == 0;
}

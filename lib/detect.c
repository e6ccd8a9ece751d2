/* detect.c - 112 status and licence plates in the text of an alert. */
#include "bptconf.h"

#include <stddef.h>
#include <string.h>

#include "detect.h"

/* ---- a folding tokenizer ------------------------------------------------ */

#define TOK_MAX 32

enum tok_type {
	TK_END,
	TK_WORD,
	TK_BREAK,	/* . ! ; , or a blank line */
	TK_QUESTION,	/* ? */
	TK_SLASH	/* / */
};

struct tok {
	enum tok_type type;
	char w[TOK_MAX];	/* lower-case ASCII, "" when overlong */
	size_t len;
};

/*
 * Decodes one UTF-8 sequence at s; returns its length (at least 1
 * while *s is not NUL) and the code point, 0xFFFD for bad bytes.
 */
static size_t
utf8_next(const unsigned char *s, unsigned long *cp)
{
	unsigned long c = s[0];
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return n;
}

/*
 * The lower-case ASCII letters a Latin letter folds to ("e" for U+00E9,
 * "ij" for U+0133), or NULL when cp is not a letter we know.
 */
static const char *
fold_letter(unsigned long cp)
{
	static const char *const latin1[64] = {
		"a", "a", "a", "a", "a", "a", "ae", "c",	/* C0 */
		"e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "o", NULL,	/* D0 */
		"o", "u", "u", "u", "u", "y", "th", "ss",
		"a", "a", "a", "a", "a", "a", "ae", "c",	/* E0 */
		"e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "o", NULL,	/* F0 */
		"o", "u", "u", "u", "u", "y", "th", "y",
	};
	static const struct {
		unsigned long lo, hi;
		const char *to;
	} ext[] = {
		{ 0x100, 0x105, "a" }, { 0x106, 0x10d, "c" },
		{ 0x10e, 0x111, "d" }, { 0x112, 0x11b, "e" },
		{ 0x11c, 0x123, "g" }, { 0x124, 0x127, "h" },
		{ 0x128, 0x131, "i" }, { 0x132, 0x133, "ij" },
		{ 0x134, 0x135, "j" }, { 0x136, 0x138, "k" },
		{ 0x139, 0x142, "l" }, { 0x143, 0x14b, "n" },
		{ 0x14c, 0x151, "o" }, { 0x152, 0x153, "oe" },
		{ 0x154, 0x159, "r" }, { 0x15a, 0x161, "s" },
		{ 0x162, 0x167, "t" }, { 0x168, 0x173, "u" },
		{ 0x174, 0x175, "w" }, { 0x176, 0x178, "y" },
		{ 0x179, 0x17e, "z" },
		{ 0x17f, 0x17f, "s" },
	};
	size_t i;

	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (cp >= ext[i].lo && cp <= ext[i].hi)
			return ext[i].to;
	return NULL;
}

static int
is_apostrophe(unsigned long cp)
{
	return cp == '\'' || cp == 0x2018 || cp == 0x2019 || cp == 0x02bc ||
	    cp == 0x00b4 || cp == '`';
}

static int
is_digit(unsigned long cp)
{
	return cp >= '0' && cp <= '9';
}

static void
tok_addc(struct tok *t, const char *s, int *overlong)
{
	size_t n = strlen(s);

	if (t->len + n >= TOK_MAX) {
		*overlong = 1;
		return;
	}
	memcpy(t->w + t->len, s, n);
	t->len += n;
	t->w[t->len] = '\0';
}

/*
 * Reads the next token at *pp and advances it.  Words are runs of
 * letters and digits, folded to lower-case ASCII; apostrophes inside
 * a word vanish ("didn't" -> "didnt"); "22.30" and "12,50" stay one
 * word.  A single line break is a space, a blank line a break.
 */
static void
next_token(const char **pp, struct tok *t)
{
	const unsigned char *p = (const unsigned char *)*pp;
	unsigned long cp, cp2;
	size_t n, n2;
	int nl = 0, overlong = 0;
	char one[2] = { 0, 0 };
	const char *f;

	t->len = 0;
	t->w[0] = '\0';
	for (;;) {
		if (*p == '\0') {
			t->type = TK_END;
			goto out;
		}
		n = utf8_next(p, &cp);
		if (cp < 0x80 && ((cp >= 'a' && cp <= 'z') ||
		    (cp >= 'A' && cp <= 'Z') || is_digit(cp)))
			break;
		if (fold_letter(cp) != NULL)
			break;
		if (cp == '\n') {
			if (++nl >= 2) {
				p += n;
				t->type = TK_BREAK;
				goto out;
			}
		} else if (cp == '.' || cp == '!' || cp == ';' || cp == ',' ||
		    cp == 0x2026) {
			p += n;
			t->type = TK_BREAK;
			goto out;
		} else if (cp == '?') {
			p += n;
			t->type = TK_QUESTION;
			goto out;
		} else if (cp == '/') {
			p += n;
			t->type = TK_SLASH;
			goto out;
		} else if (cp != ' ' && cp != '\t' && cp != '\r') {
			nl = 0;	/* other marks: words, not lines */
		}
		p += n;
	}

	t->type = TK_WORD;
	for (;;) {
		n = utf8_next(p, &cp);
		if (*p == '\0')
			break;
		if (cp < 0x80 && ((cp >= 'a' && cp <= 'z') ||
		    (cp >= 'A' && cp <= 'Z') || is_digit(cp))) {
			one[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
			tok_addc(t, one, &overlong);
		} else if ((f = fold_letter(cp)) != NULL) {
			tok_addc(t, f, &overlong);
		} else if (is_apostrophe(cp) && t->len > 0) {
			n2 = utf8_next(p + n, &cp2);
			(void)n2;
			if (!(cp2 < 0x80 && cp2 >= 'a' && cp2 <= 'z') &&
			    !(cp2 < 0x80 && cp2 >= 'A' && cp2 <= 'Z') &&
			    fold_letter(cp2) == NULL)
				break;
		} else if ((cp == '.' || cp == ',' || cp == ':') &&
		    t->len > 0 && is_digit((unsigned char)t->w[t->len - 1]) &&
		    is_digit(p[1])) {
			one[0] = (char)cp;
			tok_addc(t, one, &overlong);
		} else {
			break;
		}
		p += n;
	}
	if (overlong) {
		t->len = 0;
		t->w[0] = '\0';
	}
out:
	*pp = (const char *)p;
}

/* Every word of an alert goes through here: compare the first letter
 * before calling strcmp. */
static int
in_list(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (**list == *w && strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* ---- 112 -------------------------------------------------------------- */

/* Who can be called or told. */
static const char *const subjects[] = {
	"112", "politie", "police", "alarmnummer", "alarmcentrale",
	"meldkamer", "hulpdiensten", "politieagent", "agenten", NULL
};

/* Participles that say the call or the message happened. */
static const char *const verbs[] = {
	"gebeld", "gebelt", "ingelicht", "gewaarschuwd", "gealarmeerd",
	"geinformeerd", "gecontacteerd", "ingeschakeld", "gemeld",
	"opgebeld", "gebeld", "called", "phoned", "rang", "informed",
	"notified", "alerted", "contacted", NULL
};

/* Words that say the police are there or coming. */
static const char *const presence[] = {
	"onderweg", "gearriveerd", "aanwezig", "arrived", NULL
};

static const char *const negations[] = {
	"niet", "geen", "nooit", "niemand", "niets", "niks", "nee",
	"not", "no", "never", "nobody", "noone", "none", "didnt", "havent",
	"hasnt", "hadnt", "wasnt", "werent", "isnt", "arent", "dont",
	"doesnt", "cant", "cannot", NULL
};

static const char *const modals[] = {
	"moet", "moeten", "moest", "moesten", "zou", "zouden", "zal",
	"zullen", "kan", "kun", "kunt", "kunnen", "kon", "konden", "mag",
	"mogen", "hoeft", "hoeven", "should", "would", "could", "must",
	"shall", "will", "can", "may", "might", "ought", "wouldnt",
	"shouldnt", NULL
};

/* A clause that starts with one of these states nothing ("zoals
 * gemeld door de politie" quotes, it does not report a call). */
static const char *const conditions[] = {
	"als", "indien", "mocht", "mochten", "mits", "tenzij", "zodra",
	"if", "unless", "whether", "wanneer", "when", "zoals", NULL
};

static const char *const question_words[] = {
	"wie", "wat", "waarom", "hoe", "waar", "welke", "who", "what",
	"why", "how", "where", "which", NULL
};

/* A clause starting with one of these is a question ... */
static const char *const question_verbs[] = {
	"is", "zijn", "wordt", "worden", "werd", "werden", "was", "waren",
	"did", "does", "do", "are", "were", "ben", "bent", NULL
};

/* ... and with one of these when a pronoun follows ("heb je"), while
 * "heb 112 gebeld" is a statement without its "ik". */
static const char *const question_verbs_pron[] = {
	"heb", "hebt", "heeft", "hebben", "had", "hadden", "has", "have",
	NULL
};

static const char *const pronouns[] = {
	"je", "jij", "jullie", "u", "iemand", "er", "ze", "zij", "hij",
	"men", "we", "wij", "you", "anyone", "anybody", "someone",
	"somebody", "they", "he", "she", NULL
};

/* Words that end a clause (and are not part of the next one). */
static const char *const splitters[] = {
	"en", "maar", "want", "omdat", "dus", "toen", "daarna", "echter",
	"and", "but", "because", "however", "then", NULL
};

struct clause {
	size_t ntok;
	char first[TOK_MAX], second[TOK_MAX];
	char prev[TOK_MAX], prev2[TOK_MAX];
	int subject, verb, present, neg, modal, uncertain, cond, question;
	int twijfel, geen112, melding, yes_ans, no_ans, ell_bad;
};

/* Words that may follow a bare "112" in a short answer ("112 nog niet",
 * "buren niet, 112 wel", "112: nee"). */
static const char *const ellipsis[] = {
	"nog", "niet", "wel", "al", "ook", "nee", "ja", "not", "yet",
	"no", "yes", "too", "also", "inmiddels", "already", NULL
};

struct det_state {
	enum det112 strong;	/* last clause naming 112 or the police */
	enum det112 weak;	/* last subjectless "niet gebeld", "twijfel" */
	int asked;		/* the last clause asked "112 gebeld?" */
};

static void
clause_reset(struct clause *c, int carry)
{
	int unc = c->uncertain, cond = c->cond, q = c->question;

	memset(c, 0, sizeof(*c));
	if (carry) {
		c->uncertain = unc;
		c->cond = cond;
		c->question = q;
	}
}

static void
clause_word(struct clause *c, const char *w)
{
	if (c->ntok == 0)
		memcpy(c->first, w, TOK_MAX);
	else if (c->ntok == 1)
		memcpy(c->second, w, TOK_MAX);
	c->ntok++;

	if (in_list(w, subjects))
		c->subject = 1;
	if (in_list(w, verbs))
		c->verb = 1;
	if (in_list(w, presence))
		c->present = 1;
	if (in_list(w, negations))
		c->neg = 1;
	if (in_list(w, modals))
		c->modal = 1;
	if (strncmp(w, "twijfel", 7) == 0 || strncmp(w, "doubt", 5) == 0)
		c->twijfel = 1;
	if (strcmp(w, "melding") == 0 || strcmp(w, "aangifte") == 0)
		c->melding = 1;
	if (c->melding && (strcmp(w, "gemaakt") == 0 ||
	    strcmp(w, "gedaan") == 0))
		c->verb = 1;
	if (c->ntok > 1 && !in_list(w, ellipsis))
		c->ell_bad = 1;
	/* "did not call", "didn't call" */
	if (strcmp(w, "call") == 0 && (strcmp(c->prev, "not") == 0 ||
	    strcmp(c->prev, "didnt") == 0 || strcmp(c->prev, "never") == 0))
		c->verb = 1;
	if (strcmp(w, "ja") == 0 || strcmp(w, "yes") == 0)
		c->yes_ans = 1;
	if (strcmp(w, "nee") == 0 || strcmp(w, "no") == 0)
		c->no_ans = 1;

	/* "geen 112", "no 112" */
	if (strcmp(w, "112") == 0 && (strcmp(c->prev, "geen") == 0 ||
	    strcmp(c->prev, "no") == 0))
		c->geen112 = 1;
	/* "op de hoogte", "in kennis (gesteld)", "aan het bellen" */
	if ((strcmp(w, "hoogte") == 0 && strcmp(c->prev, "de") == 0 &&
	    strcmp(c->prev2, "op") == 0) ||
	    (strcmp(w, "kennis") == 0 && strcmp(c->prev, "in") == 0) ||
	    (strcmp(w, "bellen") == 0 && strcmp(c->prev, "het") == 0 &&
	    strcmp(c->prev2, "aan") == 0))
		c->verb = 1;
	/* "(112) weet ervan", "weten ervan" */
	if (strcmp(w, "ervan") == 0 && (strcmp(c->prev, "weet") == 0 ||
	    strcmp(c->prev, "weten") == 0))
		c->verb = 1;
	/* "ter plaatse", "on the/their way" */
	if ((strcmp(w, "plaatse") == 0 && strcmp(c->prev, "ter") == 0) ||
	    (strcmp(w, "way") == 0 && strcmp(c->prev2, "on") == 0))
		c->present = 1;
	/* "weet (ik) niet", "geen idee", "niet zeker", "not sure",
	 * "don't know", "no idea" */
	if ((strcmp(w, "niet") == 0 && (strcmp(c->prev, "weet") == 0 ||
	    (strcmp(c->prev, "ik") == 0 && strcmp(c->prev2, "weet") == 0))) ||
	    (strcmp(w, "idee") == 0 && strcmp(c->prev, "geen") == 0) ||
	    (strcmp(w, "zeker") == 0 && strcmp(c->prev, "niet") == 0) ||
	    (strcmp(w, "sure") == 0 && strcmp(c->prev, "not") == 0) ||
	    (strcmp(w, "know") == 0 && (strcmp(c->prev, "dont") == 0 ||
	    strcmp(c->prev, "not") == 0)) ||
	    (strcmp(w, "idea") == 0 && strcmp(c->prev, "no") == 0) ||
	    strcmp(w, "misschien") == 0 || strcmp(w, "maybe") == 0 ||
	    strcmp(w, "waarschijnlijk") == 0 || strcmp(w, "probably") == 0 ||
	    strcmp(w, "onbekend") == 0 || strcmp(w, "onduidelijk") == 0 ||
	    strcmp(w, "unsure") == 0 || strcmp(w, "unknown") == 0)
		c->uncertain = 1;

	memcpy(c->prev2, c->prev, TOK_MAX);
	memcpy(c->prev, w, TOK_MAX);
}

/* Question or condition, judged from how the clause begins. */
static void
clause_opening(struct clause *c)
{
	if (c->ntok == 0)
		return;
	if (in_list(c->first, conditions))
		c->cond = 1;
	if (in_list(c->first, question_words) ||
	    in_list(c->first, question_verbs) ||
	    (in_list(c->first, question_verbs_pron) && c->ntok > 1 &&
	    in_list(c->second, pronouns)))
		c->question = 1;
}

static void
clause_end(struct clause *c, struct det_state *st)
{
	int asked = st->asked;

	st->asked = 0;
	clause_opening(c);
	if (c->twijfel)
		st->weak = DET112_NO;
	if (c->ntok == 0)
		return;
	/* a bare "ja" or "nee" answers "112 gebeld?" */
	if (asked && c->ntok == 1 && (c->yes_ans || c->no_ans)) {
		st->strong = c->yes_ans ? DET112_YES : DET112_NO;
		return;
	}
	if (c->question) {
		st->asked = c->subject && (c->verb || c->present) &&
		    !c->neg && !c->modal && !c->cond && !c->uncertain;
		return;
	}
	if (c->cond || c->uncertain || c->twijfel ||
	    (c->yes_ans && c->no_ans))
		return;
	if (c->geen112) {
		st->strong = DET112_NO;
		return;
	}
	if (c->modal)
		return;
	if (c->verb) {
		if (c->neg) {
			if (c->subject)
				st->strong = DET112_NO;
			else
				st->weak = DET112_NO;
		} else if (c->subject) {
			st->strong = DET112_YES;
		}
		return;
	}
	if (c->present && c->subject && !c->neg) {
		st->strong = DET112_YES;
		return;
	}
	if (c->ntok >= 2 && !c->ell_bad && strcmp(c->first, "112") == 0)
		st->strong = c->neg ? DET112_NO : DET112_YES;
}

enum det112
detect_112(const char *utf8)
{
	struct det_state st = { DET112_UNKNOWN, DET112_UNKNOWN, 0 };
	struct clause c;
	struct tok t, la;
	const char *p = utf8, *q;

	if (utf8 == NULL)
		return DET112_UNKNOWN;
	clause_reset(&c, 0);
	for (;;) {
		next_token(&p, &t);
		switch (t.type) {
		case TK_END:
			clause_end(&c, &st);
			goto out;
		case TK_BREAK:
			clause_end(&c, &st);
			clause_reset(&c, 0);
			break;
		case TK_QUESTION:
			c.question = 1;
			clause_end(&c, &st);
			clause_reset(&c, 0);
			break;
		case TK_SLASH:
			/* "ja/nee" of an unfilled form: both answers stay in
			 * one clause, which then states nothing */
			break;
		case TK_WORD:
			if (t.len == 0) {
				c.ntok++;
				break;
			}
			if (in_list(t.w, splitters)) {
				if (c.ntok == 0)
					break;
				clause_opening(&c);
				clause_end(&c, &st);
				clause_reset(&c, strcmp(t.w, "en") == 0 ||
				    strcmp(t.w, "and") == 0);
				break;
			}
			clause_word(&c, t.w);
			/* "ja", "nee" close their clause, unless "ja/nee";
			 * "no" does not ("no one called") */
			if (strcmp(t.w, "ja") == 0 || strcmp(t.w, "yes") == 0 ||
			    strcmp(t.w, "nee") == 0) {
				q = p;
				next_token(&q, &la);
				if (la.type == TK_WORD) {
					clause_end(&c, &st);
					clause_reset(&c, 0);
				}
			}
			break;
		}
	}
out:
	return st.strong != DET112_UNKNOWN ? st.strong : st.weak;
}

const char *
detect_112_str(enum det112 d)
{
	switch (d) {
	case DET112_YES:
		return "ja";
	case DET112_NO:
		return "nee";
	default:
		return "onbekend";
	}
}

/* ---- licence plates ---------------------------------------------------- */

static const char *const sidecodes[] = {
	"XX-99-99", "99-99-XX", "99-XX-99", "XX-99-XX", "XX-XX-99",
	"99-XX-XX", "99-XXX-9", "9-XXX-99", "XX-999-X", "X-999-XX",
	"XXX-99-X", "X-99-XXX", "9-XX-999", "999-XX-9", NULL
};

static const char *const months[] = {
	"JAN", "FEB", "MRT", "MAR", "MAA", "APR", "MEI", "MAY", "JUN",
	"JUL", "AUG", "SEP", "OKT", "OCT", "NOV", "DEC", NULL
};

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
plate_letter(char c)
{
	return strchr("AEIOUCQ", c) == NULL;
}

/*
 * Checks a candidate: six characters ch (upper case) and the
 * separator before each (sep[i] is '-', ' ' or 0 for none, sep[0]
 * unused).  Writes the normalised plate to out on success.
 */
static int
plate_match(const char ch[6], const char sep[6], char out[DETECT_PLATE_LEN])
{
	const char *sc, *s;
	char grp[4];
	size_t i, k, g, o;
	int dashed, ok;

	for (k = 0; sidecodes[k] != NULL; k++) {
		sc = sidecodes[k];
		ok = 1;
		dashed = 1;
		/* i walks ch, s walks the sidecode pattern */
		for (i = 0, s = sc; i < 6 && ok; i++, s++) {
			if (*s == '-') {
				if (sep[i] != '-')
					dashed = 0;
				/* nothing between two digits or two letters
				 * is not a cut we guess */
				if (sep[i] == 0 && is_alpha(ch[i]) ==
				    is_alpha(ch[i - 1]))
					ok = 0;
				s++;
			} else if (i > 0 && sep[i] != 0) {
				ok = 0;	/* separator inside a group */
			}
			if (*s == 'X' ? !is_alpha(ch[i]) : is_alpha(ch[i]))
				ok = 0;
		}
		if (!ok)
			continue;
		/* group checks: months, plate letters, "NR 12 .." */
		for (i = 0, s = sc, g = 0; ; s++) {
			if (*s == '-' || *s == '\0') {
				grp[g] = '\0';
				if (g == 3 && in_list(grp, months))
					ok = 0;
				if (*s == '\0')
					break;
				g = 0;
				continue;
			}
			if (g < sizeof(grp) - 1)
				grp[g++] = ch[i];
			if (!dashed && is_alpha(ch[i]) && !plate_letter(ch[i]))
				ok = 0;
			i++;
		}
		if (ch[0] == 'N' && ch[1] == 'R' && sep[2] == ' ')
			ok = 0;
		if (!ok)
			continue;
		for (i = 0, o = 0, s = sc; *s != '\0'; s++)
			out[o++] = *s == '-' ? '-' : ch[i++];
		out[o] = '\0';
		return 1;
	}
	return 0;
}

size_t
detect_plates(const char *utf8, char out[][DETECT_PLATE_LEN], size_t max)
{
	const unsigned char *s = (const unsigned char *)utf8;
	const unsigned char *p;
	char ch[6], sep[6], plate[DETECT_PLATE_LEN];
	size_t i, n, k, found = 0;
	int dup;

	if (utf8 == NULL || max == 0)
		return 0;
	for (i = 0; s[i] != '\0' && found < max; i++) {
		if (!is_alnum(s[i]))
			continue;
		/* a candidate starts a word, not after "x-" or "x/" */
		if (i > 0 && is_alnum(s[i - 1]))
			continue;
		if (i > 1 && strchr("-/_.:", s[i - 1]) != NULL &&
		    is_alnum(s[i - 2]))
			continue;
		p = s + i;
		n = 0;
		memset(sep, 0, sizeof(sep));
		while (n < 6) {
			if (is_alnum(*p)) {
				ch[n++] = (char)(*p >= 'a' && *p <= 'z' ?
				    *p - 32 : *p);
				p++;
			} else if (n > 0 && (*p == '-' || *p == ' ') &&
			    is_alnum(p[1]) && sep[n] == 0) {
				sep[n] = (char)*p;
				p++;
			} else {
				break;
			}
		}
		if (n < 6 || is_alnum(*p))
			continue;
		if (*p != '\0' && strchr("-/_:", *p) != NULL && is_alnum(p[1]))
			continue;
		if (*p == '.' && is_alnum(p[1]))
			continue;
		if (!plate_match(ch, sep, plate))
			continue;
		dup = 0;
		for (k = 0; k < found; k++)
			if (strcmp(out[k], plate) == 0)
				dup = 1;
		if (!dup)
			memcpy(out[found++], plate, sizeof(plate));
	}
	return found;
}

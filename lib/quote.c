/* quote.c - fold the quoted tail and quoted blocks out of a reply. */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "quote.h"
#include "util.h"

struct line {
	const char *s;	/* start, not NUL-terminated */
	size_t len;	/* without LF and a CR before it */
	int blank;
	int quoted;	/* starts with ">" */
	int drop;
};

/* An attribution longer than this is prose, not a client's line. */
#define ATTR_MAX 400
/* A line shorter than this was not wrapped by a client. */
#define WRAP_MIN 40

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Trims blanks (and a UTF-8 no-break space or BOM) on both sides. */
static void
trim(const char **s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)*s;
	size_t len = *n;

	for (;;) {
		if (len > 0 && is_blank(*p)) {
			p++;
			len--;
		} else if (len >= 2 && p[0] == 0xc2 && p[1] == 0xa0) {
			p += 2;
			len -= 2;
		} else if (len >= 3 && p[0] == 0xef && p[1] == 0xbb &&
		    p[2] == 0xbf) {
			p += 3;
			len -= 3;
		} else {
			break;
		}
	}
	for (;;) {
		if (len > 0 && is_blank(p[len - 1]))
			len--;
		else if (len >= 2 && p[len - 2] == 0xc2 && p[len - 1] == 0xa0)
			len -= 2;
		else
			break;
	}
	*s = (const char *)p;
	*n = len;
}

static int
starts_ci(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);

	return n >= k && strncasecmp(s, pre, k) == 0;
}

static int
ends_ci(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

static int
has_digit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return 1;
	return 0;
}

enum attr {
	ATTR_NONE,
	ATTR_NAMED,	/* "X wrote:": only before quoted lines */
	ATTR_DATED	/* "On <date>, X wrote:": also above unmarked quotes */
};

/* An attribution with a known ending: dated when it opens like one. */
static enum attr
attr_dated(const char *s, size_t n)
{
	if ((starts_ci(s, n, "on ") || starts_ci(s, n, "le ") ||
	    starts_ci(s, n, "el ") || starts_ci(s, n, "il ") ||
	    starts_ci(s, n, "den ") || starts_ci(s, n, "w dniu ")) &&
	    has_digit(s, n))
		return ATTR_DATED;
	return ATTR_NAMED;
}

/* Kinds of attribution of s[0..n) (trimmed, lines joined by spaces). */
static enum attr
attribution(const char *s, size_t n)
{
	static const char *const endings[] = {
		"wrote:", "writes:", "schreef:", "het volgende geschreven:",
		"schreef het volgende:", "a \xc3\xa9" "crit :",
		"a \xc3\xa9" "crit:", "escribi\xc3\xb3:", "ha scritto:",
		"napisa\xc5\x82:", "skrev:", "kirjoitti:", "escreveu:",
		"ha escrito:", "napsal:", "\xc3\xadrta:",
		/* Russian "написал:", "написала:", "написал(а):" */
		"\xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xbb:",
		"\xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xbb"
		    "\xd0\xb0:",
		"\xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xbb"
		    "(\xd0\xb0):",
		NULL
	};
	const char *const *e;
	int ends = 0;

	if (n == 0 || n > ATTR_MAX || s[n - 1] != ':')
		return ATTR_NONE;
	/* Yahoo: "--- On Wed, 4/4/12, Jan <jan@x.nl> wrote:" */
	while (n > 0 && (*s == '-' || *s == ' ')) {
		s++;
		n--;
	}
	for (e = endings; *e != NULL; e++)
		if (ends_ci(s, n, *e))
			ends = 1;
	/* "Op ... schreef Jan <jan@x.nl>:" has the name after the verb */
	if (starts_ci(s, n, "op ") && (util_ci_findn(s, n, " schreef ") ||
	    ends))
		return has_digit(s, n) ? ATTR_DATED : ATTR_NAMED;
	if (starts_ci(s, n, "am ") && util_ci_findn(s, n, " schrieb "))
		return has_digit(s, n) ? ATTR_DATED : ATTR_NAMED;
	/* mutt: "* Jan Jansen <jan@x.nl> [2024-03-12 21:04]:", and any
	 * other language that names the writer's address */
	if ((starts_ci(s, n, "* ") && ends_ci(s, n, "]:")) ||
	    memchr(s, '@', n) != NULL)
		return ends ? attr_dated(s, n) : ATTR_NAMED;
	if (!ends)
		return ATTR_NONE;
	return attr_dated(s, n);
}

/* How attributions begin: "On ", "Op ", "Le ", a date, mutt's "* ". */
static int
opener(const char *s, size_t n)
{
	static const char *const words[] = {
		"op ", "on ", "le ", "am ", "el ", "il ", "em ", "den ",
		"w dniu ", "* ", NULL
	};
	const char *const *w;

	if (n > 0 && s[0] >= '0' && s[0] <= '9')
		return 1;
	for (w = words; *w != NULL; w++)
		if (starts_ci(s, n, *w))
			return 1;
	return 0;
}

/*
 * An attribution starting at line i, on up to three lines; returns how
 * many lines it takes (0 for none) and its kind in *kind.
 */
static size_t
attribution_at(const struct line *l, size_t nl, size_t i, enum attr *kind)
{
	char joined[ATTR_MAX + 1];
	const char *s;
	size_t n, k, len = 0;

	*kind = ATTR_NONE;
	for (k = 0; k < 3 && i + k < nl; k++) {
		if (l[i + k].blank || l[i + k].quoted)
			return 0;
		s = l[i + k].s;
		n = l[i + k].len;
		trim(&s, &n);
		if (len + (len > 0) + n > ATTR_MAX)
			return 0;
		if (len > 0)
			joined[len++] = ' ';
		memcpy(joined + len, s, n);
		len += n;
		joined[len] = '\0';
		if ((*kind = attribution(joined, len)) != ATTR_NONE)
			return k + 1;
		/* a wrapped attribution ends on its last line only, and
		 * was wrapped because its first line was long */
		if (n > 0 && s[n - 1] == ':')
			return 0;
		if (k == 0 && (n < WRAP_MIN || !opener(s, n)))
			return 0;
	}
	*kind = ATTR_NONE;
	return 0;
}

enum hkey { HK_NONE, HK_FROM, HK_SENT, HK_TO, HK_SUBJECT, HK_CC };

/* The mail header key a line of an Outlook block starts with. */
static enum hkey
header_key(const struct line *ln)
{
	static const struct {
		const char *name;
		enum hkey key;
	} keys[] = {
		{ "from", HK_FROM }, { "van", HK_FROM }, { "von", HK_FROM },
		{ "de", HK_FROM }, { "da", HK_FROM },
		{ "sent", HK_SENT }, { "date", HK_SENT },
		{ "verzonden", HK_SENT },
		{ "verstuurd", HK_SENT }, { "datum", HK_SENT },
		{ "gesendet", HK_SENT }, { "envoy\xc3\xa9", HK_SENT },
		{ "inviato", HK_SENT },
		{ "to", HK_TO }, { "aan", HK_TO }, { "an", HK_TO },
		{ "\xc3\xa0", HK_TO }, { "\xc3\x80", HK_TO }, { "a", HK_TO },
		{ "subject", HK_SUBJECT }, { "onderwerp", HK_SUBJECT },
		{ "betreff", HK_SUBJECT }, { "objet", HK_SUBJECT },
		{ "oggetto", HK_SUBJECT },
		{ "cc", HK_CC }, { "bcc", HK_CC },
	};
	const char *s = ln->s, *k;
	size_t n = ln->len, i, klen;

	trim(&s, &n);
	while (n > 0 && *s == '*') {
		s++;
		n--;
	}
	/* "Van:", "*Van:*", "*Van*:", French "De :" */
	for (i = 0; i < n && i < 16 && s[i] != ':' && s[i] != '*' &&
	    !is_blank((unsigned char)s[i]); i++)
		;
	if (i == 0 || i >= n || i == 16)
		return HK_NONE;
	k = s;
	klen = i;
	while (i < n && (s[i] == '*' || is_blank((unsigned char)s[i])))
		i++;
	if (i >= n || s[i] != ':' || i > klen + 2)
		return HK_NONE;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == klen &&
		    strncasecmp(keys[i].name, k, klen) == 0)
			return keys[i].key;
	return HK_NONE;
}

/*
 * Whether an Outlook-style header block starts at line i: a From line
 * and, among the next six non-blank lines, at least two other keys,
 * one of them the date or the subject.
 */
static int
header_block_at(const struct line *l, size_t nl, size_t i)
{
	size_t j, seen = 0, kinds = 0;
	unsigned mask = 0;
	enum hkey k;

	if (header_key(&l[i]) != HK_FROM)
		return 0;
	for (j = i + 1; j < nl && seen < 6; j++) {
		if (l[j].blank)
			continue;
		seen++;
		k = header_key(&l[j]);
		if (k == HK_NONE || k == HK_FROM)
			break;
		if ((mask & (1u << k)) == 0)
			kinds++;
		mask |= 1u << k;
	}
	return kinds >= 2 &&
	    (mask & ((1u << HK_SENT) | (1u << HK_SUBJECT))) != 0;
}

/* "-----Original Message-----" and its translations. */
static int
original_marker(const struct line *ln)
{
	static const char *const phrases[] = {
		"original message", "oorspronkelijk bericht",
		"origineel bericht", "oorspronkelijke bericht",
		"urspr\xc3\xbcngliche nachricht", "message d'origine",
		"messaggio originale", "mensaje original", NULL
	};
	const char *s = ln->s, *const *p;
	size_t n = ln->len;

	trim(&s, &n);
	if (n < 3 || n > 80 || s[0] != '-' || s[1] != '-')
		return 0;
	for (p = phrases; *p != NULL; p++)
		if (util_ci_findn(s, n, *p))
			return 1;
	return 0;
}

/* "---------- Doorgestuurd bericht ----------" and its translations. */
static int
forward_marker(const struct line *ln)
{
	static const char *const phrases[] = {
		"doorgestuurd bericht", "forwarded message",
		"weitergeleitete nachricht", "message transf\xc3\xa9r\xc3\xa9",
		"mensaje reenviado", "messaggio inoltrato", NULL
	};
	const char *s = ln->s, *const *p;
	size_t n = ln->len;

	trim(&s, &n);
	if (n > 80)
		return 0;
	for (p = phrases; *p != NULL; p++)
		if (util_ci_findn(s, n, *p))
			return 1;
	return 0;
}

/* A line of underscores, as Outlook draws above its header block. */
static int
separator_line(const struct line *ln)
{
	const char *s = ln->s;
	size_t n = ln->len, i;

	trim(&s, &n);
	if (n < 8)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] != '_')
			return 0;
	return 1;
}

/* "Verzonden vanaf mijn iPhone", "Sent from my Android" ... */
static int
device_signature(const struct line *ln)
{
	static const char *const starts[] = {
		"verzonden vanaf", "verzonden vanuit", "verzonden met",
		"verzonden via", "verstuurd vanaf", "verstuurd vanuit",
		"verstuurd met", "verstuurd via", "sent from", "sent with",
		"sent via", "get outlook for", "outlook voor android",
		"outlook voor ios", "download outlook", "envoy\xc3\xa9 de mon",
		"envoy\xc3\xa9 depuis", "gesendet von", "von meinem",
		"inviato da", "enviado desde", NULL
	};
	const char *s = ln->s, *const *p;
	size_t n = ln->len;

	trim(&s, &n);
	if (n > 100)
		return 0;
	for (p = starts; *p != NULL; p++)
		if (starts_ci(s, n, *p))
			return 1;
	return 0;
}

static int
dash_line(const struct line *ln)
{
	const char *s = ln->s;
	size_t n = ln->len;

	trim(&s, &n);
	return n == 2 && s[0] == '-' && s[1] == '-';
}

/* ">" or Supercite's "JJ>" (up to three letters) starts a quoted line. */
static int
quote_mark(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 3 && ((s[i] >= 'A' && s[i] <= 'Z') ||
	    (s[i] >= 'a' && s[i] <= 'z')); i++)
		;
	return i < n && s[i] == '>' && (i == 0 || i + 1 == n ||
	    s[i + 1] == ' ' || s[i + 1] == '>');
}

/* Marks what goes; returns 1 when something does. */
static int
mark(struct line *l, size_t nl, int signatures)
{
	size_t i, j, k, tail = nl;
	enum attr kind;
	int any = 0;

	/* the start of a quoted tail that runs to the end */
	for (i = 0; i < nl && tail == nl; i++) {
		if (l[i].quoted || l[i].blank)
			continue;
		/* a forwarded message is new text, header block and all */
		if (forward_marker(&l[i])) {
			for (j = i + 1; j < nl && l[j].blank; j++)
				;
			while (j < nl && !l[j].blank &&
			    header_key(&l[j]) != HK_NONE)
				j++;
			i = j - 1;
			continue;
		}
		if (original_marker(&l[i]) || header_block_at(l, nl, i)) {
			tail = i;
			break;
		}
		if (separator_line(&l[i])) {
			for (j = i + 1; j < nl && l[j].blank; j++)
				;
			if (j < nl && (header_block_at(l, nl, j) ||
			    original_marker(&l[j])))
				tail = i;
			continue;
		}
		k = attribution_at(l, nl, i, &kind);
		if (k == 0)
			continue;
		for (j = i + k; j < nl && l[j].blank; j++)
			;
		if (j < nl && l[j].quoted) {
			/* attribution of a ">" block: it goes with it */
			for (j = i; j < i + k; j++)
				l[j].drop = 1;
			any = 1;
			i += k - 1;
		} else if (kind == ATTR_DATED) {
			tail = i;
		}
	}
	for (i = tail; i < nl; i++)
		l[i].drop = 1;
	if (tail < nl)
		any = 1;
	for (i = 0; i < nl; i++) {
		if (l[i].quoted) {
			l[i].drop = 1;
			any = 1;
		}
	}
	if (!any || !signatures)
		return any;
	/* device signatures (and a "--" above) right before a quote */
	for (i = 0; i < nl; i++) {
		if (l[i].drop || !device_signature(&l[i]))
			continue;
		for (j = i + 1; j < nl && l[j].blank && !l[j].drop; j++)
			;
		if (j < nl && !l[j].drop)
			continue;
		l[i].drop = 1;
		for (j = i; j > 0 && l[j - 1].blank; j--)
			;
		if (j > 0 && dash_line(&l[j - 1]))
			l[j - 1].drop = 1;
	}
	return any;
}

/* Whether a kept line with text is left. */
static int
anything_left(const struct line *l, size_t nl)
{
	size_t i;

	for (i = 0; i < nl; i++)
		if (!l[i].drop && !l[i].blank)
			return 1;
	return 0;
}

char *
quote_fold(const char *text, int *folded)
{
	struct buf b = BUF_INIT;
	struct line *l = NULL;
	const char *p, *e;
	size_t nl = 0, i, j, cap;
	int gap = 0, out_blank = 0, started = 0;
	char *res = NULL;

	if (folded != NULL)
		*folded = 0;
	if (text == NULL)
		text = "";
	for (p = text, cap = 1; *p != '\0'; p++)
		if (*p == '\n')
			cap++;
	l = calloc(cap, sizeof(*l));
	if (l == NULL)
		goto out;
	for (p = text; *p != '\0' && nl < cap; nl++) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		l[nl].s = p;
		l[nl].len = (size_t)(e - p);
		if (l[nl].len > 0 && p[l[nl].len - 1] == '\r')
			l[nl].len--;
		for (i = 0; i < l[nl].len && is_blank((unsigned char)p[i]); i++)
			;
		l[nl].blank = i == l[nl].len;
		l[nl].quoted = quote_mark(p + i, l[nl].len - i);
		p = *e == '\n' ? e + 1 : e;
	}

	if (!mark(l, nl, 1)) {
		res = strdup(text);
		goto out;
	}
	if (!anything_left(l, nl)) {
		/* keep a lone device signature rather than nothing */
		for (i = 0; i < nl; i++)
			l[i].drop = 0;
		if (!mark(l, nl, 0) || !anything_left(l, nl)) {
			res = strdup(text);
			goto out;
		}
	}

	for (i = 0; i < nl; i++) {
		if (l[i].drop) {
			gap = 1;
			continue;
		}
		if (l[i].blank) {
			/* no leading blanks; one blank where quotes were */
			if (!started || (gap && out_blank))
				continue;
			buf_addch(&b, '\n');
			out_blank = 1;
			continue;
		}
		/* new text right after a removed block: keep them apart */
		if (gap && started && !out_blank)
			buf_addch(&b, '\n');
		buf_add(&b, l[i].s, l[i].len);
		buf_addch(&b, '\n');
		started = 1;
		out_blank = 0;
		gap = 0;
	}
	/* trailing blank lines */
	for (j = b.len; j > 1 && b.buf[j - 1] == '\n' &&
	    b.buf[j - 2] == '\n'; j--)
		;
	buf_setlen(&b, j);
	if (folded != NULL)
		*folded = 1;
	res = buf_detach(&b, NULL);
out:
	buf_release(&b);
	free(l);
	return res;
}

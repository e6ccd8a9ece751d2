/* html.c - readable text from HTML mail (see html.h). */
#include "bptconf.h"

#include <string.h>
#include <strings.h>

#include "charset.h"
#include "html.h"

/* The writer: white space is remembered and written only before text. */
struct emit {
	struct buf *out;
	int nl;		/* line breaks owed (0..2) */
	int sp;		/* a space owed */
	int nospace;	/* at the start of a line or after a bullet */
	int any;	/* text written */
	int pre;	/* inside <pre> */
};

static void
flush(struct emit *e)
{
	if (e->any && e->nl > 0) {
		buf_add(e->out, "\n\n", (size_t)(e->nl > 2 ? 2 : e->nl));
		e->nospace = 1;
	} else if (e->sp && !e->nospace) {
		buf_addch(e->out, ' ');
	}
	e->nl = 0;
	e->sp = 0;
}

static void
put(struct emit *e, const char *s, size_t n)
{
	flush(e);
	buf_add(e->out, s, n);
	e->nospace = 0;
	e->any = 1;
}

static void
put_cp(struct emit *e, unsigned long cp)
{
	flush(e);
	charset_add_cp(e->out, cp);
	e->nospace = 0;
	e->any = 1;
}

static void
brk(struct emit *e, int n)
{
	if (e->nl < n)
		e->nl = n;
}

static void
newline(struct emit *e)
{
	if (e->nl < 2)
		e->nl++;
}

/* Named references: the common ones and all of Latin-1. */
static const struct entity {
	const char *name;
	unsigned cp;
} entities[] = {
	{ "quot", 34 }, { "amp", 38 }, { "apos", 39 }, { "lt", 60 }, { "gt", 62 },
	{ "OElig", 338 }, { "oelig", 339 }, { "Scaron", 352 }, { "scaron", 353 },
	{ "Yuml", 376 }, { "fnof", 402 }, { "circ", 710 }, { "tilde", 732 },
	{ "ensp", 8194 }, { "emsp", 8195 }, { "thinsp", 8201 }, { "zwnj", 8204 },
	{ "zwj", 8205 }, { "lrm", 8206 }, { "rlm", 8207 }, { "ndash", 8211 },
	{ "mdash", 8212 }, { "lsquo", 8216 }, { "rsquo", 8217 }, { "sbquo", 8218 },
	{ "ldquo", 8220 }, { "rdquo", 8221 }, { "bdquo", 8222 }, { "dagger", 8224 },
	{ "Dagger", 8225 }, { "bull", 8226 }, { "hellip", 8230 }, { "permil", 8240 },
	{ "prime", 8242 }, { "Prime", 8243 }, { "lsaquo", 8249 }, { "rsaquo", 8250 },
	{ "oline", 8254 }, { "euro", 8364 }, { "trade", 8482 }, { "larr", 8592 },
	{ "uarr", 8593 }, { "rarr", 8594 }, { "darr", 8595 }, { "harr", 8596 },
	{ "minus", 8722 }, { "infin", 8734 }, { "asymp", 8776 }, { "ne", 8800 },
	{ "le", 8804 }, { "ge", 8805 }, { "hearts", 9829 },
};

/* Latin-1 names for U+00A0..U+00FF, in order. */
static const char *const latin1[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
	"uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
	"deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
	"Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil",
	"Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
	"ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
	"Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig",
	"agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
	"egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
	"eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
	"oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

/* Windows-1252 meanings of &#128; .. &#159; (HTML5); 0: none. */
static const unsigned short c1_map[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static unsigned long
entity_lookup(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++)
		if (strlen(entities[i].name) == n &&
		    memcmp(entities[i].name, name, n) == 0)
			return entities[i].cp;
	for (i = 0; i < 96; i++)
		if (strlen(latin1[i]) == n && memcmp(latin1[i], name, n) == 0)
			return 0xa0 + i;
	return 0;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/*
 * A character reference at s[0] == '&'; returns the bytes it takes
 * (0: not a reference, the '&' is text) and the code point in *cp.
 */
static size_t
entity(const char *s, size_t n, unsigned long *cp)
{
	size_t i = 1, start;
	unsigned long v = 0;
	int hex = 0, digits = 0;

	if (i < n && s[i] == '#') {
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			hex = 1;
			i++;
		}
		for (; i < n; i++) {
			int c = (unsigned char)s[i], d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				break;
			digits++;
			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + (unsigned long)d;
		}
		if (digits == 0)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (v >= 0x80 && v < 0xa0)
			v = c1_map[v - 0x80] ? c1_map[v - 0x80] : 0xfffd;
		else if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			v = 0xfffd;
		*cp = v;
		return i;
	}
	start = i;
	while (i < n && i - start < 10 && is_alnum((unsigned char)s[i]))
		i++;
	if (i == start)
		return 0;
	v = entity_lookup(s + start, i - start);
	if (v == 0)
		return 0;
	if (i < n && s[i] == ';') {
		*cp = v;
		return i + 1;
	}
	/* the old ones browsers accept without ';' */
	if (v == '&' || v == '<' || v == '>' || v == '"' || v == 0xa0 ||
	    v == 0xa9 || v == 0xae) {
		*cp = v;
		return i;
	}
	return 0;
}

/* Character data s[0..n): references decoded, white space collapsed. */
static void
text(struct emit *e, const char *s, size_t n)
{
	size_t i = 0, j, k;
	unsigned long cp;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '&' && (k = entity(s + i, n - i, &cp)) > 0) {
			i += k;
			if (cp == 0xa0 || cp < 0x20 || cp == 0x7f || cp == ' ') {
				if (e->pre && cp == '\n')
					newline(e);
				else if (e->pre)
					put(e, " ", 1);
				else
					e->sp = 1;
			} else if (cp == 0xad || cp == 0x200b || cp == 0x200c ||
			    cp == 0x200d || cp == 0xfeff) {
				continue;	/* invisible */
			} else {
				put_cp(e, cp);
			}
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		    (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0)) {
			if (e->pre && c == '\n')
				newline(e);
			else if (e->pre)
				put(e, c == 0xc2 ? " " : (const char *)&s[i], 1);
			else
				e->sp = 1;
			i += c == 0xc2 ? 2 : 1;
			continue;
		}
		/* a run of ordinary characters */
		for (j = i + 1; j < n; j++) {
			unsigned char d = (unsigned char)s[j];

			if (d == '&' || d == ' ' || d == '\t' || d == '\n' ||
			    d == '\r' || d == '\f' || d == 0xc2)
				break;
		}
		put(e, s + i, j - i);
		i = j;
	}
}

/*
 * Where a later tag named name (after "<", or "</" when end is set)
 * starts, case-insensitively; n when there is none.  The answer is
 * remembered in *memo, so searching again from a later position costs
 * nothing: a page of a thousand unclosed <title> tags stays linear.
 */
struct memo {
	size_t from;	/* searched from here ... */
	size_t at;	/* ... and found it here (n: nowhere) */
	int valid;
};

static size_t
find_tag(const char *s, size_t n, size_t from, const char *name, int end,
    struct memo *m)
{
	size_t len = strlen(name), i = from;
	const char *p;

	if (m->valid && m->from <= from && (m->at >= from || m->at == n))
		return m->at;
	while (i < n && (p = memchr(s + i, '<', n - i)) != NULL) {
		size_t at = (size_t)(p - s), q = at + 1;

		i = at + 1;
		if (end) {
			if (q >= n || s[q] != '/')
				continue;
			q++;
		}
		if (q + len <= n && strncasecmp(s + q, name, len) == 0 &&
		    (q + len == n || !is_alnum((unsigned char)s[q + len]))) {
			m->from = from;
			m->at = at;
			m->valid = 1;
			return at;
		}
	}
	m->from = from;
	m->at = n;
	m->valid = 1;
	return n;
}

/* The end of the tag starting at s[at] == '<': one past its '>'.
 * Quotes count only where an attribute value starts. */
static size_t
tag_end(const char *s, size_t n, size_t at)
{
	size_t i;
	char quote = 0, last = 0;
	const char *gt;

	for (i = at + 1; i < n; i++) {
		char c = s[i];

		if (quote) {
			if (c == quote)
				quote = 0;
			continue;
		}
		if ((c == '"' || c == '\'') && last == '=') {
			quote = c;
			continue;
		}
		if (c == '>')
			return i + 1;
		if (c != ' ' && c != '\t' && c != '\n')
			last = c;
	}
	/* an unclosed quote: the first '>' ends the tag after all */
	gt = memchr(s + at, '>', n - at);
	return gt ? (size_t)(gt - s) + 1 : n;
}

static int
name_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return 1;
	return 0;
}

static const char *const para_tags[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul",
	"ol", "pre", "hr", "dl", "address", "figure", "form", NULL
};
static const char *const line_tags[] = {
	"div", "tr", "li", "dt", "dd", "center", "header", "footer", "nav",
	"aside", "main", "section", "article", "caption", "fieldset",
	"legend", "details", "summary", "option", "tbody", "thead", "tfoot",
	"figcaption", "hgroup", NULL
};
/* elements whose content is never shown */
static const char *const hidden_tags[] = {
	"script", "style", "title", "template", "noscript", "xml", "head", NULL
};

/* The end of a comment starting at s[at] ("<!--"); n if unclosed. */
static size_t
comment_end(const char *s, size_t n, size_t at)
{
	const char *c = memmem(s + at + 4, n - at - 4, "-->", 3);

	return c ? (size_t)(c - s) + 3 : n;
}

/* Reads the lower-cased name of the tag at s[q] into name[16]; returns
 * the position after it. */
static size_t
tag_name(const char *s, size_t n, size_t q, char name[16])
{
	size_t k = 0;

	while (q < n && (is_alnum((unsigned char)s[q]) || s[q] == '-' ||
	    s[q] == ':' || s[q] == '_')) {
		if (k < 15) {
			char c = s[q];

			name[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		q++;
	}
	name[k] = '\0';
	return q;
}

void
html_to_text(struct buf *out, const char *s, size_t n)
{
	struct emit e = { out, 0, 0, 1, 0, 0 };
	struct memo memo[8], body_memo;
	size_t i = 0, j, q, h;
	int closing;
	char name[16];

	memset(memo, 0, sizeof(memo));
	memset(&body_memo, 0, sizeof(body_memo));
	while (i < n) {
		const char *lt = memchr(s + i, '<', n - i);

		j = lt ? (size_t)(lt - s) : n;
		if (j > i)
			text(&e, s + i, j - i);
		if (j >= n)
			break;
		i = j;
		/* comments, declarations, processing instructions */
		if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?')) {
			if (i + 3 < n && memcmp(s + i + 1, "!--", 3) == 0) {
				i = comment_end(s, n, i);
			} else {
				const char *gt = memchr(s + i, '>', n - i);

				i = gt ? (size_t)(gt - s) + 1 : n;
			}
			continue;
		}
		q = i + 1;
		closing = q < n && s[q] == '/';
		if (closing)
			q++;
		if (q >= n || !is_alpha((unsigned char)s[q])) {
			text(&e, "<", 1);	/* "a < b" */
			i++;
			continue;
		}
		tag_name(s, n, q, name);
		i = tag_end(s, n, i);
		for (h = 0; hidden_tags[h] != NULL; h++)
			if (strcmp(name, hidden_tags[h]) == 0)
				break;
		if (!closing && hidden_tags[h] != NULL) {
			size_t stop = find_tag(s, n, i, name, 1, &memo[h]);

			if (strcmp(name, "head") == 0) {
				size_t body = find_tag(s, n, i, "body", 0,
				    &body_memo);

				if (body < stop)
					stop = body;
			}
			if (stop >= n) {
				/* never closed: a lone <title> or <head>
				 * hides nothing, a lone <script> the rest */
				if (strcmp(name, "script") == 0 ||
				    strcmp(name, "style") == 0)
					i = n;
				continue;
			}
			i = s[stop + 1] == '/' ? tag_end(s, n, stop) : stop;
			continue;
		}
		if (strcmp(name, "br") == 0) {
			newline(&e);
		} else if (strcmp(name, "li") == 0 && !closing) {
			brk(&e, 1);
			put(&e, "-", 1);
			e.sp = 1;
		} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
			e.sp = 1;
		} else if (name_in(name, para_tags)) {
			brk(&e, 2);
			if (strcmp(name, "pre") == 0) {
				if (!closing)
					e.pre++;
				else if (e.pre > 0)
					e.pre--;
			}
		} else if (name_in(name, line_tags)) {
			brk(&e, 1);
		}
	}
}

/* words.c - a word list matched as a person reads the text. */
#include "bptconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "words.h"

enum wlist { W_WORD, W_OPEN, W_MOD, W_HEAD, W_EXCEPT, W_NLISTS };

struct words {
	char **list[W_NLISTS];	/* normal forms, sorted */
	size_t n[W_NLISTS];
	size_t cap[W_NLISTS];
};

/* Endings a listed word may carry, in normal form (see norm()). */
static const char *const suffixes[] = {
	"", "e", "en", "s", "je", "jes", "tje", "tjes", "er", "ers",
};

/* Letters with accents (U+00C0..U+00FF, the second byte after 0xc3)
 * read as their base letter; 0 for the others (x, /). */
static const char latin1[64] =
	"aaaaaaaceeeeiiii" "dnooooo\0ouuuuy\0s"
	"aaaaaaaceeeeiiii" "dnooooo\0ouuuuy\0y";

/* 1 for a byte that can be part of a word as people disguise it. */
static int
word_byte(const unsigned char *p, size_t left)
{
	if (isalnum(*p) || *p == '*' || *p == '@' || *p == '$')
		return 1;
	return left >= 2 && p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf &&
	    latin1[p[1] - 0x80] != '\0';
}

/* Length of a joiner inside a word (. - _ ' and U+2019) at p, or 0. */
static size_t
joiner(const unsigned char *p, size_t left)
{
	if (*p == '.' || *p == '-' || *p == '_' || *p == '\'')
		return 1;
	if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99)
		return 3;
	return 0;
}

/*
 * The normal form of a word as written, s[0..n): lower case, accents
 * off, 0 1 3 4 5 7 @ $ as letters (only in a word that has a letter),
 * a star as '?', joiners dropped, and with collapse a letter repeated
 * counted once.  Anything else becomes '#', which no entry holds.
 */
static void
norm(const char *s, size_t n, int collapse, struct buf *out)
{
	static const char leet[] = "oi#eas#t##";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	int letters = 0;
	size_t k;
	char c, last = '\0';

	for (k = 0; k < n; k++)
		if (isalpha(p[k]) || p[k] >= 0x80)
			letters = 1;
	buf_reset(out);
	while (p < end) {
		size_t j = joiner(p, (size_t)(end - p));

		if (j > 0) {
			p += j;
			continue;
		}
		if (isalpha(*p))
			c = (char)tolower(*p);
		else if (isdigit(*p))
			c = letters ? leet[*p - '0'] : (char)*p;
		else if (*p == '@')
			c = 'a';
		else if (*p == '$')
			c = 's';
		else if (*p == '*')
			c = '?';
		else if (end - p >= 2 && p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf &&
		    latin1[p[1] - 0x80] != '\0') {
			c = latin1[p[1] - 0x80];
			p++;
		} else {
			c = '#';
			while (p + 1 < end && (p[1] & 0xc0) == 0x80)
				p++;
		}
		p++;
		if (collapse && c == last && c != '?')
			continue;
		buf_addch(out, c);
		last = c;
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
has(const struct words *w, enum wlist l, const char *s, size_t n)
{
	size_t lo = 0, hi = w->n[l];
	char key[64];

	if (n >= sizeof(key))
		return 0;
	memcpy(key, s, n);
	key[n] = '\0';
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(key, w->list[l][mid]);

		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* 1 when t[0..n) is a word of list l with one of the endings. */
static int
inflected(const struct words *w, enum wlist l, const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t sl = strlen(suffixes[i]);

		if (n > sl && memcmp(t + n - sl, suffixes[i], sl) == 0 &&
		    has(w, l, t, n - sl))
			return 1;
	}
	return 0;
}

/* A word with stars: each '?' stands for one letter. */
static int
wild_match(const char *pat, size_t n, const char *word, int prefix)
{
	size_t i, wl = strlen(word);

	if (prefix ? n < wl : n != wl)
		return 0;
	for (i = 0; i < wl; i++)
		if (pat[i] != '?' && pat[i] != word[i])
			return 0;
	return 1;
}

static int
wild(const struct words *w, const char *t, size_t n)
{
	size_t i, k, stars = 0;

	for (i = 0; i < n; i++)
		stars += t[i] == '?';
	/* at least two letters written: "**" or "k*" says nothing */
	if (n - stars < 2 || n < 3)
		return 0;
	for (i = 0; i < w->n[W_WORD]; i++)
		for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
			size_t sl = strlen(suffixes[k]);

			if (n > sl && memcmp(t + n - sl, suffixes[k], sl) == 0 &&
			    wild_match(t, n - sl, w->list[W_WORD][i], 0))
				return 1;
		}
	for (i = 0; i < w->n[W_OPEN]; i++)
		if (wild_match(t, n, w->list[W_OPEN][i], 1))
			return 1;
	return 0;
}

/*
 * 1 when the normal form t[0..n) is a hit.  Exceptions are compared
 * with plain[0..pn), the form with repeated letters kept: "negeer" is
 * not "neger".
 */
static int
match(const struct words *w, const char *t, size_t n, const char *plain, size_t pn)
{
	size_t i;

	if (n == 0 || memchr(t, '#', n) != NULL)
		return 0;
	if (memchr(t, '?', n) != NULL)
		return wild(w, t, n);
	if (has(w, W_EXCEPT, plain, pn))
		return 0;
	if (inflected(w, W_WORD, t, n))
		return 1;
	for (i = 0; i < w->n[W_OPEN]; i++) {
		size_t pl = strlen(w->list[W_OPEN][i]);

		if (n >= pl && memcmp(t, w->list[W_OPEN][i], pl) == 0)
			return 1;
	}
	for (i = 0; i < w->n[W_MOD]; i++) {
		const char *m = w->list[W_MOD][i];
		size_t ml = strlen(m);
		char joined[64];

		if (n <= ml || memcmp(t, m, ml) != 0)
			continue;
		if (inflected(w, W_HEAD, t + ml, n - ml))
			return 1;
		/* "rotturk" reads "roturk": the letter the two parts share */
		if (n - ml + 1 < sizeof(joined)) {
			joined[0] = m[ml - 1];
			memcpy(joined + 1, t + ml, n - ml);
			if (inflected(w, W_HEAD, joined, n - ml + 1))
				return 1;
		}
	}
	return 0;
}

static enum bpt_status
add(struct bpt_ctx *ctx, struct words *w, enum wlist l, const char *s)
{
	if (w->n[l] == w->cap[l]) {
		size_t cap = w->cap[l] ? 2 * w->cap[l] : 64;
		char **nl = realloc(w->list[l], cap * sizeof(*nl));

		if (nl == NULL)
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
		w->list[l] = nl;
		w->cap[l] = cap;
	}
	if ((w->list[l][w->n[l]] = strdup(s)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	w->n[l]++;
	return BPT_OK;
}

/* Reads the entries of one list text into w. */
static enum bpt_status
parse(struct bpt_ctx *ctx, struct words *w, const char *name, const char *text,
    size_t len)
{
	struct buf nf = BUF_INIT;
	const char *p = text, *end = text + len;
	enum bpt_status st = BPT_OK;
	size_t line = 0;

	while (st == BPT_OK && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *b = p, *e = eol ? eol : end;
		enum wlist l = W_WORD;
		size_t i;

		p = eol ? eol + 1 : end;
		line++;
		if (memchr(b, '#', (size_t)(e - b)) != NULL)
			e = memchr(b, '#', (size_t)(e - b));
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (b == e)
			continue;
		if (*b == '!' || *b == '+') {
			l = *b == '!' ? W_EXCEPT : W_HEAD;
			b++;
		} else if (e[-1] == '*' || e[-1] == '+') {
			l = e[-1] == '*' ? W_OPEN : W_MOD;
			e--;
		}
		norm(b, (size_t)(e - b), l != W_EXCEPT, &nf);
		for (i = 0; i < nf.len; i++)
			if (!islower((unsigned char)nf.buf[i]))
				break;
		if (buf_failed(&nf))
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		else if (nf.len < 2 || nf.len >= 48 || i < nf.len)
			st = bpt_err(ctx, BPT_ECONFIG, "%s:%zu: '%.*s' is not a word "
			    "(letters only, then * or + at its end, or ! or + before it)",
			    name, line, (int)(e - b), b);
		else
			st = add(ctx, w, l, buf_str(&nf));
	}
	buf_release(&nf);
	return st;
}

void
words_free(struct words *w)
{
	size_t l, i;

	if (w == NULL)
		return;
	for (l = 0; l < W_NLISTS; l++) {
		for (i = 0; i < w->n[l]; i++)
			free(w->list[l][i]);
		free(w->list[l]);
	}
	free(w);
}

enum bpt_status
words_load_string(struct bpt_ctx *ctx, const char *name, const char *text,
    size_t len, struct words **out)
{
	struct words *w = calloc(1, sizeof(*w));
	enum bpt_status st;
	size_t l;

	*out = NULL;
	if (w == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	st = parse(ctx, w, "words.nl.txt", words_builtin_nl, strlen(words_builtin_nl));
	if (st == BPT_OK && text != NULL)
		st = parse(ctx, w, name, text, len);
	if (st != BPT_OK) {
		words_free(w);
		return st;
	}
	for (l = 0; l < W_NLISTS; l++)
		qsort(w->list[l], w->n[l], sizeof(char *), cmp_str);
	*out = w;
	return BPT_OK;
}

enum bpt_status
words_load(struct bpt_ctx *ctx, const char *path, struct words **out)
{
	struct buf b = BUF_INIT;
	enum bpt_status st;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return words_load_string(ctx, NULL, NULL, 0, out);
	st = fio_read_file(ctx, path, 1024 * 1024, &b);
	if (st == BPT_OK)
		st = words_load_string(ctx, path, buf_str(&b), b.len, out);
	buf_release(&b);
	return st;
}

/* Appends the span s[0..n) to evidence unless it is there already. */
static void
note(struct buf *ev, const char *s, size_t n, size_t *noted, size_t max)
{
	const char *p = ev->buf;

	if (*noted >= max)
		return;
	while (p != NULL && (p = strstr(p, ", ")) != NULL) {
		p += 2;
		if (strncasecmp(p, s, n) == 0 && (p[n] == '\0' || p[n] == ','))
			return;
	}
	if (ev->len >= n && strncasecmp(ev->buf, s, n) == 0 &&
	    (ev->buf[n] == '\0' || ev->buf[n] == ','))
		return;
	if (ev->len > 0)
		buf_adds(ev, ", ");
	buf_add(ev, s, n);
	(*noted)++;
}

/* The end of the word that starts at s[b]. */
static size_t
word_end(const unsigned char *s, size_t b, size_t len)
{
	size_t e = b, j;

	while (e < len) {
		if (word_byte(s + e, len - e)) {
			e += s[e] == 0xc3 ? 2 : 1;
			continue;
		}
		j = joiner(s + e, len - e);
		if (j > 0 && e + j < len && word_byte(s + e + j, len - e - j)) {
			e += j;
			continue;
		}
		break;
	}
	return e;
}

struct finder {
	const struct words *w;
	const char *text;
	struct buf nf, plain, letters;
	struct buf *evidence;
	size_t max, hits, noted;
};

/* Checks the word written as text[b..e) (spaces in it dropped). */
static void
check(struct finder *f, size_t b, size_t e)
{
	size_t k;

	buf_reset(&f->letters);
	for (k = b; k < e; k++)
		if (f->text[k] != ' ')
			buf_addch(&f->letters, f->text[k]);
	norm(buf_str(&f->letters), f->letters.len, 1, &f->nf);
	norm(buf_str(&f->letters), f->letters.len, 0, &f->plain);
	if (buf_failed(&f->nf) || buf_failed(&f->plain) ||
	    !match(f->w, f->nf.buf, f->nf.len, f->plain.buf, f->plain.len))
		return;
	f->hits++;
	if (f->evidence != NULL)
		note(f->evidence, f->text + b, e - b, &f->noted, f->max);
}

size_t
words_find(const struct words *w, const char *text, size_t max,
    struct buf *evidence)
{
	struct finder f = { w, text, BUF_INIT, BUF_INIT, BUF_INIT, evidence, max, 0, 0 };
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text), i = 0, e;
	/* a run of single letters written apart: "k u t" */
	size_t run_b = 0, run_e = 0, run_n = 0;

	for (;;) {
		while (i < len && !word_byte(s + i, len - i))
			i++;
		if (i == len)
			break;
		e = word_end(s, i, len);
		if (e - i == 1 && isalpha(s[i]) && run_n > 0 && i == run_e + 1 &&
		    s[run_e] == ' ') {
			run_e = e;
			run_n++;
		} else {
			if (run_n >= 3)
				check(&f, run_b, run_e);
			run_n = 0;
			if (e - i == 1 && isalpha(s[i])) {
				run_b = i;
				run_e = e;
				run_n = 1;
			}
		}
		check(&f, i, e);
		i = e;
	}
	if (run_n >= 3)
		check(&f, run_b, run_e);
	buf_release(&f.nf);
	buf_release(&f.plain);
	buf_release(&f.letters);
	return f.hits;
}

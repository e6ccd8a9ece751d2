/* unit.h - what the cmocka unit tests share. */
#ifndef BPT_UNIT_H
#define BPT_UNIT_H

#include "bptconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "charset.h"
#include "config.h"
#include "fileio.h"
#include "mail.h"
#include "sha256.h"
#include "store.h"

/* Frees what a test put in a context: the store, the configuration,
 * the actor (the tools do this with cmd_release()). */
static inline void
unit_ctx_release(struct bpt_ctx *ctx)
{
	store_close(ctx->store);
	ctx->store = NULL;
	cfg_free(ctx->cfg);
	ctx->cfg = NULL;
	free(ctx->actor);
	ctx->actor = NULL;
}

/* A fresh temporary folder; removed with unit_rmtree(). Caller frees. */
static inline char *
unit_tmpdir(void)
{
	char tmpl[] = "/tmp/bpt-unit.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static inline void
unit_rmtree(char *dir)
{
	char cmd[512];

	if (dir == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

/* ---- what every parsed mail holds to ----------------------------------- */

/* A string from mail_parse(): valid UTF-8, no CR; one line when asked. */
static inline void
unit_check_str(const char *what, const char *file, const char *s, int one_line)
{
	size_t i;

	if (s == NULL)
		return;
	if (!charset_utf8_valid(s, strlen(s)))
		fail_msg("%s: %s is not valid UTF-8", file, what);
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || (one_line && c == '\n'))
			fail_msg("%s: %s holds CR or LF", file, what);
		if (c < 0x20 && c != '\n' && c != '\t')
			fail_msg("%s: %s holds control %#x", file, what, c);
	}
}

/* Every string of m is valid UTF-8 without CR (one line where a header
 * is), the text ends in one newline without runs of blank lines, and
 * each attachment's SHA-256 is that of its data. */
static inline void
unit_check_mail(const char *file, const struct mail *m)
{
	size_t i, n;
	char hex[65];

	for (i = 0; i < m->nhdr; i++) {
		unit_check_str("header name", file, m->hdr[i].name, 1);
		unit_check_str("header value", file, m->hdr[i].value, 1);
	}
	unit_check_str("from_addr", file, m->from_addr, 1);
	unit_check_str("from_name", file, m->from_name, 1);
	unit_check_str("subject", file, m->subject, 1);
	unit_check_str("message_id", file, m->message_id, 1);
	unit_check_str("in_reply_to", file, m->in_reply_to, 1);
	for (i = 0; i < m->nrefs; i++)
		unit_check_str("reference", file, m->refs[i], 1);
	unit_check_str("reply_to", file, m->reply_to, 1);
	unit_check_str("date", file, m->date, 1);
	unit_check_str("return_path", file, m->return_path, 1);
	unit_check_str("envelope_to", file, m->envelope_to, 1);
	unit_check_str("content_type", file, m->content_type, 1);
	unit_check_str("notes", file, m->notes, 1);
	unit_check_str("dsn", file, m->dsn, 0);
	unit_check_str("dsn_original", file, m->dsn_original, 0);
	assert_non_null(m->text);
	unit_check_str("text", file, m->text, 0);
	n = strlen(m->text);
	if (n > 0 && (m->text[n - 1] != '\n' || (n > 1 && m->text[n - 2] == '\n')))
		fail_msg("%s: text does not end in exactly one newline", file);
	if (strstr(m->text, "\n\n\n") != NULL || m->text[0] == '\n')
		fail_msg("%s: text has a run of blank lines", file);
	for (i = 0; i < m->natt; i++) {
		const struct mail_attachment *a = &m->att[i];

		unit_check_str("filename", file, a->filename, 1);
		unit_check_str("attachment type", file, a->content_type, 1);
		unit_check_str("content id", file, a->content_id, 1);
		assert_non_null(a->data);
		sha256_hex(a->data, a->size, hex);
		assert_string_equal(hex, a->sha256);
	}
}

/* ---- test mails ------------------------------------------------------ */

/* The source tree: $top_srcdir (make check sets it), else where the
 * tests were built from. */
static inline const char *
unit_srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL && *s != '\0' ? s : UNIT_TOP_SRCDIR;
}

/* The project's own test mails: tests/data (see its README.md). */
static inline const char *
unit_data_dir(void)
{
	static char path[2048];
	int n = snprintf(path, sizeof(path), "%s/tests/data", unit_srcdir());

	assert_true(n > 0 && (size_t)n < sizeof(path));
	return path;
}

/*
 * The shared test data beside the tree (real-world mails, fuzz seeds;
 * see tests/data/README.md).  $BPT_TEST_CORPUS, when set, alone decides:
 * a folder holding EXPECTED.tsv is the corpus itself, its fuzz seeds in
 * ../fuzz-seeds beside it; any other folder holds corpus/ and
 * fuzz-seeds/.  Without it: $BPT_SHARED/corpus and $BPT_SHARED/fuzz-seeds,
 * $BPT_SHARED being ../shared next to the source tree by default.
 * which: "corpus" or "fuzz-seeds".
 */
static inline const char *
unit_shared_dir(const char *which, char *path, size_t size)
{
	const char *t = getenv("BPT_TEST_CORPUS"), *s = getenv("BPT_SHARED");
	int n;

	if (t != NULL && *t != '\0') {
		n = snprintf(path, size, "%s/EXPECTED.tsv", t);
		assert_true(n > 0 && (size_t)n < size);
		if (access(path, F_OK) == 0)
			n = strcmp(which, "corpus") == 0 ?
			    snprintf(path, size, "%s", t) :
			    snprintf(path, size, "%s/../%s", t, which);
		else
			n = snprintf(path, size, "%s/%s", t, which);
	} else if (s != NULL && *s != '\0') {
		n = snprintf(path, size, "%s/%s", s, which);
	} else {
		n = snprintf(path, size, "%s/../shared/%s", unit_srcdir(), which);
	}
	assert_true(n > 0 && (size_t)n < size);
	return path;
}

static inline const char *
unit_corpus_dir(void)
{
	static char path[2048];

	return unit_shared_dir("corpus", path, sizeof(path));
}

static inline const char *
unit_fuzz_seeds_dir(void)
{
	static char path[2048];

	return unit_shared_dir("fuzz-seeds", path, sizeof(path));
}

/* The line a test missing the shared data is skipped with. */
#define UNIT_NO_CORPUS \
	"no shared corpus (../shared/corpus or $BPT_TEST_CORPUS)"

/*
 * Skips the calling test when the shared data it reads (the corpus,
 * or the folder dir) is not there.  With BPT_REQUIRE_CORPUS=1 (the
 * project's CI) that is a failure instead.
 */
static inline void
unit_need_shared(const char *dir, const char *file)
{
	char path[2048];
	const char *req = getenv("BPT_REQUIRE_CORPUS");
	int n = snprintf(path, sizeof(path), "%s%s%s", dir, file ? "/" : "",
	    file ? file : "");

	assert_true(n > 0 && (size_t)n < sizeof(path));
	if (access(path, F_OK) == 0)
		return;
	if (req != NULL && strcmp(req, "1") == 0)
		fail_msg("%s missing, and BPT_REQUIRE_CORPUS=1", path);
	print_message("# skip: %s\n", UNIT_NO_CORPUS);
	skip();
}

static inline void
unit_need_corpus(void)
{
	unit_need_shared(unit_corpus_dir(), "EXPECTED.tsv");
}

/* Parses dir/rel with limits lim (NULL: the defaults); NULL when the
 * file cannot be read.  Free with mail_free(). */
static inline struct mail *
unit_mail_file(const char *dir, const char *rel,
    const struct mail_limits *lim)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	struct mail *m = NULL;
	char path[2048];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	if (fio_read_file(&ctx, path, 0, &b) != BPT_OK) {
		buf_release(&b);
		return NULL;
	}
	assert_int_equal(mail_parse(&ctx, buf_str(&b), b.len, lim, &m),
	    BPT_OK);
	assert_non_null(m);
	buf_release(&b);
	return m;
}

/* A message of the shared corpus ("bounce/dsn-1.eml") parsed with
 * roomy limits; NULL when the file is missing. */
static inline struct mail *
unit_corpus_mail(const char *rel)
{
	static const struct mail_limits roomy = { 1000, 20, 5000, 1 << 20 };

	return unit_mail_file(unit_corpus_dir(), rel, &roomy);
}

/* A message of tests/data ("bounce/postfix-dsn-failed.eml") parsed
 * with the default limits, as EXPECTED.tsv gives its flags; the file
 * must be there. */
static inline struct mail *
unit_data_mail(const char *rel)
{
	struct mail *m = unit_mail_file(unit_data_dir(), rel, NULL);

	if (m == NULL)
		fail_msg("cannot read %s/%s", unit_data_dir(), rel);
	return m;
}

/* One line of tests/data/EXPECTED.tsv. */
struct unit_expected {
	const char *path;	/* "reply/iphone-nl.eml" */
	const char *cls;	/* what bpt-report makes of it: "reply" */
	const char *incident;	/* "3", or "-" */
	const char *flags;	/* "malformed,no-from", or "-" */
};

/*
 * Calls fn for every line of tests/data/EXPECTED.tsv, in order, and
 * returns how many there were.  A line without its first four columns
 * (the note may be left out) fails the test.
 */
static inline int
unit_data_each(void (*fn)(const struct unit_expected *, void *), void *arg)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf tsv = BUF_INIT;
	struct unit_expected e;
	char path[2048], *line, *save = NULL, *col[4], *p;
	int n, i, count = 0;

	n = snprintf(path, sizeof(path), "%s/EXPECTED.tsv", unit_data_dir());
	assert_true(n > 0 && (size_t)n < sizeof(path));
	if (fio_read_file(&ctx, path, 0, &tsv) != BPT_OK)
		fail_msg("cannot read %s: %s", path, ctx.errmsg);
	for (line = strtok_r(tsv.buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		for (p = line, i = 0; i < 4; i++) {
			col[i] = p;
			if ((p = strchr(p, '\t')) == NULL)
				break;
			*p++ = '\0';
		}
		if (i < 3)
			fail_msg("%s: short line '%s'", path, line);
		e.path = col[0];
		e.cls = col[1];
		e.incident = col[2];
		e.flags = col[3];
		fn(&e, arg);
		count++;
	}
	buf_release(&tsv);
	return count;
}

#endif

/*
 * fuzz_quote.c - the text functions of a reply on arbitrary, mostly
 * UTF-8 text: quote_fold(), then detect_112(), detect_plates(),
 * scrub_contacts(), words_find() and chitchat_only() on what is left, as
 * ingest runs them; authres_verdict() on the text as header values.
 *
 * Checked besides crashes (quote.h, detect.h, scrub.h, words.h): without a fold
 * the text comes back unchanged; a fold never makes text out of
 * nothing, leaves no blank line at either end and ends in one LF;
 * plates are upper-case letters, digits and two dashes, each once;
 * scrubbing without anything to scrub changes nothing; every piece of
 * a word hit's evidence is written in the text; small talk is small
 * talk in a subject and in a text alike.
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "fuzz.h"
#include "quote.h"
#include "authres.h"
#include "chitchat.h"
#include "scrub.h"
#include "words.h"

#define MAX_PLATES 16

static void
check_plates(char plates[][DETECT_PLATE_LEN], size_t n)
{
	size_t i, k, dashes;

	for (i = 0; i < n; i++) {
		const char *p = plates[i];

		if (memchr(p, '\0', DETECT_PLATE_LEN) == NULL || strlen(p) != 8)
			fuzz_fail(NULL, "plate %zu is not 8 characters", i);
		for (k = 0, dashes = 0; p[k]; k++) {
			if (p[k] == '-')
				dashes++;
			else if (!(p[k] >= 'A' && p[k] <= 'Z') &&
			    !(p[k] >= '0' && p[k] <= '9'))
				fuzz_fail(NULL, "plate '%s' has a bad character", p);
		}
		if (dashes != 2 || p[0] == '-' || p[7] == '-')
			fuzz_fail(NULL, "plate '%s' is not in sidecode form", p);
		for (k = 0; k < i; k++)
			if (strcmp(plates[k], p) == 0)
				fuzz_fail(NULL, "plate '%s' twice", p);
	}
}

/* words_find(): every piece of evidence is written in the text. */
static void
check_words(const char *text)
{
	static struct words *w;
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf ev = BUF_INIT;
	size_t hits, items = 0;
	char *p, *item;

	if (w == NULL && words_load(&ctx, NULL, &w) != BPT_OK)
		fuzz_fail(&ctx, "words_load");
	hits = words_find(w, text, 8, &ev);
	if (buf_failed(&ev))
		fuzz_fail(NULL, "words_find: out of memory");
	for (p = ev.buf; p != NULL && *p; items++) {
		item = p;
		if ((p = strstr(p, ", ")) != NULL) {
			*p = '\0';
			p += 2;
		}
		if (*item == '\0' || strstr(text, item) == NULL)
			fuzz_fail(NULL, "words_find: evidence '%s' is not in the text", item);
	}
	if (items > hits || items > 8 || (hits > 0 && items == 0))
		fuzz_fail(NULL, "words_find: %zu hits, %zu pieces of evidence", hits, items);
	buf_release(&ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char plates[MAX_PLATES][DETECT_PLATE_LEN];
	char *text = fuzz_strdup(data, size);
	char *folded_text, *clean;
	size_t n, len;
	int folded = -1, count = -1;
	enum det112 d;

	if ((folded_text = quote_fold(text, &folded)) == NULL)
		fuzz_fail(NULL, "quote_fold: out of memory");
	len = strlen(folded_text);
	if (folded != 0 && folded != 1)
		fuzz_fail(NULL, "quote_fold: *folded is %d", folded);
	if (!folded && strcmp(folded_text, text) != 0)
		fuzz_fail(NULL, "quote_fold changed text it did not fold");
	if (folded && (len == 0 || folded_text[len - 1] != '\n' ||
	    folded_text[0] == '\n' || (len >= 2 && folded_text[len - 2] == '\n')))
		fuzz_fail(NULL, "quote_fold left blank lines at an end or no LF");
	if (folded && *text == '\0')
		fuzz_fail(NULL, "quote_fold folded an empty text");

	d = detect_112(folded_text);
	if (d != DET112_UNKNOWN && d != DET112_YES && d != DET112_NO)
		fuzz_fail(NULL, "detect_112 gave %d", (int)d);
	(void)detect_112_str(d);
	n = detect_plates(folded_text, plates, MAX_PLATES);
	if (n > MAX_PLATES)
		fuzz_fail(NULL, "detect_plates wrote %zu of %d", n, MAX_PLATES);
	check_plates(plates, n);
	/* with room for one only, the first one comes back */
	if (n > 0) {
		char one[1][DETECT_PLATE_LEN];

		if (detect_plates(folded_text, one, 1) != 1 ||
		    strcmp(one[0], plates[0]) != 0)
			fuzz_fail(NULL, "detect_plates with max 1 differs");
	}

	if ((clean = scrub_contacts(folded_text, "[e-mailadres verwijderd]",
	    "[telefoonnummer verwijderd]", &count)) == NULL)
		fuzz_fail(NULL, "scrub_contacts: out of memory");
	if (count < 0 || (count == 0 && strcmp(clean, folded_text) != 0))
		fuzz_fail(NULL, "scrub_contacts changed text without counting it");
	free(clean);

	check_words(folded_text);
	if (chitchat_only(NULL, folded_text) != chitchat_only(folded_text, NULL))
		fuzz_fail(NULL, "chitchat_only: subject and text read differently");
	{
		const char *v[2] = { text, folded_text };
		enum authres_verdict a = authres_verdict(v, 2, "mx.example", "example.org",
		    NULL);

		if (a != AUTHRES_NONE && a != AUTHRES_OK && a != AUTHRES_FORGED)
			fuzz_fail(NULL, "authres_verdict gave %d", (int)a);
	}
	free(folded_text);
	free(text);
	return 0;
}

/*
 * charset.h - text in a MIME charset to UTF-8.
 *
 * Every function appends valid UTF-8 to a struct buf: a byte or
 * sequence that is not valid in its charset becomes U+FFFD and is
 * never passed through.  Memory errors are recorded in the buf (see
 * buf_failed()).  The results are bit sets of enum charset_result.
 *
 * Common charsets (UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15,
 * Windows-1252) are converted here; every other label goes to iconv,
 * after a table of the aliases mail clients write (ks_c_5601-1987,
 * gb2312, unicode-1-1-utf-7, ...).  ISO-8859-1 is read as Windows-1252,
 * as browsers do: mail labelled Latin-1 uses its quotes and euro sign.
 */
#ifndef BPT_CHARSET_H
#define BPT_CHARSET_H

#include <stddef.h>

#include "buf.h"

enum charset_result {
	CHARSET_OK = 0,
	CHARSET_INVALID = 1 << 0,	/* bytes replaced by U+FFFD */
	CHARSET_UNKNOWN = 1 << 1,	/* label unknown: read as unlabelled text */
};

/*
 * Appends s[0..n) converted from the charset called label (a MIME
 * name, any case, quotes allowed).  NULL, "" and labels that promise
 * nothing (us-ascii, unknown-8bit) are read as unlabelled text, see
 * charset_raw_to_utf8().
 */
unsigned charset_to_utf8(struct buf *out, const char *label, const char *s,
    size_t n);

/*
 * Unlabelled 8-bit text (raw header bytes, text/plain without
 * charset): UTF-8 when all of it is valid UTF-8, else Windows-1252.
 */
unsigned charset_raw_to_utf8(struct buf *out, const char *s, size_t n);

/* Appends s[0..n) as UTF-8 with every invalid sequence replaced. */
unsigned charset_utf8_sanitize(struct buf *out, const char *s, size_t n);

/* Length of the longest valid UTF-8 prefix of s[0..n). */
size_t charset_utf8_valid_len(const char *s, size_t n);

/* 1 when s[0..n) is valid UTF-8 (no overlongs, surrogates or NUL-free
 * requirement: NUL is valid). */
int charset_utf8_valid(const char *s, size_t n);

/* Appends code point cp as UTF-8 (U+FFFD for surrogates and values
 * past U+10FFFF). */
void charset_add_cp(struct buf *out, unsigned long cp);

/* 1 when the label names a charset that can be converted. */
int charset_known(const char *label);

#endif

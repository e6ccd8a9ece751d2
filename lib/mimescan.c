/*
 * mimescan.c - the structure scan: every header section of a message
 * parsed as mailmime_parse() will parse it, every multipart body split
 * at its delimiter lines by the rules of libetpan 1.9.4, parts and
 * depth counted, nothing built (see mail_int.h).
 */
#include "bptconf.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailimf.h>
#include <libetpan/mailmime.h>

#include "mail.h"
#include "mail_int.h"

/* Header fields before the first empty line of p[0..n). */
static long
count_fields(const char *p, size_t n, long stop)
{
	size_t i = 0;
	long c = 0;

	while (i < n && c <= stop) {
		if (p[i] == '\r' || p[i] == '\n')
			break;
		if (!mail_is_wsp((unsigned char)p[i]))
			c++;
		i = mail_line_after(p, n, i);
	}
	return c;
}

/* Is the boundary parameter of this Content-Type value unquoted but
 * holding characters RFC 2045 allows only in quotes ("=" of Outlook)? */
static int
boundary_unquoted(const char *v)
{
	const char *b = strcasestr(v, "boundary");

	if (b == NULL)
		return 0;
	for (b += 8; mail_is_wsp((unsigned char)*b); b++)
		;
	if (*b != '=')
		return 0;
	for (b++; mail_is_wsp((unsigned char)*b); b++)
		;
	for (; *b != '\0' && *b != '"' && *b != ';' && *b != ' ' &&
	    *b != '\t' && *b != '\r' && *b != '\n'; b++)
		if (strchr("()<>@,:\\/[]?=", *b) != NULL)
			return 1;
	return 0;
}

/*
 * libetpan's search for the first delimiter (mailmime_preamble_parse()
 * of 1.9.4, state for state): the position after the next "--" at the
 * start of a line, at the start of the body when beol, or after one
 * other character at the start of a line; SIZE_MAX when there is none.
 */
static size_t
preamble_next(const char *p, size_t n, size_t i, int beol)
{
	enum { A0, A, A1, B, C, D } st = beol ? A0 : A;

	for (; i < n; i++) {
		char c = p[i];

		switch (st) {
		case A0:
			st = c == '-' ? A1 : c == '\r' ? B : c == '\n' ? C : A;
			break;
		case A:
			st = c == '\r' ? B : c == '\n' ? C : A;
			break;
		case A1:
			if (c == '-')
				return i + 1;
			st = c == '\r' ? B : c == '\n' ? C : A;
			break;
		case B:
			st = c == '\r' ? B : c == '\n' ? C : c == '-' ? D : A0;
			break;
		case C:
			st = c == '-' ? D : c == '\r' ? B : c == '\n' ? C : A0;
			break;
		case D:
			if (c == '-')
				return i + 1;
			st = A;
			break;
		}
	}
	return SIZE_MAX;
}

/* Counts one part and scans it; 0 when the scan must stop. */
static int
scan_part(struct scan *sc, const char *p, size_t s, size_t e, long depth,
    int digest)
{
	if (++sc->ps->parts > sc->ps->lim.max_parts) {
		sc->flags |= MAIL_LIMIT_PARTS;
		return 0;
	}
	mimescan_entity(sc, p + s, e - s, depth, 0, digest);
	return sc->flags == 0 && sc->hostile == NULL && !sc->ps->oom;
}

/*
 * libetpan's mailmime_body_part_dash2_parse(): from *cur, the data up
 * to the next "\n--b" (without the line end before it), or, when
 * there is none, up to the last line that starts with '-' (1.9.4
 * forgets to reset that position) or the end.  2: a delimiter was
 * found and *cur is after b; 1: the end was reached; 0: no data.
 */
static int
dash2(const char *p, size_t n, size_t *cur, const char *b, size_t blen,
    size_t *ds, size_t *de)
{
	enum { S0, S1, S2, S3, S4 } st = S0;
	size_t i = *cur, end = n;
	int found = 0;

	while (i < n && !found) {
		char c = p[i];

		switch (st) {
		case S0:
			st = c == '\r' ? S1 : c == '\n' ? S2 : S0;
			break;
		case S1:
			st = c == '\n' ? S2 : S0;
			break;
		case S2:
			if (c == '-')
				end = i;
			st = c == '-' ? S3 : c == '\r' ? S1 : c == '\n' ? S2 : S0;
			break;
		case S3:
			st = c == '-' ? S4 : c == '\r' ? S1 : c == '\n' ? S2 : S0;
			break;
		case S4:
			/* the character is looked at again in S0 */
			st = S0;
			if (i + blen < n && strncmp(p + i, b, blen) == 0) {
				i += blen;
				found = 1;
			}
			continue;
		}
		i++;
	}
	if (end > *cur && p[end - 1] == '\r') {
		end--;
	} else if (end > *cur && p[end - 1] == '\n') {
		end--;
		if (end > *cur && p[end - 1] == '\r')
			end--;
	}
	if (end == *cur)
		return 0;
	*ds = *cur;
	*de = end;
	*cur = i;
	return found ? 2 : 1;
}

/* libetpan's crlf: an optional CR, then LF. */
static int
crlf_at(const char *p, size_t n, size_t *i)
{
	if (*i + 1 < n && p[*i] == '\r' && p[*i + 1] == '\n') {
		*i += 2;
		return 1;
	}
	if (*i < n && p[*i] == '\n') {
		*i += 1;
		return 1;
	}
	return 0;
}

/*
 * One part as libetpan 1.9.4 cuts it from *cur: up to the next
 * delimiter followed by blanks and a line end (transport padding),
 * else up to the first close delimiter or the end (*final set).
 * 0 when libetpan would give up on the whole multipart.
 */
static int
next_part(struct scan *sc, const char *p, size_t n, size_t *cur,
    const char *b, size_t blen, size_t *ps, size_t *pe, int *final)
{
	size_t c = *cur, ds, de, end = *cur;
	int r;

	/* mailmime_body_part_dash2_transport_crlf_parse() */
	for (;;) {
		if ((r = dash2(p, n, &c, b, blen, &ds, &de)) == 0)
			break;
		end = de;
		while (c < n && mail_is_wsp((unsigned char)p[c]))
			c++;
		if (crlf_at(p, n, &c)) {
			*ps = *cur;
			*pe = end;
			*cur = c;
			*final = 0;
			return 1;
		}
		if (r == 2 && !(c + 1 < n && p[c] == '-' && p[c + 1] == '-'))
			sc->lookalike = 1;
	}
	/* mailmime_body_part_dash2_close_parse() */
	c = *cur;
	for (;;) {
		if (dash2(p, n, &c, b, blen, &ds, &de) == 0)
			return 0;
		end = de;
		if (c >= n || (c + 1 < n && p[c] == '-' && p[c + 1] == '-'))
			break;
	}
	*ps = *cur;
	*pe = end;
	*cur = n;
	*final = 1;
	return 1;
}

/*
 * The body p[0..n) of a multipart with boundary b, split as libetpan
 * 1.9.4 splits it (mailmime_multipart_body_parse() and the parsers it
 * calls, ported state for state, quirks included): the first "--b"
 * that preamble_next() finds opens the first part (without one, all
 * after the last "--" it finds is read as parts); then next_part()
 * until the last.  Each part is counted and scanned in turn.
 */
static void
scan_multipart(struct scan *sc, const char *p, size_t n, const char *b,
    long depth, int digest)
{
	size_t blen = strlen(b), l, cur = 0, k, s, e;
	int final = 0;

	for (l = preamble_next(p, n, 0, 1); l != SIZE_MAX;
	    l = preamble_next(p, n, l, 0)) {
		cur = l;
		if (l + blen < n && strncmp(p + l, b, blen) == 0) {
			cur = l + blen;
			break;
		}
	}
	/* blanks and line ends after it */
	for (;;) {
		for (k = cur; k < n && mail_is_wsp((unsigned char)p[k]); k++)
			;
		if (!crlf_at(p, n, &k))
			break;
		cur = k;
	}
	while (!final) {
		if (!next_part(sc, p, n, &cur, b, blen, &s, &e, &final))
			return;
		if (!scan_part(sc, p, s, e, depth, digest))
			return;
		/* mailmime_multipart_next_parse(): one blank line */
		for (k = cur; k < n && mail_is_wsp((unsigned char)p[k]); k++)
			;
		if (crlf_at(p, n, &k))
			cur = k;
	}
}

/*
 * One entity p[0..n): header fields (a message header when
 * as_message), then the body, classified as mailmime_parse() will:
 * the first Content-Type libetpan reads, multipart only with a
 * boundary, message/rfc822 only when not base64 or quoted-printable;
 * without Content-Type text/plain, or message/rfc822 in a digest.
 */
void
mimescan_entity(struct scan *sc, const char *p, size_t n, long depth,
    int as_message, int default_message)
{
	struct mailimf_fields *f = NULL;
	struct mailmime_fields *mf = NULL;
	struct mailmime_content *ct = NULL;
	clistiter *it;
	size_t idx = 0;
	char *b;
	int r, composite = 0, multipart = 0, message = 0, enc;

	if (count_fields(p, n, sc->ps->lim.max_headers) >
	    sc->ps->lim.max_headers) {
		sc->flags |= MAIL_LIMIT_HEADERS;
		return;
	}
	if (as_message)
		r = mailimf_envelope_and_optional_fields_parse(p, n, &idx, &f);
	else
		r = mailimf_optional_fields_parse(p, n, &idx, &f);
	if (r == MAILIMF_ERROR_MEMORY)
		goto oom;
	if (r != MAILIMF_NO_ERROR)
		f = NULL;
	if (f != NULL) {
		r = mailimf_crlf_parse(p, n, &idx);
		if (r == MAILIMF_ERROR_MEMORY)
			goto oom;
		r = mailmime_fields_parse(f, &mf);
		if (r == MAILIMF_ERROR_MEMORY)
			goto oom;
		if (r != MAILIMF_NO_ERROR)
			mf = NULL;
	}
	for (it = mf ? clist_begin(mf->fld_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		struct mailmime_field *fld = clist_content(it);

		if (fld->fld_type == MAILMIME_FIELD_TYPE) {
			ct = fld->fld_data.fld_content;
			break;
		}
	}
	if (ct == NULL) {
		message = default_message;
	} else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
		composite = ct->ct_type->tp_data.tp_composite_type->ct_type;
		if (composite == MAILMIME_COMPOSITE_TYPE_MULTIPART)
			multipart = 1;
		else if (composite == MAILMIME_COMPOSITE_TYPE_MESSAGE &&
		    strcasecmp(ct->ct_subtype, "rfc822") == 0)
			message = 1;
	}
	if (message) {
		enc = mf ? mailmime_transfer_encoding_get(mf) :
		    MAILMIME_MECHANISM_8BIT;
		if (enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE ||
		    enc == MAILMIME_MECHANISM_BASE64)
			message = 0;
	}
	if (multipart) {
		b = mailmime_content_param_get(ct, "boundary");
		if (b == NULL)
			goto out;
		for (it = clist_begin(f->fld_list); it != NULL;
		    it = clist_next(it)) {
			struct mailimf_field *fd = clist_content(it);

			if (fd->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
			    strcasecmp(fd->fld_data.fld_optional_field->fld_name,
			    "Content-Type") == 0) {
				if (boundary_unquoted(
				    fd->fld_data.fld_optional_field->fld_value))
					sc->unquoted = 1;
				break;
			}
		}
		/* libetpan 1.9.4 strips a leading quote of the value
		 * without looking at its length (an overflow for "\"") */
		if (b[0] == '"') {
			sc->hostile = "boundary starting with a quote";
			goto out;
		}
		if (depth + 1 > sc->ps->lim.max_depth) {
			sc->flags |= MAIL_LIMIT_DEPTH;
			goto out;
		}
		scan_multipart(sc, p + idx, n - idx, b, depth + 1,
		    strcasecmp(ct->ct_subtype, "digest") == 0);
	} else if (message) {
		if (depth + 1 > sc->ps->lim.max_depth) {
			sc->flags |= MAIL_LIMIT_DEPTH;
			goto out;
		}
		mimescan_entity(sc, p + idx, n - idx, depth + 1, 1, 0);
	}
	goto out;
oom:
	sc->ps->oom = 1;
out:
	if (mf != NULL)
		mailmime_fields_free(mf);
	if (f != NULL)
		mailimf_fields_free(f);
}

/*
 * mailtext.c - the readable text of a message: a text part converted
 * to UTF-8, its line ends and controls cleaned, format=flowed joined,
 * HTML made text, then appended within MAIL_TEXT_MAX (see mail_int.h).
 */
#include "bptconf.h"

#include <string.h>

#include "buf.h"
#include "charset.h"
#include "html.h"
#include "mail.h"
#include "mail_int.h"

/*
 * Appends UTF-8 s[0..n) with LF line ends (CRLF and CR become LF),
 * without C0/C1 controls other than TAB and LF, and without BOMs; a
 * no-break space becomes a space (what readers and searches expect).
 */
static void
text_clean(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;

	while (i < n) {
		for (run = i; run < n; run++) {
			unsigned char c = u[run];

			if (c < 0x20 || c == 0x7f || c == 0xc2 || c == 0xe2 ||
			    c == 0xef)
				break;
		}
		buf_add(out, s + i, run - i);
		i = run;
		if (i >= n)
			break;
		if (u[i] == '\r') {
			if (i + 1 >= n || u[i + 1] != '\n')
				buf_addch(out, '\n');
			i++;
		} else if (u[i] == '\n' || u[i] == '\t') {
			buf_addch(out, u[i]);
			i++;
		} else if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9f) {
			i += 2;		/* C1 control */
		} else if (u[i] == 0xc2 && i + 1 < n && u[i + 1] == 0xa0) {
			buf_addch(out, ' ');	/* no-break space */
			i += 2;
		} else if (u[i] == 0xef && i + 2 < n && u[i + 1] == 0xbb &&
		    u[i + 2] == 0xbf) {
			i += 3;		/* byte order mark */
		} else if (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x80 &&
		    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
			buf_addch(out, '\n');	/* line/paragraph separator */
			i += 3;
		} else if (u[i] >= 0x80) {
			buf_addch(out, u[i]);
			i++;
		} else {
			i++;		/* other controls */
		}
	}
}

/*
 * RFC 3676: joins the lines of format=flowed text that end in a
 * space (soft breaks) and removes space-stuffing; quoted lines join
 * only lines of the same quote depth.
 */
static void
unflow(struct buf *out, const char *s, size_t n, int delsp)
{
	size_t i = 0, e, q, depth = 0;
	int open = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		const char *c;
		size_t len, d = 0, k;
		int soft;

		e = nl ? (size_t)(nl - s) : n;
		for (q = i; q < e && s[q] == '>'; q++)
			d++;
		if (q < e && s[q] == ' ')
			q++;		/* space-stuffing */
		c = s + q;
		len = e - q;
		soft = len > 0 && c[len - 1] == ' ' &&
		    !(len == 3 && memcmp(c, "-- ", 3) == 0);
		if (open && d != depth) {
			buf_addch(out, '\n');
			open = 0;
		}
		if (!open) {
			depth = d;
			for (k = 0; k < d; k++)
				buf_addch(out, '>');
			if (d > 0)
				buf_addch(out, ' ');
			open = 1;
		}
		buf_add(out, c, soft && delsp ? len - 1 : len);
		if (!soft) {
			buf_addch(out, '\n');
			open = 0;
		}
		i = nl ? e + 1 : n;
	}
	if (open)
		buf_addch(out, '\n');
}

/*
 * Adds one piece of text (UTF-8, LF) to the message text: leading and
 * trailing blank lines, trailing blanks of lines and runs of blank
 * lines dropped, a blank line before it when text came before,
 * everything past MAIL_TEXT_MAX cut.
 */
void
mailtext_append(struct parse *ps, const char *s, size_t n)
{
	struct buf *t = &ps->text;
	size_t i = 0, e, end;

	/* blank lines at the start and the end */
	for (;;) {
		for (e = i; e < n && (s[e] == ' ' || s[e] == '\t'); e++)
			;
		if (e < n && s[e] == '\n')
			i = e + 1;
		else
			break;
	}
	while (n > i && (s[n - 1] == '\n' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		n--;
	if (i >= n || ps->text_cut)
		return;
	if (t->len > 0)
		buf_add(t, "\n\n", 2);
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);

		e = nl ? (size_t)(nl - s) : n;
		for (end = e; end > i && (s[end - 1] == ' ' || s[end - 1] == '\t');
		    end--)
			;
		/* one blank line at most */
		if (end == i && t->len >= 2 && t->buf[t->len - 1] == '\n' &&
		    t->buf[t->len - 2] == '\n') {
			i = e + 1;
			continue;
		}
		if (t->len + (end - i) + 1 > MAIL_TEXT_MAX) {
			size_t room = MAIL_TEXT_MAX > t->len ?
			    MAIL_TEXT_MAX - t->len : 0;

			/* cut on a character boundary */
			if (room > end - i)
				room = end - i;
			while (room > 0 &&
			    ((unsigned char)s[i + room] & 0xc0) == 0x80)
				room--;
			buf_add(t, s + i, room);
			ps->text_cut = 1;
			mail_note(ps, 0, "text cut at %d bytes", MAIL_TEXT_MAX);
			return;
		}
		buf_add(t, s + i, end - i);
		if (e < n)
			buf_addch(t, '\n');
		i = e + 1;
	}
}

/* Appends the text part data[0..n) in charset cs to the message text. */
void
mailtext_add(struct parse *ps, const char *data, size_t n, const char *cs,
    int html, int flowed, int delsp)
{
	char tmp[48];
	unsigned r;

	buf_reset(&ps->t1);
	buf_reset(&ps->t2);
	buf_reset(&ps->t3);
	r = charset_to_utf8(&ps->t1, cs, data, n);
	if (r & CHARSET_UNKNOWN)
		mail_note(ps, MAIL_BAD_CHARSET, "unknown charset %s",
		    mail_printable(cs, tmp));
	if (r & CHARSET_INVALID)
		mail_note(ps, MAIL_BAD_CHARSET, "bytes not valid in charset %s",
		    cs ? mail_printable(cs, tmp) : "(none)");
	text_clean(&ps->t2, buf_str(&ps->t1), ps->t1.len);
	ps->any_text = 1;
	if (html) {
		html_to_text(&ps->t3, buf_str(&ps->t2), ps->t2.len);
		if (ps->t3.len > 0)
			ps->m->flags |= MAIL_HTML_ONLY;
		mailtext_append(ps, buf_str(&ps->t3), ps->t3.len);
	} else if (flowed) {
		unflow(&ps->t3, buf_str(&ps->t2), ps->t2.len, delsp);
		mailtext_append(ps, buf_str(&ps->t3), ps->t3.len);
	} else {
		mailtext_append(ps, buf_str(&ps->t2), ps->t2.len);
	}
}

/* Decoded bytes as a clean UTF-8 string with LF line ends. */
char *
mailtext_clean_string(struct parse *ps, const char *s, size_t n)
{
	struct buf u = BUF_INIT, c = BUF_INIT;

	charset_raw_to_utf8(&u, s, n);
	text_clean(&c, buf_str(&u), u.len);
	if (buf_failed(&u))
		ps->oom = 1;
	buf_release(&u);
	return mail_detach(ps, &c);
}

/* The header block of a message p[0..n) (mbox "From " line skipped),
 * as clean text. */
char *
mailtext_header_block(struct parse *ps, const char *p, size_t n)
{
	size_t i = 0, e;

	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		i = mail_line_after(p, n, 0);
	for (e = i; e < n; e = mail_line_after(p, n, e))
		if (p[e] == '\r' || p[e] == '\n')
			break;
	return mailtext_clean_string(ps, p + i, e - i);
}

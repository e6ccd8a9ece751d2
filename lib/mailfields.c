/*
 * mailfields.c - the fields of struct mail read from the top-level
 * header: addresses, message ids and dates, with libetpan's parsers
 * (see mail_int.h).
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/mailimf.h>

#include "addr.h"
#include "buf.h"
#include "charset.h"
#include "mail.h"
#include "mail_int.h"

/* The first mailbox of an address or mailbox list: copies of its
 * addr-spec and display name (raw), or 0. */
static int
first_mailbox(struct parse *ps, const char *v, char **addr, char **name)
{
	struct mailimf_mailbox_list *ml = NULL;
	struct mailimf_address_list *al = NULL;
	struct mailimf_mailbox *mb = NULL;
	size_t idx = 0, n = strlen(v);
	clistiter *it;
	int r;

	*addr = *name = NULL;
	r = mailimf_mailbox_list_parse(v, n, &idx, &ml);
	if (r == MAILIMF_NO_ERROR && !clist_isempty(ml->mb_list)) {
		mb = clist_content(clist_begin(ml->mb_list));
	} else {
		idx = 0;
		r = mailimf_address_list_parse(v, n, &idx, &al);
		for (it = al && r == MAILIMF_NO_ERROR ?
		    clist_begin(al->ad_list) : NULL; it != NULL && mb == NULL;
		    it = clist_next(it)) {
			struct mailimf_address *a = clist_content(it);

			if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
				mb = a->ad_data.ad_mailbox;
			else if (a->ad_data.ad_group->grp_mb_list != NULL &&
			    !clist_isempty(a->ad_data.ad_group->grp_mb_list->mb_list))
				mb = clist_content(clist_begin(
				    a->ad_data.ad_group->grp_mb_list->mb_list));
		}
	}
	if (r == MAILIMF_ERROR_MEMORY)
		ps->oom = 1;
	if (mb != NULL) {
		*addr = mail_xstrdup(ps, mb->mb_addr_spec);
		if (mb->mb_display_name != NULL)
			*name = mail_xstrdup(ps, mb->mb_display_name);
	}
	if (ml != NULL)
		mailimf_mailbox_list_free(ml);
	if (al != NULL)
		mailimf_address_list_free(al);
	return *addr != NULL;
}

/* The normal form of the first address in v, or NULL (noted). */
static char *
field_addr(struct parse *ps, const char *what, const char *v, char **name)
{
	char *addr = NULL, *nm = NULL, *out = NULL, tmp[48];

	if (name != NULL)
		*name = NULL;
	if (!first_mailbox(ps, v, &addr, &nm)) {
		if (addr_normalize(NULL, v, &out) != BPT_OK) {
			mail_note(ps, 0, "unreadable %s address",
			    mail_printable(what, tmp));
			out = NULL;
		}
		goto done;
	}
	if (addr_normalize(NULL, addr, &out) != BPT_OK) {
		mail_note(ps, 0, "unusable %s address",
		    mail_printable(what, tmp));
		out = NULL;
	}
done:
	if (name != NULL)
		*name = nm;
	else
		free(nm);
	free(addr);
	return out;
}

/* A message id cleaned: UTF-8, no blanks or controls, no <>; NULL if
 * empty. */
char *
mailfields_msgid_clean(struct parse *ps, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c != 0x7f && c != '<' && c != '>')
			buf_addch(&b, c);
	}
	if (b.len == 0 || b.len > 998) {
		buf_release(&b);
		return NULL;
	}
	if (!charset_utf8_valid(b.buf, b.len)) {
		/* raw bytes from a part header: make them text */
		struct buf u = BUF_INIT;

		charset_raw_to_utf8(&u, b.buf, b.len);
		buf_release(&b);
		return mail_detach(ps, &u);
	}
	return mail_detach(ps, &b);
}

/* Adds id (owned) to the growing array; frees it on failure. */
static void
ids_push(struct parse *ps, char ***ids, size_t *n, size_t *alloc, char *id)
{
	if (id == NULL)
		return;
	if (*n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 8;
		char **nv = realloc(*ids, na * sizeof(*nv));

		if (nv == NULL) {
			free(id);
			ps->oom = 1;
			return;
		}
		*ids = nv;
		*alloc = na;
	}
	(*ids)[(*n)++] = id;
}

/*
 * The message ids in v, in order: libetpan's msg-id list when it
 * reads all of v, else every <...> in v (junk between them ignored),
 * else the words holding an '@'.  *out is NULL when there are none.
 */
static void
msgids(struct parse *ps, const char *v, char ***out, size_t *nout)
{
	clist *list = NULL;
	clistiter *it;
	size_t idx = 0, n = strlen(v), i, alloc = 0;
	char **ids = NULL;
	const char *s, *e;

	*nout = 0;
	if (mailimf_msg_id_list_parse(v, n, &idx, &list) == MAILIMF_NO_ERROR) {
		mailimf_cfws_parse(v, n, &idx);
		if (idx >= n) {
			for (it = clist_begin(list); it != NULL;
			    it = clist_next(it)) {
				const char *x = clist_content(it);

				ids_push(ps, &ids, nout, &alloc,
				    mailfields_msgid_clean(ps, x, strlen(x)));
			}
		}
		for (it = clist_begin(list); it != NULL; it = clist_next(it))
			mailimf_msg_id_free(clist_content(it));
		clist_free(list);
	}
	if (*nout == 0) {
		/* every <...>, whatever stands between them */
		for (i = 0; i < n && (s = memchr(v + i, '<', n - i)) != NULL;
		    i = (size_t)(e - v) + 1) {
			e = memchr(s, '>', (size_t)(v + n - s));
			if (e == NULL)
				e = v + n;
			ids_push(ps, &ids, nout, &alloc,
			    mailfields_msgid_clean(ps, s + 1,
			    (size_t)(e - s - 1)));
		}
	}
	if (*nout == 0 && memchr(v, '<', n) == NULL) {
		/* no brackets at all: the words with an '@' */
		for (i = 0; i < n; ) {
			size_t b = i, w;

			while (b < n && (v[b] == ' ' || v[b] == '\t' || v[b] == ','))
				b++;
			for (w = b; w < n && v[w] != ' ' && v[w] != '\t' &&
			    v[w] != ','; w++)
				;
			i = w;
			if (w > b && memchr(v + b, '@', w - b) != NULL)
				ids_push(ps, &ids, nout, &alloc,
				    mailfields_msgid_clean(ps, v + b, w - b));
		}
	}
	*out = ids;
}

static char *
msgid_first(struct parse *ps, const char *v)
{
	char **ids, *first = NULL;
	size_t n, i;

	msgids(ps, v, &ids, &n);
	for (i = 0; i < n; i++) {
		if (i == 0)
			first = ids[i];
		else
			free(ids[i]);
	}
	free(ids);
	return first;
}

/* libetpan's reading of a Date field as a time_t; 0 if unreadable. */
static time_t
date_parse(const char *v)
{
	struct mailimf_date_time *dt = NULL;
	struct tm tm;
	size_t idx = 0;
	time_t t = 0;
	int year, zone, zmin;

	if (mailimf_date_time_parse(v, strlen(v), &idx, &dt) != MAILIMF_NO_ERROR)
		return 0;
	year = dt->dt_year;
	if (year >= 0 && year < 50)
		year += 2000;
	else if (year >= 50 && year < 1000)
		year += 1900;
	zone = dt->dt_zone;
	if (year < 1970 || year > 9999 || dt->dt_month < 1 ||
	    dt->dt_month > 12 || dt->dt_day < 1 || dt->dt_day > 31 ||
	    dt->dt_hour < 0 || dt->dt_hour > 23 || dt->dt_min < 0 ||
	    dt->dt_min > 59 || dt->dt_sec < 0 || dt->dt_sec > 60 ||
	    zone < -1400 || zone > 1400 || (zone < 0 ? -zone : zone) % 100 > 59)
		goto out;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = dt->dt_month - 1;
	tm.tm_mday = dt->dt_day;
	tm.tm_hour = dt->dt_hour;
	tm.tm_min = dt->dt_min;
	tm.tm_sec = dt->dt_sec;
	t = timegm(&tm);
	if (t == (time_t)-1) {
		t = 0;
		goto out;
	}
	zmin = (zone < 0 ? -1 : 1) * (((zone < 0 ? -zone : zone) / 100) * 60 +
	    (zone < 0 ? -zone : zone) % 100);
	t -= (time_t)zmin * 60;
	if (t <= 0)
		t = 0;
out:
	mailimf_date_time_free(dt);
	return t;
}

/* Notes a To or Cc field that is not an address list (empty elements,
 * broken folding).  Only a note: bpt does not use them, and clients
 * that write "Vries, Jan <jan@...>" send real alerts too. */
static void
address_check(struct parse *ps, const char *name)
{
	struct mailimf_address_list *al = NULL;
	const char *v;
	size_t idx = 0, n;
	int r;

	v = mail_header(ps->m, name, 0);
	if (v == NULL)
		return;
	n = strlen(v);
	for (idx = 0; idx < n && mail_is_wsp((unsigned char)v[idx]); idx++)
		;
	if (idx == n)
		return;		/* empty: allowed in practice */
	idx = 0;
	r = mailimf_address_list_parse(v, n, &idx, &al);
	if (r == MAILIMF_NO_ERROR) {
		mailimf_address_list_free(al);
		mailimf_cfws_parse(v, n, &idx);
	} else if (r == MAILIMF_ERROR_MEMORY) {
		ps->oom = 1;
		return;
	}
	if (r != MAILIMF_NO_ERROR || idx < n)
		mail_note(ps, 0, "unreadable %s field", name);
}

/* The fields of struct mail read from the top-level header. */
void
mailfields_read(struct parse *ps)
{
	struct mail *m = ps->m;
	const char *v;
	char *name = NULL;

	v = mail_header(m, "From", 0);
	if (v != NULL) {
		m->from_addr = field_addr(ps, "From", v, &name);
		if (name != NULL) {
			m->from_name = rfc2047_decode_field(ps, "From", name);
			free(name);
		}
	}
	if (m->from_addr == NULL)
		mail_note(ps, MAIL_NO_FROM, "no usable From address");
	address_check(ps, "To");
	address_check(ps, "Cc");
	if ((v = mail_header(m, "Reply-To", 0)) != NULL)
		m->reply_to = field_addr(ps, "Reply-To", v, NULL);
	if ((v = mail_header(m, "Subject", 0)) != NULL)
		m->subject = rfc2047_decode_field(ps, "Subject", v);
	if ((v = mail_header(m, "Date", 0)) != NULL) {
		m->date = mail_xstrdup(ps, v);
		m->date_t = date_parse(v);
		if (m->date_t == 0)
			mail_note(ps, 0, "unreadable Date");
	}
	if ((v = mail_header(m, "Message-ID", 0)) != NULL)
		m->message_id = msgid_first(ps, v);
	if ((v = mail_header(m, "In-Reply-To", 0)) != NULL)
		m->in_reply_to = msgid_first(ps, v);
	if ((v = mail_header(m, "References", 0)) != NULL)
		msgids(ps, v, &m->refs, &m->nrefs);
	if ((v = mail_header(m, "Return-Path", 0)) != NULL) {
		size_t k;

		for (k = 0; v[k] == ' ' || v[k] == '<' || v[k] == '>' ||
		    v[k] == '\t'; k++)
			;
		if (v[k] == '\0')
			m->return_path = mail_xstrdup(ps, "");
		else
			m->return_path = field_addr(ps, "Return-Path", v, NULL);
	}
	v = mail_header(m, "X-Original-To", 0);
	if (v == NULL)
		v = mail_header(m, "Delivered-To", 0);
	if (v != NULL)
		m->envelope_to = field_addr(ps, "envelope recipient", v, NULL);
}

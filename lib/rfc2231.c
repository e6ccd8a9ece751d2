/*
 * rfc2231.c - the file name of a part: the parameters of its
 * Content-Disposition and Content-Type, RFC 2231 continuations and
 * charsets first, then the plain parameter, RFC 2047 decoded (see
 * mail_int.h).
 */
#include "bptconf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailmime.h>

#include "buf.h"
#include "charset.h"
#include "mail.h"
#include "mail_int.h"

/* Parameters (name, value) of a Content-Type and Content-Disposition. */
struct params {
	const char *name[64];
	const char *value[64];
	size_t n;
};

static void
params_add(struct params *pv, const char *name, const char *value)
{
	if (pv->n < 64 && name != NULL && value != NULL) {
		pv->name[pv->n] = name;
		pv->value[pv->n] = value;
		pv->n++;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * RFC 2231: the parameter base as name*=charset'lang'%xx... or in
 * continuations name*0*=, name*1=, ...; appended to out as UTF-8.
 * 0 when there is none.
 */
static int
rfc2231(struct buf *out, const struct params *pv, const char *base)
{
	const char *seg[32] = { NULL }, *cs = NULL;
	int enc[32] = { 0 }, found = 0;
	struct buf raw = BUF_INIT;
	size_t blen = strlen(base), i, k;
	char charset[64];

	for (i = 0; i < pv->n; i++) {
		const char *nm = pv->name[i], *rest;
		long idx = 0;
		int star = 0;

		if (strncasecmp(nm, base, blen) != 0 || nm[blen] != '*')
			continue;
		rest = nm + blen + 1;
		if (*rest == '\0') {
			star = 1;	/* name*= */
		} else {
			char *end;

			if (*rest < '0' || *rest > '9')
				continue;
			idx = strtol(rest, &end, 10);
			if (idx < 0 || idx >= 32)
				continue;
			if (*end == '*')
				star = 1, end++;
			if (*end != '\0')
				continue;
		}
		if (seg[idx] == NULL) {
			seg[idx] = pv->value[i];
			enc[idx] = star;
			found = 1;
		}
	}
	if (!found || seg[0] == NULL)
		return 0;
	charset[0] = '\0';
	for (i = 0; i < 32 && seg[i] != NULL; i++) {
		const char *v = seg[i];

		if (i == 0 && enc[0]) {
			const char *q1 = strchr(v, '\''), *q2;

			if (q1 != NULL && (q2 = strchr(q1 + 1, '\'')) != NULL) {
				k = (size_t)(q1 - v);
				if (k < sizeof(charset)) {
					memcpy(charset, v, k);
					charset[k] = '\0';
					cs = charset;
				}
				v = q2 + 1;
			}
		}
		for (k = 0; v[k] != '\0'; k++) {
			int h, l;

			if (enc[i] && v[k] == '%' && (h = hexval(v[k + 1])) >= 0 &&
			    (l = hexval(v[k + 2])) >= 0) {
				buf_addch(&raw, h * 16 + l);
				k += 2;
			} else {
				buf_addch(&raw, v[k]);
			}
		}
	}
	charset_to_utf8(out, cs, buf_str(&raw), raw.len);
	buf_release(&raw);
	return 1;
}

/* The file name of a part: RFC 2231 or plain filename of the
 * disposition, else name of the Content-Type; decoded, or NULL. */
char *
rfc2231_filename(struct parse *ps, const struct mailmime_single_fields *sf)
{
	struct params dp = { .n = 0 }, cp = { .n = 0 };
	struct buf b = BUF_INIT;
	clistiter *it;
	const char *plain = NULL;
	char *r;

	if (sf->fld_disposition != NULL) {
		for (it = clist_begin(sf->fld_disposition->dsp_parms); it != NULL;
		    it = clist_next(it)) {
			struct mailmime_disposition_parm *pm = clist_content(it);

			if (pm->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME)
				params_add(&dp, "filename", pm->pa_data.pa_filename);
			else if (pm->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER)
				params_add(&dp, pm->pa_data.pa_parameter->pa_name,
				    pm->pa_data.pa_parameter->pa_value);
		}
	}
	if (sf->fld_content != NULL) {
		for (it = clist_begin(sf->fld_content->ct_parameters); it != NULL;
		    it = clist_next(it)) {
			struct mailmime_parameter *pm = clist_content(it);

			params_add(&cp, pm->pa_name, pm->pa_value);
		}
	}
	if (rfc2231(&b, &dp, "filename") || rfc2231(&b, &cp, "name")) {
		r = rfc2047_decode_field(ps, "file name", buf_str(&b));
		buf_release(&b);
		return r;
	}
	if (sf->fld_disposition_filename != NULL)
		plain = sf->fld_disposition_filename;
	else if (sf->fld_content_name != NULL)
		plain = sf->fld_content_name;
	return plain ? rfc2047_decode_field(ps, "file name", plain) : NULL;
}

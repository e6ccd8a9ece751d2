/*
 * mimepart.c - one part of libetpan's tree: its type, its decoded
 * body, its transfer encoding checked, and the part recorded as an
 * attachment (see mail_int.h).
 */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/mailmime.h>

#include "buf.h"
#include "mail.h"
#include "mail_int.h"
#include "sha256.h"

/* "type/subtype" of c, lower-case, into out[128]. */
void
mimepart_type(const struct mailmime_content *c, char out[128])
{
	static const char *const discrete[] = {
		"application", "text", "image", "audio", "video",
		"application", "x-unknown"
	};
	const char *t = "application";
	size_t i;
	int n;

	if (c == NULL || c->ct_type == NULL) {
		snprintf(out, 128, "text/plain");
		return;
	}
	if (c->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		const struct mailmime_discrete_type *d =
		    c->ct_type->tp_data.tp_discrete_type;

		if (d->dt_type == MAILMIME_DISCRETE_TYPE_EXTENSION &&
		    d->dt_extension != NULL)
			t = d->dt_extension;
		else if (d->dt_type >= 0 && d->dt_type < 7)
			t = discrete[d->dt_type];
	} else if (c->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
		const struct mailmime_composite_type *ct =
		    c->ct_type->tp_data.tp_composite_type;

		if (ct->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE)
			t = "message";
		else if (ct->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART)
			t = "multipart";
		else if (ct->ct_token != NULL)
			t = ct->ct_token;
	}
	n = snprintf(out, 128, "%s/%s", t, c->ct_subtype ? c->ct_subtype :
	    "unknown");
	if (n < 0 || n >= 128) {
		snprintf(out, 128, "application/octet-stream");
		return;
	}
	for (i = 0; out[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)out[i];

		if (ch >= 'A' && ch <= 'Z')
			out[i] = (char)(ch + 32);
		else if (ch <= 0x20 || ch >= 0x7f)
			out[i] = '_';
	}
}

/*
 * The decoded body of a single part (base64, quoted-printable, or as
 * it is); *res is freed with mailmime_decoded_part_free().  0 when
 * there is nothing.
 */
int
mimepart_decode_body(struct parse *ps, const struct mailmime_data *d,
    char **res, size_t *rlen)
{
	size_t idx = 0;
	int r;

	*res = NULL;
	*rlen = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
	    d->dt_data.dt_text.dt_length == 0)
		return 0;
	r = mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, res, rlen);
	if (r == MAILIMF_ERROR_MEMORY)
		ps->oom = 1;
	if (r != MAILIMF_NO_ERROR) {
		*res = NULL;
		*rlen = 0;
		return 0;
	}
	return 1;
}

/* Notes a transfer encoding libetpan does not know (x-uuencode). */
void
mimepart_check_encoding(struct parse *ps,
    const struct mailmime_single_fields *sf)
{
	char tmp[48];

	if (sf->fld_encoding != NULL &&
	    sf->fld_encoding->enc_type == MAILMIME_MECHANISM_TOKEN)
		mail_note(ps, MAIL_MALFORMED, "unknown transfer encoding %s",
		    mail_printable(sf->fld_encoding->enc_token, tmp));
}

/* Records a part as an attachment (or inline image). */
void
mimepart_add_attachment(struct parse *ps, struct mailmime *mm,
    const struct mailmime_single_fields *sf, const char *type,
    const struct wctx *w)
{
	struct mail *m = ps->m;
	struct mail_attachment *a;
	char *dec = NULL, *data;
	size_t dlen = 0;
	int disp = sf->fld_disposition && sf->fld_disposition->dsp_type ?
	    sf->fld_disposition->dsp_type->dsp_type :
	    MAILMIME_DISPOSITION_TYPE_ERROR;

	if (m->natt == ps->att_alloc) {
		size_t na = ps->att_alloc ? ps->att_alloc * 2 : 4;
		struct mail_attachment *nv = realloc(m->att, na * sizeof(*nv));

		if (nv == NULL) {
			ps->oom = 1;
			return;
		}
		m->att = nv;
		ps->att_alloc = na;
	}
	a = &m->att[m->natt];
	memset(a, 0, sizeof(*a));
	mimepart_decode_body(ps, mm->mm_data.mm_single, &dec, &dlen);
	data = xmemdupz(dec ? dec : "", dlen);
	if (dec != NULL)
		mailmime_decoded_part_free(dec);
	a->content_type = mail_xstrdup(ps, type);
	if (data == NULL || a->content_type == NULL) {
		free(data);
		free(a->content_type);
		ps->oom = 1;
		return;
	}
	a->data = data;
	a->size = dlen;
	sha256_hex(data, dlen, a->sha256);
	a->filename = rfc2231_filename(ps, sf);
	if (sf->fld_id != NULL)
		a->content_id = mailfields_msgid_clean(ps, sf->fld_id,
		    strlen(sf->fld_id));
	a->is_inline = disp == MAILMIME_DISPOSITION_TYPE_INLINE ||
	    (disp == MAILMIME_DISPOSITION_TYPE_ERROR && w->related &&
	    strncmp(type, "text/", 5) != 0);
	a->in_forward = w->in_forward;
	m->natt++;
}

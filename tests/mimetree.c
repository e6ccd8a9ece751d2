/*
 * mimetree - the MIME parts of a message as libetpan reads them, one
 * line each: depth, type, file name, size and SHA-256 of the decoded
 * body (leaves only).  The shell tests compare it with what Python's
 * email package reads from the same file.  A body that was not base64
 * is text: it is counted in its local form, LF line ends, as Python
 * gives it.
 */
#include "bptconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "fileio.h"
#include "sha256.h"

static void
type_of(const struct mailmime_content *c, char *out, size_t n)
{
	const char *type = "text";
	size_t i;

	if (c != NULL && c->ct_type != NULL) {
		if (c->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE)
			type = c->ct_type->tp_data.tp_composite_type->ct_type ==
			    MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" : "message";
		else
			switch (c->ct_type->tp_data.tp_discrete_type->dt_type) {
			case MAILMIME_DISCRETE_TYPE_IMAGE: type = "image"; break;
			case MAILMIME_DISCRETE_TYPE_AUDIO: type = "audio"; break;
			case MAILMIME_DISCRETE_TYPE_VIDEO: type = "video"; break;
			case MAILMIME_DISCRETE_TYPE_APPLICATION: type = "application"; break;
			case MAILMIME_DISCRETE_TYPE_TEXT: type = "text"; break;
			default: type = c->ct_type->tp_data.tp_discrete_type->dt_extension;
			}
	}
	snprintf(out, n, "%s/%s", type, c && c->ct_subtype ? c->ct_subtype : "plain");
	for (i = 0; out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
}

static void
walk(struct mailmime *mm, int depth)
{
	struct mailmime_single_fields sf;
	char type[128], hex[65];
	const char *name;
	clistiter *it;

	memset(&sf, 0, sizeof(sf));
	mailmime_single_fields_init(&sf, mm->mm_mime_fields, mm->mm_content_type);
	name = sf.fld_disposition_filename ? sf.fld_disposition_filename :
	    sf.fld_content_name;
	type_of(mm->mm_content_type, type, sizeof(type));
	switch (mm->mm_type) {
	case MAILMIME_MULTIPLE:
		printf("%d\t%s\t%s\t-\t-\n", depth, type, name ? name : "-");
		for (it = clist_begin(mm->mm_data.mm_multipart.mm_mp_list); it != NULL;
		    it = clist_next(it))
			walk(clist_content(it), depth + 1);
		break;
	case MAILMIME_MESSAGE:
		if (mm->mm_data.mm_message.mm_msg_mime != NULL)
			walk(mm->mm_data.mm_message.mm_msg_mime, depth);
		break;
	default: {
		const struct mailmime_data *d = mm->mm_body;
		size_t idx = 0, len = 0;
		char *res = NULL;

		if (d == NULL || mailmime_part_parse(d->dt_data.dt_text.dt_data,
		    d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, &res, &len) !=
		    MAILIMF_NO_ERROR) {
			printf("%d\t%s\t%s\tunreadable\t-\n", depth, type, name ? name : "-");
			break;
		}
		if (d->dt_encoding != MAILMIME_MECHANISM_BASE64) {
			size_t r, w;

			for (r = w = 0; r < len; r++)
				if (!(res[r] == '\r' && r + 1 < len && res[r + 1] == '\n'))
					res[w++] = res[r];
			len = w;
		}
		sha256_hex(res, len, hex);
		printf("%d\t%s\t%s\t%zu\t%s\n", depth, type, name ? name : "-", len, hex);
		mailmime_decoded_part_free(res);
		break;
	}
	}
}

int
main(int argc, char **argv)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf in = BUF_INIT;
	struct mailmime *mime = NULL;
	size_t idx = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mimetree file\n");
		return 64;
	}
	if (fio_read_file(&ctx, argv[1], 0, &in) != BPT_OK) {
		fprintf(stderr, "mimetree: %s\n", ctx.errmsg);
		return 66;
	}
	if (mailmime_parse(in.buf ? in.buf : "", in.len, &idx, &mime) !=
	    MAILIMF_NO_ERROR) {
		fprintf(stderr, "mimetree: %s: not MIME\n", argv[1]);
		return 65;
	}
	walk(mime, 0);
	mailmime_free(mime);
	buf_release(&in);
	return 0;
}

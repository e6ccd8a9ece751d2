/*
 * transcript_verify.c - checking a transcript with nothing but the file
 * and the signer's public key: the signature, every original against
 * its SHA-256, the hash chain, every photo.  The MIME structure is read
 * by libetpan; only the mbox and the chain part (plain lines) are split
 * here.
 */
#include "bptconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mimewrite.h"
#include "sha256.h"
#include "transcript.h"

#define MAX_LINKS 1000000

/* What the chain part lists. */
struct listed {
	char sha[65];
	char chain[65];
	int original;		/* enclosed in the mbox */
};

struct photo {
	size_t seq;
	char sha[65];
	char name[128];
	int seen;
};

struct vstate {
	struct bpt_ctx *ctx;
	struct transcript_check *out;
	struct listed *msgs;
	size_t nmsgs, amsgs;
	struct photo *photos;
	size_t nphotos, aphotos;
	long long count;	/* the "messages" line */
	char originals[128];	/* the mbox part's file name */
	size_t next;		/* the next listed message the mbox must match */
	char (*found)[65];	/* SHA-256 of each listed message as found */
};

static void
problem(struct transcript_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first thing that does not hold; later ones are ignored. */
static void
problem(struct transcript_check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->problem[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->problem, sizeof(c->problem), fmt, ap);
	va_end(ap);
}

/* The bytes with every line end CRLF, as the signature saw them. */
static int
canonical(const char *p, size_t n, struct buf *out)
{
	const char *end = p + n, *nl;

	buf_grow(out, n + n / 16 + 2);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			buf_add(out, p, (size_t)(end - p));
			break;
		}
		buf_add(out, p, (size_t)(nl - p - (nl > p && nl[-1] == '\r')));
		buf_add(out, "\r\n", 2);
		p = nl + 1;
	}
	return buf_failed(out) ? -1 : 0;
}

static int
first_message(void *arg, const char *msg, size_t len)
{
	struct buf *b = arg;

	buf_add(b, msg, len);
	return 1;
}

/* The lower-case type/subtype of a part ("multipart/signed"). */
static void
part_type(const struct mailmime *mm, char *out, size_t n)
{
	const struct mailmime_content *c = mm->mm_content_type;
	const char *type = "text", *sub = c && c->ct_subtype ? c->ct_subtype : "plain";
	size_t i;

	if (c != NULL && c->ct_type != NULL) {
		if (c->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
		    c->ct_type->tp_data.tp_discrete_type != NULL) {
			switch (c->ct_type->tp_data.tp_discrete_type->dt_type) {
			case MAILMIME_DISCRETE_TYPE_TEXT: type = "text"; break;
			case MAILMIME_DISCRETE_TYPE_IMAGE: type = "image"; break;
			case MAILMIME_DISCRETE_TYPE_AUDIO: type = "audio"; break;
			case MAILMIME_DISCRETE_TYPE_VIDEO: type = "video"; break;
			case MAILMIME_DISCRETE_TYPE_APPLICATION: type = "application"; break;
			default:
				type = c->ct_type->tp_data.tp_discrete_type->dt_extension ?
				    c->ct_type->tp_data.tp_discrete_type->dt_extension : "x";
				break;
			}
		} else if (c->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
		    c->ct_type->tp_data.tp_composite_type != NULL) {
			type = c->ct_type->tp_data.tp_composite_type->ct_type ==
			    MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" : "message";
		}
	}
	snprintf(out, n, "%s/%s", type, sub);
	for (i = 0; out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
}

/* A parameter of the part's Content-Type, or NULL. */
static const char *
type_param(const struct mailmime *mm, const char *name)
{
	clistiter *it;

	if (mm->mm_content_type == NULL || mm->mm_content_type->ct_parameters == NULL)
		return NULL;
	for (it = clist_begin(mm->mm_content_type->ct_parameters); it != NULL;
	    it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);

		if (p->pa_name && strcasecmp(p->pa_name, name) == 0)
			return p->pa_value;
	}
	return NULL;
}

/* The file name of a part (Content-Disposition, else the type's name). */
static const char *
part_name(struct mailmime *mm)
{
	struct mailmime_single_fields sf;

	memset(&sf, 0, sizeof(sf));
	mailmime_single_fields_init(&sf, mm->mm_mime_fields, mm->mm_content_type);
	if (sf.fld_disposition_filename != NULL)
		return sf.fld_disposition_filename;
	return sf.fld_content_name;
}

/* The decoded body of a single part into out; -1 when it cannot be. */
static int
part_body(struct mailmime *mm, struct buf *out)
{
	const struct mailmime_data *d = mm->mm_body;
	size_t idx = 0, n = 0;
	char *res = NULL;

	if (mm->mm_type != MAILMIME_SINGLE || d == NULL ||
	    d->dt_type != MAILMIME_DATA_TEXT)
		return -1;
	if (mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, d->dt_encoding, &res, &n) !=
	    MAILIMF_NO_ERROR)
		return -1;
	buf_add(out, res, n);
	mailmime_decoded_part_free(res);
	return buf_failed(out) ? -1 : 0;
}

static int
hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* One line of the chain part. */
static int
chain_line(struct vstate *v, char *line)
{
	char sha[80], ch[80], what[32], name[160];
	long long seq, idx;
	void *nv;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (sscanf(line, "incident %lld", &v->out->incident) == 1 ||
	    strcmp(line, "bpt chain 1") == 0)
		return 0;
	if (sscanf(line, "messages %lld", &v->count) == 1)
		return v->count >= 0 && v->count <= MAX_LINKS ? 0 : -1;
	if (sscanf(line, "head %79s", sha) == 1) {
		if (strcmp(sha, "-") != 0 && !hex64(sha))
			return -1;
		memcpy(v->out->head, sha, strlen(sha) + 1);
		return 0;
	}
	if (sscanf(line, "originals %127s", v->originals) == 1)
		return 0;
	if (sscanf(line, "message %lld %79s %79s %31s", &seq, sha, ch, what) == 4) {
		if (seq != (long long)v->nmsgs + 1 || !hex64(sha) || !hex64(ch) ||
		    (strcmp(what, "original") != 0 && strcmp(what, "erased") != 0) ||
		    v->nmsgs >= MAX_LINKS)
			return -1;
		if (v->nmsgs == v->amsgs) {
			v->amsgs = v->amsgs ? v->amsgs * 2 : 64;
			if ((nv = realloc(v->msgs, v->amsgs * sizeof(*v->msgs))) == NULL)
				return -2;
			v->msgs = nv;
		}
		memcpy(v->msgs[v->nmsgs].sha, sha, 65);
		memcpy(v->msgs[v->nmsgs].chain, ch, 65);
		v->msgs[v->nmsgs].original = strcmp(what, "original") == 0;
		v->nmsgs++;
		return 0;
	}
	if (sscanf(line, "photo %lld %lld %79s %159s", &seq, &idx, sha, name) == 4) {
		if (seq < 1 || !hex64(sha) || strlen(name) >= sizeof(v->photos->name))
			return -1;
		if (v->nphotos == v->aphotos) {
			v->aphotos = v->aphotos ? v->aphotos * 2 : 16;
			if ((nv = realloc(v->photos, v->aphotos * sizeof(*v->photos))) == NULL)
				return -2;
			v->photos = nv;
		}
		memset(&v->photos[v->nphotos], 0, sizeof(*v->photos));
		v->photos[v->nphotos].seq = (size_t)seq;
		memcpy(v->photos[v->nphotos].sha, sha, 65);
		snprintf(v->photos[v->nphotos].name, sizeof(v->photos->name), "%s", name);
		v->nphotos++;
		return 0;
	}
	return -1;
}

/* Reads the chain part; -1 when it is not one, -2 on out of memory. */
static int
read_chain(struct vstate *v, struct buf *text)
{
	char *p = text->buf, *nl;
	int rc;

	if (p == NULL || strstr(p, "bpt chain 1\r\n") == NULL)
		return -1;
	while (*p) {
		nl = strstr(p, "\r\n");
		if (nl != NULL)
			*nl = '\0';
		if ((rc = chain_line(v, p)) != 0)
			return rc;
		if (nl == NULL)
			break;
		p = nl + 2;
	}
	return 0;
}

/* Each original in the mbox against the next message listed with one. */
static int
check_original(void *arg, const char *msg, size_t len)
{
	struct vstate *v = arg;
	char sha[65];

	while (v->next < v->nmsgs && !v->msgs[v->next].original)
		v->next++;
	if (v->next >= v->nmsgs) {
		problem(v->out, "the originals hold more messages than the chain "
		    "lists (%lld)", (long long)v->nmsgs);
		return 1;
	}
	sha256_hex_fast(msg, len, sha);
	memcpy(v->found[v->next], sha, sizeof(sha));
	if (strcmp(sha, v->msgs[v->next].sha) != 0) {
		problem(v->out, "message %zu: its original has SHA-256 %s, the chain "
		    "says %s: the original was changed or the originals reordered",
		    v->next + 1, sha, v->msgs[v->next].sha);
		return 1;
	}
	v->out->originals++;
	v->next++;
	return 0;
}

/* The chain again from the SHA-256 values found. */
static void
check_chain(struct vstate *v)
{
	struct sha256 h;
	unsigned char d[32];
	char prev[65] = "", cur[65];
	size_t i;

	for (i = 0; i < v->nmsgs; i++) {
		const char *sha = v->msgs[i].original ? v->found[i] : v->msgs[i].sha;

		sha256_init(&h);
		sha256_update(&h, prev, strlen(prev));
		sha256_update(&h, sha, strlen(sha));
		sha256_final(&h, d);
		sha256_tohex(d, cur);
		if (strcmp(cur, v->msgs[i].chain) != 0) {
			problem(v->out, "message %zu: the hash chain does not hold "
			    "(computed %s, listed %s)", i + 1, cur, v->msgs[i].chain);
			return;
		}
		memcpy(prev, cur, sizeof(prev));
	}
	if (strcmp(prev, v->nmsgs ? v->out->head : "-") != 0 &&
	    !(v->nmsgs == 0 && strcmp(v->out->head, "-") == 0))
		problem(v->out, "the hash chain ends at %s, the transcript says %s",
		    prev, v->out->head);
}

/* The parts inside the signed part: chain first, then what it lists. */
static enum bpt_status
check_content(struct vstate *v, struct mailmime *mixed)
{
	struct bpt_ctx *ctx = v->ctx;
	struct mailmime *chain = NULL, *mbox = NULL;
	struct buf body = BUF_INIT;
	enum bpt_status st = BPT_OK;
	clistiter *it;
	char type[128];
	size_t i;
	int rc;

	part_type(mixed, type, sizeof(type));
	if (mixed->mm_type != MAILMIME_MULTIPLE || strcmp(type, "multipart/mixed") != 0) {
		problem(v->out, "the signed part is %s, not a bpt transcript", type);
		return BPT_OK;
	}
	/* the chain part is the text attachment that reads "bpt chain 1" */
	for (it = clist_begin(mixed->mm_data.mm_multipart.mm_mp_list); it != NULL &&
	    chain == NULL; it = clist_next(it)) {
		struct mailmime *c = clist_content(it);

		part_type(c, type, sizeof(type));
		if (strcmp(type, "text/plain") != 0 || part_name(c) == NULL)
			continue;
		buf_reset(&body);
		if (part_body(c, &body) < 0)
			continue;
		rc = read_chain(v, &body);
		if (rc == -2) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		if (rc == 0)
			chain = c;
		else if (strstr(buf_str(&body), "bpt chain 1") != NULL) {
			problem(v->out, "the chain part cannot be read");
			goto out;
		}
	}
	if (chain == NULL) {
		problem(v->out, "the transcript has no hash chain part");
		goto out;
	}
	v->out->messages = (long long)v->nmsgs;
	if (v->count != (long long)v->nmsgs) {
		problem(v->out, "the chain part lists %zu messages, its count says %lld",
		    v->nmsgs, v->count);
		goto out;
	}
	for (it = clist_begin(mixed->mm_data.mm_multipart.mm_mp_list); it != NULL;
	    it = clist_next(it)) {
		struct mailmime *c = clist_content(it);
		const char *name = part_name(c);

		if (name == NULL)
			continue;
		if (strcmp(name, v->originals) == 0 && mbox == NULL) {
			mbox = c;
			continue;
		}
		for (i = 0; i < v->nphotos; i++)
			if (!v->photos[i].seen && strcmp(name, v->photos[i].name) == 0) {
				char sha[65];

				v->photos[i].seen = 1;
				buf_reset(&body);
				if (part_body(c, &body) < 0) {
					problem(v->out, "photo %s cannot be decoded", name);
					goto out;
				}
				sha256_hex_fast(body.buf ? body.buf : "", body.len, sha);
				if (strcmp(sha, v->photos[i].sha) != 0) {
					problem(v->out, "photo %s has SHA-256 %s, the chain "
					    "says %s", name, sha, v->photos[i].sha);
					goto out;
				}
				v->out->photos++;
				break;
			}
	}
	for (i = 0; i < v->nphotos; i++)
		if (!v->photos[i].seen) {
			problem(v->out, "photo %s is listed but not enclosed",
			    v->photos[i].name);
			goto out;
		}
	v->found = calloc(v->nmsgs + 1, sizeof(*v->found));
	if (v->found == NULL) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < v->nmsgs; i++)
		if (!v->msgs[i].original)
			v->out->erased++;
	if (mbox == NULL) {
		if (v->out->erased < (long long)v->nmsgs)
			problem(v->out, "the originals (%s) are not enclosed",
			    v->originals);
	} else {
		buf_reset(&body);
		if (part_body(mbox, &body) < 0) {
			problem(v->out, "the originals cannot be decoded");
			goto out;
		}
		rc = body.len == 0 ? 0 : mbox_split(body.buf, body.len,
		    check_original, v);
		if (rc == -2) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		if (rc == -1)
			problem(v->out, "the originals are not an mbox");
		while (v->next < v->nmsgs && !v->msgs[v->next].original)
			v->next++;
		if (v->next < v->nmsgs)
			problem(v->out, "message %zu: its original is missing", v->next + 1);
	}
	if (v->out->problem[0] == '\0')
		check_chain(v);
out:
	buf_release(&body);
	return st;
}

/* The child of a multipart at position i (0-based), or NULL. */
static struct mailmime *
child(struct mailmime *mm, int i)
{
	if (mm == NULL || mm->mm_type != MAILMIME_MULTIPLE)
		return NULL;
	return clist_nth_data(mm->mm_data.mm_multipart.mm_mp_list, i);
}

/* The entity of a parsed message: its body part. */
static struct mailmime *
entity(struct mailmime *msg)
{
	return msg && msg->mm_type == MAILMIME_MESSAGE ?
	    msg->mm_data.mm_message.mm_msg_mime : msg;
}

/* Parses canonical bytes; BPT_EDATA when libetpan cannot. */
static enum bpt_status
parse(struct bpt_ctx *ctx, const struct buf *b, struct mailmime **out)
{
	size_t idx = 0;
	int r;

	*out = NULL;
	r = mailmime_parse(b->buf ? b->buf : "", b->len, &idx, out);
	if (r == MAILIMF_ERROR_MEMORY)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (r != MAILIMF_NO_ERROR || *out == NULL)
		return bpt_err(ctx, BPT_EDATA, "the file is not a MIME message");
	return BPT_OK;
}

/* RFC 3156, section 4: decrypts into plain (canonical) and parses it. */
static enum bpt_status
decrypt(struct bpt_ctx *ctx, struct sign_session *o, struct mailmime *enc,
    struct buf *plain, struct mailmime **out)
{
	struct mailmime *ctl = child(enc, 0), *data = child(enc, 1);
	struct buf cipher = BUF_INIT, clear = BUF_INIT;
	enum bpt_status st;
	char type[128];

	*out = NULL;
	if (ctl == NULL || data == NULL)
		return bpt_err(ctx, BPT_EDATA, "the encrypted transcript lacks its "
		    "parts (RFC 3156)");
	part_type(ctl, type, sizeof(type));
	if (strcmp(type, "application/pgp-encrypted") != 0)
		return bpt_err(ctx, BPT_EDATA, "the encrypted transcript's first part "
		    "is %s, not application/pgp-encrypted", type);
	if (part_body(data, &cipher) < 0) {
		buf_release(&cipher);
		return bpt_err(ctx, BPT_EDATA, "the encrypted data cannot be decoded");
	}
	st = sign_decrypt(ctx, o, cipher.buf ? cipher.buf : "", cipher.len, &clear);
	buf_release(&cipher);
	if (st == BPT_OK && canonical(clear.buf ? clear.buf : "", clear.len, plain) < 0)
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
	buf_release(&clear);
	if (st == BPT_OK)
		st = parse(ctx, plain, out);
	return st;
}

enum bpt_status
transcript_verify(struct bpt_ctx *ctx, const struct sign_opts *o,
    const char *data, size_t len, struct transcript_check *out)
{
	struct buf file = BUF_INIT, first = BUF_INIT, plain = BUF_INIT, sig = BUF_INIT;
	struct mailmime *top = NULL, *inner = NULL, *signedmm, *signature, *part;
	struct sign_session *ss = NULL;
	struct vstate v;
	enum bpt_status st;
	const char *proto;
	char type[128];

	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	v.ctx = ctx;
	v.out = out;
	/* a one-message mbox (bpt-export --format mbox): its message */
	if (len >= 5 && memcmp(data, "From ", 5) == 0) {
		if (mbox_split(data, len, first_message, &first) == -2) {
			st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
			goto out;
		}
		data = first.buf ? first.buf : "";
		len = first.len;
	}
	if (canonical(data, len, &file) < 0) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	buf_release(&first);
	if ((st = parse(ctx, &file, &top)) != BPT_OK)
		goto out;
	if ((st = sign_open(ctx, o, &ss)) != BPT_OK)
		goto out;
	part = entity(top);
	part_type(part, type, sizeof(type));
	if (strcmp(type, "multipart/encrypted") == 0) {
		out->encrypted = 1;
		if ((st = decrypt(ctx, ss, part, &plain, &inner)) != BPT_OK)
			goto out;
		part = entity(inner);
		part_type(part, type, sizeof(type));
	}
	proto = type_param(part, "protocol");
	if (strcmp(type, "multipart/signed") != 0 || proto == NULL ||
	    strcasecmp(proto, "application/pgp-signature") != 0) {
		st = bpt_err(ctx, BPT_EDATA, "the file is %s, not a PGP/MIME signed "
		    "transcript (RFC 3156)", type);
		goto out;
	}
	signedmm = child(part, 0);
	signature = child(part, 1);
	if (signedmm == NULL || signature == NULL || signedmm->mm_mime_start == NULL) {
		st = bpt_err(ctx, BPT_EDATA, "the signed transcript lacks its parts");
		goto out;
	}
	part_type(signature, type, sizeof(type));
	if (strcmp(type, "application/pgp-signature") != 0 ||
	    part_body(signature, &sig) < 0) {
		st = bpt_err(ctx, BPT_EDATA, "the transcript's second part is %s, not "
		    "an OpenPGP signature", type);
		goto out;
	}
	/* RFC 3156, section 5: the first part as it stands, headers and all */
	st = sign_verify(ctx, ss, sig.buf, sig.len, signedmm->mm_mime_start,
	    signedmm->mm_length, &out->sig);
	if (st != BPT_OK)
		goto out;
	if (!out->sig.good) {
		problem(out, "signature: %s", out->sig.problem[0] ? out->sig.problem :
		    "not valid");
		goto out;
	}
	st = check_content(&v, signedmm);
out:
	sign_close(ss);
	if (top != NULL)
		mailmime_free(top);
	if (inner != NULL)
		mailmime_free(inner);
	free(v.msgs);
	free(v.photos);
	free(v.found);
	buf_release(&file);
	buf_release(&first);
	buf_release(&plain);
	buf_release(&sig);
	return st;
}

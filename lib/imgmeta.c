/* imgmeta.c - JPEG and PNG copies without location and camera data. */
#include "bptconf.h"

#include <string.h>

#include "imgmeta.h"

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

enum imgmeta_type
imgmeta_sniff(const unsigned char *data, size_t len)
{
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return IMG_JPEG;
	if (len >= sizeof(png_sig) && memcmp(data, png_sig, sizeof(png_sig)) == 0)
		return IMG_PNG;
	return IMG_OTHER;
}

/* --- JPEG ------------------------------------------------------------- */

#define M_SOI 0xd8
#define M_EOI 0xd9
#define M_SOS 0xda
#define M_APP0 0xe0
#define M_APP2 0xe2
#define M_APP14 0xee
#define M_APP15 0xef
#define M_COM 0xfe

/* "JFIF\0", version, units, density, thumbnail width and height */
#define JFIF_LEN 14

/* 1 for an APPn segment a decoder needs: JFIF, ICC colours, Adobe. */
static int
app_kept(int marker, const unsigned char *body, size_t n)
{
	if (marker == M_APP0)
		return n >= 5 && memcmp(body, "JFIF\0", 5) == 0;
	if (marker == M_APP2)
		return n >= 12 && memcmp(body, "ICC_PROFILE\0", 12) == 0;
	if (marker == M_APP14)
		return n >= 5 && memcmp(body, "Adobe", 5) == 0;
	return 0;
}

/*
 * A marker segment at d[*i] (d[*i] == 0xff): copies it to out unless
 * it is metadata, and moves *i past it.  Fill bytes (0xff 0xff) are
 * skipped.  -1 when the segment runs past the end.
 */
static int
jpeg_segment(const unsigned char *d, size_t len, size_t *i, struct buf *out,
    size_t *removed, int *marker)
{
	size_t p = *i, n;

	while (p + 1 < len && d[p + 1] == 0xff)
		p++;
	if (p + 1 >= len)
		return -1;
	*marker = d[p + 1];
	/* markers without a length: RSTn, TEM, SOI, EOI */
	if ((*marker >= 0xd0 && *marker <= M_EOI) || *marker == 0x01) {
		buf_add(out, d + p, 2);
		*i = p + 2;
		return 0;
	}
	if (p + 4 > len)
		return -1;
	n = ((size_t)d[p + 2] << 8) | d[p + 3];
	if (n < 2 || p + 2 + n > len)
		return -1;
	if (*marker == M_COM || (*marker >= M_APP0 && *marker <= M_APP15 &&
	    !app_kept(*marker, d + p + 4, n - 2)))
		(*removed)++;
	else if (*marker == M_APP0 && n - 2 >= JFIF_LEN &&
	    (n - 2 > JFIF_LEN || d[p + 4 + 12] != 0 || d[p + 4 + 13] != 0)) {
		/* JFIF with a thumbnail (or bytes after it): the header only */
		static const unsigned char none[2] = { 0, 0 };

		buf_add(out, d + p, 2);
		buf_addch(out, 0);
		buf_addch(out, 2 + JFIF_LEN);
		buf_add(out, d + p + 4, JFIF_LEN - 2);
		buf_add(out, none, 2);
		(*removed)++;
	} else
		buf_add(out, d + p, 2 + n);
	*i = p + 2 + n;
	return 0;
}

/*
 * The entropy-coded data of a scan starts at d[*i]: copied as it is up
 * to the next marker that is not part of it (0xff00 is a stuffed 0xff,
 * RSTn sit inside a scan).  Leaves *i at that marker.
 */
static void
jpeg_scan(const unsigned char *d, size_t len, size_t *i, struct buf *out)
{
	size_t p = *i;

	while (p + 1 < len) {
		if (d[p] == 0xff && d[p + 1] != 0x00 &&
		    !(d[p + 1] >= 0xd0 && d[p + 1] <= 0xd7) && d[p + 1] != 0xff)
			break;
		p++;
	}
	if (p + 1 >= len)
		p = len;
	buf_add(out, d + *i, p - *i);
	*i = p;
}

static int
jpeg_strip(const unsigned char *d, size_t len, struct buf *out, size_t *removed)
{
	size_t i = 2;
	int marker = 0, scans = 0, frame = 0;

	buf_add(out, d, 2);	/* SOI */
	while (i < len) {
		if (d[i] != 0xff)
			return -1;
		if (jpeg_segment(d, len, &i, out, removed, &marker) < 0)
			return -1;
		if (marker == M_EOI)
			return frame && scans ? 0 : -1;	/* what follows is dropped */
		/*
		 * SOI again; RSTn or a stuffed 0xff00 outside a scan, which
		 * only a broken file has: once a segment before them is
		 * removed they would be read as part of the scan before it,
		 * and the copy would not be the same file without metadata.
		 */
		if (marker == M_SOI || marker == 0x00 ||
		    (marker >= 0xd0 && marker <= 0xd7))
			return -1;
		if ((marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 &&
		    marker != 0xc8 && marker != 0xcc))
			frame = 1;
		if (marker == M_SOS) {
			if (!frame)
				return -1;
			scans++;
			jpeg_scan(d, len, &i, out);
		}
	}
	return -1;	/* no EOI: cut off */
}

/* --- PNG -------------------------------------------------------------- */

/* Ancillary chunks kept: colour, transparency, layout, animation. */
static int
png_kept(const unsigned char *type)
{
	static const char *const keep[] = {
		"tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs",
		"hIST", "acTL", "fcTL", "fdAT", "cICP", "mDCv", "cLLi",
	};
	size_t k;

	if (!(type[0] & 0x20))	/* critical: IHDR, PLTE, IDAT, IEND */
		return 1;
	for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
		if (memcmp(type, keep[k], 4) == 0)
			return 1;
	return 0;
}

static int
png_strip(const unsigned char *d, size_t len, struct buf *out, size_t *removed)
{
	size_t i = sizeof(png_sig), n, k;
	int first = 1;

	buf_add(out, d, sizeof(png_sig));
	while (i + 12 <= len) {
		const unsigned char *type = d + i + 4;

		n = ((size_t)d[i] << 24) | ((size_t)d[i + 1] << 16) |
		    ((size_t)d[i + 2] << 8) | d[i + 3];
		if (n > 0x7fffffffu || n > len - i - 12)
			return -1;
		for (k = 0; k < 4; k++)
			if (!((type[k] >= 'A' && type[k] <= 'Z') ||
			    (type[k] >= 'a' && type[k] <= 'z')))
				return -1;
		if (first && memcmp(type, "IHDR", 4) != 0)
			return -1;
		first = 0;
		if (png_kept(type))
			buf_add(out, d + i, 12 + n);
		else
			(*removed)++;
		i += 12 + n;
		if (memcmp(type, "IEND", 4) == 0)
			return 0;	/* what follows is dropped */
	}
	return -1;	/* no IEND: cut off */
}

enum bpt_status
imgmeta_strip(struct bpt_ctx *ctx, const unsigned char *data, size_t len,
    struct buf *out, size_t *removed)
{
	size_t start = out->len, gone = 0;
	int rc;

	switch (imgmeta_sniff(data, len)) {
	case IMG_JPEG:
		rc = jpeg_strip(data, len, out, &gone);
		break;
	case IMG_PNG:
		rc = png_strip(data, len, out, &gone);
		break;
	default:
		return bpt_err(ctx, BPT_EDATA, "not a JPEG or PNG image");
	}
	if (removed != NULL)
		*removed = gone;
	if (buf_failed(out))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (rc < 0) {
		buf_setlen(out, start);
		return bpt_err(ctx, BPT_EDATA, "a broken or cut-off %s image",
		    imgmeta_sniff(data, len) == IMG_JPEG ? "JPEG" : "PNG");
	}
	return BPT_OK;
}

int
imgmeta_passable(const unsigned char *data, size_t len)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf out = BUF_INIT;
	enum bpt_status st;

	if (imgmeta_sniff(data, len) == IMG_OTHER)
		return 1;
	st = imgmeta_strip(&ctx, data, len, &out, NULL);
	buf_release(&out);
	return st != BPT_EDATA;
}

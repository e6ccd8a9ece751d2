/* imgmeta.c - image copies without location and camera data. */
#include "bptconf.h"

#include <string.h>

#include "imgmeta.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* Brands of an ISO BMFF 'ftyp' box that make it a HEIF or AVIF image. */
static int
heif_brand(const unsigned char *b)
{
	static const char brands[][5] = {
		"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs",
		"mif1", "mif2", "msf1", "avif", "avis",
	};
	size_t k;

	for (k = 0; k < NELEM(brands); k++)
		if (memcmp(b, brands[k], 4) == 0)
			return 1;
	return 0;
}

/* An 'ftyp' box at the start whose major or a compatible brand is HEIF. */
static int
is_heif(const unsigned char *d, size_t len)
{
	size_t n, k;

	if (len < 12 || memcmp(d + 4, "ftyp", 4) != 0)
		return 0;
	if (heif_brand(d + 8))
		return 1;
	n = ((size_t)d[0] << 24) | ((size_t)d[1] << 16) | ((size_t)d[2] << 8) | d[3];
	/*
	 * 0: the box runs to the end of the file; 1: a 64-bit size follows
	 * and the brands start 8 bytes later, still 4-byte steps from 16.
	 */
	if (n <= 1 || n > len)
		n = len;
	if (n > 1024)
		n = 1024;
	/* size, 'ftyp', major brand, minor version, compatible brands */
	for (k = 16; k + 4 <= n; k += 4)
		if (heif_brand(d + k))
			return 1;
	return 0;
}

enum imgmeta_type
imgmeta_sniff(const unsigned char *data, size_t len)
{
	if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		return IMG_JPEG;
	if (len >= sizeof(png_sig) && memcmp(data, png_sig, sizeof(png_sig)) == 0)
		return IMG_PNG;
	if (len >= 12 && memcmp(data, "RIFF", 4) == 0 &&
	    memcmp(data + 8, "WEBP", 4) == 0)
		return IMG_WEBP;
	if (len >= 6 && (memcmp(data, "GIF87a", 6) == 0 ||
	    memcmp(data, "GIF89a", 6) == 0))
		return IMG_GIF;
	/* TIFF and BigTIFF, either byte order (raw photos are TIFF too) */
	if (len >= 4 && (memcmp(data, "II*\0", 4) == 0 ||
	    memcmp(data, "MM\0*", 4) == 0 || memcmp(data, "II+\0", 4) == 0 ||
	    memcmp(data, "MM\0+", 4) == 0))
		return IMG_TIFF;
	if (is_heif(data, len))
		return IMG_HEIF;
	return IMG_OTHER;
}

int
imgmeta_cleanable(enum imgmeta_type type)
{
	return type != IMG_HEIF && type != IMG_TIFF;
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

/* --- WebP ------------------------------------------------------------- */

#define VP8X_XMP 0x04
#define VP8X_EXIF 0x08

static size_t
le32(const unsigned char *p)
{
	return (size_t)p[0] | ((size_t)p[1] << 8) | ((size_t)p[2] << 16) |
	    ((size_t)p[3] << 24);
}

static void
put_le32(struct buf *out, size_t at, size_t v)
{
	if (buf_failed(out))
		return;
	out->buf[at] = (char)(v & 0xff);
	out->buf[at + 1] = (char)((v >> 8) & 0xff);
	out->buf[at + 2] = (char)((v >> 16) & 0xff);
	out->buf[at + 3] = (char)((v >> 24) & 0xff);
}

static int
fourcc_in(const unsigned char *fourcc, const char *const *set, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (memcmp(fourcc, set[k], 4) == 0)
			return 1;
	return 0;
}

/* A chunk with the picture itself: a lossy or lossless bitstream. */
static int
webp_bitstream(const unsigned char *fourcc)
{
	return memcmp(fourcc, "VP8 ", 4) == 0 || memcmp(fourcc, "VP8L", 4) == 0;
}

/*
 * The chunks of d[0..len): the RIFF payload after "WEBP" (frame == 0)
 * or the frame data of an ANMF chunk after its 16-byte header.  Kept
 * chunks are copied to out, an ANMF with only its kept chunks and its
 * size written again; VP8X loses its EXIF and XMP flags.  *image is
 * set when a bitstream is found.  -1 when a chunk, padded to an even
 * size, runs past the end or the chunks do not fill d exactly.
 */
static int
webp_chunks(const unsigned char *d, size_t len, int frame, struct buf *out,
    size_t *removed, int *image)
{
	static const char *const top[] = {
		"VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP",
	};
	static const char *const in_frame[] = { "VP8 ", "VP8L", "ALPH" };
	size_t i = 0, n, padded, at;
	int has;

	while (i < len) {
		const unsigned char *c = d + i;

		if (len - i < 8)
			return -1;
		n = le32(c + 4);
		if (n > len - i - 8 || (n & 1 && n + 1 > len - i - 8))
			return -1;
		padded = n + (n & 1);
		at = out->len;
		if (frame ? !fourcc_in(c, in_frame, NELEM(in_frame)) :
		    !fourcc_in(c, top, NELEM(top))) {
			(*removed)++;
		} else if (memcmp(c, "ANMF", 4) == 0) {
			if (n < 16)
				return -1;
			has = 0;
			buf_add(out, c, 8 + 16);
			if (webp_chunks(c + 24, n - 16, 1, out, removed, &has) < 0 ||
			    !has)
				return -1;
			put_le32(out, at + 4, out->len - at - 8);
			*image = 1;
		} else {
			if (memcmp(c, "VP8X", 4) == 0 && (i != 0 || n < 10))
				return -1;	/* VP8X comes first */
			buf_add(out, c, 8 + padded);
			if (memcmp(c, "VP8X", 4) == 0 && c[8] & (VP8X_EXIF | VP8X_XMP)) {
				if (!buf_failed(out))
					out->buf[at + 8] = (char)(c[8] &
					    ~(VP8X_EXIF | VP8X_XMP));
				(*removed)++;
			}
			if (webp_bitstream(c))
				*image = 1;
		}
		i += 8 + padded;
	}
	return 0;
}

static int
webp_strip(const unsigned char *d, size_t len, struct buf *out, size_t *removed)
{
	size_t n = le32(d + 4), at = out->len;
	int image = 0;

	/* bytes after the RIFF (its size says where it ends) go */
	if (n > len - 8 || n < 4 + 8)
		return -1;
	if (!webp_bitstream(d + 12) && memcmp(d + 12, "VP8X", 4) != 0)
		return -1;
	buf_add(out, d, 12);
	if (webp_chunks(d + 12, n - 4, 0, out, removed, &image) < 0 || !image)
		return -1;
	put_le32(out, at + 4, out->len - at - 8);
	return 0;
}

/* --- GIF -------------------------------------------------------------- */

/* A colour table after packed byte p: 0 or 3 * 2^(size + 1) bytes. */
static size_t
gif_table(unsigned char p)
{
	return p & 0x80 ? (size_t)3 << ((p & 7) + 1) : 0;
}

/*
 * The data sub-blocks at d[*i], each a length byte and that many
 * bytes, up to and with the empty one that ends them.  Moves *i past
 * them; -1 when they run past the end.
 */
static int
gif_blocks(const unsigned char *d, size_t len, size_t *i)
{
	size_t p = *i, n;

	do {
		if (p >= len)
			return -1;
		n = d[p];
		if (n > len - p - 1)
			return -1;
		p += 1 + n;
	} while (n != 0);
	*i = p;
	return 0;
}

/* An extension at d[i] (0x21, label) that a GIF needs to look and move. */
static int
gif_ext_kept(const unsigned char *d, size_t len, size_t i)
{
	int label = d[i + 1];

	if (label == 0xf9 || label == 0x01)	/* graphic control, plain text */
		return 1;
	/* application: only the loop count of an animation */
	return label == 0xff && len - i >= 14 && d[i + 2] == 11 &&
	    (memcmp(d + i + 3, "NETSCAPE2.0", 11) == 0 ||
	    memcmp(d + i + 3, "ANIMEXTS1.0", 11) == 0);
}

static int
gif_strip(const unsigned char *d, size_t len, struct buf *out, size_t *removed)
{
	size_t i = 13, start, table;
	int images = 0;

	/* header, logical screen descriptor, global colour table */
	if (len < 13 || gif_table(d[10]) > len - 13)
		return -1;
	i += gif_table(d[10]);
	buf_add(out, d, i);
	while (i < len) {
		start = i;
		if (d[i] == 0x3b) {	/* trailer: what follows is dropped */
			buf_addch(out, 0x3b);
			return images ? 0 : -1;
		} else if (d[i] == 0x2c) {
			/* image descriptor, local colour table, LZW code size */
			if (len - i < 10)
				return -1;
			table = gif_table(d[i + 9]);
			if (table >= len - i - 10)
				return -1;
			i += 10 + table + 1;
			if (gif_blocks(d, len, &i) < 0)
				return -1;
			buf_add(out, d + start, i - start);
			images++;
		} else if (d[i] == 0x21) {
			if (len - i < 2)
				return -1;
			i += 2;
			if (gif_blocks(d, len, &i) < 0)
				return -1;
			if (gif_ext_kept(d, len, start))
				buf_add(out, d + start, i - start);
			else
				(*removed)++;	/* comment, XMP, any other */
		} else {
			return -1;
		}
	}
	return -1;	/* no trailer: cut off */
}

static const char *
type_name(enum imgmeta_type type)
{
	switch (type) {
	case IMG_JPEG:
		return "JPEG";
	case IMG_PNG:
		return "PNG";
	case IMG_WEBP:
		return "WebP";
	case IMG_GIF:
		return "GIF";
	case IMG_HEIF:
		return "HEIF";
	case IMG_TIFF:
		return "TIFF";
	default:
		return "unknown";
	}
}

enum bpt_status
imgmeta_strip(struct bpt_ctx *ctx, const unsigned char *data, size_t len,
    struct buf *out, size_t *removed)
{
	enum imgmeta_type type = imgmeta_sniff(data, len);
	size_t start = out->len, gone = 0;
	int rc;

	switch (type) {
	case IMG_JPEG:
		rc = jpeg_strip(data, len, out, &gone);
		break;
	case IMG_PNG:
		rc = png_strip(data, len, out, &gone);
		break;
	case IMG_WEBP:
		rc = webp_strip(data, len, out, &gone);
		break;
	case IMG_GIF:
		rc = gif_strip(data, len, out, &gone);
		break;
	case IMG_HEIF:
	case IMG_TIFF:
		return bpt_err(ctx, BPT_EDATA, "a %s image: its metadata "
		    "(location, camera) cannot be removed", type_name(type));
	default:
		return bpt_err(ctx, BPT_EDATA, "not an image of a known type");
	}
	if (removed != NULL)
		*removed = gone;
	if (buf_failed(out))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (rc < 0) {
		buf_setlen(out, start);
		return bpt_err(ctx, BPT_EDATA, "a broken or cut-off %s image",
		    type_name(type));
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

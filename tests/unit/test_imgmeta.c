/* test_imgmeta.c - photos leave without location and camera data. */
#include "unit.h"

#include <errno.h>

#include "imgmeta.h"

/* A file of tests/data/img into b. */
static void
load(const char *name, struct buf *b)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	char chunk[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/img/%s", top ? top : "..", name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	assert_false(buf_failed(b));
}

static int
has(const struct buf *b, const char *needle)
{
	return memmem(b->buf, b->len, needle, strlen(needle)) != NULL;
}

/*
 * gps.jpg is base.jpg with EXIF (GPS, camera, time, a thumbnail), XMP,
 * IPTC and a comment added by exiftool: stripped, it is base.jpg again,
 * byte for byte, so the image data and the pixels are untouched.
 */
static void
test_jpeg(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf in = BUF_INIT, base = BUF_INIT, out = BUF_INIT;
	size_t removed;

	(void)state;
	load("gps.jpg", &in);
	load("base.jpg", &base);
	assert_true(has(&in, "Exif") && has(&in, "TestCam") && has(&in, "06-12345678") &&
	    has(&in, "http://ns.adobe.com/xap/") && has(&in, "Photoshop 3.0"));
	assert_int_equal(imgmeta_sniff((unsigned char *)in.buf, in.len), IMG_JPEG);
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    &removed), BPT_OK);
	assert_int_equal(removed, 4);	/* EXIF, XMP, IPTC, COM */
	assert_int_equal(out.len, base.len);
	assert_memory_equal(out.buf, base.buf, base.len);
	assert_false(has(&out, "Exif") || has(&out, "TestCam") ||
	    has(&out, "06-12345678") || has(&out, "adobe"));
	/* nothing to remove: the same bytes */
	buf_reset(&out);
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)base.buf, base.len, &out,
	    &removed), BPT_OK);
	assert_int_equal(removed, 0);
	assert_memory_equal(out.buf, base.buf, base.len);
	/* bytes after EOI (a hidden second picture, a trailer) go */
	buf_add(&in, "GPS 51.69N 5.30E", 16);
	buf_reset(&out);
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    NULL), BPT_OK);
	assert_int_equal(out.len, base.len);
	buf_release(&in);
	buf_release(&base);
	buf_release(&out);
}

static void
test_png(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf in = BUF_INIT, base = BUF_INIT, out = BUF_INIT;
	size_t removed;

	(void)state;
	load("gps.png", &in);
	load("base.png", &base);
	assert_true(has(&in, "eXIf") && has(&in, "06-12345678") && has(&in, "iTXt"));
	assert_int_equal(imgmeta_sniff((unsigned char *)in.buf, in.len), IMG_PNG);
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    &removed), BPT_OK);
	assert_true(removed >= 3);
	assert_int_equal(out.len, base.len);
	assert_memory_equal(out.buf, base.buf, base.len);
	buf_release(&in);
	buf_release(&base);
	buf_release(&out);
}

/* A JFIF header's own thumbnail goes; the header stays for decoders. */
static void
test_jfif_thumbnail(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf base = BUF_INIT, in = BUF_INIT, out = BUF_INIT;
	static const unsigned char thumb[6] = { 1, 2, 3, 4, 5, 6 };
	size_t removed;

	(void)state;
	load("base.jpg", &base);
	/* SOI, APP0 of 16 bytes: "JFIF\0" ... thumbnail 0x0 */
	assert_true(base.len > 20 && (unsigned char)base.buf[3] == 0xe0 &&
	    base.buf[5] == 16 && base.buf[18] == 0 && base.buf[19] == 0);
	buf_add(&in, base.buf, 20);
	in.buf[5] = 16 + 6;
	in.buf[18] = 2;		/* a 2x1 RGB thumbnail */
	in.buf[19] = 1;
	buf_add(&in, thumb, sizeof(thumb));
	buf_add(&in, base.buf + 20, base.len - 20);
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    &removed), BPT_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(out.len, base.len);
	assert_memory_equal(out.buf, base.buf, base.len);
	assert_true(imgmeta_passable((unsigned char *)in.buf, in.len));
	assert_false(imgmeta_passable((unsigned char *)in.buf, in.len - 10));
	/* a type without metadata this module knows of goes as it is */
	assert_true(imgmeta_passable((const unsigned char *)"BM\x3e\0\0\0", 6));
	buf_release(&base);
	buf_release(&in);
	buf_release(&out);
}

/* Every byte is hostile: cut, broken and foreign data are refused. */
static void
test_broken(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf in = BUF_INIT, out = BUF_INIT;
	size_t cut;

	(void)state;
	load("gps.jpg", &in);
	for (cut = 0; cut < in.len - 1; cut += 7) {
		buf_reset(&out);
		buf_adds(&out, "x");
		assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, cut,
		    &out, NULL), BPT_EDATA);
		/* a failed strip leaves out as it was */
		assert_int_equal(out.len, 1);
	}
	buf_release(&in);
	load("gps.png", &in);
	for (cut = 0; cut < in.len - 1; cut += 5) {
		buf_reset(&out);
		assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, cut,
		    &out, NULL), BPT_EDATA);
	}
	/* a chunk length past the end */
	in.buf[8] = 0x7f;
	buf_reset(&out);
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    NULL), BPT_EDATA);
	buf_release(&in);
	assert_int_equal(imgmeta_strip(&ctx, (const unsigned char *)"BM\x3e\0\0\0", 6,
	    &out, NULL), BPT_EDATA);
	assert_int_equal(imgmeta_sniff((const unsigned char *)"BM\x3e\0\0\0", 6),
	    IMG_OTHER);
	buf_release(&out);
}

/* --- WebP and GIF, built here byte by byte ---------------------------- */

static void
put32le(struct buf *b, size_t v)
{
	unsigned char p[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
	    (v >> 24) & 0xff };

	buf_add(b, p, 4);
}

static size_t
get32le(const struct buf *b, size_t at)
{
	const unsigned char *p = (const unsigned char *)b->buf + at;

	return p[0] | (p[1] << 8) | (p[2] << 16) | ((size_t)p[3] << 24);
}

/* A RIFF chunk: fourcc, size, data, a pad byte when the size is odd. */
static void
chunk(struct buf *b, const char *fourcc, const void *data, size_t n)
{
	buf_add(b, fourcc, 4);
	put32le(b, n);
	buf_add(b, data, n);
	if (n & 1)
		buf_addch(b, 0);
}

/* "RIFF" size "WEBP" and the chunks. */
static void
riff(struct buf *b, const struct buf *chunks)
{
	buf_adds(b, "RIFF");
	put32le(b, 4 + chunks->len);
	buf_adds(b, "WEBP");
	buf_add(b, chunks->buf, chunks->len);
}

static const char gps[] = "MM\0*\0\0\0\x08GPS 51.6978N 5.3037E TestCam";
static const char xmp[] = "<x:xmpmeta><dc:creator>Jan 0612345678</dc:creator>";
/* bitstreams: the stripper copies them, it does not decode them */
static const unsigned char vp8[] = { 0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, 1, 0, 1, 0, 7 };
static const unsigned char vp8l[] = { 0x2f, 0, 0, 0, 0x10, 0x07 };
static const unsigned char alph[] = { 0, 0xff, 0xff };
static const unsigned char iccp[] = { 'i', 'c', 'c', 0, 1, 2, 3, 4 };

/* VP8X: flags (ICC 0x20, alpha 0x10, EXIF 0x08, XMP 0x04, anim 0x02), 1x1 */
static void
vp8x(struct buf *b, unsigned flags)
{
	unsigned char x[10] = { flags, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

	chunk(b, "VP8X", x, sizeof(x));
}

/*
 * An extended WebP as a phone writes it, with EXIF (GPS) and XMP, and
 * an unknown chunk: only the picture's chunks are left, byte for byte,
 * the VP8X flags say so and the RIFF size is right.
 */
static void
test_webp(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf c = BUF_INIT, in = BUF_INIT, want = BUF_INIT, out = BUF_INIT,
	    again = BUF_INIT;
	size_t removed;

	(void)state;
	vp8x(&c, 0x20 | 0x10 | 0x08 | 0x04);
	chunk(&c, "ICCP", iccp, sizeof(iccp));
	chunk(&c, "ALPH", alph, sizeof(alph));
	chunk(&c, "VP8 ", vp8, sizeof(vp8));
	chunk(&c, "EXIF", gps, sizeof(gps) - 1);
	chunk(&c, "XMP ", xmp, sizeof(xmp) - 1);
	chunk(&c, "TXT!", "bel 06-12345678", 15);
	riff(&in, &c);
	buf_adds(&in, "GPS after the end");
	buf_reset(&c);
	vp8x(&c, 0x20 | 0x10);
	chunk(&c, "ICCP", iccp, sizeof(iccp));
	chunk(&c, "ALPH", alph, sizeof(alph));
	chunk(&c, "VP8 ", vp8, sizeof(vp8));
	riff(&want, &c);

	assert_int_equal(imgmeta_sniff((unsigned char *)in.buf, in.len), IMG_WEBP);
	assert_true(imgmeta_cleanable(IMG_WEBP));
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    &removed), BPT_OK);
	assert_int_equal(removed, 4);	/* EXIF, XMP, TXT!, the flags */
	assert_int_equal(out.len, want.len);
	assert_memory_equal(out.buf, want.buf, want.len);
	assert_int_equal(get32le(&out, 4), out.len - 8);
	assert_int_equal((unsigned char)out.buf[20], 0x30);
	assert_false(has(&out, "GPS") || has(&out, "TestCam") ||
	    has(&out, "xmpmeta") || has(&out, "06-12345678"));
	assert_true(imgmeta_passable((unsigned char *)in.buf, in.len));
	/* nothing left to remove */
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)out.buf, out.len,
	    &again, &removed), BPT_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(again.len, out.len);
	assert_memory_equal(again.buf, out.buf, out.len);

	/* a simple lossless WebP with an EXIF chunk after it (odd sizes) */
	buf_reset(&c);
	chunk(&c, "VP8L", vp8l, sizeof(vp8l));
	chunk(&c, "EXIF", gps, sizeof(gps));
	buf_reset(&in);
	riff(&in, &c);
	buf_reset(&c);
	chunk(&c, "VP8L", vp8l, sizeof(vp8l));
	buf_reset(&want);
	riff(&want, &c);
	buf_reset(&out);
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    &removed), BPT_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(out.len, want.len);
	assert_memory_equal(out.buf, want.buf, want.len);
	buf_release(&c);
	buf_release(&in);
	buf_release(&want);
	buf_release(&out);
	buf_release(&again);
}

/* An animation: a frame loses its unknown chunks and gets its new size. */
static void
test_webp_animation(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf c = BUF_INIT, f = BUF_INIT, in = BUF_INIT, want = BUF_INIT,
	    out = BUF_INIT;
	static const unsigned char anim[6] = { 0xff, 0xff, 0xff, 0xff, 0, 0 };
	static const unsigned char frame[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0x64, 0, 0, 0 };
	size_t removed;

	(void)state;
	vp8x(&c, 0x02 | 0x08);
	chunk(&c, "ANIM", anim, sizeof(anim));
	buf_add(&f, frame, sizeof(frame));
	chunk(&f, "VP8L", vp8l, sizeof(vp8l));
	chunk(&f, "EXIF", gps, sizeof(gps) - 1);
	chunk(&c, "ANMF", f.buf, f.len);
	chunk(&c, "EXIF", gps, sizeof(gps) - 1);
	riff(&in, &c);
	buf_reset(&c);
	buf_reset(&f);
	vp8x(&c, 0x02);
	chunk(&c, "ANIM", anim, sizeof(anim));
	buf_add(&f, frame, sizeof(frame));
	chunk(&f, "VP8L", vp8l, sizeof(vp8l));
	chunk(&c, "ANMF", f.buf, f.len);
	riff(&want, &c);

	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    &removed), BPT_OK);
	assert_int_equal(removed, 3);
	assert_int_equal(out.len, want.len);
	assert_memory_equal(out.buf, want.buf, want.len);
	assert_false(has(&out, "GPS"));
	buf_release(&c);
	buf_release(&f);
	buf_release(&in);
	buf_release(&want);
	buf_release(&out);
}

/* 1 when imgmeta_strip() refuses b and leaves out alone. */
static int
refused(const struct buf *b)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf out = BUF_INIT;
	enum bpt_status st;
	size_t len;

	buf_adds(&out, "x");
	st = imgmeta_strip(&ctx, (unsigned char *)b->buf, b->len, &out, NULL);
	len = out.len;
	buf_release(&out);
	return st == BPT_EDATA && len == 1 && ctx.errmsg[0] != '\0' &&
	    !imgmeta_passable((unsigned char *)b->buf, b->len);
}

static void
test_webp_broken(void **state)
{
	struct buf c = BUF_INIT, in = BUF_INIT, cut = BUF_INIT;
	size_t k;

	(void)state;
	vp8x(&c, 0x08);
	chunk(&c, "VP8 ", vp8, sizeof(vp8));
	chunk(&c, "EXIF", gps, sizeof(gps) - 1);
	riff(&in, &c);
	/* cut anywhere, the RIFF size kept: the chunks run past the end */
	for (k = 12; k < in.len; k++) {
		buf_reset(&cut);
		buf_add(&cut, in.buf, k);
		assert_true(refused(&cut));
	}
	/* cut anywhere, the RIFF size made to fit: a chunk runs past it */
	for (k = 12; k < in.len; k++) {
		buf_reset(&cut);
		buf_add(&cut, in.buf, k);
		cut.buf[4] = (char)(k - 8);
		if (k == 12 + 18 + 8 + sizeof(vp8) + 1)
			continue;	/* VP8X and VP8: a whole image */
		assert_true(refused(&cut));
	}
	/* a chunk size far past the end */
	buf_reset(&cut);
	buf_add(&cut, in.buf, in.len);
	memcpy(cut.buf + 12 + 18 + 4, "\xff\xff\xff\xff", 4);
	assert_true(refused(&cut));
	/* an odd chunk without its pad byte */
	buf_reset(&c);
	chunk(&c, "VP8 ", vp8, sizeof(vp8));
	buf_setlen(&c, c.len - 1);
	buf_reset(&cut);
	riff(&cut, &c);
	assert_true(refused(&cut));
	/* EXIF first, or VP8X after the image, or no image at all */
	buf_reset(&c);
	chunk(&c, "EXIF", gps, sizeof(gps) - 1);
	chunk(&c, "VP8 ", vp8, sizeof(vp8));
	buf_reset(&cut);
	riff(&cut, &c);
	assert_true(refused(&cut));
	buf_reset(&c);
	chunk(&c, "VP8 ", vp8, sizeof(vp8));
	vp8x(&c, 0);
	buf_reset(&cut);
	riff(&cut, &c);
	assert_true(refused(&cut));
	buf_reset(&c);
	vp8x(&c, 0x08);
	chunk(&c, "EXIF", gps, sizeof(gps) - 1);
	buf_reset(&cut);
	riff(&cut, &c);
	assert_true(refused(&cut));
	/* a frame too short for its header */
	buf_reset(&c);
	vp8x(&c, 0x02);
	chunk(&c, "ANMF", vp8l, sizeof(vp8l));
	buf_reset(&cut);
	riff(&cut, &c);
	assert_true(refused(&cut));
	buf_release(&c);
	buf_release(&in);
	buf_release(&cut);
}

/* Sub-blocks of data: each at most 255 bytes, then an empty one. */
static void
blocks(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	buf_addch(b, (int)n);
	buf_add(b, s, n);
	buf_addch(b, 0);
}

static const unsigned char gif_head[] = {
	'G', 'I', 'F', '8', '9', 'a', 2, 0, 1, 0, 0x80, 0, 0,
	0, 0, 0, 0xff, 0xff, 0xff,	/* two colours */
};
static const unsigned char gif_gce[] = { 0x21, 0xf9, 4, 0x01, 10, 0, 1, 0 };
static const unsigned char gif_image[] = {
	0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0x80,	/* 2x1, local table */
	0xff, 0, 0, 0, 0xff, 0,
	2, 2, 0x44, 0x01, 0,			/* LZW */
};
static const unsigned char gif_loop[] = {
	0x21, 0xff, 11, 'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0',
	3, 1, 0, 0, 0
};

static void
test_gif(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf in = BUF_INIT, want = BUF_INIT, out = BUF_INIT,
	    again = BUF_INIT;
	size_t removed;

	(void)state;
	buf_add(&in, gif_head, sizeof(gif_head));
	buf_add(&in, gif_loop, sizeof(gif_loop));
	buf_add(&in, "\x21\xfe", 2);
	blocks(&in, "bel 06-12345678");
	buf_add(&in, "\x21\xff\x0bXMP DataXMP", 14);
	blocks(&in, xmp);
	buf_add(&in, gif_gce, sizeof(gif_gce));
	buf_add(&in, gif_image, sizeof(gif_image));
	buf_add(&in, "\x21\x99", 2);	/* an extension nobody knows */
	blocks(&in, "GPS 51.6978N 5.3037E");
	buf_add(&in, gif_gce, sizeof(gif_gce));
	buf_add(&in, gif_image, sizeof(gif_image));
	buf_add(&in, "\x3b" "GPS 51.6978N after the trailer", 31);

	buf_add(&want, gif_head, sizeof(gif_head));
	buf_add(&want, gif_loop, sizeof(gif_loop));
	buf_add(&want, gif_gce, sizeof(gif_gce));
	buf_add(&want, gif_image, sizeof(gif_image));
	buf_add(&want, gif_gce, sizeof(gif_gce));
	buf_add(&want, gif_image, sizeof(gif_image));
	buf_addch(&want, 0x3b);

	assert_int_equal(imgmeta_sniff((unsigned char *)in.buf, in.len), IMG_GIF);
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)in.buf, in.len, &out,
	    &removed), BPT_OK);
	assert_int_equal(removed, 3);	/* comment, XMP, the unknown one */
	assert_int_equal(out.len, want.len);
	assert_memory_equal(out.buf, want.buf, want.len);
	assert_false(has(&out, "06-12345678") || has(&out, "XMP") ||
	    has(&out, "GPS"));
	assert_int_equal(imgmeta_strip(&ctx, (unsigned char *)out.buf, out.len,
	    &again, &removed), BPT_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(again.len, out.len);
	assert_memory_equal(again.buf, out.buf, out.len);
	assert_true(imgmeta_passable((unsigned char *)in.buf, in.len));
	buf_release(&in);
	buf_release(&want);
	buf_release(&out);
	buf_release(&again);
}

static void
test_gif_broken(void **state)
{
	struct buf in = BUF_INIT, cut = BUF_INIT;
	size_t k;

	(void)state;
	buf_add(&in, gif_head, sizeof(gif_head));
	buf_add(&in, "\x21\xfe", 2);
	blocks(&in, "bel 06-12345678");
	buf_add(&in, gif_image, sizeof(gif_image));
	buf_addch(&in, 0x3b);
	/* cut anywhere after "GIF89a" (before it, it is no GIF) */
	for (k = 6; k < in.len; k++) {
		buf_reset(&cut);
		buf_add(&cut, in.buf, k);
		assert_true(refused(&cut));
	}
	/* a sub-block longer than what is left */
	buf_reset(&cut);
	buf_add(&cut, in.buf, in.len);
	cut.buf[sizeof(gif_head) + 2] = (char)0xf0;
	assert_true(refused(&cut));
	/* a colour table past the end */
	buf_reset(&cut);
	buf_add(&cut, gif_head, 13);
	cut.buf[10] = (char)0x87;
	buf_addch(&cut, 0x3b);
	assert_true(refused(&cut));
	/* a block that is no block */
	buf_reset(&cut);
	buf_add(&cut, gif_head, sizeof(gif_head));
	buf_add(&cut, gif_image, sizeof(gif_image));
	buf_addch(&cut, 0x00);
	buf_addch(&cut, 0x3b);
	assert_true(refused(&cut));
	/* no image at all */
	buf_reset(&cut);
	buf_add(&cut, gif_head, sizeof(gif_head));
	buf_addch(&cut, 0x3b);
	assert_true(refused(&cut));
	buf_release(&in);
	buf_release(&cut);
}

/*
 * HEIC, AVIF and TIFF hold their metadata where this module cannot
 * take it out: they never pass, whatever the mail calls them.
 */
static void
test_not_cleanable(void **state)
{
	static const unsigned char heic[] = {
		0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0,
		'm', 'i', 'f', '1', 'h', 'e', 'i', 'c',
		0, 0, 0, 8, 'm', 'e', 't', 'a',
	};
	static const unsigned char avif[] = {
		0, 0, 0, 28, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 0, 0,
		'i', 's', 'o', 'm', 'm', 'p', '4', '1', 'a', 'v', 'i', 'f',
	};
	static const unsigned char mp4[] = {
		0, 0, 0, 24, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0,
		'i', 's', 'o', 'm', 'm', 'p', '4', '2',
	};
	static const unsigned char tiff_ii[] = { 'I', 'I', '*', 0, 8, 0, 0, 0 };
	static const unsigned char tiff_mm[] = { 'M', 'M', 0, '*', 0, 0, 0, 8 };
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(imgmeta_sniff(heic, sizeof(heic)), IMG_HEIF);
	assert_int_equal(imgmeta_sniff(avif, sizeof(avif)), IMG_HEIF);
	assert_int_equal(imgmeta_sniff(tiff_ii, sizeof(tiff_ii)), IMG_TIFF);
	assert_int_equal(imgmeta_sniff(tiff_mm, sizeof(tiff_mm)), IMG_TIFF);
	assert_false(imgmeta_cleanable(IMG_HEIF));
	assert_false(imgmeta_cleanable(IMG_TIFF));
	assert_true(imgmeta_cleanable(IMG_JPEG));
	buf_add(&b, heic, sizeof(heic));
	assert_true(refused(&b));
	buf_reset(&b);
	buf_add(&b, avif, sizeof(avif));
	assert_true(refused(&b));
	buf_reset(&b);
	buf_add(&b, tiff_ii, sizeof(tiff_ii));
	assert_true(refused(&b));
	buf_reset(&b);
	buf_add(&b, tiff_mm, sizeof(tiff_mm));
	assert_true(refused(&b));
	/* an MP4 video is no HEIF image */
	assert_int_equal(imgmeta_sniff(mp4, sizeof(mp4)), IMG_OTHER);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_jfif_thumbnail),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_webp),
		cmocka_unit_test(test_webp_animation),
		cmocka_unit_test(test_webp_broken),
		cmocka_unit_test(test_gif),
		cmocka_unit_test(test_gif_broken),
		cmocka_unit_test(test_not_cleanable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

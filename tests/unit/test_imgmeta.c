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
	assert_true(imgmeta_passable((const unsigned char *)"GIF89a", 6));
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
	assert_int_equal(imgmeta_strip(&ctx, (const unsigned char *)"GIF89a", 6, &out,
	    NULL), BPT_EDATA);
	assert_int_equal(imgmeta_sniff((const unsigned char *)"GIF89a", 6), IMG_OTHER);
	buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_jfif_thumbnail),
		cmocka_unit_test(test_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

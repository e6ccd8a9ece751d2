/* test_html.c - readable text from HTML mail. */
#include "unit.h"

#include <time.h>

#include "buf.h"
#include "charset.h"
#include "html.h"

static void
expect(const char *html, const char *text)
{
	struct buf out = BUF_INIT;

	html_to_text(&out, html, strlen(html));
	assert_false(buf_failed(&out));
	if (strcmp(buf_str(&out), text) != 0)
		fail_msg("'%s' gave '%s', not '%s'", html, buf_str(&out), text);
	buf_release(&out);
}

static void
test_blocks(void **state)
{
	(void)state;
	expect("<p>Hallo <b>buren</b></p><p>Tweede alinea</p>",
	    "Hallo buren\n\nTweede alinea");
	expect("a<br>b<br><br>c<BR/>d", "a\nb\n\nc\nd");
	expect("<div>een</div><div>twee</div>", "een\ntwee");
	expect("<h1>Kop</h1>tekst", "Kop\n\ntekst");
	expect("<ul><li>een</li><li> twee </li></ul>na", "- een\n- twee\n\nna");
	expect("<ol>\n<li>a\n<li>b\n</ol>", "- a\n- b");
	expect("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table>",
	    "a b\nc");
	expect("<blockquote>citaat</blockquote>", "citaat");
	expect("<hr>x", "x");
}

static void
test_hidden(void **state)
{
	(void)state;
	expect("<html><head><title>T</title><style>p { color: red }</style>"
	    "<meta charset=utf-8></head><body>x<script>var a = '<p>';</script>"
	    "y</body></html>", "xy");
	expect("<HEAD><TITLE>kop</TITLE><BODY>romp", "romp");
	expect("<head><title>geen einde</title>romp", "romp");
	expect("<title>alleen</title>tekst", "tekst");
	expect("a<!-- <p>weg</p> -->b", "ab");
	expect("a<!-- nooit gesloten", "a");
	expect("<!DOCTYPE html><?xml version=\"1.0\"?>x", "x");
	expect("<style>onafgesloten", "");
	expect("<o:p></o:p>Outlook<o:p>&nbsp;</o:p>", "Outlook");
}

static void
test_inline(void **state)
{
	(void)state;
	expect("<a href=\"http://example.org/?a=1&b=2\">de tekst</a>", "de tekst");
	expect("<img alt=\"a>b\" src=x>na", "na");
	expect("<a title='it\"s'>x</a>", "x");
	expect("<span\nclass=x>y</span>", "y");
	expect("a < b en c<3", "a < b en c<3");
	expect("x <  y", "x < y");
}

static void
test_entities(void **state)
{
	(void)state;
	expect("&amp; &lt; &gt; &quot; &#39; &apos;", "& < > \" ' '");
	expect("&#x20AC; &#8364; &euro; &eacute;&euml; &copy;", "€ € € éë ©");
	expect("&#128;&#150;", "€–");
	expect("&bogus; &#xD800; &#0; &#1114112;", "&bogus; \xef\xbf\xbd "
	    "\xef\xbf\xbd \xef\xbf\xbd");
	expect("a&nbsp;&nbsp;b", "a b");
	expect("&amp zonder puntkomma &lt", "& zonder puntkomma <");
	expect("x&zwnj;&shy;y", "xy");
	expect("&#x;&#;&", "&#x;&#;&");
	expect("&#99999999999999999999;", "\xef\xbf\xbd");
}

static void
test_whitespace(void **state)
{
	(void)state;
	expect("  a \n\t  b  ", "a b");
	expect("<p></p><p> </p><div></div>x<br><br><br><br>y", "x\n\ny");
	expect("<br><br>begin", "begin");
	expect("einde<br><br>", "einde");
	expect("<pre>a  b\n  c</pre>d", "a  b\n  c\n\nd");
	expect("", "");
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Shapes that would make a naive converter quadratic. */
static void
test_linear(void **state)
{
	static const char *const pieces[] = {
		"<title>", "<head>", "<a b='", "<!-- -- ", "&#", "<", "&amp",
	};
	struct buf in = BUF_INIT, out = BUF_INIT;
	double t0 = now_sec();
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		buf_reset(&in);
		buf_reset(&out);
		for (k = 0; k < 200000; k++)
			buf_adds(&in, pieces[i]);
		html_to_text(&out, in.buf, in.len);
		assert_false(buf_failed(&out));
		assert_true(charset_utf8_valid(buf_str(&out), out.len));
	}
	if (now_sec() - t0 > 5.0)
		fail_msg("took %.1f s", now_sec() - t0);
	buf_release(&in);
	buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

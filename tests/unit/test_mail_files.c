/*
 * test_mail_files.c - the MIME parser on mail files: the project's own
 * test mails (tests/data, with EXPECTED.tsv) and, when it is there, the
 * shared corpus of real-world mails and the fuzz seeds beside the tree.
 * Every assertion on the shared corpus has its like on tests/data.
 */
#include "unit.h"

#include <dirent.h>

#include "buf.h"
#include "fileio.h"
#include "mail.h"

/* ==== the project's own test mails (tests/data) ======================== */

/* "malformed,no-from" to mail flags; fails on a name it does not know */
static unsigned
flags_of(const char *file, const char *names)
{
	static const struct {
		const char *name;
		unsigned flag;
	} f[] = {
		{ "malformed", MAIL_MALFORMED },
		{ "limit-parts", MAIL_LIMIT_PARTS },
		{ "limit-depth", MAIL_LIMIT_DEPTH },
		{ "limit-headers", MAIL_LIMIT_HEADERS },
		{ "limit-line", MAIL_LIMIT_LINE },
		{ "no-from", MAIL_NO_FROM },
		{ "html-only", MAIL_HTML_ONLY },
		{ "bad-charset", MAIL_BAD_CHARSET },
		{ "8bit-headers", MAIL_8BIT_HEADERS },
		{ "no-text", MAIL_NO_TEXT },
	};
	unsigned flags = 0;
	size_t i, n;
	const char *p = names;

	if (strcmp(names, "-") == 0)
		return 0;
	while (*p != '\0') {
		n = strcspn(p, ",");
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (strlen(f[i].name) == n && strncmp(p, f[i].name, n) == 0)
				break;
		if (i == sizeof(f) / sizeof(f[0]))
			fail_msg("%s: unknown flag in '%s'", file, names);
		flags |= f[i].flag;
		p += n + (p[n] == ',');
	}
	return flags;
}

struct data_count {
	int files, malformed, limits;
};

static void
check_data_file(const struct unit_expected *e, void *arg)
{
	static const struct mail_limits tight = { 10, 3, 50, 200 };
	struct data_count *c = arg;
	unsigned want = flags_of(e->path, e->flags);
	struct mail *m;

	m = unit_data_mail(e->path);
	unit_check_mail(e->path, m);
	if (m->flags != want)
		fail_msg("%s: flags %#x (%s), EXPECTED.tsv says %#x (%s)",
		    e->path, m->flags, m->notes ? m->notes : "no notes",
		    want, e->flags);
	if (m->flags & (MAIL_MALFORMED | MAIL_LIMITS | MAIL_BAD_CHARSET))
		assert_non_null(m->notes);
	c->malformed += (m->flags & MAIL_MALFORMED) != 0;
	c->limits += (m->flags & MAIL_LIMITS) != 0;
	mail_free(m);
	/* the same file under tight limits holds to the same promises */
	m = unit_mail_file(unit_data_dir(), e->path, &tight);
	assert_non_null(m);
	unit_check_mail(e->path, m);
	mail_free(m);
	c->files++;
}

/*
 * Every mail of tests/data parses to valid strings with exactly the
 * flags EXPECTED.tsv gives, under the default limits and tight ones.
 */
static void
test_data_files(void **state)
{
	struct data_count c = { 0, 0, 0 };
	int lines;

	(void)state;
	lines = unit_data_each(check_data_file, &c);
	assert_int_equal(lines, c.files);
	assert_true(c.files >= 70);
	assert_true(c.malformed >= 8);
	assert_true(c.limits >= 2);
}

static void
test_data_encoded_headers(void **state)
{
	struct mail *m;

	(void)state;
	/* RFC 2047 Q, UTF-8 */
	m = unit_data_mail("post/iphone-qp-subject.eml");
	assert_string_equal(m->subject, "Fietsendief op heterdaad – Stationsplein");
	assert_string_equal(m->from_name, "Sanne Visser");
	assert_string_equal(m->from_addr, "sanne.visser@example.org");
	mail_free(m);
	/* RFC 2047 B, UTF-8, in two words */
	m = unit_data_mail("post/android-gmail-base64.eml");
	assert_string_equal(m->subject,
	    "Rookontwikkeling bij de garageboxen – brandweer gebeld");
	mail_free(m);
	/* ISO-8859-1 in the name and the subject */
	m = unit_data_mail("encoding/latin1-headers-qp.eml");
	assert_string_equal(m->from_name, "René Smeets");
	assert_string_equal(m->subject, "Verdachte situatie bij café De Hoek");
	assert_non_null(strstr(m->text, "Eén van hen heeft een grote tas"));
	mail_free(m);
	/* plain words and encoded words in one subject */
	m = unit_data_mail("encoding/partially-encoded-subject.eml");
	assert_string_equal(m->subject,
	    "Hond loopt los op het Schoolplein – eigenaar gezocht");
	mail_free(m);
	/* the whole subject in encoded words, the tag among them */
	m = unit_data_mail("reply/gmail-en.eml");
	assert_string_equal(m->subject,
	    "Re: [BPT Binnenbijster #8] Verdachte situatie bij café De Hoek");
	mail_free(m);
	/* RFC 6532: raw UTF-8; the address is not ASCII, so unusable */
	m = unit_data_mail("nonmember/rfc6532-utf8-headers.eml");
	assert_string_equal(m->from_name, "Zoë de Bruijn");
	assert_string_equal(m->subject, "Vreemde geluiden bij de schuur van nr 3");
	assert_null(m->from_addr);
	assert_true(m->flags & MAIL_NO_FROM);
	assert_true(m->flags & MAIL_8BIT_HEADERS);
	mail_free(m);
	/* raw windows-1252 bytes in From and Subject */
	m = unit_data_mail("malformed/8bit-cp1252-headers.eml");
	assert_string_equal(m->subject,
	    "Café De Hoek: ruzie op straat, politie is er al");
	assert_string_equal(m->from_name, "Ria Mulder – Populierenstraat");
	assert_string_equal(m->from_addr, "ria.mulder@example.org");
	assert_true(m->flags & MAIL_8BIT_HEADERS);
	mail_free(m);
	/* an unknown charset and broken base64 */
	m = unit_data_mail("malformed/unknown-charset-bad-base64.eml");
	assert_true(m->flags & MAIL_BAD_CHARSET);
	assert_true(m->flags & MAIL_NO_FROM);
	assert_non_null(m->subject);
	mail_free(m);
	/* ISO-2022-JP, stateful, in encoded words */
	m = unit_data_mail("encoding/iso-2022-jp.eml");
	assert_string_equal(m->from_name, "田中ゆき");
	assert_string_equal(m->subject, "Join / 参加したいです");
	mail_free(m);
	/* the header is read when the MIME structure is not */
	m = unit_data_mail("malformed/unterminated-boundary-quote.eml");
	assert_string_equal(m->from_name, "Henk Visser");
	assert_string_equal(m->subject, "Melding van de camera bij de poort");
	mail_free(m);
}

static void
test_data_body_charsets(void **state)
{
	struct mail *m;

	(void)state;
	m = unit_data_mail("post/windows-1252-8bit.eml");
	assert_non_null(strstr(m->text, "dat hij van ‘de energie’ is. Hij "
	    "vraagt € 50 contant voor een “controle”\n"));
	assert_int_equal(m->flags, 0);
	mail_free(m);
	m = unit_data_mail("post/outlook-exchange-latin1.eml");
	assert_non_null(strstr(m->text, "Eén droeg een rode jas,"));
	mail_free(m);
	/* UTF-8 8bit, format=flowed lines joined */
	m = unit_data_mail("post/thunderbird-utf8-8bit.eml");
	assert_non_null(strstr(m->text, "op een scooter zonder kenteken door "
	    "de overdekte passage"));
	assert_non_null(strstr(m->text, "\n--\nWim Hendriks · Lindelaan 22\n"));
	mail_free(m);
	m = unit_data_mail("encoding/base64-root.eml");
	assert_string_equal(m->text, "Alle lantaarnpalen in de Beukenstraat "
	    "zijn uit, van de kerk tot aan het\nspeeltuintje. Het is daar nu "
	    "echt donker. Ik heb het bij de gemeente gemeld,\nmaar let op als "
	    "je daar vanavond nog loopt.\n\nGroetjes, Els\n");
	mail_free(m);
	m = unit_data_mail("post/android-gmail-base64.eml");
	assert_int_equal(strncmp(m->text, "Er komt rook uit een van de "
	    "garageboxen", 37), 0);
	mail_free(m);
	m = unit_data_mail("encoding/iso-2022-jp.eml");
	assert_non_null(strstr(m->text, "\nこんにちは。リンデラーン5番地に住んでいます。\n"));
	assert_int_equal(m->flags, 0);
	mail_free(m);
	m = unit_data_mail("encoding/iso-8859-15-euro.eml");
	assert_non_null(strstr(m->text, "Hij vraagt € 10 per huis"));
	mail_free(m);
	/* Exchange's label for UTF-7 is known, and decoded */
	m = unit_data_mail("bounce/exchange-ndr-utf7-label.eml");
	assert_false(m->flags & MAIL_BAD_CHARSET);
	assert_non_null(strstr(m->text, "De afzender is hierover geïnformeerd."));
	mail_free(m);
	/* a charset nobody defines: flagged, read as bytes */
	m = unit_data_mail("malformed/unknown-charset-body.eml");
	assert_true(m->flags & MAIL_BAD_CHARSET);
	assert_non_null(strstr(m->notes, "x-user-defined"));
	assert_non_null(strstr(m->text, "rondjes bij de café."));
	mail_free(m);
}

static void
test_data_html(void **state)
{
	struct mail *m;

	(void)state;
	m = unit_data_mail("html/html-only-webmail.eml");
	assert_true(m->flags & MAIL_HTML_ONLY);
	assert_string_equal(m->text, "Er zitten vier jongeren op het dak van "
	    "de gymzaal aan de Kerkweg.\n\nZe gooien met stenen naar de "
	    "ramen.\n\nFatima\n");
	mail_free(m);
	m = unit_data_mail("html/mbox-from-no-subject.eml");
	assert_true(m->flags & MAIL_HTML_ONLY);
	assert_null(strchr(m->text, '<'));
	assert_non_null(strstr(m->text, "de achterdeuren open. Er worden "
	    "fietsen ingeladen.\n"));
	assert_null(m->subject);
	assert_string_equal(m->from_addr, "henk.visser@example.net");
	assert_string_equal(m->envelope_to, "bpt@binnenbijster.example");
	mail_free(m);
	/* multipart/alternative: the plain text wins */
	m = unit_data_mail("post/outlook-exchange-latin1.eml");
	assert_false(m->flags & MAIL_HTML_ONLY);
	assert_int_equal(m->natt, 0);
	assert_null(strchr(m->text, '<'));
	assert_null(strstr(m->text, "MsoNormal"));
	mail_free(m);
	m = unit_data_mail("post/gmail-alternative-qp.eml");
	assert_false(m->flags & MAIL_HTML_ONLY);
	assert_int_equal(m->natt, 0);
	assert_string_equal(m->text, "Er loopt een man met een zwarte capuchon "
	    "langs de schuurtjes achter de\nLindelaan. Hij probeert bij elke "
	    "schuur de deur. Ik heb om 21:02 112 gebeld,\nde politie komt.\n\n"
	    "Hij kwam op een grijze scooter, die staat bij het hek van nummer "
	    "40.\n\nGroet,\nJan\n");
	mail_free(m);
}

static void
test_data_attachments(void **state)
{
	static const char pdf_sha[] =
	    "e5d53f344c157a778480573e6a2125a1799380a8cf6fd971b632ebca7fa4adfb";
	struct mail *m;

	(void)state;
	m = unit_data_mail("attachment/pdf-crlf.eml");
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "Verslag buurtschouw.pdf");
	assert_string_equal(m->att[0].content_type, "application/pdf");
	assert_int_equal(m->att[0].size, 463);
	assert_string_equal(m->att[0].sha256, pdf_sha);
	assert_memory_equal(m->att[0].data, "%PDF-1.4\n", 9);
	assert_false(m->att[0].is_inline);
	assert_false(m->att[0].in_forward);
	assert_string_equal(m->content_type, "multipart/mixed");
	mail_free(m);
	/* the same with LF line ends gives the same bytes */
	m = unit_data_mail("attachment/pdf-lf.eml");
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].sha256, pdf_sha);
	mail_free(m);
	/* raw 8-bit file name */
	m = unit_data_mail("attachment/raw-8bit-filename.eml");
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "route-één.txt");
	assert_string_equal(m->att[0].content_type, "text/plain");
	assert_int_equal(m->att[0].size, 31);
	assert_string_equal(m->text, "De looproute voor zondagavond zit in de "
	    "bijlage.\n");
	mail_free(m);
	/* RFC 2231 file name in ISO-8859-1, inline image, no text */
	m = unit_data_mail("attachment/rfc2231-latin1-inline-image.eml");
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "Fiets bij café De Hoek.jpg");
	assert_string_equal(m->att[0].content_type, "image/jpeg");
	assert_int_equal(m->att[0].size, 1500);
	assert_memory_equal(m->att[0].data, "\xff\xd8\xff\xe0", 4);
	assert_true(m->att[0].is_inline);
	assert_true(m->flags & MAIL_NO_TEXT);
	mail_free(m);
	/* Outlook's inline image, found by its Content-ID */
	m = unit_data_mail("html/outlook-related-inline-image.eml");
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].content_type, "image/png");
	assert_string_equal(m->att[0].content_id,
	    "image001.png@01DB41D3.5E2A7B10");
	assert_true(m->att[0].is_inline);
	assert_int_equal(m->att[0].size, 69);
	assert_memory_equal(m->att[0].data, "\x89PNG\r\n\x1a\n", 8);
	assert_non_null(strstr(m->text, "kenteken VX-482-N"));
	mail_free(m);
	/* a top-level attachment without text */
	m = unit_data_mail("attachment/pdf-only-scanner.eml");
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "scan0001.pdf");
	assert_string_equal(m->att[0].content_type, "application/pdf");
	assert_true(m->flags & MAIL_NO_TEXT);
	assert_string_equal(m->text, "");
	mail_free(m);
	/* base64 cut off halfway: what is there is kept */
	m = unit_data_mail("malformed/truncated-base64.eml");
	assert_int_equal(m->natt, 1);
	assert_true(m->att[0].size > 4 && m->att[0].size < 900);
	assert_memory_equal(m->att[0].data, "\xff\xd8\xff\xe0", 4);
	mail_free(m);
}

static void
test_data_forward(void **state)
{
	struct mail *m;

	(void)state;
	m = unit_data_mail("attachment/forward-as-attachment.eml");
	assert_non_null(strstr(m->text, "Ter info, dit kreeg ik vanochtend van "
	    "de wijkagent.\n\nKees\n\n"
	    "---------- Doorgestuurd bericht ----------\n"
	    "Van: Wijkagent Zuid <wijkagent.zuid@politie.example>\n"
	    "Datum: 29-11-2026 09:30\n"
	    "Onderwerp: Inbraakgolf Binnenbijster\n\n"
	    "Beste buurtbewoners,\n"));
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "flyer.pdf");
	assert_true(m->att[0].in_forward);
	mail_free(m);
	/* a forwarded message whose own body is missing; the inline image
	 * of the outer message is not in a forward */
	m = unit_data_mail("attachment/forward-inline-image.eml");
	assert_non_null(strstr(m->text, "Onderwerp: Melding ontvangen"));
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "lamp.png");
	assert_true(m->att[0].is_inline);
	assert_false(m->att[0].in_forward);
	mail_free(m);
	/* an attached message with nothing in it */
	m = unit_data_mail("malformed/empty-attached-message.eml");
	assert_true(m->flags & MAIL_MALFORMED);
	assert_non_null(strstr(m->notes, "empty attached message"));
	assert_string_equal(m->text, "Het bericht van de buren zit als bijlage "
	    "hieronder.\n");
	mail_free(m);
}

static void
test_data_dsn(void **state)
{
	struct mail *m;

	(void)state;
	m = unit_data_mail("bounce/postfix-dsn-failed.eml");
	assert_non_null(m->dsn);
	assert_non_null(strstr(m->dsn, "Status: 5.1.1"));
	assert_non_null(strstr(m->dsn, "Final-Recipient: rfc822; g.devos@example.net"));
	assert_non_null(m->dsn_original);
	assert_non_null(strstr(m->dsn_original, "Subject: [BPT Binnenbijster #1] "
	    "Verdachte man bij de schuurtjes achter de Lindelaan"));
	assert_null(strchr(m->dsn, '\r'));
	mail_free(m);
	/* the whole message returned (message/rfc822) */
	m = unit_data_mail("bounce/gmail-dsn-no-such-user.eml");
	assert_non_null(strstr(m->dsn, "Status: 5.1.1"));
	assert_non_null(m->dsn_original);
	assert_non_null(strstr(m->dsn_original, "Message-ID: <bpt.1."));
	mail_free(m);
	/* message/rfc822-headers, as some report writers label it */
	m = unit_data_mail("autoreply/challenge-response-report.eml");
	assert_non_null(m->dsn);
	assert_non_null(m->dsn_original);
	mail_free(m);
	/* SMTPUTF8: message/global-delivery-status, message/global-headers */
	m = unit_data_mail("bounce/postfix-smtputf8-global.eml");
	assert_non_null(m->dsn);
	assert_non_null(strstr(m->dsn, "Status: 5.2.1"));
	assert_non_null(m->dsn_original);
	mail_free(m);
	/* a text bounce is no DSN */
	m = unit_data_mail("bounce/exim-text-user-unknown.eml");
	assert_null(m->dsn);
	assert_null(m->dsn_original);
	mail_free(m);
}

static void
test_data_framing(void **state)
{
	struct mail *m;

	(void)state;
	/* a blank line before the header */
	m = unit_data_mail("malformed/leading-blank-line.eml");
	assert_true(m->flags & MAIL_MALFORMED);
	assert_string_equal(m->from_addr, "ahmed.elamrani@example.net");
	assert_string_equal(m->in_reply_to,
	    "CAH4mWd0k3xT7pQe1Lr2v8Gz5nYbF4sUo6iJ-qA9@mail.example.org");
	mail_free(m);
	/* NUL bytes, CRLF, no newline at the end */
	m = unit_data_mail("malformed/nul-bytes-crlf.eml");
	assert_string_equal(m->subject, "Alarm garage");
	assert_string_equal(m->text, "Alarm garagebox 12 gaat af.\nIemand in "
	    "de buurt?\n");
	mail_free(m);
	/* CRLF line ends give LF */
	m = unit_data_mail("post/apple-mail-alternative-crlf.eml");
	assert_null(strchr(m->text, '\r'));
	assert_non_null(strstr(m->text, "donkere\nstationwagen"));
	mail_free(m);
	/* a second Subject: the first counts, the mail is flagged */
	m = unit_data_mail("malformed/two-subjects.eml");
	assert_true(m->flags & MAIL_MALFORMED);
	assert_non_null(strstr(m->notes, "more than one Subject"));
	assert_string_equal(m->subject, "Melding van de camera bij de schuur");
	mail_free(m);
	/* past a limit: the header is read, the body is not */
	m = unit_data_mail("malformed/nested-too-deep.eml");
	assert_int_equal(m->flags & MAIL_LIMITS, MAIL_LIMIT_DEPTH);
	assert_string_equal(m->subject, "Doorgestuurd, doorgestuurd, doorgestuurd");
	assert_string_equal(m->text, "");
	mail_free(m);
	m = unit_data_mail("malformed/too-many-parts.eml");
	assert_int_equal(m->flags & MAIL_LIMITS, MAIL_LIMIT_PARTS);
	assert_string_equal(m->text, "");
	mail_free(m);
}

/* ==== the shared corpus, when it is there ============================== */

/* A file of the shared corpus (path relative to it); the calling test
 * has called unit_need_corpus(). */
static struct mail *
corpus_file(const char *rel, const struct mail_limits *lim)
{
	struct mail *m = unit_mail_file(unit_corpus_dir(), rel, lim);

	if (m == NULL)
		fail_msg("cannot read %s/%s", unit_corpus_dir(), rel);
	return m;
}

/* malformed/ files that are not broken in their structure: a typo in a
 * parameter, an unquoted boundary libetpan reads, an mbox line, a
 * mangled but well-formed PGP/MIME message, recipient lists bpt does
 * not read (a second Cc, an empty element in To) */
static const char *const not_broken[] = {
	"malformed/bad-date-text-html-charest.eml",
	"malformed/illegal-boundary.eml",
	"malformed/mbox-from-no-subject-html.eml",
	"malformed/notmuch-mixed-up.eml",
	"malformed/notmuch-broken-cc.eml",
	"malformed/weird-to-empty-subject.eml",
	NULL
};

static int
listed(const char *path, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(path, *list) == 0)
			return 1;
	return 0;
}

static void
test_corpus(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf tsv = BUF_INIT, path = BUF_INIT;
	char *line, *save = NULL;
	int count = 0;

	(void)state;
	unit_need_corpus();
	buf_addf(&path, "%s/EXPECTED.tsv", unit_corpus_dir());
	assert_int_equal(fio_read_file(&ctx, path.buf, 0, &tsv), BPT_OK);
	for (line = strtok_r(tsv.buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct mail *m;
		char *tab = strchr(line, '\t');

		if (line[0] == '#' || tab == NULL)
			continue;
		*tab = '\0';
		m = corpus_file(line, NULL);
		unit_check_mail(line, m);
		if (strncmp(line, "malformed/", 10) == 0 &&
		    !listed(line, not_broken) && !(m->flags & MAIL_MALFORMED))
			fail_msg("%s: not flagged malformed", line);
		if ((strncmp(line, "plain/", 6) == 0 ||
		    strncmp(line, "reply/", 6) == 0) &&
		    (m->flags & (MAIL_MALFORMED | MAIL_LIMITS)))
			fail_msg("%s: flagged %#x (%s)", line, m->flags, m->notes);
		if (m->flags & MAIL_MALFORMED)
			assert_non_null(m->notes);
		mail_free(m);
		count++;
	}
	assert_true(count >= 120);
	buf_release(&tsv);
	buf_release(&path);
}

static void
test_corpus_encoded_headers(void **state)
{
	struct mail *m;

	(void)state;
	unit_need_corpus();
	m = corpus_file("encoding/euc-kr-subject.eml", NULL);
	assert_string_equal(m->subject, "NOTE: 한국말로 하는 것");
	assert_string_equal(m->from_name, "Jamis Buck");
	assert_string_equal(m->from_addr, "jamis@37signals.com");
	mail_free(m);
	m = corpus_file("encoding/french-accentue.eml", NULL);
	assert_string_equal(m->subject, "Essai accentué");
	assert_non_null(strstr(m->text, "Du texte accentué pour ça"));
	mail_free(m);
	m = corpus_file("encoding/japanese-utf8-b.eml", NULL);
	assert_string_equal(m->subject, "まみむめも");
	mail_free(m);
	m = corpus_file("encoding/norwegian-iso8859-1-name.eml", NULL);
	assert_string_equal(m->from_name, "Jørn Støylen");
	mail_free(m);
	m = corpus_file("encoding/partially-encoded-subject.eml", NULL);
	assert_string_equal(m->subject, "Re: Test: \"漢字\" mid \"漢字\" tail");
	mail_free(m);
	m = corpus_file("encoding/windows-1251-name.eml", NULL);
	assert_string_equal(m->from_name, "Атиковa");
	mail_free(m);
	/* RFC 6532: raw UTF-8; the address is not ASCII, so unusable */
	m = corpus_file("encoding/rfc6532-utf8-headers.eml", NULL);
	assert_string_equal(m->from_name, "Jöhn Doe");
	assert_string_equal(m->subject, "Säying Hello");
	assert_null(m->from_addr);
	assert_true(m->flags & MAIL_NO_FROM);
	assert_true(m->flags & MAIL_8BIT_HEADERS);
	mail_free(m);
	/* raw Windows-1252 bytes in the subject */
	m = corpus_file("malformed/8bit-subject-invalid.eml", NULL);
	assert_string_equal(m->subject, "Formação FrenetikPolis: Mega Campanha "
	    "Final Verão | Cursos de Setembro");
	assert_string_equal(m->from_name, "Formação Frenetikpolis");
	assert_true(m->flags & MAIL_8BIT_HEADERS);
	mail_free(m);
	/* an unknown charset and broken base64 */
	m = corpus_file("malformed/bad-encoded-subject-only.eml", NULL);
	assert_true(m->flags & MAIL_BAD_CHARSET);
	assert_true(m->flags & MAIL_NO_FROM);
	assert_non_null(m->subject);
	mail_free(m);
	m = corpus_file("malformed/missing-boundary-end.eml", NULL);
	assert_string_equal(m->from_name, "MySurvey.com & Carol Adams");
	assert_string_equal(m->subject,
	    "MySurvey.com: You have a survey waiting! 91123105");
	mail_free(m);
}

static void
test_corpus_body_charsets(void **state)
{
	struct mail *m;

	(void)state;
	unit_need_corpus();
	m = corpus_file("encoding/japanese-iso-2022-jp.eml", NULL);
	assert_string_equal(m->text, "すみません。\n");
	mail_free(m);
	m = corpus_file("encoding/japanese-shift-jis.eml", NULL);
	assert_non_null(strstr(m->text, "あいうえお\n\nこのメールはテスト用のメールです。"));
	mail_free(m);
	m = corpus_file("encoding/korean-ks-c-5601.eml", NULL);
	assert_string_equal(m->text, "스티해\n");
	mail_free(m);
	m = corpus_file("bounce/exchange-dsn-utf7-label.eml", NULL);
	assert_false(m->flags & MAIL_BAD_CHARSET);
	mail_free(m);
}

static void
test_corpus_html_only(void **state)
{
	struct mail *m;

	(void)state;
	unit_need_corpus();
	m = corpus_file("html/notmuch-attribute-text.eml", NULL);
	assert_true(m->flags & MAIL_HTML_ONLY);
	assert_string_equal(m->text, "hunter2\n");
	mail_free(m);
	m = corpus_file("malformed/mbox-from-no-subject-html.eml", NULL);
	assert_true(m->flags & MAIL_HTML_ONLY);
	assert_null(strchr(m->text, '<'));
	assert_non_null(strstr(m->text, "Labdien, mes loti atvainojamies"));
	assert_non_null(strstr(m->text, "Paldies par sapratni."));
	assert_null(m->subject);
	assert_string_equal(m->from_addr, "ameriks@amerimail.lv");
	assert_string_equal(m->envelope_to, "bratchka@amerimail.lv");
	mail_free(m);
	/* multipart/alternative: the plain text wins */
	m = corpus_file("html/outlook-express-alternative.eml", NULL);
	assert_false(m->flags & MAIL_HTML_ONLY);
	assert_int_equal(m->natt, 0);
	assert_null(strchr(m->text, '<'));
	mail_free(m);
}

static void
test_corpus_attachments(void **state)
{
	static const char pdf_sha[] =
	    "c7d1b9b20df8a2bf2f1e0d00d84bcb56d05e56a044be7f3616f6e99f4a18bd0d";
	struct mail *m;

	(void)state;
	unit_need_corpus();
	m = corpus_file("attachment/pdf-crlf.eml", NULL);
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "broken.pdf");
	assert_string_equal(m->att[0].content_type, "application/pdf");
	assert_int_equal(m->att[0].size, 1026);
	assert_string_equal(m->att[0].sha256, pdf_sha);
	assert_memory_equal(m->att[0].data, "%PDF-1.4", 8);
	assert_false(m->att[0].is_inline);
	assert_false(m->att[0].in_forward);
	assert_string_equal(m->content_type, "multipart/mixed");
	mail_free(m);
	/* the same with LF line ends gives the same bytes */
	m = corpus_file("attachment/pdf-lf.eml", NULL);
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].sha256, pdf_sha);
	mail_free(m);
	/* raw 8-bit file name */
	m = corpus_file("attachment/nonascii-filename.eml", NULL);
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "ciële.txt");
	assert_string_equal(m->att[0].content_type, "text/plain");
	assert_int_equal(m->att[0].size, 11);
	mail_free(m);
	/* RFC 2231 file name in ISO-8859-1, inline image */
	m = corpus_file("attachment/apple-quoted-filename.eml", NULL);
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "Eelanalüüsi päring.jpg");
	assert_string_equal(m->att[0].content_type, "image/jpeg");
	assert_int_equal(m->att[0].size, 1952);
	assert_true(m->att[0].is_inline);
	assert_true(m->flags & MAIL_NO_TEXT);
	mail_free(m);
	/* a top-level attachment without text */
	m = corpus_file("attachment/gzip-only-body.eml", NULL);
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "blah.gz");
	assert_string_equal(m->att[0].content_type, "application/x-gzip");
	assert_true(m->flags & MAIL_NO_TEXT);
	assert_string_equal(m->text, "");
	mail_free(m);
}

static void
test_corpus_forward(void **state)
{
	struct mail *m;

	(void)state;
	unit_need_corpus();
	m = corpus_file("attachment/message-rfc822.eml", NULL);
	assert_non_null(strstr(m->text, "This is the first part.\n\n"
	    "---------- Doorgestuurd bericht ----------\n"
	    "Van: Test Tester <xxxx@xxxx.com>\n"
	    "Datum: 10-05-2005 11:26\n"
	    "Onderwerp: Another PDF\n\n"
	    "Just attaching another PDF"));
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "broken.pdf");
	assert_true(m->att[0].in_forward);
	mail_free(m);
	/* forwarded message whose own body is missing; the inline image
	 * of the outer message is not in a forward */
	m = corpus_file("attachment/rfc822-inline-image.eml", NULL);
	assert_non_null(strstr(m->text, "Onderwerp: Another PDF"));
	assert_int_equal(m->natt, 1);
	assert_string_equal(m->att[0].filename, "img.png");
	assert_true(m->att[0].is_inline);
	assert_false(m->att[0].in_forward);
	mail_free(m);
}

static void
test_corpus_dsn(void **state)
{
	struct mail *m;

	(void)state;
	unit_need_corpus();
	m = corpus_file("bounce/dsn-1.eml", NULL);
	assert_non_null(m->dsn);
	assert_non_null(strstr(m->dsn, "Status: 5.0.0"));
	assert_non_null(strstr(m->dsn, "Final-recipient: rfc822;JimmyMcEgypt"));
	assert_non_null(m->dsn_original);
	assert_non_null(strstr(m->dsn_original,
	    "Subject: [JPython] Re: JPython testing framework"));
	assert_null(strchr(m->dsn, '\r'));
	mail_free(m);
	/* message/rfc822-headers, a variant some MTAs write */
	m = corpus_file("bounce/dsn-5-delayed.eml", NULL);
	assert_non_null(m->dsn);
	assert_non_null(m->dsn_original);
	mail_free(m);
	/* a text bounce is no DSN */
	m = corpus_file("bounce/qmail-1.eml", NULL);
	assert_null(m->dsn);
	mail_free(m);
}

/* Blank lines before the header. */
static void
test_corpus_framing(void **state)
{
	struct mail *m;

	(void)state;
	unit_need_corpus();
	m = corpus_file("malformed/discourse-dutch-leading-blank-line.eml", NULL);
	assert_true(m->flags & MAIL_MALFORMED);
	assert_string_equal(m->from_addr, "walter.white@googlemail.com");
	assert_string_equal(m->in_reply_to,
	    "51efeb9b36c34_66dc2dfce6811866@discourse.mail");
	mail_free(m);
}

/* The inputs that once crashed libetpan's MIME parser. */
static void
test_fuzz_seeds(void **state)
{
	struct mail_limits tight = { 10, 3, 50, 200 };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf dir = BUF_INIT, path = BUF_INIT, b = BUF_INIT;
	struct dirent *de;
	struct mail *m;
	DIR *d;
	int count = 0;

	(void)state;
	unit_need_shared(unit_fuzz_seeds_dir(), "libetpan-mime-parse");
	buf_addf(&dir, "%s/libetpan-mime-parse", unit_fuzz_seeds_dir());
	d = opendir(dir.buf);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir.buf, de->d_name);
		buf_reset(&b);
		assert_int_equal(fio_read_file(&ctx, path.buf, 0, &b), BPT_OK);
		assert_int_equal(mail_parse(&ctx, buf_str(&b), b.len, NULL, &m),
		    BPT_OK);
		unit_check_mail(de->d_name, m);
		mail_free(m);
		assert_int_equal(mail_parse(&ctx, buf_str(&b), b.len, &tight, &m),
		    BPT_OK);
		unit_check_mail(de->d_name, m);
		mail_free(m);
		count++;
	}
	closedir(d);
	assert_true(count >= 16);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_files),
		cmocka_unit_test(test_data_encoded_headers),
		cmocka_unit_test(test_data_body_charsets),
		cmocka_unit_test(test_data_html),
		cmocka_unit_test(test_data_attachments),
		cmocka_unit_test(test_data_forward),
		cmocka_unit_test(test_data_dsn),
		cmocka_unit_test(test_data_framing),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_encoded_headers),
		cmocka_unit_test(test_corpus_body_charsets),
		cmocka_unit_test(test_corpus_html_only),
		cmocka_unit_test(test_corpus_attachments),
		cmocka_unit_test(test_corpus_forward),
		cmocka_unit_test(test_corpus_dsn),
		cmocka_unit_test(test_corpus_framing),
		cmocka_unit_test(test_fuzz_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

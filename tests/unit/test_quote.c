/* test_quote.c - folding quoted text out of replies. */
#include "unit.h"

#include "buf.h"
#include "fileio.h"
#include "mail.h"
#include "quote.h"

static void
folds_to(const char *in, const char *want, int want_folded)
{
	int folded = -1;
	char *got = quote_fold(in, &folded);

	assert_non_null(got);
	if (strcmp(got, want) != 0 || folded != want_folded)
		print_error("quote_fold(\"%s\")\n= \"%s\" (%d)\nwant \"%s\" (%d)\n",
		    in, got, folded, want, want_folded);
	assert_string_equal(got, want);
	assert_int_equal(folded, want_folded);
	free(got);
}

static void
test_gmail_nl(void **state)
{
	(void)state;
	/* Gmail web, Dutch, attribution wrapped over two lines */
	folds_to(
	    "Ik zag hem ook, liep richting de Kerkstraat.\n"
	    "\n"
	    "Op di 12 mrt 2024 om 21:04 schreef Jan Jansen <\n"
	    "jan.jansen@example.nl>:\n"
	    "\n"
	    "> Verdachte man met rugzak bij de speeltuin, 112 gebeld.\n"
	    "> Groet, Jan\n"
	    ">\n",
	    "Ik zag hem ook, liep richting de Kerkstraat.\n", 1);
	/* on one line, with a signature */
	folds_to(
	    "Klopt, hij staat nu bij nr 14.\n"
	    "\n"
	    "Groet,\n"
	    "Petra\n"
	    "\n"
	    "Op wo 13 mrt. 2024 om 07:12 schreef Petra de Vries <petra@example.nl>:\n"
	    "\n"
	    "> Zag iemand de blauwe bus?\n",
	    "Klopt, hij staat nu bij nr 14.\n\nGroet,\nPetra\n", 1);
}

static void
test_gmail_en_and_others(void **state)
{
	(void)state;
	folds_to(
	    "Thanks, I called 112.\r\n"
	    "\r\n"
	    "On Tue, Mar 12, 2024 at 9:04 PM Jan Jansen <jan@example.nl>\r\n"
	    "wrote:\r\n"
	    "\r\n"
	    "> Suspicious man near the playground.\r\n"
	    "> Jan\r\n",
	    "Thanks, I called 112.\n", 1);
	/* Thunderbird, Dutch */
	folds_to(
	    "Ik heb de politie gebeld.\n"
	    "\n"
	    "Op 12-03-2024 om 21:04 schreef Jan Jansen:\n"
	    "> Er loopt iemand bij de schuurtjes.\n",
	    "Ik heb de politie gebeld.\n", 1);
	/* Thunderbird, English, bottom-posted */
	folds_to(
	    "On 3/12/24 9:04 PM, Jan Jansen wrote:\n"
	    "> Someone is trying car doors.\n"
	    "\n"
	    "Seen him too, grey hoodie.\n",
	    "Seen him too, grey hoodie.\n", 1);
	/* French and German clients */
	folds_to(
	    "Je l'ai vu aussi.\n"
	    "\n"
	    "Le mar. 12 mars 2024 \xc3\xa0 21:04, Jan Jansen <jan@example.nl> a \xc3\xa9" "crit :\n"
	    "> Un homme suspect.\n",
	    "Je l'ai vu aussi.\n", 1);
	folds_to(
	    "Ich auch.\n"
	    "\n"
	    "Am 12.03.2024 um 21:04 schrieb Jan Jansen <jan@example.nl>:\n"
	    "> Verd\xc3\xa4" "chtiger Mann.\n",
	    "Ich auch.\n", 1);
}

static void
test_apple_iphone(void **state)
{
	(void)state;
	/* Apple Mail, Dutch, quote marked with ">" */
	folds_to(
	    "Hij is weg, fietste richting station.\n"
	    "\n"
	    "> Op 12 mrt. 2024 om 21:04 heeft Jan Jansen <jan@example.nl> het volgende geschreven:\n"
	    "> \n"
	    "> \xef\xbb\xbfVerdachte man met rugzak.\n",
	    "Hij is weg, fietste richting station.\n", 1);
	/* iPhone: device signature right before the quote */
	folds_to(
	    "Ja gezien, 112 gebeld.\n"
	    "\n"
	    "Verzonden vanaf mijn iPhone\n"
	    "\n"
	    "> Op 12 mrt. 2024 om 21:04 heeft Jan Jansen <jan@example.nl> het volgende geschreven:\n"
	    "> \n"
	    "> Verdachte man.\n",
	    "Ja gezien, 112 gebeld.\n", 1);
	/* Apple attribution without ">" lines: everything below goes */
	folds_to(
	    "Ok\xc3\xa9, ik let op.\n"
	    "\n"
	    "Op 12 mrt. 2024 om 21:04 heeft Jan Jansen <jan@example.nl> het\n"
	    "volgende geschreven:\n"
	    "\n"
	    "Verdachte man met rugzak.\n",
	    "Ok\xc3\xa9, ik let op.\n", 1);
	/* Android */
	folds_to(
	    "Zie hem ook\n"
	    "\n"
	    "-- \n"
	    "Verzonden vanaf mijn Android-apparaat met K-9 Mail.\n"
	    "\n"
	    "Op 12 maart 2024 21:04:00 CET schreef Jan Jansen <jan@example.nl>:\n"
	    ">Verdachte man.\n",
	    "Zie hem ook\n", 1);
	/* a device signature alone above the quote is kept: it is all the
	 * writer added */
	folds_to(
	    "Sent from my iPhone\n"
	    "\n"
	    "> On 12 Mar 2024, at 21:04, Jan <jan@example.nl> wrote:\n"
	    "> Hello\n",
	    "Sent from my iPhone\n", 1);
}

static void
test_outlook(void **state)
{
	(void)state;
	/* Outlook desktop, Dutch, separator line and header block */
	folds_to(
	    "Goedenavond,\n"
	    "\n"
	    "De politie is ter plaatse.\n"
	    "\n"
	    "Met vriendelijke groet,\n"
	    "Karel\n"
	    "\n"
	    "________________________________\n"
	    "Van: Jan Jansen <jan@example.nl>\n"
	    "Verzonden: dinsdag 12 maart 2024 21:04\n"
	    "Aan: bpt@binnenbijster.example\n"
	    "Onderwerp: [BPT Binnenbijster #12] Verdachte man\n"
	    "\n"
	    "Verdachte man met rugzak.\n",
	    "Goedenavond,\n\nDe politie is ter plaatse.\n\n"
	    "Met vriendelijke groet,\nKarel\n", 1);
	/* Outlook, bold keys from HTML conversion */
	folds_to(
	    "Gezien.\n"
	    "\n"
	    "*Van:* Jan Jansen <jan@example.nl>\n"
	    "*Verzonden:* dinsdag 12 maart 2024 21:04\n"
	    "*Aan:* bpt@binnenbijster.example\n"
	    "*Onderwerp:* Verdachte man\n"
	    "\n"
	    "Verdachte man.\n",
	    "Gezien.\n", 1);
	/* Outlook, English, Original Message */
	folds_to(
	    "I have informed the police.\n"
	    "\n"
	    "-----Original Message-----\n"
	    "From: Jan Jansen [mailto:jan@example.nl]\n"
	    "Sent: Tuesday, March 12, 2024 9:04 PM\n"
	    "To: bpt@binnenbijster.example\n"
	    "Subject: Suspicious man\n"
	    "\n"
	    "Suspicious man.\n",
	    "I have informed the police.\n", 1);
	/* Oorspronkelijk bericht (Samsung mail), no header block needed */
	folds_to(
	    "Dank je\n"
	    "\n"
	    "-------- Oorspronkelijk bericht --------\n"
	    "Datum: 12-03-2024 21:04 (GMT+01:00)\n"
	    "Van: Jan Jansen <jan@example.nl>\n"
	    "Aan: bpt@binnenbijster.example\n"
	    "Onderwerp: Verdachte man\n"
	    "\n"
	    "Verdachte man.\n",
	    "Dank je\n", 1);
	/* French Outlook, blank before the colon */
	folds_to(
	    "Vu.\n"
	    "\n"
	    "De : Jan Jansen <jan@example.nl>\n"
	    "Envoy\xc3\xa9 : mardi 12 mars 2024 21:04\n"
	    "\xc3\x80 : bpt@binnenbijster.example\n"
	    "Objet : Homme suspect\n"
	    "\n"
	    "Un homme suspect.\n",
	    "Vu.\n", 1);
}

static void
test_forward_stays(void **state)
{
	const char *fwd =
	    "Zie hieronder, dit kreeg ik van de wijkagent.\n"
	    "\n"
	    "---------- Doorgestuurd bericht ----------\n"
	    "Van: Wijkagent <wijkagent@politie.example>\n"
	    "Datum: 12-03-2024 21:04\n"
	    "Onderwerp: Inbraken\n"
	    "\n"
	    "Er zijn inbraken geweest in de Kerkstraat.\n";
	const char *yahoo =
	    "Prima.\n"
	    "\n"
	    "--- On Wed, 4/4/12, jan@example.nl <jan@example.nl> wrote:\n"
	    "\n"
	    "From: jan@example.nl <jan@example.nl>\n"
	    "Subject: Verdachte man\n"
	    "To: bpt@binnenbijster.example\n"
	    "Date: Wednesday, April 4, 2012, 10:23 PM\n"
	    "\n"
	    "Verdachte man.\n";

	(void)state;
	folds_to(fwd, fwd, 0);
	/* Yahoo classic: dashes before the attribution */
	folds_to(yahoo, "Prima.\n", 1);
}

static void
test_inline(void **state)
{
	(void)state;
	/* inline answers keep the new text between the quoted blocks */
	folds_to(
	    "Op 12-03-2024 om 21:04 schreef Jan Jansen:\n"
	    "> Welke kant liep hij op?\n"
	    "\n"
	    "Richting het park.\n"
	    "\n"
	    "> En had hij iets bij zich?\n"
	    ">\n"
	    "\n"
	    "Een rugzak, zwart.\n"
	    "\n"
	    "> Groet, Jan\n",
	    "Richting het park.\n\nEen rugzak, zwart.\n", 1);
	/* mutt style, no blank lines */
	folds_to(
	    "* Jan Jansen <jan@example.nl> [2024-03-12 21:04]:\n"
	    "> Welke auto?\n"
	    "Een blauwe Golf, 12-BDF-3.\n"
	    "> Zeker?\n"
	    "Ja.\n",
	    "Een blauwe Golf, 12-BDF-3.\n\nJa.\n", 1);
	/* Gnus with Supercite: any line naming an address and ending in
	 * ":" above quoted lines is an attribution; "JJ>" quotes */
	folds_to(
	    "Twas brillig at 14:00:54 12.03.2024 when jan@example.nl did gyre and gimble:\n"
	    "\n"
	    " JJ> Welke kant liep hij op?\n"
	    " JJ>\n"
	    "\n"
	    "Naar het park.\n",
	    "Naar het park.\n", 1);
	/* Gmail in Russian, attribution wrapped after the "<" */
	folds_to(
	    "Zag hem ook\n"
	    "02.04.2012 14:20 \xd0\xbf\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xb7\xd0\xbe"
	    "\xd0\xb2\xd0\xb0\xd1\x82\xd0\xb5\xd0\xbb\xd1\x8c \"jan@example.nl\" <\n"
	    "jan@example.nl> \xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0"
	    "\xd0\xbb:\n"
	    "\n"
	    "> Verdachte man\n"
	    ">\n",
	    "Zag hem ook\n", 1);
	/* a long line of new text is not taken for the start of an
	 * attribution below it */
	folds_to(
	    "Ik zag hem ook, hij liep richting de Kerkstraat en toen de hoek om.\n"
	    "On Tue, Mar 12, 2024 at 9:04 PM Jan <jan@example.nl> wrote:\n"
	    "> Verdachte man\n",
	    "Ik zag hem ook, hij liep richting de Kerkstraat en toen de hoek om.\n", 1);
	/* a plain "X schreef:" only goes with the ">" lines after it */
	folds_to(
	    "Jan schreef:\n"
	    "> Wie heeft hem gezien?\n"
	    "Ik.\n",
	    "Ik.\n", 1);
}

static void
test_nothing_to_fold(void **state)
{
	const char *plain = "Verdachte man bij de speeltuin.\n\nGroet,\nJan\n\n";

	(void)state;
	folds_to(plain, plain, 0);
	folds_to("", "", 0);
	/* prose that looks like a piece of an attribution */
	folds_to("Hij schreef iets op een briefje:\nKenteken onbekend.\n",
	    "Hij schreef iets op een briefje:\nKenteken onbekend.\n", 0);
	folds_to("Van: de buurvrouw gehoord dat hij weg is.\n",
	    "Van: de buurvrouw gehoord dat hij weg is.\n", 0);
	/* an address and a colon, but no quote below it */
	folds_to("Mail de politie op tips@example.nl:\nzij willen het weten.\n",
	    "Mail de politie op tips@example.nl:\nzij willen het weten.\n", 0);
	/* words with ">" in them are no Supercite quotes */
	folds_to("Prijs >100 euro\nA>B\n", "Prijs >100 euro\nA>B\n", 0);
	/* everything quoted: unchanged */
	folds_to("> alleen citaat\n> meer citaat\n",
	    "> alleen citaat\n> meer citaat\n", 0);
	folds_to("Op 12-03-2024 om 21:04 schreef Jan:\n> citaat\n",
	    "Op 12-03-2024 om 21:04 schreef Jan:\n> citaat\n", 0);
	/* a "Sent from" that is not right before a quote stays */
	folds_to("Sent from my iPhone, as I was out walking.\nMore text.\n",
	    "Sent from my iPhone, as I was out walking.\nMore text.\n", 0);
}

static void
test_null_and_folded_optional(void **state)
{
	char *s;

	(void)state;
	s = quote_fold(NULL, NULL);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	s = quote_fold("a\n> b\n", NULL);
	assert_string_equal(s, "a\n");
	free(s);
}


/*
 * The replies of tests/data keep exactly what their writers added;
 * mails with nothing quoted, and forwards, stay as they are.
 */
static void
test_data(void **state)
{
	static const struct {
		const char *file;
		const char *want;	/* NULL: unchanged, not folded */
	} c[] = {
		{ "reply/gmail-nl-own-thread.eml",
		    "Update: de politie is er en heeft hem bij het hek "
		    "aangehouden. Dank\niedereen voor het meekijken!\n" },
		{ "reply/outlook-van-verzonden.eml",
		    "Ik zie vanuit mijn keuken een zaklamp bij de schuren van 30 "
		    "tot 34.\n\nMet vriendelijke groet,\nPetra Bakker\n" },
		{ "reply/outlook-original-message.eml",
		    "I have the doorbell camera footage from 21:10, two men "
		    "walking towards the\npark. Will send it to the police.\n\n"
		    "Kees\n" },
		{ "reply/apple-mail-nl-crlf.eml",
		    "Hier achter ook iemand gezien, hij klom over het hek bij "
		    "nummer 36.\n\nMarieke\n" },
		{ "reply/iphone-nl.eml",
		    "Ik loop er nu langs, ze zijn net weggereden richting de "
		    "Kerkweg.\n" },
		{ "reply/android-gmail-nl.eml",
		    "Ik zag hem onder het viaduct, hij fietste richting de "
		    "Stationsweg.\n" },
		{ "reply/samsung-oorspronkelijk-bericht.eml",
		    "Ramen dicht hier, je ruikt het tot in de Beukenstraat.\n" },
		{ "reply/thunderbird-inline.eml",
		    "Bij ons heeft hij ook aangebeld, we hebben niet "
		    "opengedaan.\n\nKlopt, en hij had een blauwe map met "
		    "papieren bij zich.\n\nWim\n" },
		{ "reply/outlook-web-html-only.eml",
		    "Bij mij ook geweest, om 22:00. Ik heb de "
		    "energieleverancier gebeld: zij sturen niemand langs.\n" },
		{ "reply/gmail-en.eml",
		    "I saw them too, they left on foot towards the canal.\n" },
		{ "malformed/leading-blank-line.eml",
		    "Ik kom eraan met de hond, sta over vijf minuten bij het "
		    "hek.\n" },
		/* nothing quoted, or a forward, or a device signature that
		 * is not above a quote: left alone */
		{ "reply/outlook-com-nothing-quoted.eml", NULL },
		{ "reply/plus-address.eml", NULL },
		{ "post/gmail-forward-inline.eml", NULL },
		{ "attachment/forward-as-attachment.eml", NULL },
		{ "post/iphone-qp-subject.eml", NULL },
	};
	struct mail *m;
	char *q;
	size_t i;
	int folded, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		m = unit_data_mail(c[i].file);
		q = quote_fold(m->text, &folded);
		assert_non_null(q);
		if (folded != (c[i].want != NULL) ||
		    strcmp(q, c[i].want ? c[i].want : m->text) != 0) {
			print_error("%s: folded %d\n%s\n", c[i].file, folded, q);
			bad++;
		}
		free(q);
		mail_free(m);
	}
	assert_int_equal(bad, 0);
}

/*
 * The replies of the shared corpus, when it is there, keep what their
 * writers added: the text starts as given, holds no quoted line, and
 * lacks what was quoted.
 */
static void
test_corpus(void **state)
{
	static const struct {
		const char *file;
		int folded;
		const char *starts;	/* the result starts with this */
		const char *gone;	/* and no longer holds this */
	} c[] = {
		{ "reply/android-gmail-re-only.eml", 1, "Hello\n", "Hi" },
		{ "reply/aol-re-only.eml", 1, "Hello\n", "wrote:" },
		{ "reply/apple-mail-re-only.eml", 1, "Hello\n", "wrote:" },
		{ "reply/apple-mail-reply.eml", 1, "Hello\n", "wrote:" },
		{ "reply/gmail-re-only.eml", 1, "Hello\n", "wrote:" },
		{ "reply/gnus-reply.eml", 1, "See the patch just posted here.",
		    "LK>" },
		{ "reply/hotmail-RE-only.eml", 1, "Hello\n", "From:" },
		{ "reply/iphone-re-only.eml", 1, "Hello\n", "wrote:" },
		{ "reply/list-reply-no-re.eml", 1, "Welcome, Israel!", "\n>" },
		{ "reply/list-reply-no-re-2.eml", 1,
		    "Welcome to notmuch, Adrian!", "\n>" },
		{ "reply/mutt-reply.eml", 1, "Is the list archived anywhere?",
		    "See the patch" },
		{ "reply/sparrow-re-only.eml", 1, "Hello\n", "wrote:" },
		{ "reply/thunderbird-re-only.eml", 1, "Hello\n", "wrote:" },
		{ "reply/thunderbird-reply-iso8859.eml", 1, "Thank you Allan",
		    "\n>" },
		{ "reply/yahoo-reply.eml", 1, "Hello\n", "wrote:" },
		{ "reply/zimbra-comcast-re-only.eml", 1, "Hello\n", "wrote:" },
		{ "html/booking-reply-long-line.eml", 1, "Hi Katharine.",
		    "New Booking Inquiry" },
		{ "plain/outlook-html-long-line.eml", 1, "Hello\n",
		    "The manager" },
		{ "malformed/discourse-dutch-leading-blank-line.eml", 1,
		    "Dit is een antwoord in het Nederlands.\n", "schreef" },
		/* nothing quoted, or a forward: left alone */
		{ "reply/thunderbird-reply.eml", 0, "Message body", NULL },
		{ "reply/gmail-forward-with-refs.eml", 0, "When sending email:",
		    NULL },
		{ "attachment/message-rfc822.eml", 0, "This is the first part.",
		    NULL },
	};
	struct mail *m;
	char *q;
	size_t i;
	int folded, bad = 0;

	(void)state;
	unit_need_corpus();
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		m = unit_corpus_mail(c[i].file);
		if (m == NULL)
			fail_msg("no corpus file %s", c[i].file);
		q = quote_fold(m->text, &folded);
		assert_non_null(q);
		if (folded != c[i].folded ||
		    strncmp(q, c[i].starts, strlen(c[i].starts)) != 0 ||
		    (c[i].gone != NULL && strstr(q, c[i].gone) != NULL) ||
		    (folded && (q[0] == '>' || strstr(q, "\n>") != NULL))) {
			print_error("%s: folded %d\n%s\n", c[i].file, folded, q);
			bad++;
		}
		free(q);
		mail_free(m);
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmail_nl),
		cmocka_unit_test(test_gmail_en_and_others),
		cmocka_unit_test(test_apple_iphone),
		cmocka_unit_test(test_outlook),
		cmocka_unit_test(test_forward_stays),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_nothing_to_fold),
		cmocka_unit_test(test_null_and_folded_optional),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

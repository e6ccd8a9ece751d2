/* test_bounce.c - failed recipients of DSNs and text bounces. */
#include "unit.h"

#include "bounce.h"
#include "buf.h"
#include "fileio.h"
#include "mail.h"

static struct mail *
bmail(struct mail *m, const char *dsn, const char *text)
{
	memset(m, 0, sizeof(*m));
	m->dsn = (char *)dsn;
	m->text = (char *)(text ? text : "");
	return m;
}

static void
test_dsn_several(void **state)
{
	struct mail m;
	struct bounce_rcpt r[8];
	size_t n;

	(void)state;
	n = bounce_parse(bmail(&m,
	    "Reporting-MTA: dns; mx.binnenbijster.example\r\n"
	    "Arrival-Date: Tue, 12 Mar 2024 21:04:05 +0100\r\n"
	    "\r\n"
	    "Final-Recipient: rfc822; jan@Example.NL\r\n"
	    "Action: failed\r\n"
	    "Status: 5.1.1\r\n"
	    "Remote-MTA: dns; mx.example.nl\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <jan@example.nl>: Recipient\r\n"
	    "    address rejected: User unknown in virtual mailbox table\r\n"
	    "\r\n"
	    "Original-Recipient: rfc822;petra@example.org\r\n"
	    "Final-Recipient: rfc822;petra.devries@mail.example.org\r\n"
	    "Action: delayed\r\n"
	    "Status: 4.4.1 (no answer from host)\r\n"
	    "Will-Retry-Until: Thu, 14 Mar 2024 21:04:05 +0100\r\n"
	    "\r\n"
	    "Final-Recipient: rfc822; karel@example.com\r\n"
	    "Action: failed\r\n"
	    "Status: 5.7.1\r\n"
	    "Diagnostic-Code: smtp; 550 5.7.1 Unauthenticated email from\r\n"
	    "    binnenbijster.example is not accepted due to domain's DMARC policy\r\n"
	    "\r\n"
	    "Final-Recipient: rfc822; ans@example.net\r\n"
	    "Action: failed\r\n"
	    "Diagnostic-Code: smtp; 550 5.2.1 The email account that you tried to reach is disabled\r\n"
	    "\r\n"
	    "Final-Recipient: rfc822; bram@example.net\r\n"
	    "Status: 4.2.2\r\n", NULL), r, 8);
	assert_int_equal(n, 5);

	assert_string_equal(r[0].addr, "jan@example.nl");
	assert_string_equal(r[0].status, "5.1.1");
	assert_int_equal(r[0].action, BOUNCE_FAILED);
	assert_int_equal(r[0].permanent, 1);
	assert_int_equal(r[0].not_their_fault, 0);
	assert_string_equal(r[0].diag, "550 5.1.1 <jan@example.nl>: Recipient "
	    "address rejected: User unknown in virtual mailbox table");

	/* Original-Recipient is the address we sent to */
	assert_string_equal(r[1].addr, "petra@example.org");
	assert_string_equal(r[1].status, "4.4.1");
	assert_int_equal(r[1].action, BOUNCE_DELAYED);
	assert_int_equal(r[1].permanent, 0);
	assert_int_equal(r[1].not_their_fault, 1);

	/* DMARC rejection of our mail is not the member's fault */
	assert_string_equal(r[2].addr, "karel@example.com");
	assert_int_equal(r[2].permanent, 1);
	assert_int_equal(r[2].not_their_fault, 1);

	/* no Status: read from the diagnostic */
	assert_string_equal(r[3].status, "5.2.1");
	assert_int_equal(r[3].permanent, 1);
	assert_int_equal(r[3].not_their_fault, 0);

	/* no Action: from the status class */
	assert_string_equal(r[4].addr, "bram@example.net");
	assert_int_equal(r[4].action, BOUNCE_DELAYED);
	assert_int_equal(r[4].not_their_fault, 1);
}

static void
test_dsn_odd(void **state)
{
	struct mail m;
	struct bounce_rcpt r[2];
	size_t n;

	(void)state;
	/* LF only, merged blocks, angle brackets, relay loop, room for 2 */
	n = bounce_parse(bmail(&m,
	    "Reporting-MTA: dns; relay.example\n"
	    "Final-Recipient: RFC822; <Loop@Example.org>\n"
	    "Action: failed\n"
	    "Status: 5.4.6\n"
	    "Diagnostic-Code: X-Postfix; mail forwarding loop for loop@example.org\n"
	    "\n"
	    "Final-Recipient: rfc822; spam@example.org\n"
	    "Action: failed\n"
	    "Status: 5.0.0\n"
	    "Diagnostic-Code: smtp; 554 Message rejected as spam\n"
	    "\n"
	    "Final-Recipient: rfc822; third@example.org\n"
	    "Action: failed\n"
	    "Status: 5.1.1\n", NULL), r, 2);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].addr, "Loop@example.org");
	assert_int_equal(r[0].permanent, 1);
	assert_int_equal(r[0].not_their_fault, 1);
	assert_int_equal(r[1].not_their_fault, 1);

	/* delivered and relayed are no failures */
	n = bounce_parse(bmail(&m,
	    "Final-Recipient: rfc822; ok@example.org\nAction: relayed\n"
	    "Status: 2.0.0\n", NULL), r, 2);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].action, BOUNCE_OTHER);
	assert_int_equal(r[0].permanent, 0);
	assert_int_equal(r[0].not_their_fault, 1);

	/* garbage: no recipients, no crash */
	assert_int_equal(bounce_parse(bmail(&m, "\n\n:::\nFinal-Recipient: "
	    "rfc822; not an address\n\x01\xff\n", NULL), r, 2), 0);
	assert_int_equal(bounce_parse(bmail(&m, "", ""), r, 2), 0);
	assert_int_equal(bounce_parse(NULL, r, 2), 0);
	assert_int_equal(bounce_parse(bmail(&m, NULL, "x"), r, 0), 0);
}

static void
test_text_qmail_postfix_yahoo(void **state)
{
	struct mail m;
	struct bounce_rcpt r[4];
	size_t n;

	(void)state;
	n = bounce_parse(bmail(&m, NULL,
	    "Hi. This is the qmail-send program at mx.example.nl.\n"
	    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
	    "\n"
	    "<jan@example.nl>:\n"
	    "Sorry, no mailbox here by that name. (#5.1.1)\n"
	    "\n"
	    "<petra@example.nl>:\n"
	    "This address no longer accepts mail.\n"
	    "\n"
	    "--- Below this line is a copy of the message.\n"
	    "\n"
	    "Return-Path: <bpt-bounces@binnenbijster.example>\n"
	    "To: <other@example.nl>:\n"), r, 4);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].addr, "jan@example.nl");
	assert_string_equal(r[0].status, "5.1.1");
	assert_string_equal(r[0].diag, "Sorry, no mailbox here by that name. (#5.1.1)");
	assert_int_equal(r[0].permanent, 1);
	assert_string_equal(r[1].addr, "petra@example.nl");
	assert_string_equal(r[1].status, "");
	assert_int_equal(r[1].permanent, 1);	/* "permanent error" */

	n = bounce_parse(bmail(&m, NULL,
	    "This is the mail system at host mx.binnenbijster.example.\n"
	    "\n"
	    "I'm sorry to have to inform you that your message could not\n"
	    "be delivered to one or more recipients.\n"
	    "\n"
	    "                   The mail system\n"
	    "\n"
	    "<karel@example.com>: host mx.example.com[192.0.2.7] said: 550 5.7.1\n"
	    "    Message rejected due to SPF policy (in reply to RCPT TO command)\n"), r, 4);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].addr, "karel@example.com");
	assert_string_equal(r[0].status, "5.7.1");
	assert_int_equal(r[0].not_their_fault, 1);

	n = bounce_parse(bmail(&m, NULL,
	    "Message from  yahoo.com.\n"
	    "Unable to deliver message to the following address(es).\n"
	    "\n"
	    "<ans@example.com>:\n"
	    "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"
	    "I'm not going to try again; this message has been in the queue too long.\n"
	    "\n"
	    "--- Original message follows.\n"), r, 4);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].status, "4.4.1");
	assert_int_equal(r[0].action, BOUNCE_FAILED);
	assert_int_equal(r[0].permanent, 0);
	assert_int_equal(r[0].not_their_fault, 1);
}

static void
test_text_exim_sendmail(void **state)
{
	struct mail m;
	struct bounce_rcpt r[4];
	size_t n;

	(void)state;
	n = bounce_parse(bmail(&m, NULL,
	    "This message was created automatically by mail delivery software.\n"
	    "\n"
	    "A message that you sent could not be delivered to one or more of its\n"
	    "recipients. This is a permanent error. The following address(es) failed:\n"
	    "\n"
	    "  jan@example.nl\n"
	    "    host mx.example.nl [192.0.2.1]\n"
	    "    SMTP error from remote mail server after RCPT TO:<jan@example.nl>:\n"
	    "    550 5.1.1 <jan@example.nl>: Recipient address rejected: User unknown\n"
	    "  petra@example.nl:\n"
	    "    mailbox is full: retry timeout exceeded\n"
	    "\n"
	    "------ This is a copy of the message, including all the headers. ------\n"
	    "From: Jan <jan@example.nl>\n"), r, 4);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].addr, "jan@example.nl");
	assert_string_equal(r[0].status, "5.1.1");
	assert_int_equal(r[0].permanent, 1);
	assert_string_equal(r[1].addr, "petra@example.nl");
	assert_string_equal(r[1].diag, "mailbox is full: retry timeout exceeded");

	/* exim delay warning */
	n = bounce_parse(bmail(&m, NULL,
	    "This message was created automatically by mail delivery software.\n"
	    "A message that you sent has not yet been delivered to one or more of its\n"
	    "recipients after more than 24 hours on the queue on mx.example.\n"
	    "\n"
	    "The message identifier is:     1rkLmN-0001aB-2c\n"
	    "\n"
	    "The address to which the message has not yet been delivered is:\n"
	    "\n"
	    "  karel@example.com\n"
	    "    Delay reason: SMTP error from remote mail server after RCPT TO:<karel@example.com>:\n"
	    "    451 4.3.0 Temporary lookup failure\n"
	    "\n"
	    "No action is required on your part.\n"), r, 4);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].addr, "karel@example.com");
	assert_int_equal(r[0].action, BOUNCE_DELAYED);
	assert_int_equal(r[0].permanent, 0);
	assert_int_equal(r[0].not_their_fault, 1);

	/* sendmail: expanded alias, status from the transcript */
	n = bounce_parse(bmail(&m, NULL,
	    "The original message was received at Tue, 12 Mar 2024 21:04:05 +0100\n"
	    "from localhost\n"
	    "\n"
	    "   ----- The following addresses had permanent fatal errors -----\n"
	    "jansen@mail.example.nl\n"
	    "    (expanded from: jan@example.nl)\n"
	    "\n"
	    "   ----- Transcript of session follows -----\n"
	    "... while talking to mail.example.nl.:\n"
	    ">>> RCPT To:<jan@example.nl>\n"
	    "<<< 550 5.1.1 <jan@example.nl>... User unknown\n"
	    "550 5.1.1 jan@example.nl... User unknown\n"
	    "\n"
	    "   ----- Message header follows -----\n"
	    "To: <someone@example.nl>:\n"), r, 4);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].addr, "jan@example.nl");
	assert_string_equal(r[0].status, "5.1.1");
	assert_int_equal(r[0].permanent, 1);
}

static void
test_text_exchange_others(void **state)
{
	struct mail m;
	struct bounce_rcpt r[4];
	size_t n;

	(void)state;
	/* old Exchange and GroupWise */
	n = bounce_parse(bmail(&m, NULL,
	    "Your message\n"
	    "\n"
	    "  To:      bpt@binnenbijster.example\n"
	    "  Subject: Verdachte man\n"
	    "  Sent:    Tue, 12 Mar 2024 21:04:05 +0100\n"
	    "\n"
	    "did not reach the following recipient(s):\n"
	    "\n"
	    "ans@EXAMPLE.COM on Tue, 12 Mar 2024 21:04:09 +0100\n"
	    "    The recipient name is not recognized\n"
	    "c=NL;a= ;p=Example;o=Srv;dda:SMTP=bram@example.com; on Tue, 12 Mar 2024\n"
	    "21:04:10 +0100\n"
	    "    The recipient name is not recognized\n"), r, 4);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].addr, "ans@example.com");
	assert_string_equal(r[0].diag, "The recipient name is not recognized");
	assert_int_equal(r[0].permanent, 1);
	assert_string_equal(r[1].addr, "bram@example.com");

	/* SMTP32: address on the intro line */
	n = bounce_parse(bmail(&m, NULL,
	    "Delivery failed 20 attempts: kees@example.com\n"
	    "\n"
	    "Original message follows.\n"
	    "To: other@example.com\n"), r, 4);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].addr, "kees@example.com");

	/* MDaemon: quoted address, diagnostic in the transcript */
	n = bounce_parse(bmail(&m, NULL,
	    "The attached message had PERMANENT fatal delivery errors!\n"
	    "\n"
	    "The following addresses did NOT receive a copy of your message:\n"
	    "\n"
	    "> lies@example.com\n"
	    "\n"
	    "--- Session Transcript ---\n"
	    " RCPT To:<lies@example.com>\n"
	    " 552 Message for <lies@example.com> would exceed mailbox quota\n"
	    "--- End Transcript ---\n"), r, 4);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].addr, "lies@example.com");
	assert_string_equal(r[0].status, "5.0.0");
	assert_string_equal(r[0].diag,
	    "552 Message for <lies@example.com> would exceed mailbox quota");
	assert_int_equal(r[0].permanent, 1);

	/* last resort: a sentence naming the mailbox */
	n = bounce_parse(bmail(&m, NULL,
	    "A message that you sent was rejected by the local scanning code.\n"
	    "Please contact <postmaster@mail.example>.\n"
	    " Local mailbox wim@mail.example is unavailable: user not found\n"), r, 4);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].addr, "wim@mail.example");
	assert_int_equal(r[0].permanent, 1);

	/* a person's text names no failed recipient */
	n = bounce_parse(bmail(&m, NULL,
	    "Hoi, mail me op jan@example.nl als je iets ziet.\n"), r, 4);
	assert_int_equal(n, 0);
}

static void
test_diag_is_cut_on_characters(void **state)
{
	struct mail m;
	struct bounce_rcpt r[1];
	char dsn[2048];
	size_t n, i, len;

	(void)state;
	len = (size_t)snprintf(dsn, sizeof(dsn), "Final-Recipient: rfc822; a@example.nl\n"
	    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 ");
	for (i = 0; i < 200; i++)
		len += (size_t)snprintf(dsn + len, sizeof(dsn) - len, "\xc3\xa9");
	n = bounce_parse(bmail(&m, dsn, NULL), r, 1);
	assert_int_equal(n, 1);
	assert_true(strlen(r[0].diag) < sizeof(r[0].diag));
	assert_true(strlen(r[0].diag) > 200);
	/* ends on a whole two-byte character */
	assert_int_equal((strlen(r[0].diag) - 4) % 2, 0);
}

static void
test_verp_token(void **state)
{
	const char *t;

	(void)state;
	t = bounce_verp_token("bpt-bounces+k3j2h1@binnenbijster.example",
	    "bpt@binnenbijster.example");
	assert_non_null(t);
	assert_int_equal(strcspn(t, "@"), 6);
	assert_int_equal(strncmp(t, "k3j2h1", 6), 0);
	t = bounce_verp_token("BPT-Bounces+jan=example.nl@Binnenbijster.Example",
	    "bpt@binnenbijster.example");
	assert_non_null(t);
	assert_int_equal(strncmp(t, "jan=example.nl@", 15), 0);
	assert_null(bounce_verp_token("bpt-bounces@binnenbijster.example",
	    "bpt@binnenbijster.example"));
	assert_null(bounce_verp_token("bpt-bounces+@binnenbijster.example",
	    "bpt@binnenbijster.example"));
	/* an '@' before the domain's: no token, empty or not */
	assert_null(bounce_verp_token("bpt-bounces+@@binnenbijster.example",
	    "bpt@binnenbijster.example"));
	assert_null(bounce_verp_token("bpt-bounces+@x@binnenbijster.example",
	    "bpt@binnenbijster.example"));
	assert_null(bounce_verp_token("bpt-bounces+k3j2h1@x@binnenbijster.example",
	    "bpt@binnenbijster.example"));
	assert_null(bounce_verp_token("bpt-bounces+x@other.example",
	    "bpt@binnenbijster.example"));
	assert_null(bounce_verp_token("xbpt-bounces+x@binnenbijster.example",
	    "bpt@binnenbijster.example"));
	assert_null(bounce_verp_token("bpt+12@binnenbijster.example",
	    "bpt@binnenbijster.example"));
	assert_null(bounce_verp_token(NULL, "bpt@binnenbijster.example"));
	assert_null(bounce_verp_token("bpt-bounces+x@b.example", "nolocal"));
}

/* The Message-IDs a bounce returns: the proof that it is about our copy. */
static void
test_returned_ids(void **state)
{
	char ids[4][BOUNCE_ID_MAX];
	struct mail m;

	(void)state;
	/* the returned header of a report; a line that is no field, a
	 * folded one, the same id twice */
	memset(&m, 0, sizeof(m));
	m.text = (char *)"";
	m.dsn_original = (char *)"Return-Path: <bpt-bounces@bars.example>\r\n"
	    "From: BPT <bpt@bars.example>\r\n"
	    "this is no field\r\n"
	    "message-id:\r\n <bpt.1.1799053260.abc@bars.example>\r\n"
	    "Subject: x";
	assert_int_equal(bounce_returned_ids(&m, ids, 4), 1);
	assert_string_equal(ids[0], "bpt.1.1799053260.abc@bars.example");

	/* qmail and Exim quote it in the text; the report's own comes
	 * first */
	m.text = (char *)"Hi. This is the qmail-send program.\n"
	    "<piet@bewoners.example>:\nno mailbox here\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "From: BPT <bpt@bars.example>\n"
	    "Message-ID: <bpt.2.1.def@bars.example>\n"
	    "Message-ID: <bpt.1.1799053260.abc@bars.example>\n"
	    "\nMessage-ID: <in.the.body@x>\n";
	assert_int_equal(bounce_returned_ids(&m, ids, 4), 3);
	assert_string_equal(ids[0], "bpt.1.1799053260.abc@bars.example");
	assert_string_equal(ids[1], "bpt.2.1.def@bars.example");
	assert_string_equal(ids[2], "in.the.body@x");
	/* no more than room */
	assert_int_equal(bounce_returned_ids(&m, ids, 2), 2);

	/* nothing to go by */
	m.dsn_original = NULL;
	m.text = (char *)"The mail system\n\nMessage-ID: not an id\n";
	assert_int_equal(bounce_returned_ids(&m, ids, 4), 0);
	assert_int_equal(bounce_returned_ids(NULL, ids, 4), 0);
}

/*
 * The failed recipients of each bounce of tests/data, whether they
 * failed for good, and whether that counts against them.
 * exim-text-retry-timeout.eml is left out: Exim calls giving up after
 * days of temporary failures "a permanent error", and whether that
 * counts against the address is not settled here.
 */
static void
test_data(void **state)
{
	static const struct {
		const char *file;
		size_t n;		/* recipients named */
		const char *addr;	/* the first of them */
		const char *status;
		int action, permanent, not_their_fault;
	} c[] = {
		{ "bounce/postfix-dsn-failed.eml", 1, "g.devos@example.net",
		    "5.1.1", BOUNCE_FAILED, 1, 0 },
		{ "bounce/postfix-dsn-delayed.eml", 1, "t.bos@example.com",
		    "4.4.1", BOUNCE_DELAYED, 0, 1 },
		{ "bounce/postfix-dsn-three-recipients.eml", 3,
		    "p.claes@example.org", "5.1.1", BOUNCE_FAILED, 1, 0 },
		/* a loop on the way is not the address's fault */
		{ "bounce/postfix-relay-loop.eml", 1, "w.peters@example.com",
		    "5.4.6", BOUNCE_FAILED, 1, 1 },
		{ "bounce/postfix-smtputf8-global.eml", 1, "a.dewit@example.org",
		    "5.2.1", BOUNCE_FAILED, 1, 0 },
		/* Exim's text: the status from the SMTP reply */
		{ "bounce/exim-text-user-unknown.eml", 1, "l.peeters@example.org",
		    "5.1.1", BOUNCE_FAILED, 1, 0 },
		{ "bounce/exchange-ndr-utf7-label.eml", 1, "h.dekker@example.com",
		    "5.1.1", BOUNCE_FAILED, 1, 0 },
		{ "bounce/gmail-dsn-no-such-user.eml", 1, "oud.adres@example.org",
		    "5.1.1", BOUNCE_FAILED, 1, 0 },
		/* our mail taken for spam: not the address's fault */
		{ "bounce/gmail-dsn-blocked-as-spam.eml", 1,
		    "r.vermeulen@example.net", "5.7.1", BOUNCE_FAILED, 1, 1 },
		/* a provider's own words name no one: the VERP token does */
		{ "bounce/verp-provider-notice.eml", 0, NULL, NULL, 0, 0, 0 },
		/* a challenge-response report is a delay of sorts, never counted */
		{ "autoreply/challenge-response-report.eml", 1,
		    "d.kuipers@example.com", "4.7.0", BOUNCE_FAILED, 0, 1 },
	};
	struct bounce_rcpt r[8];
	struct mail *m;
	size_t i, n;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		m = unit_data_mail(c[i].file);
		n = bounce_parse(m, r, 8);
		if (n != c[i].n || (n > 0 && (strcmp(r[0].addr, c[i].addr) != 0 ||
		    strcmp(r[0].status, c[i].status) != 0 ||
		    r[0].action != c[i].action ||
		    r[0].permanent != c[i].permanent ||
		    r[0].not_their_fault != c[i].not_their_fault))) {
			print_error("%s: %zu recipients, first %s status %s "
			    "action %d permanent %d not their fault %d\n",
			    c[i].file, n, n ? r[0].addr : "-",
			    n ? r[0].status : "-", n ? r[0].action : -1,
			    n ? r[0].permanent : -1,
			    n ? r[0].not_their_fault : -1);
			bad++;
		}
		mail_free(m);
	}
	assert_int_equal(bad, 0);

	/* every recipient of a report, each with its own status */
	m = unit_data_mail("bounce/postfix-dsn-three-recipients.eml");
	assert_int_equal(bounce_parse(m, r, 8), 3);
	assert_string_equal(r[1].addr, "f.maas@example.net");
	assert_string_equal(r[1].status, "5.2.2");
	assert_non_null(strstr(r[1].diag, "Mailbox full"));
	assert_string_equal(r[2].addr, "y.bulut@example.com");
	assert_int_equal(r[2].permanent, 1);
	/* out holds the first max of the same list */
	assert_int_equal(bounce_parse(m, r, 1), 1);
	assert_string_equal(r[0].addr, "p.claes@example.org");
	mail_free(m);
	/* the diagnostic of a text bounce is the SMTP reply, on one line */
	m = unit_data_mail("bounce/exim-text-user-unknown.eml");
	assert_int_equal(bounce_parse(m, r, 8), 1);
	assert_non_null(strstr(r[0].diag, "550 5.1.1"));
	assert_null(strchr(r[0].diag, '\n'));
	mail_free(m);
}

/*
 * The failed recipient of each bounce in the shared corpus, when it is
 * there, and whether it failed for good, as far as each notice tells.
 */
static void
test_corpus(void **state)
{
	static const struct {
		const char *file;
		size_t n;		/* recipients named */
		const char *addr;	/* the first of them */
		int action, permanent;
	} c[] = {
		/* AOL names a screen name, not an address */
		{ "bounce/aol-1.eml", 0, NULL, 0, 0 },
		{ "bounce/delay-no-content-type-part.eml", 1,
		    "larose.julie@courrier.uqam.ca", BOUNCE_DELAYED, 0 },
		{ "bounce/delivery-status-nodemailer.eml", 1, "xxxx@xxxx.com",
		    BOUNCE_FAILED, 1 },
		{ "bounce/dsn-1.eml", 1, "JimmyMcEgypt@go.com", BOUNCE_FAILED, 1 },
		{ "bounce/dsn-5-delayed.eml", 1, "pkocmid@atlas.cz",
		    BOUNCE_DELAYED, 0 },
		{ "bounce/exchange-dsn-utf7-label.eml", 1, "example@example.com",
		    BOUNCE_FAILED, 1 },
		{ "bounce/exim-1.eml", 1, "delangen@its.tudelft.nl",
		    BOUNCE_FAILED, 1 },
		{ "bounce/exim-list-reply-bounce.eml", 1,
		    "hbsdpphvfex@blackwebportal.com", BOUNCE_FAILED, 1 },
		{ "bounce/groupwise-1.eml", 1, "thoff@mainex1.asu.edu",
		    BOUNCE_FAILED, 1 },
		{ "bounce/mailru-exim-ru.eml", 1, "foo@mail.ru", BOUNCE_FAILED, 1 },
		{ "bounce/microsoft-1.eml", 1, "DJBENNETT@ikon.com",
		    BOUNCE_FAILED, 1 },
		{ "bounce/multi-address-bounce.eml", 5,
		    "bbbbvhvbbvkjbhfbvbvjhb@gmail.com", BOUNCE_FAILED, 1 },
		{ "bounce/no-subject-rejection-autoreplied.eml", 1, "a@b.c",
		    BOUNCE_FAILED, 1 },
		/* "Host not found, try again": no verdict */
		{ "bounce/postfix-2.eml", 1, "yyyyy@digicool.com",
		    BOUNCE_FAILED, 0 },
		{ "bounce/postfix-dsn-1.eml", 1, "xxxxx@local.ie",
		    BOUNCE_FAILED, 1 },
		{ "bounce/qmail-1.eml", 1, "psadisc@wwwmail.n-h.de",
		    BOUNCE_FAILED, 1 },
		{ "bounce/qmail-6.eml", 1, "ntl@xxx.com", BOUNCE_FAILED, 1 },
		{ "bounce/sendmail-1.eml", 1, "zzzzz@nfg.nl", BOUNCE_FAILED, 1 },
		{ "bounce/sendmail-delay-8h.eml", 1, "fraser@oooooooo.com.au",
		    BOUNCE_DELAYED, 0 },
		{ "bounce/simple-1.eml", 1, "bbbsss@turbosport.com",
		    BOUNCE_FAILED, 1 },
		/* "Delivery failed 20 attempts": no verdict */
		{ "bounce/smtp32-1.eml", 1, "oliver@pcworld.com.ph",
		    BOUNCE_FAILED, 0 },
		/* gave up after 4.4.1: failed, but not for good */
		{ "bounce/yahoo-1.eml", 1, "subscribe.motorcycles@listsociety.com",
		    BOUNCE_FAILED, 0 },
		/* over quota, no status */
		{ "bounce/yahoo-2-nul.eml", 1, "agarciamartiartu@yahoo.es",
		    BOUNCE_FAILED, 0 },
	};
	struct bounce_rcpt r[8];
	struct mail *m;
	size_t i, n;
	int bad = 0;

	(void)state;
	unit_need_corpus();
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		m = unit_corpus_mail(c[i].file);
		if (m == NULL)
			fail_msg("no corpus file %s", c[i].file);
		n = bounce_parse(m, r, 8);
		if (n != c[i].n || (n > 0 && (strcmp(r[0].addr, c[i].addr) != 0 ||
		    r[0].action != c[i].action ||
		    r[0].permanent != c[i].permanent))) {
			print_error("%s: %zu recipients, first %s action %d "
			    "permanent %d\n", c[i].file, n, n ? r[0].addr : "-",
			    n ? r[0].action : -1, n ? r[0].permanent : -1);
			bad++;
		}
		mail_free(m);
	}
	assert_int_equal(bad, 0);

	/* a relay loop is not the member's fault */
	m = unit_corpus_mail("bounce/sendmail-1.eml");
	assert_int_equal(bounce_parse(m, r, 8), 1);
	assert_int_equal(r[0].not_their_fault, 1);
	mail_free(m);
	/* a challenge-response report is a delay of sorts, never counted */
	m = unit_corpus_mail("bounce/boxbe-challenge-response.eml");
	assert_int_equal(bounce_parse(m, r, 8), 1);
	assert_int_equal(r[0].not_their_fault, 1);
	mail_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsn_several),
		cmocka_unit_test(test_dsn_odd),
		cmocka_unit_test(test_text_qmail_postfix_yahoo),
		cmocka_unit_test(test_text_exim_sendmail),
		cmocka_unit_test(test_text_exchange_others),
		cmocka_unit_test(test_diag_is_cut_on_characters),
		cmocka_unit_test(test_verp_token),
		cmocka_unit_test(test_returned_ids),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

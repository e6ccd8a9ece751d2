/* test_authres.c - Authentication-Results as OpenDMARC, OpenDKIM,
 * policyd-spf and rspamd write them. */
#include "unit.h"

#include "authres.h"

static enum authres_verdict
verdict(const char *const *v, size_t n, const char *from, char *ev, size_t evlen)
{
	struct buf b = BUF_INIT;
	enum authres_verdict r = authres_verdict(v, n, "mx.bars.example", from, &b);

	snprintf(ev, evlen, "%s", buf_str(&b));
	buf_release(&b);
	return r;
}

/* A forged member address, as the trusted server judged it. */
static void
test_forged(void **state)
{
	/* OpenDMARC after OpenDKIM and policyd-spf */
	static const char *const opendmarc[] = {
		"mx.bars.example; dmarc=fail (p=reject dis=none) header.from=bewoners.example",
		"mx.bars.example; dkim=none (message not signed) header.d=none",
		"mx.bars.example; spf=fail (sender IP is 192.0.2.7) "
		    "smtp.mailfrom=jan@bewoners.example smtp.helo=evil.example",
	};
	/* rspamd, one header with everything */
	static const char *const rspamd[] = {
		"mx.bars.example;\n\tdkim=fail (\"headers rsa verify failed\") "
		    "header.d=bewoners.example header.s=dkim header.b=abcdef;\n\t"
		    "spf=fail (mx.bars.example: domain of jan@bewoners.example does not "
		    "designate 192.0.2.7 as permitted sender) smtp.mailfrom=jan@bewoners.example;\n\t"
		    "dmarc=fail reason=\"No valid SPF; no valid DKIM\" header.from=bewoners.example "
		    "(policy=reject)",
	};
	/* no DMARC record: SPF fails and nothing signed */
	static const char *const spf_only[] = {
		"mx.bars.example 1; spf=fail smtp.mailfrom=bewoners.example; dkim=none",
	};
	char ev[256];

	(void)state;
	assert_int_equal(verdict(opendmarc, 3, "bewoners.example", ev, sizeof(ev)),
	    AUTHRES_FORGED);
	assert_string_equal(ev, "dmarc=fail header.from=bewoners.example");
	assert_int_equal(verdict(rspamd, 1, "Bewoners.Example", ev, sizeof(ev)),
	    AUTHRES_FORGED);
	assert_int_equal(verdict(spf_only, 1, "bewoners.example", ev, sizeof(ev)),
	    AUTHRES_FORGED);
	assert_string_equal(ev, "spf=fail smtp.mailfrom=bewoners.example, "
	    "no dkim=pass for bewoners.example");
}

/* Genuine mail, and failures that do not prove a forgery. */
static void
test_not_forged(void **state)
{
	static const char *const pass[] = {
		"mx.bars.example; dmarc=pass (p=none dis=none) header.from=bewoners.example",
		"mx.bars.example; dkim=pass (2048-bit key; unprotected) "
		    "header.d=bewoners.example header.i=@bewoners.example header.b=\"Abc;d=\"",
		"mx.bars.example; spf=pass smtp.mailfrom=jan@bewoners.example",
	};
	/* forwarded: SPF fails, the DKIM signature of the From domain holds */
	static const char *const forwarded[] = {
		"mx.bars.example; spf=fail smtp.mailfrom=jan@bewoners.example; "
		    "dkim=pass header.d=mail.bewoners.example; dmarc=none",
	};
	/* softfail, temperror: not a proof */
	static const char *const soft[] = {
		"mx.bars.example; spf=softfail smtp.mailfrom=bewoners.example; "
		    "dmarc=temperror header.from=bewoners.example",
	};
	/* a failure about another domain */
	static const char *const other[] = {
		"mx.bars.example; dmarc=fail header.from=elders.example; "
		    "spf=fail smtp.mailfrom=bounce@elders.example",
	};
	char ev[256];

	(void)state;
	assert_int_equal(verdict(pass, 3, "bewoners.example", ev, sizeof(ev)), AUTHRES_OK);
	assert_int_equal(verdict(forwarded, 1, "bewoners.example", ev, sizeof(ev)),
	    AUTHRES_OK);
	assert_int_equal(verdict(soft, 1, "bewoners.example", ev, sizeof(ev)), AUTHRES_OK);
	assert_int_equal(verdict(other, 1, "bewoners.example", ev, sizeof(ev)), AUTHRES_OK);
	assert_string_equal(ev, "");
}

/* Only the trusted authserv-id counts: a header written upstream by
 * anyone, with any id, says nothing. */
static void
test_other_authserv_id(void **state)
{
	static const char *const upstream[] = {
		"mx.evil.example; dmarc=fail header.from=bewoners.example",
		"mx.bars.example.evil.example; dmarc=fail header.from=bewoners.example",
		"(mx.bars.example) other.example; dmarc=fail header.from=bewoners.example",
	};
	static const char *const mixed[] = {
		"mx.bars.example; dmarc=pass header.from=bewoners.example",
		"mx.evil.example; dmarc=fail header.from=bewoners.example",
	};
	char ev[256];

	(void)state;
	assert_int_equal(verdict(upstream, 3, "bewoners.example", ev, sizeof(ev)),
	    AUTHRES_NONE);
	assert_int_equal(verdict(mixed, 2, "bewoners.example", ev, sizeof(ev)), AUTHRES_OK);
	assert_int_equal(authres_verdict(upstream, 3, "", "bewoners.example", NULL),
	    AUTHRES_NONE);
	assert_int_equal(authres_verdict(mixed, 2, "mx.bars.example", NULL, NULL),
	    AUTHRES_NONE);
}

/* Hostile values: unclosed comments and quotes, no results, noise. */
static void
test_hostile(void **state)
{
	static const char *const junk[] = {
		"mx.bars.example;;;;", "mx.bars.example", "mx.bars.example; none", "",
		";;", "((((", "mx.bars.example; =fail", "mx.bars.example; dmarc=",
		"mx.bars.example; dmarc=pass (((", NULL,
	};
	/* the trusted server's own words still count when cut short */
	static const char *const cut[] = {
		"mx.bars.example; dmarc=fail (unclosed comment header.from=x",
	};
	static const char *const quoted[] = { "mx.bars.example; dmarc=\"fail" };
	char ev[256];

	(void)state;
	assert_int_equal(verdict(junk, 10, "bewoners.example", ev, sizeof(ev)), AUTHRES_OK);
	assert_int_equal(verdict(cut, 1, "bewoners.example", ev, sizeof(ev)),
	    AUTHRES_FORGED);
	assert_int_equal(verdict(quoted, 1, "bewoners.example", ev, sizeof(ev)),
	    AUTHRES_FORGED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_not_forged),
		cmocka_unit_test(test_other_authserv_id),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_detect.c - 112 status and licence plates. */
#include "unit.h"

#include "detect.h"

struct case112 {
	const char *text;
	enum det112 want;
};

static void
check_112(const struct case112 *c, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		enum det112 got = detect_112(c[i].text);

		if (got != c[i].want) {
			print_error("detect_112(\"%s\") = %s, want %s\n",
			    c[i].text, detect_112_str(got),
			    detect_112_str(c[i].want));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_112_yes(void **state)
{
	static const struct case112 c[] = {
		{ "112 gebeld", DET112_YES },
		{ "heb 112 gebeld", DET112_YES },
		{ "Heb 112 gebeld.", DET112_YES },
		{ "112 is gebeld", DET112_YES },
		{ "politie is gebeld", DET112_YES },
		{ "De politie is gebeld!", DET112_YES },
		{ "112 ingelicht", DET112_YES },
		{ "ik heb nu 112 gebeld", DET112_YES },
		{ "112 is op de hoogte", DET112_YES },
		{ "politie gebeld", DET112_YES },
		{ "112 called", DET112_YES },
		{ "I called 112 just now.", DET112_YES },
		{ "Police have been called.", DET112_YES },
		{ "Zojuist 112 GEBELD", DET112_YES },
		{ "heb   112\n  gebeld", DET112_YES },
		{ "Ik heb 112\ngebeld, ze komen eraan.", DET112_YES },
		{ "Politie is geïnformeerd.", DET112_YES },
		{ "Politie is geinformeerd.", DET112_YES },
		{ "POLITIE GEWAARSCHUWD", DET112_YES },
		{ "Ik heb de politie ingeschakeld.", DET112_YES },
		{ "Melding gemaakt bij de politie.", DET112_YES },
		{ "Ik ben 112 aan het bellen", DET112_YES },
		{ "De meldkamer is ingelicht", DET112_YES },
		{ "Buurman heeft 112 gebelt", DET112_YES },
		{ "Politie is onderweg.", DET112_YES },
		{ "De politie is al ter plaatse", DET112_YES },
		{ "Er is 112 gebeld door de buurvrouw", DET112_YES },
		{ "Verdachte man bij nr 4. 112 gebeld. Hij liep richting park.",
		    DET112_YES },
		{ "Ik heb niet ingegrepen en 112 gebeld", DET112_YES },
		{ "eerst niet gebeld, maar ik heb nu 112 gebeld", DET112_YES },
		{ "Eerst niet gebeld. Toen hij terugkwam heb ik toch 112 gebeld.",
		    DET112_YES },
		{ "112 niet gebeld. Update: inmiddels wel 112 gebeld.",
		    DET112_YES },
		{ "Ik twijfelde, maar heb toch 112 gebeld", DET112_YES },
		{ "Heb 112 gebeld, twijfel of ze komen", DET112_YES },
		{ "112 gebeld maar ze komen niet", DET112_YES },
		{ "Buren niet gebeld, 112 wel", DET112_YES },
		{ "112 gebeld: ja", DET112_YES },
		{ "112 gebeld? Ja", DET112_YES },
		{ "Ik heb 112 gebeld. Ik heb de buren nog niet gebeld.",
		    DET112_YES },
		{ "Politie gebeld (0900-8844), wijkagent weet ervan.",
		    DET112_YES },
		{ "Heb 112 gebeld, komen jullie ook kijken?", DET112_YES },
		{ "112 gebeld om 22.30 uur", DET112_YES },
		{ "Is de politie al gebeld? Ik heb gebeld, 112 weet ervan",
		    DET112_YES },
	};

	(void)state;
	check_112(c, sizeof(c) / sizeof(c[0]));
}

static void
test_112_no(void **state)
{
	static const struct case112 c[] = {
		{ "112 niet gebeld", DET112_NO },
		{ "nog niet gebeld", DET112_NO },
		{ "geen 112", DET112_NO },
		{ "Geen 112, alleen ter info.", DET112_NO },
		{ "niet gebeld", DET112_NO },
		{ "twijfel", DET112_NO },
		{ "Ik twijfel of ik 112 moet bellen", DET112_NO },
		{ "twijfel of het nodig is", DET112_NO },
		{ "112 not called", DET112_NO },
		{ "We did not call 112", DET112_NO },
		{ "Haven't called the police yet", DET112_NO },
		{ "Ik heb 112 niet gebeld.", DET112_NO },
		{ "De politie is niet gebeld", DET112_NO },
		{ "112 is NIET gebeld", DET112_NO },
		{ "Politie nog niet ingelicht", DET112_NO },
		{ "Niemand heeft 112 gebeld", DET112_NO },
		{ "112 gebeld: nee", DET112_NO },
		{ "112: nee", DET112_NO },
		{ "Buurman gebeld, 112 nog niet", DET112_NO },
		{ "Ik heb 112 gebeld. Sorry, foutje: 112 is toch niet gebeld.",
		    DET112_NO },
		{ "112 gebeld? Nee, nog niet.", DET112_NO },
		{ "heb 112\nniet gebeld", DET112_NO },
		{ "Geen 112 gebeld, wel de wijkagent gemaild.", DET112_NO },
		{ "No 112 call, just a heads-up.", DET112_NO },
		{ "No one called the police", DET112_NO },
	};

	(void)state;
	check_112(c, sizeof(c) / sizeof(c[0]));
}

static void
test_112_unknown(void **state)
{
	static const struct case112 c[] = {
		{ NULL, DET112_UNKNOWN },
		{ "", DET112_UNKNOWN },
		{ "Verdachte man met rugzak bij de speeltuin.", DET112_UNKNOWN },
		{ "moet ik 112 bellen?", DET112_UNKNOWN },
		{ "bel 112", DET112_UNKNOWN },
		{ "Bel altijd 112 bij spoed!", DET112_UNKNOWN },
		{ "Heeft iemand 112 gebeld?", DET112_UNKNOWN },
		{ "Heeft iemand 112 gebeld", DET112_UNKNOWN },
		{ "Is 112 al gebeld?", DET112_UNKNOWN },
		{ "Als je 112 hebt gebeld, laat het even weten.", DET112_UNKNOWN },
		{ "Ik weet niet of 112 is gebeld", DET112_UNKNOWN },
		{ "Geen idee of de politie gebeld is.", DET112_UNKNOWN },
		{ "112 moet nog gebeld worden", DET112_UNKNOWN },
		{ "Should I call 112?", DET112_UNKNOWN },
		{ "If you called 112, tell us.", DET112_UNKNOWN },
		{ "Hij belde 1120 keer", DET112_UNKNOWN },
		{ "Nummer 0112 gebeld", DET112_UNKNOWN },
		{ "Ik heb de buurman gebeld", DET112_UNKNOWN },
		{ "112 gebeld: ja/nee", DET112_UNKNOWN },
		{ "De politie is nog niet ter plaatse", DET112_UNKNOWN },
		{ "Politie waarschijnlijk gebeld door iemand anders",
		    DET112_UNKNOWN },
		{ "Zal ik 112 bellen", DET112_UNKNOWN },
		{ "Inbreker gezien, 112 gebeld?", DET112_UNKNOWN },
		{ "Zoals gemeld door de politie: let op je fiets.",
		    DET112_UNKNOWN },
	};

	(void)state;
	check_112(c, sizeof(c) / sizeof(c[0]));
}

static void
test_112_hostile(void **state)
{
	char *big;
	size_t i, n = 200000;

	(void)state;
	/* invalid UTF-8, an overlong word, NUL-free garbage */
	assert_int_equal(detect_112("\xff\xfe 112 \xc3 gebeld \xe2\x82"),
	    DET112_YES);
	big = malloc(n + 1);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = "ab12 ?.\n/"[i % 9];
	big[n] = '\0';
	assert_int_equal(detect_112(big), DET112_UNKNOWN);
	memset(big, 'x', n);
	memcpy(big + n - 11, " 112 gebeld", 11);
	assert_int_equal(detect_112(big), DET112_YES);
	free(big);
	assert_string_equal(detect_112_str(DET112_YES), "ja");
	assert_string_equal(detect_112_str(DET112_NO), "nee");
	assert_string_equal(detect_112_str(DET112_UNKNOWN), "onbekend");
}

/* Plates found in text, joined with spaces. */
static void
plates_are(const char *text, const char *want)
{
	char out[8][DETECT_PLATE_LEN];
	char got[128] = "";
	size_t n, i;

	n = detect_plates(text, out, 8);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(got, " ", sizeof(got) - strlen(got) - 1);
		strncat(got, out[i], sizeof(got) - strlen(got) - 1);
	}
	if (strcmp(got, want) != 0)
		print_error("detect_plates(\"%s\") = \"%s\", want \"%s\"\n",
		    text, got, want);
	assert_string_equal(got, want);
}

static void
test_plates_sidecodes(void **state)
{
	(void)state;
	/* every sidecode, dashed */
	plates_are("AB-12-34", "AB-12-34");
	plates_are("12-34-AB", "12-34-AB");
	plates_are("12-AB-34", "12-AB-34");
	plates_are("AB-12-CD", "AB-12-CD");
	plates_are("AB-CD-12", "AB-CD-12");
	plates_are("12-AB-CD", "12-AB-CD");
	plates_are("12-ABC-3", "12-ABC-3");
	plates_are("1-ABC-23", "1-ABC-23");
	plates_are("AB-123-C", "AB-123-C");
	plates_are("A-123-BC", "A-123-BC");
	plates_are("ABC-12-D", "ABC-12-D");
	plates_are("A-12-BCD", "A-12-BCD");
	plates_are("1-AB-234", "1-AB-234");
	plates_are("123-AB-4", "123-AB-4");
	/* lower case, spaces, nothing, mixed */
	plates_are("kenteken 12-abc-3 gezien", "12-ABC-3");
	plates_are("auto met kenteken 12 BDF 3, blauw", "12-BDF-3");
	plates_are("kenteken 12BDF3", "12-BDF-3");
	plates_are("kenteken 12bdf3.", "12-BDF-3");
	plates_are("GZ-123-T of gz123t", "GZ-123-T");
	plates_are("bd 12 fg", "BD-12-FG");
	plates_are("BD-123 F", "BD-123-F");
	plates_are("1-KTB-55", "1-KTB-55");
	plates_are("(kenteken: 45-NBJ-7)", "45-NBJ-7");
	/* order of first appearance, each once */
	plates_are("Eerst 1-KTB-55, toen 45-NBJ-7 en weer 1-ktb-55 en 1KTB55.",
	    "1-KTB-55 45-NBJ-7");
	plates_are("Blauwe Golf, kenteken XR-912-L\n(of XR-921-L?)",
	    "XR-912-L XR-921-L");
}

static void
test_plates_not(void **state)
{
	char out[2][DETECT_PLATE_LEN];

	(void)state;
	/* postcodes */
	plates_are("Dorpsstraat 12, 1234 AB Binnenbijster", "");
	plates_are("postcode 1234AB", "");
	plates_are("5611 BD", "");
	/* times, dates, phone numbers, house numbers, amounts */
	plates_are("om 12:30 en 22.30 uur", "");
	plates_are("op 12-03-2024 of 1-3-24", "");
	plates_are("op 1-jan-23 en 12-okt-24 en 3-MRT-24", "");
	plates_are("bel 06-12345678 of 06 12 34 56 78", "");
	plates_are("+31 6 1234 5678", "");
	plates_are("nr 12 bv", "");
	plates_are("huisnummer 12A, nr 12 bg", "");
	plates_are("kostte EUR 1.250,00 of 12,50", "");
	plates_are("om 12 uur ging hij weg", "");
	/* too long or glued to more */
	plates_are("IBAN NL12ABNA0123456789", "");
	plates_are("12-ABC-34", "");
	plates_are("x12-ABC-3", "");
	plates_are("12-ABC-3-4", "");
	plates_are("06-12-BDF-3", "");
	plates_are("https://example.org/12-ABC-3/x", "");
	/* undashed ambiguous forms and vowels outside dashed forms */
	plates_are("AB1234 en KL1234", "");
	plates_are("12 ABC 3", "");
	plates_are("1000kg en 2500km", "");
	plates_are("model 12ABC3", "");
	/* limits */
	assert_int_equal(detect_plates(NULL, out, 2), 0);
	assert_int_equal(detect_plates("12-ABC-3", out, 0), 0);
	assert_int_equal(detect_plates("12-ABC-3 1-KTB-55 45-NBJ-7", out, 2),
	    2);
	assert_string_equal(out[1], "1-KTB-55");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_112_yes),
		cmocka_unit_test(test_112_no),
		cmocka_unit_test(test_112_unknown),
		cmocka_unit_test(test_112_hostile),
		cmocka_unit_test(test_plates_sidecodes),
		cmocka_unit_test(test_plates_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

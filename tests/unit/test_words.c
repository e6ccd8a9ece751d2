/* test_words.c - swearing, insults and discrimination found, and only those. */
#include "unit.h"

#include "words.h"

static struct words *
builtin(void)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct words *w;

	if (words_load(&ctx, NULL, &w) != BPT_OK)
		fail_msg("%s", ctx.errmsg);
	return w;
}

/* Each of these alone is a hit: words, inflections, compounds,
 * and the ways people disguise them. */
static void
test_hits(void **state)
{
	static const char *const hits[] = {
		"godverdomme", "Godverdomme!", "GODVERDOMME", "verdomme", "tering",
		"kanker", "KANKER", "tyfus", "pleuris", "klote", "kolere",
		"kankerlijer", "teringlijer", "tyfushoer", "klerezooi", "pleurislijer",
		"kankermarokkaan", "rotturk", "rotjood", "kankerweer",
		"kutwijf", "kutmarokkaan", "kutweer", "kutje",
		"klootzak", "klootzakken", "rotzak", "idioot", "idioten", "debielen",
		"eikel", "eikels", "hufters", "hoeren", "sletje", "trutten", "wijven",
		"mongool", "mongooltje", "neger", "negers", "spleetogen", "zigeuners",
		"flikker", "flikkers", "geitenneuker", "schoft", "tuig",
		/* disguised */
		"k*t", "k.u.t", "k-u-t", "kuuuuut", "k u t", "K U T", "f*ck", "sh1t",
		"k4nker", "kank3r", "g0dverdomme", "t y f u s", "kl00tzak",
		"godverdómme", "klóótzak", "tyfu$", "k@nker", "hoer's",
		"kanker-lijer", "kut.wijf",
	};
	struct words *w = builtin();
	size_t i;

	(void)state;
	assert_true(sizeof(hits) / sizeof(hits[0]) >= 30);
	for (i = 0; i < sizeof(hits) / sizeof(hits[0]); i++)
		if (words_find(w, hits[i], 5, NULL) != 1)
			fail_msg("'%s' is not found", hits[i]);
	words_free(w);
}

/*
 * The Scunthorpe problem: ordinary Dutch words, and street, place and
 * family names, that hold a listed word as a part must pass.
 */
static void
test_passes(void **state)
{
	static const char *const passes[] = {
		/* tuig */
		"voertuig", "vliegtuig", "vaartuig", "werktuig", "rijtuig",
		"speeltuig", "tuigage", "tuighuis",
		/* kanker, tyfus, tering, pest */
		"kankeronderzoek", "kankerpatiënt", "KWF Kankerbestrijding",
		"kankercel", "tyfusbacterie", "Teteringen", "Teteringsedijk",
		/* neger, flikker, sukkel, mongool: ordinary verbs and a people */
		"negeren", "negeer", "genegeerd", "negerde", "flikkeren",
		"flikkert", "flikkerende", "geflikker", "sukkelen", "Mongolië",
		"Mongolen",
		/* hoer, hufter, kloot, klote, eikel, lul, trut, slet, teef */
		"hoera", "hufterproof", "klotsen", "klotsende", "eikenhout",
		"Eikelenboom", "lullig",
		/* idioot, debiel, schoft, zak, rot, shit */
		"idiotie", "debiliteit", "zakdoek", "zakken", "rotonde", "rotzooi",
		"rotten", "Rotterdam", "shiitake", "schofthoogte",
		/* kut and kloot inside other words */
		"kluts", "klootschieten", "Kuttekoven",
		/* names and numbers */
		"Dorpsstraat 4", "1234 AB", "12-ABC-3", "06-12345678", "112",
	};
	struct words *w = builtin();
	struct buf ev = BUF_INIT;
	size_t i;

	(void)state;
	assert_true(sizeof(passes) / sizeof(passes[0]) >= 30);
	for (i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		buf_reset(&ev);
		if (words_find(w, passes[i], 5, &ev) != 0)
			fail_msg("'%s' is taken for '%s'", passes[i], buf_str(&ev));
	}
	buf_release(&ev);
	words_free(w);
}

/* In a message: every hit counted, evidence as written, each once. */
static void
test_text_and_evidence(void **state)
{
	struct words *w = builtin();
	struct buf ev = BUF_INIT;

	(void)state;
	assert_int_equal(words_find(w, "Die kankerlijer heeft de fiets van nr 4 "
	    "gepikt, echt een KLOOTZAK. Klootzak! Het voertuig reed richting "
	    "Teteringen, k u t.", 10, &ev), 4);
	assert_string_equal(buf_str(&ev), "kankerlijer, KLOOTZAK, k u t");
	buf_reset(&ev);
	assert_int_equal(words_find(w, "tyfus tering kanker pleuris klote", 2, &ev), 5);
	assert_string_equal(buf_str(&ev), "tyfus, tering");
	assert_int_equal(words_find(w, "Verdachte man bij de school, rode jas, "
	    "loopt richting het park. 112 is gebeld.", 5, NULL), 0);
	assert_int_equal(words_find(w, "", 5, NULL), 0);
	buf_release(&ev);
	words_free(w);
}

/* The admin's own file adds words and exceptions; bad lines are refused. */
static void
test_admin_file(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct words *w;
	static const char own[] = "# ons eigen lijstje\n"
	    "sukkelaar\n"
	    "pannenkoek  # ook hier niet\n"
	    "!tering\n";

	(void)state;
	assert_int_equal(words_load_string(&ctx, "own.txt", own, strlen(own), &w), BPT_OK);
	assert_int_equal(words_find(w, "wat een pannenkoeken", 5, NULL), 1);
	assert_int_equal(words_find(w, "sukkelaar", 5, NULL), 1);
	assert_int_equal(words_find(w, "tering", 5, NULL), 0);
	assert_int_equal(words_find(w, "teringlijer", 5, NULL), 1);
	words_free(w);
	assert_int_equal(words_load_string(&ctx, "own.txt", "goed\nniet goed\n", 15, &w),
	    BPT_ECONFIG);
	assert_null(w);
	assert_non_null(strstr(ctx.errmsg, "own.txt:2: 'niet goed' is not a word"));
	assert_int_equal(words_load(&ctx, "/nonexistent/words.txt", &w), BPT_ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hits),
		cmocka_unit_test(test_passes),
		cmocka_unit_test(test_text_and_evidence),
		cmocka_unit_test(test_admin_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

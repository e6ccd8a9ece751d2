/*
 * detect.h - facts read from the text of an alert: whether 112 was
 * called, and the licence plates it mentions.
 *
 * Both work on UTF-8 text as it comes out of mail_parse() (the caller
 * removes quoted parts first, see quote.h), allocate nothing and never
 * fail: text they cannot read is simply text without a statement.
 */
#ifndef BPT_DETECT_H
#define BPT_DETECT_H

#include <stddef.h>

enum det112 {
	DET112_UNKNOWN,		/* the text says nothing usable */
	DET112_YES,		/* 112 or the police were called or told */
	DET112_NO		/* not called, or the writer doubts */
};

/*
 * Whether the writer says 112 (or the police) was called.
 *
 * The text is cut into clauses at . ! ? ; , blank lines and the
 * conjunctions en/maar/want/omdat/dus/toen/daarna (and/but/because/
 * then).  A clause states YES when it names 112, the police or the
 * emergency room together with a participle such as "gebeld",
 * "ingelicht", "gewaarschuwd", "op de hoogte" ("called", "informed"),
 * and NO when such a clause also holds a negation (niet, geen, nooit,
 * niemand, nee; not, no, never, didn't...), or when it says "geen 112".
 * A short answer on "112" counts too: "112: nee", "112 nog niet",
 * "buren niet, 112 wel"; so does "ja"/"nee" right after a question
 * such as "112 gebeld?".  "ja/nee" of an unfilled form says nothing.
 * Negation wins inside its own clause.  Questions ("?" or a clause
 * that starts with a verb and a pronoun), conditions (als, indien,
 * mocht; if), modal clauses (moet, zou, kan; should, would) and
 * uncertainty ("weet niet of", "geen idee") state nothing, so "moet ik
 * 112 bellen?" and "bel 112" stay unknown.
 *
 * The last stating clause wins, so a later "ik heb nu 112 gebeld"
 * overrides an earlier "niet gebeld".  Weaker evidence counts only
 * when no clause names 112 or the police: "nog niet gebeld" without a
 * subject and "twijfel" then give NO.  Case, diacritics, extra spaces
 * and single line breaks do not matter; "1120" and "0112" are not 112.
 * A NULL text is unknown.
 */
enum det112 detect_112(const char *utf8);

/* "ja", "nee" or "onbekend", for headers and listings; static. */
const char *detect_112_str(enum det112 d);

/* Size of one normalised plate, "12-ABC-3" plus NUL, with room. */
#define DETECT_PLATE_LEN 10

/*
 * Dutch licence plates (sidecodes 1 to 14) in utf8, in order of first
 * appearance, each once, normalised to upper case with dashes where
 * the sidecode puts them ("12-ABC-3").  Writes at most max of them to
 * out and returns how many it wrote.
 *
 * A plate is six letters and digits whose letter and digit groups
 * form a sidecode:
 *   1 XX-99-99   2 99-99-XX   3 99-XX-99   4 XX-99-XX   5 XX-XX-99
 *   6 99-XX-XX   7 99-XXX-9   8 9-XXX-99   9 XX-999-X  10 X-999-XX
 *  11 XXX-99-X  12 X-99-XXX  13 9-XX-999  14 999-XX-9
 * standing alone (no letter or digit, nor a dash or slash followed by
 * one, on either side).  Between groups a writer may put a dash, a
 * space or nothing, but nothing only where letters meet digits: a cut
 * inside a run of digits or of letters is never guessed, so "1234 AB"
 * and "1234AB" (postcodes) and "AB1234" are not plates.  Forms:
 *
 *  - With a dash at every group boundary, any letters are accepted, as
 *    plates are often noted in a hurry; three-letter groups that are
 *    month abbreviations ("1-jan-23", "12-okt-4") are dates, not plates.
 *  - Any other form (spaces, or no separator where letters meet
 *    digits: "12ABC3", "12 BDF 3", "BD-123 F") is accepted only when
 *    its letters could be on a Dutch plate: no vowels, no C or Q.
 *    Ordinary words are full of vowels, plates never have them since
 *    1978, so this keeps "om 12 uur", "nr 12 bv"-like text out; a
 *    first group "NR" followed by a space is a house number.
 *
 * Times (12:30), dates (12-03-2024), phone numbers (06-12345678) and
 * amounts hold no letters or run past six characters, so they never
 * form a sidecode.  A NULL text has no plates.
 */
size_t detect_plates(const char *utf8, char out[][DETECT_PLATE_LEN], size_t max);

#endif

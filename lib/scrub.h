/*
 * scrub.h - privacy (AVG): contact details never reach the group.
 *
 * A member's mail address and phone number must not appear in any
 * copy the group receives; a signature or a quoted header block often
 * carries them.  scrub_contacts() replaces every mail address and
 * every phone number in a text (Dutch and international writings:
 * 06-12345678, 06 - 12 34 56 78, 020 123 4567, +31 (0)6 1234 5678,
 * 0031..., after a colon or glued to a word, two in a row) with a
 * marker.  Licence plates, times, dates, postcodes, house numbers and
 * service numbers (0800, 0900) are left alone: see find_phone().
 */
#ifndef BPT_SCRUB_H
#define BPT_SCRUB_H

/*
 * Returns a new string (caller frees) with addresses replaced by
 * addr_mark and phone numbers by phone_mark; *count (may be NULL) is
 * the number of replacements.  NULL on out of memory.
 */
char *scrub_contacts(const char *text, const char *addr_mark,
    const char *phone_mark, int *count);

/*
 * The number of addresses and phone numbers in text (0 for NULL):
 * for names that cannot carry a marker, such as a file name.
 */
int scrub_count(const char *text);

#endif

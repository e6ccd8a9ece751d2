/*
 * scrub.h - privacy (AVG): contact details never reach the group.
 *
 * A member's mail address and phone number must not appear in any
 * copy the group receives; a signature or a quoted header block often
 * carries them.  scrub_contacts() replaces every mail address and
 * every phone number in a text (Dutch and international writings:
 * 06-12345678, 020 123 4567, +31 6 1234 5678, 0031...) with a marker.
 * Licence plates, times, dates, postcodes and house numbers are left
 * alone: a phone number has 10 to 13 digits.
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

#endif

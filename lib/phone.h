/*
 * phone.h - Dutch mobile numbers as bpt stores them (E.164).
 *
 * Members write their number in many ways: "06-12345678",
 * "06 1234 5678", "+31 6 12345678", "0031612345678", "(06) 12345678",
 * "+31 (0)6 12345678".  All of them are stored as "+31612345678".
 * Landlines, service numbers, foreign numbers, numbers of the wrong
 * length and anything with letters are refused: the number is only
 * for the police export, where a wrong one is worse than none.
 */
#ifndef BPT_PHONE_H
#define BPT_PHONE_H

#include "bpt.h"

/*
 * Checks s and returns its E.164 form in *out (caller frees).
 * BPT_EDATA with "bad phone 'S': why"; BPT_ENOMEM.  An empty string
 * is refused too: callers treat "" as "no number" before calling.
 */
enum bpt_status phone_normalize(struct bpt_ctx *ctx, const char *s, char **out);

#endif

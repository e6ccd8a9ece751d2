/*
 * addr.h - mail addresses (RFC 5322 addr-spec) as bpt stores them.
 *
 * An address is valid when it is a dot-atom or quoted-string local
 * part (at most 64 octets), "@", and a dot-atom domain or domain
 * literal, 254 octets in all, ASCII only.  Normal form: surrounding
 * blanks and angle brackets removed, domain lower-cased.  Matching is
 * case-insensitive (members are looked up with COLLATE NOCASE).
 */
#ifndef BPT_ADDR_H
#define BPT_ADDR_H

#include "bpt.h"

/*
 * Checks s and returns its normal form in *out (caller frees).
 * BPT_EDATA with a message saying what is wrong; BPT_ENOMEM.
 */
enum bpt_status addr_normalize(struct bpt_ctx *ctx, const char *s, char **out);

/* 1 when s is a valid addr-spec (no normalisation needed or not). */
int addr_valid(const char *s);

/* Pointers into addr (normal form): the domain, after '@'. */
const char *addr_domain(const char *addr);

/* Case-insensitive equality of two normalised addresses. */
int addr_eq(const char *a, const char *b);

#endif

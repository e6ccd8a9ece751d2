/*
 * words.h - swearing, insults and discrimination in a text.
 *
 * The group rule "Let op het taalgebruik" asks for neutral language.
 * A word list (contrib/words.nl.txt, built in, plus the admin's file
 * policy.words in the same form) says what to look for; words_find()
 * reads a text as a person reads it: whole words with their
 * inflections, compounds where the list allows them, case and accents
 * ignored, and the usual disguises undone (k*t, k.u.t, k u t, kuuut,
 * k4nker).  A word that merely contains a listed one (voertuig,
 * kankeronderzoek, Teteringen) is no hit: see the list's header.
 */
#ifndef BPT_WORDS_H
#define BPT_WORDS_H

#include <stddef.h>

#include "bpt.h"
#include "buf.h"

struct words;

/*
 * The built-in list plus the entries of the file path (NULL or "":
 * none) into *out (free with words_free()).  BPT_ECONFIG naming the
 * file and line for an entry that is not a word; BPT_ENOENT, BPT_EIO
 * when the file cannot be read; BPT_ENOMEM.
 */
enum bpt_status words_load(struct bpt_ctx *ctx, const char *path,
    struct words **out);

/* The same from text already in memory; name is used in messages. */
enum bpt_status words_load_string(struct bpt_ctx *ctx, const char *name,
    const char *text, size_t len, struct words **out);

void words_free(struct words *w);

/*
 * The number of listed words in text (UTF-8).  The first max of them,
 * as they are written there, are appended to evidence (may be NULL),
 * separated by ", ", each once.
 */
size_t words_find(const struct words *w, const char *text, size_t max,
    struct buf *evidence);

/* The built-in list as it is shipped (contrib/words.nl.txt). */
extern const char words_builtin_nl[];

#endif

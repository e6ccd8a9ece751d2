/*
 * template.h - the texts bpt writes to residents and admins.
 *
 * Every text has a name ("alert", "notice-nonmember", ...) and a
 * built-in Dutch and English version; group.language picks one.  An
 * admin overrides a text by putting NAME.LANG.txt or NAME.txt in the
 * folder group.templates.
 *
 * Syntax: {{var}} is replaced by the variable's value; {{#var}} ...
 * {{/var}} keeps its inside only when var is set and not empty;
 * {{^var}} ... {{/var}} only when it is empty or unset.  A line that
 * holds a section tag and ends up empty vanishes with its line break
 * (a tag alone on its line always does).  Unknown variables are empty.
 * Notices start with "Subject: ..." and a blank line before the body.
 * bpt-templates(5) lists every text and its variables.
 */
#ifndef BPT_TEMPLATE_H
#define BPT_TEMPLATE_H

#include <stddef.h>

#include "bpt.h"
#include "buf.h"

struct tvar {
	const char *name;
	const char *value;	/* NULL or "" counts as empty */
};

/*
 * Renders template name into out with vars[0..n).  The text comes
 * from the override folder when it has one, else the built-in one of
 * the configured language.  BPT_ENOENT for an unknown name, BPT_EIO
 * when an override cannot be read, BPT_ENOMEM.
 */
enum bpt_status tpl_render(struct bpt_ctx *ctx, const char *name,
    const struct tvar *vars, size_t n, struct buf *out);

/* Renders a template text given directly (used by tpl_render and tests). */
enum bpt_status tpl_expand(struct bpt_ctx *ctx, const char *text,
    const struct tvar *vars, size_t n, struct buf *out);

/* The built-in text of name in lang ("nl", "en"), or NULL. */
const char *tpl_builtin(const char *name, const char *lang);

/* The name of the i-th built-in text, or NULL past the last (to list
 * them all, e.g. in tests).  Static. */
const char *tpl_builtin_name(size_t i);

#endif

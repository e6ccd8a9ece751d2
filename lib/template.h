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
 * bpt.templates(5) lists every text and its variables.
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
 * the configured language.  An override that does not render (an
 * admin's typo: "{{" without "}}", a section not closed, a variable
 * no tool fills in) is never the end of a message: a warning is
 * logged and the built-in text is used.  BPT_ENOENT for an unknown name, BPT_EIO when an override
 * cannot be read, BPT_ENOMEM.
 */
enum bpt_status tpl_render(struct bpt_ctx *ctx, const char *name,
    const struct tvar *vars, size_t n, struct buf *out);

/* An override that does not render, as tpl_check() found it. */
struct tpl_broken {
	char name[64];		/* template name, "alert" */
	char path[1024];	/* the override file */
	char sha256[65];	/* of its text: one version of the mistake */
	char error[512];	/* what is wrong, without the path */
};

/*
 * Renders every override in group.templates with sample values: once
 * with every variable empty, once with every variable set, and checks
 * that each variable it names is one the tools fill in (tplcheck.c).
 * BPT_OK when all render (or there is no folder); BPT_ECONFIG naming
 * the file of the first that does not, which b (may be NULL)
 * describes; BPT_EIO when one cannot be read; BPT_ENOMEM.
 */
enum bpt_status tpl_check(struct bpt_ctx *ctx, struct tpl_broken *b);

/* Renders a template text given directly (used by tpl_render and tests). */
enum bpt_status tpl_expand(struct bpt_ctx *ctx, const char *text,
    const struct tvar *vars, size_t n, struct buf *out);

/* The path of the override of name: i 0 DIR/NAME.LANG.txt, i 1
 * DIR/NAME.txt (the first one found is read).  BPT_ENOMEM. */
enum bpt_status tpl_override_path(struct bpt_ctx *ctx, const char *dir,
    const char *name, const char *lang, int i, struct buf *path);

/* tpl_expand() with every variable set to a sample value. */
enum bpt_status tpl_expand_sample(struct bpt_ctx *ctx, const char *text,
    struct buf *out);

/*
 * 1 when name[0..len) is a variable the tools fill in for some
 * template: one a built-in text uses, or one of the few given for
 * admins' own texts only.  A name no tool fills in is a typo that
 * would be left empty ({{naam}} for {{name}}).
 */
int tpl_var_known(const char *name, size_t len);

/* BPT_EDATA naming the first {{tag}} of text whose variable is not
 * tpl_var_known() (or a "{{" without "}}"); else BPT_OK. */
enum bpt_status tpl_vars_check(struct bpt_ctx *ctx, const char *text);

/* The built-in text of name in lang ("nl", "en"), or NULL. */
const char *tpl_builtin(const char *name, const char *lang);

/* The name of the i-th built-in text, or NULL past the last (to list
 * them all, e.g. in tests).  Static. */
const char *tpl_builtin_name(size_t i);

#endif

/*
 * html.h - readable text from HTML mail.
 *
 * Not a browser: a tolerant single pass that keeps what a reader sees.
 * head, style, script, title and comments are dropped; block tags and
 * <br> become line breaks, list items start with "- ", table cells are
 * separated by a space, links keep their text; character references
 * (named, decimal, hexadecimal) are decoded; white space is collapsed
 * outside <pre>, and never more than one blank line follows another.
 * Linear in the input, whatever its shape.
 */
#ifndef BPT_HTML_H
#define BPT_HTML_H

#include <stddef.h>

#include "buf.h"

/*
 * Appends the text of html[0..n) (UTF-8, LF line ends) to out: UTF-8,
 * LF line ends, no blank line at the start or the end, no trailing
 * blanks on a line, no final newline.  Memory errors are recorded in
 * out (buf_failed()).
 */
void html_to_text(struct buf *out, const char *html, size_t n);

#endif

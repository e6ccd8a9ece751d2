/*
 * quote.h - the new part of a reply, without the text it quotes.
 *
 * Members reply from every kind of client; the alert, the transcript
 * and the 112 and plate detection want only what the writer added.
 */
#ifndef BPT_QUOTE_H
#define BPT_QUOTE_H

/*
 * Returns a copy of text (UTF-8, LF or CRLF line ends) with quoted
 * material removed, and sets *folded (when folded is not NULL) to 1
 * when something was removed, else 0.  Removed are:
 *
 *  - lines starting with ">" or Supercite's "JJ>" (after blanks),
 *    also between pieces of new text (inline replies keep the new
 *    text);
 *  - an attribution line before quoted lines: "Op <datum> schreef
 *    <naam>:", "Op <datum> heeft <naam> het volgende geschreven:",
 *    "On <date>, <name> wrote:", "Le ... a écrit :", "Am ... schrieb
 *    ...:", "El ... escribió:", or any line ending in "wrote:",
 *    "schreef:" (and other languages), or ending in ":" and naming an
 *    address; wrapped over up to three lines as Gmail and Apple do
 *    (the first line then starts like an attribution and is long);
 *  - from such a dated attribution to the end when no ">" lines follow
 *    (clients that quote without ">"), and from Outlook's
 *    "-----Original Message-----" / "-----Oorspronkelijk bericht-----"
 *    or its header block ("Van:/Verzonden:/Aan:/Onderwerp:",
 *    "From:/Sent:/To:/Subject:", also "*Van:*" from HTML, and the
 *    German and French ones), with a "_____" line before it, to the end;
 *  - not removed: a forwarded message ("---------- Doorgestuurd bericht
 *    ----------", "Begin forwarded message:") and the header block
 *    right after it, which are what the writer passes on;
 *  - "Verzonden vanaf mijn iPhone", "Sent from my Android" and similar
 *    lines (and a "--" line above them) right before removed quotes.
 *
 * When something was removed, runs of blank lines left where quotes
 * were become one, leading and trailing blank lines go, and the result
 * ends in one LF.  When nothing was removed, or when everything is
 * quoted (nothing new would be left), the result is an unchanged copy
 * and *folded is 0, so the result is never empty unless text was.
 * text NULL is taken as "".
 *
 * The caller frees the result with free().  NULL only when memory ran
 * out.
 */
char *quote_fold(const char *text, int *folded);

#endif

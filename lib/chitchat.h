/*
 * chitchat.h - a new message that is not an alert.
 *
 * The group is for suspicious situations only ("geen onderling
 * contact"): "Goedemorgen allemaal", "Bedankt!", "Top" or a thumbs-up
 * must not open an incident and wake a whole street.  chitchat_only()
 * says whether a subject and text hold nothing but greetings, thanks,
 * agreement, emoji and punctuation, with at most a closing and a name.
 * It only says so when that is certain: any other word, any digit,
 * makes it an alert ("Inbraak nu Dorpsstraat 4" passes).
 */
#ifndef BPT_CHITCHAT_H
#define BPT_CHITCHAT_H

/* 1 when subject and text (either may be NULL) hold no more than
 * greetings, thanks, emoji and a signed name; 0 otherwise. */
int chitchat_only(const char *subject, const char *text);

#endif

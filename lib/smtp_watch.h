/*
 * smtp_watch.h - ends SMTP sessions at their deadline, wherever they wait.
 *
 * The guard layer (smtp_guard.h) refuses to start a read or write once
 * a session's deadline has passed, but a call already under way can
 * wait far longer inside libetpan: the socket layer polls for up to
 * delivery.smtp.timeout (10 minutes for the reply to the final dot),
 * a write blocks while the relay reads nothing, and the TLS layer loops
 * on its own until a whole TLS record has come in, however slowly it
 * drips.  A watchdog thread sleeps until the earliest deadline of the
 * sessions it watches and then records SMTP_FAULT_DEADLINE in that
 * session's guard and shuts its socket down (shutdown(2), both ways):
 * every poll, read and write on it returns at once, in any layer.
 *
 * The watchdog shuts down a duplicate of the socket's descriptor, its
 * own, so it never touches a descriptor number that libetpan has
 * closed and the system has handed to someone else.
 *
 * A watch has a fixed number of slots, one per connection; each slot
 * is armed and disarmed by the one thread that owns that connection.
 * The thread starts with the first smtp_watch_arm().
 */
#ifndef BPT_SMTP_WATCH_H
#define BPT_SMTP_WATCH_H

#include <stddef.h>

struct smtp_guard;
struct smtp_watch;

/* A watch of n slots, or NULL when out of memory; free with smtp_watch_free(). */
struct smtp_watch *smtp_watch_new(size_t n);

/*
 * Watches the socket fd of slot i (not taken over: a duplicate is kept)
 * until g->deadline.  0, or -1 with errno set (no descriptor or thread
 * to be had).
 */
int smtp_watch_arm(struct smtp_watch *w, size_t i, int fd, struct smtp_guard *g);

/* Stops watching slot i; call it before the socket is closed. */
void smtp_watch_disarm(struct smtp_watch *w, size_t i);

/* Stops the thread and frees w; NULL is a no-op. */
void smtp_watch_free(struct smtp_watch *w);

#endif

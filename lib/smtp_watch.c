/* smtp_watch.c - the deadline watchdog of SMTP sessions (smtp_watch.h). */
#include "bptconf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "smtp_guard.h"
#include "smtp_watch.h"
#include "util.h"

struct slot {
	int fd;			/* our duplicate; -1: not armed */
	struct smtp_guard *g;
};

struct smtp_watch {
	pthread_mutex_t lock;	/* guards all below */
	pthread_cond_t wake;	/* a slot was armed, or quit */
	pthread_t tid;
	int started;
	int quit;
	size_t n;
	struct slot slot[];
};

static void
slot_clear(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->g = NULL;
}

/* Ends the sessions past their deadline; the earliest one to come, or -1. */
static long long
expire(struct smtp_watch *w, long long now)
{
	long long next = -1;
	size_t i;

	for (i = 0; i < w->n; i++) {
		struct slot *s = &w->slot[i];

		if (s->fd < 0)
			continue;
		if (s->g->deadline <= now) {
			/* the fault first: the woken reader must see it */
			smtp_guard_fail(s->g, SMTP_FAULT_DEADLINE);
			shutdown(s->fd, SHUT_RDWR);
			slot_clear(s);
		} else if (next < 0 || s->g->deadline < next)
			next = s->g->deadline;
	}
	return next;
}

static void *
watch_main(void *arg)
{
	struct smtp_watch *w = arg;
	struct timespec ts;
	long long now, next, ms;

	pthread_mutex_lock(&w->lock);
	while (!w->quit) {
		now = util_now_ms();
		if ((next = expire(w, now)) < 0) {
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		/* util_now_ms() is CLOCK_MONOTONIC, and so is the condition's */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ms = next - now;
		ts.tv_sec += (time_t)(ms / 1000);
		ts.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct smtp_watch *
smtp_watch_new(size_t n)
{
	struct smtp_watch *w;
	pthread_condattr_t ca;
	size_t i;

	if ((w = calloc(1, sizeof(*w) + n * sizeof(w->slot[0]))) == NULL)
		return NULL;
	w->n = n;
	for (i = 0; i < n; i++)
		w->slot[i].fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	return w;
}

/* Starts the thread with every signal blocked: they are the process's. */
static int
start(struct smtp_watch *w)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&w->tid, NULL, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		errno = r;
		return -1;
	}
	w->started = 1;
	return 0;
}

int
smtp_watch_arm(struct smtp_watch *w, size_t i, int fd, struct smtp_guard *g)
{
	int dup, rv = -1;

	if (i >= w->n) {
		errno = EINVAL;
		return -1;
	}
	if ((dup = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	pthread_mutex_lock(&w->lock);
	if (!w->started && start(w) < 0) {
		close(dup);
		goto out;
	}
	slot_clear(&w->slot[i]);
	w->slot[i].fd = dup;
	w->slot[i].g = g;
	pthread_cond_signal(&w->wake);
	rv = 0;
out:
	pthread_mutex_unlock(&w->lock);
	return rv;
}

void
smtp_watch_disarm(struct smtp_watch *w, size_t i)
{
	if (w == NULL || i >= w->n)
		return;
	pthread_mutex_lock(&w->lock);
	slot_clear(&w->slot[i]);
	pthread_mutex_unlock(&w->lock);
}

void
smtp_watch_free(struct smtp_watch *w)
{
	size_t i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (w->started)
		pthread_join(w->tid, NULL);
	for (i = 0; i < w->n; i++)
		slot_clear(&w->slot[i]);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

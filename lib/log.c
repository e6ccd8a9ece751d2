/* log.c - stderr or syslog, errno preserved (see log.h). */
#include "bptconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

/* Logging is process-wide by nature (syslog is); this is its only state. */
static const char *log_name = "bpt";
static int log_tty = 1;
static int log_stderr = 0;
static int log_verbose = 0;

void
log_init(const char *progname, int interactive)
{
	log_name = progname;
	log_tty = interactive;
	if (!interactive)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_stderr(int on)
{
	log_stderr = on;
}

void
log_set_verbose(int level)
{
	log_verbose = level;
}

const char *
log_progname(void)
{
	return log_name;
}

static void
log_emit(int prio, const char *emsg, const char *fmt, va_list ap)
{
	char msg[4096];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if ((log_tty || log_stderr) && (prio <= LOG_WARNING ||
	    log_verbose >= (prio == LOG_DEBUG ? 2 : 1))) {
		if (emsg)
			fprintf(stderr, "%s: %s: %s\n", log_name, msg, emsg);
		else
			fprintf(stderr, "%s: %s\n", log_name, msg);
	}
	if (!log_tty) {
		if (emsg)
			syslog(prio, "%s: %s", msg, emsg);
		else
			syslog(prio, "%s", msg);
	}
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_tty && log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_emit(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	log_emit(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

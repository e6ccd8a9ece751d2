/*
 * log.h - the one logging API.
 *
 * Messages go to stderr when interactive (a tty, or -v), otherwise to
 * syslog(LOG_MAIL).  log_warn() appends strerror(errno); log_warnx()
 * does not.  All of them preserve errno.
 */
#ifndef BPT_LOG_H
#define BPT_LOG_H

void log_init(const char *progname, int interactive);
/* Also send warnings to stderr when not interactive (tools run by an MTA). */
void log_set_stderr(int on);
void log_set_verbose(int level);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *log_progname(void);

#endif

/* config.c - bpt.yaml read with libyaml, checked against one key table. */
#include "bptconf.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yaml.h>

#include "addr.h"
#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* bpt.yaml(5): "The file may be at most 1 MiB." */
#define CFG_MAX_SIZE (1024 * 1024)

enum ktype {
	K_SECTION,	/* a mapping of further keys */
	K_STR,		/* any string */
	K_PATH,		/* a file name; relative ones are taken from the config's folder */
	K_PROG,		/* a program to run: an absolute path (see set_value()) */
	K_ADDR,		/* a mail address, normalised */
	K_HTTPS,	/* empty, or an https:// URL */
	K_BOOL,
	K_INT,		/* min..max */
	K_DUR,		/* "3h", "14d"; seconds in min..max */
	K_SIZE,		/* "3MB"; bytes in min..max */
	K_ENUM,		/* index into names */
	K_ZONE,		/* an IANA time zone the system knows */
	K_ARGV,		/* a command as a list of words, no shell; the first a path */
};

static const char *const e_lang[] = { "nl", "en", NULL };
static const char *const e_transport[] = { "smtp", "sendmail", "maildir", NULL };
static const char *const e_tls[] = { "none", "starttls", "implicit", NULL };
static const char *const e_nonmember[] = { "reject", "hold", NULL };
static const char *const e_action[] = { "hold", "reject", "allow", NULL };
static const char *const e_strip[] = { "strip", "allow", NULL };
static const char *const e_auth[] = { "confirm", "pgp", NULL };
static const char *const e_unexported[] = { "keep", "purge", NULL };

struct key {
	const char *path;
	enum ktype type;
	size_t off;
	const char *def;	/* default, parsed like a value; NULL: none */
	long min, max;
	const char *const *names;
	int required;
};

#define OFF(f) offsetof(struct bpt_config, f)
#define SEC(p) { p, K_SECTION, 0, NULL, 0, 0, NULL, 0 }
#define STR(p, f, d) { p, K_STR, OFF(f), d, 0, 0, NULL, 0 }
#define PATH(p, f, d) { p, K_PATH, OFF(f), d, 0, 0, NULL, 0 }
#define ADDR(p, f, d) { p, K_ADDR, OFF(f), d, 0, 0, NULL, 0 }
#define BOOL(p, f, d) { p, K_BOOL, OFF(f), d, 0, 0, NULL, 0 }
#define INT(p, f, d, lo, hi) { p, K_INT, OFF(f), d, lo, hi, NULL, 0 }
#define DUR(p, f, d, lo, hi) { p, K_DUR, OFF(f), d, lo, hi, NULL, 0 }
#define SIZE(p, f, d, lo, hi) { p, K_SIZE, OFF(f), d, lo, hi, NULL, 0 }
#define PROG(p, f, d) { p, K_PROG, OFF(f), d, 0, 0, NULL, 0 }

/*
 * Units for the bounds of durations (seconds) and sizes (bytes).  Every
 * duration and size has an upper bound: a value past it is a typing
 * mistake, and would overflow where it is turned into milliseconds
 * (busy_timeout) or an unsigned int (alarm(2)).
 */
#define MINUTE 60L
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define KB 1024L
#define MB (1024 * KB)
#define ENUM(p, f, d, n) { p, K_ENUM, OFF(f), d, 0, 0, n, 0 }
#define ARGV(p, f) { p, K_ARGV, OFF(f), NULL, 0, 0, NULL, 0 }

/* Every key of bpt.yaml(5); keep the man page in step. */
static const struct key keys[] = {
	SEC("group"),
	STR("group.name", group.name, "BPT"),
	{ "group.address", K_ADDR, OFF(group.address), NULL, 0, 0, NULL, 1 },
	ENUM("group.language", group.language, "nl", e_lang),
	{ "group.timezone", K_ZONE, OFF(group.timezone), "Europe/Amsterdam", 0, 0,
	    NULL, 0 },
	{ "group.unsubscribe_url", K_HTTPS, OFF(group.unsubscribe_url), "", 0, 0, NULL, 0 },
	PATH("group.templates", group.templates, ""),
	STR("group.rules_version", group.rules_version, "1"),
	{ "store", K_PATH, OFF(store), NULL, 0, 0, NULL, 1 },
	DUR("busy_timeout", busy_timeout, "10s", 1, 10 * MINUTE),
	SEC("delivery"),
	ENUM("delivery.transport", delivery.transport, "smtp", e_transport),
	SEC("delivery.smtp"),
	STR("delivery.smtp.host", delivery.smtp.host, "127.0.0.1"),
	INT("delivery.smtp.port", delivery.smtp.port, "25", 1, 65535),
	ENUM("delivery.smtp.tls", delivery.smtp.tls, "none", e_tls),
	STR("delivery.smtp.user", delivery.smtp.user, ""),
	PATH("delivery.smtp.password_file", delivery.smtp.password_file, ""),
	STR("delivery.smtp.helo", delivery.smtp.helo, ""),
	DUR("delivery.smtp.timeout", delivery.smtp.timeout, "60s", 1, HOUR),
	DUR("delivery.smtp.session_timeout", delivery.smtp.session_timeout, "10m", 1, DAY),
	BOOL("delivery.smtp.tls_verify", delivery.smtp.tls_verify, "true"),
	PATH("delivery.smtp.ca_file", delivery.smtp.ca_file, ""),
	PROG("delivery.sendmail", delivery.sendmail, "/usr/sbin/sendmail"),
	DUR("delivery.sendmail_timeout", delivery.sendmail_timeout, "2m", 1, 15 * MINUTE),
	PATH("delivery.maildir", delivery.maildir, "outbox"),
	BOOL("delivery.verp", delivery.verp, "false"),
	INT("delivery.batch", delivery.batch, "50", 1, 1000),
	INT("delivery.connections", delivery.connections, "4", 1, 64),
	DUR("delivery.max_age", delivery.max_age, "2d", 1, 30 * DAY),
	DUR("delivery.retry_min", delivery.retry_min, "1m", 1, DAY),
	DUR("delivery.retry_max", delivery.retry_max, "1h", 1, 7 * DAY),
	INT("delivery.bounce_limit", delivery.bounce_limit, "5", 1, 1000),
	DUR("delivery.bounce_window", delivery.bounce_window, "30d", DAY, 365 * DAY),
	DUR("delivery.undelivered_after", delivery.undelivered_after, "5m", 0, 7 * DAY),
	INT("delivery.rate", delivery.rate, "0", 0, 1000000),
	SEC("inbound"),
	SEC("inbound.imap"),
	STR("inbound.imap.host", inbound.imap.host, ""),
	INT("inbound.imap.port", inbound.imap.port, "993", 1, 65535),
	ENUM("inbound.imap.tls", inbound.imap.tls, "implicit", e_tls),
	STR("inbound.imap.user", inbound.imap.user, ""),
	PATH("inbound.imap.password_file", inbound.imap.password_file, ""),
	PATH("inbound.imap.ca_file", inbound.imap.ca_file, ""),
	STR("inbound.imap.mailbox", inbound.imap.mailbox, "INBOX"),
	STR("inbound.imap.done_mailbox", inbound.imap.done_mailbox, ""),
	DUR("inbound.imap.timeout", inbound.imap.timeout, "60s", 1, HOUR),
	ARGV("inbound.imap.oauth2_token_command", inbound.imap.oauth2_argv),
	SEC("police"),
	{ "police.address", K_ADDR, OFF(police.address), "", 0, 0, NULL, 0 },
	STR("police.encrypt_to", police.encrypt_to, ""),
	DUR("police.export_after", police.export_after, "1h", 0, 30 * DAY),
	SEC("signing"),
	STR("signing.key", signing.key, ""),
	PATH("signing.gnupghome", signing.gnupghome, "gnupg"),
	SEC("policy"),
	ENUM("policy.non_members", policy.non_members_hold, "reject", e_nonmember),
	ENUM("policy.language", policy.language, "hold", e_action),
	PATH("policy.words", policy.words, ""),
	SEC("policy.attachments"),
	ENUM("policy.attachments.images", policy.images_allow, "allow", e_strip),
	INT("policy.attachments.max_images", policy.max_images, "4", 0, 100),
	SIZE("policy.attachments.max_image_size", policy.max_image_size, "3MB", KB, 100 * MB),
	ENUM("policy.attachments.other", policy.other_allow, "strip", e_strip),
	SIZE("policy.max_message_size", policy.max_message_size, "10MB", KB, 100 * MB),
	SEC("policy.flood"),
	INT("policy.flood.max_per_hour", policy.flood_max_per_hour, "30", 0, 100000),
	ENUM("policy.admin_auth", policy.admin_auth_pgp, "confirm", e_auth),
	DUR("policy.hold_expiry", policy.hold_expiry, "24h", HOUR, 30 * DAY),
	INT("policy.ban_quorum", policy.ban_quorum, "1", 1, 100),
	BOOL("policy.signup_approval", policy.signup_approval, "true"),
	BOOL("policy.hold_alerts", policy.hold_alerts, "true"),
	STR("policy.authserv_id", policy.authserv_id, ""),
	DUR("policy.signup_confirm_within", policy.signup_confirm_within, "7d", HOUR,
	    90 * DAY),
	SEC("followup"),
	DUR("followup.idle_close", followup.idle_close, "3h", MINUTE, 30 * DAY),
	DUR("followup.outcome_after", followup.outcome_after, "14d", DAY, 365 * DAY),
	SEC("retention"),
	INT("retention.days", retention.days, "28", 1, 36500),
	ENUM("retention.unexported", retention.unexported_purge, "keep", e_unexported),
	SEC("limits"),
	INT("limits.max_parts", limits.max_parts, "100", 1, 10000),
	INT("limits.max_depth", limits.max_depth, "10", 1, 100),
	INT("limits.max_headers", limits.max_headers, "1000", 10, 100000),
	SIZE("limits.max_line", limits.max_line, "256KB", KB, 16 * MB),
	INT("limits.parse_attempts", limits.parse_attempts, "1", 1, 100),
	DUR("limits.parse_timeout", limits.parse_timeout, "60s", 1, 15 * MINUTE),
	INT("limits.unfinished_runs", limits.unfinished_runs, "10", 1, 1000),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

long
cfg_parse_duration(const char *s)
{
	char *end;
	long v, mul;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	switch (*end) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	default: return -1;
	}
	if (end[1] != '\0' || v > LONG_MAX / mul)
		return -1;
	return v * mul;
}

long
cfg_parse_size(const char *s)
{
	static const struct { const char *sfx; long mul; } units[] = {
		{ "B", 1 }, { "K", 1024 }, { "KB", 1024 }, { "M", 1024L * 1024 },
		{ "MB", 1024L * 1024 }, { "G", 1024L * 1024 * 1024 },
		{ "GB", 1024L * 1024 * 1024 },
	};
	char *end;
	long v;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (*end == '\0')
		return v;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(end, units[i].sfx) == 0)
			return v > LONG_MAX / units[i].mul ? -1 : v * units[i].mul;
	return -1;
}

const char *
cfg_default_path(const char *explicit_path)
{
	const char *e;

	if (explicit_path != NULL && *explicit_path != '\0')
		return explicit_path;
	e = getenv("BPT_CONFIG");
	if (e != NULL && *e != '\0')
		return e;
	return SYSCONFDIR "/bpt/bpt.yaml";
}

const char *
cfg_timezone(const struct bpt_config *cfg)
{
	return cfg != NULL ? cfg->group.timezone : NULL;
}

const char *
cfg_list_domain(const struct bpt_config *cfg)
{
	return cfg->list.domain != NULL ? cfg->list.domain :
	    addr_domain(cfg->group.address);
}

struct loader {
	struct bpt_ctx *ctx;
	struct bpt_config *cfg;
	const char *name;
	char *dir;		/* folder of the config file, for relative paths */
	const struct stat *file;	/* its fstat(2); NULL for text in memory */
	yaml_document_t *doc;
	unsigned char seen[NKEYS];
};

static enum bpt_status
at(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum bpt_status
at(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n == NULL)
		return bpt_err(l->ctx, BPT_ECONFIG, "%s: %s", l->name, msg);
	return bpt_err(l->ctx, BPT_ECONFIG, "%s:%zu:%zu: %s", l->name,
	    n->start_mark.line + 1, n->start_mark.column + 1, msg);
}

static const struct key *
key_find(const char *path, size_t *idx)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].path, path) == 0) {
			*idx = i;
			return &keys[i];
		}
	return NULL;
}

static char **
slot_str(struct bpt_config *c, const struct key *k)
{
	return (char **)(void *)((char *)c + k->off);
}

static long *
slot_long(struct bpt_config *c, const struct key *k)
{
	return (long *)(void *)((char *)c + k->off);
}

static int *
slot_int(struct bpt_config *c, const struct key *k)
{
	return (int *)(void *)((char *)c + k->off);
}

static char ***
slot_argv(struct bpt_config *c, const struct key *k)
{
	return (char ***)(void *)((char *)c + k->off);
}

static void
argv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * Whoever may write the configuration may make every tool run a program
 * of their choice as the user it runs as (the mail server's pipe user,
 * root from cron).  A file that names one must be writable by its
 * owner alone, as OpenSSH's StrictModes asks of authorized_keys: not by
 * others, and by its group only when that group is root's or the
 * owner's own (a user private group, as a umask of 002 leaves files).
 */
static int
owner_writes_only(const struct stat *sb)
{
	const struct passwd *pw;
	const struct group *gr;

	if (sb->st_mode & S_IWOTH)
		return 0;
	if (!(sb->st_mode & S_IWGRP) || sb->st_gid == 0)
		return 1;
	if ((pw = getpwuid(sb->st_uid)) == NULL || pw->pw_gid != sb->st_gid)
		return 0;
	gr = getgrgid(sb->st_gid);
	return gr != NULL && strcmp(gr->gr_name, pw->pw_name) == 0 &&
	    (gr->gr_mem[0] == NULL || (strcmp(gr->gr_mem[0], pw->pw_name) == 0 &&
	    gr->gr_mem[1] == NULL));
}

/*
 * A command for K_ARGV: a YAML list of words ([/usr/bin/prog, --flag,
 * x]), run without a shell, or a single word.  The program is a path;
 * a relative one is taken from the config's folder.  A single value
 * with spaces is refused: it would look like a shell command line, and
 * none is run.  ~ or "" for none.
 */
static enum bpt_status
set_argv(struct loader *l, const struct key *k, yaml_node_t *vn)
{
	yaml_node_item_t *it;
	yaml_node_t *items[64];
	char **v;
	size_t n = 0, i;

	if (vn->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)vn->data.scalar.value;

		if (*s == '\0' || (vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (strcmp(s, "~") == 0 || strcmp(s, "null") == 0)))
			return BPT_OK;
		if (strpbrk(s, " \t") != NULL)
			return at(l, vn, "%s: write the command as a list of words, "
			    "e.g. [/usr/local/bin/token, --user, bpt]; no shell runs it",
			    k->path);
		items[n++] = vn;
	} else if (vn->type == YAML_SEQUENCE_NODE) {
		for (it = vn->data.sequence.items.start;
		    it < vn->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(l->doc, *it);

			if (e == NULL || e->type != YAML_SCALAR_NODE)
				return at(l, e ? e : vn, "%s: every word must be a "
				    "single value", k->path);
			if (n == sizeof(items) / sizeof(items[0]))
				return at(l, e, "%s: more than 64 words", k->path);
			items[n++] = e;
		}
		if (n == 0)
			return BPT_OK;
	} else {
		return at(l, vn, "%s: expected a list of words", k->path);
	}
	if (l->file != NULL && !owner_writes_only(l->file))
		return at(l, vn, "%s: names a program to run, but %s is "
		    "writable by %s (mode %04o); chmod go-w it", k->path,
		    l->name, l->file->st_mode & S_IWOTH ? "others" :
		    "its group", (unsigned)(l->file->st_mode & 07777));
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return at(l, vn, "out of memory");
	for (i = 0; i < n; i++) {
		const char *s = (const char *)items[i]->data.scalar.value;

		if (memchr(s, '\0', items[i]->data.scalar.length) != NULL ||
		    (i == 0 && *s == '\0')) {
			argv_free(v);
			return at(l, items[i], "%s: %s", k->path, i == 0 ?
			    "the program must not be empty" : "NUL byte in value");
		}
		if (i == 0 && *s != '/' && l->dir != NULL) {
			struct buf b = BUF_INIT;

			buf_addf(&b, "%s/%s", l->dir, s);
			v[i] = buf_detach(&b, NULL);
		} else {
			v[i] = strdup(s);
		}
		if (v[i] == NULL) {
			argv_free(v);
			return at(l, items[i], "out of memory");
		}
	}
	argv_free(*slot_argv(l->cfg, k));
	*slot_argv(l->cfg, k) = v;
	return BPT_OK;
}

static enum bpt_status
set_str(struct loader *l, const struct key *k, const yaml_node_t *n, char *v)
{
	char **slot = slot_str(l->cfg, k);

	if (v == NULL)
		return at(l, n, "out of memory");
	free(*slot);
	*slot = v;
	return BPT_OK;
}


struct unit {
	long n;
	const char *name;
};

/* A number of seconds or bytes as the man page writes it: "10m", "3MB". */
static void
fmt_amount(char *out, size_t len, enum ktype t, long v)
{
	static const struct unit dur[] = {
		{ DAY, "d" }, { HOUR, "h" }, { MINUTE, "m" }, { 1, "s" },
	}, size[] = {
		{ 1024 * MB, "GB" }, { MB, "MB" }, { KB, "KB" }, { 1, "B" },
	};
	const struct unit *u = t == K_DUR ? dur : size;
	size_t i;

	for (i = 0; i < 3 && (v == 0 || v % u[i].n != 0); i++)
		;
	snprintf(out, len, "%ld%s", v / u[i].n, u[i].name);
}

/* Refuses a duration or size x (read from v) outside k's bounds. */
static enum bpt_status
check_bounds(struct loader *l, const struct key *k, const yaml_node_t *n,
    const char *v, long x)
{
	char lo[32], hi[32];

	if (x >= k->min && x <= k->max)
		return BPT_OK;
	fmt_amount(lo, sizeof(lo), k->type, k->min);
	fmt_amount(hi, sizeof(hi), k->type, k->max);
	return at(l, n, "%s: %s is out of range %s..%s", k->path, v, lo, hi);
}

/* Parses value v (a scalar, or a default) for key k; n for positions. */
static enum bpt_status
set_value(struct loader *l, const struct key *k, const yaml_node_t *n,
    const char *v)
{
	enum bpt_status st;
	char *norm, *end;
	long x;
	int i;

	switch (k->type) {
	case K_SECTION:
		return at(l, n, "'%s' is a section; expected keys under it", k->path);
	case K_ARGV:
		return at(l, n, "internal: %s has no default", k->path);
	case K_STR:
		return set_str(l, k, n, strdup(v));
	case K_PATH:
		if (*v == '\0' || *v == '/' || l->dir == NULL)
			return set_str(l, k, n, strdup(v));
		{
			struct buf b = BUF_INIT;

			buf_addf(&b, "%s/%s", l->dir, v);
			return set_str(l, k, n, buf_detach(&b, NULL));
		}
	case K_PROG:
		/* run without a shell; a relative name would be looked up
		   from whatever folder the tool happens to run in */
		if (*v != '/')
			return at(l, n, "%s: '%s' is not an absolute path", k->path, v);
		if (n != NULL && l->file != NULL && !owner_writes_only(l->file))
			return at(l, n, "%s: names a program to run, but %s is "
			    "writable by %s (mode %04o); chmod go-w it", k->path,
			    l->name, l->file->st_mode & S_IWOTH ? "others" :
			    "its group", (unsigned)(l->file->st_mode & 07777));
		return set_str(l, k, n, strdup(v));
	case K_ADDR:
		if (*v == '\0')
			return set_str(l, k, n, strdup(""));
		st = addr_normalize(l->ctx, v, &norm);
		if (st == BPT_ENOMEM)
			return st;
		if (st != BPT_OK)
			return at(l, n, "%s: %s", k->path, l->ctx->errmsg);
		return set_str(l, k, n, norm);
	case K_ZONE:
		/* the C library would read an unknown zone as UTC, silently */
		if (!util_zone_known(v))
			return at(l, n, "%s: unknown time zone '%s' (an IANA name such "
			    "as Europe/Amsterdam, from /usr/share/zoneinfo)", k->path, v);
		return set_str(l, k, n, strdup(v));
	case K_HTTPS:
		if (*v != '\0' && (strncmp(v, "https://", 8) != 0 || v[8] == '\0' ||
		    strpbrk(v, " \t\r\n<>\"") != NULL))
			return at(l, n, "%s: '%s' is not an https:// URL", k->path, v);
		return set_str(l, k, n, strdup(v));
	case K_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "on") == 0)
			*slot_int(l->cfg, k) = 1;
		else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
		    strcmp(v, "off") == 0)
			*slot_int(l->cfg, k) = 0;
		else
			return at(l, n, "%s: '%s' is not true or false", k->path, v);
		return BPT_OK;
	case K_INT:
		errno = 0;
		x = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0)
			return at(l, n, "%s: '%s' is not a whole number", k->path, v);
		if (x < k->min || x > k->max)
			return at(l, n, "%s: %ld is out of range %ld..%ld", k->path, x,
			    k->min, k->max);
		*slot_long(l->cfg, k) = x;
		return BPT_OK;
	case K_DUR:
		x = cfg_parse_duration(v);
		if (x < 0)
			return at(l, n, "%s: bad duration '%s' (write a number and "
			    "s, m, h, d or w, e.g. 3h or 14d)", k->path, v);
		if ((st = check_bounds(l, k, n, v, x)) != BPT_OK)
			return st;
		*slot_long(l->cfg, k) = x;
		return BPT_OK;
	case K_SIZE:
		x = cfg_parse_size(v);
		if (x < 0)
			return at(l, n, "%s: bad size '%s' (write a number and B, KB, "
			    "MB or GB, e.g. 3MB)", k->path, v);
		if ((st = check_bounds(l, k, n, v, x)) != BPT_OK)
			return st;
		*slot_long(l->cfg, k) = x;
		return BPT_OK;
	case K_ENUM:
		for (i = 0; k->names[i] != NULL; i++)
			if (strcmp(v, k->names[i]) == 0) {
				*slot_int(l->cfg, k) = i;
				return BPT_OK;
			}
		{
			struct buf b = BUF_INIT;

			for (i = 0; k->names[i] != NULL; i++)
				buf_addf(&b, "%s%s", i ? ", " : "", k->names[i]);
			st = at(l, n, "%s: '%s' is not one of %s", k->path, v, buf_str(&b));
			buf_release(&b);
			return st;
		}
	}
	return at(l, n, "internal: unknown key type");
}

static enum bpt_status
walk(struct loader *l, yaml_node_t *map, const char *prefix)
{
	yaml_node_pair_t *pair;
	enum bpt_status st;

	if (map->type != YAML_MAPPING_NODE)
		return at(l, map, "expected keys%s%s", *prefix ? " under " : "", prefix);
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, pair->key);
		yaml_node_t *vn = yaml_document_get_node(l->doc, pair->value);
		const struct key *k;
		char path[256];
		size_t idx;
		int r;

		if (kn == NULL || vn == NULL)
			return at(l, map, "broken document");
		if (kn->type != YAML_SCALAR_NODE)
			return at(l, kn, "a key must be a plain word");
		r = snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
		    (const char *)kn->data.scalar.value);
		if (r < 0 || (size_t)r >= sizeof(path) ||
		    (k = key_find(path, &idx)) == NULL)
			return at(l, kn, "unknown key '%.200s'", path);
		if (l->seen[idx])
			return at(l, kn, "key '%s' given twice", path);
		l->seen[idx] = 1;
		if (k->type == K_SECTION) {
			st = walk(l, vn, path);
		} else if (k->type == K_ARGV) {
			st = set_argv(l, k, vn);
		} else if (vn->type != YAML_SCALAR_NODE) {
			st = at(l, vn, "%s: expected a single value", path);
		} else {
			const char *v = (const char *)vn->data.scalar.value;

			if (memchr(v, '\0', vn->data.scalar.length) != NULL) {
				st = at(l, vn, "%s: NUL byte in value", path);
			} else {
				/* ~ and null are YAML's null: the same as "" */
				if (vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				    (strcmp(v, "~") == 0 || strcmp(v, "null") == 0))
					v = "";
				st = set_value(l, k, vn, v);
			}
		}
		if (st != BPT_OK)
			return st;
	}
	return BPT_OK;
}

static enum bpt_status
apply_defaults(struct loader *l)
{
	enum bpt_status st;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		if (k->type == K_SECTION || l->seen[i])
			continue;
		if (k->required)
			return at(l, NULL, "required key '%s' is missing", k->path);
		if (k->def != NULL && (st = set_value(l, k, NULL, k->def)) != BPT_OK)
			return st;
	}
	return BPT_OK;
}

/* 1 for an OpenPGP fingerprint: 40 (v4) or 64 (v5) hex digits. */
static int
is_fingerprint(const char *s)
{
	size_t n = strlen(s), i;

	if (n != 40 && n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The list's own addresses, once (config.h, struct bpt_config.list). */
static enum bpt_status
list_addresses(struct loader *l)
{
	struct bpt_config *c = l->cfg;
	const char *a = c->group.address, *dom = strrchr(a, '@');
	struct buf b = BUF_INIT;

	if (dom == NULL || dom == a || dom[1] == '\0')
		return at(l, NULL, "group.address: '%s' has no local part and domain", a);
	c->list.local = xmemdupz(a, (size_t)(dom - a));
	c->list.domain = strdup(dom + 1);
	buf_addf(&b, "%s-request%s", c->list.local ? c->list.local : "", dom);
	c->list.request = buf_detach(&b, NULL);
	buf_addf(&b, "%s-bounces%s", c->list.local ? c->list.local : "", dom);
	c->list.bounces = buf_detach(&b, NULL);
	buf_addf(&b, "%s.%s", c->list.local ? c->list.local : "", dom + 1);
	c->list.id = buf_detach(&b, NULL);
	buf_addf(&b, "%s-bounces+", c->list.local ? c->list.local : "");
	c->list.verp_prefix = buf_detach(&b, NULL);
	if (c->list.local == NULL || c->list.domain == NULL || c->list.request == NULL ||
	    c->list.bounces == NULL || c->list.id == NULL || c->list.verp_prefix == NULL)
		return at(l, NULL, "out of memory");
	return BPT_OK;
}

static enum bpt_status
check_whole(struct loader *l)
{
	struct bpt_config *c = l->cfg;

	if (c->group.address[0] == '\0')
		return at(l, NULL, "group.address must not be empty");
	if (c->store[0] == '\0')
		return at(l, NULL, "store must not be empty");
	if (strpbrk(c->group.name, "\r\n") != NULL)
		return at(l, NULL, "group.name must be one line");
	/* it is the subject tag of every copy: "[ #12]" tells nobody what */
	if (c->group.name[strspn(c->group.name, " \t")] == '\0')
		return at(l, NULL, "group.name must not be empty");
	if (c->delivery.retry_min > c->delivery.retry_max)
		return at(l, NULL, "delivery.retry_min is longer than delivery.retry_max");
	if (c->inbound.imap.tls == CFG_TLS_NONE)
		return at(l, NULL, "inbound.imap.tls: none would send the mailbox's "
		    "password unencrypted; use implicit or starttls");
	if (c->inbound.imap.password_file[0] != '\0' &&
	    c->inbound.imap.oauth2_argv != NULL)
		return at(l, NULL, "inbound.imap: give password_file or "
		    "oauth2_token_command, not both");
	/* a key ID or a name could match another key than the one meant */
	if (*c->signing.key && !is_fingerprint(c->signing.key))
		return at(l, NULL, "signing.key: '%s' is not a key fingerprint "
		    "(40 hex digits, as gpg --list-keys --with-colons shows it)",
		    c->signing.key);
	if (*c->police.encrypt_to && !is_fingerprint(c->police.encrypt_to))
		return at(l, NULL, "police.encrypt_to: '%s' is not a key fingerprint "
		    "(40 hex digits)", c->police.encrypt_to);
	if (strpbrk(c->policy.authserv_id, " \t\r\n;") != NULL)
		return at(l, NULL, "policy.authserv_id: '%s' is not one word (the "
		    "host name your mail server writes first in "
		    "Authentication-Results)", c->policy.authserv_id);
	return list_addresses(l);
}

void
cfg_free(struct bpt_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		enum ktype t = keys[i].type;

		if (t == K_STR || t == K_PATH || t == K_PROG || t == K_ADDR ||
		    t == K_HTTPS || t == K_ZONE)
			free(*slot_str(c, &keys[i]));
		else if (t == K_ARGV)
			argv_free(*slot_argv(c, &keys[i]));
	}
	free(c->list.local);
	free(c->list.domain);
	free(c->list.request);
	free(c->list.bounces);
	free(c->list.id);
	free(c->list.verp_prefix);
	free(c->path);
	free(c);
}

/* A YAML syntax error at the parser's mark. */
static enum bpt_status
syntax_error(struct loader *l, yaml_parser_t *parser)
{
	yaml_mark_t m = parser->problem_mark;

	return bpt_err(l->ctx, BPT_ECONFIG, "%s:%zu:%zu: %s%s%s", l->name,
	    m.line + 1, m.column + 1,
	    parser->problem ? parser->problem : "YAML syntax error",
	    parser->context ? " " : "", parser->context ? parser->context : "");
}

/* text holds one YAML document, the whole of the group. */
static enum bpt_status
load(struct bpt_ctx *ctx, const char *name, const char *text, size_t len,
    const struct stat *sb, struct bpt_config **out)
{
	struct loader l;
	yaml_parser_t parser;
	yaml_document_t doc, next;
	yaml_node_t *root;
	enum bpt_status st = BPT_OK;
	const char *slash;
	int have_parser = 0, have_doc = 0;

	*out = NULL;
	memset(&l, 0, sizeof(l));
	l.ctx = ctx;
	l.name = name;
	l.doc = &doc;
	l.file = sb;
	l.cfg = calloc(1, sizeof(*l.cfg));
	if (l.cfg == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	l.cfg->path = strdup(name);
	slash = strrchr(name, '/');
	l.dir = slash ? xmemdupz(name, (size_t)(slash - name)) : strdup(".");
	if (l.cfg->path == NULL || l.dir == NULL) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		st = bpt_err(ctx, BPT_ENOMEM, "out of memory");
		goto out;
	}
	have_parser = 1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		st = syntax_error(&l, &parser);
		goto out;
	}
	have_doc = 1;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		st = at(&l, NULL, "empty configuration");
		goto out;
	}
	/*
	 * A second document ("---") would be read by nothing: half of what
	 * the admin wrote would be ignored without a word.
	 */
	if (!yaml_parser_load(&parser, &next)) {
		st = syntax_error(&l, &parser);
		goto out;
	}
	if (yaml_document_get_root_node(&next) != NULL)
		st = at(&l, yaml_document_get_root_node(&next), "a second YAML "
		    "document; the file describes one group");
	yaml_document_delete(&next);
	if (st != BPT_OK)
		goto out;
	if ((st = walk(&l, root, "")) != BPT_OK)
		goto out;
	if ((st = apply_defaults(&l)) != BPT_OK)
		goto out;
	st = check_whole(&l);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	free(l.dir);
	if (st != BPT_OK)
		cfg_free(l.cfg);
	else
		*out = l.cfg;
	return st;
}

enum bpt_status
cfg_load_string(struct bpt_ctx *ctx, const char *name, const char *text,
    size_t len, struct bpt_config **out)
{
	return load(ctx, name, text, len, NULL, out);
}

enum bpt_status
cfg_load(struct bpt_ctx *ctx, const char *path, struct bpt_config **out)
{
	struct buf b = BUF_INIT;
	struct stat sb;
	enum bpt_status st;

	*out = NULL;
	/* a regular file only: /dev/zero or a FIFO would never end */
	st = fio_read_regular(ctx, path, CFG_MAX_SIZE, 0, &b, &sb);
	if (st == BPT_ENOENT)
		st = bpt_err(ctx, BPT_ECONFIG, "%s: no such configuration file "
		    "(give one with -c FILE or $BPT_CONFIG)", path);
	else if (st != BPT_OK && st != BPT_ENOMEM)
		st = ctx->err = BPT_ECONFIG;	/* the message says why */
	if (st == BPT_OK)
		st = load(ctx, path, buf_str(&b), b.len, &sb, out);
	buf_release(&b);
	return st;
}

/*
 * config.h - the group's YAML configuration (bpt.yaml(5)).
 *
 * cfg_load() reads the file with libyaml, checks every key against
 * the table in config.c and fills struct bpt_config, defaults
 * included.  Every error reads "FILE:LINE:COL: what" and is
 * BPT_ECONFIG (exit 78).
 */
#ifndef BPT_CONFIG_H
#define BPT_CONFIG_H

#include <stddef.h>

#include "bpt.h"

enum cfg_tls { CFG_TLS_NONE, CFG_TLS_STARTTLS, CFG_TLS_IMPLICIT };
enum cfg_transport { CFG_SMTP, CFG_SENDMAIL, CFG_MAILDIR };
enum cfg_lang { CFG_NL, CFG_EN };
enum cfg_action { CFG_HOLD, CFG_REJECT, CFG_ALLOW };

struct cfg_server {
	char *host;
	long port;
	int tls;		/* enum cfg_tls */
	char *user;
	char *password_file;
	char *mailbox;		/* imap only */
	char *done_mailbox;	/* imap only: processed mail moves here; "": \Seen */
	char **oauth2_argv;	/* imap only: token command, NULL-ended; NULL: none */
	char *helo;		/* smtp only: EHLO name; NULL: the host name */
	int tls_verify;		/* smtp only: check the relay's certificate */
	char *ca_file;		/* roots (PEM); empty: the system's */
	long timeout;		/* seconds */
	long session_timeout;	/* smtp only: seconds a whole session may take */
};

struct bpt_config {
	char *path;		/* the file read */
	/*
	 * The list's own addresses, made once from group.address when the
	 * file is loaded: "bpt", "example.org", "bpt-request@example.org",
	 * "bpt-bounces@example.org", the List-Id "bpt.example.org" and the
	 * start of a VERP sender, "bpt-bounces+" (the token and "@" and
	 * the domain follow).
	 */
	struct {
		char *local;
		char *domain;
		char *request;
		char *bounces;
		char *id;
		char *verp_prefix;
	} list;
	struct {
		char *name;
		char *address;
		int language;	/* enum cfg_lang */
		char *timezone;	/* IANA zone of every time people read */
		char *unsubscribe_url;
		char *templates;	/* folder of admin overrides, or NULL */
		char *rules_version;	/* of the group rules a sign-up agrees to */
	} group;
	char *store;
	long busy_timeout;	/* seconds */
	struct {
		int transport;	/* enum cfg_transport */
		struct cfg_server smtp;
		char *sendmail;
		long sendmail_timeout;	/* seconds a sendmail call may take */
		char *maildir;
		int verp;
		long batch;
		long connections;
		long max_age;	/* seconds */
		long retry_min;	/* seconds */
		long retry_max;	/* seconds */
		long bounce_limit;
		long bounce_window;	/* seconds */
		long undelivered_after;	/* seconds: tell the reporter */
		long rate;	/* copies per hour at most; 0: no limit */
	} delivery;
	struct {
		struct cfg_server imap;
	} inbound;
	struct {
		char *address;
		char *encrypt_to;	/* fingerprint, or "" */
		long export_after;	/* seconds after closing: --pending */
	} police;
	struct {
		char *key;		/* fingerprint, or "" */
		char *gnupghome;
	} signing;
	struct {
		int non_members_hold;	/* 0 reject, 1 hold */
		int language;		/* enum cfg_action: swearing, insults */
		char *words;
		int images_allow;
		long max_images;
		long max_image_size;	/* bytes */
		int other_allow;	/* 0 strip, 1 allow */
		long max_message_size;	/* bytes */
		long flood_max_per_hour;
		int admin_auth_pgp;	/* 0 confirm (token reply), 1 pgp */
		long hold_expiry;	/* seconds */
		long ban_quorum;
		int signup_approval;
		int hold_alerts;	/* 0: new alerts pass a language hit */
		char *authserv_id;	/* trusted Authentication-Results id, or "" */
		long signup_confirm_within;	/* seconds a sign-up token lives */
	} policy;
	struct {
		long idle_close;
		long outcome_after;
	} followup;
	struct {
		long days;
		int unexported_purge;	/* 0 keep (admins told), 1 purge */
	} retention;
	struct {
		long max_parts;
		long max_depth;
		long max_headers;
		long max_line;
		long parse_attempts;	/* recorded crashes and time-outs */
		long parse_timeout;	/* seconds a run may take to commit */
		long unfinished_runs;	/* runs killed from outside while parsing */
	} limits;
};

/*
 * Loads path into *out (caller frees with cfg_free()).  BPT_ECONFIG
 * for any error in the file (message "FILE:LINE:COL: what"),
 * BPT_ENOENT when the file does not exist, BPT_ENOMEM.
 */
enum bpt_status cfg_load(struct bpt_ctx *ctx, const char *path,
    struct bpt_config **out);

/* Loads YAML text already in memory; name is used in messages. */
enum bpt_status cfg_load_string(struct bpt_ctx *ctx, const char *name,
    const char *text, size_t len, struct bpt_config **out);

/* The path to use: explicit (may be NULL), else $BPT_CONFIG, else the
 * compiled-in default.  Borrowed. */
const char *cfg_default_path(const char *explicit_path);

void cfg_free(struct bpt_config *cfg);

/* "3h", "14d", "90s", "2w", "30m" -> seconds; -1 when malformed. */
long cfg_parse_duration(const char *s);
/* "3MB", "512KB", "10M", "100B", "1GB" -> bytes; -1 when malformed. */
long cfg_parse_size(const char *s);

/* group.timezone of cfg, the zone of every time people read; NULL
 * (UTC) without a configuration.  Borrowed from cfg. */
const char *cfg_timezone(const struct bpt_config *cfg);

/* The local part and domain of group.address, "bpt" / "example.org".
 * Borrowed from cfg; valid until cfg_free(). */
const char *cfg_list_domain(const struct bpt_config *cfg);

#endif

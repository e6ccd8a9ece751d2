/*
 * export.h - sending an incident's transcript to the police file
 * (bpt-export(1)) and the record of every export.
 *
 * An export builds the transcript (transcript.h), signs it as
 * PGP/MIME (RFC 3156: multipart/signed, micalg as the hash gpg used,
 * a detached signature over the first part in canonical CRLF form),
 * encrypts it to police.encrypt_to when that is set (multipart/
 * encrypted, signed first), and either queues it in the outbox for
 * police.address or writes it to a file.  Every export adds a row to
 * the exports table (time, actor, recipient or file, format, size,
 * SHA-256 of exactly the bytes handed over, signer and encryption key)
 * and an audit row; a signed one also sets incidents.exported_at.
 * Nothing is recorded and nothing leaves when signing or encrypting
 * fails.
 */
#ifndef BPT_EXPORT_H
#define BPT_EXPORT_H

#include <stddef.h>
#include <time.h>

#include "bpt.h"
#include "outbox.h"
#include "transcript.h"

struct printer;

enum export_format { EXPORT_EML, EXPORT_MBOX, EXPORT_TEXT, EXPORT_JSON };

struct export_opts {
	enum export_format format;
	const char *file;	/* NULL: mail to police.address; else where the
				   transcript goes, as the record names it */
	int fd;			/* >= 0: write to this descriptor (file names
				   it, e.g. "-"), not to a file called file */
	int force;		/* an incident that is still open too */
	int interactive;	/* gpg may ask for a passphrase */
	int deliver;		/* mail: hand it to the relay before returning */
	int dry_run;		/* export_pending(): find them, export none */
};

struct export_result {
	long long number;
	long long record;	/* the exports row */
	long long outbox;	/* the outbox row of a mailed one, or 0 */
	char recipient[320];	/* police address, file name or "-" */
	char sha256[65];	/* of what was handed over (see bpt-export(1)) */
	char signer[65];	/* "" when not signed (text, json) */
	char encrypted_to[65];	/* "" when not encrypted */
	size_t size;
	struct transcript_info info;
	struct outbox_stats sent;	/* mail delivered now */
};

/* "eml", "mbox", "text", "json" -> 0 and *f; -1 otherwise. */
int export_parse_format(const char *s, enum export_format *f);
const char *export_format_str(enum export_format f);

/*
 * Exports incident number as o says.  BPT_ENOENT (no such incident,
 * or purged), BPT_EDATA (still open without o->force: "close it
 * first"; a broken hash chain), BPT_ECONFIG (signing.key or
 * police.encrypt_to unusable, police.address empty for a mail),
 * BPT_EUNAVAIL (gpg, a passphrase), BPT_ECREATE/BPT_EIO (the file),
 * store errors, BPT_ENOMEM.  Fills *r.
 */
enum bpt_status export_incident(struct bpt_ctx *ctx, long long number,
    const struct export_opts *o, struct export_result *r);

/*
 * `bpt-export --pending`: every closed incident never exported, closed
 * at least police.export_after ago and not purged, is mailed (o->file
 * must be NULL), oldest first.  fn is called after each with its
 * result (st is its status); a non-zero return stops.  With o->dry_run
 * fn is called for each with only r->number and r->recipient set.  A key or
 * configuration problem stops the run (it would fail for every one);
 * another incident's failure does not.  Returns the first failure's
 * status, else BPT_OK.
 */
enum bpt_status export_pending(struct bpt_ctx *ctx, const struct export_opts *o,
    int (*fn)(void *arg, enum bpt_status st, const struct export_result *r),
    void *arg);

/* One row of the exports table, for bpt-report show. */
struct export_record {
	long long id;
	time_t at;
	const char *by;
	const char *recipient;	/* police address, or NULL for a file */
	const char *file;	/* file name, "-", or NULL for a mail */
	const char *format;
	long long size;
	const char *sha256;
	const char *signer;	/* NULL: not signed */
	const char *encrypted_to;
	const char *delivery;	/* a mail's delivery state, or NULL */
};

/* Calls fn for each export of incident number, oldest first; strings
 * are borrowed for the call.  Store errors. */
enum bpt_status export_each(struct bpt_ctx *ctx, long long number,
    int (*fn)(void *arg, const struct export_record *e), void *arg);

#endif

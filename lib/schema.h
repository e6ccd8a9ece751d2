/*
 * schema.h - the store's migrations, one entry per schema version.
 * Entry i (0-based) takes a store from user_version i to i + 1.
 * Never edit a released entry: add one.
 */
#ifndef BPT_SCHEMA_H
#define BPT_SCHEMA_H

static const char *const store_migrations[] = {
/* 1: the whole product's tables.  CHECKs are written with OR, not IN:
 * SQLite evaluates an IN list of more than two constants through a
 * temporary table built for every row written. */
"CREATE TABLE members ("
"	id INTEGER PRIMARY KEY,"
"	email TEXT NOT NULL COLLATE NOCASE UNIQUE,"
"	name TEXT NOT NULL DEFAULT '',"
"	phone TEXT,"				/* E.164; for the police export only */
"	role TEXT NOT NULL DEFAULT 'member'"
"	    CHECK (role = 'member' OR role = 'admin' OR role = 'coordinator'),"
"	status TEXT NOT NULL DEFAULT 'active'"
"	    CHECK (status = 'active' OR status = 'suspended' OR"
"	    status = 'removed' OR status = 'banned' OR status = 'pending'),"
"	status_reason TEXT,"
"	status_until INTEGER,"			/* end of a suspension */
"	status_at INTEGER,"
"	consent_version TEXT,"			/* version of the group rules accepted */
"	consent_at INTEGER,"
"	consent_via TEXT,"			/* admin, mail, import */
"	token TEXT NOT NULL,"			/* "<id hex>-<random>": VERP, confirmations */
"	joined_at INTEGER NOT NULL,"
"	updated_at INTEGER NOT NULL"
");"

"CREATE TABLE incidents ("
"	id INTEGER PRIMARY KEY AUTOINCREMENT,"	/* the number N, never reused */
"	status TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open' OR status = 'closed'),"
"	subject TEXT NOT NULL DEFAULT '',"
"	reporter_id INTEGER REFERENCES members(id) ON DELETE SET NULL,"
"	opened_at INTEGER NOT NULL,"
"	last_at INTEGER NOT NULL,"
"	closed_at INTEGER,"
"	closed_by TEXT,"
"	close_reason TEXT,"
"	called_112 TEXT NOT NULL DEFAULT 'unknown'"
"	    CHECK (called_112 = 'yes' OR called_112 = 'no' OR called_112 = 'unknown'),"
"	called_112_by INTEGER REFERENCES members(id) ON DELETE SET NULL,"
"	called_112_at INTEGER,"
"	plates TEXT NOT NULL DEFAULT '',"	/* normalised, space-separated */
"	root_msgid TEXT,"			/* Message-ID of the alert members got */
"	last_hash TEXT,"			/* head of the message hash chain */
"	outcome TEXT,"
"	outcome_at INTEGER,"
"	outcome_by TEXT,"
"	outcome_sent_at INTEGER,"
"	reminded_at INTEGER,"
"	exported_at INTEGER"
");"
"CREATE INDEX incidents_status ON incidents(status, last_at);"

"CREATE TABLE messages ("
"	id INTEGER PRIMARY KEY,"
"	sha256 TEXT NOT NULL,"			/* of the raw bytes as received */
"	raw BLOB NOT NULL,"
"	size INTEGER NOT NULL,"			/* size as received, before truncation */
"	truncated INTEGER NOT NULL DEFAULT 0,"
"	received_at INTEGER NOT NULL,"
"	envelope_from TEXT,"
"	envelope_to TEXT,"
"	state TEXT NOT NULL DEFAULT 'new'"
"	    CHECK (state = 'new' OR state = 'done' OR state = 'quarantined'),"
"	attempts INTEGER NOT NULL DEFAULT 0,"	/* processing runs begun */
"	attempt_pid INTEGER,"
"	message_id TEXT,"
"	in_reply_to TEXT,"
"	refs TEXT,"
"	from_addr TEXT,"
"	from_name TEXT,"
"	subject TEXT,"
"	date_hdr TEXT,"
"	member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,"
"	class TEXT,"				/* what classify decided */
"	incident_id INTEGER REFERENCES incidents(id) ON DELETE CASCADE,"
"	body TEXT,"				/* the whole text, UTF-8 */
"	body_shown TEXT,"			/* what members got: quotes folded */
"	notes TEXT,"				/* parser remarks: malformed, limits */
"	called_112 TEXT,"
"	prev_hash TEXT,"
"	chain_hash TEXT"
");"
"CREATE INDEX messages_sha ON messages(sha256);"
"CREATE INDEX messages_msgid ON messages(message_id);"
"CREATE INDEX messages_incident ON messages(incident_id, id);"
"CREATE INDEX messages_from ON messages(from_addr, received_at);"

"CREATE TABLE attachments ("
"	id INTEGER PRIMARY KEY,"
"	message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
"	idx INTEGER NOT NULL,"
"	filename TEXT,"
"	content_type TEXT NOT NULL,"
"	size INTEGER NOT NULL,"
"	sha256 TEXT NOT NULL,"
"	inline INTEGER NOT NULL DEFAULT 0,"
"	action TEXT NOT NULL DEFAULT 'kept'"
"	    CHECK (action = 'passed' OR action = 'stripped' OR action = 'kept')"
");"
"CREATE INDEX attachments_message ON attachments(message_id);"

"CREATE TABLE outbox ("
"	id INTEGER PRIMARY KEY,"
"	kind TEXT NOT NULL,"			/* alert, reply, notice, closed, outcome, export, admin */
"	incident_id INTEGER REFERENCES incidents(id) ON DELETE CASCADE,"
"	source_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,"
"	msgid TEXT NOT NULL UNIQUE,"		/* Message-ID of the copy, no <> */
"	env_from TEXT NOT NULL,"		/* envelope sender; '' is <> */
"	content BLOB NOT NULL,"			/* rendered once for all recipients */
"	created_at INTEGER NOT NULL,"
"	undelivered_at INTEGER,"		/* reporter and admins told who lacks it */
"	failed_at INTEGER,"			/* admins told of copies that failed */
"	dfirst INTEGER,"			/* its deliveries: rows dfirst..dlast */
"	dlast INTEGER,"
"	open INTEGER NOT NULL DEFAULT 1"	/* 0 once no delivery waits or is in flight */
");"
"CREATE INDEX outbox_incident ON outbox(incident_id);"
"CREATE INDEX outbox_open ON outbox(id) WHERE open = 1;"
/* what bpt-send's delivery watch has not looked at yet */
"CREATE INDEX outbox_unfailed ON outbox(id) WHERE failed_at IS NULL;"
"CREATE INDEX outbox_unalerted ON outbox(created_at) WHERE undelivered_at IS NULL;"

"CREATE TABLE deliveries ("
"	id INTEGER PRIMARY KEY,"
"	outbox_id INTEGER NOT NULL,"		/* no foreign keys: see below */
"	member_id INTEGER,"
"	rcpt TEXT NOT NULL,"
"	state TEXT NOT NULL DEFAULT 'queued' CHECK (state = 'queued' OR"
"	    state = 'sending' OR state = 'sent' OR state = 'deferred' OR"
"	    state = 'failed' OR state = 'dropped'),"
"	attempts INTEGER NOT NULL DEFAULT 0,"
"	next_at INTEGER NOT NULL,"
"	last_reply TEXT,"
"	claimed_by TEXT,"			/* runner holding a 'sending' row */
"	claimed_at INTEGER,"
"	sent_at INTEGER"
");"
/* An alert writes one row per member, on the path of every alert, so
 * this table has no foreign keys (two lookups per row) and no index at
 * all (each costs as much again): an outbox row's deliveries are
 * inserted together and found by their rowids, outbox.dfirst..dlast, and
 * the rows that wait or are in flight belong to the few outbox rows
 * still open. */

"CREATE TABLE holds ("
"	id INTEGER PRIMARY KEY,"
"	message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
"	reason TEXT NOT NULL,"			/* language, non_member, flood, photo */
"	detail TEXT,"
"	state TEXT NOT NULL DEFAULT 'pending'"
"	    CHECK (state = 'pending' OR state = 'approved' OR state = 'rejected' OR state = 'expired'),"
"	created_at INTEGER NOT NULL,"
"	expires_at INTEGER NOT NULL,"
"	decided_by TEXT,"
"	decided_at INTEGER"
");"
"CREATE INDEX holds_state ON holds(state, expires_at);"

"CREATE TABLE exports ("
"	id INTEGER PRIMARY KEY,"
"	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
"	created_at INTEGER NOT NULL,"
"	created_by TEXT NOT NULL,"
"	recipient TEXT,"
"	file TEXT,"
"	sha256 TEXT NOT NULL,"
"	signer TEXT,"				/* key fingerprint */
"	content BLOB NOT NULL,"			/* the signed transcript as sent */
"	outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL"
");"

"CREATE TABLE audit ("
"	id INTEGER PRIMARY KEY,"
"	at INTEGER NOT NULL,"
"	actor TEXT NOT NULL,"
"	action TEXT NOT NULL,"
"	member_id INTEGER,"			/* no foreign key: the trail outlives rows */
"	member_last INTEGER,"			/* a row about members member_id..member_last */
"	member_email TEXT,"
"	incident_id INTEGER,"
"	reason TEXT,"
"	detail TEXT"
");"
"CREATE INDEX audit_member ON audit(member_id, id);"
"CREATE INDEX audit_range ON audit(member_last) WHERE member_last IS NOT NULL;"
"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
"	BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
"	BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"

"CREATE TABLE bounces ("
"	id INTEGER PRIMARY KEY,"
"	member_id INTEGER REFERENCES members(id) ON DELETE CASCADE,"
"	rcpt TEXT,"
"	at INTEGER NOT NULL,"
"	status TEXT,"				/* enhanced status code, 5.1.1 */
"	permanent INTEGER NOT NULL,"
"	counted INTEGER NOT NULL,"		/* adds to the member's bounce score */
"	diagnostic TEXT,"
"	message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL"
");"
"CREATE INDEX bounces_member ON bounces(member_id, at);"

"CREATE TABLE notices ("			/* rate limits of automatic notices */
"	address TEXT NOT NULL COLLATE NOCASE,"
"	kind TEXT NOT NULL,"
"	last_at INTEGER NOT NULL,"
"	PRIMARY KEY (address, kind)"
");"

"CREATE TABLE confirmations ("			/* admin commands awaiting a token reply */
"	token TEXT PRIMARY KEY,"
"	action TEXT NOT NULL,"
"	args TEXT,"
"	requested_by TEXT NOT NULL,"
"	created_at INTEGER NOT NULL,"
"	expires_at INTEGER NOT NULL,"
"	used_at INTEGER"
");",

/* 2: a bounce counts only with proof that it is about a copy bpt sent
 * to that member (a VERP token, or the returned Message-ID of a copy
 * delivered to that address), and a member is suspended only after a
 * probe of their own bounced.  Bounces counted before proof was asked
 * no longer count: any of them may have been forged. */
"ALTER TABLE bounces ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE bounces ADD COLUMN why TEXT;"	/* the proof, or what was missing */
"UPDATE bounces SET counted = 0, why = 'recorded before bounces needed proof';"
"CREATE TABLE probes ("				/* one test mail before a suspension */
"	id INTEGER PRIMARY KEY,"
"	member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
"	token TEXT NOT NULL UNIQUE,"		/* envelope LOCAL-bounces+TOKEN@domain */
"	msgid TEXT NOT NULL,"			/* Message-ID of the probe, no <> */
"	rcpt TEXT NOT NULL,"
"	sent_at INTEGER NOT NULL,"
"	bounced_at INTEGER,"			/* NULL: not (yet) bounced */
"	bounce_message INTEGER REFERENCES messages(id) ON DELETE SET NULL"
");"
"CREATE INDEX probes_member ON probes(member_id, sent_at);"
"CREATE INDEX probes_msgid ON probes(msgid);",

/* 3: the mail-of-death guard counts what it knows of the runs of a
 * message that died (see lib/runmark.h): crashes and time-outs each
 * run recorded itself, and runs killed from outside while parsing.
 * attempts goes on counting the runs begun, and decides nothing. */
"ALTER TABLE messages ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE messages ADD COLUMN unfinished INTEGER NOT NULL DEFAULT 0;",

/* 4: closing and outcomes (bpt-close), the year in numbers (bpt-report
 * stats), and the login name that acts for an admin.  What the
 * statistics need is kept on the incident row, so that they survive a
 * purge of message texts: the category of the outcome, the time of the
 * first reply, the copies sent and failed once they are final (NULL:
 * still counted from the outbox), and how often admins were reminded.
 * The first reply of incidents stored before is taken from their
 * messages. */
"ALTER TABLE incidents ADD COLUMN result TEXT CHECK (result IS NULL OR"
"	result = 'arrest' OR result = 'police' OR result = 'prevented' OR"
"	result = 'nothing' OR result = 'unknown');"
"ALTER TABLE incidents ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE incidents ADD COLUMN first_reply_at INTEGER;"
"ALTER TABLE incidents ADD COLUMN copies_sent INTEGER;"
"ALTER TABLE incidents ADD COLUMN copies_failed INTEGER;"
"UPDATE incidents SET first_reply_at = (SELECT min(m.received_at) FROM messages m"
"	WHERE m.incident_id = incidents.id AND m.class = 'reply');"
"ALTER TABLE members ADD COLUMN login TEXT;"
"CREATE UNIQUE INDEX members_login ON members(login) WHERE login IS NOT NULL;",

/* 5: delivery.rate, copies per hour for a provider's sending limits:
 * how many copies were claimed when, for the last hour only (older
 * rows are deleted as they age), so the count is a sum over a few
 * rows and never a scan of deliveries. */
"CREATE TABLE send_log ("
"	at INTEGER NOT NULL,"			/* when copies were claimed */
"	n INTEGER NOT NULL"			/* how many */
");",

/* 6: transcripts for the police, the retention purge and a member's
 * erasure (bpt-export, bpt-member forget).  An export row says what
 * was written (format, size, the key it was encrypted to) and never
 * keeps the transcript itself: the outbox holds a mailed one until it
 * is purged.  incidents.purged_at marks what the purge took;
 * messages.erased says why an original is gone ('purged', 'forgotten')
 * or was altered ('redacted': a forgotten member's details cut out),
 * so that a later transcript can say so instead of enclosing it.  The
 * audit trail stays append-only, except while an erasure runs: its
 * transaction puts a row in erasing, may then rewrite the personal
 * details of audit rows (never their time, action or subject), and
 * takes the row out again before it commits. */
"ALTER TABLE exports ADD COLUMN format TEXT;"
"ALTER TABLE exports ADD COLUMN size INTEGER;"
"ALTER TABLE exports ADD COLUMN encrypted_to TEXT;"
"CREATE INDEX exports_incident ON exports(incident_id, id);"
"ALTER TABLE incidents ADD COLUMN purged_at INTEGER;"
"ALTER TABLE messages ADD COLUMN erased TEXT;"
"CREATE TABLE erasing (member_id INTEGER NOT NULL);"
"DROP TRIGGER audit_no_update;"
"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
"	WHEN NOT EXISTS (SELECT 1 FROM erasing) OR NEW.id IS NOT OLD.id OR"
"	NEW.at IS NOT OLD.at OR NEW.action IS NOT OLD.action OR"
"	NEW.member_id IS NOT OLD.member_id OR"
"	NEW.member_last IS NOT OLD.member_last OR"
"	NEW.incident_id IS NOT OLD.incident_id"
"	BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",

/* 7: the moderation queue.  A hold keeps where its notices go (the
 * sender's registered address, or nobody: see notice_answer_to()),
 * the short text an admin gave with a rejection, and whether the
 * sender may be told at all (never for a mail that may be automatic).
 * One pending hold per message at most. */
"ALTER TABLE holds ADD COLUMN notify TEXT;"
"ALTER TABLE holds ADD COLUMN note TEXT;"
"CREATE INDEX holds_message ON holds(message_id);",

/* 8: the texts and the original bytes move to the end of the row.
 * SQLite stores a row as one record, and what does not fit on its page
 * spills into a chain of overflow pages; reading a column behind a
 * large value walks that chain.  With raw, body and body_shown in the
 * middle, looking up a message's incident, class or chain hash read
 * its texts and every byte of its photos.  SQLite cannot move a
 * column, so: a copy at the end, the old one dropped, the copy renamed.
 * Nothing is deleted, so no foreign key action runs. */
"ALTER TABLE messages ADD COLUMN body_last TEXT;"
"ALTER TABLE messages ADD COLUMN body_shown_last TEXT;"
"ALTER TABLE messages ADD COLUMN raw_last BLOB NOT NULL DEFAULT x'';"
"UPDATE messages SET body_last = body, body_shown_last = body_shown,"
"	raw_last = raw;"
"ALTER TABLE messages DROP COLUMN body;"
"ALTER TABLE messages DROP COLUMN body_shown;"
"ALTER TABLE messages DROP COLUMN raw;"
"ALTER TABLE messages RENAME COLUMN body_last TO body;"
"ALTER TABLE messages RENAME COLUMN body_shown_last TO body_shown;"
"ALTER TABLE messages RENAME COLUMN raw_last TO raw;",

/* 9: the request address (bpt(7), "The request address").  A
 * confirmation row remembers the mail that asked (message_id); a
 * consent row what a person agreed to by mail and which message said
 * so; admin_keys the OpenPGP fingerprint an admin's signed commands
 * are checked against; signed_seen the hashes of signed command texts
 * already run, so that a replay is refused; a proposal is a removal or
 * ban that waits for policy.ban_quorum admins, with one vote each. */
"ALTER TABLE confirmations ADD COLUMN message_id INTEGER;"
"CREATE TABLE consents ("
"	id INTEGER PRIMARY KEY,"
"	member_id INTEGER NOT NULL,"		/* no foreign key: a record outlives rows */
"	version TEXT NOT NULL,"			/* group.rules_version agreed to */
"	at INTEGER NOT NULL,"
"	message_id INTEGER"			/* the confirming mail in the store */
");"
"CREATE INDEX consents_member ON consents(member_id, id);"
"CREATE TABLE admin_keys ("
"	member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,"
"	fpr TEXT NOT NULL"			/* 40 upper-case hex digits */
");"
"CREATE TABLE signed_seen ("
"	hash TEXT PRIMARY KEY,"			/* SHA-256 of the signed text */
"	at INTEGER NOT NULL"
");"
"CREATE TABLE proposals ("
"	id INTEGER PRIMARY KEY,"
"	action TEXT NOT NULL CHECK (action = 'remove' OR action = 'ban'),"
"	email TEXT NOT NULL COLLATE NOCASE,"
"	reason TEXT,"
"	created_at INTEGER NOT NULL,"
"	state TEXT NOT NULL DEFAULT 'open'"
"	    CHECK (state = 'open' OR state = 'done' OR state = 'dropped')"
");"
"CREATE TABLE proposal_votes ("
"	proposal_id INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,"
"	actor TEXT NOT NULL COLLATE NOCASE,"
"	at INTEGER NOT NULL,"
"	PRIMARY KEY (proposal_id, actor)"
");",
};

#endif

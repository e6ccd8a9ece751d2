/*
 * imap.c - the mailbox of a group without a mail server of its own
 * (imap.h), spoken with libetpan's mailimap.
 *
 * One session goes through these steps, each bounded in time:
 *
 *   connect (net.h) -> TLS, implicit or STARTTLS, certificate checked
 *   -> LOGIN, or AUTHENTICATE XOAUTH2 -> SELECT -> scan -> IDLE -> scan
 *   -> IDLE ...
 *
 * A scan is UID SEARCH UNSEEN, then for each UID in order of arrival
 * UID FETCH (RFC822.SIZE BODY.PEEK[]<0.max>), take(), and after the
 * commit UID STORE +FLAGS.SILENT (\Seen) or UID MOVE.
 *
 * Bounds: libetpan waits on a blocking socket (its TLS layer reads
 * until a whole record is in, however slowly it drips), so every
 * command runs under a deadline kept by the SMTP transport's watchdog
 * (smtp_watch.h), which shuts the socket down when it passes: the wait
 * ends at once, in any layer, and the session is over.  Commands have
 * inbound.imap.timeout, the fetch of a message ten times that.  While
 * idling no command runs: our own poll() waits for the server, at most
 * 29 minutes (RFC 2177 asks clients to renew IDLE within 29 minutes of
 * it starting), and TCP keepalive notices a peer that vanished.
 */
#include "bptconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "imap.h"
#include "log.h"
#include "net.h"
#include "smtp_guard.h"
#include "smtp_watch.h"
#include "tlsverify.h"
#include "util.h"

#define IDLE_RENEW_MS	(29LL * 60 * 1000)	/* RFC 2177: within 29 minutes */
#define POLL_MS		(60LL * 1000)	/* a server without IDLE: scan this often */
#define BACKOFF_MIN_MS	1000LL
#define BACKOFF_MAX_MS	(5LL * 60 * 1000)
#define TOKEN_MAX	16384		/* bytes a token command may print */

extern char **environ;

/* What a session needs from the configuration; read once. */
struct peer {
	const struct cfg_server *sv;
	char port[8];
	char *password;		/* NULL with OAuth2 */
	struct tls_trust *trust;
	uint32_t max_size;	/* bytes of a message fetched at most */
};

struct session {
	mailimap *s;
	struct smtp_watch *watch;	/* one slot: this session's deadline */
	struct smtp_guard guard;	/* its deadline and fault only */
	int fd;			/* the socket, -1 when none */
	int has_idle, has_move, has_uidplus;
	uint32_t uidvalidity;
};

/* --- bounds ------------------------------------------------------------------ */

/* From now on, the socket is shut down after ms milliseconds. */
static int
arm(struct session *ss, long long ms)
{
	smtp_watch_disarm(ss->watch, 0);
	if (smtp_guard_fault(&ss->guard) != SMTP_FAULT_NONE || ss->fd < 0)
		return -1;
	ss->guard.deadline = util_now_ms() + ms;
	return smtp_watch_arm(ss->watch, 0, ss->fd, &ss->guard);
}

static void
disarm(struct session *ss)
{
	smtp_watch_disarm(ss->watch, 0);
}

/* Ends the session: LOGOUT when it is still good, then closes it. */
static void
session_close(struct session *ss, int logout)
{
	if (ss->s != NULL) {
		/* mailimap_logout() closes the stream, whatever the answer */
		if (logout && ss->s->imap_stream != NULL && arm(ss, 5000) == 0)
			mailimap_logout(ss->s);
		disarm(ss);
		/* else mailimap_free() would say LOGOUT and wait for a reply */
		if (ss->s->imap_stream != NULL) {
			mailstream_close(ss->s->imap_stream);
			ss->s->imap_stream = NULL;
		}
		mailimap_free(ss->s);
		ss->s = NULL;
	} else if (ss->fd >= 0) {
		disarm(ss);
		close(ss->fd);
	}
	ss->fd = -1;
}

/* The server's words on the last command, or why there are none. */
static const char *
said(struct session *ss)
{
	if (smtp_guard_fault(&ss->guard) == SMTP_FAULT_DEADLINE)
		return "no answer within inbound.imap.timeout";
	if (ss->s != NULL && ss->s->imap_response != NULL &&
	    ss->s->imap_response[0] != '\0')
		return ss->s->imap_response;
	return "connection lost";
}

/* The code in brackets of the last tagged reply ("NONEXISTENT"), or "". */
static const char *
said_code(struct session *ss)
{
	if (ss->s == NULL || ss->s->imap_response_info == NULL ||
	    ss->s->imap_response_info->rsp_atom == NULL)
		return "";
	return ss->s->imap_response_info->rsp_atom;
}

/* A command failed: the server said no, or the connection broke. */
static enum bpt_status
failed(struct bpt_ctx *ctx, struct session *ss, int r, const char *what)
{
	if (r == MAILIMAP_ERROR_MEMORY)
		return bpt_err(ctx, BPT_ENOMEM, "%s: out of memory", what);
	return bpt_err(ctx, BPT_ETEMP, "%s: %s", what, said(ss));
}

/* --- the OAuth2 token ---------------------------------------------------------- */

/*
 * Runs the admin's token command (no shell; stdin /dev/null, stderr
 * ours) and reads the access token it prints, within timeout seconds.
 */
static enum bpt_status
run_token(struct bpt_ctx *ctx, char *const *argv, long timeout, char **out)
{
	posix_spawn_file_actions_t fa;
	struct buf b = BUF_INIT;
	long long end = util_now_ms() + timeout * 1000;
	int p[2], ws, r, late = 0;
	pid_t pid;
	size_t n;

	*out = NULL;
	if (access(argv[0], X_OK) < 0)
		return bpt_err(ctx, BPT_ECONFIG, "inbound.imap.oauth2_token_command: "
		    "cannot run '%s': %s", argv[0], strerror(errno));
	if (pipe2(p, O_CLOEXEC) < 0)
		return bpt_err(ctx, BPT_ETEMP, "pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return bpt_err(ctx, BPT_ECONFIG, "inbound.imap.oauth2_token_command: "
		    "cannot run '%s': %s", argv[0], strerror(r));
	}
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		long long left = end - util_now_ms();
		char chunk[1024];
		ssize_t got;

		if (left <= 0) {
			late = 1;
			break;
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			late = r == 0;
			break;
		}
		got = read(p[0], chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (b.len + (size_t)got > TOKEN_MAX) {
			late = -1;
			break;
		}
		buf_add(&b, chunk, (size_t)got);
	}
	close(p[0]);
	if (late != 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (buf_failed(&b)) {
		buf_release(&b);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	/* a token is one word; the line end and blanks around it go */
	n = b.len;
	while (n > 0 && strchr(" \t\r\n", b.buf[n - 1]) != NULL)
		n--;
	buf_setlen(&b, n);
	if (late == 1 || late == -1 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0 ||
	    n == 0 || strpbrk(buf_str(&b), " \t\r\n") != NULL) {
		enum bpt_status st;

		if (late == 1)
			st = bpt_err(ctx, BPT_ETEMP, "inbound.imap.oauth2_token_command "
			    "printed no token within %lds", timeout);
		else if (late == -1)
			st = bpt_err(ctx, BPT_ETEMP, "inbound.imap.oauth2_token_command "
			    "printed more than %d bytes", TOKEN_MAX);
		else if (WIFSIGNALED(ws))
			st = bpt_err(ctx, BPT_ETEMP, "inbound.imap.oauth2_token_command "
			    "died of signal %d", WTERMSIG(ws));
		else if (WEXITSTATUS(ws) != 0)
			st = bpt_err(ctx, BPT_ETEMP, "inbound.imap.oauth2_token_command "
			    "exited with %d", WEXITSTATUS(ws));
		else
			st = bpt_err(ctx, BPT_ETEMP, "inbound.imap.oauth2_token_command "
			    "printed %s, not one token", n == 0 ? "nothing" :
			    "several words");
		explicit_bzero(b.buf, b.len);
		buf_release(&b);
		return st;
	}
	*out = buf_detach(&b, NULL);
	return BPT_OK;
}

static void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* --- connecting --------------------------------------------------------------- */

/* The capabilities that matter, asked for when the server did not say. */
static enum bpt_status
capabilities(struct bpt_ctx *ctx, struct peer *pe, struct session *ss)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	if (ss->s->imap_connection_info == NULL ||
	    ss->s->imap_connection_info->imap_capability == NULL) {
		if (arm(ss, pe->sv->timeout * 1000) < 0)
			return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "CAPABILITY");
		r = mailimap_capability(ss->s, &cap);
		if (r != MAILIMAP_NO_ERROR)
			return failed(ctx, ss, r, "CAPABILITY");
		mailimap_capability_data_free(cap);
	}
	ss->has_idle = mailimap_has_idle(ss->s);
	ss->has_move = mailimap_has_extension(ss->s, "MOVE");
	ss->has_uidplus = mailimap_has_extension(ss->s, "UIDPLUS");
	return BPT_OK;
}

/* TCP, then TLS (implicit, or STARTTLS after the greeting). */
static enum bpt_status
connect_tls(struct bpt_ctx *ctx, struct peer *pe, struct session *ss)
{
	const struct cfg_server *sv = pe->sv;
	char why[512];
	mailstream *stream;
	int r;

	smtp_guard_init(&ss->guard, 0);
	ss->fd = net_connect(sv->host, pe->port, sv->timeout,
	    util_now_ms() + sv->timeout * 1000, why, sizeof(why));
	if (ss->fd < 0)
		return bpt_err(ctx, BPT_ETEMP, "%s", why);
	/* a peer gone without a word is noticed within 4 minutes */
	(void)net_keepalive(ss->fd, 120, 30, 4);
	if (arm(ss, sv->timeout * 1000) < 0) {
		session_close(ss, 0);
		return bpt_err(ctx, BPT_ETEMP, "cannot watch the connection: %s",
		    strerror(errno));
	}
	if (sv->tls == CFG_TLS_IMPLICIT)
		stream = mailstream_ssl_open_with_callback_timeout(ss->fd,
		    sv->timeout, net_sni, sv->host);
	else
		stream = mailstream_socket_open_timeout(ss->fd, sv->timeout);
	if (stream == NULL) {
		int late = smtp_guard_fault(&ss->guard) != SMTP_FAULT_NONE;

		session_close(ss, 0);
		return bpt_err(ctx, BPT_ETEMP, "%s with %s port %s %s",
		    sv->tls == CFG_TLS_IMPLICIT ? "TLS handshake" : "connection",
		    sv->host, pe->port, late ? "took too long" : "failed");
	}
	if (sv->tls == CFG_TLS_IMPLICIT &&
	    net_tls_check(pe->trust, sv->host, stream, why, sizeof(why)) < 0) {
		mailstream_close(stream);
		ss->fd = -1;
		disarm(ss);
		return bpt_err(ctx, BPT_EUNAVAIL, "%s", why);
	}
	if ((ss->s = mailimap_new(0, NULL)) == NULL) {
		mailstream_close(stream);
		ss->fd = -1;
		disarm(ss);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	mailimap_set_timeout(ss->s, sv->timeout);
	r = mailimap_connect(ss->s, stream);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		return failed(ctx, ss, r, "greeting");
	}
	if (sv->tls != CFG_TLS_STARTTLS)
		return BPT_OK;
	if (capabilities(ctx, pe, ss) != BPT_OK)
		return ctx->err;
	if (!mailimap_has_extension(ss->s, "STARTTLS"))
		return bpt_err(ctx, BPT_EUNAVAIL, "%s does not offer STARTTLS; "
		    "no password is sent without TLS", sv->host);
	if (arm(ss, sv->timeout * 1000) < 0)
		return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "STARTTLS");
	r = mailimap_socket_starttls_with_callback(ss->s, net_sni, sv->host);
	if (r != MAILIMAP_NO_ERROR)
		return failed(ctx, ss, r, "STARTTLS");
	if (net_tls_check(pe->trust, sv->host, ss->s->imap_stream, why,
	    sizeof(why)) < 0)
		return bpt_err(ctx, BPT_EUNAVAIL, "%s", why);
	/* what the server said before TLS counts for nothing after it */
	if (ss->s->imap_connection_info != NULL &&
	    ss->s->imap_connection_info->imap_capability != NULL) {
		mailimap_capability_data_free(
		    ss->s->imap_connection_info->imap_capability);
		ss->s->imap_connection_info->imap_capability = NULL;
	}
	return BPT_OK;
}

/* A refused login: permanent unless the server says it is for now. */
static enum bpt_status
refused(struct bpt_ctx *ctx, struct session *ss, int r, const char *how)
{
	const char *code = said_code(ss);

	if (r != MAILIMAP_ERROR_LOGIN || strcasecmp(code, "UNAVAILABLE") == 0 ||
	    strcasecmp(code, "INUSE") == 0 || strcasecmp(code, "LIMIT") == 0)
		return failed(ctx, ss, r, how);
	return bpt_err(ctx, BPT_EPERM, "%s refused: %s", how, said(ss));
}

static enum bpt_status
login(struct bpt_ctx *ctx, struct peer *pe, struct session *ss)
{
	const struct cfg_server *sv = pe->sv;
	enum bpt_status st;
	char *token = NULL;
	int r, round;

	if (ss->s->imap_state == MAILIMAP_STATE_AUTHENTICATED)
		return BPT_OK;	/* PREAUTH */
	if (sv->oauth2_argv == NULL) {
		if (arm(ss, sv->timeout * 1000) < 0)
			return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "LOGIN");
		r = mailimap_login(ss->s, sv->user, pe->password);
		if (r == MAILIMAP_NO_ERROR)
			return BPT_OK;
		return refused(ctx, ss, r, "login");
	}
	/*
	 * A token may have expired between the command and its use, or
	 * been revoked: the command runs again once, and a second refusal
	 * is for a person to look at, not for a loop at the provider.
	 */
	for (round = 0; round < 2; round++) {
		if ((st = run_token(ctx, sv->oauth2_argv, sv->timeout, &token)) !=
		    BPT_OK)
			return st;
		if (arm(ss, sv->timeout * 1000) < 0) {
			secret_free(token);
			return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "XOAUTH2");
		}
		r = mailimap_oauth2_authenticate(ss->s, sv->user, token);
		secret_free(token);
		token = NULL;
		if (r == MAILIMAP_NO_ERROR)
			return BPT_OK;
		st = refused(ctx, ss, r, "XOAUTH2 login");
		if (st != BPT_EPERM)
			return st;
		if (round == 0)
			log_warnx("%s; asking inbound.imap.oauth2_token_command for "
			    "a new token", ctx->errmsg);
	}
	return bpt_err(ctx, BPT_EPERM, "XOAUTH2 login refused twice, with a "
	    "fresh token the second time: %s", said(ss));
}

/* Does mailbox mb exist?  (LIST "" mb) */
static enum bpt_status
mailbox_exists(struct bpt_ctx *ctx, struct peer *pe, struct session *ss,
    const char *key, const char *mb)
{
	clist *list = NULL;
	int r, found;

	if (arm(ss, pe->sv->timeout * 1000) < 0)
		return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "LIST");
	r = mailimap_list(ss->s, "", mb, &list);
	if (r != MAILIMAP_NO_ERROR)
		return failed(ctx, ss, r, "LIST");
	found = list != NULL && clist_count(list) > 0;
	if (list != NULL)
		mailimap_list_result_free(list);
	if (!found)
		return bpt_err(ctx, BPT_ECONFIG, "%s: there is no mailbox '%s' at "
		    "%s", key, mb, pe->sv->host);
	return BPT_OK;
}

static enum bpt_status
select_box(struct bpt_ctx *ctx, struct peer *pe, struct session *ss)
{
	const struct cfg_server *sv = pe->sv;
	uint32_t uv;
	int r;

	if (arm(ss, sv->timeout * 1000) < 0)
		return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "SELECT");
	r = mailimap_select(ss->s, sv->mailbox);
	if (r == MAILIMAP_ERROR_SELECT &&
	    strcasecmp(said_code(ss), "UNAVAILABLE") != 0 &&
	    strcasecmp(said_code(ss), "INUSE") != 0)
		return bpt_err(ctx, BPT_ECONFIG, "inbound.imap.mailbox: cannot "
		    "open '%s' at %s: %s", sv->mailbox, sv->host, said(ss));
	if (r != MAILIMAP_NO_ERROR)
		return failed(ctx, ss, r, "SELECT");
	uv = ss->s->imap_selection_info->sel_uidvalidity;
	if (ss->uidvalidity != 0 && uv != ss->uidvalidity)
		log_warnx("mailbox '%s' has a new UIDVALIDITY (%u, was %u): "
		    "scanning it anew; mail taken before is recognised",
		    sv->mailbox, uv, ss->uidvalidity);
	ss->uidvalidity = uv;
	return BPT_OK;
}

static enum bpt_status
session_open(struct bpt_ctx *ctx, struct peer *pe, struct session *ss)
{
	const struct cfg_server *sv = pe->sv;
	enum bpt_status st;

	if ((st = connect_tls(ctx, pe, ss)) != BPT_OK ||
	    (st = login(ctx, pe, ss)) != BPT_OK)
		return st;
	/* a login may change what the server offers: ask again */
	if (ss->s->imap_connection_info != NULL &&
	    ss->s->imap_connection_info->imap_capability != NULL) {
		mailimap_capability_data_free(
		    ss->s->imap_connection_info->imap_capability);
		ss->s->imap_connection_info->imap_capability = NULL;
	}
	if ((st = capabilities(ctx, pe, ss)) != BPT_OK)
		return st;
	if (sv->done_mailbox[0] != '\0' && (st = mailbox_exists(ctx, pe, ss,
	    "inbound.imap.done_mailbox", sv->done_mailbox)) != BPT_OK)
		return st;
	if ((st = select_box(ctx, pe, ss)) != BPT_OK)
		return st;
	disarm(ss);
	return BPT_OK;
}

/* --- one message --------------------------------------------------------------- */

/* UID FETCH uid (RFC822.SIZE BODY.PEEK[]<0.max>): the bytes and the size. */
static enum bpt_status
fetch_one(struct bpt_ctx *ctx, struct peer *pe, struct session *ss,
    uint32_t uid, struct buf *raw, size_t *total, int *found)
{
	struct mailimap_set *set;
	struct mailimap_fetch_type *ft;
	struct mailimap_fetch_att *fa;
	struct mailimap_section *sec;
	clist *res = NULL;
	clistiter *i, *j;
	int r, have_body = 0;

	*found = 0;
	*total = 0;
	set = mailimap_set_new_single(uid);
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (set == NULL || ft == NULL) {
		if (set != NULL)
			mailimap_set_free(set);
		if (ft != NULL)
			mailimap_fetch_type_free(ft);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	fa = mailimap_fetch_att_new_uid();
	if (fa == NULL || mailimap_fetch_type_new_fetch_att_list_add(ft, fa) !=
	    MAILIMAP_NO_ERROR)
		goto oom;
	fa = mailimap_fetch_att_new_rfc822_size();
	if (fa == NULL || mailimap_fetch_type_new_fetch_att_list_add(ft, fa) !=
	    MAILIMAP_NO_ERROR)
		goto oom;
	/* PEEK: the message stays unseen until it is committed */
	sec = mailimap_section_new(NULL);
	fa = sec ? mailimap_fetch_att_new_body_peek_section_partial(sec, 0,
	    pe->max_size) : NULL;
	if (fa == NULL || mailimap_fetch_type_new_fetch_att_list_add(ft, fa) !=
	    MAILIMAP_NO_ERROR)
		goto oom;
	if (arm(ss, pe->sv->timeout * 10000) < 0) {
		mailimap_set_free(set);
		mailimap_fetch_type_free(ft);
		return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "FETCH");
	}
	r = mailimap_uid_fetch(ss->s, set, ft, &res);
	disarm(ss);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	if (r != MAILIMAP_NO_ERROR)
		return failed(ctx, ss, r, "FETCH");
	for (i = clist_begin(res); i != NULL; i = clist_next(i)) {
		struct mailimap_msg_att *ma = clist_content(i);
		uint32_t this_uid = 0;
		size_t size = 0;
		const char *body = NULL;
		size_t blen = 0;

		for (j = clist_begin(ma->att_list); j != NULL; j = clist_next(j)) {
			struct mailimap_msg_att_item *it = clist_content(j);
			struct mailimap_msg_att_static *st;

			if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = it->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				this_uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
				size = st->att_data.att_rfc822_size;
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
			    st->att_data.att_body_section != NULL) {
				body = st->att_data.att_body_section->sec_body_part;
				blen = st->att_data.att_body_section->sec_length;
			}
		}
		if (this_uid != uid || body == NULL)
			continue;
		buf_reset(raw);
		buf_add(raw, body, blen);
		*total = size > blen ? size : blen;
		have_body = 1;
	}
	mailimap_fetch_list_free(res);
	if (buf_failed(raw))
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	*found = have_body;
	return BPT_OK;
oom:
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	return bpt_err(ctx, BPT_ENOMEM, "out of memory");
}

/* UID STORE uid +FLAGS.SILENT (flags...) */
static int
store_flags(struct session *ss, uint32_t uid, int deleted)
{
	struct mailimap_flag_list *fl;
	struct mailimap_store_att_flags *sf;
	struct mailimap_set *set;
	int r;

	if ((fl = mailimap_flag_list_new_empty()) == NULL)
		return MAILIMAP_ERROR_MEMORY;
	if (mailimap_flag_list_add(fl, mailimap_flag_new_seen()) != 0 ||
	    (deleted && mailimap_flag_list_add(fl, mailimap_flag_new_deleted()) !=
	    0)) {
		mailimap_flag_list_free(fl);
		return MAILIMAP_ERROR_MEMORY;
	}
	if ((sf = mailimap_store_att_flags_new_add_flags_silent(fl)) == NULL) {
		mailimap_flag_list_free(fl);
		return MAILIMAP_ERROR_MEMORY;
	}
	if ((set = mailimap_set_new_single(uid)) == NULL) {
		mailimap_store_att_flags_free(sf);
		return MAILIMAP_ERROR_MEMORY;
	}
	r = mailimap_uid_store(ss->s, set, sf);
	mailimap_set_free(set);
	mailimap_store_att_flags_free(sf);
	return r;
}

/*
 * After the commit: \Seen, or the move to done_mailbox (MOVE where the
 * server has it; else COPY, then \Seen \Deleted, then UID EXPUNGE of
 * this one message where the server has UIDPLUS).
 */
static enum bpt_status
mark_done(struct bpt_ctx *ctx, struct peer *pe, struct session *ss,
    uint32_t uid)
{
	const char *done = pe->sv->done_mailbox;
	struct mailimap_set *set;
	int r;

	if (arm(ss, pe->sv->timeout * 1000) < 0)
		return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "STORE");
	if (done[0] == '\0') {
		r = store_flags(ss, uid, 0);
		disarm(ss);
		return r == MAILIMAP_NO_ERROR ? BPT_OK : failed(ctx, ss, r, "STORE");
	}
	if ((set = mailimap_set_new_single(uid)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (ss->has_move) {
		r = mailimap_uid_move(ss->s, set, done);
		mailimap_set_free(set);
		disarm(ss);
		return r == MAILIMAP_NO_ERROR ? BPT_OK : failed(ctx, ss, r, "MOVE");
	}
	r = mailimap_uid_copy(ss->s, set, done);
	if (r == MAILIMAP_NO_ERROR)
		r = store_flags(ss, uid, 1);
	if (r == MAILIMAP_NO_ERROR && ss->has_uidplus)
		r = mailimap_uid_expunge(ss->s, set);
	mailimap_set_free(set);
	disarm(ss);
	return r == MAILIMAP_NO_ERROR ? BPT_OK : failed(ctx, ss, r,
	    "COPY to inbound.imap.done_mailbox");
}

static enum bpt_status
take_one(struct bpt_ctx *ctx, struct peer *pe, struct session *ss,
    const struct imap_fetch_opts *o, uint32_t uid, struct imap_fetch_stats *stats)
{
	struct buf raw = BUF_INIT;
	enum bpt_status st;
	size_t total;
	int found;

	st = fetch_one(ctx, pe, ss, uid, &raw, &total, &found);
	if (st != BPT_OK || !found) {
		/* gone meanwhile (another client moved it): nothing to do */
		buf_release(&raw);
		return st;
	}
	st = o->take(ctx, o->arg, buf_str(&raw), raw.len, total, total > raw.len);
	buf_release(&raw);
	if (st != BPT_OK)
		return st;
	if (bpt_fault("imap-before-flag")) {
		/* the tests kill us here: committed, not yet flagged */
		log_info("test fault imap-before-flag: UID %u committed, "
		    "waiting to be killed", uid);
		for (;;)
			pause();
	}
	st = mark_done(ctx, pe, ss, uid);
	if (st == BPT_OK)
		stats->taken++;
	else
		bpt_err_prefix(ctx, "message UID %u is stored; the mark that says "
		    "so in the mailbox failed, it is recognised next time", uid);
	return st;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* UID SEARCH UNSEEN, then each in order of arrival. */
static enum bpt_status
scan(struct bpt_ctx *ctx, struct peer *pe, struct session *ss,
    const struct imap_fetch_opts *o, struct imap_fetch_stats *stats)
{
	struct mailimap_search_key *key;
	enum bpt_status st = BPT_OK;
	clist *res = NULL;
	clistiter *it;
	uint32_t *uids;
	size_t n = 0, i;
	int r;

	key = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNSEEN, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL);
	if (key == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	if (arm(ss, pe->sv->timeout * 1000) < 0) {
		mailimap_search_key_free(key);
		return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "SEARCH");
	}
	r = mailimap_uid_search(ss->s, NULL, key, &res);
	disarm(ss);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return failed(ctx, ss, r, "SEARCH");
	uids = calloc((size_t)clist_count(res) + 1, sizeof(*uids));
	if (uids == NULL) {
		mailimap_search_result_free(res);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	for (it = clist_begin(res); it != NULL; it = clist_next(it))
		uids[n++] = *(uint32_t *)clist_content(it);
	mailimap_search_result_free(res);
	qsort(uids, n, sizeof(*uids), uid_cmp);
	for (i = 0; i < n && st == BPT_OK; i++)
		st = take_one(ctx, pe, ss, o, uids[i], stats);
	free(uids);
	return st;
}

/* --- waiting ------------------------------------------------------------------- */

/*
 * IDLE until the server says anything (a new message, an expunge, its
 * keepalive, a BYE) or 29 minutes have passed; then DONE.  Whatever
 * the server said, a scan follows: SEARCH UNSEEN costs one round trip.
 */
static enum bpt_status
idle(struct bpt_ctx *ctx, struct peer *pe, struct session *ss)
{
	long long renew;
	int r;

	if (!ss->has_idle) {
		poll(NULL, 0, (int)POLL_MS);
		return BPT_OK;
	}
	if (arm(ss, pe->sv->timeout * 1000) < 0)
		return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "IDLE");
	r = mailimap_idle(ss->s);
	disarm(ss);
	if (r != MAILIMAP_NO_ERROR)
		return failed(ctx, ss, r, "IDLE");
	renew = util_now_ms() + IDLE_RENEW_MS;
	for (;;) {
		struct pollfd pfd;
		long long left;

		/* read along with the continuation, not yet parsed */
		if (ss->s->imap_stream->read_buffer_len > 0)
			break;
		if ((left = renew - util_now_ms()) <= 0)
			break;
		pfd.fd = mailimap_idle_get_fd(ss->s);
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return bpt_err(ctx, BPT_ETEMP, "poll: %s", strerror(errno));
		if (r > 0)
			break;
	}
	if (arm(ss, pe->sv->timeout * 1000) < 0)
		return failed(ctx, ss, MAILIMAP_ERROR_STREAM, "DONE");
	r = mailimap_idle_done(ss->s);
	disarm(ss);
	if (r != MAILIMAP_NO_ERROR)
		return failed(ctx, ss, r, "IDLE");
	return BPT_OK;
}

/* --- the loop ------------------------------------------------------------------ */

/* Errors a person must act on end the loop; the rest are waited out. */
static int
permanent(enum bpt_status st)
{
	return st == BPT_EPERM || st == BPT_EUNAVAIL || st == BPT_ECONFIG ||
	    st == BPT_ESCHEMA || st == BPT_EUSAGE;
}

static enum bpt_status
peer_init(struct bpt_ctx *ctx, struct peer *pe)
{
	const struct cfg_server *sv = &ctx->cfg->inbound.imap;
	long max = ctx->cfg->policy.max_message_size;

	memset(pe, 0, sizeof(*pe));
	pe->sv = sv;
	if (sv->host[0] == '\0' || sv->user[0] == '\0')
		return bpt_err(ctx, BPT_ECONFIG, "%s: fetch --imap needs "
		    "inbound.imap.host and inbound.imap.user", ctx->cfg->path);
	if (sv->password_file[0] == '\0' && sv->oauth2_argv == NULL)
		return bpt_err(ctx, BPT_ECONFIG, "%s: fetch --imap needs "
		    "inbound.imap.password_file or oauth2_token_command",
		    ctx->cfg->path);
	snprintf(pe->port, sizeof(pe->port), "%ld", sv->port);
	pe->max_size = max > 0 && (unsigned long)max < UINT32_MAX ?
	    (uint32_t)max : UINT32_MAX;
	if (sv->password_file[0] != '\0') {
		struct buf b = BUF_INIT;
		enum bpt_status st;
		char *nl;

		st = fio_read_file(ctx, sv->password_file, 4096, &b);
		if (st != BPT_OK) {
			char why[sizeof(ctx->errmsg)];

			buf_release(&b);
			if (st == BPT_ENOMEM)
				return st;
			snprintf(why, sizeof(why), "%s", ctx->errmsg);
			return bpt_err(ctx, BPT_ECONFIG, "inbound.imap.password_file: "
			    "%s", why);
		}
		if (fio_is_exposed(sv->password_file))
			log_warnx("password file '%s' is readable by group or "
			    "others", sv->password_file);
		if ((nl = memchr(buf_str(&b), '\n', b.len)) != NULL)
			buf_setlen(&b, (size_t)(nl - b.buf));
		if (b.len > 0 && b.buf[b.len - 1] == '\r')
			buf_setlen(&b, b.len - 1);
		pe->password = buf_detach(&b, NULL);
		if (pe->password == NULL)
			pe->password = strdup("");
		if (pe->password == NULL)
			return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	if ((pe->trust = tls_trust_new(sv->ca_file)) == NULL)
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	return BPT_OK;
}

static void
peer_release(struct peer *pe)
{
	secret_free(pe->password);
	tls_trust_free(pe->trust);
}

enum bpt_status
imap_fetch(struct bpt_ctx *ctx, const struct imap_fetch_opts *o,
    struct imap_fetch_stats *stats)
{
	struct session ss;
	struct peer pe;
	sigset_t pipeset, old;
	enum bpt_status st;
	long long backoff = BACKOFF_MIN_MS;
	int scanned;

	stats->taken = 0;
	memset(&ss, 0, sizeof(ss));
	ss.fd = -1;
	if ((st = peer_init(ctx, &pe)) != BPT_OK) {
		peer_release(&pe);
		return st;
	}
	if ((ss.watch = smtp_watch_new(1)) == NULL) {
		peer_release(&pe);
		return bpt_err(ctx, BPT_ENOMEM, "out of memory");
	}
	/* a server may close while we write: an error, not a signal */
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	for (;;) {
		scanned = 0;
		st = session_open(ctx, &pe, &ss);
		if (st == BPT_OK)
			log_info("%s: mailbox '%s' of %s open (UIDVALIDITY %u)%s",
			    pe.sv->host, pe.sv->mailbox, pe.sv->user, ss.uidvalidity,
			    o->once || ss.has_idle ? "" : "; no IDLE: scanning "
			    "every minute");
		while (st == BPT_OK) {
			st = scan(ctx, &pe, &ss, o, stats);
			if (st != BPT_OK || o->once)
				break;
			scanned = 1;
			backoff = BACKOFF_MIN_MS;
			st = idle(ctx, &pe, &ss);
		}
		session_close(&ss, st == BPT_OK);
		if (o->once || permanent(st))
			break;
		/* a session that got as far as waiting starts the back-off anew */
		if (scanned)
			backoff = BACKOFF_MIN_MS;
		log_warnx("%s; connecting again in %lld s", ctx->errmsg,
		    backoff / 1000);
		poll(NULL, 0, (int)backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	{
		static const struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipeset, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	smtp_watch_free(ss.watch);
	peer_release(&pe);
	return st;
}

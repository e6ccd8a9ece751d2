/*
 * test_transport.c - the SMTP and sendmail transports against real
 * servers on 127.0.0.1: Postfix's smtp-sink for whole-session faults,
 * a small scripted SMTP responder (a thread of this test) for replies
 * per recipient, and a fake sendmail script that records its argv.
 * Servers listen on free ports and are stopped by PID; every wait is
 * bounded.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "transport.h"

#define SINK "/usr/sbin/smtp-sink"
#define LIST_FROM "bpt-bounces@binnenbijster.example"

/* A message with every line shape that needs care on the wire. */
static const char message[] =
    "From: \"Jan via BPT\" <bpt@binnenbijster.example>\n"
    "To: bpt@binnenbijster.example\n"
    "Subject: [BPT #12] verdachte auto\n"
    "\n"
    "Grijze bestelbus, kenteken VT-123-X.\n"
    ".een regel met een punt vooraan\n"
    ".\n"
    "..twee punten\n"
    "regel met CRLF\r\n"
    "\n"
    "From the end\n";

/* The same as SMTP DATA, without the final ".\r\n". */
static const char message_wire[] =
    "From: \"Jan via BPT\" <bpt@binnenbijster.example>\r\n"
    "To: bpt@binnenbijster.example\r\n"
    "Subject: [BPT #12] verdachte auto\r\n"
    "\r\n"
    "Grijze bestelbus, kenteken VT-123-X.\r\n"
    "..een regel met een punt vooraan\r\n"
    "..\r\n"
    "...twee punten\r\n"
    "regel met CRLF\r\n"
    "\r\n"
    "From the end\r\n";

/* --- helpers ------------------------------------------------------------ */

static int
free_port(int family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, port;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	fd = socket(family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	close(fd);
	return port;
}

/* True when ::1 can be bound here. */
static int
ipv6_loopback(void)
{
	struct sockaddr_in6 s6;
	int fd, ok;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_loopback;
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
	close(fd);
	return ok;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Connects once to host:port; 0 when something answered "220". */
static int
probe(int family, int port)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	char greet[64];
	int fd, ok = -1;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	} else {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	}
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) == 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 2000) == 1 && read(fd, greet, 3) == 3 &&
		    memcmp(greet, "220", 3) == 0)
			ok = 0;
		(void)!write(fd, "QUIT\r\n", 6);
	}
	close(fd);
	return ok;
}

/* Stops a child we started: SIGTERM, a bounded wait, then SIGKILL. */
static void
stop_child(pid_t pid)
{
	int i, ws;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 200; i++) {
		if (waitpid(pid, &ws, WNOHANG) == pid)
			return;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &ws, 0);
}

struct sink {
	char *dir;
	int port;
	int family;
	pid_t pid;
};

/* Starts smtp-sink -v -d DIR/m. with the extra options; skips the test
 * when Postfix's smtp-sink is not installed. */
static void
sink_start(struct sink *k, int family, const char *const *extra)
{
	const char *argv[32];
	char addr[64], dump[512], path[600];
	int n = 0, i, fd;

	if (access(SINK, X_OK) != 0)
		skip();
	k->family = family;
	k->dir = unit_tmpdir();
	assert_int_equal(chmod(k->dir, 0777), 0);	/* smtp-sink drops to nobody */
	k->port = free_port(family);
	snprintf(addr, sizeof(addr), family == AF_INET6 ? "[::1]:%d" :
	    "127.0.0.1:%d", k->port);
	snprintf(dump, sizeof(dump), "%s/m.", k->dir);
	argv[n++] = "smtp-sink";
	if (geteuid() == 0) {
		argv[n++] = "-u";
		argv[n++] = "nobody";
	}
	argv[n++] = family == AF_INET6 ? "-6" : "-4";
	argv[n++] = "-v";
	argv[n++] = "-d";
	argv[n++] = dump;
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[n++] = extra[i];
	argv[n++] = addr;
	argv[n++] = "64";
	argv[n] = NULL;

	k->pid = fork();
	assert_true(k->pid >= 0);
	if (k->pid == 0) {
		snprintf(path, sizeof(path), "%s/sink.err", k->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		snprintf(path, sizeof(path), "%s/sink.out", k->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		execv(SINK, (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < 300; i++) {
		if (probe(family, k->port) == 0)
			return;
		sleep_ms(20);
	}
	stop_child(k->pid);
	fail_msg("smtp-sink did not come up on port %d", k->port);
}

/* Stops the sink; returns how many connections it saw (the readiness
 * probe not counted). */
static int
sink_stop(struct sink *k)
{
	char path[600], line[1024];
	int n = 0;
	FILE *f;

	stop_child(k->pid);
	k->pid = 0;
	snprintf(path, sizeof(path), "%s/sink.err", k->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "smtp-sink: connect (") != NULL)
			n++;
	fclose(f);
	return n - 1;
}

/* The dump files of the sink, read whole, in no particular order. */
static size_t
sink_dumps(struct sink *k, char **out, size_t max)
{
	DIR *d;
	struct dirent *e;
	char path[600];
	size_t n = 0;
	struct buf b = BUF_INIT;
	struct bpt_ctx ctx = BPT_CTX_INIT;

	d = opendir(k->dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "m.", 2) != 0)
			continue;
		assert_true(n < max);
		snprintf(path, sizeof(path), "%s/%s", k->dir, e->d_name);
		buf_reset(&b);
		assert_int_equal(fio_read_file(&ctx, path, 0, &b), BPT_OK);
		out[n++] = strdup(buf_str(&b));
	}
	closedir(d);
	buf_release(&b);
	return n;
}

static int
count_str(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

/* The message part of a dump: after smtp-sink's three Received lines,
 * without the empty line the dump format appends. */
static char *
dump_message(const char *dump)
{
	const char *p = strstr(dump, "\nReceived: ");
	size_t n;
	int i;

	assert_non_null(p);
	p++;
	for (i = 0; i < 3; i++) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	n = strlen(p);
	assert_true(n > 0 && p[n - 1] == '\n');
	return strndup(p, n - 1);
}

static struct bpt_config *
load_cfg(const char *text)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *cfg = NULL;

	if (cfg_load_string(&ctx, "/tmp/t.yaml", text, strlen(text), &cfg) != BPT_OK)
		fail_msg("config: %s", ctx.errmsg);
	return cfg;
}

static struct bpt_config *
smtp_cfg(const char *host, int port, int batch, int conns, const char *more)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "group:\n  address: bpt@binnenbijster.example\n"
	    "store: /tmp/bpt-unit-unused.db\n"
	    "delivery:\n"
	    "  transport: smtp\n"
	    "  smtp:\n    host: \"%s\"\n    port: %d\n    timeout: 5s\n"
	    "    helo: bpt.test.example\n%s"
	    "  batch: %d\n  connections: %d\n",
	    host, port, more ? more : "", batch, conns);
	return load_cfg(text);
}

/* n recipients r0@..r(n-1)@ with room for the addresses. */
static struct tr_rcpt *
make_rcpts(size_t n, char ***addrs)
{
	struct tr_rcpt *r = calloc(n, sizeof(*r));
	char **a = calloc(n, sizeof(*a));
	size_t i;

	assert_non_null(r);
	assert_non_null(a);
	for (i = 0; i < n; i++) {
		a[i] = malloc(64);
		snprintf(a[i], 64, "lid%zu@example.org", i);
		r[i].addr = a[i];
		r[i].id = (long long)i + 1;
		r[i].result = -1;
	}
	*addrs = a;
	return r;
}

static void
free_rcpts(struct tr_rcpt *r, char **a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(a[i]);
	free(a);
	free(r);
}

/* Runs one send() through the smtp transport with a fresh state. */
static void
smtp_once(struct bpt_config *cfg, const char *msg, struct tr_rcpt *r, size_t n)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, msg, strlen(msg) };
	void *st;

	assert_int_equal(transport_smtp_ops.open(&ctx, cfg, &st), BPT_OK);
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, n), BPT_OK);
	transport_smtp_ops.close(st);
}

static void
assert_all(const struct tr_rcpt *r, size_t n, int result, int code)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].result != result || (code >= 0 && r[i].code != code))
			fail_msg("%s: result %d code %d '%s', want %d/%d",
			    r[i].addr, r[i].result, r[i].code, r[i].reply,
			    result, code);
	}
}

/* --- the scripted responder ---------------------------------------------- */

/*
 * A one-connection-at-a-time SMTP server in a thread.  Recipients
 * decide their reply by their local part: "t451..." 451, "p550..." 550,
 * "c421..." 421 and close; senders "m550..." and "m451..." fail MAIL.
 */
struct resp {
	int lfd, port, wake[2];
	int pipelining;		/* announce PIPELINING */
	int max_rcpt;		/* 452 past this many RCPTs; 0: no limit */
	size_t cut_data;	/* close after this many DATA bytes; 0: never */
	int close_after_txn;	/* 421 and close after each message */
	int auth;		/* announce AUTH PLAIN LOGIN */
	/* what it saw */
	int conns, txns, rsets, rcpts;
	struct buf data;	/* DATA bytes of the last message, as sent */
	struct buf mails;	/* every MAIL FROM argument, one a line */
	struct buf authdata;	/* the decoded AUTH PLAIN response */
	pthread_t tid;
};

static int
b64val(int c)
{
	const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(t, c) : NULL;

	return p ? (int)(p - t) : -1;
}

static void
b64dec(const char *s, struct buf *out)
{
	unsigned v = 0;
	int bits = 0, d;

	for (; *s != '\0' && *s != '='; s++) {
		if ((d = b64val(*s)) < 0)
			continue;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (int)((v >> bits) & 0xff));
		}
	}
}

static void
say(int fd, const char *s)
{
	(void)!write(fd, s, strlen(s));
}

/* Serves one connection; bounded by lines and a 5 s silence. */
static void
resp_serve(struct resp *rs, int fd)
{
	char in[65536], line[4096];
	size_t have = 0, ll;
	int indata = 0, nrcpt = 0, accepted = 0, lines = 0, authwait = 0;
	int inmail = 0;
	char *nl, reply[256];
	struct pollfd pfd;
	ssize_t n;

	say(fd, "220 resp.test ESMTP\r\n");
	while (lines < 200000) {
		nl = memchr(in, '\n', have);
		if (nl == NULL) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (have == sizeof(in) || poll(&pfd, 1, 5000) != 1)
				return;
			n = read(fd, in + have, sizeof(in) - have);
			if (n <= 0)
				return;
			have += (size_t)n;
			continue;
		}
		ll = (size_t)(nl - in) + 1;
		if (ll >= sizeof(line))
			return;
		memcpy(line, in, ll);
		line[ll] = '\0';
		memmove(in, in + ll, have - ll);
		have -= ll;
		lines++;
		if (indata) {
			if (strcmp(line, ".\r\n") == 0) {
				indata = 0;
				rs->txns++;
				snprintf(reply, sizeof(reply),
				    "250 2.0.0 Ok: queued as Q%d\r\n", rs->txns);
				say(fd, reply);
				if (rs->close_after_txn) {
					say(fd, "421 4.4.2 resp.test idle timeout\r\n");
					return;
				}
				continue;
			}
			buf_add(&rs->data, line, ll);
			if (rs->cut_data && rs->data.len >= rs->cut_data)
				return;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (authwait) {
			authwait = 0;
			b64dec(line, &rs->authdata);
			say(fd, "235 2.7.0 Authentication successful\r\n");
		} else if (strncasecmp(line, "EHLO ", 5) == 0) {
			snprintf(reply, sizeof(reply), "250-resp.test\r\n%s%s"
			    "250-8BITMIME\r\n250 SIZE 10240000\r\n",
			    rs->pipelining ? "250-PIPELINING\r\n" : "",
			    rs->auth ? "250-AUTH PLAIN LOGIN\r\n" : "");
			say(fd, reply);
		} else if (strncasecmp(line, "AUTH PLAIN", 10) == 0) {
			if (line[10] == ' ' && line[11] != '\0') {
				b64dec(line + 11, &rs->authdata);
				say(fd, "235 2.7.0 Authentication successful\r\n");
			} else {
				authwait = 1;
				say(fd, "334 \r\n");
			}
		} else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
			buf_adds(&rs->mails, line + 10);
			buf_addch(&rs->mails, '\n');
			nrcpt = accepted = 0;
			if (strncmp(line + 10, "<m550", 5) == 0)
				say(fd, "550 5.7.1 sender refused\r\n");
			else if (strncmp(line + 10, "<m451", 5) == 0)
				say(fd, "451 4.3.0 sender check failed, try later\r\n");
			else {
				inmail = 1;
				say(fd, "250 2.1.0 Ok\r\n");
			}
		} else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
			rs->rcpts++;
			if (!inmail)
				say(fd, "503 5.5.1 Error: need MAIL command\r\n");
			else if (rs->max_rcpt && nrcpt >= rs->max_rcpt)
				say(fd, "452 4.5.3 Error: too many recipients\r\n");
			else if (strncmp(line + 8, "<t451", 5) == 0)
				say(fd, "451 4.2.1 mailbox busy,\r\n");
			else if (strncmp(line + 8, "<p550", 5) == 0)
				say(fd, "550 5.1.1 <p550> user unknown\r\n");
			else if (strncmp(line + 8, "<c421", 5) == 0) {
				say(fd, "421 4.3.2 shutting down\r\n");
				return;
			} else {
				say(fd, "250 2.1.5 Ok\r\n");
				accepted++;
			}
			nrcpt++;
		} else if (strcasecmp(line, "DATA") == 0) {
			if (accepted == 0)
				say(fd, "554 5.5.1 Error: no valid recipients\r\n");
			else {
				buf_reset(&rs->data);
				indata = 1;
				inmail = 0;
				say(fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
			}
		} else if (strcasecmp(line, "RSET") == 0) {
			rs->rsets++;
			nrcpt = accepted = inmail = 0;
			say(fd, "250 2.0.0 Ok\r\n");
		} else if (strcasecmp(line, "QUIT") == 0) {
			say(fd, "221 2.0.0 Bye\r\n");
			return;
		} else
			say(fd, "502 5.5.2 Error: command not recognized\r\n");
	}
}

static void *
resp_main(void *arg)
{
	struct resp *rs = arg;
	struct pollfd pfd[2];
	int fd;

	while (rs->conns < 50) {
		pfd[0].fd = rs->lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = rs->wake[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 20000) <= 0 || pfd[1].revents != 0)
			break;
		fd = accept(rs->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		rs->conns++;
		resp_serve(rs, fd);
		close(fd);
	}
	return NULL;
}

static void
resp_start(struct resp *rs)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rs->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(rs->lfd >= 0);
	assert_int_equal(bind(rs->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(rs->lfd, 16), 0);
	assert_int_equal(getsockname(rs->lfd, (struct sockaddr *)&sa, &len), 0);
	rs->port = ntohs(sa.sin_port);
	assert_int_equal(pipe(rs->wake), 0);
	assert_int_equal(pthread_create(&rs->tid, NULL, resp_main, rs), 0);
}

static void
resp_stop(struct resp *rs)
{
	say(rs->wake[1], "x");
	pthread_join(rs->tid, NULL);
	close(rs->lfd);
	close(rs->wake[0]);
	close(rs->wake[1]);
}

static void
resp_free(struct resp *rs)
{
	buf_release(&rs->data);
	buf_release(&rs->mails);
	buf_release(&rs->authdata);
}

/* --- SMTP against smtp-sink ---------------------------------------------- */

static void
test_sink_exact_body(void **state)
{
	struct sink k;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a, *dumps[4], *m;
	size_t i, nd;

	(void)state;
	sink_start(&k, AF_INET, NULL);
	cfg = smtp_cfg("127.0.0.1", k.port, 50, 4, NULL);
	r = make_rcpts(3, &a);
	smtp_once(cfg, message, r, 3);
	assert_int_equal(sink_stop(&k), 1);
	assert_all(r, 3, TR_OK, 250);
	assert_non_null(strstr(r[0].reply, "250 2.0.0 Ok"));
	nd = sink_dumps(&k, dumps, 4);
	assert_int_equal(nd, 1);
	m = dump_message(dumps[0]);
	/* smtp-sink stores lines with LF and without the dot-stuffing: the
	 * message must come out exactly as it went in, CRLF line included */
	{
		struct buf want = BUF_INIT;
		const char *p;

		for (p = message; *p; p++)
			if (!(p[0] == '\r' && p[1] == '\n'))
				buf_addch(&want, *p);
		assert_string_equal(m, buf_str(&want));
		buf_release(&want);
	}
	assert_non_null(strstr(dumps[0], "X-Helo-Args: bpt.test.example\n"));
	assert_non_null(strstr(dumps[0], "X-Mail-Args: <" LIST_FROM ">"));
	assert_non_null(strstr(dumps[0], "X-Rcpt-Args: <lid0@example.org>\n"
	    "X-Rcpt-Args: <lid1@example.org>\nX-Rcpt-Args: <lid2@example.org>\n"));
	free(m);
	for (i = 0; i < nd; i++)
		free(dumps[i]);
	free_rcpts(r, a, 3);
	cfg_free(cfg);
	unit_rmtree(k.dir);
}

static void
test_sink_ipv6(void **state)
{
	struct sink k;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a, *dumps[2];

	(void)state;
	if (!ipv6_loopback())
		skip();
	sink_start(&k, AF_INET6, NULL);
	cfg = smtp_cfg("::1", k.port, 50, 1, NULL);
	r = make_rcpts(2, &a);
	smtp_once(cfg, message, r, 2);
	assert_int_equal(sink_stop(&k), 1);
	assert_all(r, 2, TR_OK, 250);
	assert_int_equal(sink_dumps(&k, dumps, 2), 1);
	assert_non_null(strstr(dumps[0], "X-Client-Addr: ipv6:::1\n"));
	free(dumps[0]);
	free_rcpts(r, a, 2);
	cfg_free(cfg);
	unit_rmtree(k.dir);
}

static void
test_sink_batches(void **state)
{
	struct sink k;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a, *dumps[8];
	size_t i, nd;
	int counts[3], total = 0, t;

	(void)state;
	sink_start(&k, AF_INET, NULL);
	cfg = smtp_cfg("127.0.0.1", k.port, 50, 1, NULL);
	r = make_rcpts(120, &a);
	smtp_once(cfg, message, r, 120);
	assert_int_equal(sink_stop(&k), 1);
	assert_all(r, 120, TR_OK, 250);
	nd = sink_dumps(&k, dumps, 8);
	assert_int_equal(nd, 3);
	for (i = 0; i < nd; i++) {
		counts[i] = count_str(dumps[i], "X-Rcpt-Args: ");
		total += counts[i];
		free(dumps[i]);
	}
	/* 50 + 50 + 20, in whatever order the files were listed */
	for (i = 0; i < 3; i++)
		for (t = (int)i + 1; t < 3; t++)
			if (counts[t] > counts[i]) {
				int x = counts[i];

				counts[i] = counts[t];
				counts[t] = x;
			}
	assert_int_equal(counts[0], 50);
	assert_int_equal(counts[1], 50);
	assert_int_equal(counts[2], 20);
	assert_int_equal(total, 120);
	free_rcpts(r, a, 120);
	cfg_free(cfg);
	unit_rmtree(k.dir);
}

static void
test_sink_parallel(void **state)
{
	static const char *const slow[] = { "-w", "1", NULL };
	struct sink k;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a, *dumps[16];
	size_t i, nd;
	int conns, total = 0;

	(void)state;
	/* DATA answered after 1 s: one connection alone would need 8 s */
	sink_start(&k, AF_INET, slow);
	cfg = smtp_cfg("127.0.0.1", k.port, 50, 4, NULL);
	r = make_rcpts(400, &a);
	smtp_once(cfg, message, r, 400);
	conns = sink_stop(&k);
	assert_all(r, 400, TR_OK, 250);
	if (conns < 2 || conns > 4)
		fail_msg("%d connections, want 2..4", conns);
	nd = sink_dumps(&k, dumps, 16);
	assert_int_equal(nd, 8);
	for (i = 0; i < nd; i++) {
		total += count_str(dumps[i], "X-Rcpt-Args: ");
		free(dumps[i]);
	}
	assert_int_equal(total, 400);
	free_rcpts(r, a, 400);
	cfg_free(cfg);
	unit_rmtree(k.dir);
}

static void
test_refused(void **state)
{
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a;
	size_t i;

	(void)state;
	cfg = smtp_cfg("127.0.0.1", free_port(AF_INET), 2, 4, NULL);
	r = make_rcpts(5, &a);
	smtp_once(cfg, message, r, 5);
	assert_all(r, 5, TR_TEMP, 0);
	for (i = 0; i < 5; i++)
		if (strstr(r[i].reply, "Connection refused") == NULL)
			fail_msg("reply '%s'", r[i].reply);
	free_rcpts(r, a, 5);
	cfg_free(cfg);
}

/* smtp-sink disconnects without a reply after the given command. */
static void
cut_after(const char *cmd)
{
	const char *const opts[] = { "-q", cmd, NULL };
	struct sink k;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a;

	sink_start(&k, AF_INET, opts);
	cfg = smtp_cfg("127.0.0.1", k.port, 50, 1, NULL);
	r = make_rcpts(3, &a);
	smtp_once(cfg, message, r, 3);
	sink_stop(&k);
	assert_all(r, 3, TR_TEMP, 0);
	assert_non_null(strstr(r[0].reply, "connection to the relay lost"));
	free_rcpts(r, a, 3);
	cfg_free(cfg);
	unit_rmtree(k.dir);
}

static void
test_sink_cut_in_data(void **state)
{
	(void)state;
	cut_after("DATA");
	cut_after(".");		/* the whole body sent, no reply */
}

static void
test_sink_421(void **state)
{
	static const char *const opts[] = { "-Q", ".", NULL };
	struct sink k;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a;

	(void)state;
	/* 421 after the first message: that batch and all later ones are
	 * deferred, and nobody reconnects to a relay that is closing */
	sink_start(&k, AF_INET, opts);
	cfg = smtp_cfg("127.0.0.1", k.port, 2, 1, NULL);
	r = make_rcpts(6, &a);
	smtp_once(cfg, message, r, 6);
	assert_int_equal(sink_stop(&k), 1);
	assert_all(r, 6, TR_TEMP, 421);
	assert_non_null(strstr(r[0].reply, "421"));
	assert_non_null(strstr(r[5].reply, "421"));
	free_rcpts(r, a, 6);
	cfg_free(cfg);
	unit_rmtree(k.dir);
}

static void
test_sink_reject_all(void **state)
{
	static const char *const soft[] = { "-r", "RCPT", NULL };
	static const char *const hard[] = { "-f", "RCPT", NULL };
	static const char *const mail[] = { "-f", "MAIL", NULL };
	const char *const *opts[] = { soft, hard, mail };
	const int result[] = { TR_TEMP, TR_PERM, TR_PERM };
	const int code[] = { 450, 500, 500 };
	struct sink k;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a, *dumps[2];
	size_t nd;
	int t;

	(void)state;
	for (t = 0; t < 3; t++) {
		sink_start(&k, AF_INET, opts[t]);
		cfg = smtp_cfg("127.0.0.1", k.port, 50, 1, NULL);
		r = make_rcpts(4, &a);
		smtp_once(cfg, message, r, 4);
		sink_stop(&k);
		assert_all(r, 4, result[t], code[t]);
		/* smtp-sink opens a dump at MAIL; no message may be in it */
		nd = sink_dumps(&k, dumps, 2);
		while (nd > 0) {
			assert_string_equal(dumps[--nd], "");
			free(dumps[nd]);
		}
		free_rcpts(r, a, 4);
		cfg_free(cfg);
		unit_rmtree(k.dir);
	}
}

static void
test_sink_no_starttls(void **state)
{
	struct sink k;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a, *dumps[2];

	(void)state;
	/* tls: starttls never falls back to plain text */
	sink_start(&k, AF_INET, NULL);
	cfg = smtp_cfg("127.0.0.1", k.port, 50, 1, "    tls: starttls\n");
	r = make_rcpts(2, &a);
	smtp_once(cfg, message, r, 2);
	sink_stop(&k);
	assert_all(r, 2, TR_TEMP, 0);
	assert_non_null(strstr(r[0].reply, "does not offer STARTTLS"));
	assert_int_equal(sink_dumps(&k, dumps, 2), 0);
	free_rcpts(r, a, 2);
	cfg_free(cfg);
	unit_rmtree(k.dir);
}

/* --- SMTP against the scripted responder --------------------------------- */

static void
per_rcpt(int pipelining)
{
	struct resp rs = { 0 };
	struct bpt_config *cfg;
	struct tr_rcpt r[4];
	const char *addrs[] = { "jan@example.org", "t451-piet@example.org",
	    "p550-kees@example.org", "els@example.org" };
	char want[128];
	size_t i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 4; i++)
		r[i].addr = addrs[i];
	rs.pipelining = pipelining;
	resp_start(&rs);
	cfg = smtp_cfg("127.0.0.1", rs.port, 50, 1, NULL);
	smtp_once(cfg, message, r, 4);
	resp_stop(&rs);

	assert_int_equal(r[0].result, TR_OK);
	assert_int_equal(r[0].code, 250);
	assert_string_equal(r[0].reply, "250 2.0.0 Ok: queued as Q1");
	assert_int_equal(r[1].result, TR_TEMP);
	assert_int_equal(r[1].code, 451);
	assert_string_equal(r[1].reply, "451 4.2.1 mailbox busy,");
	assert_int_equal(r[2].result, TR_PERM);
	assert_int_equal(r[2].code, 550);
	assert_string_equal(r[2].reply, "550 5.1.1 <p550> user unknown");
	assert_int_equal(r[3].result, TR_OK);
	assert_int_equal(rs.conns, 1);
	assert_int_equal(rs.txns, 1);
	/* CRLF and dot-stuffing exactly as on the wire */
	assert_int_equal(rs.data.len, strlen(message_wire));
	assert_memory_equal(rs.data.buf, message_wire, rs.data.len);
	snprintf(want, sizeof(want), "<" LIST_FROM "> SIZE=%zu\n",
	    strlen(message_wire) + 3);
	assert_string_equal(buf_str(&rs.mails), want);
	resp_free(&rs);
	cfg_free(cfg);
}

static void
test_resp_per_rcpt(void **state)
{
	(void)state;
	per_rcpt(1);
	per_rcpt(0);
}

static void
too_many(int pipelining)
{
	struct resp rs = { 0 };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a;
	void *st;

	rs.pipelining = pipelining;
	rs.max_rcpt = 3;
	resp_start(&rs);
	cfg = smtp_cfg("127.0.0.1", rs.port, 5, 1, NULL);
	r = make_rcpts(5, &a);
	assert_int_equal(transport_smtp_ops.open(&ctx, cfg, &st), BPT_OK);
	/* the relay takes 3; the other 2 go at once in a second
	   transaction on the same connection, after RSET */
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, 5), BPT_OK);
	assert_all(r, 5, TR_OK, 250);
	transport_smtp_ops.close(st);
	resp_stop(&rs);
	assert_int_equal(rs.conns, 1);
	assert_int_equal(rs.txns, 2);
	assert_int_equal(rs.rsets, 1);
	assert_int_equal(rs.rcpts, pipelining ? 7 : 6);
	free_rcpts(r, a, 5);
	resp_free(&rs);
	cfg_free(cfg);
}

static void
test_resp_452(void **state)
{
	(void)state;
	too_many(1);
	too_many(0);
}

static void
test_resp_mail_refused(void **state)
{
	struct resp rs = { 0 };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { "m550@example.org", message, strlen(message) };
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a;
	void *st;

	(void)state;
	rs.pipelining = 1;
	resp_start(&rs);
	cfg = smtp_cfg("127.0.0.1", rs.port, 50, 1, NULL);
	r = make_rcpts(3, &a);
	assert_int_equal(transport_smtp_ops.open(&ctx, cfg, &st), BPT_OK);
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, 3), BPT_OK);
	assert_all(r, 3, TR_PERM, 550);
	assert_string_equal(r[0].reply, "550 5.7.1 sender refused");
	m.env_from = "m451@example.org";
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, 3), BPT_OK);
	assert_all(r, 3, TR_TEMP, 451);
	/* the pipeline stayed in step: a good sender goes through */
	m.env_from = "";
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, 3), BPT_OK);
	assert_all(r, 3, TR_OK, 250);
	transport_smtp_ops.close(st);
	resp_stop(&rs);
	assert_int_equal(rs.conns, 1);
	assert_int_equal(rs.txns, 1);
	assert_non_null(strstr(buf_str(&rs.mails), "\n<> SIZE="));
	free_rcpts(r, a, 3);
	resp_free(&rs);
	cfg_free(cfg);
}

static void
test_resp_cut_mid_body(void **state)
{
	struct resp rs = { 0 };
	struct bpt_config *cfg;
	struct buf big = BUF_INIT;
	struct tr_rcpt *r;
	char **a;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++)
		buf_addf(&big, "regel %d van een lang bericht\n", i);
	rs.pipelining = 1;
	rs.cut_data = 1000;
	resp_start(&rs);
	cfg = smtp_cfg("127.0.0.1", rs.port, 50, 1, NULL);
	r = make_rcpts(3, &a);
	smtp_once(cfg, big.buf, r, 3);
	resp_stop(&rs);
	assert_all(r, 3, TR_TEMP, 0);
	assert_int_equal(rs.txns, 0);
	free_rcpts(r, a, 3);
	buf_release(&big);
	resp_free(&rs);
	cfg_free(cfg);
}

static void
test_resp_421_rcpt(void **state)
{
	struct resp rs = { 0 };
	struct bpt_config *cfg;
	struct tr_rcpt r[4];
	const char *addrs[] = { "jan@example.org", "c421@example.org",
	    "els@example.org", "piet@example.org" };
	size_t i;

	(void)state;
	memset(r, 0, sizeof(r));
	for (i = 0; i < 4; i++)
		r[i].addr = addrs[i];
	rs.pipelining = 0;
	resp_start(&rs);
	cfg = smtp_cfg("127.0.0.1", rs.port, 2, 1, NULL);
	smtp_once(cfg, message, r, 4);
	resp_stop(&rs);
	/* jan was accepted but the message never went: all deferred, and
	 * the second batch is not tried on a closing relay */
	assert_all(r, 4, TR_TEMP, 421);
	assert_non_null(strstr(r[3].reply, "shutting down"));
	assert_int_equal(rs.conns, 1);
	assert_int_equal(rs.txns, 0);
	resp_free(&rs);
	cfg_free(cfg);
}

static void
test_resp_reconnect(void **state)
{
	struct resp rs = { 0 };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a;
	void *st;

	(void)state;
	/* the relay says 421 and closes while the session is idle */
	rs.pipelining = 1;
	rs.close_after_txn = 1;
	resp_start(&rs);
	cfg = smtp_cfg("127.0.0.1", rs.port, 50, 1, NULL);
	r = make_rcpts(2, &a);
	assert_int_equal(transport_smtp_ops.open(&ctx, cfg, &st), BPT_OK);
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, 2), BPT_OK);
	assert_all(r, 2, TR_OK, 250);
	sleep_ms(50);
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, 2), BPT_OK);
	assert_all(r, 2, TR_OK, 250);
	transport_smtp_ops.close(st);
	resp_stop(&rs);
	assert_int_equal(rs.conns, 2);
	assert_int_equal(rs.txns, 2);
	free_rcpts(r, a, 2);
	resp_free(&rs);
	cfg_free(cfg);
}

static void
test_resp_verp(void **state)
{
	struct resp rs = { 0 };
	struct bpt_config *cfg;
	struct tr_rcpt r[5];
	const char *addrs[] = { "a@example.org", "b@example.org",
	    "c@example.org", "d@example.org", "e@example.org" };
	char want[512];
	size_t i;

	(void)state;
	memset(r, 0, sizeof(r));
	for (i = 0; i < 5; i++)
		r[i].addr = addrs[i];
	r[1].env_from = "bpt+bounce-b=example.org@binnenbijster.example";
	r[3].env_from = "bpt+bounce-d=example.org@binnenbijster.example";
	rs.pipelining = 1;
	resp_start(&rs);
	cfg = smtp_cfg("127.0.0.1", rs.port, 50, 1, NULL);
	smtp_once(cfg, message, r, 5);
	resp_stop(&rs);
	assert_all(r, 5, TR_OK, 250);
	assert_int_equal(rs.txns, 3);
	assert_int_equal(rs.rcpts, 5);
	snprintf(want, sizeof(want), "<" LIST_FROM "> SIZE=%zu\n"
	    "<bpt+bounce-b=example.org@binnenbijster.example> SIZE=%zu\n"
	    "<bpt+bounce-d=example.org@binnenbijster.example> SIZE=%zu\n",
	    strlen(message_wire) + 3, strlen(message_wire) + 3,
	    strlen(message_wire) + 3);
	assert_string_equal(buf_str(&rs.mails), want);
	resp_free(&rs);
	cfg_free(cfg);
}

static void
test_bad_input(void **state)
{
	struct resp rs = { 0 };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct bpt_config *cfg;
	struct tr_rcpt r[3];
	void *st;

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].addr = "jan@example.org";
	r[1].addr = "x@example.org>\r\nRSET\r\nRCPT TO:<y@example.org";
	r[2].addr = "";
	rs.pipelining = 1;
	resp_start(&rs);
	cfg = smtp_cfg("127.0.0.1", rs.port, 50, 1, NULL);
	assert_int_equal(transport_smtp_ops.open(&ctx, cfg, &st), BPT_OK);
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, 3), BPT_OK);
	assert_int_equal(r[0].result, TR_OK);
	assert_int_equal(r[1].result, TR_PERM);
	assert_string_equal(r[1].reply, "invalid recipient address");
	assert_int_equal(r[2].result, TR_PERM);
	m.env_from = "a@b\r\nDATA";
	assert_int_equal(transport_smtp_ops.send(&ctx, st, &m, r, 3), BPT_EDATA);
	transport_smtp_ops.close(st);
	resp_stop(&rs);
	assert_int_equal(rs.rcpts, 1);
	assert_int_equal(rs.rsets, 0);
	resp_free(&rs);
	cfg_free(cfg);
}

static void
test_resp_auth(void **state)
{
	struct resp rs = { 0 };
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a, more[512], pw[400];
	char *dir = unit_tmpdir();
	void *st;
	FILE *f;

	(void)state;
	snprintf(pw, sizeof(pw), "%s/smtp.pw", dir);
	f = fopen(pw, "w");
	assert_non_null(f);
	fputs("geheim wachtwoord\nsecond line is ignored\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(pw, 0600), 0);
	rs.pipelining = 1;
	rs.auth = 1;
	resp_start(&rs);
	snprintf(more, sizeof(more), "    user: bpt\n    password_file: %s\n", pw);
	cfg = smtp_cfg("127.0.0.1", rs.port, 50, 1, more);
	r = make_rcpts(2, &a);
	smtp_once(cfg, message, r, 2);
	resp_stop(&rs);
	assert_all(r, 2, TR_OK, 250);
	/* AUTH PLAIN: [authzid] NUL authcid NUL password */
	assert_true(rs.authdata.len > 0);
	{
		const char *want = "\0bpt\0geheim wachtwoord";
		size_t wl = 22;

		assert_true(rs.authdata.len >= wl);
		assert_memory_equal(rs.authdata.buf + rs.authdata.len - wl, want, wl);
	}

	/* a password file others can read works, with a warning */
	{
		char errpath[600];
		struct buf got = BUF_INIT;
		int saved, fd;

		assert_int_equal(chmod(pw, 0644), 0);
		snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		fflush(stderr);
		saved = dup(2);
		dup2(fd, 2);
		close(fd);
		assert_int_equal(transport_smtp_ops.open(&ctx, cfg, &st), BPT_OK);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		transport_smtp_ops.close(st);
		assert_int_equal(fio_read_file(&ctx, errpath, 0, &got), BPT_OK);
		assert_non_null(strstr(buf_str(&got), "is readable by group or others"));
		buf_release(&got);
	}
	cfg_free(cfg);

	/* a missing password file is a configuration error */
	snprintf(more, sizeof(more), "    user: bpt\n    password_file: %s/nope\n",
	    dir);
	cfg = smtp_cfg("127.0.0.1", rs.port, 50, 1, more);
	assert_int_equal(transport_smtp_ops.open(&ctx, cfg, &st), BPT_ECONFIG);
	assert_non_null(strstr(ctx.errmsg, "password_file"));
	cfg_free(cfg);
	free_rcpts(r, a, 2);
	resp_free(&rs);
	unit_rmtree(dir);
}

/* --- sendmail ------------------------------------------------------------ */

static const char fake_sendmail[] =
    "#!/bin/sh\n"
    "d='%s'\n"
    "n=$(ls \"$d\" | grep -c '^call\\.')\n"
    "for a in \"$0\" \"$@\"; do printf '%%s\\n' \"$a\"; done >\"$d/call.$n\"\n"
    "code=$(cat \"$d/exit\" 2>/dev/null || echo 0)\n"
    "r=$(cat \"$d/refuse\" 2>/dev/null)\n"
    "for a in \"$@\"; do [ \"$a\" != \"$r\" ] || code=67; done\n"
    "if [ \"$code\" = stall ]; then echo $$ >\"$d/pid\"; exec sleep 30; fi\n"
    "cat >\"$d/body.$n\"\n"
    "if [ \"$code\" = hang ]; then echo $$ >\"$d/pid\"; exec sleep 30; fi\n"
    "if [ \"$code\" = kill ]; then kill -9 $$; fi\n"
    "[ \"$code\" = 0 ] || echo \"fake-sendmail: failing with $code\" >&2\n"
    "exit \"$code\"\n";

struct fake {
	char *dir;
	char path[512];
	struct bpt_config *cfg;
	void *st;
};

static void
fake_start_limit(struct fake *fk, int batch, const char *limit)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	char text[1024];
	FILE *f;

	fk->dir = unit_tmpdir();
	snprintf(fk->path, sizeof(fk->path), "%s/sendmail", fk->dir);
	f = fopen(fk->path, "w");
	assert_non_null(f);
	fprintf(f, fake_sendmail, fk->dir);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(fk->path, 0755), 0);
	snprintf(text, sizeof(text),
	    "group:\n  address: bpt@binnenbijster.example\n"
	    "store: /tmp/bpt-unit-unused.db\n"
	    "delivery:\n  transport: sendmail\n  sendmail: %s\n  batch: %d\n"
	    "  sendmail_timeout: %s\n", fk->path, batch, limit);
	fk->cfg = load_cfg(text);
	assert_int_equal(transport_sendmail_ops.open(&ctx, fk->cfg, &fk->st), BPT_OK);
}

static void
fake_start(struct fake *fk, int batch)
{
	fake_start_limit(fk, batch, "2m");
}

static void
fake_exit(struct fake *fk, const char *code)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/exit", fk->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", code);
	assert_int_equal(fclose(f), 0);
}

/* The argv of call n, one element a line, or the body it got. */
static char *
fake_file(struct fake *fk, const char *what, int n)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	char path[600];

	snprintf(path, sizeof(path), "%s/%s.%d", fk->dir, what, n);
	if (fio_read_file(&ctx, path, 0, &b) != BPT_OK)
		return NULL;
	return b.buf == NULL ? strdup("") : buf_detach(&b, NULL);
}

static void
fake_stop(struct fake *fk)
{
	transport_sendmail_ops.close(fk->st);
	cfg_free(fk->cfg);
	unit_rmtree(fk->dir);
}

static void
test_sendmail_batches(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct fake fk;
	struct tr_rcpt *r;
	struct buf want = BUF_INIT;
	char **a, *s;
	int c;

	(void)state;
	fake_start(&fk, 3);
	r = make_rcpts(7, &a);
	r[5].env_from = "bpt+bounce-5@binnenbijster.example";
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 7), BPT_OK);
	assert_all(r, 7, TR_OK, 0);
	/* the VERP one first, in its own call, then 3 + 3 */
	buf_addf(&want, "%s\n-i\n-f\nbpt+bounce-5@binnenbijster.example\n--\n"
	    "lid5@example.org\n", fk.path);
	s = fake_file(&fk, "call", 0);
	assert_string_equal(s, buf_str(&want));
	free(s);
	buf_reset(&want);
	buf_addf(&want, "%s\n-i\n-f\n" LIST_FROM "\n--\nlid0@example.org\n"
	    "lid1@example.org\nlid2@example.org\n", fk.path);
	s = fake_file(&fk, "call", 1);
	assert_string_equal(s, buf_str(&want));
	free(s);
	buf_reset(&want);
	buf_addf(&want, "%s\n-i\n-f\n" LIST_FROM "\n--\nlid3@example.org\n"
	    "lid4@example.org\nlid6@example.org\n", fk.path);
	s = fake_file(&fk, "call", 2);
	assert_string_equal(s, buf_str(&want));
	free(s);
	assert_null(fake_file(&fk, "call", 3));
	for (c = 0; c < 3; c++) {
		s = fake_file(&fk, "body", c);
		assert_string_equal(s, message);	/* as is: LF, no stuffing */
		free(s);
	}
	/* the null sender is "<>" */
	m.env_from = "";
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 1), BPT_OK);
	s = fake_file(&fk, "call", 3);
	assert_non_null(strstr(s, "\n-f\n<>\n--\nlid0@example.org\n"));
	free(s);
	buf_release(&want);
	free_rcpts(r, a, 7);
	fake_stop(&fk);
}

static void
test_sendmail_exit_codes(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct fake fk;
	struct tr_rcpt *r;
	char **a;

	(void)state;
	fake_start(&fk, 50);
	r = make_rcpts(2, &a);
	fake_exit(&fk, "75");
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 2), BPT_OK);
	assert_all(r, 2, TR_TEMP, 0);
	assert_string_equal(r[0].reply,
	    "sendmail exited 75: fake-sendmail: failing with 75");
	fake_exit(&fk, "69");
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 2), BPT_OK);
	assert_all(r, 2, TR_PERM, 0);
	assert_string_equal(r[1].reply,
	    "sendmail exited 69: fake-sendmail: failing with 69");
	fake_exit(&fk, "kill");
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 2), BPT_OK);
	assert_all(r, 2, TR_TEMP, 0);
	assert_string_equal(r[0].reply, "sendmail killed by signal 9");
	fake_exit(&fk, "0");
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 2), BPT_OK);
	assert_all(r, 2, TR_OK, 0);
	free_rcpts(r, a, 2);
	fake_stop(&fk);
}

/*
 * A sendmail that exits 67 (EX_NOUSER) for a call that names one
 * address: the batch is tried again one recipient at a time, the
 * others are delivered, only that one fails.  A 75 for a batch still
 * defers all of it, with no second call.
 */
static void
test_sendmail_narrows_a_failed_batch(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct fake fk;
	struct tr_rcpt *r;
	char path[600], **a, *s;
	FILE *f;
	int i;

	(void)state;
	fake_start(&fk, 50);
	r = make_rcpts(4, &a);
	snprintf(path, sizeof(path), "%s/refuse", fk.dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "lid2@example.org\n");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 4), BPT_OK);
	for (i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		assert_int_equal(r[i].result, TR_OK);
		assert_int_equal(strncmp(r[i].reply, "accepted by ", 12), 0);
	}
	assert_int_equal(r[2].result, TR_PERM);
	assert_string_equal(r[2].reply,
	    "sendmail exited 67: fake-sendmail: failing with 67");
	/* the batch, then one call for each of the four */
	s = fake_file(&fk, "call", 0);
	assert_non_null(strstr(s, "--\nlid0@example.org\nlid1@example.org\n"
	    "lid2@example.org\nlid3@example.org\n"));
	free(s);
	for (i = 1; i <= 4; i++) {
		char want[64];

		s = fake_file(&fk, "call", i);
		assert_non_null(s);
		snprintf(want, sizeof(want), "--\nlid%d@example.org\n", i - 1);
		assert_non_null(strstr(s, want));
		assert_null(strstr(s, "example.org\nlid"));	/* one address */
		free(s);
	}
	assert_null(fake_file(&fk, "call", 5));

	/* 75 for the batch: all deferred, nothing tried alone */
	assert_int_equal(unlink(path), 0);
	fake_exit(&fk, "75");
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 4), BPT_OK);
	assert_all(r, 4, TR_TEMP, 0);
	s = fake_file(&fk, "call", 5);
	assert_non_null(s);
	free(s);
	assert_null(fake_file(&fk, "call", 6));
	free_rcpts(r, a, 4);
	fake_stop(&fk);
}

/* The pid the fake wrote before it went to sleep. */
static pid_t
fake_pid(struct fake *fk)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf b = BUF_INIT;
	char path[600];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/pid", fk->dir);
	assert_int_equal(fio_read_file(&ctx, path, 0, &b), BPT_OK);
	pid = (pid_t)atol(buf_str(&b));
	buf_release(&b);
	assert_true(pid > 1);
	return pid;
}

/*
 * Sends m to the two recipients r with the fake behaving as how: both
 * copies deferred because sendmail timed out, and the fake's process
 * killed and reaped.
 */
static void
expect_timed_out(struct fake *fk, const struct tr_message *m,
    struct tr_rcpt *r, const char *how)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	pid_t pid;

	fake_exit(fk, how);
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk->st, m, r, 2), BPT_OK);
	assert_all(r, 2, TR_TEMP, 0);
	assert_string_equal(r[0].reply, "sendmail timed out after 1 s");
	assert_string_equal(r[1].reply, r[0].reply);
	pid = fake_pid(fk);
	assert_true(kill(pid, 0) < 0 && errno == ESRCH);
}

/*
 * A sendmail that hangs, after reading the message or before (with a
 * message larger than a pipe holds): after delivery.sendmail_timeout
 * it is killed and reaped, and the copies are deferred.
 */
static void
test_sendmail_timeout(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct buf big = BUF_INIT;
	struct fake fk;
	struct tr_rcpt *r;
	char **a, *s;
	int i;

	(void)state;
	fake_start_limit(&fk, 50, "1s");
	r = make_rcpts(2, &a);
	expect_timed_out(&fk, &m, r, "hang");

	/* stalled before reading: the write side must not block */
	buf_adds(&big, message);
	for (i = 0; i < 4000; i++)
		buf_adds(&big, "Een regel tekst om de pijp te vullen, veertig.\n");
	m.data = buf_str(&big);
	m.len = big.len;
	expect_timed_out(&fk, &m, r, "stall");

	/* and a sendmail that is quick again is used as before */
	fake_exit(&fk, "0");
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 2), BPT_OK);
	assert_all(r, 2, TR_OK, 0);
	buf_release(&big);
	free_rcpts(r, a, 2);
	fake_stop(&fk);

	/* one call per recipient: after the first hangs, no more calls */
	fake_start_limit(&fk, 1, "1s");
	r = make_rcpts(3, &a);
	m.data = message;
	m.len = strlen(message);
	fake_exit(&fk, "hang");
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 3), BPT_OK);
	assert_all(r, 3, TR_TEMP, 0);
	assert_string_equal(r[0].reply, "sendmail timed out after 1 s");
	assert_string_equal(r[1].reply,
	    "not tried: an earlier sendmail call timed out");
	assert_string_equal(r[2].reply, r[1].reply);
	s = fake_file(&fk, "call", 0);
	assert_non_null(s);
	free(s);
	assert_null(fake_file(&fk, "call", 1));
	free_rcpts(r, a, 3);
	fake_stop(&fk);
}

static void
test_sendmail_argv_safety(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct fake fk;
	struct tr_rcpt r[4];
	const char *addrs[] = { "\"x;touch pwned\"@example.org",
	    "-oQqueue@example.org", "$(touch pwned2)@example.org",
	    "`touch pwned3`@example.org" };
	char cwd[512], path[600], *s, *dd, *oq;
	size_t i;

	(void)state;
	fake_start(&fk, 50);
	memset(r, 0, sizeof(r));
	for (i = 0; i < 4; i++)
		r[i].addr = addrs[i];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fk.dir), 0);
	assert_int_equal(transport_sendmail_ops.send(&ctx, fk.st, &m, r, 4), BPT_OK);
	assert_int_equal(chdir(cwd), 0);
	assert_all(r, 4, TR_OK, 0);
	s = fake_file(&fk, "call", 0);
	assert_non_null(s);
	/* each address is one argv element, all of them after "--" */
	dd = strstr(s, "\n--\n");
	oq = strstr(s, "\n-oQqueue@example.org\n");
	assert_non_null(dd);
	assert_non_null(oq);
	assert_true(oq > dd);
	assert_string_equal(dd, "\n--\n\"x;touch pwned\"@example.org\n"
	    "-oQqueue@example.org\n$(touch pwned2)@example.org\n"
	    "`touch pwned3`@example.org\n");
	free(s);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/pwned%s", fk.dir,
		    i == 0 ? "" : i == 1 ? "2" : "3");
		assert_int_not_equal(access(path, F_OK), 0);
	}
	assert_int_not_equal(access("pwned", F_OK), 0);
	fake_stop(&fk);
}

static void
test_sendmail_missing(void **state)
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct tr_message m = { LIST_FROM, message, strlen(message) };
	struct bpt_config *cfg;
	struct tr_rcpt *r;
	char **a;
	void *st;

	(void)state;
	cfg = load_cfg("group:\n  address: bpt@binnenbijster.example\n"
	    "store: /tmp/bpt-unit-unused.db\n"
	    "delivery:\n  sendmail: /nonexistent/sendmail\n");
	assert_int_equal(transport_sendmail_ops.open(&ctx, cfg, &st), BPT_OK);
	r = make_rcpts(2, &a);
	assert_int_equal(transport_sendmail_ops.send(&ctx, st, &m, r, 2), BPT_OK);
	assert_all(r, 2, TR_TEMP, 0);
	assert_non_null(strstr(r[0].reply, "cannot run /nonexistent/sendmail"));
	transport_sendmail_ops.close(st);
	free_rcpts(r, a, 2);
	cfg_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_exact_body),
		cmocka_unit_test(test_sink_ipv6),
		cmocka_unit_test(test_sink_batches),
		cmocka_unit_test(test_sink_parallel),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_sink_cut_in_data),
		cmocka_unit_test(test_sink_421),
		cmocka_unit_test(test_sink_reject_all),
		cmocka_unit_test(test_sink_no_starttls),
		cmocka_unit_test(test_resp_per_rcpt),
		cmocka_unit_test(test_resp_452),
		cmocka_unit_test(test_resp_mail_refused),
		cmocka_unit_test(test_resp_cut_mid_body),
		cmocka_unit_test(test_resp_421_rcpt),
		cmocka_unit_test(test_resp_reconnect),
		cmocka_unit_test(test_resp_verp),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_resp_auth),
		cmocka_unit_test(test_sendmail_batches),
		cmocka_unit_test(test_sendmail_timeout),
		cmocka_unit_test(test_sendmail_exit_codes),
		cmocka_unit_test(test_sendmail_narrows_a_failed_batch),
		cmocka_unit_test(test_sendmail_argv_safety),
		cmocka_unit_test(test_sendmail_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

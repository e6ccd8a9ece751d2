/* net.c - TCP connect, SNI and the certificate check (net.h). */
#include "bptconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "tlsverify.h"
#include "util.h"

/* Waits for a non-blocking connect until deadline; 0 or -1 with *err set. */
static int
connect_wait(int fd, long long deadline, int *err)
{
	long long left;
	struct pollfd pfd;
	socklen_t len = sizeof(*err);
	int r;

	for (;;) {
		if ((left = deadline - util_now_ms()) <= 0) {
			*err = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR) {
			*err = errno;
			return -1;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) < 0)
		*err = errno;
	return *err == 0 ? 0 : -1;
}

int
net_connect(const char *host, const char *port, time_t timeout,
    long long deadline, char *why, size_t whysz)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, r, err = 0, one = 1, fl;
	long long end;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		snprintf(why, whysz, "cannot resolve '%s': %s", host,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		end = util_now_ms() + (long long)timeout * 1000;
		if (end > deadline)
			end = deadline;
		if (err == EINPROGRESS && connect_wait(fd, end, &err) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(why, whysz, "connect to %s port %s: %s", host, port,
		    strerror(err ? err : ECONNREFUSED));
		return -1;
	}
	/* libetpan polls before each read and write, then expects the
	 * call to finish: hand it a blocking socket. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		snprintf(why, whysz, "socket to %s: %s", host, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
net_keepalive(int fd, int idle, int interval, int count)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval,
	    sizeof(interval)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count)) < 0)
		return -1;
	return 0;
}

void
net_sni(struct mailstream_ssl_context *ssl, void *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		mailstream_ssl_set_server_name(ssl, host);
}

int
net_tls_check(struct tls_trust *trust, const char *host, mailstream *stream,
    char *why, size_t whysz)
{
	struct tls_cert certs[16];
	carray *chain;
	size_t i, n;
	int r, k;

	if (trust == NULL)
		return 0;
	if ((chain = mailstream_get_certificate_chain(stream)) == NULL) {
		snprintf(why, whysz, "TLS certificate of %s: none received", host);
		return -1;
	}
	n = carray_count(chain);
	if (n > sizeof(certs) / sizeof(certs[0]))
		n = sizeof(certs) / sizeof(certs[0]);
	for (i = 0; i < n; i++) {
		MMAPString *der = carray_get(chain, (unsigned int)i);

		certs[i].der = (const unsigned char *)der->str;
		certs[i].len = der->len;
	}
	/* the reason goes after the prefix */
	k = snprintf(why, whysz, "TLS certificate of %s: ", host);
	if (k < 0 || (size_t)k >= whysz)
		k = 0;
	r = tls_trust_verify(trust, certs, n, host, why + k, whysz - (size_t)k);
	mailstream_certificate_chain_free(chain);
	return r;
}

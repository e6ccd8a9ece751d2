/*
 * fanout-smtp.c - hands one message to a recipient list through the
 * configured SMTP transport, for bench/fanout.sh.
 *
 *   fanout-smtp -c bpt.yaml -m message -r recipients [-f sender] [-n chunk]
 *
 * recipients holds one address a line.  Like the outbox, it hands them
 * to send() chunk by chunk, delivery.batch * delivery.connections at a
 * time unless -n says otherwise (0: all in one call); the connections
 * stay open from one chunk to the next.  Prints "ok N temp N perm N"
 * and exits 0 when every recipient was accepted, 1 when not, 78 or 74
 * when the configuration or an input cannot be read.
 */
#include "bptconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "transport.h"

static void
usage(void)
{
	fprintf(stderr, "usage: fanout-smtp -c config -m message -r recipients "
	    "[-f sender] [-n chunk]\n");
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	struct bpt_ctx ctx = BPT_CTX_INIT;
	struct buf msgb = BUF_INIT, list = BUF_INIT;
	struct bpt_config *cfg = NULL;
	const char *cpath = NULL, *mpath = NULL, *rpath = NULL, *from = NULL;
	struct tr_message msg;
	struct tr_rcpt *rcpt;
	size_t n = 0, i, k, chunk = 0, count[4] = { 0, 0, 0, 0 };
	long chunkopt = -1;
	char *p, *nl, *end;
	void *st;
	int ch;

	log_init("fanout-smtp", 1);
	while ((ch = getopt(argc, argv, "c:f:m:n:r:")) != -1) {
		switch (ch) {
		case 'c':
			cpath = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'm':
			mpath = optarg;
			break;
		case 'n':
			chunkopt = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || chunkopt < 0)
				usage();
			break;
		case 'r':
			rpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (cpath == NULL || mpath == NULL || rpath == NULL || optind != argc)
		usage();
	if (cfg_load(&ctx, cpath, &cfg) != BPT_OK) {
		fprintf(stderr, "fanout-smtp: %s\n", ctx.errmsg);
		return EX_CONFIG;
	}
	if (fio_read_file(&ctx, mpath, 0, &msgb) != BPT_OK ||
	    fio_read_file(&ctx, rpath, 0, &list) != BPT_OK) {
		fprintf(stderr, "fanout-smtp: %s\n", ctx.errmsg);
		return EX_IOERR;
	}
	if (chunkopt > 0)
		chunk = (size_t)chunkopt;
	else if (chunkopt < 0)
		chunk = (size_t)(cfg->delivery.batch * cfg->delivery.connections);
	else
		for (p = list.buf; p != NULL && *p != '\0'; p = nl + 1) {
			chunk++;
			if ((nl = strchr(p, '\n')) == NULL)
				break;
		}
	if (chunk == 0)
		chunk = 1;
	/* like the outbox: an array of one chunk, filled again and again */
	if ((rcpt = calloc(chunk, sizeof(*rcpt))) == NULL)
		return EX_TEMPFAIL;
	msg.env_from = from ? from : cfg->group.address;
	msg.data = buf_str(&msgb);
	msg.len = msgb.len;
	if (transport_smtp_ops.open(&ctx, cfg, &st) != BPT_OK) {
		fprintf(stderr, "fanout-smtp: %s\n", ctx.errmsg);
		return EX_SOFTWARE;
	}
	p = list.buf;
	while (p != NULL && *p != '\0') {
		for (k = 0; k < chunk && p != NULL && *p != '\0'; k++) {
			nl = strchr(p, '\n');
			if (nl != NULL)
				*nl = '\0';
			memset(&rcpt[k], 0, sizeof(rcpt[k]));
			rcpt[k].addr = p;
			rcpt[k].id = (long long)(n + k);
			p = nl ? nl + 1 : NULL;
		}
		if (transport_smtp_ops.send(&ctx, st, &msg, rcpt, k) != BPT_OK) {
			fprintf(stderr, "fanout-smtp: %s\n", ctx.errmsg);
			return EX_SOFTWARE;
		}
		for (i = 0; i < k; i++) {
			count[rcpt[i].result & 3]++;
			if (rcpt[i].result != TR_OK && count[rcpt[i].result & 3] == 1)
				fprintf(stderr, "fanout-smtp: %s: %s\n",
				    rcpt[i].addr, rcpt[i].reply);
		}
		n += k;
	}
	transport_smtp_ops.close(st);
	printf("ok %zu temp %zu perm %zu\n", count[TR_OK], count[TR_TEMP],
	    count[TR_PERM]);
	free(rcpt);
	buf_release(&msgb);
	buf_release(&list);
	cfg_free(cfg);
	return count[TR_OK] == n ? 0 : 1;
}

#!/bin/sh
# The relay misbehaving: down, 451 or 550 to some RCPTs, the connection
# cut at DATA or inside the message, bpt-send killed mid-batch, slow
# replies, a 421 in the middle of a session, 452 too many recipients, a
# 550 to MAIL FROM, the connection reset after the final dot.  After
# each, bpt-send run as cron would converges to every active member
# having the copy exactly once (at most one chunk twice after a kill,
# one batch twice after the reset), counted at smtp-sink's dump files
# or at the log of a small scripted SMTP server; every case prints the
# copies that came twice as "# duplicates: N".  120 members, batches of
# 50, 2 connections.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"

mta_require smtp-sink sqlite3

PORT=$(free_port)
BATCH=50
CONNS=2
DB=$TRASH/store/bpt.db

# bpt_config TIMEOUT: the test config, delivery.smtp.timeout TIMEOUT
bpt_config() {
	smtp_config 127.0.0.1 "$PORT" none "$1" "$BATCH" "$CONNS"
}
bpt_config 10s
BPT_CONFIG=$TRASH/bpt.yaml
export BPT_CONFIG

# A scripted SMTP server on 127.0.0.1 for what smtp-sink cannot do:
# answer per recipient or per transaction, cut or reset the connection
# inside or after the message, hold one transaction.  It logs
# "RCPT<TAB>Message-ID" for every recipient of a transaction it took
# over (the final dot read), and only those; LOG.cut, LOG.slow, LOG.reset
# and LOG.452 note what it did.  "The Nth MAIL" and "the Nth message"
# count over all connections.
cat >"$TRASH/relay.py" <<'PY'
import argparse, os, re, select, socket, socketserver, struct, threading, time

ap = argparse.ArgumentParser()
ap.add_argument('port', type=int)
ap.add_argument('log')
ap.add_argument('--temp-once', help='451 the first RCPT of matching addresses')
ap.add_argument('--perm', help='550 every RCPT of matching addresses')
ap.add_argument('--max-rcpts', type=int, default=0,
                help='452 4.5.3 to every RCPT past N in a transaction')
ap.add_argument('--mail-421', type=int, default=0,
                help='421 to the Nth MAIL, then close the connection')
ap.add_argument('--mail-550', type=int, default=0,
                help='550 to the Nth MAIL (its RCPTs and DATA get 503)')
ap.add_argument('--cut-body', type=int, default=0,
                help='cut the first N transactions inside the message')
ap.add_argument('--reset-dot', type=int, default=0,
                help='take the Nth message, then reset the connection '
                'instead of the reply to the final dot')
ap.add_argument('--slow', type=int, default=0,
                help='hold the Nth transaction to finish its message, no reply')
ap.add_argument('--late', action='append', default=[],
                help='VERB:SECONDS: answer VERB (or CONNECT, the greeting, '
                'or DOT, the final dot) that much later')
ap.add_argument('--no-pipelining', action='store_true',
                help='do not offer PIPELINING: one command, one reply')
ap.add_argument('--lifetime', type=float, default=120)
a = ap.parse_args()
lock = threading.Lock()
seen = set()
count = {'cut': 0, 'done': 0, 'mail': 0}
late = dict((v.upper(), float(d)) for v, d in
            (x.split(':') for x in a.late))


def log(path, lines):
    with open(path, 'a') as f:
        f.write(''.join(l + '\n' for l in lines))


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text, verb=None):
        if verb in late:
            time.sleep(late[verb])
        self.wfile.write(text.encode() + b'\r\n')
        self.wfile.flush()

    def handle(self):
        try:
            self.session()
        except OSError:
            pass    # the client went away

    def closing(self, text):
        """Says text (a 421), reads what the client still sends, bounded."""
        self.reply(text)
        self.connection.shutdown(socket.SHUT_WR)
        self.connection.settimeout(5)
        while self.rfile.readline(65536):
            pass

    def session(self):
        self.reply('220 relay.test ESMTP scripted', 'CONNECT')
        rcpts, mail = [], False
        while True:
            line = self.rfile.readline(2048)
            if not line:
                return
            cmd = line.decode('latin-1').rstrip('\r\n')
            verb = cmd.split(' ', 1)[0].split(':', 1)[0].upper()
            if verb in late:
                time.sleep(late[verb])
            if verb == 'EHLO':
                self.reply('250-relay.test\r\n%s250 8BITMIME' %
                           ('' if a.no_pipelining else '250-PIPELINING\r\n'))
            elif verb == 'HELO' or verb == 'NOOP':
                self.reply('250 ok')
            elif verb == 'MAIL':
                rcpts, mail = [], False
                with lock:
                    count['mail'] += 1
                    n = count['mail']
                if n == a.mail_421:
                    self.closing('421 4.3.2 relay.test shutting down')
                    return
                if n == a.mail_550:
                    self.reply('550 5.7.1 sender rejected by policy')
                    continue
                mail = True
                self.reply('250 2.1.0 ok')
            elif verb == 'RSET':
                rcpts, mail = [], False
                self.reply('250 2.0.0 ok')
            elif verb == 'RCPT':
                addr = re.search(r'<([^>]*)>', cmd).group(1)
                with lock:
                    first = addr not in seen
                    seen.add(addr)
                if not mail:
                    self.reply('503 5.5.1 need MAIL command')
                elif a.max_rcpts and len(rcpts) >= a.max_rcpts:
                    log(a.log + '.452', [addr])
                    self.reply('452 4.5.3 Error: too many recipients')
                elif a.perm and re.search(a.perm, addr):
                    self.reply('550 5.1.1 <%s>: no such user' % addr)
                elif a.temp_once and re.search(a.temp_once, addr) and first:
                    self.reply('451 4.3.0 <%s>: try again later' % addr)
                else:
                    rcpts.append(addr)
                    self.reply('250 2.1.5 ok')
            elif verb == 'DATA':
                if not mail:
                    self.reply('503 5.5.1 need MAIL command')
                    continue
                if not rcpts:
                    self.reply('554 5.5.1 no valid recipients')
                    continue
                self.reply('354 go ahead')
                if not self.message(rcpts):
                    return
                rcpts, mail = [], False
            elif verb == 'QUIT':
                self.reply('221 2.0.0 bye')
                return
            else:
                self.reply('502 5.5.2 not implemented')

    def message(self, rcpts):
        """Reads the message; False when the connection is to end."""
        with lock:
            cut = count['cut'] < a.cut_body
            if cut:
                count['cut'] += 1
        msgid, lines = '-', 0
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return False
            if line == b'.\r\n':
                break
            lines += 1
            m = re.match(rb'(?i)message-id:\s*(\S+)', line)
            if m and msgid == '-':
                msgid = m.group(1).decode('latin-1')
            if cut and lines == 5:
                log(a.log + '.cut', ['cut %d' % len(rcpts)])
                return False
        with lock:
            count['done'] += 1
            hold = count['done'] == a.slow
            reset = count['done'] == a.reset_dot
            if not hold:
                log(a.log, ['%s\t%s' % (r, msgid) for r in rcpts])
        if reset:
            # taken over, but the client never learns it: an RST
            log(a.log + '.reset', rcpts)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack('ii', 1, 0))
            self.rfile.close()
            self.connection.close()
            return False
        if hold:
            log(a.log + '.slow', ['holding %d' % len(rcpts)])
            # until the client goes away (killed), bounded
            select.select([self.connection], [], [], 30)
            return False
        self.reply('250 2.0.0 queued', 'DOT')
        return True


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


srv = Server(('127.0.0.1', a.port), Handler)
threading.Timer(a.lifetime, lambda: os._exit(0)).start()
srv.serve_forever()
PY

# relay_start LOG [OPTIONS...]: the scripted server on $PORT, after
# stopping whatever a failed test left there
relay_start() {
	_rl=$1
	shift
	relay_stop
	sink_stop
	: >"$_rl" || return 1
	"$PYTHON" "$TRASH/relay.py" "$PORT" "$_rl" "$@" 2>>"$TRASH/relay.err" &
	bg_register relay $!
	wait_for 10 port_listening "$PORT" && kill -0 "$(bg_pid relay)"
}
relay_stop() {
	bg_stop relay
}

# queue_tsv: bpt-send --queue, the rows not yet sent
queue_tsv() {
	bpt-send --format tsv --queue
}

# send_until_empty [TRIES]: bpt-send as cron would, until nothing is
# queued; retry_min is 1 s, so a deferred copy is due a second later
send_until_empty() {
	_su=${1:-20}
	while [ "$_su" -gt 0 ]; do
		bpt-send || return 1
		[ -z "$(queue_tsv)" ] && return 0
		sleep 0.5
		_su=$((_su - 1))
	done
	echo "still queued:"
	queue_tsv | head -n 5
	return 1
}

# states N: "state|count" of the copies of incident N
states() {
	sqlite3 "$DB" "SELECT d.state, count(*) FROM deliveries d JOIN outbox o
	    ON o.id = d.outbox_id WHERE o.incident_id = $1 AND o.kind = 'alert'
	    GROUP BY d.state ORDER BY d.state"
}

# alert N: an alert mail with subject and Message-ID of its own
alert() {
	printf 'From: m001@bewoners.example\nTo: bpt@bars.example\nSubject: melding %s\nMessage-ID: <fault-%s@bewoners.example>\n\nVerdachte auto, ronde %s.\n' \
	    "$1" "$1" "$1"
}

# exactly_once FILE: FILE (one recipient a line) names every active
# member exactly once, nobody else
exactly_once() {
	sort "$1" >"$1.sorted" &&
	test_cmp active "$1.sorted"
}

# Message-IDs in the scripted server's log: copies of one message only
one_msgid() {
	test "$(cut -f2 "$1" | sort -u | wc -l)" = 1
}

# dup_count FILE NAME: prints the copies beyond the first in FILE (one
# recipient a line) and keeps the number for say_dups NAME
dup_count() {
	_dc=$(($(wc -l <"$1") - $(sort -u "$1" | wc -l)))
	echo "$_dc" >"$TRASH/.dups.$2"
	echo "$_dc"
}

# say_dups NAME WHAT: the TAP comment line "# duplicates: N (WHAT)"
say_dups() {
	echo "# duplicates: $(cat "$TRASH/.dups.$1" 2>/dev/null || echo unknown) ($2)"
}

# failed_rows N: "rcpt|last_reply" of the failed copies of incident N
failed_rows() {
	sqlite3 "$DB" "SELECT d.rcpt, d.last_reply FROM deliveries d JOIN outbox o
	    ON o.id = d.outbox_id WHERE o.incident_id = $1 AND o.kind = 'alert'
	    AND d.state = 'failed' ORDER BY d.rcpt"
}

# since_ms T0: milliseconds since T0 (date +%s%N)
since_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

test_expect_success 'set up 120 members, one suspended and one banned' '
	{
		echo email,name
		i=1
		while [ $i -le 120 ]; do
			printf "m%03d@bewoners.example,Lid %d\n" $i $i
			i=$((i + 1))
		done
		echo s001@bewoners.example,Weg
		echo b001@bewoners.example,Verbannen
	} >members.csv &&
	bpt-member import --no-welcome members.csv &&
	bpt-member suspend s001@bewoners.example --reason vakantie &&
	bpt-member ban b001@bewoners.example --reason schelden &&
	grep "^m" members.csv | cut -d, -f1 | sort >active &&
	test "$(wc -l <active)" = 120
'

# --- relay down --------------------------------------------------------------

test_expect_success 'relay down: bpt-report stores the alert, exits 0, copies deferred' '
	! port_listening "$PORT" &&
	alert 1 | bpt-report 2>err &&
	test "$(bpt-report --format tsv list | wc -l)" = 1 &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = 120 &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	test "$(cut -f6 queue | sort -u)" = 1 &&
	grep -q "port $PORT: Connection refused" queue &&
	cut -f4 queue | sort >q && test_cmp active q
'

test_expect_success 'relay still down: bpt-send exits 0, the copies stay deferred' '
	sleep 1.1 &&
	bpt-send &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = 120 &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	test "$(cut -f6 queue | sort -u)" = 2
'

test_expect_success 'relay back: bpt-send delivers all, once each, in batches of 50' '
	relay_stop &&
	sink_start "$PORT" "$TRASH/sink1" &&
	send_until_empty &&
	sink_rcpts "$TRASH/sink1" >got &&
	exactly_once got &&
	test "$(ls "$TRASH"/sink1/m.* | wc -l)" = 3 &&
	for f in "$TRASH"/sink1/m.*; do grep -c "^X-Rcpt-Args:" "$f"; done | sort -n >sizes &&
	printf "20\n50\n50\n" >expect && test_cmp expect sizes &&
	test "$(states 1)" = "sent|120" &&
	sink_stop
'

# --- 451 to some recipients --------------------------------------------------

test_expect_success '451 to some RCPTs: those deferred, the others sent' '
	relay_start "$TRASH/relay2.log" --temp-once "[05]@" &&
	alert 2 | bpt-report &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = 24 &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	grep -c "	451 4.3.0 <m[0-9]*[05]@bewoners.example>: try again later" queue >n &&
	test "$(cat n)" = 24 &&
	test "$(wc -l <"$TRASH/relay2.log")" = 96
'

test_expect_success '451: bpt-send delivers the deferred ones later, once each' '
	send_until_empty &&
	cut -f1 "$TRASH/relay2.log" >got &&
	exactly_once got &&
	one_msgid "$TRASH/relay2.log" &&
	test "$(states 2)" = "sent|120" &&
	relay_stop
'

# --- 550 to one member -----------------------------------------------------------

test_expect_success '550 to one member (no PIPELINING): that copy failed, the others sent' '
	relay_start "$TRASH/relay3.log" --perm "^m007@" --no-pipelining &&
	alert 3 | bpt-report &&
	test -z "$(queue_tsv)" &&
	printf "failed|1\nsent|119\n" >expect &&
	states 3 >actual && test_cmp expect actual &&
	sqlite3 "$DB" "SELECT rcpt, last_reply FROM deliveries WHERE state = '"'"'failed'"'"'" >failed &&
	grep -q "^m007@bewoners.example|550 5.1.1 <m007@bewoners.example>: no such user" failed &&
	bpt-send &&
	grep -v "^m007@" active >expect &&
	cut -f1 "$TRASH/relay3.log" | sort >got &&
	test_cmp expect got &&
	relay_stop
'

# --- the connection cut ------------------------------------------------------

test_expect_success 'connection cut at DATA (smtp-sink -q DATA): all deferred' '
	relay_stop &&
	sink_start "$PORT" "$TRASH/sink4-cut" -q DATA &&
	alert 4 | bpt-report &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = 120 &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	grep -q "connection to the relay lost" queue &&
	test -z "$(sink_rcpts "$TRASH/sink4-cut")" &&
	sink_stop
'

test_expect_success 'connection cut at DATA: delivered on retry, once each' '
	relay_stop &&
	sink_start "$PORT" "$TRASH/sink4" &&
	send_until_empty &&
	sink_rcpts "$TRASH/sink4" >got &&
	exactly_once got &&
	test "$(states 4)" = "sent|120" &&
	sink_stop
'

test_expect_success 'connection cut inside the message: that batch deferred, then delivered once' '
	relay_start "$TRASH/relay5.log" --cut-body 1 &&
	alert 5 | bpt-report &&
	test "$(cat "$TRASH/relay5.log.cut")" = "cut $BATCH" &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = $BATCH &&
	grep -q "connection to the relay lost" queue &&
	test "$(wc -l <"$TRASH/relay5.log")" = $((120 - BATCH)) &&
	send_until_empty &&
	cut -f1 "$TRASH/relay5.log" >got &&
	exactly_once got &&
	one_msgid "$TRASH/relay5.log" &&
	test "$(states 5)" = "sent|120" &&
	relay_stop
'

# --- bpt-send killed ---------------------------------------------------------

test_expect_success 'bpt-send killed with SIGKILL mid-batch, then rerun: everyone has the copy' '
	relay_start "$TRASH/relay6.log" --slow 2 &&
	alert 6 | bpt-report --no-deliver &&
	test "$(queue_tsv | wc -l)" = 120 || exit 1
	bpt-send 2>send.err &
	pid=$!
	wait_for 20 test -s "$TRASH/relay6.log.slow" &&
	kill -KILL $pid &&
	{ wait $pid; test $? = 137; } &&
	queue_tsv >queue &&
	test "$(cut -f5 queue | sort -u)" = sending &&
	test "$(wc -l <queue)" = 120 &&
	send_until_empty &&
	cut -f1 "$TRASH/relay6.log" | sort -u >got &&
	test_cmp active got &&
	one_msgid "$TRASH/relay6.log" &&
	test "$(states 6)" = "sent|120" &&
	relay_stop
'

test_expect_success 'after the kill at most one chunk (batch x connections) came twice' '
	dups=$(($(wc -l <"$TRASH/relay6.log") - 120)) &&
	echo "# duplicates: $dups (after SIGKILL; limit $((BATCH * CONNS)))" >&3 &&
	test "$dups" -le $((BATCH * CONNS)) &&
	cut -f1 "$TRASH/relay6.log" | sort | uniq -d >twice &&
	test "$(wc -l <twice)" = "$dups"
' 3>&1

# --- a slow relay ------------------------------------------------------------

# smtp-sink -W answers after a delay; delivery.smtp.timeout bounds every
# read on its own
test_expect_success 'slow relay (every reply 3 s late, timeout 1 s): all deferred' '
	bpt_config 1s &&
	relay_stop &&
	sink_start "$PORT" "$TRASH/sink7-slow" -W CONNECT:3 -W EHLO:3 \
	    -W MAIL:3 -W RCPT:3 -W DATA:3 -W .:3 &&
	t0=$(date +%s%N) &&
	alert 7 | bpt-report &&
	test "$(since_ms $t0)" -lt 6000 &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = 120 &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	test "$(cut -f8 queue | sort -u)" = "greeting: connection to the relay lost" &&
	cut -f4 queue | sort >q && test_cmp active q
'

# smtp-sink -W MAIL answers a pipelined RCPT before the late MAIL (out
# of order, against RFC 2920): the scripted server is late in order
test_expect_success 'slow relay (MAIL 3 s late, timeout 1 s): still deferred, nothing taken over' '
	sink_stop &&
	relay_start "$TRASH/relay7.log" --late MAIL:3 &&
	sleep 1.1 &&
	bpt-send &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = 120 &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	test "$(cut -f6 queue | sort -u)" = 2 &&
	test "$(cut -f8 queue | sort -u)" = "connection to the relay lost" &&
	test -z "$(sink_rcpts "$TRASH/sink7-slow")" &&
	test ! -s "$TRASH/relay7.log"
'

test_expect_success 'slow relay fast again: delivered once each' '
	relay_stop &&
	sink_start "$PORT" "$TRASH/sink7" &&
	send_until_empty &&
	sink_rcpts "$TRASH/sink7" >got &&
	sink_rcpts "$TRASH/sink7-slow" >>got &&
	cut -f1 "$TRASH/relay7.log" >>got &&
	test "$(dup_count got slow1)" = 0 &&
	exactly_once got &&
	test "$(states 7)" = "sent|120" &&
	sink_stop
'
say_dups slow1 "every reply later than the timeout"

test_expect_success 'slow relay (greeting and final dot 2 s late, timeout 3 s): delivered on the first run' '
	bpt_config 3s &&
	relay_stop &&
	sink_start "$PORT" "$TRASH/sink8" -W CONNECT:2 -W .:2 &&
	t0=$(date +%s%N) &&
	alert 8 | bpt-report &&
	test "$(since_ms $t0)" -ge 4000 &&
	test -z "$(queue_tsv)" &&
	test "$(states 8)" = "sent|120" &&
	sink_rcpts "$TRASH/sink8" >got &&
	test "$(dup_count got slow2)" = 0 &&
	exactly_once got &&
	sink_stop &&
	bpt_config 10s
'
say_dups slow2 "replies late but within the timeout"

# --- 421 in the middle of a session --------------------------------------------

# chunks of batch x connections: the first two transactions (one per
# connection) are taken, the third runs on a session that already sent one
test_expect_success '421 to the third MAIL, mid-session: that batch deferred, the others sent' '
	relay_start "$TRASH/relay9.log" --mail-421 3 &&
	alert 9 | bpt-report &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = 20 &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	test "$(cut -f8 queue | sort -u)" = "421 4.3.2 relay.test shutting down" &&
	test "$(wc -l <"$TRASH/relay9.log")" = 100 &&
	printf "deferred|20\nsent|100\n" >expect &&
	states 9 >actual && test_cmp expect actual
'

test_expect_success '421: bpt-send delivers the rest later, once each' '
	send_until_empty &&
	cut -f1 "$TRASH/relay9.log" >got &&
	test "$(dup_count got 421)" = 0 &&
	exactly_once got &&
	one_msgid "$TRASH/relay9.log" &&
	test "$(states 9)" = "sent|120" &&
	relay_stop
'
say_dups 421 "421 mid-session"

# --- 452 too many recipients ---------------------------------------------------

# the relay takes 30 RCPTs a transaction: of each batch of 50 the other
# 20 go at once in a second transaction on the same connection, as an
# MTA does; nothing waits for a retry
test_expect_success '452 past 30 RCPTs: the rest of each batch goes in a second transaction' '
	relay_start "$TRASH/relay10.log" --max-rcpts 30 &&
	alert 10 | bpt-report &&
	test -z "$(queue_tsv)" &&
	test "$(wc -l <"$TRASH/relay10.log")" = 120 &&
	test "$(wc -l <"$TRASH/relay10.log.452")" = 40 &&
	cut -f1 "$TRASH/relay10.log" >got &&
	test "$(dup_count got 452)" = 0 &&
	exactly_once got &&
	one_msgid "$TRASH/relay10.log" &&
	test "$(states 10)" = "sent|120" &&
	relay_stop
'
say_dups 452 "452 too many recipients"

test_expect_success '452 without PIPELINING: no RCPT after the first 452, all delivered once' '
	relay_start "$TRASH/relay11.log" --max-rcpts 30 --no-pipelining &&
	alert 11 | bpt-report &&
	test -z "$(queue_tsv)" &&
	test "$(wc -l <"$TRASH/relay11.log.452")" = 2 &&
	cut -f1 "$TRASH/relay11.log" >got &&
	test "$(dup_count got 452np)" = 0 &&
	exactly_once got &&
	test "$(states 11)" = "sent|120" &&
	relay_stop
'
say_dups 452np "452 too many recipients, no PIPELINING"

# --- 5xx to several RCPTs and to one MAIL FROM -----------------------------

test_expect_success '550 to four RCPTs and to the third MAIL: those failed, the others sent once' '
	relay_start "$TRASH/relay12.log" --perm "^m0(07|42|63|99)@" --mail-550 3 &&
	alert 12 | bpt-report &&
	test -z "$(queue_tsv)" &&
	printf "failed|24\nsent|96\n" >expect &&
	states 12 >actual && test_cmp expect actual &&
	{
		for i in 007 042 063 099; do
			echo "m$i@bewoners.example|550 5.1.1 <m$i@bewoners.example>: no such user"
		done
		i=101
		while [ $i -le 120 ]; do
			echo "m$i@bewoners.example|550 5.7.1 sender rejected by policy"
			i=$((i + 1))
		done
	} >expect &&
	failed_rows 12 >actual && test_cmp expect actual &&
	sleep 1.1 &&
	bpt-send &&
	cut -d"|" -f1 expect | sort >failed &&
	sort active failed | uniq -u >expect &&
	cut -f1 "$TRASH/relay12.log" >got &&
	test "$(dup_count got 5xx)" = 0 &&
	sort got >got.sorted && test_cmp expect got.sorted &&
	test "$(states 12)" = "$(printf "failed|24\nsent|96")" &&
	relay_stop
'
say_dups 5xx "550 to RCPTs and to MAIL FROM"

# --- the connection reset after the final dot -------------------------------

# The relay took the message but the reply never came: the client cannot
# know, and must send that batch again (RFC 5321 6.1).  The one case
# where a copy comes twice without a crash of ours.
test_expect_success 'connection reset after the final dot: that batch deferred' '
	relay_start "$TRASH/relay13.log" --reset-dot 2 &&
	alert 13 | bpt-report &&
	queue_tsv >queue &&
	test "$(wc -l <queue)" = $BATCH &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	test "$(cut -f8 queue | sort -u)" = "connection to the relay lost" &&
	sort "$TRASH/relay13.log.reset" >reset &&
	cut -f4 queue | sort >q && test_cmp reset q &&
	test "$(wc -l <"$TRASH/relay13.log")" = 120
'

test_expect_success 'reset after the dot: bpt-send converges, only that batch came twice' '
	send_until_empty &&
	cut -f1 "$TRASH/relay13.log" >got &&
	sort -u got >got.sorted && test_cmp active got.sorted &&
	one_msgid "$TRASH/relay13.log" &&
	test "$(states 13)" = "sent|120" &&
	dups=$(dup_count got reset) &&
	test "$dups" -le $BATCH &&
	sort got | uniq -d >twice &&
	test_cmp reset twice &&
	relay_stop
'
say_dups reset "connection reset after the final dot"

test_done

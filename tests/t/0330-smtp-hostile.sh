#!/bin/sh
# A hostile relay (or anyone on the path before STARTTLS): a reply line
# that never ends, "220-" or "250-" continuation lines without end, and
# a reply that drips in one byte every two seconds, each read well
# within delivery.smtp.timeout (10 s here).  bpt-report's delivery
# right after its commit and bpt-send end anyway: at the protocol error
# or at delivery.smtp.session_timeout (3 s here); their memory stays
# small (peak RSS under 50 MB, measured by /usr/bin/time); the copies
# are deferred with the reason, none counted as sent, and a relay that
# behaves again gets them all.  Each run goes under an outer limit of
# 60 s: not a timing assertion, but the bound that catches a process
# held for ever.  The scripted relay sends at most 256 MB per
# connection and lives at most 120 s.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"

mta_require sqlite3
[ -x /usr/bin/time ] || test_skip_all "/usr/bin/time (Debian: time) not installed"

PORT=$(free_port)
DB=$TRASH/store/bpt.db
smtp_config 127.0.0.1 "$PORT" none 10s "" 2 "    session_timeout: 3s"
BPT_CONFIG=$TRASH/bpt.yaml
export BPT_CONFIG

# The relay, one MODE for every connection: line (the greeting has no
# end), cont220 (the greeting is "220-" lines), cont250 (so is the reply
# to EHLO), drip (the message taken in, then "250-" for the final dot
# one byte every 2 s) or ok (a relay that works).  LOG gets "connect",
# "message RCPT..." for every message read to its final dot, and
# "accepted" when the relay answered 250 to the dot.
cat >"$TRASH/relay.py" <<'PY'
import socketserver, sys, threading, time, os

port, log, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
LIMIT = 256 << 20       # bytes a connection is sent at most
lock = threading.Lock()


def note(text):
    with lock:
        with open(log, 'a') as f:
            f.write(text + '\n')


class Handler(socketserver.StreamRequestHandler):
    def send(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    def flood(self, first, chunk):
        """first, then chunk again and again: LIMIT bytes at most."""
        self.send(first)
        sent = len(first)
        while sent < LIMIT:
            self.send(chunk)
            sent += len(chunk)

    def handle(self):
        note('connect')
        try:
            self.session()
        except OSError:
            pass    # the client went away: what a test wants

    def session(self):
        if mode == 'line':
            return self.flood(b'220 ', b'x' * 65536)
        if mode == 'cont220':
            return self.flood(b'220-relay.test\r\n',
                              b'220-relay.test greeting line\r\n' * 2048)
        self.send(b'220 relay.test ESMTP\r\n')
        rcpts = []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line[:4].upper()
            if verb == b'EHLO':
                if mode == 'cont250':
                    return self.flood(b'250-relay.test\r\n',
                                      b'250-X-HOSTILE\r\n' * 4096)
                self.send(b'250-relay.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n')
            elif verb == b'MAIL':
                rcpts = []
                self.send(b'250 2.1.0 ok\r\n')
            elif verb == b'RCPT':
                rcpts.append(line[8:].strip(b'<>\r\n').decode())
                self.send(b'250 2.1.5 ok\r\n')
            elif verb == b'RSET':
                self.send(b'250 2.0.0 ok\r\n')
            elif verb == b'DATA':
                self.send(b'354 go ahead\r\n')
                while True:
                    body = self.rfile.readline(65536)
                    if not body:
                        return
                    if body == b'.\r\n':
                        break
                note('message ' + ' '.join(sorted(rcpts)))
                if mode == 'drip':
                    # 60 bytes, 2 s apart: bounded, never a whole reply
                    for b in (b'250-' + b'd' * 10 + b'\r\n') * 4:
                        self.send(bytes([b]))
                        time.sleep(2)
                    return
                self.send(b'250 2.0.0 queued\r\n')
                note('accepted')
            elif verb == b'QUIT':
                self.send(b'221 2.0.0 bye\r\n')
                return
            else:
                self.send(b'502 5.5.2 not implemented\r\n')


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


srv = Server(('127.0.0.1', port), Handler)
threading.Timer(120, lambda: os._exit(0)).start()
srv.serve_forever()
PY

# relay_start MODE: the relay on $PORT, logging to $TRASH/relay-MODE.log
relay_start() {
	relay_stop
	: >"$TRASH/relay-$1.log"
	"$PYTHON" "$TRASH/relay.py" "$PORT" "$TRASH/relay-$1.log" "$1" \
	    2>>"$TRASH/relay.err" &
	bg_register relay $!
	wait_for 10 port_listening "$PORT" && kill -0 "$(bg_pid relay)"
}
relay_stop() {
	bg_stop relay
}

# bounded CMD...: CMD under the outer limit, its peak RSS (KB) in
# $TRASH/rss; fails when the limit was hit or CMD failed
bounded() {
	/usr/bin/time -f %M -o "$TRASH/rss" timeout -k 5 60 "$@"
	_bd=$?
	echo "exit $_bd, peak RSS $(tail -n 1 "$TRASH/rss" 2>/dev/null) KB"
	[ "$_bd" = 0 ]
}

# small: the peak RSS of the last bounded run is under 50 MB
small() {
	test "$(tail -n 1 "$TRASH/rss")" -lt 51200
}

# deferred_with TEXT: every copy not yet sent is deferred, none sent, and
# each says TEXT
deferred_with() {
	bpt-send --format tsv --queue >queue &&
	test "$(wc -l <queue)" = 3 &&
	test "$(cut -f5 queue | sort -u)" = deferred &&
	test "$(cut -f8 queue | sort -u)" = "$1" &&
	test -z "$(sqlite3 "$DB" "SELECT 1 FROM deliveries WHERE state = 'sent'")"
}

# alert N: an alert mail of its own
alert() {
	printf 'From: alice@bewoners.example\nTo: bpt@bars.example\nSubject: melding %s\nMessage-ID: <hostile-%s@bewoners.example>\n\nVerdachte auto, ronde %s.\n' \
	    "$1" "$1" "$1"
}

test_expect_success 'set up three members' '
	bpt-member add --no-welcome alice@bewoners.example --name Alice &&
	bpt-member add --no-welcome bob@bewoners.example --name Bob &&
	bpt-member add --no-welcome carol@bewoners.example --name Carol
'

LINE="greeting: protocol error: a reply line longer than 4096 bytes"
LINES="protocol error: a reply of more than 100 lines"
DEADLINE="session deadline passed (delivery.smtp.session_timeout)"

test_expect_success 'endless reply line: bpt-report ends, small, copies deferred' '
	relay_start line &&
	alert 1 | bounded bpt-report &&
	small &&
	deferred_with "$LINE"
'

test_expect_success 'endless reply line: bpt-send ends, small, copies still deferred' '
	clock_advance 60 &&
	bounded bpt-send &&
	small &&
	deferred_with "$LINE" &&
	test "$(cut -f6 queue | sort -u)" = 2
'

test_expect_success 'endless 220- lines: bpt-send ends, small, copies deferred' '
	relay_start cont220 &&
	clock_advance 60 &&
	bounded bpt-send &&
	small &&
	deferred_with "greeting: $LINES"
'

test_expect_success 'endless 250- lines after EHLO: bpt-send ends, small, copies deferred' '
	relay_start cont250 &&
	clock_advance 60 &&
	bounded bpt-send &&
	small &&
	deferred_with "EHLO: $LINES"
'

test_expect_success 'reply to the final dot dripping: bpt-send ends at the deadline, nothing sent' '
	relay_start drip &&
	clock_advance 60 &&
	bounded bpt-send &&
	small &&
	deferred_with "$DEADLINE" &&
	grep -qx "message alice@bewoners.example bob@bewoners.example carol@bewoners.example" \
	    "$TRASH/relay-drip.log" &&
	! grep -q accepted "$TRASH/relay-drip.log"
'

test_expect_success 'dripping relay: bpt-report delivering a second alert ends too' '
	alert 2 | bounded bpt-report &&
	small &&
	sqlite3 "$DB" "SELECT count(*) FROM deliveries WHERE state = '"'"'deferred'"'"'" >n &&
	test "$(cat n)" = 6 &&
	test -z "$(sqlite3 "$DB" "SELECT 1 FROM deliveries WHERE state = '"'"'sent'"'"'")"
'

test_expect_success 'a relay that works again gets every copy' '
	relay_start ok &&
	clock_advance 60 &&
	bounded bpt-send &&
	test -z "$(bpt-send --format tsv --queue)" &&
	sqlite3 "$DB" "SELECT state, count(*) FROM deliveries GROUP BY state" >states &&
	echo "sent|6" >expect &&
	test_cmp expect states &&
	test "$(grep -c "^accepted" "$TRASH/relay-ok.log")" -ge 1 &&
	relay_stop
'

test_done

#!/bin/sh
# delivery.rate: a provider's sending limit per hour.  Copies past this
# hour's share wait in the outbox (the alert's own run sends what the
# hour allows), bpt-send takes the waiting ones as the hour frees up,
# alerts and replies first, the newest incident first; the reporter of
# an alert that has not reached everyone is told at once (a copy to one
# person goes past the share and counts against the next).  A provider's 5xx that
# says its limit was reached defers the copy instead of failing it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"

grep -q "define BPT_TEST_FAULTS 1" "$top_builddir/bptconf.h" 2>/dev/null ||
	test_skip_all "needs a build with test faults (BPT_NOW)"
command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"
command -v python3 >/dev/null || test_skip_all "python3 not installed"
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

write_config "  rate: 6"
DB=$TRASH/store/bpt.db
BASE=1799053200		# 2027-01-04 09:00 UTC
clock() { # clock SECONDS COMMAND...: COMMAND at BASE + SECONDS
	_c=$1
	shift
	BPT_NOW=$((BASE + _c)) "$@"
}
# states N: "state count" per line for the copies of incident N's alert
states() {
	sqlite3 "$DB" "SELECT d.state, count(*) FROM outbox o JOIN deliveries d
	    ON d.id BETWEEN o.dfirst AND o.dlast WHERE o.incident_id = $1
	    AND o.kind = 'alert' GROUP BY d.state ORDER BY d.state" | tr '|' ' '
}
alert() { # alert N SUBJECT: an alert from carol, Message-ID <rate-N@...>
	cat <<EOF
From: Carol de Wit <carol@bewoners.example>
To: bpt@bars.example
Subject: $2
Message-ID: <rate-$1@bewoners.example>
Content-Type: text/plain; charset=utf-8

Er loopt iemand met een koevoet langs de schuurtjes. 112 gebeld.
EOF
}

test_expect_success 'set up a group of four' '
	clock 0 bpt-member add alice@bewoners.example --name "Alice" --role admin &&
	clock 0 bpt-member add bob@bewoners.example --name "Bob" &&
	clock 0 bpt-member add carol@bewoners.example --name "Carol de Wit" &&
	clock 0 bpt-member add dave@bewoners.example --name "Dave"
'

test_expect_success 'within the hour'"'"'s share an alert goes out at once' '
	alert 1 "Koevoet bij de schuurtjes" | clock 0 bpt-report &&
	echo "sent 4" >expect &&
	states 1 >actual &&
	test_cmp expect actual
'

test_expect_success 'past it, the rest of the copies wait in the outbox' '
	alert 2 "Auto open" | clock 60 bpt-report &&
	printf "queued 2\nsent 2\n" >expect &&
	states 2 >actual &&
	test_cmp expect actual &&
	alert 3 "Rook bij de flat" | clock 120 bpt-report &&
	echo "queued 4" >expect &&
	states 3 >actual &&
	test_cmp expect actual
'

test_expect_success 'bpt-send sends nothing more within the hour' '
	clock 180 bpt-send &&
	printf "queued 2\nsent 2\n" >expect &&
	states 2 >actual &&
	test_cmp expect actual &&
	echo "queued 4" >expect &&
	states 3 >actual &&
	test_cmp expect actual
'

test_expect_success 'the reporter is told that the alert has not reached everyone' '
	clock 600 bpt-send &&
	ls outbox/carol@bewoners.example/new >carol &&
	for f in outbox/carol@bewoners.example/new/*; do
		grep -h "^Subject:" "$f"
	done >subjects &&
	grep -q "nog niet bij iedereen" subjects
'

test_expect_success 'as the hour frees up, the newest incident goes first' '
	clock 3601 bpt-send &&
	printf "queued 2\nsent 2\n" >expect &&
	states 3 >actual &&
	test_cmp expect actual &&
	printf "queued 2\nsent 2\n" >expect &&
	states 2 >actual &&
	test_cmp expect actual
'

test_expect_success 'and the older one when the next share comes' '
	clock 4300 bpt-send &&
	echo "sent 4" >expect &&
	states 3 >actual &&
	test_cmp expect actual &&
	states 2 >actual &&
	test_cmp expect actual
'

test_expect_success 'never more than the rate in any hour, a notice to one person aside' '
	sqlite3 "$DB" "SELECT d.sent_at, o.kind = '"'"'notice'"'"' FROM outbox o
	    JOIN deliveries d ON d.id BETWEEN o.dfirst AND o.dlast
	    WHERE d.state = '"'"'sent'"'"'" | tr "|" " " >times &&
	test "$(wc -l <times)" = 14 &&
	"$PYTHON" - times <<-\PY
	import sys
	rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
	def worst(rows):
	    return max(sum(1 for u, _ in rows if t <= u < t + 3600) for t, _ in rows)
	group = [r for r in rows if not r[1]]
	notices = len(rows) - len(group)
	assert worst(group) <= 6, worst(group)
	assert worst(rows) <= 6 + notices, (worst(rows), notices)
	PY
'

# A relay that answers every RCPT with the reply given on its command line.
cat >relay.py <<'PY'
import socketserver, sys
PORT, REPLY = int(sys.argv[1]), sys.argv[2]
class H(socketserver.StreamRequestHandler):
    def handle(self):
        w = lambda s: self.wfile.write((s + "\r\n").encode())
        w("220 relay.test ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").strip().upper()
            if cmd.startswith(("EHLO", "HELO")):
                w("250 relay.test")
            elif cmd.startswith("MAIL"):
                w("250 2.1.0 ok")
            elif cmd.startswith("RCPT"):
                w(REPLY)
            elif cmd.startswith("RSET") or cmd.startswith("NOOP"):
                w("250 2.0.0 ok")
            elif cmd.startswith("DATA"):
                w("554 5.5.1 no valid recipients")
            elif cmd.startswith("QUIT"):
                w("221 2.0.0 bye")
                return
            else:
                w("502 5.5.2 what")
socketserver.TCPServer.allow_reuse_address = True
srv = socketserver.TCPServer(("127.0.0.1", PORT), H)
srv.timeout = 60
srv.serve_forever()
PY

# relay REPLY: the scripted relay on a free port, delivery through it
relay() {
	bg_stop relay
	port=$(free_port) || return 1
	"$PYTHON" relay.py "$port" "$1" >>relay.log 2>&1 &
	bg_register relay $!
	wait_for 10 port_listening "$port" &&
	smtp_config 127.0.0.1 "$port" none 10s
}

test_expect_success 'a provider'"'"'s 5xx about its sending limit defers the copy' '
	command -v ss >/dev/null || exit 0
	relay "550 5.4.5 Daily user sending limit exceeded" &&
	alert 4 "Inbraak" | clock 7300 bpt-report &&
	echo "deferred 4" >expect &&
	states 4 >actual &&
	test_cmp expect actual
'

test_expect_success 'another 5xx still fails the copy' '
	command -v ss >/dev/null || exit 0
	relay "550 5.1.1 no such user" &&
	alert 5 "Inbraak 2" | clock 7400 bpt-report &&
	echo "failed 4" >expect &&
	states 5 >actual &&
	test_cmp expect actual
'

test_done

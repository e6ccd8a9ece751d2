#!/bin/sh
# A group without a mail server of its own: `bpt-report fetch --imap`
# against a private Dovecot on 127.0.0.1 (IMAPS, and IMAP with
# STARTTLS; a throwaway CA).  Mail appended to the mailbox becomes an
# incident and reaches the members (maildir transport), a reply joins
# it, the IDLE loop survives Dovecot's restart, a kill -9 between commit
# and flag is no duplicate, a new UIDVALIDITY is no duplicate, and the
# errors an admin acts on end the run with their own code, after one
# attempt.  XOAUTH2 runs against Dovecot's oauth2 passdb, which asks a
# token introspection endpoint on 127.0.0.1 (tests/oauth-introspect.py).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"
. "$top_srcdir/tests/imap-lib.sh"

imap_require

V=$TRASH/imap
BOX=$V/home/bpt@test.example/Maildir
MEMBERS="alice@bewoners.example bob@bewoners.example carol@bewoners.example"

copies() { # number of copies in a recipient's maildir
	ls "$TRASH/outbox/$1/new" 2>/dev/null | wc -l | tr -d ' '
}
copies_are() { # copies_are N ADDRESS...: each has exactly N copies
	_n=$1
	shift
	for _a in "$@"; do
		[ "$(copies "$_a")" = "$_n" ] || return 1
	done
}
incidents() { # number of incidents
	bpt-report --format tsv list | wc -l | tr -d ' '
}
stored() { # stored MESSAGE-ID: rows of messages with that Message-ID
	sqlite3 "$TRASH/store/bpt.db" \
	    "SELECT count(*) FROM messages WHERE message_id = '$1'"
}
unseen() { imap_count "$V" INBOX UNSEEN; }

# imap_config [LINES]: the group, reading the mailbox over IMAPS; LINES
# (indented four spaces) go under inbound.imap and replace its defaults
imap_config() {
	write_config "inbound:
  imap:
    host: ${IMAP_HOST:-127.0.0.1}
    port: $(cat "$V/port")
    ca_file: $V/ca.pem
    user: bpt@test.example
    timeout: 10s
${1:-    password_file: $TRASH/imap.pw}"
}

# fetch_start NAME [ENV...]: a long-running fetch --imap in the
# background, its stderr in NAME.log
fetch_start() {
	_fs=$1
	shift
	env "$@" bpt-report -v fetch --imap >"$TRASH/$_fs.log" 2>&1 &
	bg_register "$_fs" $!
}

mail() { # mail FILE MESSAGE-ID SUBJECT [HEADER]: an alert from carol
	cat >"$1" <<EOF
From: Carol de Wit <carol@bewoners.example>
To: bpt@bars.example
Subject: $3
Date: Sat, 28 Nov 2026 22:14:00 +0100
Message-ID: <$2>
${4:-X-Test: 1}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Twee mannen lopen langs de schuurtjes aan het Pad en voelen aan de
deuren. 112 gebeld.
EOF
}

echo geheim >"$TRASH/imap.pw"
chmod 600 "$TRASH/imap.pw"

test_expect_success 'set up the group and a private Dovecot on 127.0.0.1' '
	bpt-member add --no-welcome alice@bewoners.example --name "Alice Admin" --role admin &&
	bpt-member add --no-welcome bob@bewoners.example --name "Bob Bakker" &&
	bpt-member add --no-welcome carol@bewoners.example --name "Carol de Wit" &&
	imap_setup "$V" oauth2 &&
	echo "tok-goed bpt@test.example" >"$V/tokens" &&
	imap_start "$V" &&
	ss -Hltn >sockets &&
	grep -q "127\.0\.0\.1:$(cat "$V/port") " sockets &&
	! grep -q "0\.0\.0\.0:$(cat "$V/port") " sockets
'

test_expect_success 'fetch --imap --once takes an appended alert to every member' '
	imap_config &&
	mail a1.eml alert-1@bewoners.example "Inbraak bij de schuurtjes" &&
	imap_append "$V" INBOX a1.eml &&
	test "$(unseen)" = 1 &&
	bpt-report -v fetch --imap --once 2>err &&
	grep -q "message 1: post" err &&
	copies_are 1 $MEMBERS &&
	test "$(incidents)" = 1 &&
	test "$(unseen)" = 0 &&
	test "$(imap_count "$V" INBOX ALL)" = 1
'

test_expect_success 'a second run finds nothing new' '
	bpt-report -v fetch --imap --once 2>err &&
	grep -q "fetch: 0 messages" err &&
	copies_are 1 $MEMBERS
'

test_expect_success 'the IDLE loop takes an alert and a reply as they come' '
	fetch_start idle &&
	wait_for 20 grep -q "open (UIDVALIDITY" idle.log &&
	mail a2.eml alert-2@bewoners.example "Auto open bij nummer 8" &&
	imap_append "$V" INBOX a2.eml &&
	if ! wait_for 30 copies_are 2 $MEMBERS; then cat idle.log; exit 1; fi &&
	test "$(incidents)" = 2 &&
	mail r2.eml reply-2@bewoners.example "Re: Auto open bij nummer 8" \
	    "In-Reply-To: <alert-2@bewoners.example>" &&
	imap_append "$V" INBOX r2.eml &&
	if ! wait_for 30 copies_are 3 $MEMBERS; then cat idle.log; exit 1; fi &&
	test "$(incidents)" = 2 &&
	bpt-report --format tsv list >list &&
	grep "Auto open" list | cut -f 7 >msgs &&
	echo 2 >expect &&
	test_cmp expect msgs &&
	kill -0 "$(bg_pid idle)"
'

test_expect_success 'the IDLE loop survives a restart of Dovecot' '
	pid=$(bg_pid idle) &&
	imap_stop "$V" &&
	imap_start "$V" &&
	mail a3.eml alert-3@bewoners.example "Fietsendief bij het station" &&
	imap_append "$V" INBOX a3.eml &&
	if ! wait_for 60 copies_are 4 $MEMBERS; then cat idle.log; exit 1; fi &&
	test "$(incidents)" = 3 &&
	test "$(bg_pid idle)" = "$pid" &&
	kill -0 "$pid" &&
	grep -q "connecting again in" idle.log &&
	test "$(grep -c "open (UIDVALIDITY" idle.log)" -ge 2
'

test_expect_success 'fetch stops on SIGTERM, nothing left unseen' '
	pid=$(bg_pid idle) &&
	kill -TERM "$pid" &&
	wait_for 10 pid_gone "$pid" &&
	rm -f "$TRASH/.pid.idle" &&
	test "$(unseen)" = 0
'

test_expect_success 'kill -9 between commit and flag: the retry is no duplicate' '
	fetch_start crash BPT_TEST_FAULT=imap-before-flag &&
	mail a4.eml alert-4@bewoners.example "Rook uit de garage" &&
	imap_append "$V" INBOX a4.eml &&
	wait_for 30 grep -q "UID [0-9]* committed, waiting to be killed" crash.log &&
	kill -KILL "$(bg_pid crash)" &&
	wait_for 10 pid_gone "$(bg_pid crash)" &&
	rm -f "$TRASH/.pid.crash" &&
	test "$(stored alert-4@bewoners.example)" = 1 &&
	copies_are 5 $MEMBERS &&
	test "$(unseen)" = 1 &&
	bpt-report -v fetch --imap --once 2>err &&
	grep -q "duplicate" err &&
	test "$(unseen)" = 0 &&
	test "$(stored alert-4@bewoners.example)" = 1 &&
	copies_are 5 $MEMBERS &&
	test "$(incidents)" = 4
'

test_expect_success 'a new UIDVALIDITY: every message scanned again, none taken twice' '
	before=$(sqlite3 "$TRASH/store/bpt.db" "SELECT count(*) FROM messages") &&
	imap_stop "$V" &&
	for f in "$BOX"/cur/*; do
		mv "$f" "$BOX/new/$(basename "${f%%:*}")" || exit 1
	done &&
	rm -f "$BOX"/dovecot-uidlist "$BOX"/dovecot.index* &&
	imap_start "$V" &&
	test "$(unseen)" = 5 &&
	bpt-report -v fetch --imap --once 2>err &&
	test "$(grep -c "duplicate" err)" = 5 &&
	test "$(unseen)" = 0 &&
	copies_are 5 $MEMBERS &&
	test "$(incidents)" = 4 &&
	test "$(sqlite3 "$TRASH/store/bpt.db" "SELECT count(*) FROM messages")" -ge "$before"
'

test_expect_success 'done_mailbox: taken mail moves there' '
	imap_config "    password_file: $TRASH/imap.pw
    done_mailbox: Verwerkt" &&
	mail a5.eml alert-5@bewoners.example "Hond blaft al uren" &&
	imap_append "$V" INBOX a5.eml &&
	bpt-report fetch --imap --once &&
	test "$(imap_count "$V" INBOX ALL)" = 5 &&
	test "$(imap_count "$V" Verwerkt ALL)" = 1 &&
	copies_are 6 $MEMBERS
'

test_expect_success 'STARTTLS on the IMAP port' '
	imap_config &&
	sed -i "s/^    port: .*/    port: $(cat "$V/port143")\n    tls: starttls/" bpt.yaml &&
	mail a6.eml alert-6@bewoners.example "Brommer zonder licht" &&
	imap_append "$V" INBOX a6.eml &&
	bpt-report fetch --imap --once &&
	copies_are 7 $MEMBERS
'

test_expect_failure_code 77 'a wrong password: 77 after one attempt' '
	echo fout >"$TRASH/imap.pw" &&
	imap_config &&
	before=$(grep -c "Password mismatch" "$V/dovecot.log" || true) &&
	mail a7.eml alert-7@bewoners.example "Niet te zien" &&
	imap_append "$V" INBOX a7.eml &&
	bpt-report fetch --imap 2>err;
	rc=$?;
	cat err;
	grep -q "login refused" err &&
	test "$(grep -c "Password mismatch" "$V/dovecot.log")" = $((before + 1)) &&
	exit $rc
'

test_expect_success 'the refused run took nothing' '
	echo geheim >"$TRASH/imap.pw" &&
	test "$(unseen)" = 1 &&
	copies_are 7 $MEMBERS
'

test_expect_failure_code 69 'a certificate for another host is refused (69)' '
	IMAP_HOST=localhost imap_config &&
	bpt-report fetch --imap 2>err;
	rc=$?;
	cat err;
	grep -q "TLS certificate of localhost:.*name" err &&
	! grep -q "Password mismatch\|Login:" err &&
	exit $rc
'

test_expect_failure_code 69 'a certificate of an unknown issuer is refused (69)' '
	imap_config &&
	sed -i "/ca_file:/d" bpt.yaml &&
	bpt-report fetch --imap --once 2>err;
	rc=$?;
	cat err;
	grep -q "TLS certificate of 127.0.0.1:.*issuer" err &&
	exit $rc
'

test_expect_failure_code 78 'a mailbox that does not exist (78)' '
	imap_config "    password_file: $TRASH/imap.pw
    mailbox: Bestaatniet" &&
	bpt-report fetch --imap 2>err;
	rc=$?;
	cat err;
	grep -q "inbound.imap.mailbox: cannot open .Bestaatniet." err &&
	exit $rc
'

test_expect_failure_code 78 'a done_mailbox that does not exist (78)' '
	imap_config "    password_file: $TRASH/imap.pw
    done_mailbox: Weg" &&
	bpt-report fetch --imap 2>err;
	rc=$?;
	cat err;
	grep -q "inbound.imap.done_mailbox: there is no mailbox .Weg." err &&
	exit $rc
'

test_expect_failure_code 78 'tls: none is refused' '
	imap_config "    password_file: $TRASH/imap.pw
    tls: none" &&
	bpt-report fetch --imap --once 2>err;
	rc=$?;
	grep -q "inbound.imap.tls: none would send" err &&
	exit $rc
'

# The token command: prints the tokens of $TRASH/token-seq one per run
# (the last one again and again), counting its runs in $TRASH/token-runs.
cat >"$TRASH/token-cmd" <<EOF
#!/bin/sh
n=\$(cat "$TRASH/token-runs" 2>/dev/null || echo 0)
n=\$((n + 1))
echo \$n >"$TRASH/token-runs"
sed -n "\${n}p;\\\$p" "$TRASH/token-seq" | head -n 1
EOF
chmod 755 "$TRASH/token-cmd"
token_config() {
	rm -f "$TRASH/token-runs"
	printf '%s\n' "$@" >"$TRASH/token-seq"
	imap_config "    oauth2_token_command: [$TRASH/token-cmd, --account, bpt]"
}

test_expect_success 'XOAUTH2 with the token the command prints (oauth2 passdb)' '
	token_config tok-goed &&
	bpt-report fetch --imap --once 2>err &&
	test "$(unseen)" = 0 &&
	copies_are 8 $MEMBERS &&
	test "$(cat "$TRASH/token-runs")" = 1 &&
	grep -q "introspect tok-goed -> true" "$V/oauth.log"
'

test_expect_success 'XOAUTH2: a refused token is fetched again once' '
	token_config tok-verlopen tok-goed &&
	mail a8.eml alert-8@bewoners.example "Glasgerinkel" &&
	imap_append "$V" INBOX a8.eml &&
	bpt-report fetch --imap --once 2>err &&
	grep -q "asking inbound.imap.oauth2_token_command for a new token" err &&
	test "$(cat "$TRASH/token-runs")" = 2 &&
	copies_are 9 $MEMBERS
'

test_expect_failure_code 77 'XOAUTH2: refused twice is 77, without a loop' '
	token_config tok-fout &&
	before=$(grep -c "introspect tok-fout" "$V/oauth.log" || true) &&
	bpt-report fetch --imap 2>err;
	rc=$?;
	cat err;
	grep -q "XOAUTH2 login refused twice" err &&
	test "$(cat "$TRASH/token-runs")" = 2 &&
	test "$(grep -c "introspect tok-fout" "$V/oauth.log")" = $((before + 2)) &&
	exit $rc
'

test_done

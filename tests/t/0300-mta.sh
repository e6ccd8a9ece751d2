#!/bin/sh
# A real MTA end to end: a private Postfix on 127.0.0.1 pipes the list's
# mail to bpt-report (as contrib/postfix/README sets it up), bpt hands
# the copies back to the same Postfix over SMTP, and virtual(8) puts
# them into the members' Maildirs.  Also the MTA's retry of a 75.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"

mta_require postfix swaks

MTA=$TRASH/mta
PORT=$(free_port)
ACTIVE="alice@bewoners.example bob@bewoners.example carol@bewoners.example"
INACTIVE="dave@bewoners.example eve@bewoners.example"

headers() { # headers FILE: "Name: value" per header, decoded and unfolded
	"$PYTHON" - "$1" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
for k, v in m.items():
    print('%s: %s' % (k, str(v).replace('\n', ' ')))
PY
}
hval() { # hval HEADERS NAME: the first value of NAME in the output of headers
	sed -n "s/^$2: //p" "$1" | head -n 1
}
header() { # header FILE NAME: the first value of NAME in FILE
	headers "$1" >"$TRASH/.h" && hval "$TRASH/.h" "$2"
}
newest() { # newest copy in a member's Maildir
	ls -t "$MTA/mail/$1/new"/* | head -n 1
}
copies_are() { # copies_are N ADDRESS...: each has exactly N copies
	_n=$1
	shift
	for _a in "$@"; do
		[ "$(mta_copies "$MTA" "$_a")" = "$_n" ] || return 1
	done
}
delivered() { # delivered N: queue empty, every active member has N copies
	mta_queue_empty "$MTA" && copies_are "$1" $ACTIVE
}
show_state() { # for the log of a failing test
	echo "queue:"; mta_queue "$MTA"
	for a in $ACTIVE $INACTIVE; do echo "$a: $(mta_copies "$MTA" "$a")"; done
	echo "other: $(ls "$MTA/mail/other/new" 2>/dev/null | wc -l)"
	tail -n 30 "$MTA/maillog"
}

# The group's config and store belong to the pipe user (nobody here; a
# real installation uses a user of its own, see contrib/postfix/README).
mkdir -p "$TRASH/store" "$TRASH/state"
smtp_config 127.0.0.1 "$PORT" none 10s
chown -R nobody:nogroup "$TRASH/bpt.yaml" "$TRASH/store" "$TRASH/state"
BPT_CONFIG=$TRASH/bpt.yaml
export BPT_CONFIG

# The pipe command: bpt-report, except that while the marker exists one
# run (the one that removes it) fails its commits like a full disk.
cat >"$TRASH/bpt-pipe" <<EOF
#!/bin/sh
if rm "$TRASH/state/fault-once" 2>/dev/null; then
	BPT_TEST_FAULT=store-commit
	export BPT_TEST_FAULT
fi
exec "$BPT_BIN/bpt-report" "\$@"
EOF
chmod 755 "$TRASH/bpt-pipe"

test_expect_success 'set up the group (as the pipe user)' '
	as_nobody bpt-member add --no-welcome alice@bewoners.example --name "Alice Admin" --role admin &&
	as_nobody bpt-member add --no-welcome bob@bewoners.example --name "Bob Bakker" &&
	as_nobody bpt-member add --no-welcome carol@bewoners.example --name "Carol de Wit" &&
	as_nobody bpt-member add --no-welcome dave@bewoners.example --name "Dave" &&
	as_nobody bpt-member suspend dave@bewoners.example --reason vakantie &&
	as_nobody bpt-member add --no-welcome eve@bewoners.example --name "Eve" &&
	as_nobody bpt-member ban eve@bewoners.example --reason schelden &&
	test "$(stat -c %U "$TRASH/store/bpt.db")" = nobody
'

test_expect_success 'a private Postfix starts on 127.0.0.1 only' '
	mta_setup "$MTA" "$PORT" "$TRASH/bpt-pipe -c $TRASH/bpt.yaml" &&
	mta_mailbox "$MTA" $ACTIVE $INACTIVE &&
	mta_start "$MTA" &&
	master=$(mta_master "$MTA") &&
	kill -0 "$master" &&
	ss -Hltunp >sockets &&
	grep "pid=$master," sockets >ours &&
	test -s ours &&
	! grep -v "127\.0\.0\.1:$PORT " ours
'

cat >alert.eml <<'EOF_MAIL'
From: Carol de Wit <carol@bewoners.example>
To: bpt@bars.example
Subject: Inbraak bij de garages
Date: Sat, 28 Nov 2026 22:14:00 +0100
Message-ID: <mta-alert-1@bewoners.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Twee mannen forceren de deur van garage 12 aan het Pad, een witte
bestelbus met kenteken 45-XYZ-6 staat ernaast. 112 gebeld.
EOF_MAIL

test_expect_success 'an alert sent over SMTP reaches every active member once' '
	swaks --server "127.0.0.1:$PORT" --from carol@bewoners.example \
	    --to bpt@bars.example --data alert.eml >swaks.out 2>&1 &&
	if ! wait_for 30 delivered 1; then show_state; exit 1; fi &&
	copies_are 0 $INACTIVE &&
	test -z "$(ls "$MTA/mail/other/new" 2>/dev/null)" &&
	grep -q "to=<bpt@bars.example>.*status=sent (delivered via bpt service)" \
	    "$MTA/maillog" &&
	as_nobody bpt-report --format tsv list >list &&
	test "$(wc -l <list)" = 1
'

test_expect_success 'the copies carry the list headers and came back over SMTP' '
	for a in $ACTIVE; do
		f=$(newest "$a") &&
		headers "$f" >h &&
		test "$(hval h From)" = "Carol de Wit via BPT Testbuurt <bpt@bars.example>" &&
		test "$(hval h Subject)" = "[BPT Testbuurt #1] Inbraak bij de garages" &&
		test "$(hval h Reply-To)" = "BPT Testbuurt <bpt@bars.example>" &&
		test "$(hval h List-Id)" = "BPT Testbuurt <bpt.bars.example>" &&
		test "$(hval h X-Loop)" = bpt@bars.example &&
		test "$(hval h Precedence)" = list &&
		test "$(hval h Delivered-To)" = "$a" &&
		test "$(hval h Return-Path)" = "<bpt-bounces@bars.example>" &&
		hval h Message-ID | grep -q "^<bpt\.1\..*@bars.example>$" &&
		grep -q "^Received: from .*127\.0\.0\.1" "$f" || exit 1
	done &&
	test "$(grep -c "to=<.*@bewoners.example>.*status=sent (delivered to maildir)" \
	    "$MTA/maillog")" = 3
'

test_expect_success 'a reply made from a received copy joins incident 1 and reaches everyone' '
	f=$(newest bob@bewoners.example) &&
	id=$(header "$f" Message-ID) &&
	cat >reply.eml <<-EOF_MAIL &&
	From: Bob Bakker <bob@bewoners.example>
	To: BPT Testbuurt <bpt@bars.example>
	Subject: Re: [BPT Testbuurt #1] Inbraak bij de garages
	Date: Sat, 28 Nov 2026 22:17:00 +0100
	Message-ID: <mta-reply-1@bewoners.example>
	In-Reply-To: $id
	References: $id
	Content-Type: text/plain; charset=utf-8

	De bus rijdt nu weg richting de snelweg.
	EOF_MAIL
	swaks --server "127.0.0.1:$PORT" --from bob@bewoners.example \
	    --to bpt@bars.example --data reply.eml >swaks.out 2>&1 &&
	if ! wait_for 30 delivered 2; then show_state; exit 1; fi &&
	copies_are 0 $INACTIVE &&
	for a in $ACTIVE; do
		headers "$(newest "$a")" >h &&
		test "$(hval h Subject)" = "Re: [BPT Testbuurt #1] Inbraak bij de garages" &&
		test "$(hval h In-Reply-To)" = "$(header "$(ls -tr "$MTA/mail/$a/new"/* | head -n 1)" Message-ID)" || exit 1
	done &&
	as_nobody bpt-report --format json show 1 >show.json &&
	"$PYTHON" -c "import json; d=json.load(open(\"show.json\")); assert d[\"number\"]==1 and len(d[\"messages\"])==2, d" &&
	test "$(as_nobody bpt-report --format tsv list | wc -l)" = 1
'

test_expect_success 'a mail to bpt+1@ joins incident 1 by the address Postfix passes on' '
	printf "From: alice@bewoners.example\nTo: bpt+1@bars.example\nSubject: nog iets\nMessage-ID: <mta-plus-1@bewoners.example>\n\nDe politie is er nu.\n" >plus.eml &&
	swaks --server "127.0.0.1:$PORT" --from alice@bewoners.example \
	    --to bpt+1@bars.example --data plus.eml >swaks.out 2>&1 &&
	if ! wait_for 30 delivered 3; then show_state; exit 1; fi &&
	grep -q "to=<bpt+1@bars.example>.*status=sent (delivered via bpt service)" \
	    "$MTA/maillog" &&
	test "$(header "$(newest carol@bewoners.example)" Subject)" = "Re: [BPT Testbuurt #1] Inbraak bij de garages" &&
	as_nobody bpt-report --format json show 1 >show.json &&
	"$PYTHON" -c "import json; d=json.load(open(\"show.json\")); assert len(d[\"messages\"])==3, d"
'

cat >alert2.eml <<'EOF_MAIL'
From: Alice Admin <alice@bewoners.example>
To: bpt@bars.example
Subject: Loslopende hond op het schoolplein
Message-ID: <mta-alert-2@bewoners.example>
Content-Type: text/plain; charset=utf-8

Grote zwarte hond zonder baasje bij de ingang van de school.
EOF_MAIL

# BPT_TEST_FAULT works only in a build with test faults (the default)
if grep -q "define BPT_TEST_FAULTS 1" "$top_builddir/bptconf.h" 2>/dev/null; then

test_expect_success 'a 75 from bpt-report makes Postfix defer, not bounce' '
	touch "$TRASH/state/fault-once" &&
	chown nobody "$TRASH/state/fault-once" &&
	swaks --server "127.0.0.1:$PORT" --from alice@bewoners.example \
	    --to bpt@bars.example --data alert2.eml >swaks.out 2>&1 &&
	if ! wait_for 30 grep -q "to=<bpt@bars.example>.*status=deferred" "$MTA/maillog"
	then show_state; exit 1; fi &&
	grep "to=<bpt@bars.example>.*status=deferred" "$MTA/maillog" >deferred &&
	test "$(wc -l <deferred)" = 1 &&
	grep -q "disk full (test fault store-commit)" deferred &&
	test ! -e "$TRASH/state/fault-once" &&
	mta_queue "$MTA" >queue &&
	test "$(wc -l <queue)" = 1 &&
	grep -q "\"queue_name\": *\"deferred\"" queue &&
	copies_are 3 $ACTIVE &&
	! grep -q "status=bounced" "$MTA/maillog" &&
	test "$(as_nobody bpt-report --format tsv list | wc -l)" = 1
'

test_expect_success 'postqueue -f retries: the alert reaches everyone exactly once' '
	postqueue -c "$MTA/etc" -f &&
	if ! wait_for 30 delivered 4; then show_state; exit 1; fi &&
	copies_are 0 $INACTIVE &&
	test "$(grep -c "to=<bpt@bars.example>.*status=sent (delivered via bpt service)" \
	    "$MTA/maillog")" = 3 &&
	for a in $ACTIVE; do
		test "$(header "$(newest "$a")" Subject)" = "[BPT Testbuurt #2] Loslopende hond op het schoolplein" || exit 1
	done &&
	as_nobody bpt-report --format json show 2 >show.json &&
	"$PYTHON" -c "import json; d=json.load(open(\"show.json\")); assert len(d[\"messages\"])==1, d" &&
	test -z "$(as_nobody bpt-send --format tsv --queue)"
'

else
	test_skip "a 75 from bpt-report makes Postfix defer (built without test faults)"
	test_skip "postqueue -f retries (built without test faults)"
fi

test_expect_success 'the store stayed the pipe user'"'"'s' '
	test -z "$(find "$TRASH/store" ! -user nobody)"
'

test_expect_success 'stopping the master by its PID leaves no process behind' '
	master=$(mta_master "$MTA") &&
	test -n "$(mta_procs "$MTA")" &&
	mta_stop "$MTA" &&
	pid_gone "$master" &&
	test -z "$(mta_procs "$MTA")" &&
	! port_listening "$PORT"
'

test_done

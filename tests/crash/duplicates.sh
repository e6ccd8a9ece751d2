#!/bin/sh
# The same mail again is recognised: by its bytes, or, when a relay added
# a Received or Delivered-To header on the retry, by its Message-ID and
# sender within a day.  A retry of a committed mail exits 0 and sends
# nothing new; a retry of one that was not committed is processed.  Two
# runs of one mail at the same time (overlapping fetch runs) open one
# incident.
. "$top_srcdir/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

# one member writes every alert here: the flood rule is off
# (tests/t/0295-moderation.sh tests it)
write_config "policy:
  flood: {max_per_hour: 0}"
DB=$TRASH/store/bpt.db
copies() { # number of copies in a recipient's maildir
	ls "$TRASH/outbox/$1/new" 2>/dev/null | wc -l | tr -d ' '
}
q() { sqlite3 "$DB" "$1"; }
alert() { # N: an alert from jan with Message-ID <alert-N@bewoners.example>
	printf 'From: Jan de Vries <jan@bewoners.example>\nTo: bpt@bars.example\nSubject: Verdachte auto %s\nMessage-ID: <alert-%s@bewoners.example>\n\nGrijze auto, kenteken 12-ABC-3.\n' "$1" "$1"
}
relayed() { # HEADER FILE: the file with one more header on top
	printf '%s\n' "$1"
	cat "$2"
}

test_expect_success 'set up a group' '
	bpt-member add --no-welcome jan@bewoners.example --name "Jan de Vries" &&
	bpt-member add --no-welcome piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add --no-welcome anna@bewoners.example --name "Anna Jansen"
'

test_expect_success 'an alert reaches every member once' '
	alert 1 >a1.eml &&
	bpt-report -v <a1.eml 2>err &&
	grep -q "post (new incident)" err &&
	test "$(copies piet@bewoners.example)" = 1
'

test_expect_success 'the same bytes again: exit 0, nothing new' '
	bpt-report -v <a1.eml 2>err &&
	grep -q "duplicate (already processed)" err &&
	test "$(copies piet@bewoners.example)" = 1 &&
	test "$(q "SELECT count(*) FROM messages")" = 1
'

test_expect_success 'a retry with a Received header added: stored, marked, nothing sent' '
	relayed "Received: from mx2.relay.example by mx.bars.example; Sat, 28 Nov 2026 21:10:00 +0100" \
	    a1.eml >a1-received.eml &&
	bpt-report -v <a1-received.eml 2>err &&
	grep -q "duplicate (same Message-ID from the same sender)" err &&
	test "$(copies piet@bewoners.example)" = 1 &&
	test "$(copies jan@bewoners.example)" = 1 &&
	test "$(q "SELECT count(*) FROM incidents")" = 1 &&
	test "$(q "SELECT class, state, incident_id IS NULL FROM messages ORDER BY id DESC LIMIT 1")" = "duplicate|done|1"
'

test_expect_success 'a retry with a Delivered-To header added, the sender in capitals: the same' '
	{ printf "Delivered-To: bpt@bars.example\n"; sed "s/jan@bewoners/JAN@Bewoners/" a1.eml; } >a1-dt.eml &&
	bpt-report -v <a1-dt.eml 2>err &&
	grep -q "duplicate (same Message-ID" err &&
	test "$(copies anna@bewoners.example)" = 1 &&
	test "$(q "SELECT count(*) FROM incidents")" = 1
'

test_expect_success 'the same Message-ID from another sender is a mail of its own' '
	sed "s/Jan de Vries <jan@bewoners.example>/Piet Bakker <piet@bewoners.example>/" a1.eml >p1.eml &&
	bpt-report -v <p1.eml 2>err &&
	grep -q "post (new incident)" err &&
	test "$(copies anna@bewoners.example)" = 2 &&
	test "$(q "SELECT count(*) FROM incidents")" = 2
'

test_expect_success 'the same Message-ID and sender after more than a day is a mail of its own' '
	alert 2 >a2.eml &&
	bpt-report <a2.eml &&
	test "$(copies anna@bewoners.example)" = 3 &&
	q "UPDATE messages SET received_at = received_at - 86401 WHERE message_id = '"'"'alert-2@bewoners.example'"'"'" &&
	relayed "Received: from mx3.relay.example by mx.bars.example" a2.eml >a2-late.eml &&
	bpt-report -v <a2-late.eml 2>err &&
	grep -q "post (new incident)" err &&
	test "$(copies anna@bewoners.example)" = 4
'

test_expect_success 'a retry of a run that died before its commit is processed normally' '
	alert 3 >a3.eml &&
	! BPT_TEST_FAULT=parse-abort bpt-report <a3.eml 2>/dev/null &&
	test "$(q "SELECT state FROM messages ORDER BY id DESC LIMIT 1")" = new &&
	before=$(copies anna@bewoners.example) &&
	relayed "Received: from mx2.relay.example by mx.bars.example" a3.eml >a3-received.eml &&
	bpt-report -v <a3-received.eml 2>err &&
	grep -q "post (new incident)" err &&
	test "$(copies anna@bewoners.example)" = $((before + 1)) &&
	test "$(q "SELECT count(*) FROM messages WHERE message_id = '"'"'alert-3@bewoners.example'"'"' AND class = '"'"'post'"'"'")" = 1
'

test_expect_success 'a retry by Message-ID hands over the copies a killed first run held' '
	alert 4 >a4.eml &&
	bpt-report --no-deliver <a4.eml &&
	dead=999999 &&
	while kill -0 $dead 2>/dev/null; do dead=$((dead + 1)); done &&
	q "UPDATE deliveries SET state = '"'"'sending'"'"', claimed_by = '"'"'$(hostname):$dead'"'"',
	    claimed_at = strftime('"'"'%s'"'"') WHERE state = '"'"'queued'"'"'" &&
	before=$(copies anna@bewoners.example) &&
	relayed "Received: from mx2.relay.example by mx.bars.example" a4.eml >a4-received.eml &&
	bpt-report -v <a4-received.eml 2>err &&
	grep -q "duplicate (same Message-ID" err &&
	test "$(copies anna@bewoners.example)" = $((before + 1)) &&
	test "$(copies piet@bewoners.example)" = $((before + 1)) &&
	test -z "$(bpt-send --format tsv --queue)"
'

# Two runs of one mail at once: both pass the look-up of the raw bytes
# before either commits; the second must see the first one's commit.
test_expect_success 'two runs of the same bytes at once open one incident' '
	n0=$(q "SELECT count(*) FROM incidents") &&
	c0=$(copies anna@bewoners.example) &&
	i=0 &&
	while [ $i -lt 25 ]; do
		alert "race-$i" >race.eml || exit 1
		bpt-report <race.eml 2>/dev/null & p1=$!
		bpt-report <race.eml 2>/dev/null & p2=$!
		wait $p1 && wait $p2 || exit 1
		i=$((i + 1))
	done &&
	test "$(q "SELECT count(*) FROM incidents")" = $((n0 + 25)) &&
	test "$(copies anna@bewoners.example)" = $((c0 + 25)) &&
	test "$(q "SELECT count(*) FROM messages WHERE message_id LIKE '"'"'alert-race-%'"'"'")" = 25
'

test_expect_success 'two runs with different bytes of one mail at once open one incident' '
	n0=$(q "SELECT count(*) FROM incidents") &&
	c0=$(copies anna@bewoners.example) &&
	i=0 &&
	while [ $i -lt 25 ]; do
		alert "pair-$i" >pair.eml &&
		relayed "Received: from mx2.relay.example by mx.bars.example" pair.eml >pair2.eml ||
		    exit 1
		bpt-report <pair.eml 2>/dev/null & p1=$!
		bpt-report <pair2.eml 2>/dev/null & p2=$!
		wait $p1 && wait $p2 || exit 1
		i=$((i + 1))
	done &&
	test "$(q "SELECT count(*) FROM incidents")" = $((n0 + 25)) &&
	test "$(copies anna@bewoners.example)" = $((c0 + 25)) &&
	test "$(q "SELECT count(*) FROM messages WHERE message_id LIKE '"'"'alert-pair-%'"'"' AND class = '"'"'duplicate'"'"'")" = 25
'

test_expect_success 'overlapping fetch runs over one Maildir open one incident per mail' '
	n0=$(q "SELECT count(*) FROM incidents") &&
	mkdir -p in/new in/cur in/tmp &&
	i=0 &&
	while [ $i -lt 10 ]; do
		alert "fetch-$i" >in/new/$i.eml
		i=$((i + 1))
	done
	bpt-report fetch --maildir in 2>f1.err & p1=$!
	bpt-report fetch --maildir in 2>f2.err & p2=$!
	wait $p1; wait $p2
	while [ -n "$(ls in/new)" ]; do bpt-report fetch --maildir in || exit 1; done &&
	test "$(q "SELECT count(*) FROM incidents")" = $((n0 + 10)) &&
	test "$(q "SELECT count(*) FROM messages WHERE message_id LIKE '"'"'alert-fetch-%'"'"'")" = 10
'

test_done

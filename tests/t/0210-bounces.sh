#!/bin/sh
# Bounces: recorded per recipient; permanent failures that are the
# address's own count, and delivery.bounce_limit of them suspend the
# member and tell the admins once; delays and policy rejections never do.
. "$top_srcdir/tests/lib.sh"

write_config "  verp: true
  bounce_limit: 3"

copies() { ls "$TRASH/outbox/$1/new" 2>/dev/null | wc -l | tr -d ' '; }
db() { sqlite3 "$TRASH/store/bpt.db" "$1"; }

# dsn ID RCPT ACTION STATUS DIAG: an RFC 3464 report from the relay
dsn() {
	cat <<EOF_MAIL
From: Mail Delivery System <MAILER-DAEMON@relay.example>
To: bpt-bounces@bars.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-$1@relay.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b$1"

--b$1
Content-Type: text/plain

This is the mail system at host relay.example.

--b$1
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example

Final-Recipient: rfc822; $2
Original-Recipient: rfc822;$2
Action: $3
Status: $4
Diagnostic-Code: smtp; $5

--b$1
Content-Type: text/rfc822-headers

From: BPT Testbuurt <bpt@bars.example>
Subject: [BPT Testbuurt #1] x

--b$1--
EOF_MAIL
}

test_expect_success 'set up' '
	bpt-member add jan@bewoners.example --name "Jan" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet" &&
	bpt-member add anna@bewoners.example --name "Anna" &&
	tok=$(db "SELECT token FROM members WHERE email = '"'"'piet@bewoners.example'"'"'") &&
	test -n "$tok" && echo "$tok" >piet.token
'

test_expect_success 'with verp each copy has its own envelope sender' '
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: v\nMessage-ID: <v1@x>\n\nverp\n" | bpt-report &&
	tok=$(cat piet.token) &&
	head -n 1 "$TRASH"/outbox/piet@bewoners.example/new/* >rp &&
	echo "Return-Path: <bpt-bounces+$tok@bars.example>" >expect &&
	test_cmp expect rp &&
	! grep -q "$tok" "$TRASH"/outbox/anna@bewoners.example/new/*
'

test_expect_success 'delays and policy rejections are recorded, never counted' '
	tok=$(cat piet.token) &&
	dsn d1 piet@bewoners.example delayed 4.4.1 "connection timed out" |
		bpt-report -r "bpt-bounces+$tok@bars.example" &&
	dsn d2 piet@bewoners.example failed 5.7.1 "rejected due to DMARC policy" |
		bpt-report -r "bpt-bounces+$tok@bars.example" &&
	dsn d3 piet@bewoners.example failed 5.7.1 "message looks like spam" |
		bpt-report -r "bpt-bounces+$tok@bars.example" &&
	test "$(db "SELECT count(*), sum(counted) FROM bounces")" = "3|0" &&
	bpt-member --format tsv show piet@bewoners.example | grep -q "^status	active$"
'

test_expect_success 'permanent failures by VERP count; the limit suspends and tells the admins once' '
	tok=$(cat piet.token) &&
	admin=$(copies jan@bewoners.example) &&
	for i in 1 2; do
		dsn p$i piet@bewoners.example failed 5.1.1 "user unknown" |
			bpt-report -r "bpt-bounces+$tok@bars.example" || exit 1
	done &&
	bpt-member --format tsv show piet@bewoners.example | grep -q "^status	active$" &&
	dsn p3 "piet@bewoners.example" failed 5.1.1 "user unknown" |
		bpt-report -v -r "bpt-bounces+$tok@bars.example" 2>err &&
	grep -q "member suspended" err &&
	bpt-member --format tsv show piet@bewoners.example >show &&
	grep -q "^status	suspended$" show &&
	grep -q "^status_reason	bounces$" show &&
	test "$(copies jan@bewoners.example)" = $((admin + 1)) &&
	grep -rq "geschorst" "$TRASH/outbox/jan@bewoners.example/new" &&
	bpt-member --format tsv log piet@bewoners.example | tail -1 | cut -f3,4 >last &&
	printf "bpt\tsuspend\n" >expect && test_cmp expect last &&
	dsn p4 piet@bewoners.example failed 5.1.1 "user unknown" |
		bpt-report -r "bpt-bounces+$tok@bars.example" &&
	test "$(copies jan@bewoners.example)" = $((admin + 1))
'

test_expect_success 'a suspended member gets no more alerts' '
	printf "From: anna@bewoners.example\nTo: bpt@bars.example\nSubject: a\nMessage-ID: <a1@x>\n\nverdacht\n" | bpt-report &&
	test "$(copies piet@bewoners.example)" = 1 &&
	test "$(copies anna@bewoners.example)" = 2
'

test_expect_success 'without VERP the report names the member' '
	for i in 1 2 3; do
		dsn n$i anna@bewoners.example failed 5.2.1 "mailbox disabled" | bpt-report || exit 1
	done &&
	bpt-member --format tsv show anna@bewoners.example | grep -q "^status	suspended$"
'

test_expect_success 'our own test bounces about strangers are recorded, suspend nobody' '
	n=$(db "SELECT count(*) FROM bounces") &&
	for f in "$DATA"/bounce/*.eml; do bpt-report <"$f" || exit 1; done &&
	test "$(db "SELECT count(*) FROM bounces")" -gt "$n" &&
	test "$(db "SELECT count(*) FROM members WHERE status = '"'"'suspended'"'"'")" = 2
'

test_expect_corpus 'corpus bounces about strangers suspend nobody' '
	for f in "$CORPUS"/bounce/*.eml; do bpt-report <"$f" || exit 1; done &&
	test "$(db "SELECT count(*) FROM members WHERE status = '"'"'suspended'"'"'")" = 2
'

test_done

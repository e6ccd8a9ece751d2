#!/bin/sh
# Bounces: recorded per recipient; a bounce counts only when it proves
# it is about a copy bpt sent to that member (the member's VERP token,
# or the returned Message-ID of a copy delivered to that address within
# delivery.bounce_window), at most once a day.  delivery.bounce_limit
# of them send the member a probe; only a bounce of the probe suspends
# the member, and a probe not bounced within 7 days resets the count.
# Forged reports, delays and policy rejections never count.
. "$top_srcdir/tests/lib.sh"

# BPT_NOW works only in a build with test faults (the default)
grep -q "define BPT_TEST_FAULTS 1" "$top_builddir/bptconf.h" 2>/dev/null ||
	test_skip_all "needs a build with test faults (BPT_NOW)"
command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

CFG="  bounce_limit: 3
  bounce_window: 15d"
write_config "$CFG"

# every command runs at a time of the test's choosing: day 0 is BASE
BASE=1799053200		# 2027-01-04 09:00 UTC
DAY=86400
BPT_NOW=$BASE
export BPT_NOW
clock() { # clock SECONDS COMMAND...: COMMAND at BASE + SECONDS
	_c=$1
	shift
	BPT_NOW=$((BASE + _c)) "$@"
}

db() { sqlite3 "$TRASH/store/bpt.db" "$1"; }
status() { bpt-member --format tsv show "$1" | sed -n 's/^status	//p'; }
msgid() { # msgid FILE: the Message-ID of a copy, without <>
	sed -n 's/^Message-ID: <\(.*\)>$/\1/p' "$1" | head -n 1
}
counted() { db "SELECT coalesce(sum(counted), 0) FROM bounces WHERE rcpt = '$1'"; }

# dsn ID RCPT ACTION STATUS DIAG [MSGID]: an RFC 3464 report from the
# relay; its returned header carries Message-ID MSGID when given
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
${6:+Message-ID: <$6>}

--b$1--
EOF_MAIL
}

# qmail returns the message inline, after a marker line
qmail() { # qmail ID RCPT MSGID
	cat <<EOF_MAIL
From: MAILER-DAEMON@relay.example
To: bpt-bounces@bars.example
Subject: failure notice
Message-ID: <qmail-$1@relay.example>

Hi. This is the qmail-send program at relay.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<$2>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <bpt-bounces@bars.example>
From: BPT Testbuurt <bpt@bars.example>
Message-ID:
 <$3>
Subject: [BPT Testbuurt #1] x

tekst
EOF_MAIL
}

alert() { # alert ID: an alert by Jan
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s@x>\n\nverdacht\n" "$1" "$1"
}

test_expect_success 'set up' '
	bpt-member add jan@bewoners.example --name "Jan" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add anna@bewoners.example --name "Anna" &&
	bpt-member add kees@bewoners.example --name "Kees" &&
	alert a1 | clock 60 bpt-report &&
	test "$(copies piet@bewoners.example)" = 1 &&
	msgid "$(newest piet@bewoners.example)" >m1 &&
	grep -q "^bpt\.1\..*@bars\.example$" m1 &&
	bpt-member add laat@bewoners.example --name "Laat"
'

test_expect_success 'delays and policy rejections are recorded, never counted' '
	m1=$(cat m1) &&
	dsn d1 piet@bewoners.example delayed 4.4.1 "connection timed out" "$m1" |
		clock 120 bpt-report &&
	dsn d2 piet@bewoners.example failed 5.7.1 "rejected due to DMARC policy" "$m1" |
		clock $((DAY + 120)) bpt-report &&
	dsn d3 piet@bewoners.example failed 5.7.1 "message looks like spam" "$m1" |
		clock $((2 * DAY + 120)) bpt-report &&
	test "$(db "SELECT count(*), sum(counted), sum(verified) FROM bounces")" = "3|0|3" &&
	test "$(status piet@bewoners.example)" = active
'

test_expect_success 'forged reports, a day apart, count nothing and suspend nobody' '
	db "DELETE FROM bounces" &&
	admin=$(copies jan@bewoners.example) &&
	for i in 1 2 3 4 5; do
		t=$((i * DAY + 300)) &&
		dsn f$i piet@bewoners.example failed 5.1.1 "user unknown" |
			clock $t bpt-report &&
		dsn g$i piet@bewoners.example failed 5.1.1 "user unknown" \
		    "bpt.1.1799053260.00000000000000000000000$i@bars.example" |
			clock $((t + 1)) bpt-report &&
		dsn h$i laat@bewoners.example failed 5.1.1 "user unknown" "$(cat m1)" |
			clock $((t + 2)) bpt-report &&
		dsn s$i stranger@elders.example failed 5.1.1 "user unknown" "$(cat m1)" |
			clock $((t + 3)) bpt-report &&
		dsn v$i piet@bewoners.example failed 5.1.1 "user unknown" |
			clock $((t + 4)) bpt-report -r "bpt-bounces+1-0123456789ab@bars.example" ||
		exit 1
	done &&
	test "$(db "SELECT count(*), sum(counted), sum(verified) FROM bounces")" = "25|0|0" &&
	db "SELECT DISTINCT why FROM bounces ORDER BY why" >why &&
	cat >expect <<-\EOF &&
	names no member
	no valid VERP token and no returned Message-ID
	returned Message-ID is of no copy sent to this address lately
	EOF
	test_cmp expect why &&
	test "$(db "SELECT count(*) FROM members WHERE status <> '"'"'active'"'"'")" = 0 &&
	test "$(db "SELECT count(*) FROM probes")" = 0 &&
	test "$(copies jan@bewoners.example)" = "$admin"
'

test_expect_success 'a copy older than delivery.bounce_window proves nothing' '
	dsn old piet@bewoners.example failed 5.1.1 "user unknown" "$(cat m1)" |
		clock $((16 * DAY)) bpt-report &&
	test "$(db "SELECT verified, counted, why FROM bounces ORDER BY id DESC LIMIT 1")" = \
	    "0|0|returned Message-ID is of no copy sent to this address lately"
'

test_expect_success 'five real reports of one copy within a minute count once' '
	db "DELETE FROM bounces" &&
	alert a2 | clock $((20 * DAY)) bpt-report &&
	msgid "$(newest anna@bewoners.example)" >m2 &&
	for i in 1 2 3 4 5; do
		dsn r$i anna@bewoners.example failed 5.1.1 "user unknown" "$(cat m2)" |
			clock $((20 * DAY + 10 * i)) bpt-report || exit 1
	done &&
	test "$(db "SELECT count(*), sum(verified), sum(counted) FROM bounces")" = "5|5|1" &&
	test "$(db "SELECT why FROM bounces WHERE counted = 0 LIMIT 1")" = \
	    "returned Message-ID of a copy sent to this address; one counted already within a day"
'

test_expect_success 'an inline returned copy (qmail) proves it too, a day later' '
	qmail q1 anna@bewoners.example "$(cat m2)" | clock $((21 * DAY + 60)) bpt-report &&
	test "$(counted anna@bewoners.example)" = 2 &&
	test "$(status anna@bewoners.example)" = active
'

test_expect_success 'the limit sends the member one probe and tells the admins' '
	admin=$(copies jan@bewoners.example) &&
	before=$(copies anna@bewoners.example) &&
	dsn r6 anna@bewoners.example failed 5.1.1 "user unknown" "$(cat m2)" |
		clock $((22 * DAY + 120)) bpt-report -v 2>err &&
	grep -q "probe sent" err &&
	test "$(counted anna@bewoners.example)" = 3 &&
	test "$(status anna@bewoners.example)" = active &&
	test "$(copies anna@bewoners.example)" = $((before + 1)) &&
	f=$(newest anna@bewoners.example) &&
	grep -q "^Subject: Komt mail van BPT Testbuurt bij u aan?" "$f" &&
	sed -n "1s/^Return-Path: <bpt-bounces+\(p[0-9a-f]*\)@bars.example>$/\1/p" "$f" >probe &&
	test -n "$(cat probe)" &&
	test "$(db "SELECT token, rcpt FROM probes")" = "$(cat probe)|anna@bewoners.example" &&
	test "$(copies jan@bewoners.example)" = $((admin + 1)) &&
	grep -q "^Subject: \[BPT Testbuurt\] Mail aan Anna komt terug; testbericht gestuurd" \
	    "$(newest jan@bewoners.example)"
'

test_expect_success 'a probe not bounced within 7 days resets the count' '
	dsn r7 anna@bewoners.example failed 5.1.1 "user unknown" "$(cat m2)" |
		clock $((23 * DAY + 180)) bpt-report &&
	test "$(db "SELECT count(*) FROM probes")" = 1 &&
	dsn late anna@bewoners.example failed 5.1.1 "user unknown" |
		clock $((29 * DAY + 3600)) bpt-report -r "bpt-bounces+$(cat probe)@bars.example" &&
	test "$(status anna@bewoners.example)" = active &&
	test "$(db "SELECT why FROM bounces ORDER BY id DESC LIMIT 1")" = "bounce of an earlier probe" &&
	dsn r8 anna@bewoners.example failed 5.1.1 "user unknown" "$(cat m2)" |
		clock $((30 * DAY + 7200)) bpt-report &&
	test "$(db "SELECT count(*) FROM probes")" = 1 &&
	test "$(status anna@bewoners.example)" = active
'

test_expect_success 'a bounce of the probe suspends the member and tells the admins' '
	db "DELETE FROM bounces" &&
	alert a3 | clock $((40 * DAY)) bpt-report &&
	msgid "$(newest piet@bewoners.example)" >m3 &&
	for d in 40 41 42; do
		dsn p$d piet@bewoners.example failed 5.1.1 "user unknown" "$(cat m3)" |
			clock $((d * DAY + 60)) bpt-report || exit 1
	done &&
	test "$(status piet@bewoners.example)" = active &&
	sed -n "1s/^Return-Path: <bpt-bounces+\(p[0-9a-f]*\)@bars.example>$/\1/p" \
	    "$(newest piet@bewoners.example)" >probe &&
	test -n "$(cat probe)" &&
	admin=$(copies jan@bewoners.example) &&
	dsn probe1 piet@bewoners.example failed 5.1.1 "user unknown" |
		clock $((42 * DAY + 120)) bpt-report -v -r "bpt-bounces+$(cat probe)@bars.example" 2>err &&
	grep -q "member suspended" err &&
	bpt-member --format tsv show piet@bewoners.example >show &&
	grep -q "^status	suspended$" show &&
	grep -q "^status_reason	bounces$" show &&
	test "$(copies jan@bewoners.example)" = $((admin + 1)) &&
	grep -q "geschorst" "$(newest jan@bewoners.example)" &&
	bpt-member --format tsv log piet@bewoners.example | tail -1 | cut -f3,4 >last &&
	printf "bpt\tsuspend\n" >expect && test_cmp expect last &&
	test "$(db "SELECT bounced_at IS NOT NULL FROM probes WHERE token = '"'"'$(cat probe)'"'"'")" = 1
'

test_expect_success 'a suspended member gets no more alerts, and no second notice' '
	before=$(copies piet@bewoners.example) &&
	admin=$(copies jan@bewoners.example) &&
	dsn probe2 piet@bewoners.example failed 5.1.1 "user unknown" |
		clock $((43 * DAY)) bpt-report -r "bpt-bounces+$(cat probe)@bars.example" &&
	alert a4 | clock $((43 * DAY + 60)) bpt-report &&
	test "$(copies piet@bewoners.example)" = "$before" &&
	test "$(copies jan@bewoners.example)" = $((admin + 1))
'

test_expect_success 'reinstated, the member starts from zero' '
	clock $((44 * DAY)) bpt-member reinstate piet@bewoners.example &&
	alert a5 | clock $((44 * DAY + 60)) bpt-report &&
	msgid "$(newest piet@bewoners.example)" >m5 &&
	dsn z1 piet@bewoners.example failed 5.1.1 "user unknown" "$(cat m5)" |
		clock $((45 * DAY)) bpt-report &&
	test "$(db "SELECT count(*) FROM probes WHERE bounced_at IS NULL AND rcpt = '"'"'piet@bewoners.example'"'"'")" = 0
'

# --- with delivery.verp ------------------------------------------------------
write_config "$CFG
  verp: true"

test_expect_success 'with verp each copy has its own envelope sender' '
	kees=$(db "SELECT token FROM members WHERE email = '"'"'kees@bewoners.example'"'"'") &&
	echo "$kees" >kees.token &&
	alert v1 | clock $((50 * DAY)) bpt-report &&
	head -n 1 "$(newest kees@bewoners.example)" >rp &&
	echo "Return-Path: <bpt-bounces+$kees@bars.example>" >expect &&
	test_cmp expect rp &&
	! grep -q "$kees" "$(newest anna@bewoners.example)" &&
	msgid "$(newest kees@bewoners.example)" >mv
'

test_expect_success 'with verp a report without the token counts nothing, even with the real Message-ID' '
	db "DELETE FROM bounces" &&
	for i in 1 2 3 4 5; do
		dsn w$i kees@bewoners.example failed 5.1.1 "user unknown" "$(cat mv)" |
			clock $((50 * DAY + i * DAY)) bpt-report || exit 1
	done &&
	dsn w6 kees@bewoners.example failed 5.1.1 "user unknown" "$(cat mv)" |
		clock $((56 * DAY)) bpt-report -r "bpt-bounces+$(cat kees.token)x@bars.example" &&
	test "$(db "SELECT count(*), sum(counted), sum(verified) FROM bounces")" = "6|0|0" &&
	test "$(db "SELECT DISTINCT why FROM bounces")" = \
	    "no valid VERP token (delivery.verp is on)" &&
	test "$(status kees@bewoners.example)" = active
'

test_expect_success 'with verp the real token counts, once a day' '
	for t in 0 30 60; do
		dsn k$t kees@bewoners.example failed 5.1.1 "user unknown" |
			clock $((57 * DAY + t)) bpt-report -r "bpt-bounces+$(cat kees.token)@bars.example" ||
		exit 1
	done &&
	test "$(counted kees@bewoners.example)" = 1 &&
	test "$(db "SELECT count(*) FROM bounces WHERE verified = 1 AND why LIKE '"'"'VERP token%'"'"'")" = 3
'

test_expect_success 'with verp the probe has a token of its own, distinct from the member token' '
	for d in 58 59; do
		dsn k$d kees@bewoners.example failed 5.1.1 "user unknown" |
			clock $((d * DAY)) bpt-report -r "bpt-bounces+$(cat kees.token)@bars.example" ||
		exit 1
	done &&
	f=$(newest kees@bewoners.example) &&
	grep -q "^Subject: Komt mail van" "$f" &&
	sed -n "1s/^Return-Path: <bpt-bounces+\(p[0-9a-f]*\)@bars.example>$/\1/p" "$f" >probe &&
	test -n "$(cat probe)" &&
	test "$(cat probe)" != "$(cat kees.token)" &&
	dsn kp kees@bewoners.example failed 5.1.1 "user unknown" |
		clock $((59 * DAY + 60)) bpt-report -r "bpt-bounces+$(cat probe)@bars.example" &&
	test "$(status kees@bewoners.example)" = suspended
'

test_expect_success 'our own test bounces about strangers count nothing, suspend nobody' '
	before=$(db "SELECT count(*) FROM members WHERE status = '"'"'suspended'"'"'") &&
	n=$(db "SELECT coalesce(sum(counted), 0) FROM bounces") &&
	m=$(db "SELECT count(*) FROM bounces") &&
	for f in "$DATA"/bounce/*.eml; do
		clock $((60 * DAY)) bpt-report <"$f" || exit 1
	done &&
	test "$(db "SELECT count(*) FROM bounces")" -gt "$m" &&
	test "$(db "SELECT count(*) FROM members WHERE status = '"'"'suspended'"'"'")" = "$before" &&
	test "$(db "SELECT coalesce(sum(counted), 0) FROM bounces")" = "$n"
'

test_expect_corpus 'corpus bounces about strangers count nothing, suspend nobody' '
	before=$(db "SELECT count(*) FROM members WHERE status = '"'"'suspended'"'"'") &&
	n=$(db "SELECT coalesce(sum(counted), 0) FROM bounces") &&
	for f in "$CORPUS"/bounce/*.eml; do
		clock $((60 * DAY)) bpt-report <"$f" || exit 1
	done &&
	test "$(db "SELECT count(*) FROM members WHERE status = '"'"'suspended'"'"'")" = "$before" &&
	test "$(db "SELECT coalesce(sum(counted), 0) FROM bounces")" = "$n"
'

test_done

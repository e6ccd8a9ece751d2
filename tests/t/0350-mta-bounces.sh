#!/bin/sh
# A real bounce of a real copy: bpt hands a copy to a private Postfix,
# Postfix relays it to an smtp-sink that answers 550 to RCPT, and the
# report Postfix writes comes back through the pipe to bpt-report.  It
# counts: without VERP by the Message-ID it returns, with VERP by the
# member's token.  A forged report about a member through the same
# Postfix counts nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"

mta_require postfix smtp-sink swaks sqlite3

MTA=$TRASH/mta
PORT=$(free_port)
SINK=$(free_port)
DB=$TRASH/store/bpt.db

# bpt_config VERP: the group delivering over SMTP to the Postfix
bpt_config() {
	cat >"$TRASH/bpt.yaml" <<CFG
group:
  name: BPT Testbuurt
  address: bpt@bars.example
store: $DB
delivery:
  transport: smtp
  smtp:
    host: 127.0.0.1
    port: $PORT
    tls: none
    timeout: 10s
  verp: $1
  bounce_limit: 3
  retry_min: 1s
  retry_max: 2s
CFG
	chmod 600 "$TRASH/bpt.yaml" &&
	chown nobody:nogroup "$TRASH/bpt.yaml"
}
mkdir -p "$TRASH/store"
chown nobody:nogroup "$TRASH/store"
bpt_config false
BPT_CONFIG=$TRASH/bpt.yaml
export BPT_CONFIG

db() { as_nobody sqlite3 "$DB" "$1"; }
bounced() { # bounced RCPT N: N bounces about RCPT are recorded
	[ "$(db "SELECT count(*) FROM bounces WHERE rcpt = '$1'")" = "$2" ]
}
show_state() {
	echo "queue:"; mta_queue "$MTA"
	tail -n 30 "$MTA/maillog"
	db "SELECT * FROM bounces"
}
alert() { # alert ID: Alice's alert, straight into the pipe command
	printf "From: alice@bewoners.example\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s@bewoners.example>\n\nverdacht\n" "$1" "$1" |
		as_nobody bpt-report
}

test_expect_success 'set up the group, a sink that refuses every RCPT and Postfix' '
	as_nobody bpt-member add alice@bewoners.example --name "Alice" --role admin &&
	as_nobody bpt-member add dora@dood.example --name "Dora" &&
	sink_start "$SINK" "$TRASH/sink" -f RCPT &&
	mta_setup "$MTA" "$PORT" "$BPT_BIN/bpt-report -c $TRASH/bpt.yaml" &&
	mta_mailbox "$MTA" alice@bewoners.example &&
	postconf -c "$MTA/etc" -e "relay_domains = bars.example, dood.example" \
	    "transport_maps = inline:{ bars.example=bpt:, dood.example=smtp:[127.0.0.1]:$SINK }" &&
	mta_start "$MTA"
'

test_expect_success 'without verp, the report returns the copy'"'"'s Message-ID: it counts' '
	alert a1 &&
	if ! wait_for 60 bounced dora@dood.example 1; then show_state; exit 1; fi &&
	grep -q "to=<dora@dood.example>.*status=bounced" "$MTA/maillog" &&
	test "$(db "SELECT verified, counted, why FROM bounces WHERE rcpt = '"'"'dora@dood.example'"'"'")" = \
	    "1|1|returned Message-ID of a copy sent to this address" &&
	test "$(mta_copies "$MTA" alice@bewoners.example)" = 1
'

test_expect_success 'a forged report through the same Postfix counts nothing' '
	cat >forged.eml <<-\EOF &&
	From: MAILER-DAEMON@relay.example
	To: bpt-bounces@bars.example
	Subject: Undelivered Mail Returned to Sender
	Message-ID: <forged-1@relay.example>
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status; boundary="b"

	--b
	Content-Type: message/delivery-status

	Reporting-MTA: dns; relay.example

	Final-Recipient: rfc822; alice@bewoners.example
	Action: failed
	Status: 5.1.1

	--b--
	EOF
	swaks --server "127.0.0.1:$PORT" --from postmaster@relay.example --to bpt-bounces@bars.example \
	    --data forged.eml >swaks.out 2>&1 &&
	if ! wait_for 60 bounced alice@bewoners.example 1; then show_state; exit 1; fi &&
	test "$(db "SELECT verified, counted FROM bounces WHERE rcpt = '"'"'alice@bewoners.example'"'"'")" = "0|0"
'

test_expect_success 'with verp, the report comes to the member'"'"'s VERP address: it counts' '
	bpt_config true &&
	as_nobody bpt-member add erik@dood.example --name "Erik" &&
	alert a2 &&
	if ! wait_for 60 bounced erik@dood.example 1; then show_state; exit 1; fi &&
	if ! wait_for 60 bounced dora@dood.example 2; then show_state; exit 1; fi &&
	tok=$(db "SELECT token FROM members WHERE email = '"'"'erik@dood.example'"'"'") &&
	grep -q "from=<bpt-bounces+$tok@bars.example>" "$MTA/maillog" &&
	test "$(db "SELECT verified, counted, why FROM bounces WHERE rcpt = '"'"'erik@dood.example'"'"'")" = \
	    "1|1|VERP token" &&
	test "$(db "SELECT verified, counted FROM bounces WHERE rcpt = '"'"'dora@dood.example'"'"' ORDER BY id DESC LIMIT 1")" = "1|0"
'

test_done

#!/bin/sh
# bpt-export --purge: retention.days after closing, exported incidents
# lose their texts, originals, attachments and addresses; what the
# year's figures need stays; unexported ones are listed to the admins;
# the store file keeps none of the bytes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/export-lib.sh"

IMG="$top_srcdir/tests/data/img/gps.jpg"
GNUPGHOME="$TRASH/gnupg"
export GNUPGHOME

test_expect_success 'a key and a group' '
	new_gnupghome "$GNUPGHOME" &&
	FPR=$(new_key "$GNUPGHOME" "BPT Testbuurt <bpt@bars.example>" ed25519 sign 1y) &&
	echo "$FPR" >fpr
'
FPR=$(cat fpr 2>/dev/null)

purge_config() { # purge_config [retention lines]
	write_config "police:
  address: dossier@politie.example
signing:
  key: $FPR
  gnupghome: $GNUPGHOME
${1:-}"
}
purge_config

# closed at 2026-11-01 12:00 UTC: 28 days later is 2026-11-29 12:00
CLOSED=2026-11-01T12:00:00Z
BEFORE=2026-11-29T11:59:00Z
AFTER=2026-11-29T12:01:00Z

test_expect_success 'three closed incidents: two exported (file, mail), one not' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role coordinator &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" --phone 0612345678 &&
	photo_mail piet@bewoners.example "Piet Bakker" "Scooter zonder licht" \
	    "<p1@x>" "Scooter met twee man, kenteken 12-ABC-3, Zwanenlaan." "$IMG" |
	    BPT_NOW=2026-11-01T10:00:00Z bpt-report &&
	printf "From: Jan de Vries <jan@bewoners.example>\nTo: bpt@bars.example\nSubject: Re: [BPT Testbuurt #1] x\nIn-Reply-To: <p1@x>\n\nAgent is onderweg naar de Zwanenlaan.\n" |
	    BPT_NOW=2026-11-01T10:05:00Z bpt-report &&
	printf "From: Piet Bakker <piet@bewoners.example>\nTo: bpt@bars.example\nSubject: Glasgerinkel\nMessage-ID: <p2@x>\n\nGlasgerinkel bij de Merelhof.\n" |
	    BPT_NOW=2026-11-01T11:00:00Z bpt-report &&
	printf "From: Piet Bakker <piet@bewoners.example>\nTo: bpt@bars.example\nSubject: Poging\nMessage-ID: <p3@x>\n\nIemand aan de deurklink bij de Spreeuwhof.\n" |
	    BPT_NOW=2026-11-01T11:30:00Z bpt-report &&
	for n in 1 2 3; do BPT_NOW=$CLOSED close_incident $n klaar || return 1; done &&
	BPT_NOW=2026-11-01T13:00:00Z bpt-export --as jan@bewoners.example -o one.eml 1 >/dev/null &&
	BPT_NOW=2026-11-01T13:00:00Z bpt-export --as jan@bewoners.example 3 >/dev/null &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM attachments")" = 1
'

test_expect_success 'one minute before the limit nothing goes' '
	BPT_NOW=$BEFORE bpt-export -n --purge >dry &&
	! grep . dry | grep -v "^#" &&
	BPT_NOW=$BEFORE bpt-export --purge >run &&
	! grep . run | grep -v "^#" &&
	test -z "$(sqlite3 "$STORE" "SELECT id FROM incidents WHERE purged_at IS NOT NULL")" &&
	grep -a -q "Zwanenlaan" "$STORE"
'

mails() { ls outbox/jan@bewoners.example/new | wc -l; }
body_of() { # the decoded text of a mail
	python3 - "$1" <<-\PY
	import sys, email, email.policy
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	print(m.get_body(preferencelist=("plain",)).get_content())
	PY
}

test_expect_success 'a dry run one minute after says what would go, and changes nothing' '
	n=$(mails) &&
	BPT_NOW=$AFTER bpt-export -n --purge >dry &&
	grep "^1 .*would purge" dry && grep "^3 .*would purge" dry &&
	grep "^2 .*kept (never exported)" dry &&
	test -z "$(sqlite3 "$STORE" "SELECT id FROM incidents WHERE purged_at IS NOT NULL")" &&
	test "$(mails)" = "$n"
'

copies() { sqlite3 "$STORE" "SELECT count(*) FROM deliveries d JOIN outbox o
    ON o.id = d.outbox_id WHERE o.incident_id IN (1, 3)"; }
test_expect_success 'one minute after: the exported incidents are purged' '
	n=$(mails) && copies >copies.before &&
	BPT_NOW=$AFTER bpt-export --purge >run &&
	grep "^1 .*purged" run && grep "^3 .*purged" run &&
	grep "^2 .*kept (never exported)" run &&
	test "$(sqlite3 "$STORE" "SELECT group_concat(id) FROM incidents WHERE purged_at IS NOT NULL")" = "1,3" &&
	test "$(mails)" = $((n + 1))
'

test_expect_success 'what the figures need stays: number, times, 112, counts, exports' '
	sqlite3 "$STORE" "SELECT id, opened_at > 0, closed_at, called_112,
	    (SELECT count(*) FROM messages m WHERE m.incident_id = i.id),
	    exported_at IS NOT NULL FROM incidents i WHERE id IN (1, 3)" >figures &&
	c=$(date -d $CLOSED +%s) &&
	printf "1|1|%s|unknown|2|1\n3|1|%s|unknown|1|1\n" "$c" "$c" >want &&
	test_cmp want figures &&
	test "$(copies)" = "$(cat copies.before)" && test "$(copies)" -gt 0 &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM exports WHERE incident_id IN (1, 3)
	    AND length(sha256) = 64 AND length(content) = 0")" = 2
'

test_expect_success 'what goes: texts, originals, attachments, addresses, subject, plates' '
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM messages WHERE incident_id IN (1, 3)
	    AND (length(raw) > 0 OR body IS NOT NULL OR from_addr IS NOT NULL
	    OR member_id IS NOT NULL)")" = 0 &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM attachments")" = 0 &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM outbox WHERE incident_id IN (1, 3)
	    AND length(content) > 0")" = 0 &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM deliveries d JOIN outbox o
	    ON o.id = d.outbox_id WHERE o.incident_id IN (1, 3) AND rcpt <> \"\"")" = 0 &&
	test "$(sqlite3 "$STORE" "SELECT subject || plates FROM incidents WHERE id = 1")" = ""
'

test_expect_success 'an audit row says what went' '
	sqlite3 "$STORE" "SELECT actor, detail FROM audit WHERE action = \"purge\"
	    AND incident_id = 1" >a &&
	grep "^cron|2 message(s) (.* bytes), 1 attachment(s), .* removed; exported 2026-11-01" a
'

test_expect_success 'the store file and its log keep none of the bytes' '
	for w in Zwanenlaan Spreeuwhof "12-ABC-3" "Scooter zonder" "Agent is onderweg"; do
		! cat "$STORE" "$STORE-wal" 2>/dev/null | grep -a -q "$w" || {
			echo "found $w"; return 1; }
	done &&
	python3 -c "
import base64
jpg = open(\"$IMG\", \"rb\").read()
line = base64.b64encode(jpg[57 * 20:57 * 21])   # one line of the base64 body
data = open(\"$STORE\", \"rb\").read()
try: data += open(\"$STORE-wal\", \"rb\").read()
except OSError: pass
assert jpg[1140:1400] not in data and line not in data
" &&
	cat "$STORE" "$STORE-wal" 2>/dev/null | grep -a -q "Merelhof"
'

test_expect_success 'the admins are told of the unexported one, in one mail per run' '
	f=$(ls -t outbox/jan@bewoners.example/new/* | head -n 1) &&
	grep "^Subject: .*Meldingen over de bewaartermijn" "$f" &&
	body_of "$f" >b &&
	grep "#2 .*Glasgerinkel" b && ! grep "#1 \|#3 " b &&
	grep "bpt-export NUMMER" b &&
	n=$(mails) &&
	BPT_NOW=2026-11-30T12:00:00Z bpt-export --purge >run2 &&
	grep "^2 .*kept" run2 && ! grep "^1 \|^3 " run2 &&
	test "$(mails)" = $((n + 1))
'

test_expect_success 'a purged incident cannot be exported any more' '
	bpt-export --as jan@bewoners.example -o p.eml 1 2>err;
	test $? = 66 && grep "was purged on 2026-11-29" err
'

test_expect_success 'retention.unexported: purge removes it too, and says so' '
	purge_config "retention:
  days: 28
  unexported: purge" &&
	n=$(mails) &&
	BPT_NOW=2026-11-30T12:00:00Z bpt-export --purge >run3 &&
	grep "^2 .*purged" run3 &&
	! cat "$STORE" "$STORE-wal" 2>/dev/null | grep -a -q Merelhof &&
	f=$(ls -t outbox/jan@bewoners.example/new/* | head -n 1) &&
	test "$(mails)" = $((n + 1)) &&
	body_of "$f" | grep "verwijderd zonder export" &&
	sqlite3 "$STORE" "SELECT detail FROM audit WHERE action = \"purge\" AND incident_id = 2" |
	    grep "never exported"
'

test_expect_success 'retention.days moves the limit' '
	purge_config "retention:
  days: 3" &&
	printf "From: Piet Bakker <piet@bewoners.example>\nTo: bpt@bars.example\nSubject: Nog een\nMessage-ID: <p4@x>\n\nKortlopend.\n" |
	    BPT_NOW=2026-12-01T10:00:00Z bpt-report &&
	BPT_NOW=2026-12-01T12:00:00Z close_incident 4 klaar &&
	BPT_NOW=2026-12-04T11:59:00Z bpt-export -n --purge >d1 && ! grep "^4 " d1 &&
	BPT_NOW=2026-12-04T12:01:00Z bpt-export -n --purge >d2 && grep "^4 .*kept" d2
'

test_done

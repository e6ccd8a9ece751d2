#!/bin/sh
# bpt-member export-data and forget: a member's right of access (AVG
# art. 15) and to erasure (art. 17).  export-data holds every row about
# the member and nothing about another; forget leaves no trace of their
# address, name or phone number in the store file or its log.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/export-lib.sh"

IMG="$top_srcdir/tests/data/img/gps.jpg"
GNUPGHOME="$TRASH/gnupg"
export GNUPGHOME

test_expect_success 'a key, a group, an incident Anna reported' '
	new_gnupghome "$GNUPGHOME" &&
	FPR=$(new_key "$GNUPGHOME" "BPT Testbuurt <bpt@bars.example>" ed25519 sign 1y) &&
	write_config "signing:
  key: $FPR
  gnupghome: $GNUPGHOME" &&
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role coordinator &&
	bpt-member add Anna.Zonneveld@Bewoners.Example --name "Anna Zonneveld" \
	    --phone "06 8765 4321" --consent 2026-1 &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" --phone 0612345678 &&
	bpt-member set anna.zonneveld@bewoners.example --name "Anna Zonneveld" --phone 0687654321 &&
	photo_mail anna.zonneveld@bewoners.example "Anna Zonneveld" "Man in tuin" \
	    "<a1@x>" "Man in de tuin van nummer 8. Bel me: 06-87654321." "$IMG" |
	    BPT_NOW=2026-11-28T20:00:00Z bpt-report &&
	cat >reply.eml <<-\EOF &&
	From: Piet Bakker <piet@bewoners.example>
	To: bpt@bars.example
	Subject: Re: [BPT Testbuurt #1] Man in tuin
	In-Reply-To: <a1@x>
	Message-ID: <p1@x>

	Ik zie hem ook, hij gaat naar achteren.

	Op 28 nov 2026 schreef Anna Zonneveld <anna.zonneveld@bewoners.example>:
	> Man in de tuin van nummer 8.
	EOF
	BPT_NOW=2026-11-28T20:02:00Z bpt-report <reply.eml &&
	printf "From: Jan de Vries <jan@bewoners.example>\nTo: bpt@bars.example\nSubject: Re: x\nIn-Reply-To: <a1@x>\n\nPolitie komt eraan.\n" |
	    BPT_NOW=2026-11-28T20:04:00Z bpt-report &&
	printf "From: Piet Bakker <piet@bewoners.example>\nTo: bpt@bars.example\nSubject: Ander ding\nMessage-ID: <p2@x>\n\nLos van Anna: een lege auto met lichten aan.\n" |
	    BPT_NOW=2026-11-29T09:00:00Z bpt-report &&
	ID=$(sqlite3 "$STORE" "SELECT id FROM members WHERE email LIKE \"anna%\"") &&
	echo "$ID" >id &&
	sqlite3 "$STORE" "INSERT INTO bounces(member_id, rcpt, at, status, permanent,
	    counted, diagnostic) VALUES ($ID, \"anna.zonneveld@bewoners.example\",
	    1796000000, \"5.2.2\", 1, 0, \"mailbox full\");
	    INSERT INTO notices(address, kind, last_at)
	    VALUES (\"anna.zonneveld@bewoners.example\", \"nonmember\", 1796000000)"
'
ID=$(cat id 2>/dev/null)

test_expect_success 'export-data is JSON a member reads without bpt' '
	bpt-member export-data ANNA.zonneveld@bewoners.example >data.json &&
	python3 -m json.tool data.json >/dev/null
'

count() { sqlite3 "$STORE" "$1"; }

test_expect_success '... with every row about her' '
	python3 - data.json "$ID" \
	    "$(count "SELECT count(*) FROM audit WHERE member_id = $ID")" \
	    "$(count "SELECT count(*) FROM messages WHERE member_id = $ID")" \
	    "$(count "SELECT count(*) FROM deliveries WHERE member_id = $ID")" \
	    "$(count "SELECT count(*) FROM bounces WHERE member_id = $ID")" \
	    "$(count "SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.member_id = $ID")" <<-\PY
	import sys, json, base64, hashlib
	d = json.load(open(sys.argv[1]))
	want = dict(zip(["audit", "messages", "deliveries", "bounces", "attachments"],
	                map(int, sys.argv[3:8])))
	for k, n in want.items():
	    assert len(d[k]) == n and n > 0, (k, len(d[k]), n)
	assert d["id"] == int(sys.argv[2])
	assert d["email"].lower() == "anna.zonneveld@bewoners.example"
	assert d["name"] == "Anna Zonneveld" and d["phone"] == "+31687654321"
	assert d["consent_version"] == "2026-1" and d["consent_at"]
	assert [i["number"] for i in d["incidents"]] == [1] and d["incidents"][0]["reported"]
	assert [n["kind"] for n in d["notices"]] == ["nonmember"]
	m = d["messages"][0]
	raw = base64.b64decode(m["original_base64"])
	assert hashlib.sha256(raw).hexdigest() == m["sha256"]
	assert "Man in de tuin" in m["text"]
	assert "token" not in json.dumps(d)
	PY
'

test_expect_success '... and nothing about another member' '
	! grep -i "piet\|bakker\|jan@\|jan de vries\|0612345678\|+31612345678\|lege auto" data.json
'

test_expect_failure_code 66 'export-data of nobody' '
	bpt-member export-data nobody@bewoners.example
'

test_expect_failure_code 65 'forget is refused while an incident she reported is open' '
	bpt-member forget anna.zonneveld@bewoners.example 2>err
'
test_expect_success '... saying which, and changing nothing' '
	grep "reported incident #1, which is still open" err &&
	bpt-member show anna.zonneveld@bewoners.example >/dev/null
'

test_expect_success 'closed and exported, then forgotten' '
	close_incident 1 klaar &&
	bpt-export --as jan@bewoners.example -o before.eml 1 >/dev/null &&
	bpt-member -n forget anna.zonneveld@bewoners.example >dry &&
	grep "^dry_run  *yes" dry &&
	bpt-member show anna.zonneveld@bewoners.example >/dev/null &&
	bpt-member forget anna.zonneveld@bewoners.example >out &&
	grep "^messages_blanked  *1" out
'

test_expect_failure_code 66 'she is no member any more' '
	bpt-member show anna.zonneveld@bewoners.example
'

test_expect_success 'no trace of her address, name or phone in the store file or its log' '
	for w in anna.zonneveld@bewoners.example "Anna Zonneveld" Zonneveld \
	    +31687654321 0687654321 06-87654321 "06 8765 4321"; do
		! cat "$STORE" "$STORE-wal" 2>/dev/null | grep -a -i -q -- "$w" || {
			echo "found $w"; return 1; }
	done
'

test_expect_success 'her messages keep a marker, the incident its shape and chain' '
	test "$(sqlite3 "$STORE" "SELECT erased || \"|\" || body FROM messages WHERE id = 1")" = \
	    "forgotten|[bericht verwijderd op verzoek van de schrijver]" &&
	test "$(sqlite3 "$STORE" "SELECT erased FROM messages WHERE id = 2")" = redacted &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM messages WHERE incident_id = 1")" = 3 &&
	test "$(sqlite3 "$STORE" "SELECT reporter_id IS NULL FROM incidents WHERE id = 1")" = 1 &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM exports WHERE incident_id = 1")" = 1
'

test_expect_success 'others keep their data' '
	bpt-member show piet@bewoners.example | grep "+31612345678" &&
	sqlite3 "$STORE" "SELECT body FROM messages WHERE id = 4" | grep "lege auto" &&
	sqlite3 "$STORE" "SELECT body FROM messages WHERE id = 3" | grep "Politie komt eraan"
'

test_expect_success 'one audit row records it, without personal data' '
	sqlite3 "$STORE" "SELECT member_id, coalesce(member_email, \"-\"), detail
	    FROM audit WHERE action = \"forget\"" >a &&
	grep "^$ID|-|member #$ID forgotten: 1 message(s) blanked" a
'

test_expect_success 'a transcript made after it still verifies, saying what was erased' '
	bpt-export --as jan@bewoners.example -o after.eml 1 >/dev/null &&
	bpt-export --verify after.eml >v &&
	grep "^originals_checked  *1" v && grep "^originals_erased  *2" v &&
	grep "^result  *ok" v &&
	! grep -a -i -q "zonneveld" after.eml &&
	python3 - after.eml >text <<-\PY &&
	import sys, email, email.policy
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	print(m.get_payload()[0].get_payload()[0].get_content())
	PY
	grep "^Melder:  *niet meer bekend" text &&
	grep "^Origineel:  *verwijderd op verzoek van de schrijver" text &&
	grep "^Origineel:  *niet bijgevoegd" text
'

test_done

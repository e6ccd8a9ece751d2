#!/bin/sh
# bpt-export: the signed transcript of an incident for the police file,
# checked with real gpg and a second MIME parser, mailed through the
# outbox, and --verify against changed originals.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/export-lib.sh"

MIMETREE="$top_builddir/tests/mimetree"
IMG="$top_srcdir/tests/data/img/gps.jpg"
GNUPGHOME="$TRASH/gnupg"
POLICE="$TRASH/police-gnupg"
export GNUPGHOME

test_expect_success 'throwaway keys: the coordinator, the police, an expired one' '
	new_gnupghome "$GNUPGHOME" && new_gnupghome "$POLICE" &&
	FPR=$(new_key "$GNUPGHOME" "BPT Testbuurt <bpt@bars.example>" ed25519 sign 1y) &&
	test -n "$FPR" && echo "$FPR" >fpr &&
	OLD=$(new_key "$GNUPGHOME" "Old Key <old@bars.example>" ed25519 sign 2d \
	    --faked-system-time 20200101T000000) &&
	test -n "$OLD" && echo "$OLD" >old &&
	PFPR=$(new_key "$POLICE" "Politie Dossier <dossier@politie.example>" \
	    future-default default 1y) &&
	test -n "$PFPR" && echo "$PFPR" >pfpr &&
	copy_pubkey "$POLICE" "$GNUPGHOME" "$PFPR" &&
	copy_pubkey "$GNUPGHOME" "$POLICE" "$FPR"
'
FPR=$(cat fpr 2>/dev/null)
OLD=$(cat old 2>/dev/null)
PFPR=$(cat pfpr 2>/dev/null)

export_config() { # export_config [extra police lines]
	write_config "police:
  address: dossier@politie.example
${1:-}
signing:
  key: ${2:-$FPR}
  gnupghome: $GNUPGHOME"
}
export_config

exports() { sqlite3 "$STORE" "SELECT count(*) FROM exports"; }

test_expect_success 'a group with an incident: alert with a photo, replies' '
	bpt-member add --no-welcome jan@bewoners.example --name "Jan de Vries" --phone 06-12345678 \
	    --role coordinator &&
	bpt-member add --no-welcome piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add --no-welcome anna@bewoners.example --name "Anna Jansen" &&
	photo_mail jan@bewoners.example "Jan de Vries" \
	    "Verdachte man bij de school" "<alert-1@bewoners.example>" \
	    "Man met rode jas bij de school. Ik heb 112 gebeld.
Kenteken 12-ABC-3." "$IMG" >m1.eml &&
	BPT_NOW=2026-11-28T20:03:00Z bpt-report <m1.eml &&
	cat >m2.eml <<-\EOF &&
	From: Piet Bakker <piet@bewoners.example>
	To: bpt@bars.example
	Subject: Re: [BPT Testbuurt #1] Verdachte man bij de school
	In-Reply-To: <alert-1@bewoners.example>
	Message-ID: <reply-1@bewoners.example>

	Hij loopt nu richting de kerk.
	From where I stand he has a bag.

	Op 28 nov schreef Jan de Vries:
	> Man met rode jas bij de school.
	EOF
	BPT_NOW=2026-11-28T20:05:00Z bpt-report <m2.eml &&
	printf "From: Anna Jansen <anna@bewoners.example>\r\nTo: bpt@bars.example\r\nSubject: Re: [BPT Testbuurt #1] x\r\nMessage-ID: <reply-2@bewoners.example>\r\n\r\nPolitie is er.\r\n" >m3.eml &&
	BPT_NOW=2026-11-28T20:20:00Z bpt-report <m3.eml &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM messages WHERE incident_id = 1")" = 3
'

test_expect_failure_code 65 'an open incident is refused' '
	bpt-export --as jan@bewoners.example -o open.eml 1 2>err
'
test_expect_success '... saying so, with nothing written or recorded' '
	grep "still open" err && test ! -e open.eml && test "$(exports)" = 0
'

test_expect_failure_code 77 'only an admin or coordinator may export' '
	close_incident 1 "dader weg" &&
	bpt-export --as piet@bewoners.example -o x.eml 1
'
test_expect_failure_code 77 '... and without --as nobody is known' '
	bpt-export -o x.eml 1
'
test_expect_failure_code 66 'no such incident' '
	bpt-export --as jan@bewoners.example -o x.eml 9
'

test_expect_success 'bpt-export -o FILE writes the signed transcript and records it' '
	bpt-export --as jan@bewoners.example -o t1.eml 1 >out &&
	grep "^signer  *$FPR" out &&
	test "$(exports)" = 1 &&
	sha=$(sha256sum <t1.eml | cut -d" " -f1) &&
	test "$(sqlite3 "$STORE" "SELECT sha256 || signer || created_by FROM exports")" = \
	    "$sha${FPR}jan@bewoners.example" &&
	test -n "$(sqlite3 "$STORE" "SELECT exported_at FROM incidents WHERE id = 1")"
'

test_expect_success 'PGP/MIME as RFC 3156 has it: multipart/signed, sha256, protocol' '
	head -n 20 t1.eml >head &&
	grep "^Content-Type: multipart/signed; micalg=pgp-sha256;" head &&
	grep "protocol=\"application/pgp-signature\"" head &&
	! grep -q "$(printf "[^\r]$")" t1.eml
'

test_expect_success 'gpg --verify holds over the signed part as Python extracts it' '
	split_signed t1.eml signed.bin sig.asc &&
	gpg --batch --verify sig.asc signed.bin 2>gpg.out &&
	grep "Good signature" gpg.out
'

test_expect_success 'libetpan and Python read the same parts' '
	"$MIMETREE" t1.eml >parts.etpan &&
	py_parts t1.eml >parts.py &&
	test_cmp parts.py parts.etpan &&
	cut -f2 parts.py >types &&
	printf "%s\n" multipart/signed multipart/mixed text/plain application/mbox \
	    image/jpeg application/json text/plain application/pgp-signature >want &&
	test_cmp want types
'

test_expect_success 'the text: summary and messages, in Dutch, the offset written out' '
	python3 - t1.eml >text <<-\PY &&
	import sys, email, email.policy
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	print(m.get_payload()[0].get_payload()[0].get_content())
	PY
	grep "^Melder:  *Jan de Vries" text &&
	grep "^Telefoon melder:  *+31612345678 (06-12345678)" text &&
	grep "^112 gebeld:  *ja, door Jan de Vries om 2026-11-28T21:03:00+01:00" text &&
	grep "^Kentekens:  *12-ABC-3" text &&
	grep "^Berichten:  *3$" text &&
	grep "^Deelnemers:  *3$" text &&
	grep "^Gesloten door:  *jan@bewoners.example" text &&
	grep "^Reden:  *dader weg" text &&
	grep "^Bericht 2 van 3, ontvangen 2026-11-28T21:05:00+01:00" text &&
	grep "^Van:  *Piet Bakker <piet@bewoners.example>" text &&
	grep "^From where I stand he has a bag." text &&
	grep "geciteerde tekst weggelaten" text &&
	! grep "> Man met rode jas" text &&
	grep "^- gps.jpg (image/jpeg, [0-9]* bytes), SHA-256:" text &&
	! awk "length > 72" text | grep .
'

test_expect_success 'the originals are enclosed byte for byte, the photo with its metadata' '
	python3 - t1.eml m1.eml m2.eml m3.eml "$IMG" <<-\PY
	import sys, email, email.policy
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
	parts = m.get_payload()[0].get_payload()
	box = [p for p in parts if p.get_content_type() == "application/mbox"][0].get_payload(decode=True)
	msgs, cur = [], None
	for line in box.splitlines(keepends=True):
	    if line.startswith(b"From "):
	        if cur is not None: msgs.append(cur)
	        cur = b""
	        continue
	    if line.lstrip(b">").startswith(b"From ") and line.startswith(b">"):
	        line = line[1:]
	    cur += line
	msgs.append(cur)
	msgs = [x[:-1] for x in msgs]       # the separator mbox adds
	want = [open(f, "rb").read() for f in sys.argv[2:5]]
	assert msgs == want, "originals differ"
	photo = [p for p in parts if p.get_content_type() == "image/jpeg"][0]
	assert photo.get_payload(decode=True) == open(sys.argv[5], "rb").read()
	PY
'

test_expect_success 'the JSON part has the same data' '
	python3 - t1.eml <<-\PY
	import sys, json, email, email.policy, hashlib
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
	parts = m.get_payload()[0].get_payload()
	j = json.loads([p for p in parts if p.get_content_type() == "application/json"][0].get_payload(decode=True))
	assert j["format_version"] == 1 and j["transcript_version"] == 1
	assert j["incident"] == 1 and j["message_count"] == 3, j
	assert j["reporter_phone"] == "+31612345678"
	assert j["called_112"] == "yes" and j["called_112_by"] == "Jan de Vries"
	assert [x["author_email"] for x in j["messages"]] == [
	    "jan@bewoners.example", "piet@bewoners.example", "anna@bewoners.example"]
	assert j["messages"][1]["folded"] is True
	assert j["chain_head"] == j["messages"][-1]["chain_hash"]
	a = j["attachments"][0]
	assert a["filename"] == "gps.jpg" and a["part"].endswith("-foto-1.jpg"), a
	PY
'

test_expect_success 'bpt-export --verify: signature, every original, the chain' '
	bpt-export --verify t1.eml >v.out &&
	grep "^signature  *good" v.out &&
	grep "^signer  *$FPR" v.out &&
	grep "^originals_checked  *3" v.out &&
	grep "^photos_checked  *1" v.out &&
	grep "^result  *ok" v.out
'

test_expect_success '... also from standard input, without any configuration' '
	env -u BPT_CONFIG bpt-export --verify <t1.eml >v2.out &&
	grep "^result  *ok" v2.out
'

for n in 1 2 3; do
	test_expect_failure_code 65 "one byte of original $n changed (and signed again): refused" "
		tamper t1.eml flip$n.eml $FPR flip $n &&
		bpt-export --verify flip$n.eml 2>err$n
	"
	test_expect_success "... naming message $n" "
		grep 'message $n: its original has SHA-256' err$n
	"
done

test_expect_failure_code 65 'two originals swapped (and signed again): refused' '
	tamper t1.eml swap.eml "$FPR" swap &&
	bpt-export --verify swap.eml 2>errs
'
test_expect_success '... naming the first one out of place' '
	grep "message 1: its original has SHA-256" errs
'

test_expect_failure_code 65 'a changed original without a new signature: the signature fails' '
	python3 -c "
import sys
d = open(\"t1.eml\", \"rb\").read()
i = d.index(b\"application/mbox\")
j = d.index(b\"\\r\\n\\r\\n\", i) + 10
d = d[:j] + (b\"B\" if d[j:j+1] != b\"B\" else b\"C\") + d[j+1:]
open(\"bad.eml\", \"wb\").write(d)
" &&
	bpt-export --verify bad.eml 2>errb
'
test_expect_success '... saying so' '
	grep "signature: the signature does not match" errb
'

test_expect_success 'an mbox form verifies too' '
	bpt-export --as jan@bewoners.example --format mbox -o t1.mbox 1 >/dev/null &&
	head -c 5 t1.mbox | grep "^From " &&
	bpt-export --verify t1.mbox >vm.out && grep "^result  *ok" vm.out
'

test_expect_success 'text and json forms are written, recorded, and are no export' '
	sqlite3 "$STORE" "UPDATE incidents SET exported_at = NULL" &&
	bpt-export --as jan@bewoners.example --format text -o t1.txt 1 >/dev/null &&
	bpt-export --as jan@bewoners.example --format json -o - 1 >t1.json &&
	grep "^VERSLAG VAN MELDING #1" t1.txt &&
	python3 -c "import json; j = json.load(open(\"t1.json\")); assert j[\"incident\"] == 1" &&
	test "$(sqlite3 "$STORE" "SELECT group_concat(format) FROM exports WHERE signer IS NULL")" = "text,json" &&
	test -z "$(sqlite3 "$STORE" "SELECT exported_at FROM incidents WHERE id = 1")"
'

test_expect_failure_code 64 'only eml is mailed' '
	bpt-export --as jan@bewoners.example --format json 1
'

test_expect_success 'encrypted to the police key: gpg --decrypt, and verified inside' '
	export_config "  encrypt_to: $PFPR" &&
	bpt-export --as jan@bewoners.example -o enc.eml 1 >out &&
	grep "^encrypted_to  *$PFPR" out &&
	grep "^Content-Type: multipart/encrypted;" enc.eml &&
	grep "protocol=\"application/pgp-encrypted\"" enc.eml &&
	! grep -q "Man met rode jas" enc.eml &&
	python3 -c "
import email, email.policy
m = email.message_from_binary_file(open(\"enc.eml\", \"rb\"), policy=email.policy.compat32)
ctl, data = m.get_payload()
assert ctl.get_content_type() == \"application/pgp-encrypted\"
assert b\"Version: 1\" in ctl.get_payload(decode=True)
open(\"cipher.asc\", \"wb\").write(data.get_payload(decode=True))
" &&
	GNUPGHOME="$POLICE" gpg --batch --decrypt cipher.asc >inner.eml 2>/dev/null &&
	head -n 1 inner.eml | grep "^Content-Type: multipart/signed" &&
	split_signed inner.eml isigned.bin isig.asc &&
	GNUPGHOME="$POLICE" gpg --batch --verify isig.asc isigned.bin 2>igpg.out &&
	grep "Good signature" igpg.out &&
	GNUPGHOME="$POLICE" bpt-export --verify enc.eml >ve.out &&
	grep "^encrypted  *yes" ve.out && grep "^result  *ok" ve.out
'

test_expect_failure_code 78 'an expired signing key stops the export' '
	export_config "" "$OLD" &&
	before=$(exports) && echo "$before" >before &&
	bpt-export --as jan@bewoners.example -o exp.eml 1 2>err
'
test_expect_success '... in one line naming the key, with nothing written or recorded' '
	test "$(wc -l <err)" = 1 &&
	grep "signing.key $OLD expired on 2020-01-03" err &&
	test ! -e exp.eml &&
	test "$(exports)" = "$(cat before)"
'

test_expect_failure_code 78 'a key that is not there stops it too' '
	export_config "" 0123456789ABCDEF0123456789ABCDEF01234567 &&
	bpt-export --as jan@bewoners.example 1 2>err
'
test_expect_success '... naming it, and nothing is queued' '
	grep "signing.key 0123456789ABCDEF0123456789ABCDEF01234567 is not in" err &&
	test -z "$(sqlite3 "$STORE" "SELECT id FROM outbox WHERE kind = \"export\"")"
'

test_expect_failure_code 78 'an unusable police key stops it as well' '
	export_config "  encrypt_to: 0123456789ABCDEF0123456789ABCDEF01234567" &&
	bpt-export --as jan@bewoners.example -o x.eml 1 2>err
'
test_expect_success '... naming that key' '
	grep "police.encrypt_to 0123456789ABCDEF0123456789ABCDEF01234567 is not in" err &&
	test ! -e x.eml
'

test_expect_success 'mailed: through the outbox to the police address, and recorded' '
	export_config &&
	bpt-export --as jan@bewoners.example 1 >out &&
	grep "^sent  *1" out &&
	f=$(ls outbox/dossier@politie.example/new/*) &&
	test "$(echo "$f" | wc -l)" = 1 &&
	grep "^To: <dossier@politie.example>" "$f" &&
	sed 1d "$f" | sed "s/\$/\r/" | sha256sum | cut -d" " -f1 >got &&
	sqlite3 "$STORE" "SELECT e.sha256 FROM exports e JOIN outbox o ON o.id = e.outbox_id" >want &&
	test_cmp want got &&
	bpt-export --verify "$f" >vo.out && grep "^result  *ok" vo.out
'

test_expect_success 'bpt-report show lists every export, the mail with its delivery' '
	bpt-report --format json show 1 >show.json &&
	n=$(sqlite3 "$STORE" "SELECT count(*) FROM exports WHERE incident_id = 1") &&
	python3 -c "
import json
e = json.load(open(\"show.json\"))[\"exports\"]
assert len(e) == $n and $n >= 6, len(e)
assert e[-1][\"to\"] == \"dossier@politie.example\" and e[-1][\"delivery\"] == \"sent\"
assert e[0][\"signer\"] and e[0][\"by\"] == \"jan@bewoners.example\"
"
'

test_expect_success 'exporting again makes a new record' '
	n=$(exports) &&
	bpt-export --as jan@bewoners.example -o again.eml 1 >/dev/null &&
	test "$(exports)" = $((n + 1))
'

test_expect_success '--pending: closed and quiet for police.export_after, never exported' '
	printf "From: Anna Jansen <anna@bewoners.example>\nTo: bpt@bars.example\nSubject: Inbraak\nMessage-ID: <b1@x>\n\nGlasgerinkel.\n" |
	    BPT_NOW=2026-12-01T10:00:00Z bpt-report &&
	printf "From: Piet Bakker <piet@bewoners.example>\nTo: bpt@bars.example\nSubject: Fietsen\nMessage-ID: <c1@x>\n\nIemand bij de fietsen.\n" |
	    BPT_NOW=2026-12-01T10:00:00Z bpt-report &&
	BPT_NOW=2026-12-01T10:30:00Z close_incident 2 klaar &&
	BPT_NOW=2026-12-01T11:20:00Z close_incident 3 klaar &&
	BPT_NOW=2026-12-01T11:40:00Z bpt-export -n --pending >dry &&
	grep "^2  *would export" dry && ! grep "^3 " dry && ! grep "^1 " dry &&
	test -z "$(sqlite3 "$STORE" "SELECT exported_at FROM incidents WHERE id = 2")" &&
	BPT_NOW=2026-12-01T11:40:00Z bpt-export --pending >pend &&
	grep "^2  *exported" pend && ! grep "^3 " pend &&
	test "$(sqlite3 "$STORE" "SELECT created_by FROM exports WHERE incident_id = 2")" = cron &&
	BPT_NOW=2026-12-01T12:30:00Z bpt-export --pending >pend2 &&
	grep "^3  *exported" pend2 && ! grep "^2 " pend2
'

test_expect_success 'a key whose hash is not sha256: the header says the one gpg chose' '
	export_config &&
	echo "digest-algo SHA512" >>"$GNUPGHOME/gpg.conf" &&
	bpt-export --as jan@bewoners.example -o d512.eml 1 >/dev/null &&
	bpt-export --as jan@bewoners.example -o - 1 >d512-stdout.eml &&
	sed -i "/^digest-algo SHA512$/d" "$GNUPGHOME/gpg.conf" &&
	for f in d512.eml d512-stdout.eml; do
		head -n 20 "$f" >head &&
		grep "^Content-Type: multipart/signed; micalg=pgp-sha512;" head &&
		split_signed "$f" s512.bin s512.asc &&
		gpg --batch --verify s512.asc s512.bin 2>g512.out &&
		grep "Good signature" g512.out &&
		bpt-export --verify "$f" >v512.out && grep "^result  *ok" v512.out ||
		return 1
	done
'

test_expect_success 'English with group.language: en' '
	export_config &&
	sed -i "s/^  address: bpt@bars.example/&\n  language: en/" bpt.yaml &&
	bpt-export --as jan@bewoners.example --format text -o en.txt 1 >/dev/null &&
	grep "^TRANSCRIPT OF ALERT #1" en.txt &&
	grep "^Reporter phone:  *+31612345678" en.txt &&
	bpt-export --as jan@bewoners.example -o en.eml 1 >/dev/null &&
	grep "incident-1-originals.mbox" en.eml
'

test_done

#!/bin/sh
# Admin commands signed with OpenPGP (policy.admin_auth: pgp), with
# real gpg and throwaway keys: a correctly signed "sluiten" closes the
# incident, PGP/MIME or clear-signed; no signature, an unregistered
# key, an expired key, a changed text and a replay change nothing, and
# the real admin is told at the registered address; a command outside
# the signed part is not read, and the admin is told.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/request-lib.sh"
. "$top_srcdir/tests/export-lib.sh"

G="$TRASH/gnupg"
write_config "signing:
  gnupghome: $G
policy:
  admin_auth: pgp"

# signed HOME FPR FROM TEXT [OUTSIDE]: a PGP/MIME mail whose signed part
# holds TEXT; with OUTSIDE, wrapped in multipart/mixed beside a plain
# part holding OUTSIDE
signed() {
	# the CRLF before the boundary belongs to the boundary (RFC 2046)
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s' "$4" >"$TRASH/part"
	GNUPGHOME=$1 gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
	    ${FAKETIME:+--faked-system-time "$FAKETIME"} \
	    -u "$2" --armor --detach-sign -o - "$TRASH/part" >"$TRASH/sig" 2>/dev/null || return 1
	printf 'From: %s\nTo: bpt-request@bars.example\nSubject: opdracht\nMessage-ID: <%s@x>\nMIME-Version: 1.0\n' "$3" "$(date +%s%N)"
	if [ -n "${5:-}" ]; then
		printf 'Content-Type: multipart/mixed; boundary="out"\n\n--out\nContent-Type: text/plain\n\n%s\n--out\n' "$5"
	fi
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="b1"\n\n'
	printf -- '--b1\n'; tr -d '\r' <"$TRASH/part"; echo
	printf -- '--b1\nContent-Type: application/pgp-signature; name="signature.asc"\n\n'
	cat "$TRASH/sig"
	printf -- '--b1--\n'
	[ -z "${5:-}" ] || printf -- '--out--\n'
}
send() { bpt-report -v -f "$1" -r bpt-request@bars.example <"$2" 2>err; }

test_expect_success 'set up: keys, members, an incident' '
	new_gnupghome "$G" && new_gnupghome "$TRASH/jan" && new_gnupghome "$TRASH/eve" &&
	new_gnupghome "$TRASH/anna" &&
	JAN=$(new_key "$TRASH/jan" "Jan <jan@bewoners.example>" ed25519 sign 1y) &&
	EVE=$(new_key "$TRASH/eve" "Jan <jan@bewoners.example>" ed25519 sign 1y) &&
	ANNA=$(new_key "$TRASH/anna" "Anna <anna@bewoners.example>" ed25519 sign 1d \
	    --faked-system-time 20200101T000000) &&
	for k in "jan $JAN" "eve $EVE" "anna $ANNA"; do
		set -- $k
		copy_pubkey "$TRASH/$1" "$G" "$2" &&
		echo "$2:6:" | GNUPGHOME=$G gpg --batch --quiet --import-ownertrust 2>/dev/null || return 1
	done &&
	echo "$JAN" >jan.fpr && echo "$EVE" >eve.fpr && echo "$ANNA" >anna.fpr &&
	bpt-member add --no-welcome jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add --no-welcome anna@bewoners.example --name "Anna Jansen" --role admin &&
	bpt-member add --no-welcome piet@bewoners.example --name "Piet Bakker" &&
	bpt-member set jan@bewoners.example --key "$JAN" >/dev/null &&
	bpt-member set anna@bewoners.example --key "$ANNA" >/dev/null &&
	bpt-member show jan@bewoners.example --format json | grep -q "\"key\": *\"$JAN\"" &&
	for s in fiets auto; do
		printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s@x>\n\nverdacht\n" $s $s |
			bpt-report || return 1
	done
'

test_expect_success 'a correctly signed sluiten closes the incident' '
	signed "$TRASH/jan" "$(cat jan.fpr)" jan@bewoners.example "sluiten 1 dader weg" >good.eml &&
	send jan@bewoners.example good.eml &&
	test "$(inc 1)" = closed &&
	test "$(sqlite3 "$STORE" "SELECT closed_by FROM incidents WHERE id = 1")" = jan@bewoners.example &&
	grep -rql "#1: close" "$TRASH/outbox/jan@bewoners.example/new"
'

test_expect_success 'the same signed mail again: a replay, refused' '
	bpt-close --reopen 1 --as jan@bewoners.example >/dev/null &&
	n=$(copies jan@bewoners.example) &&
	sed "s/^Message-ID: .*/Message-ID: <again@x>/" good.eml >again.eml &&
	send jan@bewoners.example again.eml &&
	grep -q "replay" err &&
	test "$(inc 1)" = open &&
	grep -rl "niet uitgevoerd" "$TRASH/outbox/jan@bewoners.example/new" >/dev/null
'

test_expect_success 'a signature older than a day: refused' '
	signed "$TRASH/jan" "$(cat jan.fpr)" jan@bewoners.example "sluiten 2" >old.eml &&
	clock_advance 90000 &&
	send jan@bewoners.example old.eml &&
	grep -q "older than a day" err &&
	test "$(inc 2)" = open
'

test_expect_success 'a forged From without a signature: nothing, the real admin told' '
	printf "From: jan@bewoners.example\nTo: bpt-request@bars.example\nSubject: opdracht\nMessage-ID: <nosig@x>\n\nsluiten 2\n" >nosig.eml &&
	send forger@elders.example nosig.eml &&
	grep -q "not signed" err &&
	test "$(inc 2)" = open &&
	test "$(copies forger@elders.example)" = 0 &&
	grep -q "niet uitgevoerd" "$(newest jan@bewoners.example)" &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM messages WHERE message_id = '"'"'nosig@x'"'"'")" = 1
'

test_expect_success 'signed by a key that is not registered (its uid says Jan): nothing' '
	unset BPT_NOW; rm -f "$TRASH/clock" &&
	signed "$TRASH/eve" "$(cat eve.fpr)" jan@bewoners.example "sluiten 2" >eve.eml &&
	send jan@bewoners.example eve.eml &&
	grep -q "not registered" err &&
	test "$(inc 2)" = open &&
	grep -q "niet uitgevoerd" "$(newest jan@bewoners.example)"
'

test_expect_success 'signed by an expired key: nothing' '
	FAKETIME=20200101T120000 signed "$TRASH/anna" "$(cat anna.fpr)" anna@bewoners.example "sluiten 2" >exp.eml &&
	send anna@bewoners.example exp.eml &&
	grep -q "expired key" err &&
	test "$(inc 2)" = open &&
	grep -q "niet uitgevoerd" "$(newest anna@bewoners.example)"
'

test_expect_success 'a command outside the signed part is not read, and the admin is told' '
	signed "$TRASH/jan" "$(cat jan.fpr)" jan@bewoners.example "lid piet@bewoners.example" "sluiten 2" >outside.eml &&
	send jan@bewoners.example outside.eml &&
	grep -q "outside the signed part not read" err &&
	test "$(inc 2)" = open &&
	f=$(result jan@bewoners.example) &&
	grep -q "buiten het ondertekende deel" "$f" &&
	grep -q "piet@bewoners.example: Piet Bakker" "$f" &&
	! grep -q "sluiten 2" "$f"
'

# clear FPR FROM TEXT [BEFORE]: a clear-signed text/plain mail by Jan's
# home, with BEFORE as unsigned text above the signed block
clear() {
	printf '%b\n' "$3" >"$TRASH/plain" &&
	GNUPGHOME=$TRASH/jan gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
	    -u "$1" --yes --clearsign -o "$TRASH/plain.asc" "$TRASH/plain" 2>/dev/null || return 1
	printf 'From: %s\nTo: bpt-request@bars.example\nSubject: opdracht\nMessage-ID: <%s@x>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n' "$2" "$(date +%s%N)"
	[ -z "${4:-}" ] || printf '%s\n\n' "$4"
	cat "$TRASH/plain.asc"
}

test_expect_success 'a clear-signed sluiten closes the incident' '
	printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: scooter\nMessage-ID: <scooter@x>\n\nverdacht\n" | bpt-report &&
	clear "$(cat jan.fpr)" jan@bewoners.example "sluiten 3 weggereden" >clear.eml &&
	send jan@bewoners.example clear.eml &&
	test "$(inc 3)" = closed &&
	f=$(result jan@bewoners.example) &&
	grep -q "#3: close" "$f" &&
	! grep -q "buiten het ondertekende deel" "$f" &&
	! grep -q "onbekende opdracht" "$f"
'

test_expect_success 'the same clear-signed text again: a replay, refused' '
	bpt-close --reopen 3 --as jan@bewoners.example >/dev/null &&
	sed "s/^Message-ID: .*/Message-ID: <clear-again@x>/" clear.eml >clear-again.eml &&
	send jan@bewoners.example clear-again.eml &&
	grep -q "replay" err &&
	test "$(inc 3)" = open
'

test_expect_success 'a clear-signed text changed after signing: nothing runs' '
	clear "$(cat jan.fpr)" jan@bewoners.example "heropenen 1" | sed "s/^heropenen 1/sluiten 3/" >changed.eml &&
	grep -q "^sluiten 3" changed.eml &&
	send jan@bewoners.example changed.eml &&
	grep -q "bad signature" err &&
	test "$(inc 3)" = open &&
	grep -q "niet uitgevoerd" "$(newest jan@bewoners.example)"
'

test_expect_success 'unsigned text above a clear-signed block is not read' '
	clear "$(cat jan.fpr)" jan@bewoners.example "lid piet@bewoners.example" "sluiten 3" >above.eml &&
	send jan@bewoners.example above.eml &&
	test "$(inc 3)" = open &&
	f=$(result jan@bewoners.example) &&
	grep -q "buiten het ondertekende deel" "$f" &&
	grep -q "piet@bewoners.example: Piet Bakker" "$f"
'

test_expect_success 'clear-signed in multipart/alternative beside its HTML: runs, nothing reported' '
	clear "$(cat jan.fpr)" jan@bewoners.example "sluiten 3" >/dev/null &&
	{
		printf "From: jan@bewoners.example\nTo: bpt-request@bars.example\nSubject: opdracht\nMessage-ID: <alt@x>\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"a\"\n\n--a\nContent-Type: text/plain; charset=utf-8\n\n" &&
		cat "$TRASH/plain.asc" &&
		printf -- "--a\nContent-Type: text/html; charset=utf-8\n\n<p>sluiten 3</p>\n--a--\n"
	} >alt.eml &&
	send jan@bewoners.example alt.eml &&
	test "$(inc 3)" = closed &&
	! grep -q "buiten het ondertekende deel" "$(result jan@bewoners.example)"
'

test_expect_success 'clear-signed in a mail without MIME headers: runs' '
	clear "$(cat jan.fpr)" jan@bewoners.example "heropenen 3" |
		sed "/^MIME-Version:/d; /^Content-Type:/d" >bare.eml &&
	! grep -qi "^content-type" bare.eml &&
	send jan@bewoners.example bare.eml &&
	test "$(inc 3)" = open &&
	bpt-close --as jan@bewoners.example 3 >/dev/null &&
	test "$(inc 3)" = closed
'

test_expect_success 'signed by a key revoked since: nothing, the admin told' '
	new_gnupghome "$TRASH/els" &&
	ELS=$(new_key "$TRASH/els" "Els <els@bewoners.example>" ed25519 sign 1y) &&
	copy_pubkey "$TRASH/els" "$G" "$ELS" &&
	echo "$ELS:6:" | GNUPGHOME=$G gpg --batch --quiet --import-ownertrust 2>/dev/null &&
	bpt-member add --no-welcome els@bewoners.example --name "Els van Dam" --role admin &&
	bpt-member set els@bewoners.example --key "$ELS" >/dev/null &&
	sed "s/^:-----/-----/" "$TRASH/els/openpgp-revocs.d/$ELS.rev" >revoke.asc &&
	GNUPGHOME=$G gpg --batch --quiet --import revoke.asc 2>/dev/null &&
	signed "$TRASH/els" "$ELS" els@bewoners.example "heropenen 3" >revoked.eml &&
	send els@bewoners.example revoked.eml &&
	grep -q "revoked key" err &&
	test "$(inc 3)" = closed &&
	grep -q "niet uitgevoerd" "$(newest els@bewoners.example)"
'

test_done

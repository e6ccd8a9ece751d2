#!/bin/sh
# Admin commands by mail under policy.admin_auth confirm: the commands
# run only when the token sent to the admin's registered address comes
# back, once, within the hour; a forged From runs nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/request-lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

mail() { # FROM ENVFROM TO SUBJECT BODY
	printf "From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@x>\n\n%b\n" \
		"$1" "$3" "$4" "$(date +%s%N)" "$5" |
		bpt-report -v -f "$2" -r "$3" 2>err
}
# cmd TEXT: Jan sends TEXT, confirms with the token; the result is in
# Jan's newest mail
cmd() {
	mail jan@bewoners.example jan@bewoners.example bpt-request@bars.example "opdracht" "$1" &&
	t=$(token_in "$(newest jan@bewoners.example)") && test ${#t} = 32 &&
	mail jan@bewoners.example jan@bewoners.example "bpt-request+$t@bars.example" "Re: bevestig" "ja" &&
	grep -q "Uw opdrachten" "$(result jan@bewoners.example)"
}

test_expect_success 'set up: an admin, members, two incidents' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add kees@bewoners.example --name "Kees Smit" &&
	for s in fiets auto; do
		printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s@x>\n\nverdacht\n" $s $s |
			bpt-report || return 1
	done &&
	test "$(inc 1)" = open
'

test_expect_success 'sluiten: nothing happens before the confirmation' '
	mail jan@bewoners.example jan@bewoners.example bpt-request@bars.example "sluiten" "sluiten 1 dief gevlucht" &&
	test "$(inc 1)" = open &&
	f=$(newest jan@bewoners.example) &&
	grep -q "sluiten 1 dief gevlucht" "$f" &&
	t=$(token_in "$f") && echo $t >token
'

test_expect_success 'the confirmation closes the incident, once' '
	mail jan@bewoners.example jan@bewoners.example "bpt-request+$(cat token)@bars.example" "Re: x" "ja" &&
	test "$(inc 1)" = closed &&
	test "$(sqlite3 "$DB" "SELECT closed_by FROM incidents WHERE id = 1")" = jan@bewoners.example &&
	grep -q "#1: close" "$(result jan@bewoners.example)" &&
	bpt-close --reopen 1 --as jan@bewoners.example >/dev/null &&
	mail jan@bewoners.example jan@bewoners.example "bpt-request+$(cat token)@bars.example" "Re: x" "ja" &&
	grep -q "token used already" err &&
	test "$(inc 1)" = open
'

test_expect_success 'an expired token runs nothing' '
	mail jan@bewoners.example jan@bewoners.example bpt-request@bars.example "close" "close 2" &&
	t=$(token_in "$(newest jan@bewoners.example)") &&
	clock_advance 3601 &&
	mail jan@bewoners.example jan@bewoners.example "bpt-request+$t@bars.example" "Re: x" "ja" &&
	grep -q "token expired" err &&
	test "$(inc 2)" = open
'

test_expect_success 'a forged From: the token goes to the real admin, nothing runs' '
	n=$(copies jan@bewoners.example) &&
	mail jan@bewoners.example forger@elders.example bpt-request@bars.example "sluiten" "sluiten 2" &&
	test "$(copies forger@elders.example)" = 0 &&
	test "$(copies jan@bewoners.example)" = $((n + 1)) &&
	grep -q "iemand gebruikt uw adres" "$(newest jan@bewoners.example)" &&
	test "$(inc 2)" = open
'

test_expect_success 'a member who is no admin runs nothing' '
	mail piet@bewoners.example piet@bewoners.example bpt-request@bars.example "sluiten" "sluiten 2" &&
	test "$(inc 2)" = open &&
	! grep -rq "bpt-request+" "$TRASH/outbox/piet@bewoners.example"
'

test_expect_success 'heropenen, uitkomst' '
	cmd "sluiten 2" && test "$(inc 2)" = closed &&
	cmd "heropenen 2" && test "$(inc 2)" = open &&
	cmd "outcome 2 police de politie heeft iemand aangehouden" &&
	test "$(sqlite3 "$DB" "SELECT result FROM incidents WHERE id = 2")" = police &&
	test "$(sqlite3 "$DB" "SELECT outcome FROM incidents WHERE id = 2")" = "de politie heeft iemand aangehouden"
'

test_expect_success 'schorsen, herstellen, lid, verwijderen: one result line each' '
	cmd "schorsen kees@bewoners.example vakantie\\nlid kees@bewoners.example" &&
	test "$(status kees@bewoners.example)" = suspended &&
	f=$(result jan@bewoners.example) &&
	grep -q "kees@bewoners.example: Kees Smit, member, suspended (vakantie)" "$f" &&
	cmd "reinstate kees@bewoners.example" &&
	test "$(status kees@bewoners.example)" = active &&
	cmd "verwijderen kees@bewoners.example scheldt\\nonzin 3" &&
	test "$(status kees@bewoners.example)" = removed &&
	grep -q "onbekende opdracht" "$(result jan@bewoners.example)" &&
	test "$(sqlite3 "$DB" "SELECT actor FROM audit WHERE action = '"'"'remove'"'"' AND member_email = '"'"'kees@bewoners.example'"'"'")" = jan@bewoners.example
'

test_expect_success 'a bad line is told, the others run' '
	cmd "sluiten 99\\nschorsen piet@bewoners.example" &&
	f=$(result jan@bewoners.example) &&
	grep -q "niet gedaan" "$f" &&
	grep -q "reden of tekst nodig" "$f" &&
	test "$(status piet@bewoners.example)" = active
'

held() { sqlite3 "$DB" "SELECT $2 FROM holds WHERE id = $1"; }
post_held() { # SUBJECT MSGID: Piet swears, the message is held
	printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s@x>\n\nWat een klootzakken bij de school\n" "$1" "$2" |
		bpt-report &&
	sqlite3 "$DB" "SELECT max(id) FROM holds WHERE state = 'pending'"
}

test_expect_success 'goedkeuren: a held alert goes to the group in the same run' '
	bpt-member add els@bewoners.example --name "Els van Dam" --no-welcome &&
	h=$(post_held "Die klootzakken weer" held1) && test -n "$h" &&
	f=$(newest jan@bewoners.example) &&
	grep -q "per mail aan bpt-request@bars.example," "$f" &&
	grep -q "\"goedkeuren $h\" of \"afwijzen $h reden\"" "$f" &&
	test "$(copies els@bewoners.example)" = 0 &&
	cmd "goedkeuren $h" &&
	test "$(held $h state)" = approved &&
	test "$(held $h decided_by)" = jan@bewoners.example &&
	grep -q "bericht $h: doorgestuurd, melding #3" "$(result jan@bewoners.example)" &&
	test "$(copies els@bewoners.example)" = 1 &&
	grep -q "^Subject: .*Die klootzakken weer" "$(newest els@bewoners.example)" &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM deliveries WHERE state <> '"'"'sent'"'"' AND outbox_id IN (SELECT id FROM outbox WHERE incident_id = 3)")" = 0 &&
	echo $h >held1
'

test_expect_success 'goedkeuren again: not done, nothing sent twice' '
	cmd "approve $(cat held1)" &&
	grep -q "niet gedaan" "$(result jan@bewoners.example)" &&
	test "$(copies els@bewoners.example)" = 1
'

test_expect_success 'afwijzen: the sender hears why, nothing reaches the group' '
	h=$(post_held "Weer die klootzakken" held2) && test -n "$h" &&
	cmd "afwijzen $h dit hoort niet in de groep" &&
	test "$(held $h state)" = rejected &&
	test "$(held $h note)" = "dit hoort niet in de groep" &&
	grep -q "bericht $h: afgewezen" "$(result jan@bewoners.example)" &&
	f=$(ls -t $(grep -l "^Subject: Uw bericht aan .* is niet doorgestuurd" "$TRASH/outbox/piet@bewoners.example/new"/*) | head -n 1) &&
	grep -q "dit hoort niet in de groep" "$f" &&
	test "$(copies els@bewoners.example)" = 1
'

test_expect_success 'a number that is not a hold: the answer says so' '
	cmd "goedkeuren 99\nafwijzen x" &&
	f=$(result jan@bewoners.example) &&
	grep -q "niet gedaan" "$f" &&
	grep -q "geen nummer van een tegengehouden bericht" "$f"
'

test_expect_success 'a clear-signed mail: the armor is not read as commands' '
	mail jan@bewoners.example jan@bewoners.example bpt-request@bars.example "opdracht" \
	    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nlid piet@bewoners.example\n-----BEGIN PGP SIGNATURE-----\n\niHUEARYIAB0WIQ\n-----END PGP SIGNATURE-----" &&
	f=$(newest jan@bewoners.example) &&
	grep -q "^lid piet@bewoners.example" "$f" &&
	! grep -q "PGP\|Hash:\|iHUEARYIAB0WIQ" "$f"
'

test_done

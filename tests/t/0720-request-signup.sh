#!/bin/sh
# Joining by mail with consent: "aanmelden" from a stranger gets the
# rules and a token; the reply with name and 06 number makes a pending
# member with a consent record; an admin approves.  A wrong number gets
# a clear answer, an expired token nothing but an answer.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/request-lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

NEW=nieuw@bewoners.example
mail() { # FROM SUBJECT TO BODY
	printf "From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@x>\n\n%b\n" \
		"$1" "$3" "$2" "$(date +%s%N)" "$4" |
		bpt-report -v -f "$1" -r "$3" 2>err
}

test_expect_success 'set up' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet Bakker"
'

test_expect_success 'aanmelden from a stranger: the rules and a token' '
	mail $NEW aanmelden bpt-request@bars.example "" &&
	test "$(copies $NEW)" = 1 &&
	f=$(newest $NEW) &&
	grep -q "Gebruiksregels versie 1" "$f" &&
	grep -q "nooit alleen" "$f" &&
	t=$(token_in "$f") && test ${#t} = 32 && echo "$t" >token &&
	test -z "$(status $NEW)"
'

test_expect_success 'a number that is not a Dutch mobile one: a clear answer' '
	mail $NEW "Re: Aanmelden" "bpt-request+$(cat token)@bars.example" "Naam: Nina Nieuw\\nTelefoon: 020 1234567\\n\\n> de regels" &&
	test "$(copies $NEW)" = 2 &&
	grep -q "geen Nederlands mobiel" "$(newest $NEW)" &&
	test -z "$(status $NEW)"
'

test_expect_success 'name and number: pending, consent kept, admins told once' '
	mail $NEW "Re: Aanmelden" "bpt-request+$(cat token)@bars.example" "Nina Nieuw\\n06-12345678\\n\\n> de regels" &&
	test "$(status $NEW)" = pending &&
	bpt-member list --status pending --format tsv >list &&
	grep -q "$NEW" list &&
	bpt-member show $NEW --format json >show &&
	grep -q "\"consent_version\": *\"1\"" show &&
	grep -q "\"consent_via\": *\"mail\"" show &&
	id=$(sqlite3 "$DB" "SELECT max(id) FROM messages") &&
	grep -q "\"consent_message\": *$id" show &&
	grep -q "\"phone\": *\"+31612345678\"" show &&
	grep -q "\"name\": *\"Nina Nieuw\"" show &&
	test "$(grep -l "bpt-member approve $NEW" "$TRASH"/outbox/jan@bewoners.example/new/* | wc -l)" = 1 &&
	grep -q "bpt-member reject $NEW" "$(newest jan@bewoners.example)" &&
	! grep -rq "Nina" "$TRASH/outbox/piet@bewoners.example" 2>/dev/null
'

test_expect_success 'a pending member gets no alerts' '
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: fiets\nMessage-ID: <a1@x>\n\nfietsendief\n" |
		bpt-report &&
	! grep -lq fietsendief "$TRASH"/outbox/$NEW/new/*
'

test_expect_success 'the token is used once' '
	mail $NEW "Re: Aanmelden" "bpt-request+$(cat token)@bars.example" "Nina Nieuw\\n06-12345678" &&
	grep -q "token used already" err
'

test_expect_success 'approve: active, with a welcome mail' '
	bpt-member approve $NEW &&
	test "$(status $NEW)" = active &&
	bpt-send >/dev/null &&
	grep -l "Welkom bij BPT Testbuurt" "$TRASH"/outbox/$NEW/new/* >/dev/null &&
	grep -q "minstens twee" "$(grep -l "Welkom" "$TRASH"/outbox/$NEW/new/*)" &&
	test_expect_code 65 bpt-member approve $NEW
'

test_expect_success 'aanmelden from a member: a factual answer' '
	mail piet@bewoners.example aanmelden bpt-request@bars.example "" &&
	grep -q "al lid" "$(newest piet@bewoners.example)"
'

test_expect_success 'an expired sign-up token: told to start again' '
	mail laat@elders.example subscribe bpt-request@bars.example "" &&
	t=$(token_in "$(newest laat@elders.example)") &&
	clock_advance $((8 * 86400)) &&
	mail laat@elders.example "Re: x" "bpt-request+$t@bars.example" "Laat Persoon\\n0612345679" &&
	grep -q "token expired" err &&
	test -z "$(status laat@elders.example)" &&
	grep -q "aanmelden" "$(newest laat@elders.example)"
'

test_expect_success 'reject a pending sign-up' '
	mail twee@elders.example aanmelden bpt-request@bars.example "" &&
	t=$(token_in "$(newest twee@elders.example)") &&
	mail twee@elders.example "Re: x" "bpt-request+$t@bars.example" "Naam: Twee Persoon\\nTelefoon: +31 6 2345 6789" &&
	test "$(status twee@elders.example)" = pending &&
	bpt-member reject twee@elders.example --reason "niet uit de buurt" &&
	test "$(status twee@elders.example)" = removed &&
	bpt-send >/dev/null &&
	f=$(newest twee@elders.example) &&
	grep -q "is niet goedgekeurd" "$f" &&
	grep -q "Toelichting van de beheerder: niet uit de buurt" "$f" &&
	grep -q "^To: .*twee@elders.example" "$f"
'

test_expect_success 'signup_approval false: active at once' '
	write_config "policy:
  signup_approval: false" &&
	mail drie@elders.example aanmelden bpt-request@bars.example "" &&
	t=$(token_in "$(newest drie@elders.example)") &&
	mail drie@elders.example "Re: x" "bpt-request+$t@bars.example" "Naam: Drie Persoon\\nTelefoon: 06 3456 7890" &&
	test "$(status drie@elders.example)" = active
'

test_expect_success 'a member an admin adds gets the welcome, unless --no-welcome' '
	bpt-member add vier@bewoners.example --name Vier &&
	bpt-member add vijf@bewoners.example --name Vijf --no-welcome &&
	bpt-send >/dev/null &&
	f=$(newest vier@bewoners.example) &&
	grep -q "Welkom bij BPT Testbuurt" "$f" &&
	grep -q "Bel eerst 112" "$f" &&
	grep -q "nooit alleen" "$f" &&
	grep -q "eigen rechter" "$f" &&
	grep -q "Geen telefoon in de hand" "$f" &&
	test "$(copies vijf@bewoners.example)" = 0
'

test_expect_success 'an import welcomes every member it makes active, unless --no-welcome' '
	bpt-member add --no-welcome weg@bewoners.example --name Weg &&
	bpt-member remove weg@bewoners.example >/dev/null &&
	printf "email,name,status\nzes@bewoners.example,Zes,\nzeven@bewoners.example,Zeven,suspended\nweg@bewoners.example,Weg,\n" >imp.csv &&
	bpt-member -n import imp.csv >/dev/null &&
	bpt-member import imp.csv >/dev/null &&
	bpt-send >/dev/null &&
	grep -q "Welkom bij BPT Testbuurt" "$(newest zes@bewoners.example)" &&
	grep -q "Welkom bij BPT Testbuurt" "$(newest weg@bewoners.example)" &&
	test "$(copies zes@bewoners.example)" = 1 &&
	test "$(copies zeven@bewoners.example)" = 0 &&
	printf "email,name\nacht@bewoners.example,Acht\n" | bpt-member import --no-welcome >/dev/null &&
	bpt-send >/dev/null &&
	test "$(status acht@bewoners.example)" = active &&
	test "$(copies acht@bewoners.example)" = 0
'

test_done

#!/bin/sh
# policy.ban_quorum 2: a removal or ban for breaking the rules by one
# admin waits for a second, different admin (command line or mail);
# the member keeps receiving until then; every step an audit row.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/request-lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

write_config "policy:
  ban_quorum: 2"
audits() { sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = '$1'"; }
mail() { # FROM TO SUBJECT BODY
	printf "From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@x>\n\n%b\n" \
		"$1" "$2" "$3" "$(date +%s%N)" "$4" |
		bpt-report -v -f "$1" -r "$2" 2>err
}

test_expect_success 'set up: two admins, a member' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add anna@bewoners.example --name "Anna Jansen" --role coordinator &&
	bpt-member add kees@bewoners.example --name "Kees Smit"
'

test_expect_success 'one admin bans: it waits, the member still receives' '
	bpt-member ban kees@bewoners.example --reason schelden --as jan@bewoners.example --format tsv >out &&
	grep -q waits out &&
	test "$(status kees@bewoners.example)" = active &&
	test "$(audits ban-proposed)" = 1 &&
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: fiets\nMessage-ID: <a1@x>\n\nfietsendief\n" |
		bpt-report &&
	grep -q fietsendief "$(newest kees@bewoners.example)"
'

test_expect_success 'the same admin again does not carry it out' '
	bpt-member ban kees@bewoners.example --reason schelden --as jan@bewoners.example --format tsv >out &&
	grep -q "agreed already" out &&
	test "$(status kees@bewoners.example)" = active &&
	test "$(audits ban-agreed-again)" = 1
'

test_expect_success 'a second admin by mail carries it out' '
	mail anna@bewoners.example bpt-request@bars.example opdracht "uitsluiten kees@bewoners.example schelden" &&
	t=$(token_in "$(newest anna@bewoners.example)") &&
	mail anna@bewoners.example "bpt-request+$t@bars.example" "Re: x" "ja" &&
	test "$(status kees@bewoners.example)" = banned &&
	test "$(audits ban-agreed)" = 1 &&
	test "$(audits ban)" = 1 &&
	test "$(sqlite3 "$DB" "SELECT actor FROM audit WHERE action = '"'"'ban'"'"'")" = anna@bewoners.example
'

test_expect_success 'a removal by mail waits too; a second admin on the command line' '
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	mail jan@bewoners.example bpt-request@bars.example opdracht "verwijderen piet@bewoners.example privéberichten" &&
	t=$(token_in "$(newest jan@bewoners.example)") &&
	mail jan@bewoners.example "bpt-request+$t@bars.example" "Re: x" "ja" &&
	grep -q "wacht op een andere beheerder" "$(result jan@bewoners.example)" &&
	test "$(status piet@bewoners.example)" = active &&
	bpt-member remove piet@bewoners.example --reason privéberichten --as anna@bewoners.example >/dev/null &&
	test "$(status piet@bewoners.example)" = removed
'

test_expect_success 'a removal without a reason is done at once' '
	bpt-member add henk@bewoners.example &&
	bpt-member remove henk@bewoners.example --as jan@bewoners.example >/dev/null &&
	test "$(status henk@bewoners.example)" = removed
'

test_done

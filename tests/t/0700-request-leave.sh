#!/bin/sh
# Leaving by mail: "afmelden" to the request address gets a token at
# the member's registered address; only the reply that carries it back
# removes them.  A forged From removes nobody.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/request-lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

req() { # FROM ENVFROM SUBJECT [TO]
	printf "From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@x>\n\nafmelden\n" \
		"$1" "${4:-bpt-request@bars.example}" "$3" "$(date +%s%N)" |
		bpt-report -v -f "$2" -r "${4:-bpt-request@bars.example}" 2>err
}

test_expect_success 'set up' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add kees@bewoners.example --name "Kees Smit" &&
	bpt-member ban kees@bewoners.example --reason schelden
'

test_expect_success 'copies point List-Unsubscribe at the request address' '
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: fiets\nMessage-ID: <a1@x>\n\nfietsendief\n" |
		bpt-report &&
	grep -q "^List-Unsubscribe: <mailto:bpt-request@bars.example?subject=afmelden>" "$(newest piet@bewoners.example)"
'

test_expect_success 'afmelden: a token goes to the registered address' '
	n=$(copies piet@bewoners.example) &&
	req "Piet <PIET@bewoners.example>" piet@bewoners.example afmelden &&
	test "$(copies piet@bewoners.example)" = $((n + 1)) &&
	f=$(newest piet@bewoners.example) &&
	t=$(token_in "$f") && test ${#t} = 32 &&
	grep -q "^ \[$t\]" "$f" &&
	test "$(status piet@bewoners.example)" = active &&
	echo "$t" >token
'

test_expect_success 'the reply removes the member, who is told' '
	n=$(copies piet@bewoners.example) &&
	req piet@bewoners.example piet@bewoners.example "Re: Bevestig" "bpt-request+$(cat token)@bars.example" &&
	test "$(status piet@bewoners.example)" = removed &&
	test "$(sqlite3 "$DB" "SELECT status_reason FROM members WHERE email = '"'"'piet@bewoners.example'"'"'")" = afgemeld &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = '"'"'remove'"'"' AND reason = '"'"'afgemeld'"'"'")" = 1 &&
	test "$(copies piet@bewoners.example)" = $((n + 1)) &&
	grep -q "U bent afgemeld" "$(newest piet@bewoners.example)"
'

test_expect_success 'the token works once' '
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	req piet@bewoners.example piet@bewoners.example "Re: Bevestig" "bpt-request+$(cat token)@bars.example" &&
	grep -q "token used already" err &&
	test "$(status piet@bewoners.example)" = active
'

test_expect_success 'the token in the subject alone works too' '
	clock_advance 90000 &&
	req piet@bewoners.example piet@bewoners.example unsubscribe &&
	t=$(token_in "$(newest piet@bewoners.example)") &&
	req piet@bewoners.example piet@bewoners.example "Re: Bevestig uw afmelding [$t]" &&
	test "$(status piet@bewoners.example)" = removed
'

test_expect_success 'a forged afmelden for another member changes nothing' '
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	clock_advance 90000 &&
	n=$(copies piet@bewoners.example) &&
	req piet@bewoners.example forger@elders.example afmelden &&
	test "$(copies forger@elders.example)" = 0 &&
	test "$(copies piet@bewoners.example)" = $((n + 1)) &&
	test "$(status piet@bewoners.example)" = active &&
	# a guessed token removes nobody
	req forger@elders.example forger@elders.example "Re: x" "bpt-request+0123456789abcdef0123456789abcdef@bars.example" &&
	grep -q "unknown token" err &&
	test "$(status piet@bewoners.example)" = active &&
	! grep -rqi piet "$TRASH/outbox/forger@elders.example" 2>/dev/null
'

test_expect_success 'an expired token removes nobody' '
	clock_advance 90000 &&
	req piet@bewoners.example piet@bewoners.example afmelden &&
	t=$(token_in "$(newest piet@bewoners.example)") &&
	clock_advance $((8 * 86400)) &&
	req piet@bewoners.example piet@bewoners.example "Re: x" "bpt-request+$t@bars.example" &&
	grep -q "token expired" err &&
	test "$(status piet@bewoners.example)" = active
'

test_expect_success 'banned: a factual answer, no token, no invitation' '
	n=$(copies kees@bewoners.example) &&
	req kees@bewoners.example kees@bewoners.example afmelden &&
	test "$(copies kees@bewoners.example)" = $((n + 1)) &&
	f=$(newest kees@bewoners.example) &&
	grep -q "uitgesloten" "$f" &&
	! grep -q "bpt-request+" "$f" &&
	! grep -qi "aanmelden\|meedoen" "$f"
'

test_done

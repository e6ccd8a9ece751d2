#!/bin/sh
# Help: "help", "hulp" or anything the request address does not
# understand gets one answer a day per address, never to an
# auto-reply or a bounce, and it names no member.
. "$top_srcdir/tests/lib.sh"

mail() { # FROM ENVFROM SUBJECT [EXTRA HEADER]
	printf "From: %s\nTo: bpt-request@bars.example\nSubject: %s\nMessage-ID: <%s@x>\n%s\nwat kan ik hier?\n" \
		"$1" "$3" "$(date +%s%N)" "${4:+$4
}" | bpt-report -v -f "$2" -r bpt-request@bars.example 2>err
}

test_expect_success 'set up' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet Bakker"
'

test_expect_success 'hulp: one answer with what the address does' '
	mail vraag@elders.example vraag@elders.example hulp &&
	test "$(copies vraag@elders.example)" = 1 &&
	f=$(newest vraag@elders.example) &&
	grep -q "aanmelden" "$f" && grep -q "afmelden" "$f" &&
	grep -q "Vragen: mail de beheerders" "$f" &&
	! grep -qi "jan\|piet\|bakker\|vries" "$f"
'

test_expect_success 'a second request the same day: no second answer' '
	mail vraag@elders.example vraag@elders.example help &&
	mail vraag@elders.example vraag@elders.example "iets anders" &&
	test "$(copies vraag@elders.example)" = 1
'

test_expect_success 'the next day: an answer again' '
	clock_advance 86401 &&
	mail vraag@elders.example vraag@elders.example "wat is dit" &&
	test "$(copies vraag@elders.example)" = 2
'

test_expect_success 'never to an auto-reply' '
	mail afwezig@elders.example afwezig@elders.example "Afwezig" "Auto-Submitted: auto-replied" &&
	grep -q autoreply err &&
	test "$(copies afwezig@elders.example)" = 0
'

test_expect_success 'never to a bounce' '
	mail mailer-daemon@elders.example "" "Undelivered Mail Returned to Sender" &&
	test "$(ls "$TRASH/outbox" | grep -c mailer-daemon)" = 0
'

test_expect_success 'a member'"'"'s address in From with a stranger'"'"'s envelope: the member is told, not the stranger' '
	mail piet@bewoners.example vreemde@elders.example help &&
	test "$(copies vreemde@elders.example)" = 0 &&
	test "$(copies piet@bewoners.example)" = 1
'

test_done

#!/bin/sh
# Notices never reveal who is a member.  A stranger who writes with a
# member's address in From and their own envelope sender, to draw a
# notice (too large, unreadable, a reply to a closed incident, not an
# active member), receives nothing: the notice goes to the member's
# registered address.  A non-member whose envelope sender differs from
# From gets nothing either, so the stranger cannot tell the two apart.
. "$top_srcdir/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

write_config "policy:
  max_message_size: 4KB
limits:
  max_headers: 20
  max_parts: 4"

OUT=outsider@elders.example
# nothing_for_outsider: the outsider's Maildir is empty, and no mail to
# anyone but the members themselves and the admins names them
nothing_for_outsider() {
	test "$(copies $OUT)" = 0 &&
	for d in "$TRASH"/outbox/*; do
		case ${d##*/} in
		piet@bewoners.example|kees@bewoners.example|jan@bewoners.example) ;;
		*) ! grep -rqiE "piet|bakker|kees|smit|623456789|634567812|2345 6789|3456 7812" "$d" || return 1 ;;
		esac
	done
}

test_expect_success 'set up a group with a closed incident' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" --phone "06 2345 6789" &&
	bpt-member add kees@bewoners.example --name "Kees Smit" --phone "06 3456 7812" &&
	bpt-member suspend kees@bewoners.example --reason vakantie &&
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: fiets\nMessage-ID: <c1@x>\n\nfietsendief\n" |
		bpt-report &&
	sqlite3 "$TRASH/store/bpt.db" "UPDATE incidents SET status = '"'"'closed'"'"', closed_at = strftime('"'"'%s'"'"') WHERE id = 1" &&
	test "$(copies piet@bewoners.example)" = 1
'

test_expect_success 'too large, From a member, envelope a stranger: the member is told' '
	{ printf "From: Piet Bakker <piet@bewoners.example>\nTo: bpt@bars.example\nSubject: groot\nMessage-ID: <big@x>\n\n"
	  head -c 20000 /dev/zero | tr "\\0" x; echo; } | bpt-report -v -f $OUT 2>err &&
	grep -q toolarge err &&
	nothing_for_outsider &&
	test "$(copies piet@bewoners.example)" = 2 &&
	grep -q "^Beste Piet Bakker,$" "$(newest piet@bewoners.example)"
'

test_expect_success 'unreadable (over a limit), From a member, envelope a stranger' '
	{ printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: delen\nMessage-ID: <parts@x>\n"
	  printf "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
	  for i in 1 2 3 4 5 6; do printf -- "--b\nContent-Type: text/plain\n\ndeel %d\n" $i; done
	  printf -- "--b--\n"; } | bpt-report -v -f $OUT 2>err &&
	grep -q malformed err &&
	nothing_for_outsider &&
	test "$(copies piet@bewoners.example)" = 3
'

test_expect_success 'headers past the limit hide From: the envelope sender is told, nobody named' '
	{ printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: kop\nMessage-ID: <hdr@x>\n"
	  for i in $(seq 1 30); do printf "X-Filler-%d: x\n" $i; done
	  printf "\ntekst\n"; } | bpt-report -v -f other@elders.example 2>err &&
	grep -q malformed err &&
	test "$(copies other@elders.example)" = 1 &&
	grep -q "^Beste afzender,$" "$(newest other@elders.example)" &&
	! grep -qiE "piet|bakker|623456789|2345 6789" "$(newest other@elders.example)" &&
	test "$(copies piet@bewoners.example)" = 3
'

test_expect_success 'a reply to a closed incident, envelope a stranger' '
	printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: Re: [BPT Testbuurt #1] fiets\nMessage-ID: <late@x>\n\nte laat\n" |
		bpt-report -v -f $OUT 2>err &&
	grep -q closed err &&
	nothing_for_outsider &&
	test "$(copies piet@bewoners.example)" = 4 &&
	grep -q "afgesloten" "$(newest piet@bewoners.example)"
'

test_expect_success 'a suspended member, envelope a stranger (or a Return-Path the stranger wrote)' '
	printf "From: Kees Smit <kees@bewoners.example>\nTo: bpt@bars.example\nSubject: hoi\nMessage-ID: <k1@x>\n\nhoi\n" |
		bpt-report -v -f $OUT 2>err &&
	grep -q nonmember err &&
	printf "Return-Path: <$OUT>\nFrom: kees@bewoners.example\nTo: bpt@bars.example\nSubject: hoi\nMessage-ID: <k2@x>\n\nhoi\n" |
		bpt-report &&
	nothing_for_outsider &&
	test "$(copies kees@bewoners.example)" = 1
'

test_expect_success 'a non-member whose envelope sender differs gets nothing either' '
	printf "From: vreemd@elders.example\nTo: bpt@bars.example\nSubject: hoi\nMessage-ID: <v1@x>\n\nhoi\n" |
		bpt-report -v -f $OUT 2>err &&
	grep -q nonmember err &&
	nothing_for_outsider &&
	test "$(copies vreemd@elders.example)" = 0
'

test_expect_success 'a non-member writing from their own address is told, as before' '
	printf "From: vreemd@elders.example\nTo: bpt@bars.example\nSubject: hoi\nMessage-ID: <v2@x>\n\nhoi\n" |
		bpt-report -f vreemd@elders.example &&
	test "$(copies vreemd@elders.example)" = 1 &&
	grep -q "staat niet op de ledenlijst" "$(newest vreemd@elders.example)" &&
	! grep -qiE "piet|bakker|kees|smit" "$(newest vreemd@elders.example)"
'

test_expect_success 'no copy at all went to the stranger' '
	test ! -e "$TRASH/outbox/$OUT" &&
	test "$(sqlite3 "$TRASH/store/bpt.db" "SELECT count(*) FROM deliveries WHERE rcpt = '"'"'$OUT'"'"'")" = 0
'

test_done

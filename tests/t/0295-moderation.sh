#!/bin/sh
# The moderation queue and the posting rules of the group: a message
# that breaks a rule is held (stored, not distributed), its sender told
# at the registered address, the admins told with the evidence and the
# commands; bpt-report held / approve / reject; expiry on the next run
# of bpt-send.  Each rule with a message that breaks it and one that
# just passes.
. "$top_srcdir/tests/lib.sh"

write_config "policy:
  flood: {max_per_hour: 2}
  authserv_id: mx.bars.example"

copies() { # number of mails in a recipient's maildir
	ls "$TRASH/outbox/$1/new" 2>/dev/null | wc -l | tr -d ' '
}
newest() {
	ls -t "$TRASH/outbox/$1/new"/* | head -n 1
}
# post FROM SUBJECT TEXT [HEADERS]: bpt-report -v, the class on stdout
post() {
	n=$(($(cat "$TRASH/n" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$TRASH/n"
	printf "From: %s\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <m%d@bewoners.example>\n%b\n%b\n" \
	    "$1" "$2" "$n" "${4:+$4\n}" "$3" >"$TRASH/m$n.eml"
	bpt-report -v <"$TRASH/m$n.eml" 2>"$TRASH/err" || { cat "$TRASH/err"; return 1; }
	sed -n 's/^bpt-report: message [0-9]*: \([a-z]*\) .*/\1/p' "$TRASH/err"
}
held_count() {
	bpt-report --as jan@bewoners.example --format tsv held | wc -l | tr -d ' '
}

test_expect_success 'set up a group' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add anna@bewoners.example --name "Anna Jansen" &&
	bpt-member add kees@bewoners.example --name "Kees Smit" &&
	bpt-member add els@bewoners.example --name "Els van Dam"
'

test_expect_success 'swearing is held: no copy, the sender and the admins told' '
	test "$(post piet@bewoners.example "Die kankerlijers weer" "Wat een klootzakken bij de school")" = held &&
	test "$(copies anna@bewoners.example)" = 0 &&
	test "$(copies piet@bewoners.example)" = 1 &&
	grep -q "wacht op een beheerder" "$(newest piet@bewoners.example)" &&
	grep -q "Reden: taalgebruik" "$(newest piet@bewoners.example)" &&
	test "$(copies jan@bewoners.example)" = 1 &&
	f=$(newest jan@bewoners.example) &&
	grep -q "bpt-report approve 1" "$f" &&
	grep -q "bpt-report reject 1" "$f" &&
	grep -qi "kankerlijers" "$f" &&
	grep -q "Dit is een nieuwe melding" "$f" &&
	test "$(held_count)" = 1
'

test_expect_success 'the same alert in neutral words passes' '
	test "$(post anna@bewoners.example "Verdachte man Kerkstraat" "Man kijkt bij de schuur van nummer 8 naar binnen")" = post &&
	test "$(copies kees@bewoners.example)" = 1
'

test_expect_success 'street names that hold a listed word pass (Scunthorpe)' '
	test "$(post kees@bewoners.example "Voertuig Teteringsedijk" "Rijtuig open aan de Teteringsedijk in Teteringen, bus van KWF Kankerbestrijding uit Rotterdam, Eikelenboom belt 112")" = post
'

test_expect_success 'a non-admin may not list, approve or reject: 77' '
	test_expect_code 77 bpt-report --as piet@bewoners.example held &&
	test_expect_code 77 bpt-report --as piet@bewoners.example approve 1 &&
	test_expect_code 77 bpt-report --as piet@bewoners.example reject 1 &&
	test "$(held_count)" = 1
'

test_expect_success 'approve: the held alert opens its incident and reaches everyone' '
	before=$(copies els@bewoners.example) &&
	bpt-report -v --as jan@bewoners.example approve 1 2>err &&
	grep -q "post" err &&
	test "$(copies els@bewoners.example)" = $((before + 1)) &&
	grep -q "MELDING #" "$(newest els@bewoners.example)" &&
	test "$(held_count)" = 0 &&
	test_expect_code 65 bpt-report --as jan@bewoners.example approve 1 &&
	sqlite3 "$TRASH/store/bpt.db" "SELECT action FROM audit WHERE action = '"'"'approve'"'"'" | grep -q approve
'

test_expect_success 'a held reply, approved, joins its incident in the thread' '
	id=$(grep -m1 "^Message-ID:" "$(newest els@bewoners.example)" | sed "s/.*<\(.*\)>.*/\1/") &&
	num=$(grep -m1 "^Subject:" "$(newest els@bewoners.example)" | sed "s/.*#\([0-9]*\)].*/\1/") &&
	test "$(post anna@bewoners.example "Re: bij de school" "Wat een kut buurt" "In-Reply-To: <$id>")" = held &&
	h=$(bpt-report --as jan@bewoners.example --format tsv held | cut -f1) &&
	before=$(copies els@bewoners.example) &&
	bpt-report -v --as jan@bewoners.example approve "$h" 2>err &&
	grep -q "reply" err &&
	grep -q "incident #$num" err &&
	test "$(copies els@bewoners.example)" = $((before + 1)) &&
	grep -q "^In-Reply-To: <$id>" "$(newest els@bewoners.example)"
'

test_expect_success 'reject: the sender is told with the reason' '
	test "$(post kees@bewoners.example "Tyfuslijers" "Stelletje tyfuslijers")" = held &&
	h=$(bpt-report --as jan@bewoners.example --format tsv held | cut -f1) &&
	bpt-report --as jan@bewoners.example reject "$h" --reason "schrijf neutraal" &&
	grep -q "niet doorgestuurd" "$(newest kees@bewoners.example)" &&
	grep -q "schrijf neutraal" "$(newest kees@bewoners.example)" &&
	test "$(held_count)" = 0 &&
	bpt-report --as jan@bewoners.example --format json held --all | grep -q rejected
'

test_expect_success 'a photo without any text is held; with a subject it passes' '
	printf "From: els@bewoners.example\nTo: bpt@bars.example\nMessage-ID: <p1@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA==\n--b--\n" >photo.eml &&
	bpt-report -v <photo.eml 2>err && grep -q ": held (photo)" err &&
	sed "s/^Message-ID: <p1@x>/Subject: Deze man liep door de tuinen\nMessage-ID: <p2@x>/" photo.eml >photo2.eml &&
	bpt-report -v <photo2.eml 2>err && grep -q ": post " err
'

test_expect_success 'chit-chat is held as no alert; a short real alert passes' '
	clock_advance 3700 &&
	test "$(post els@bewoners.example "Goedemorgen allemaal" "Goedemorgen allemaal!")" = held &&
	f=$(newest els@bewoners.example) &&
	grep -q "geen melding" "$f" &&
	test "$(post piet@bewoners.example "Inbraak nu Dorpsstraat 4" "")" = post
'

test_expect_success 'flood: the third message within the hour is held' '
	clock_advance 3700 &&
	test "$(post kees@bewoners.example "Scooter 1" "Scooter zonder licht")" = post &&
	test "$(post kees@bewoners.example "Scooter 2" "Weer die scooter")" = post &&
	test "$(post kees@bewoners.example "Scooter 3" "En nog een keer")" = held &&
	grep -q "te veel berichten" "$(newest kees@bewoners.example)"
'

test_expect_success 'the flood count starts again after an hour' '
	clock_advance 3700 &&
	test "$(post kees@bewoners.example "Scooter 4" "Nu bij de kerk")" = post
'

# OpenDMARC as Postfix milter: its own line, under the host name
opendmarc_fail="Authentication-Results: mx.bars.example; dmarc=fail (p=none dis=none) header.from=bewoners.example"
# rspamd: one header with every result
rspamd_fail="Authentication-Results: mx.bars.example;\n\tdkim=none;\n\tdmarc=fail reason=\"SPF not aligned (relaxed), No valid DKIM\" header.from=bewoners.example (policy=none);\n\tspf=fail (mx.bars.example: domain of piet@bewoners.example does not designate 192.0.2.7 as permitted sender) smtp.mailfrom=piet@bewoners.example"
other_fail="Authentication-Results: mx.elders.example; dmarc=fail header.from=bewoners.example"
opendmarc_pass="Authentication-Results: mx.bars.example; dmarc=pass (p=none dis=none) header.from=bewoners.example"

test_expect_success 'forged: dmarc=fail under the trusted authserv-id is held (OpenDMARC)' '
	test "$(post piet@bewoners.example "Man bij garage" "Man bij de garages" "$opendmarc_fail")" = held &&
	f=$(newest piet@bewoners.example) &&
	grep -q "mogelijk vervalst" "$f" &&
	grep -q "niet zelf gestuurd" "$f"
'

test_expect_success 'forged: rspamd results with SPF and DMARC fail are held' '
	test "$(post piet@bewoners.example "Man bij garage 2" "Hij is er weer" "$rspamd_fail")" = held
'

test_expect_success 'the same header from another authserv-id is not trusted' '
	clock_advance 3700 &&
	test "$(post piet@bewoners.example "Man bij garage 3" "Nu bij de brug" "$other_fail")" = post &&
	test "$(post anna@bewoners.example "Fietsendief" "Bij het station" "$opendmarc_pass")" = post
'

test_expect_success 'a subject-only auto-reply from a member is held, never answered' '
	before=$(copies anna@bewoners.example) &&
	test "$(post anna@bewoners.example "Out of office pand Kerkstraat: verdachte man" "Man met koevoet")" = held &&
	test "$(post anna@bewoners.example "Automatisch antwoord van de politie?" "Wat moet ik doen")" = held &&
	test "$(copies anna@bewoners.example)" = "$before" &&
	bpt-report --as jan@bewoners.example --format tsv held | grep -q automatic
'

test_expect_success 'header evidence still discards: Auto-Submitted never reaches anyone' '
	before=$(copies els@bewoners.example) &&
	test "$(post anna@bewoners.example "Out of office" "Ik ben weg" "Auto-Submitted: auto-replied")" = autoreply &&
	test "$(copies els@bewoners.example)" = "$before"
'

test_expect_success 'non_members: hold keeps a stranger for an admin' '
	write_config "policy:
  non_members: hold" &&
	test "$(post buurman@elders.example "Verdachte auto" "Auto rijdt langzaam rond")" = held &&
	bpt-report --as jan@bewoners.example --format tsv held | grep -q non_member
'

test_expect_success 'policy.language: reject tells the sender and keeps nothing pending' '
	write_config "policy:
  language: reject" &&
	clock_advance 3700 &&
	before=$(held_count) &&
	test "$(post els@bewoners.example "Klootzakken" "Die klootzakken weer")" = rejected &&
	test "$(held_count)" = "$before" &&
	grep -q "niet doorgestuurd" "$(newest els@bewoners.example)"
'

test_expect_success 'policy.hold_alerts: false passes a new alert with a language hit' '
	write_config "policy:
  hold_alerts: false" &&
	clock_advance 3700 &&
	test "$(post els@bewoners.example "Die klootzak weer" "Hij trekt aan deuren")" = post
'

test_expect_success 'expiry: bpt-send expires old holds and tells the sender' '
	write_config &&
	test "$(held_count)" -gt 0 &&
	before=$(copies piet@bewoners.example) &&
	clock_advance 90000 &&
	bpt-send -v 2>err &&
	grep -q "held messages expired" err &&
	test "$(held_count)" = 0 &&
	test "$(copies piet@bewoners.example)" -gt "$before" &&
	grep -q "geen besluit" "$(newest piet@bewoners.example)"
'

test_expect_success 'bpt-close --idle expires holds too' '
	clock_advance 60 &&
	test "$(post piet@bewoners.example "Kankerzooi" "kankerzooi")" = held &&
	clock_advance 90000 &&
	bpt-close --idle 2>err &&
	test "$(held_count)" = 0
'

test_expect_success 'policy.words: the admins own words are held too' '
	printf "# eigen lijst\nblaaskaak\n" >"$TRASH/words.txt" &&
	write_config "policy:
  words: $TRASH/words.txt" &&
	clock_advance 3700 &&
	test "$(post anna@bewoners.example "Weer die blaaskaak" "De blaaskaak staat weer te schreeuwen")" = held &&
	bpt-member list >/dev/null &&
	write_config &&
	clock_advance 3700 &&
	test "$(post anna@bewoners.example "Weer die blaaskaak" "De blaaskaak staat weer te roepen")" = post
'

test_expect_success 'policy.words that cannot be read: admin tools stop with 78, mail is still checked' '
	write_config "policy:
  words: $TRASH/no-such-words.txt" &&
	test_expect_code 78 bpt-member list 2>err &&
	grep -q "policy.words" err &&
	grep -q "no-such-words.txt" err &&
	clock_advance 3700 &&
	test "$(post kees@bewoners.example "Die klootzakken" "Wat een klootzakken")" = held &&
	grep -q "policy.words.*built-in list only" "$TRASH/err" &&
	write_config &&
	bpt-member list >/dev/null
'

test_done

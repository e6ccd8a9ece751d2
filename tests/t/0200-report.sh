#!/bin/sh
# bpt-report end to end on the maildir transport: an alert reaches every
# active member once, a reply made from the copy joins the incident,
# robots and strangers reach nobody, numbers stay gap-free.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null || test_skip_all "python3 not installed"

copies() { # number of copies in a recipient's maildir
	ls "$TRASH/outbox/$1/new" 2>/dev/null | wc -l | tr -d ' '
}
newest() { # the newest copy of a recipient
	ls -t "$TRASH/outbox/$1/new"/* | head -n 1
}
header() { # header FILE NAME: the first value, unfolded
	python3 - "$1" "$2" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
v = m.get(sys.argv[2])
print('' if v is None else str(v))
PY
}
body() { # the decoded text of a copy, format=flowed lines joined (RFC 3676)
	python3 - "$1" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
part = m.get_body(preferencelist=('plain',))
text = part.get_content()
if part.get_param('format') == 'flowed':
    out, cur = [], ''
    for line in text.split('\n'):
        if line.startswith(' '):
            line = line[1:]
        cur += line
        if line.endswith(' ') and line != '-- ':
            continue
        out.append(cur)
        cur = ''
    if cur:
        out.append(cur)
    text = '\n'.join(out)
print(text, end='')
PY
}

test_expect_success 'set up a group' '
	bpt-member add --no-welcome jan@bewoners.example --name "Jan de Vries" --phone "06-12345678" --role admin &&
	bpt-member add --no-welcome piet@bewoners.example --name "Piet Bakker" --phone "06 2345 6789" &&
	bpt-member add --no-welcome Anna@Bewoners.Example --name "Anna Jansen" &&
	bpt-member add --no-welcome kees@bewoners.example --name "Kees Smit" &&
	bpt-member suspend kees@bewoners.example --reason "vakantie" &&
	bpt-member add --no-welcome bob@bewoners.example --name "Bob" &&
	bpt-member ban bob@bewoners.example --reason "schelden" &&
	bpt-member add --no-welcome bpt@bars.example --name "De lijst zelf"
'

cat >alert.eml <<'EOF_MAIL'
From: Jan de Vries <jan@bewoners.example>
To: bpt@bars.example
Subject: Verdachte man bij de school
Date: Sat, 28 Nov 2026 21:03:00 +0100
Message-ID: <alert-1@bewoners.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Man met rode jas loopt langs de auto's aan de Schoolstraat, kijkt
in elke auto. Kenteken van zijn scooter 12-ABC-3. Ik heb 112 gebeld.

Groet, Jan
06-12345678
EOF_MAIL

test_expect_success 'an alert opens incident 1 and reaches every active member once' '
	bpt-report -v <alert.eml 2>err &&
	grep "post" err &&
	test "$(copies jan@bewoners.example)" = 1 &&
	test "$(copies piet@bewoners.example)" = 1 &&
	test "$(copies Anna@bewoners.example)" = 1 &&
	test "$(copies kees@bewoners.example)" = 0 &&
	test "$(copies bob@bewoners.example)" = 0 &&
	test "$(copies bpt@bars.example)" = 0
'

test_expect_success 'the copy has the list headers and the alert block' '
	f=$(newest piet@bewoners.example) &&
	test "$(header "$f" From)" = "Jan de Vries via BPT Testbuurt <bpt@bars.example>" &&
	test "$(header "$f" Reply-To)" = "BPT Testbuurt <bpt@bars.example>" &&
	test "$(header "$f" Subject)" = "[BPT Testbuurt #1] Verdachte man bij de school" &&
	test "$(header "$f" List-Id)" = "BPT Testbuurt <bpt.bars.example>" &&
	test "$(header "$f" List-Post)" = "<mailto:bpt@bars.example>" &&
	test "$(header "$f" Precedence)" = list &&
	test "$(header "$f" X-Loop)" = bpt@bars.example &&
	header "$f" Message-ID | grep -q "^<bpt\.1\..*@bars.example>$" &&
	body "$f" >text &&
	grep -q "^MELDING #1 - ..:.. - gemeld door Jan de Vries$" text &&
	grep -q "^112 is gebeld door Jan de Vries om ..:..\.$" text &&
	grep -q "^Bel alleen opnieuw als u iets nieuws ziet\.$" text &&
	grep -q "^Kenteken: 12-ABC-3$" text &&
	grep -q "Man met rode jas" text &&
	grep -q "^BPT Testbuurt: alleen verdachte situaties" text
'

test_expect_success 'no member address or phone number in any copy' '
	for f in "$TRASH"/outbox/*/new/*; do
		for s in jan@bewoners piet@bewoners nna@bewoners 12345678 "2345 6789" +316; do
			if grep -qi -- "$s" "$f"; then echo "$s in $f"; exit 1; fi
		done
		body "$f" | grep -qi -- "12345678" && exit 1
	done
	true
'

test_expect_success 'every copy is the same bytes' '
	cmp "$(newest jan@bewoners.example)" "$(newest piet@bewoners.example)" &&
	cmp "$(newest jan@bewoners.example)" "$(newest Anna@bewoners.example)"
'

test_expect_success 'a reply made from the copy joins incident 1' '
	f=$(newest piet@bewoners.example) &&
	id=$(header "$f" Message-ID) &&
	cat >reply.eml <<-EOF_MAIL &&
	From: Piet Bakker <piet@bewoners.example>
	To: BPT Testbuurt <bpt@bars.example>
	Subject: Re: [BPT Testbuurt #1] Verdachte man bij de school
	Date: Sat, 28 Nov 2026 21:06:00 +0100
	Message-ID: <reply-1@bewoners.example>
	In-Reply-To: $id
	References: $id
	Content-Type: text/plain; charset=utf-8

	Ik zie hem nu bij de bakker, hij loopt richting het park.

	Op za 28 nov 2026 om 21:04 schreef Jan de Vries via BPT Testbuurt <bpt@bars.example>:
	> Man met rode jas loopt langs de auto'"'"'s aan de Schoolstraat
	> in elke auto.
	EOF_MAIL
	bpt-report -v <reply.eml 2>err &&
	grep "reply" err &&
	test "$(copies jan@bewoners.example)" = 2 &&
	test "$(copies Anna@bewoners.example)" = 2 &&
	bpt-report --format json show 1 >show.json &&
	python3 -c "import json,sys; d=json.load(open(\"show.json\")); assert d[\"number\"]==1 and len(d[\"messages\"])==2, d"
'

test_expect_success 'the reply copy threads under the alert and has no quoted text' '
	f=$(newest Anna@bewoners.example) &&
	root=$(header "$(ls -tr "$TRASH"/outbox/Anna@bewoners.example/new/* | head -n 1)" Message-ID) &&
	test "$(header "$f" In-Reply-To)" = "$root" &&
	header "$f" References | grep -qF "$root" &&
	test "$(header "$f" Subject)" = "Re: [BPT Testbuurt #1] Verdachte man bij de school" &&
	body "$f" >text &&
	grep -q "bij de bakker" text &&
	! grep -q "Schoolstraat" text &&
	! grep -q "^>" text &&
	grep -q "eerdere berichten weggelaten" text
'

test_expect_success 'a reply by subject tag alone joins too, and a later 112 call updates the status' '
	cat >tag.eml <<-EOF_MAIL &&
	From: anna@bewoners.example
	To: bpt@bars.example
	Subject: RE: [BPT Testbuurt #1] Verdachte man bij de school
	Message-ID: <tag-1@bewoners.example>

	Hij staat nu bij mijn schuur. Ik heb nu ook 112 gebeld met de nieuwe plek.
	EOF_MAIL
	bpt-report <tag.eml &&
	test "$(copies piet@bewoners.example)" = 3 &&
	bpt-report --format json show 1 >show.json &&
	python3 -c "import json; d=json.load(open(\"show.json\")); assert d[\"called_112\"]==\"yes\" and d[\"called_112_by\"]==\"Anna Jansen\", d"
'

test_expect_success 'a reply to the plus address joins' '
	printf "From: piet@bewoners.example\nTo: bpt+1@bars.example\nSubject: nog iets\nMessage-ID: <plus-1@x>\n\nHij is weg, richting station.\n" >plus.eml &&
	bpt-report -r bpt+1@bars.example <plus.eml &&
	test "$(copies jan@bewoners.example)" = 4
'

test_expect_success 'the same mail again (an MTA retry) changes nothing' '
	bpt-report -v <alert.eml 2>err &&
	grep duplicate err &&
	test "$(copies jan@bewoners.example)" = 4 &&
	test "$(bpt-report --format tsv list | wc -l)" = 1
'

test_expect_success 'our own test auto-replies and bounces reach nobody' '
	before=$(ls "$TRASH"/outbox/*/new | wc -l) &&
	for f in "$DATA"/autoreply/*.eml "$DATA"/bounce/*.eml; do
		bpt-report -v <"$f" 2>err || exit 1
		grep -E ": (autoreply|bounce) " err || { echo "$f"; cat err; exit 1; }
	done &&
	test "$(ls "$TRASH"/outbox/*/new | wc -l)" = "$before"
'

test_expect_corpus 'an auto-reply and a bounce from the corpus reach nobody' '
	before=$(ls "$TRASH"/outbox/*/new | wc -l) &&
	for f in autoreply/gmail-vacation-precedence-bulk.eml autoreply/aol-vacation.eml \
	    bounce/postfix-dsn-1.eml bounce/dsn-1.eml; do
		bpt-report -v <"$CORPUS/$f" 2>err || exit 1
		grep -E "autoreply|bounce" err || exit 1
	done &&
	test "$(ls "$TRASH"/outbox/*/new | wc -l)" = "$before"
'

test_expect_success 'a stranger gets one polite notice a day, the group nothing' '
	printf "From: Vreemde <stranger@elders.example>\nTo: bpt@bars.example\nSubject: hallo\nMessage-ID: <s1@elders.example>\n\nMag ik meedoen?\n" >s1.eml &&
	printf "From: Vreemde <stranger@elders.example>\nTo: bpt@bars.example\nSubject: hallo\nMessage-ID: <s2@elders.example>\n\nNog een keer.\n" >s2.eml &&
	bpt-report <s1.eml && bpt-report <s2.eml &&
	test "$(copies stranger@elders.example)" = 1 &&
	test "$(copies jan@bewoners.example)" = 4 &&
	f=$(newest stranger@elders.example) &&
	test "$(header "$f" Auto-Submitted)" = auto-replied &&
	body "$f" >text &&
	grep -q "^Het adres waarmee u schreef, staat niet op de ledenlijst\.$" text &&
	grep -q "^Wilt u meedoen?" text
'

test_expect_success 'a suspended member is told, not distributed, not invited' '
	printf "From: kees@bewoners.example\nTo: bpt@bars.example\nSubject: ik\nMessage-ID: <k1@x>\n\nhoi\n" | bpt-report &&
	test "$(copies kees@bewoners.example)" = 1 &&
	test "$(copies jan@bewoners.example)" = 4 &&
	body "$(newest kees@bewoners.example)" >text &&
	grep -q "^Beste Kees Smit,$" text &&
	grep -q "^U bent geschorst als lid van BPT Testbuurt\.$" text &&
	! grep -q "meedoen" text &&
	! grep -q "ledenlijst" text
'

test_expect_success 'a banned member is told so, not invited either' '
	printf "From: bob@bewoners.example\nTo: bpt@bars.example\nSubject: ik\nMessage-ID: <b1@x>\n\nhoi\n" | bpt-report &&
	body "$(newest bob@bewoners.example)" >text &&
	grep -q "^U bent uitgesloten van BPT Testbuurt\.$" text &&
	! grep -q "meedoen" text
'

test_expect_success 'a reply to a closed incident is kept, not distributed; the sender is told' '
	sqlite3 "$TRASH/store/bpt.db" "UPDATE incidents SET status = '"'"'closed'"'"', closed_at = strftime('"'"'%s'"'"') WHERE id = 1" &&
	printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: Re: [BPT Testbuurt #1] x\nMessage-ID: <late@x>\n\nte laat\n" | bpt-report &&
	test "$(copies jan@bewoners.example)" = 4 &&
	test "$(copies piet@bewoners.example)" = 5 &&
	body "$(newest piet@bewoners.example)" | grep -q "is afgesloten"
'

# 50 writers at once queue for the store's lock: give them the time an MTA
# would (it retries a 75 anyway); one member writes them all, so the
# flood rule is off here (tests/t/0295-moderation.sh tests it)
TEST_BUSY_TIMEOUT=60s write_config "policy:
  flood: {max_per_hour: 0}"
test_expect_success '50 alerts in parallel get 50 distinct gap-free numbers' '
	i=0; pids=""
	while [ $i -lt 50 ]; do
		printf "From: anna@bewoners.example\nTo: bpt@bars.example\nSubject: parallel %d\nMessage-ID: <p%d@x>\n\nmelding %d\n" $i $i $i >p$i.eml
		bpt-report --no-deliver <p$i.eml 2>p$i.err &
		pids="$pids $!"
		i=$((i + 1))
	done
	fail=0
	for p in $pids; do wait $p || fail=1; done
	cat p*.err
	test $fail = 0 &&
	bpt-report --format tsv list | cut -f1 | sort -n >nums &&
	seq 1 51 >expect &&
	test_cmp expect nums
'
write_config

test_expect_success 'bpt-send delivers what was queued without delivery' '
	before=$(copies piet@bewoners.example) &&
	bpt-send &&
	test "$(copies piet@bewoners.example)" = $((before + 50)) &&
	test -z "$(bpt-send --format tsv --queue)"
'

test_expect_success 'fetch --maildir processes new/ and moves each to cur/' '
	mkdir -p in/new in/cur in/tmp &&
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: via maildir\nMessage-ID: <md1@x>\n\nuit de maildir\n" >in/new/1.eml &&
	cp "$DATA/autoreply/gmail-vacation.eml" in/new/2.eml &&
	bpt-report fetch --maildir in &&
	test -z "$(ls in/new)" &&
	test "$(ls in/cur | wc -l)" = 2 &&
	bpt-report --format tsv list | grep -q "via maildir"
'

test_expect_success 'a message over policy.max_message_size is stored and refused with a notice' '
	write_config "policy:
  max_message_size: 4KB" &&
	{ printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: groot\nMessage-ID: <big@x>\n\n"; head -c 20000 /dev/zero | tr "\\0" x; echo; } >big.eml &&
	before=$(copies piet@bewoners.example) &&
	bpt-report -v <big.eml 2>err &&
	grep toolarge err &&
	test "$(copies piet@bewoners.example)" = "$before" &&
	body "$(newest jan@bewoners.example)" | grep -q "^BPT Testbuurt neemt berichten aan tot 4 KB\.$" &&
	test "$(sqlite3 "$TRASH/store/bpt.db" "SELECT truncated, size, length(raw) FROM messages WHERE class = '"'"'toolarge'"'"'")" = "1|$(wc -c <big.eml | tr -d " ")|4096"
'
write_config

test_expect_success 'a mail that crashes the parser is quarantined on its next run' '
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: dood\nMessage-ID: <death@x>\n\nkill\n" >death.eml &&
	before=$(copies piet@bewoners.example) &&
	admin_before=$(copies jan@bewoners.example) &&
	! BPT_TEST_FAULT=parse-abort bpt-report <death.eml 2>/dev/null &&
	BPT_TEST_FAULT=parse-abort bpt-report -v <death.eml 2>err &&
	grep quarantined err &&
	test "$(copies piet@bewoners.example)" = "$before" &&
	test "$(copies jan@bewoners.example)" = $((admin_before + 1)) &&
	body "$(newest jan@bewoners.example)" | grep -q quarantaine &&
	bpt-report <death.eml &&
	test "$(copies jan@bewoners.example)" = $((admin_before + 1))
'

test_expect_success 'a mail that hangs the parser ends its run with 75, then is quarantined' '
	write_config "limits:
  parse_timeout: 1s" &&
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: hangt\nMessage-ID: <hang@x>\n\nhang\n" >hang.eml &&
	BPT_TEST_FAULT=parse-hang bpt-report <hang.eml 2>err; code=$? &&
	test "$code" = 75 && grep -q parse_timeout err &&
	BPT_TEST_FAULT=parse-hang bpt-report -v <hang.eml 2>err &&
	grep quarantined err
'
write_config

test_expect_success 'with limits.parse_attempts 2 a mail that crashed once is processed on the retry' '
	write_config "limits:
  parse_attempts: 2" &&
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: eenmalig\nMessage-ID: <once@x>\n\nretry\n" >once.eml &&
	! BPT_TEST_FAULT=parse-abort bpt-report <once.eml 2>/dev/null &&
	bpt-report -v <once.eml 2>err &&
	grep post err
'
write_config

test_expect_success 'a full disk at commit is exit 75 and nothing half-written' '
	printf "From: jan@bewoners.example\nTo: bpt@bars.example\nSubject: vol\nMessage-ID: <full@x>\n\nvol\n" >full.eml &&
	n=$(bpt-report --format tsv list | wc -l) &&
	BPT_TEST_FAULT=store-commit bpt-report <full.eml 2>err; code=$? &&
	test "$code" = 75 &&
	grep -q "disk full" err &&
	test "$(bpt-report --format tsv list | wc -l)" = "$n" &&
	test "$(sqlite3 "$TRASH/store/bpt.db" "PRAGMA integrity_check")" = ok &&
	bpt-report <full.eml &&
	test "$(bpt-report --format tsv list | wc -l)" = $((n + 1))
'

test_expect_success 'every own test mail goes through with exit 0' '
	for f in "$DATA"/*/*.eml; do
		bpt-report --no-deliver <"$f" 2>err || { echo "$f"; cat err; exit 1; }
	done
'

test_expect_corpus 'every corpus message goes through with exit 0' '
	for f in "$CORPUS"/*/*.eml; do
		bpt-report --no-deliver <"$f" 2>err || { echo "$f"; cat err; exit 1; }
	done
'

test_expect_success 'store locked past the busy timeout is exit 75' '
	mkfifo hold &&
	sqlite3 "$TRASH/store/bpt.db" "PRAGMA busy_timeout=10000;" "BEGIN IMMEDIATE;" \
	    "SELECT '"'"'locked'"'"';" ".read hold" >held 2>&1 &
	holder=$!
	i=0
	while ! grep -q locked held && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	printf "From: jan@bewoners.example\nSubject: lock\nMessage-ID: <lock@x>\n\nx\n" | bpt-report 2>err; code=$?
	echo >hold; wait $holder
	cat err
	test "$code" = 75 && grep -q locked err
'

test_expect_success 'photos are passed on, other attachments stripped with a note' '
	cat >photo.eml <<-\EOF_MAIL &&
	From: Jan de Vries <jan@bewoners.example>
	To: bpt@bars.example
	Subject: foto van de bus
	Message-ID: <photo-1@bewoners.example>
	MIME-Version: 1.0
	Content-Type: multipart/mixed; boundary="zz"

	--zz
	Content-Type: text/plain; charset=utf-8

	Witte bus met deuk, zie foto.
	--zz
	Content-Type: image/png; name="bus.png"
	Content-Disposition: attachment; filename="bus.png"
	Content-Transfer-Encoding: base64

	iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==
	--zz
	Content-Type: application/pdf; name="verslag.pdf"
	Content-Disposition: attachment; filename="verslag.pdf"
	Content-Transfer-Encoding: base64

	JVBERi0xLjQKJcOkw7zDtsOfCg==
	--zz--
	EOF_MAIL
	bpt-report <photo.eml &&
	f=$(newest piet@bewoners.example) &&
	python3 - "$f" <<-\PY
	import sys, email, email.policy, hashlib
	m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
	parts = [p for p in m.walk() if not p.is_multipart()]
	types = [p.get_content_type() for p in parts]
	assert types == ["text/plain", "image/png"], types
	assert parts[1].get_filename() == "bus.png"
	assert len(parts[1].get_content()) == 70, len(parts[1].get_content())
	text = parts[0].get_content()
	assert "Witte bus met deuk" in text and "niet doorgestuurd: verslag.pdf" in text, text
	PY
	test "$(sqlite3 "$TRASH/store/bpt.db" "SELECT group_concat(filename || '"'"':'"'"' || action, '"'"' '"'"') FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.message_id = '"'"'photo-1@bewoners.example'"'"'")" = "bus.png:passed verslag.pdf:stripped"
'

test_expect_success 'a configuration readable by others gets a warning' '
	chmod 644 "$BPT_CONFIG" &&
	bpt-report list >/dev/null 2>err &&
	grep -q "readable by others" err &&
	chmod 600 "$BPT_CONFIG" &&
	bpt-report list >/dev/null 2>err &&
	! grep -q "by others" err
'

test_expect_success 'a phone number or address in the subject does not reach the group' '
	printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: Bel mij: 06-2345 6789 of piet@bewoners.example\nMessage-ID: <subj@x>\n\nverdachte auto\n" >subj.eml &&
	bpt-report <subj.eml &&
	f=$(newest Anna@bewoners.example) &&
	header "$f" Subject | grep -qx "\[BPT Testbuurt #[0-9]*\] Bel mij: \[nummer\] of \[adres\]"
'

test_done

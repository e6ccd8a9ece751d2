#!/bin/sh
# A template an admin broke never costs an alert: bpt-report delivers
# the alert with the built-in text and exits 0, the admins are told
# once per version of the file, and the admin commands stop with 78
# naming the file until it is fixed.
. "$top_srcdir/tests/lib.sh"

BOX="$TRASH/outbox"
mkdir "$TRASH/templates"
# group.templates sits in the group block
sed -i "s|^  address: bpt@bars.example|&\n  templates: $TRASH/templates|" "$BPT_CONFIG"

count() { # count ADDR: the mails ADDR got
	find "$BOX/$1/new" -type f 2>/dev/null | wc -l | tr -d ' '
}
alert() { # alert N: an alert from Jan, Message-ID N
	cat <<EOF_MAIL
From: Jan de Vries <jan@bewoners.example>
To: bpt@bars.example
Subject: Inbraak Dorpsstraat $1
Message-ID: <tpl-$1@bewoners.example>

Twee mannen bij de achterdeur van Dorpsstraat $1.
EOF_MAIL
}

test_expect_success 'a group with an admin' '
	grep -q "templates: $TRASH/templates" "$BPT_CONFIG" &&
	bpt-member add --no-welcome anna@bewoners.example --name "Anna Beheer" --role admin &&
	bpt-member add --no-welcome jan@bewoners.example --name "Jan de Vries" &&
	bpt-member add --no-welcome piet@bewoners.example --name "Piet Bakker"
'

test_expect_success 'an admin breaks the alert text' '
	printf "MELDING #{{number}}\n{{#plates}}Kenteken: {{plates}}\n{{text}}\n" \
		>"$TRASH/templates/alert.nl.txt"
'

test_expect_success 'bpt-member stops with EX_CONFIG, naming the file' '
	test_expect_code 78 bpt-member list 2>err &&
	grep -q "templates/alert.nl.txt" err && test "$(wc -l <err)" = 1
'

test_expect_success 'so do bpt-close, bpt-export and bpt-report list' '
	test_expect_code 78 bpt-close --idle &&
	test_expect_code 78 bpt-export --purge &&
	test_expect_code 78 bpt-report list
'

test_expect_success 'an alert still reaches everyone, with the built-in text' '
	alert 4 | bpt-report 2>err &&
	grep "templates/alert.nl.txt" err &&
	grep -q "built-in text" err &&
	f=$(ls "$BOX/piet@bewoners.example/new"/*) &&
	grep -q "^MELDING #1 - .* - gemeld door Jan de Vries" "$f" &&
	grep -q "Twee mannen bij de achterdeur van Dorpsstraat 4" "$f" &&
	test "$(count jan@bewoners.example)" = 1
'

test_expect_success 'the admins get one notice naming the file' '
	bpt-send >/dev/null 2>&1 &&
	test "$(count anna@bewoners.example)" = 2 &&
	n=$(grep -l "^Subject: .*Fout in de tekst alert" \
		"$BOX/anna@bewoners.example/new"/*) &&
	test "$(echo "$n" | wc -l)" = 1 &&
	grep -q "templates/alert.nl.txt" "$n" &&
	grep -q "section is not closed" "$n" &&
	! grep -q "Fout in de tekst" "$BOX/piet@bewoners.example/new"/*
'

test_expect_success 'a second alert: delivered, no second notice' '
	alert 6 | bpt-report 2>err &&
	grep -q "templates/alert.nl.txt" err &&
	bpt-send >/dev/null 2>&1 &&
	test "$(count piet@bewoners.example)" = 2 &&
	test "$(count anna@bewoners.example)" = 3 &&
	test "$(grep -l "Fout in de tekst" "$BOX/anna@bewoners.example/new"/* |
		wc -l)" = 1
'

test_expect_success 'a new mistake in the file is news: one more notice' '
	printf "MELDING #{{number}}\n{{/text}}\n" >"$TRASH/templates/alert.nl.txt" &&
	alert 8 | bpt-report 2>/dev/null &&
	bpt-send >/dev/null 2>&1 &&
	test "$(grep -l "Fout in de tekst" "$BOX/anna@bewoners.example/new"/* |
		wc -l)" = 2
'

test_expect_success 'fixed, the own text is used and the admin commands work' '
	printf "EIGEN MELDING #{{number}}\n{{text}}\n" \
		>"$TRASH/templates/alert.nl.txt" &&
	bpt-member list >/dev/null &&
	alert 10 | bpt-report 2>err &&
	! grep -q "built-in" err &&
	f=$(ls -t "$BOX/piet@bewoners.example/new"/* | head -n 1) &&
	grep -q "^EIGEN MELDING #4" "$f"
'

test_expect_success 'a variable no tool fills in is a mistake too: 78, the built-in text' '
	printf "EIGEN MELDING #{{number}} van {{naam}}\n{{text}}\n" \
		>"$TRASH/templates/alert.nl.txt" &&
	test_expect_code 78 bpt-member list 2>err &&
	grep -q "{{naam}}" err &&
	grep -q "alert.nl.txt" err &&
	alert 11 | bpt-report 2>err &&
	grep -q "{{naam}}.*built-in" err &&
	f=$(ls -t "$BOX/piet@bewoners.example/new"/* | head -n 1) &&
	grep -q "Dorpsstraat 11" "$f" &&
	! grep -q "^EIGEN MELDING" "$f"
'

test_done

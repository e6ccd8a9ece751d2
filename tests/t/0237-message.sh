#!/bin/sh
# bpt-report message ID: any stored message by its number, for an
# admin or coordinator only: the summary and the text, --raw the bytes
# as received, --text the text, --format json for scripts; a
# quarantined message is never parsed again to show it.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null || test_skip_all "python3 not installed"
command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

unset SUDO_USER
DB="$TRASH/store/bpt.db"
q() { sqlite3 "$DB" "$1"; }
id_of() { q "SELECT id FROM messages WHERE message_id = '$1'"; }

test_expect_success 'a group with an admin and a coordinator' '
	bpt-member add anna@bewoners.example --name "Anna Beheer" --role admin &&
	bpt-member add cor@bewoners.example --name "Cor" --role coordinator &&
	bpt-member add jan@bewoners.example --name "Jan de Vries" &&
	bpt-member add piet@bewoners.example --name "Piet Bakker"
'

cat >alert.eml <<'EOF_MAIL'
From: Jan de Vries <jan@bewoners.example>
To: bpt@bars.example
Subject: =?utf-8?q?Verdacht_bij_de_sch=C3=BAr?=
Message-ID: <msg-1@bewoners.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Man met koevoet bij de sch=FAr van nr 4. Bel mij: 06-12345678.
EOF_MAIL

cat >stranger.eml <<'EOF_MAIL'
From: Onbekend <kees@elders.example>
To: bpt@bars.example
Subject: Mag ik meedoen?
Message-ID: <msg-2@elders.example>

Hallo, ik woon om de hoek. Kan ik ook meedoen?
EOF_MAIL

test_expect_success 'an alert and a stranger'"'"'s mail are stored' '
	bpt-report <alert.eml &&
	bpt-report <stranger.eml 2>/dev/null;
	test -n "$(id_of msg-1@bewoners.example)" &&
	test -n "$(id_of msg-2@elders.example)"
'

test_expect_success 'the admin sees the summary and the whole text' '
	id=$(id_of msg-1@bewoners.example) &&
	bpt-report message "$id" --as anna@bewoners.example >out &&
	grep -q "^id  *$id$" out &&
	grep -q "^from  *jan@bewoners.example$" out &&
	grep -q "^subject  *Verdacht bij de schúr$" out &&
	grep -q "^state  *done$" out &&
	grep -q "^incident  *1$" out &&
	grep -q "^Man met koevoet bij de schúr van nr 4. Bel mij: 06-12345678.$" out
'

test_expect_success 'where the members got the number masked' '
	! grep -q 06-12345678 "$TRASH"/outbox/piet@bewoners.example/new/*
'

test_expect_success '--raw: the bytes as received' '
	bpt-report message "$(id_of msg-1@bewoners.example)" --raw \
		--as cor@bewoners.example >raw &&
	cmp alert.eml raw
'

test_expect_success '--text: the decoded text alone' '
	bpt-report message "$(id_of msg-1@bewoners.example)" --text \
		--as anna@bewoners.example >text &&
	printf "Man met koevoet bij de schúr van nr 4. Bel mij: 06-12345678.\n" >want &&
	test_cmp want text
'

test_expect_success '--format json for scripts; a stranger'"'"'s mail too' '
	id=$(id_of msg-2@elders.example) &&
	bpt-report --format json message "$id" --as anna@bewoners.example >json &&
	python3 - "$id" <<-PY
	import json, sys
	d = json.load(open("json"))
	assert d["format_version"] == 1, d
	assert d["id"] == int(sys.argv[1]), d
	assert d["from"] == "kees@elders.example", d
	assert d["class"] == "nonmember", d
	assert d["subject"] == "Mag ik meedoen?", d
	assert d["text"].startswith("Hallo, ik woon om de hoek."), d
	assert d["attachments"] == [], d
	assert d["incident"] is None, d
	PY
'

test_expect_success 'who looked is in the audit trail' '
	test "$(q "SELECT count(*) FROM audit WHERE action = '"'"'message-shown'"'"'
		AND actor = '"'"'anna@bewoners.example'"'"'")" = 3
'

test_expect_success 'a member may not: 77, and nothing is shown' '
	test_expect_code 77 bpt-report message 1 --as piet@bewoners.example \
		>out 2>err &&
	test ! -s out && test "$(wc -l <err)" = 1 &&
	test_expect_code 77 bpt-report message 1 --as kees@elders.example >out &&
	test ! -s out
'

test_expect_success 'usage and a number that is not there' '
	test_expect_code 64 bpt-report message 1 --raw --text \
		--as anna@bewoners.example &&
	test_expect_code 64 bpt-report message 1 --raw --format json \
		--as anna@bewoners.example &&
	test_expect_code 64 bpt-report message abc --as anna@bewoners.example &&
	test_expect_code 64 bpt-report list --raw &&
	test_expect_code 66 bpt-report message 999 --as anna@bewoners.example 2>err &&
	grep -q "no message 999" err
'

printf 'From: Piet Bakker <piet@bewoners.example>\nTo: bpt@bars.example\nSubject: Dood\nMessage-ID: <dood-1@bewoners.example>\n\nKoevoet bij de schuren.\n' >dood.eml

test_expect_success 'a quarantined message: shown, never parsed again' '
	BPT_TEST_FAULT=parse-abort bpt-report <dood.eml 2>/dev/null;
	bpt-report <dood.eml 2>/dev/null &&
	id=$(q "SELECT id FROM messages WHERE state = '"'"'quarantined'"'"'") &&
	test -n "$id" &&
	BPT_TEST_FAULT=parse-abort bpt-report message "$id" \
		--as anna@bewoners.example >out &&
	grep -q "^state  *quarantined$" out &&
	grep -q "died on this message" out &&
	BPT_TEST_FAULT=parse-abort bpt-report message "$id" --raw \
		--as anna@bewoners.example >raw &&
	cmp dood.eml raw
'

test_expect_success 'the quarantine notice names this command' '
	id=$(q "SELECT id FROM messages WHERE state = '"'"'quarantined'"'"'") &&
	n=$(grep -l "quarantaine" "$TRASH"/outbox/anna@bewoners.example/new/*) &&
	grep -q "^ *bpt-report message $id$" $n
'

test_done

#!/bin/sh
# bpt-member: every command on good and bad input, output formats, exit codes.
. "$top_srcdir/tests/lib.sh"

STORE="$TRASH/store/bpt.db"
HAVE_SQLITE3=$(command -v sqlite3 || true)
HAVE_PYTHON3=$(command -v python3 || true)

# Cells a spreadsheet would run as formulas (formula.csv), how export
# writes them (formula.expect: fixed strings), and the names they are.
cat >formula.csv <<\EOF
email,name,phone
f@example.org,"=HYPERLINK(""http://x.example"",""klik"")",+31 6 11112222
g@example.org,@SUM(A1),
h@example.org,'t Hart,
k@example.org,-,
l@example.org,+ (plus),
EOF
cat >formula.expect <<\EOF
f@example.org,"'=HYPERLINK(""http://x.example"",""klik"")",'+31611112222,member,active,
g@example.org,'@SUM(A1),,member,active,
h@example.org,'t Hart,,member,active,
k@example.org,'-,,member,active,
l@example.org,'+ (plus),,member,active,
EOF
printf 'f@example.org\t=HYPERLINK("http://x.example","klik")\t+31611112222
g@example.org\t@SUM(A1)\t
h@example.org\t%st Hart\t
k@example.org\t-\t
l@example.org\t+ (plus)\t
' "'" >formula.names

# the column $2 (1-based) of the tsv list of ordinary members (the
# coordinator who acts with --as is left out)
list_col() { bpt-member --format tsv list --role member $1 | cut -f"$2"; }

test_expect_success '--help prints the usage on stdout and exits 0' '
	bpt-member --help >out 2>err &&
	grep -q "^usage: bpt-member" out &&
	! grep -q . err
'

test_expect_success 'usage names every command of the man page SYNOPSIS' '
	sed -n "/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p" \
	    "$top_srcdir/man/bpt-member.1" | sed -n "s/^\.Cm \([a-z-]*\)$/\1/p" \
	    | sort >man.cmds &&
	bpt-member --help | sed -n "s/^ *bpt-member \([a-z][a-z-]*\) .*/\1/p;
	    s/^ *bpt-member \([a-z][a-z-]*\)$/\1/p" | sort >usage.cmds &&
	test_cmp man.cmds usage.cmds &&
	test $(wc -l <usage.cmds) -eq 15
'

test_expect_success '--version names the package version' '
	bpt-member --version >out &&
	grep -q "^bpt-member (bpt) [0-9]" out
'

test_expect_failure_code 64 'no command is a usage error' 'bpt-member'
test_expect_failure_code 64 'an unknown command is a usage error' \
	'bpt-member frobnicate'
test_expect_failure_code 64 'an unknown option is a usage error' \
	'bpt-member list --frob'
test_expect_failure_code 64 'an option of another command is a usage error' \
	'bpt-member list --phone 0612345678'
test_expect_failure_code 64 'add without an address is a usage error' \
	'bpt-member add'
test_expect_failure_code 64 'show with two addresses is a usage error' \
	'bpt-member show a@example.org b@example.org'
test_expect_failure_code 64 'a bad --format is a usage error' \
	'bpt-member --format xml list'
test_expect_failure_code 64 'a bad --status is a usage error' \
	'bpt-member list --status sleeping'

test_expect_success 'add stores a member with a normalised phone number' '
	bpt-member add coordinator@example.org --role coordinator >/dev/null &&
	bpt-member --as coordinator@example.org add Jan@Example.ORG \
	    --name "Jan de Vries" --phone "06-12345678" --consent 2024-1 >out &&
	grep -q "^action  *add$" out &&
	printf "Jan@example.org\tJan de Vries\t+31612345678\tmember\tactive\t2024-1\n" >expect &&
	bpt-member --format tsv list --role member | cut -f1-6 >actual &&
	test_cmp expect actual
'

test_expect_success 'every common way of writing a mobile number is accepted' '
	for p in "06 1234 5678" "+31 6 12345678" "0031612345678" \
	    "(06) 12345678" "+31 (0)6 12345678"; do
		bpt-member set jan@example.org --phone "$p" >/dev/null &&
		bpt-member --format tsv show jan@example.org | grep -q "^phone	+31612345678$" ||
		return 1
	done
'

test_expect_failure_code 65 'a second add of the same address is refused (65)' \
	'bpt-member add JAN@example.org'

test_expect_success 'the duplicate message says what to do' '
	! bpt-member add jan@EXAMPLE.org 2>err &&
	grep -q "already a member.*--update" err
'

test_expect_success 'add --update changes an existing member' '
	bpt-member add jan@example.org --update --name "Jan" >out &&
	grep -q "^action  *update$" out &&
	test "$(list_col "" 2)" = "Jan"
'

test_expect_failure_code 65 'a landline is refused (65)' \
	'bpt-member add piet@example.org --phone 010-1234567'
test_expect_failure_code 65 'a short number is refused (65)' \
	'bpt-member add piet@example.org --phone 06-1234567'
test_expect_failure_code 65 'a number with letters is refused (65)' \
	'bpt-member add piet@example.org --phone 06-1234567a'
test_expect_failure_code 65 'a bad address is refused (65)' \
	'bpt-member add "piet@@example.org"'
test_expect_failure_code 65 'a bad role is refused (65)' \
	'bpt-member add piet@example.org --role boss'

test_expect_success 'the phone message is clear and nothing was added' '
	! bpt-member add piet@example.org --phone 010-1234567 2>err &&
	grep -q "bad phone .010-1234567.: not a mobile number" err &&
	test "$(list_col "" 1)" = "Jan@example.org"
'

test_expect_success 'set --phone "" clears the number' '
	bpt-member set jan@example.org --phone "" >/dev/null &&
	bpt-member --format tsv show jan@example.org >out &&
	grep -q "^phone	$" out
'

test_expect_failure_code 64 'set without anything to set is a usage error' \
	'bpt-member set jan@example.org'
test_expect_failure_code 66 'show of an unknown member is 66' \
	'bpt-member show nobody@example.org'
test_expect_failure_code 66 'set of an unknown member is 66' \
	'bpt-member set nobody@example.org --name X'
test_expect_failure_code 66 'remove of an unknown member is 66' \
	'bpt-member remove nobody@example.org'
test_expect_failure_code 66 'suspend of an unknown member is 66' \
	'bpt-member suspend nobody@example.org --reason x'
test_expect_failure_code 66 'reinstate of an unknown member is 66' \
	'bpt-member reinstate nobody@example.org'
test_expect_failure_code 66 'ban of an unknown member is 66' \
	'bpt-member ban nobody@example.org --reason x'
test_expect_failure_code 66 'log of an unknown member is 66' \
	'bpt-member log nobody@example.org'
test_expect_failure_code 65 'show of a bad address is 65' \
	'bpt-member show "not an address"'

test_expect_failure_code 64 'suspend needs --reason' \
	'bpt-member suspend jan@example.org'
test_expect_failure_code 64 'suspend --until needs a real date' \
	'bpt-member suspend jan@example.org --reason x --until 31-12-2099'
test_expect_failure_code 65 'suspend --until in the past is refused' \
	'bpt-member suspend jan@example.org --reason x --until 2001-01-01'
test_expect_failure_code 64 'ban needs --reason' 'bpt-member ban jan@example.org'

test_expect_success 'suspend, reinstate, remove and re-add' '
	bpt-member suspend jan@example.org --reason "te veel mail" \
	    --until 2099-12-31 >/dev/null &&
	bpt-member --format tsv show jan@example.org >out &&
	grep -q "^status	suspended$" out &&
	grep -q "^status_reason	te veel mail$" out &&
	grep -q "^status_until	2099-12-31T00:00:00+01:00$" out &&
	bpt-member reinstate jan@example.org >/dev/null &&
	test "$(list_col "" 5)" = active &&
	bpt-member remove jan@example.org --reason verhuisd >/dev/null &&
	test "$(list_col "--status removed" 1)" = Jan@example.org &&
	bpt-member add jan@example.org >out &&
	grep -q "^action  *readd$" out &&
	test "$(list_col "" 5)" = active
'

test_expect_failure_code 65 'reinstating an active member is refused' \
	'bpt-member reinstate jan@example.org'

test_expect_success 'a banned member cannot be added again without reinstate' '
	bpt-member ban jan@example.org --reason bedreiging >/dev/null &&
	{ bpt-member add jan@example.org 2>err; test $? -eq 65; } &&
	grep -q "banned (bedreiging).*reinstate" err &&
	{ bpt-member add jan@example.org --update 2>err; test $? -eq 65; } &&
	bpt-member reinstate jan@example.org >/dev/null &&
	test "$(list_col "" 5)" = active
'

test_expect_success 'the audit log lists every change with actor and reason' '
	bpt-member --format tsv log jan@example.org | cut -f3-6 >actual &&
	cut -f2 actual | tr "\n" " " >actions && echo >>actions &&
	echo "add update update suspend reinstate remove readd ban reinstate " >expect.actions &&
	test_cmp expect.actions actions &&
	head -1 actual | cut -f1 | grep -qx "coordinator@example.org" &&
	login=${LOGNAME:-${USER:-$(id -un)}} &&
	sed -n 2p actual | cut -f1 | grep -qxF "$login" &&
	grep -q "^[^	]*	suspend	Jan@example.org	te veel mail$" actual &&
	grep -q "^[^	]*	ban	Jan@example.org	bedreiging$" actual
'

test_expect_success '--as after the command is taken too' '
	bpt-member set jan@example.org --name "Jan V" --as Coordinator@Example.org >/dev/null &&
	bpt-member --format tsv log jan@example.org | tail -1 | cut -f3 >actual &&
	echo coordinator@example.org >expect &&
	test_cmp expect actual
'

test_expect_success 'the log without an address holds all members' '
	bpt-member add kees@example.org >/dev/null &&
	bpt-member --format tsv log | cut -f5 | sort -u >actual &&
	printf "Jan@example.org\ncoordinator@example.org\nkees@example.org\n" >expect &&
	test_cmp expect actual
'

test_expect_success '--dry-run checks and reports but writes nothing' '
	bpt-member --format tsv list >list.before &&
	bpt-member --format tsv log >log.before &&
	bpt-member -n add new@example.org --name New >out &&
	grep -q "^dry_run  *yes$" out &&
	bpt-member --dry-run ban kees@example.org --reason x >/dev/null &&
	bpt-member remove kees@example.org -n >/dev/null &&
	bpt-member -n set kees@example.org --phone 0612345678 >/dev/null &&
	printf "email\nx1@example.org\nx2@example.org\n" | bpt-member -n import >out &&
	grep -q "^added  *2$" out &&
	bpt-member --format tsv list >list.after &&
	bpt-member --format tsv log >log.after &&
	test_cmp list.before list.after &&
	test_cmp log.before log.after
'

test_expect_failure_code 65 '--dry-run still refuses bad data' \
	'bpt-member -n add kees@example.org'

test_expect_success 'import reads RFC 4180 CSV in one go' '
	cat >leden.csv <<-\EOF &&
	email,name,phone,role
	anna@example.org,"de Vries, Anna",06-11112222,
	bert@example.org,"Bert ""de Bakker""",,admin
	cor@example.org,Cor,+31 (0)6 3333 4444,coordinator
	EOF
	bpt-member import leden.csv >out &&
	grep -q "^added  *3$" out &&
	bpt-member --format tsv list --role admin | cut -f1,2 >actual &&
	printf "bert@example.org\tBert \"de Bakker\"\n" >expect &&
	test_cmp expect actual &&
	bpt-member --format tsv show anna@example.org >out &&
	grep -q "^name	de Vries, Anna$" out &&
	grep -q "^phone	+31611112222$" out
'

test_expect_success 'the import row is in the log of every member it added' '
	for m in anna bert cor; do
		bpt-member --format tsv log $m@example.org | cut -f4 >actual &&
		echo import >expect &&
		test_cmp expect actual || exit 1
	done &&
	! bpt-member --format tsv log jan@example.org | cut -f4 | grep -qx import
'

test_expect_success 'a bad CSV line stops the import: 65, its line named, nothing added' '
	cat >bad.csv <<-\EOF &&
	email,name,phone
	d1@example.org,D1,0611111111
	d2@example.org,D2,
	d3@example.org,D3,010-1234567
	d4@example.org,D4,
	EOF
	bpt-member --format tsv list >before &&
	{ bpt-member import bad.csv 2>err; test $? -eq 65; } &&
	grep -q "bad.csv:4: bad phone .010-1234567." err &&
	bpt-member --format tsv list >after &&
	test_cmp before after
'

test_expect_success 'bad quoting names its line' '
	printf "email,name\ne1@example.org,\"E\"x\n" >q.csv &&
	{ bpt-member import q.csv 2>err; test $? -eq 65; } &&
	grep -q "q.csv:2: text after the closing quote" err
'

test_expect_success 'importing an existing member needs --update' '
	printf "email,name\nanna@example.org,Anna\n" >upd.csv &&
	{ bpt-member import upd.csv 2>err; test $? -eq 65; } &&
	grep -q "upd.csv:2: .anna@example.org. is already a member" err &&
	bpt-member import --update upd.csv >out &&
	grep -q "^updated  *1$" out &&
	bpt-member --format tsv show anna@example.org | grep -q "^name	Anna$"
'

test_expect_failure_code 66 'import of a missing file is 66' \
	'bpt-member import no-such-file.csv'

test_expect_success 'export is CSV that import reads back' '
	bpt-member export >export.csv &&
	head -1 export.csv >head &&
	echo "email,name,phone,role,status,status_reason,status_until,status_at,consent_version,consent_at,consent_via,joined_at" >expect &&
	test_cmp expect head &&
	grep -q "^bert@example.org,\"Bert \"\"de Bakker\"\"\",,admin,active,,,20[0-9-]*T[0-9:]*Z,,,,20[0-9-]*T[0-9:]*Z$" export.csv &&
	sed "s|$TRASH/store/bpt.db|$TRASH/store2/bpt.db|" "$BPT_CONFIG" >two.yaml &&
	bpt-member -c two.yaml import - <export.csv >/dev/null &&
	bpt-member -c two.yaml export >export2.csv &&
	test_cmp export.csv export2.csv
'

# a configuration of its own, with an empty store: cfg NAME writes NAME.yaml
cfg() {
	sed "s|$TRASH/store/bpt.db|$TRASH/$1/bpt.db|" "$BPT_CONFIG" >"$1.yaml" &&
	chmod 600 "$1.yaml"
}

test_expect_success 'export | import keeps every status, reason, date and consent' '
	cfg rt1 && cfg rt2 &&
	m="bpt-member -c rt1.yaml" &&
	$m add coordinator@example.org --role coordinator >/dev/null &&
	$m --as coordinator@example.org add act@example.org --name Actief \
	    --phone "+31 6 12345678" --role admin --consent 2024-1 >/dev/null &&
	$m add sus@example.org --name Geschorst --consent 2023-2 >/dev/null &&
	$m suspend sus@example.org --reason "te veel mail" \
	    --until 2099-12-31 >/dev/null &&
	$m add ban@example.org --name Verbannen >/dev/null &&
	$m ban ban@example.org --reason bedreiging >/dev/null &&
	$m add rem@example.org --name Weg >/dev/null &&
	$m remove rem@example.org --reason verhuisd >/dev/null &&
	if [ -n "$HAVE_SQLITE3" ]; then
		$m add pen@example.org --name Wacht >/dev/null &&
		sqlite3 "$TRASH/rt1/bpt.db" "UPDATE members SET status = '"'"'pending'"'"' WHERE email = '"'"'pen@example.org'"'"'"
	fi &&
	$m export >rt1.csv &&
	$m export | bpt-member -c rt2.yaml import >out &&
	grep -q "^file  *stdin$" out &&
	bpt-member -c rt2.yaml export >rt2.csv &&
	test_cmp rt1.csv rt2.csv &&
	$m --format json list >rt1.json &&
	bpt-member -c rt2.yaml --format json list >rt2.json &&
	test_cmp rt1.json rt2.json &&
	$m --format tsv list | cut -f1,5 >statuses &&
	bpt-member -c rt2.yaml --format tsv list | cut -f1,5 >statuses2 &&
	test_cmp statuses statuses2 &&
	grep -q "^ban@example.org	banned$" statuses2 &&
	grep -q "^rem@example.org	removed$" statuses2 &&
	bpt-member -c rt2.yaml --format tsv show sus@example.org >sus &&
	grep -q "^status	suspended$" sus &&
	grep -q "^status_reason	te veel mail$" sus &&
	grep -q "^status_until	2099-12-31T00:00:00+01:00$" sus &&
	grep -q "^consent_version	2023-2$" sus &&
	grep -q "^consent_via	admin$" sus &&
	$m --format tsv show sus@example.org | grep -v "^id	\|^updated	" >a &&
	bpt-member -c rt2.yaml --format tsv show sus@example.org |
	    grep -v "^id	\|^updated	" >b &&
	test_cmp a b
'

test_expect_success 'import does not undo a removal or a ban, --update neither' '
	m="bpt-member -c rt2.yaml" &&
	$m --format tsv list >before &&
	printf "email,status\nrem@example.org,active\n" >undo.csv &&
	{ $m import --update undo.csv 2>err; test $? -eq 65; } &&
	grep -q "undo.csv:2: .rem@example.org. is removed in the store, not active" err &&
	printf "email,status\nban@example.org,active\n" >undo.csv &&
	{ $m import --update undo.csv 2>err; test $? -eq 65; } &&
	grep -q "undo.csv:2: .ban@example.org. is banned (bedreiging).*--force" err &&
	$m --format tsv list >after &&
	test_cmp before after
'

test_expect_success 'a banned address is added again only with --force and a reason' '
	m="bpt-member -c rt2.yaml" &&
	$m --format tsv list >before &&
	$m --format tsv log >log.before &&
	{ $m add ban@example.org 2>err; test $? -eq 65; } &&
	grep -q "banned (bedreiging).*--force" err &&
	{ $m add ban@example.org --update 2>err; test $? -eq 65; } &&
	{ $m add ban@example.org --force 2>err; test $? -eq 64; } &&
	grep -q "needs --reason" err &&
	{ $m add ban@example.org --reason x 2>err; test $? -eq 64; } &&
	$m --format tsv list >after &&
	$m --format tsv log >log.after &&
	test_cmp before after &&
	test_cmp log.before log.after &&
	$m --as coordinator@example.org add ban@example.org --force \
	    --reason "excuses aangeboden" >out &&
	grep -q "^action  *force-add$" out &&
	$m --format tsv log ban@example.org | tail -1 | cut -f3-6 >actual &&
	printf "coordinator@example.org\tforce-add\tban@example.org\texcuses aangeboden\n" >expect &&
	test_cmp expect actual &&
	$m --format tsv log ban@example.org | tail -1 | cut -f7 |
	    grep -q "^status .banned. -> .active., reason .bedreiging. -> ..$" &&
	$m --format tsv show ban@example.org | grep -q "^status	active$"
'

test_expect_success 'an import with a banned address names its line and imports nothing' '
	m="bpt-member -c rt1.yaml" &&
	printf "email,name\nnieuw@example.org,Nieuw\nban@example.org,Weer\n" >ban.csv &&
	$m --format tsv list >before &&
	{ $m import ban.csv 2>err; test $? -eq 65; } &&
	grep -q "ban.csv:3: .ban@example.org. is banned (bedreiging)" err &&
	grep -q "nothing imported" err &&
	$m --format tsv list >after &&
	test_cmp before after &&
	$m import --force --reason "opnieuw welkom" ban.csv >out &&
	grep -q "^added  *1$" out &&
	grep -q "^readded  *1$" out &&
	$m --format tsv log ban@example.org | tail -1 | cut -f4,6 >actual &&
	printf "force-add\topnieuw welkom\n" >expect &&
	test_cmp expect actual
'

# What Dutch Excel saves: semicolons, CRLF, Windows-1252 (0xE9 is e-acute,
# 0xEB e-diaeresis, 0x80 the euro sign), with or without a byte order mark.
test_expect_success 'a CSV from Dutch Excel is imported as it is' '
	cfg nl &&
	printf "\357\273\277E-mail;Naam;Telefoon\r\nrene@example.org;Ren\351 de Vri\353s;06-12345678\r\nzoe@example.org;\"Zo\353; \200 5\";\r\n" >excel.csv &&
	bpt-member -c nl.yaml import excel.csv >out &&
	grep -q "^added  *2$" out &&
	bpt-member -c nl.yaml --format tsv list | cut -f1-3 >actual &&
	printf "rene@example.org\tRen\303\251 de Vri\303\253s\t+31612345678\nzoe@example.org\tZo\303\253; \342\202\254 5\t\n" >expect &&
	test_cmp expect actual &&
	printf "email;naam\r\npiet@example.org;Pi\353t\r\n" |
	    bpt-member -c nl.yaml import >/dev/null &&
	bpt-member -c nl.yaml --format tsv show piet@example.org >out &&
	grep -qx "$(printf "name\tPi\303\253t")" out
'

test_expect_success 'export --excel writes a BOM, semicolons and CRLF' '
	bpt-member -c nl.yaml export --excel >x.csv &&
	printf "\357\273\277email;name;phone;role;status;status_reason;status_until;status_at;consent_version;consent_at;consent_via;joined_at\r\n" >expect &&
	head -n 1 x.csv >actual &&
	test_cmp expect actual &&
	test "$(head -c 3 x.csv | od -An -tx1 | tr -d " \n")" = efbbbf &&
	test "$(grep -c "" x.csv)" -eq 4 &&
	test "$(tr -cd "\r" <x.csv | wc -c)" -eq 4 &&
	test "$(tr -cd "\n" <x.csv | wc -c)" -eq 4 &&
	! grep -qv "$(printf "\r")\$" x.csv &&
	grep -qF "$(printf "rene@example.org;Ren\303\251 de Vri\303\253s;\047+31612345678;member;active;;;")" x.csv &&
	grep -qF "$(printf "zoe@example.org;\"Zo\303\253; \342\202\254 5\";;member;active;")" x.csv &&
	{ bpt-member -c nl.yaml export --excel --format json 2>err; test $? -eq 64; } &&
	cfg nl2 &&
	bpt-member -c nl2.yaml import x.csv >/dev/null &&
	bpt-member -c nl.yaml export --excel >a &&
	bpt-member -c nl2.yaml export --excel >b &&
	test_cmp a b
'

test_expect_success 'formula cells are neutralised on export and come back on import' '
	cfg f1 && cfg f2 &&
	bpt-member -c f1.yaml import formula.csv >/dev/null &&
	bpt-member -c f1.yaml export >f1.csv &&
	grep -F -f formula.expect f1.csv >found &&
	test "$(wc -l <found)" -eq 5 &&
	bpt-member -c f2.yaml import f1.csv >/dev/null &&
	bpt-member -c f2.yaml export >f2.csv &&
	test_cmp f1.csv f2.csv &&
	bpt-member -c f1.yaml --format json list >f1.json &&
	bpt-member -c f2.yaml --format json list >f2.json &&
	test_cmp f1.json f2.json &&
	bpt-member -c f2.yaml --format tsv list | cut -f1-3 >actual &&
	test_cmp formula.names actual
'

test_expect_success 'names with direction or line separator characters are refused (65)' '
	for n in "$(printf "Jan \342\200\256nimda")" "$(printf "\342\201\246Jan")" \
	    "$(printf "Jan\342\200\250Bcc")" "$(printf "Jan\342\200\217")" \
	    "$(printf "Jan\330\234")"; do
		{ bpt-member add bidi@example.org --name "$n" 2>err; test $? -eq 65; } &&
		grep -q "bad name: U+" err &&
		{ bpt-member set jan@example.org --name "$n" 2>err; test $? -eq 65; } ||
		return 1
	done &&
	printf "email,name\nbidi@example.org,Jan \342\200\256nimda\n" >bidi.csv &&
	{ bpt-member import bidi.csv 2>err; test $? -eq 65; } &&
	grep -q "bidi.csv:2: bad name: U+202E (byte 5) is a character that changes the direction of text" err &&
	{ bpt-member show bidi@example.org 2>/dev/null; test $? -eq 66; }
'

test_expect_success 'tsv escapes backslashes and json parses' '
	bpt-member add slash@example.org --name "A\\B" >/dev/null &&
	bpt-member --format tsv list | grep "^slash@" | cut -f2 >actual &&
	printf "%s\n" "A\\\\B" >expect &&
	test_cmp expect actual &&
	if [ -n "$HAVE_PYTHON3" ]; then
		bpt-member --format json list >l.json &&
		python3 -m json.tool l.json >/dev/null &&
		grep -q "\"format_version\":1" l.json &&
		grep -q "\"name\":\"A\\\\\\\\B\"" l.json &&
		bpt-member --format json show anna@example.org | python3 -m json.tool >/dev/null &&
		bpt-member --format json log | python3 -m json.tool >/dev/null &&
		bpt-member export --format json | python3 -m json.tool >/dev/null &&
		bpt-member --format json add j@example.org | python3 -m json.tool >/dev/null
	fi
'

test_expect_success 'the json list has the documented columns' '
	if [ -n "$HAVE_PYTHON3" ]; then
		bpt-member --format json list | python3 -c "
import json, sys
d = json.load(sys.stdin)
keys = list(d[\"members\"][0].keys())
assert keys == [\"email\", \"name\", \"phone\", \"role\", \"status\", \"consent_version\", \"joined\"], keys
"
	fi
'

test_expect_success 'an ended suspension counts as active at the next command' '
	if [ -n "$HAVE_SQLITE3" ]; then
		bpt-member suspend kees@example.org --reason rust --until 2099-01-01 >/dev/null &&
		sqlite3 "$STORE" "UPDATE members SET status_until = 1000 WHERE email = '"'"'kees@example.org'"'"'" &&
		bpt-member --format tsv show kees@example.org | grep -q "^status	active$" &&
		bpt-member --format tsv log kees@example.org | tail -1 | cut -f3-6 >actual &&
		printf "bpt\treinstate\tkees@example.org\tsuspension ended\n" >expect &&
		test_cmp expect actual
	fi
'

test_expect_success 'a broken configuration is 78 with line and column' '
	printf "group:\n  name: [unclosed\nstore: x.db\n" >broken.yaml &&
	{ bpt-member -c broken.yaml list 2>err; test $? -eq 78; } &&
	grep -q "broken.yaml:[0-9][0-9]*:[0-9][0-9]*: " err
'

test_expect_success 'a store folder that cannot be made is 73' '
	sed "s|^store: .*|store: /proc/bpt-cannot/bpt.db|" "$BPT_CONFIG" >proc.yaml &&
	{ bpt-member -c proc.yaml list 2>err; test $? -eq 73; } &&
	grep -q "cannot create" err &&
	: >afile &&
	sed "s|^store: .*|store: $TRASH/afile/bpt.db|" "$BPT_CONFIG" >file.yaml &&
	{ bpt-member -c file.yaml add x@example.org 2>err; test $? -eq 73; }
'

# Another process holds the write lock for longer than busy_timeout (2s).
LOCKPID=
stop_locker() {
	exec 7>&- 2>/dev/null
	if [ -n "$LOCKPID" ]; then
		kill "$LOCKPID" 2>/dev/null
		wait "$LOCKPID" 2>/dev/null
		LOCKPID=
	fi
}
if [ -n "$HAVE_SQLITE3" ]; then
	test_atexit stop_locker
	mkfifo "$TRASH/lock.fifo"
	sqlite3 "$STORE" <"$TRASH/lock.fifo" >"$TRASH/lock.out" 2>&1 &
	LOCKPID=$!
	exec 7>"$TRASH/lock.fifo"
	echo "PRAGMA busy_timeout=10000; BEGIN IMMEDIATE; SELECT 'locked';" >&7
	# wait until the locker says it holds the lock (probing for the lock
	# ourselves could take it from under the locker)
	i=0
	while ! grep -q locked "$TRASH/lock.out" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	test_expect_success 'a store locked past busy_timeout is 75' '
		{ bpt-member add locked@example.org 2>err; test $? -eq 75; } &&
		grep -q "locked" err
	'
	test_expect_success 'reading a locked store still works' '
		bpt-member --format tsv show kees@example.org >/dev/null
	'
	stop_locker
	test_expect_success 'after the lock is gone the add works' '
		bpt-member add locked@example.org >/dev/null
	'
else
	test_skip 'a store locked past busy_timeout is 75 (no sqlite3)'
fi

test_done

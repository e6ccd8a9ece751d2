#!/bin/sh
# bpt-close: who may close, the end mail in the thread to exactly the
# active members, idempotent close, reopen, the idle boundary, outcomes,
# and the reminder cadence over eight simulated weeks.  Time moves with
# BPT_NOW.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null || test_skip_all "python3 not installed"
command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

# the login that acts is LOGNAME here, not the user who ran sudo
unset SUDO_USER
STORE="$TRASH/store/bpt.db"
BOX="$TRASH/outbox"
ACTIVE="anna@bewoners.example cor@bewoners.example piet@bewoners.example"
QUIET="kees@bewoners.example bob@bewoners.example"

# snap NAME: remembers every file in every mailbox; fresh NAME ADDR: the
# files ADDR got since
snap() { (cd "$BOX" 2>/dev/null && find . -type f | sort) >"$TRASH/snap.$1"; }
fresh() {
	(cd "$BOX" && find "./$2/new" -type f 2>/dev/null | sort) |
	    comm -13 "$TRASH/snap.$1" - | sed "s|^\./|$BOX/|"
}
# alert_of ADDR N: the alert of incident N in ADDR's box (maildir names
# do not sort in delivery order within a second)
alert_of() {
	for _f in "$BOX/$1/new"/*; do
		grep -qi "^X-BPT-Incident: $2\$" "$_f" && ! grep -qi "^In-Reply-To:" "$_f" &&
			echo "$_f"
	done | head -n 1
}
nfresh() { fresh "$1" "$2" | wc -l | tr -d ' '; }
# every active member got exactly N new mails since NAME, the others none
members_got() {
	for a in $ACTIVE; do
		[ "$(nfresh "$1" "$a")" = "$2" ] || { echo "$a got $(nfresh "$1" "$a")"; return 1; }
	done
	for a in $QUIET; do
		[ "$(nfresh "$1" "$a")" = 0 ] || { echo "$a got mail"; return 1; }
	done
}
header() { # header FILE NAME: the first value, unfolded
	python3 - "$1" "$2" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
v = m.get(sys.argv[2])
print('' if v is None else ' '.join(str(v).split()))
PY
}
body() { # the decoded text, format=flowed lines joined
	python3 - "$1" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
part = m.get_body(preferencelist=('plain',))
out, cur = [], ''
for line in part.get_content().split('\n'):
    if line.startswith(' '):
        line = line[1:]
    cur += line
    if line.endswith(' ') and line != '-- ':
        continue
    out.append(cur)
    cur = ''
print('\n'.join(out), end='')
PY
}
status_of() { bpt-report --format tsv list | awk -F '\t' -v n="$1" '$1 == n { print $2 }'; }
audit_rows() { sqlite3 "$STORE" "SELECT count(*) FROM audit WHERE action = '$1'"; }
mail() { # mail FROM SUBJECT ID TEXT
	printf 'From: %s\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s@bewoners.example>\n\n%s\n' \
	    "$1" "$2" "$3" "$4"
}

test_expect_success '--help prints the usage; it names every option of the man page' '
	bpt-close --help >out 2>err && ! grep -q . err &&
	grep -q "^usage: bpt-close" out &&
	sed -n "/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p" "$top_srcdir/man/bpt-close.1" |
	    grep -o "Fl [^ ]*" | tr -d "\\\\" | sed "s/^Fl /-/" | sort -u >man.opts &&
	grep -o -- "[[ ]-\{1,2\}[a-z][a-z-]*" out | cut -c2- | sort -u >usage.opts &&
	test_cmp man.opts usage.opts &&
	bpt-close --version | grep -q "^bpt-close (bpt) [0-9]"
'

test_expect_failure_code 64 'no incident number is a usage error' 'bpt-close'
test_expect_failure_code 64 'two modes at once are a usage error' 'bpt-close --reopen --remind 1'
test_expect_failure_code 64 'an unknown result is a usage error' 'bpt-close --outcome x --result won 1'
test_expect_failure_code 64 '--as does not go with --idle' 'bpt-close --as a@b.example --idle'
test_expect_failure_code 64 'a bad duration is a usage error' 'bpt-close --idle 3x'
test_expect_failure_code 64 'a number that is not one is a usage error' 'bpt-close 1x'

T0=2026-11-28T20:03:00Z
test_expect_success 'a group with an alert and a reply' '
	bpt-member add --no-welcome anna@bewoners.example --name "Anna Beheer" --role admin >/dev/null &&
	bpt-member add --no-welcome cor@bewoners.example --name "Cor" --role coordinator >/dev/null &&
	bpt-member add --no-welcome piet@bewoners.example --name "Piet Bakker" >/dev/null &&
	bpt-member add --no-welcome kees@bewoners.example --name "Kees" --role admin >/dev/null &&
	bpt-member suspend kees@bewoners.example --reason vakantie >/dev/null &&
	bpt-member add --no-welcome bob@bewoners.example --name "Bob" >/dev/null &&
	bpt-member remove bob@bewoners.example >/dev/null &&
	mail piet@bewoners.example "Man bij de garages" a1 "Man met rode jas. 112 gebeld." |
	    BPT_NOW=$T0 bpt-report &&
	mail anna@bewoners.example "Re: [BPT Testbuurt #1] Man bij de garages" r1 "Hij loopt naar het park." |
	    BPT_NOW=2026-11-28T20:08:00Z bpt-report &&
	test "$(status_of 1)" = open &&
	bpt-member set anna@bewoners.example --login beheer >/dev/null
'

# nothing of the group changes: incident, mailboxes, audit trail
state() { bpt-report --format tsv list; bpt-member --format tsv log; (cd "$BOX" && find . -type f | sort); }

test_expect_success 'a member, a stranger, an unknown --as and an unlinked login are refused with 77' '
	state >before &&
	for as in piet@bewoners.example stranger@elders.example nobody@evil.example \
	    kees@bewoners.example bob@bewoners.example; do
		LOGNAME=beheer bpt-close --as $as 1 >out 2>err; code=$?
		test $code = 77 || { echo "--as $as: $code"; return 1; }
		grep -q "not an active admin or coordinator\|not a member of this group" err || return 1
		! grep -q . out || return 1
	done &&
	{ LOGNAME=piet bpt-close 1 2>err; test $? = 77; } &&
	grep -q "login .piet. is not linked" err &&
	{ LOGNAME=piet bpt-close --reopen 1 2>/dev/null; test $? = 77; } &&
	{ LOGNAME=piet bpt-close --outcome x 1 2>/dev/null; test $? = 77; } &&
	state >after &&
	test_cmp before after
'

test_expect_success 'a dry run prints what it would do and changes nothing' '
	state >before &&
	LOGNAME=beheer BPT_NOW=2026-11-28T21:00:00Z bpt-close -n --format tsv --reason x 1 >out &&
	printf "1\tclose\t\tMan bij de garages\n" >expect &&
	cut -f1-4 out >actual && test_cmp expect actual &&
	test "$(cut -f10,11 out)" = "$(printf "3\tyes")" &&
	state >after &&
	test_cmp before after
'

T1=2026-11-28T21:00:00Z
test_expect_success 'an admin closes: every active member gets one end mail, audit row, closed' '
	snap close &&
	LOGNAME=beheer BPT_NOW=$T1 bpt-close --reason "Politie is ter plaatse geweest" 1 >out &&
	grep -q "^1  *close " out &&
	members_got close 1 &&
	fresh close piet@bewoners.example >end.piet &&
	test "$(status_of 1)" = closed &&
	bpt-report --format json show 1 >show.json &&
	python3 -c "
import json; d = json.load(open(\"show.json\"))
assert d[\"closed_by\"] == \"anna@bewoners.example\", d
assert d[\"close_reason\"] == \"Politie is ter plaatse geweest\", d
assert d[\"closed\"].startswith(\"2026-11-28T22:00:00\"), d
" &&
	test "$(sqlite3 "$STORE" "SELECT actor, incident_id, reason FROM audit WHERE action = '"'"'close'"'"'")" = \
	    "anna@bewoners.example|1|Politie is ter plaatse geweest"
'

test_expect_success 'the end mail threads under the alert the members got' '
	for a in $ACTIVE; do
		alert=$(alert_of $a 1) && test -n "$alert" &&
		end=$(fresh close $a) &&
		root=$(header "$alert" Message-ID) &&
		test "$(header "$end" In-Reply-To)" = "$root" &&
		header "$end" References | grep -qF "$root" &&
		test "$(header "$end" Subject)" = "Re: [BPT Testbuurt #1] Man bij de garages" &&
		test "$(header "$end" X-BPT-Incident)" = 1 || return 1
	done &&
	body "$end" >text &&
	grep -q "^EINDE MELDING #1 - 2026-11-28 22:00$" text &&
	grep -q "^Anna Beheer heeft deze melding afgesloten.$" text &&
	grep -q "^Reden: Politie is ter plaatse geweest$" text &&
	test "$(grep -c "Bel 112 en start een nieuwe melding" text)" = 1 &&
	test "$(header "$end" From)" = "Anna Beheer via BPT Testbuurt <bpt@bars.example>"
'

test_expect_success 'closing a closed incident: exit 0, a note, nothing sent twice' '
	snap again &&
	LOGNAME=beheer bpt-close 1 >out 2>err &&
	grep -q "already closed; nothing sent" err &&
	grep -q "^1  *none  *already closed" out &&
	members_got again 0 &&
	test "$(audit_rows close)" = 1
'

test_expect_success 'a reply to the closed incident is kept, not distributed, its writer told' '
	snap late &&
	mail piet@bewoners.example "Re: [BPT Testbuurt #1] Man bij de garages" late1 "Nog iets gezien." |
	    BPT_NOW=2026-11-28T21:30:00Z bpt-report -v 2>err &&
	grep -q "closed" err &&
	test "$(nfresh late anna@bewoners.example)" = 0 &&
	test "$(nfresh late piet@bewoners.example)" = 1 &&
	body "$(fresh late piet@bewoners.example)" | grep -q "NIEUW bericht"
'

test_expect_success 'a reply to the end mail itself finds the incident too' '
	id=$(header "$(cat end.piet)" Message-ID) &&
	snap endreply &&
	printf "From: piet@bewoners.example\nTo: bpt@bars.example\nSubject: hallo\nIn-Reply-To: %s\nMessage-ID: <late2@x>\n\nnog een keer\n" "$id" |
	    bpt-report -v 2>err &&
	grep -q "closed" err &&
	test "$(nfresh endreply anna@bewoners.example)" = 0
'

test_expect_success '--reopen undoes the close: one line to the members, an audit row' '
	snap reopen &&
	BPT_NOW=2026-11-28T21:40:00Z bpt-close --as cor@bewoners.example --reopen 1 >out &&
	grep -q "^1  *reopen " out &&
	members_got reopen 1 &&
	test "$(status_of 1)" = open &&
	body "$(fresh reopen piet@bewoners.example)" >text &&
	test "$(sed "/^-- $/,\$d" text | grep -vc "^$")" = 1 &&
	grep -q "^Melding #1 is weer open: reacties gaan weer naar iedereen.$" text &&
	test "$(header "$(fresh reopen piet@bewoners.example)" In-Reply-To)" = \
	    "$(header "$(alert_of piet@bewoners.example 1)" Message-ID)" &&
	test "$(sqlite3 "$STORE" "SELECT actor FROM audit WHERE action = '"'"'reopen'"'"'")" = cor@bewoners.example &&
	BPT_NOW=2026-11-28T21:41:00Z bpt-close --as cor@bewoners.example --reopen 1 2>err >/dev/null &&
	grep -q "not closed; nothing sent" err
'

test_expect_success 'after --reopen replies reach everyone again' '
	snap flow &&
	mail piet@bewoners.example "Re: [BPT Testbuurt #1] Man bij de garages" r2 "Hij is terug." |
	    BPT_NOW=2026-11-28T21:45:00Z bpt-report &&
	members_got flow 1
'

test_expect_failure_code 66 'an incident that does not exist is 66' \
	'LOGNAME=beheer bpt-close 99'

test_expect_success 'the outcome goes to exactly the active members, in the thread' '
	LOGNAME=beheer BPT_NOW=2026-11-28T23:00:00Z bpt-close 1 >/dev/null &&
	snap outcome &&
	LOGNAME=beheer BPT_NOW=2026-12-01T10:00:00Z bpt-close --result arrest \
	    --outcome "Twee mannen aangehouden bij het station." 1 >out &&
	grep -q "^1  *outcome .*arrest" out &&
	members_got outcome 1 &&
	f=$(fresh outcome piet@bewoners.example) &&
	test "$(header "$f" In-Reply-To)" = \
	    "$(header "$(alert_of piet@bewoners.example 1)" Message-ID)" &&
	test "$(header "$f" Subject)" = "Re: [BPT Testbuurt #1] Man bij de garages" &&
	body "$f" >text &&
	grep -q "^TERUGKOPPELING MELDING #1$" text &&
	grep -q "^Resultaat: er is iemand aangehouden$" text &&
	grep -q "^Twee mannen aangehouden bij het station.$" text &&
	! grep -q vervangt text &&
	bpt-report --format tsv list | cut -f1,9,10 | grep -qx "1	arrest	Twee mannen aangehouden bij het station."
'

test_expect_success 'a second outcome replaces the first and is sent; the same again is not' '
	snap outcome2 &&
	LOGNAME=beheer bpt-close --outcome "Een man aangehouden; de ander is gevlucht." --result arrest 1 >/dev/null &&
	members_got outcome2 1 &&
	body "$(fresh outcome2 piet@bewoners.example)" | grep -q "vervangt de eerdere terugkoppeling" &&
	test "$(audit_rows outcome)" = 2 &&
	bpt-report --format json show 1 | python3 -c "
import json, sys; d = json.load(sys.stdin)
assert d[\"outcome\"] == \"Een man aangehouden; de ander is gevlucht.\" and d[\"outcome_by\"] == \"anna@bewoners.example\", d
" &&
	snap outcome3 &&
	LOGNAME=beheer bpt-close --outcome "Een man aangehouden; de ander is gevlucht." --result arrest 1 2>err >/dev/null &&
	grep -q "recorded already" err &&
	members_got outcome3 0 &&
	test "$(audit_rows outcome)" = 2
'

test_expect_failure_code 64 'an empty outcome is a usage error' \
	'LOGNAME=beheer bpt-close --outcome "  " 1'

# incident 2 opens at T2; followup.idle_close is 3h
T2=2026-12-02T18:00:00
test_expect_success '--idle one minute before the boundary leaves the incident open' '
	mail piet@bewoners.example "Auto met draaiende motor" a2 "Al een uur." |
	    BPT_NOW=${T2}Z bpt-report &&
	snap idle &&
	BPT_NOW=2026-12-02T20:59:00Z bpt-close --idle >out &&
	test "$(status_of 2)" = open &&
	members_got idle 0
'

test_expect_success '--idle one minute after the boundary closes it for cron, members told' '
	BPT_NOW=2026-12-02T21:01:00Z bpt-close --format tsv --idle >out &&
	test "$(cut -f1,2,6 out)" = "$(printf "2\tclose\tgeen nieuwe berichten")" &&
	test "$(status_of 2)" = closed &&
	members_got idle 1 &&
	body "$(fresh idle piet@bewoners.example)" >text &&
	grep -q "^Deze melding is afgesloten.$" text &&
	grep -q "^Reden: geen nieuwe berichten$" text &&
	test "$(header "$(fresh idle piet@bewoners.example)" From)" = "De beheerders via BPT Testbuurt <bpt@bars.example>" &&
	test "$(sqlite3 "$STORE" "SELECT actor, reason FROM audit WHERE action = '"'"'close'"'"' AND incident_id = 2")" = \
	    "cron|geen nieuwe berichten" &&
	BPT_NOW=2026-12-02T22:01:00Z bpt-close --idle >/dev/null &&
	members_got idle 1
'

test_expect_success '--idle DURATION and --idle=DURATION override followup.idle_close' '
	mail piet@bewoners.example "Nog een auto" a3 "Zelfde straat." |
	    BPT_NOW=2026-12-03T10:00:00Z bpt-report &&
	BPT_NOW=2026-12-03T10:20:00Z bpt-close --idle 30m >/dev/null &&
	test "$(status_of 3)" = open &&
	BPT_NOW=2026-12-03T10:20:00Z bpt-close --idle=10m >/dev/null &&
	test "$(status_of 3)" = closed
'

test_expect_success 'followup.idle_close from the configuration is the default' '
	write_config "followup:
  idle_close: 1h" &&
	mail piet@bewoners.example "Fietsendief" a4 "Bij de school." |
	    BPT_NOW=2026-12-04T10:00:00Z bpt-report &&
	BPT_NOW=2026-12-04T10:59:00Z bpt-close --idle >/dev/null &&
	test "$(status_of 4)" = open &&
	BPT_NOW=2026-12-04T11:01:00Z bpt-close --idle >/dev/null &&
	test "$(status_of 4)" = closed &&
	write_config
'

test_expect_success 'list --needs-outcome names the closed incidents without one' '
	bpt-report --format tsv list --needs-outcome | cut -f1 >actual &&
	printf "4\n3\n2\n" >expect &&
	test_cmp expect actual &&
	{ bpt-report show 1 --needs-outcome 2>/dev/null; test $? = 64; }
'

# --- reminders over eight weeks, in a store of their own --------------------

R="$TRASH/remind"
mkdir -p "$R"
sed "s|$TRASH/store/bpt.db|$R/bpt.db|; s|$BOX|$R/outbox|" "$BPT_CONFIG" >"$R/bpt.yaml"
chmod 600 "$R/bpt.yaml"
rbox() { find "$R/outbox/$1/new" -type f 2>/dev/null | sort; }
# the reminders an address got (their subject is one plain line)
reminders_of() {
	rbox "$1" | xargs -r grep -l "^Subject: \[BPT Testbuurt\] Graag terugkoppeling" |
	    wc -l | tr -d " "
}

test_expect_success 'two incidents closed on day 0, one sent to the police' '
	export BPT_CONFIG="$R/bpt.yaml" &&
	bpt-member add --no-welcome anna@bewoners.example --role admin >/dev/null &&
	bpt-member add cor@bewoners.example --role coordinator >/dev/null &&
	bpt-member add piet@bewoners.example >/dev/null &&
	mail piet@bewoners.example "Inbraak Kerkstraat" b1 "112 gebeld." | BPT_NOW=2027-01-04T08:00:00Z bpt-report &&
	mail piet@bewoners.example "Bus zonder kenteken" b2 "Rijdt rondjes." | BPT_NOW=2027-01-04T08:10:00Z bpt-report &&
	BPT_NOW=2027-01-04T09:00:00Z bpt-close --as anna@bewoners.example 1 >/dev/null &&
	BPT_NOW=2027-01-04T09:00:00Z bpt-close --as anna@bewoners.example 2 >/dev/null &&
	sqlite3 "$R/bpt.db" "UPDATE incidents SET exported_at = strftime('"'"'%s'"'"', '"'"'2027-01-04 10:00'"'"') WHERE id = 2"
'

test_expect_success 'daily --remind for 8 weeks: 3 reminders, none after the outcome' '
	export BPT_CONFIG="$R/bpt.yaml" &&
	day=0 && : >sent.days &&
	while [ $day -le 56 ]; do
		now=$(date -u -d "2027-01-04 09:30 UTC + $day days" +%Y-%m-%dT%H:%M:%SZ) &&
		before=$(reminders_of anna@bewoners.example) &&
		BPT_NOW=$now bpt-close --remind >out 2>err || { cat err; return 1; }
		! grep -q . err || { cat err; return 1; }
		after=$(reminders_of anna@bewoners.example)
		[ "$after" = "$before" ] || echo "$day $(cut -c1-2 out | tr -d " #" | grep . | tr "\n" " ")" >>sent.days
		if [ $day = 15 ]; then
			BPT_NOW=$now bpt-close --as cor@bewoners.example --outcome "Niets gevonden." \
			    --result nothing 1 >/dev/null || return 1
		fi
		day=$((day + 1))
	done &&
	printf "14 2 1 \n21 2 \n28 2 \n" >expect &&
	test_cmp expect sent.days &&
	test "$(reminders_of anna@bewoners.example)" = 3 &&
	test "$(reminders_of cor@bewoners.example)" = 3 &&
	test "$(reminders_of piet@bewoners.example)" = 0 &&
	test "$(sqlite3 "$R/bpt.db" "SELECT id, reminders FROM incidents ORDER BY id" | tr "\n" " ")" = "1|1 2|3 "
'

test_expect_success 'the reminder lists each incident with the command that records it' '
	f=$(rbox anna@bewoners.example | xargs grep -l "^Subject: \[BPT Testbuurt\] Graag" | head -1) &&
	test "$(header "$f" Subject)" = "[BPT Testbuurt] Graag terugkoppeling over afgesloten meldingen" &&
	test "$(header "$f" To)" = "bpt-request@bars.example" &&
	body "$f" >text &&
	grep -n "^#[0-9]" text | cut -d: -f2 >order &&
	printf "#2 Bus zonder kenteken\n#1 Inbraak Kerkstraat\n" >expect &&
	test_cmp expect order &&
	grep -q "^  afgesloten op 2027-01-04 10:00; naar de politie: ja$" text &&
	grep -q "^  afgesloten op 2027-01-04 10:00; naar de politie: nee$" text &&
	grep -qF "  bpt-close -c $R/bpt.yaml --outcome \"TEKST\" --result SOORT 2" text &&
	grep -q "^  herinnering 1 van 3$" text &&
	awk "length > 72 && !/bpt-close -c/" text >long && test_cmp /dev/null long
'

test_expect_success 'a dry run of --remind sends and counts nothing' '
	export BPT_CONFIG="$R/bpt.yaml" &&
	sqlite3 "$R/bpt.db" "UPDATE incidents SET reminders = 0 WHERE id = 2" &&
	BPT_NOW=2027-04-01T09:30:00Z bpt-close -n --format tsv --remind >out &&
	test "$(cut -f1,2,8,9,11 out)" = "$(printf "2\tremind\t1\tyes\tyes")" &&
	test "$(reminders_of anna@bewoners.example)" = 3 &&
	test "$(sqlite3 "$R/bpt.db" "SELECT reminders FROM incidents WHERE id = 2")" = 0
'

# --- every job contrib/ names exists and runs -----------------------------

test_expect_success 'every job of contrib/cron/bpt runs with this group (commented ones too)' '
	# bpt-export --pending signs what is closed: a throwaway key
	mkdir -m 700 "$TRASH/gnupg" &&
	echo allow-loopback-pinentry >"$TRASH/gnupg/gpg-agent.conf" &&
	GNUPGHOME=$TRASH/gnupg gpg --batch --quiet --pinentry-mode loopback \
	    --passphrase "" --quick-gen-key "BPT Test <cor@bewoners.example>" \
	    ed25519 sign 1d 2>/dev/null &&
	fpr=$(GNUPGHOME=$TRASH/gnupg gpg --batch --with-colons --list-keys |
	    awk -F: "/^fpr/ { print \$10; exit }") &&
	printf "police:\n  address: dossier@politie.example\nsigning:\n  key: \"%s\"\n  gnupghome: %s\n" \
	    "$fpr" "$TRASH/gnupg" >>"$TRASH/bpt.yaml" &&
	mkdir -p groups && cp "$TRASH/bpt.yaml" groups/buurt.yaml &&
	grep -E "^#?[*0-9]" "$top_srcdir/contrib/cron/bpt" | sed "s/^#//" >jobs &&
	test "$(wc -l <jobs)" = 11 &&
	while IFS= read -r line; do
		cmd=$(printf "%s\n" "$line" | awk "{ \$1=\$2=\$3=\$4=\$5=\$6=\"\"; print }" |
		    sed "s|/etc/bpt/bpt.yaml|$TRASH/bpt.yaml|g; s|/etc/bpt/groups|$TRASH/groups|g;
		    s|/var/lib/bpt/|$TRASH/|g")
		case $cmd in
		*"fetch --imap"*)
			# this group has no mailbox: the job must say so (78)
			BPT_CONFIG=/nonexistent sh -c "$cmd" 2>err
			test $? = 78 && grep -q "needs inbound.imap.host" err ||
			    { echo "$cmd"; cat err; return 1; } ;;
		*)
			BPT_CONFIG=/nonexistent sh -c "$cmd" 2>err ||
			    { echo "$cmd"; cat err; return 1; } ;;
		esac
	done <jobs
'

test_expect_success 'every systemd service of a job has a timer, runs, and its man page names it' '
	for svc in "$top_srcdir"/contrib/systemd/*.service; do
		unit=$(basename "$svc" .service) &&
		# the IMAP reader runs for good, not from a timer
		if [ "$unit" = bpt-report-fetch ]; then
			grep -q "^ExecStart=/usr/local/bin/bpt-report fetch --imap$" "$svc" &&
			grep -q "bpt-report-fetch.service" "$top_srcdir/man/bpt-report.1" &&
			continue
			return 1
		fi &&
		test -f "$top_srcdir/contrib/systemd/$unit.timer" &&
		grep -q "^Unit=\|^WantedBy=timers.target" "$top_srcdir/contrib/systemd/$unit.timer" &&
		exec=$(sed -n "s|^ExecStart=/usr/local/bin/||p" "$svc") &&
		tool=${exec%% *} &&
		test -x "$top_builddir/cmd/$tool" &&
		grep -q "$unit.service" "$top_srcdir/man/$tool.1" &&
		BPT_CONFIG="$TRASH/bpt.yaml" sh -c "$exec" >/dev/null 2>err || { echo "$exec"; cat err; return 1; }
	done
'

gpgconf --homedir "$TRASH/gnupg" --kill gpg-agent 2>/dev/null

test_done

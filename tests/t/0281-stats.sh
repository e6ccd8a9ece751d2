#!/bin/sh
# bpt-report stats: a store filled with known numbers over three months
# gives exactly those numbers, also after the texts of the messages (and
# the messages of closed incidents) are purged.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null || test_skip_all "python3 not installed"
command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

STORE="$TRASH/store/bpt.db"
at() { BPT_NOW="$1"; export BPT_NOW; }
alert() { # alert TIME FROM ID SUBJECT TEXT
	printf 'From: %s\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s@x>\n\n%s\n' \
	    "$2" "$4" "$3" "$5" | BPT_NOW=$1 bpt-report
}
reply() { # reply TIME FROM ID N TEXT
	printf 'From: %s\nTo: bpt@bars.example\nSubject: Re: [BPT Testbuurt #%s] x\nMessage-ID: <%s@x>\n\n%s\n' \
	    "$2" "$4" "$3" "$5" | BPT_NOW=$1 bpt-report
}
close() { BPT_NOW=$1 bpt-close --as anna@bewoners.example "$2" >/dev/null; }
outcome() { BPT_NOW=$1 bpt-close --as anna@bewoners.example --outcome "$3" --result "$4" "$2" >/dev/null; }

test_expect_success 'January: five members, two incidents' '
	at 2026-01-05T10:00:00Z &&
	bpt-member add anna@bewoners.example --name Anna --role admin >/dev/null &&
	for m in piet kees bob lies; do
		bpt-member add $m@bewoners.example --name $m >/dev/null || return 1
	done &&
	alert 2026-01-10T20:00:00Z piet@bewoners.example a1 "Man bij de schuren" "Ik heb 112 gebeld." &&
	reply 2026-01-10T20:04:00Z lies@bewoners.example r11 1 "Ik zie hem ook." &&
	reply 2026-01-10T20:10:00Z anna@bewoners.example r12 1 "Hij loopt weg." &&
	close 2026-01-10T22:00:00Z 1 &&
	outcome 2026-01-25T10:00:00Z 1 "Aangehouden." arrest &&
	alert 2026-01-20T10:00:00Z lies@bewoners.example a2 "Busje" "Twijfel, 112 niet gebeld." &&
	reply 2026-01-20T10:10:00Z piet@bewoners.example r21 2 "Dat busje is van de bakker." &&
	close 2026-01-20T11:00:00Z 2
'

test_expect_success 'February: one suspended, two incidents, one closed by --idle' '
	BPT_NOW=2026-02-10T09:00:00Z bpt-member suspend kees@bewoners.example --reason weg >/dev/null &&
	alert 2026-02-14T22:00:00Z piet@bewoners.example a3 "Iemand bij de schuren" "Loopt langs de deuren." &&
	BPT_NOW=2026-02-15T01:01:00Z bpt-close --idle >/dev/null &&
	outcome 2026-02-20T07:00:00Z 3 "Niets gevonden." nothing &&
	alert 2026-02-20T08:00:00Z anna@bewoners.example a4 "Inbreker" "112 gebeld." &&
	reply 2026-02-20T08:00:30Z piet@bewoners.example r41 4 "Politie is er." &&
	close 2026-02-20T08:30:00Z 4 &&
	outcome 2026-02-21T08:30:00Z 4 "Politie heeft iemand meegenomen voor verhoor." police
'

test_expect_success 'March: one removed, an open incident whose copy to one member fails' '
	BPT_NOW=2026-03-03T09:00:00Z bpt-member remove bob@bewoners.example >/dev/null &&
	rm -rf "$TRASH/outbox/lies@bewoners.example" &&
	: >"$TRASH/outbox/lies@bewoners.example" &&
	alert 2026-03-05T12:00:00Z piet@bewoners.example a5 "Auto" "Auto met open raam." &&
	BPT_NOW=2026-03-08T12:00:00Z bpt-send &&
	test "$(bpt-report --format tsv list | cut -f1,2,6 | tr "\t\n" ":,")" = \
	    "5:open:unknown,4:closed:yes,3:closed:unknown,2:closed:no,1:closed:yes,"
'

cat >expect.py <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
months = {
 "2026-01": dict(incidents=2, called_112_yes=1, called_112_no=1, called_112_unknown=0,
    replied=2, reply_median_s=240, reply_p90_s=600, closed=2, close_median_s=3600,
    outcome_arrest=1, outcome_police=0, outcome_prevented=0, outcome_nothing=0,
    outcome_unknown=0, outcome_none=1, members_active=5, members_suspended=0,
    members_removed=0, members_banned=0, copies_sent=25, copies_failed=0),
 "2026-02": dict(incidents=2, called_112_yes=1, called_112_no=0, called_112_unknown=1,
    replied=1, reply_median_s=30, reply_p90_s=30, closed=2, close_median_s=1800,
    outcome_arrest=0, outcome_police=1, outcome_prevented=0, outcome_nothing=1,
    outcome_unknown=0, outcome_none=0, members_active=4, members_suspended=1,
    members_removed=0, members_banned=0, copies_sent=12, copies_failed=0),
 "2026-03": dict(incidents=1, called_112_yes=0, called_112_no=0, called_112_unknown=1,
    replied=0, reply_median_s=None, reply_p90_s=None, closed=0, close_median_s=None,
    outcome_arrest=0, outcome_police=0, outcome_prevented=0, outcome_nothing=0,
    outcome_unknown=0, outcome_none=0, members_active=3, members_suspended=1,
    members_removed=1, members_banned=0, copies_sent=2, copies_failed=1),
}
total = dict(incidents=5, called_112_yes=2, called_112_no=1, called_112_unknown=2,
    replied=3, reply_median_s=240, reply_p90_s=600, closed=4, close_median_s=3600,
    outcome_arrest=1, outcome_police=1, outcome_prevented=0, outcome_nothing=1,
    outcome_unknown=0, outcome_none=1, members_active=3, members_suspended=1,
    members_removed=1, members_banned=0, copies_sent=39, copies_failed=1)
bad = []
assert d["format_version"] == 1
for k, v in total.items():
    if d.get(k, "missing") != v:
        bad.append("total %s: %r, want %r" % (k, d.get(k, "missing"), v))
got = [m["month"] for m in d["months"]]
if got != sorted(months):
    bad.append("months %r" % got)
for m in d["months"]:
    for k, v in months.get(m["month"], {}).items():
        if m.get(k, "missing") != v:
            bad.append("%s %s: %r, want %r" % (m["month"], k, m.get(k, "missing"), v))
    extra = set(m) - set(months.get(m["month"], {})) - {"month"}
    if extra:
        bad.append("%s: undocumented fields %r" % (m["month"], sorted(extra)))
extra = set(d) - set(total) - {"format_version", "from", "to", "months"}
if extra:
    bad.append("undocumented fields %r" % sorted(extra))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF

test_expect_success 'stats --from --to gives exactly the known numbers (json, field by field)' '
	BPT_NOW=2026-04-15T12:00:00Z bpt-report --format json stats --from 2026-01-01 --to 2026-03-31 >s.json &&
	python3 expect.py s.json &&
	python3 -c "
import json; d = json.load(open(\"s.json\"))
assert d[\"from\"] == \"2026-01-01T00:00:00+01:00\" and d[\"to\"] == \"2026-04-01T00:00:00+02:00\", d
"
'

test_expect_success 'without --from the period starts with the first month in the store' '
	BPT_NOW=2026-03-31T12:00:00Z bpt-report --format json stats >all.json &&
	python3 expect.py all.json
'

test_expect_success 'text and tsv carry the same figures' '
	BPT_NOW=2026-04-15T12:00:00Z bpt-report stats --from 2026-01-01 --to 2026-03-31 >s.txt &&
	grep -q "^reply_median_s  *4m 00s$" s.txt &&
	grep -q "^close_median_s  *1h 00m$" s.txt &&
	grep -q "^2026-02  *2  *1  *0  *1  *1  *30s  *30s  *2  *30m 00s " s.txt &&
	BPT_NOW=2026-04-15T12:00:00Z bpt-report --format tsv stats --from 2026-01-01 --to 2026-03-31 >s.tsv &&
	grep -qx "copies_sent	39" s.tsv &&
	grep -qx "months	2026-03	1	0	0	1	0			0		0	0	0	0	0	0	3	1	1	0	2	1" s.tsv
'

test_expect_success 'a period of one month counts only that month' '
	BPT_NOW=2026-04-15T12:00:00Z bpt-report --format json stats --from 2026-02-01 --to 2026-02-28 >feb.json &&
	python3 -c "
import json; d = json.load(open(\"feb.json\"))
assert [m[\"month\"] for m in d[\"months\"]] == [\"2026-02\"], d
assert d[\"incidents\"] == 2 and d[\"copies_sent\"] == 12 and d[\"members_suspended\"] == 1, d
"
'

test_expect_failure_code 64 'a bad date is a usage error' 'bpt-report stats --from 2026-13-01'
test_expect_failure_code 64 '--from goes with stats only' 'bpt-report list --from 2026-01-01'

test_expect_success 'the numbers stay the same when message texts and closed incidents messages are purged' '
	sqlite3 "$STORE" "PRAGMA foreign_keys=ON;
	    UPDATE messages SET raw = x'"''"', body = NULL, body_shown = NULL, subject = NULL;
	    DELETE FROM messages WHERE incident_id IN (SELECT id FROM incidents WHERE status = '"'closed'"');" &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM outbox WHERE kind IN ('"'alert'"', '"'reply'"') AND incident_id < 5")" = 0 &&
	test "$(sqlite3 "$STORE" "SELECT count(*) FROM messages WHERE body IS NOT NULL")" = 0 &&
	BPT_NOW=2026-04-15T12:00:00Z bpt-report --format json stats --from 2026-01-01 --to 2026-03-31 >purged.json &&
	python3 expect.py purged.json
'

test_done

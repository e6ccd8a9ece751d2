#!/bin/sh
# Times people read are in group.timezone (Dutch time by default), daylight
# saving time included, on a server that runs in UTC: the alert block, the
# Date header of the copies, notices, bpt-report list/show and bpt-member.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null || test_skip_all "python3 not installed"

# the server's clock and zone: UTC, whatever lib.sh chose
TZ=UTC
export TZ

header() { # header FILE NAME: the first value, unfolded
	python3 - "$1" "$2" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
v = m.get(sys.argv[2])
print('' if v is None else str(v))
PY
}
body() { # the decoded text, format=flowed lines joined (RFC 3676)
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
print('\n'.join(out + ([cur] if cur else [])), end='')
PY
}
msg() { # msg FROM MSGID SUBJECT TEXT
	printf "From: %s\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s>\n\n%s\n" \
	    "$1" "$3" "$2" "$4"
}

test_expect_success 'members join a minute before summer time starts' '
	BPT_NOW=2026-03-29T00:59:00Z bpt-member add jan@bewoners.example \
	    --name "Jan de Vries" --role admin >/dev/null &&
	BPT_NOW=2026-03-29T00:59:00Z bpt-member add piet@bewoners.example \
	    --name "Piet Bakker" >/dev/null
'

test_expect_success 'an alert at 00:59 UTC reads 01:59 (+01:00)' '
	msg "Jan de Vries <jan@bewoners.example>" s1@x "Verdacht" \
	    "Man bij de school. Ik heb 112 gebeld." |
	    BPT_NOW=2026-03-29T00:59:00Z bpt-report &&
	f=$(newest piet@bewoners.example) &&
	test "$(header "$f" Date)" = "Sun, 29 Mar 2026 01:59:00 +0100" &&
	body "$f" >text &&
	grep -q "^MELDING #1 - 01:59 - gemeld door Jan de Vries$" text &&
	grep -q "^112 is gebeld door Jan de Vries om 01:59\.$" text
'

test_expect_success 'a reply two minutes later reads 03:01 (+02:00)' '
	msg "Piet Bakker <piet@bewoners.example>" s2@x \
	    "Re: [BPT Testbuurt #1] Verdacht" "Hij loopt naar het park." |
	    BPT_NOW=2026-03-29T01:01:00Z bpt-report &&
	f=$(newest jan@bewoners.example) &&
	test "$(header "$f" Date)" = "Sun, 29 Mar 2026 03:01:00 +0200" &&
	body "$f" >text &&
	grep -q "^Melding #1 - 03:01 - reactie van Piet Bakker$" text &&
	grep -q "^112 is gebeld door Jan de Vries om 01:59" text
'

test_expect_success 'an alert a minute before winter time reads 02:59 (+02:00)' '
	msg "Piet Bakker <piet@bewoners.example>" a1@x "Auto met lampen uit" \
	    "Een auto rijdt zonder licht door de straat." |
	    BPT_NOW=2026-10-25T00:59:00Z bpt-report &&
	f=$(newest jan@bewoners.example) &&
	test "$(header "$f" Date)" = "Sun, 25 Oct 2026 02:59:00 +0200" &&
	body "$f" | grep -q "^MELDING #2 - 02:59 - gemeld door Piet Bakker$"
'

test_expect_success 'a reply two minutes later reads 02:01 (+01:00)' '
	msg "Jan de Vries <jan@bewoners.example>" a2@x \
	    "Re: [BPT Testbuurt #2] Auto met lampen uit" "Ik zie hem ook." |
	    BPT_NOW=2026-10-25T01:01:00Z bpt-report &&
	f=$(newest piet@bewoners.example) &&
	test "$(header "$f" Date)" = "Sun, 25 Oct 2026 02:01:00 +0100" &&
	body "$f" | grep -q "^Melding #2 - 02:01 - reactie van Jan de Vries$"
'

test_expect_success 'bpt-report list: Dutch time for people, RFC 3339 with the offset for scripts' '
	bpt-report list | sed -n "2,\$p" | awk "{ print \$1, \$3, \$4 }" >actual &&
	printf "2 2026-10-25 02:59\n1 2026-03-29 01:59\n" >expect &&
	test_cmp expect actual &&
	bpt-report --format tsv list | cut -f1,3 >actual &&
	printf "2\t2026-10-25T02:59:00+02:00\n1\t2026-03-29T01:59:00+01:00\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'bpt-report show: every time in the group zone' '
	bpt-report --format json show 1 >show.json &&
	python3 - <<-\EOF
	import json
	d = json.load(open("show.json"))
	assert d["opened"] == "2026-03-29T01:59:00+01:00", d["opened"]
	assert d["called_112_at"] == "2026-03-29T01:59:00+01:00", d["called_112_at"]
	got = [m["received"] for m in d["messages"]]
	assert got == ["2026-03-29T01:59:00+01:00", "2026-03-29T03:01:00+02:00"], got
	sent = sorted(set(x["sent"] for x in d["deliveries"]))
	assert sent == ["2026-03-29T01:59:00+01:00", "2026-03-29T03:01:00+02:00"], sent
	EOF
	bpt-report show 2 >show.txt &&
	grep -q "^opened  *2026-10-25T02:59:00+02:00$" show.txt &&
	grep -q "^RECEIVED  *2026-10-25T02:01:00+01:00$" show.txt
'

test_expect_success 'notice-closed names the closing time in Dutch time' '
	sqlite3 "$TRASH/store/bpt.db" "UPDATE incidents SET status = '"'"'closed'"'"', closed_at = $(date -u -d 2026-10-25T01:30:00Z +%s) WHERE id = 2" &&
	msg "Piet Bakker <piet@bewoners.example>" late@x \
	    "Re: [BPT Testbuurt #2] Auto met lampen uit" "Nog iets." |
	    BPT_NOW=2026-10-25T02:10:00Z bpt-report &&
	f=$(newest piet@bewoners.example) &&
	test "$(header "$f" Date)" = "Sun, 25 Oct 2026 03:10:00 +0100" &&
	body "$f" | grep -q "2026-10-25 02:30"
'

test_expect_success 'bpt-member show, list and log in Dutch time' '
	# the clock stays before the end of the suspension
	BPT_NOW=2026-03-29T01:01:00Z bpt-member suspend piet@bewoners.example \
	    --reason vakantie --until 2026-07-01T18:00 >/dev/null &&
	BPT_NOW=2026-03-29T01:02:00Z bpt-member show piet@bewoners.example >show.txt &&
	grep -q "^joined  *2026-03-29 01:59$" show.txt &&
	grep -q "^status_at  *2026-03-29 03:01$" show.txt &&
	grep -q "^status_until  *2026-07-01 18:00$" show.txt &&
	BPT_NOW=2026-03-29T01:02:00Z bpt-member --format json show piet@bewoners.example >show.json &&
	python3 - <<-\EOF &&
	import json
	d = json.load(open("show.json"))
	assert d["joined"] == "2026-03-29T01:59:00+01:00", d
	assert d["status_until"] == "2026-07-01T18:00:00+02:00", d
	EOF
	BPT_NOW=2026-03-29T01:02:00Z bpt-member --format tsv list | cut -f1,7 >actual &&
	printf "jan@bewoners.example\t2026-03-29T01:59:00+01:00\npiet@bewoners.example\t2026-03-29T01:59:00+01:00\n" >expect &&
	test_cmp expect actual &&
	BPT_NOW=2026-03-29T01:02:00Z bpt-member log piet@bewoners.example >log.txt &&
	grep -q "2026-03-29 03:01 .*suspend.*until - -> 2026-07-01 18:00" log.txt
'

test_expect_success 'another group.timezone moves every time with it' '
	sed "s/^  name: BPT Testbuurt$/&\n  timezone: America\/St_Johns/" "$BPT_CONFIG" >tz.yaml &&
	chmod 600 tz.yaml &&
	BPT_CONFIG=$TRASH/tz.yaml bpt-report --format tsv list | cut -f1,3 >actual &&
	printf "2\t2026-10-24T22:29:00-02:30\n1\t2026-03-28T22:29:00-02:30\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'an unknown zone is a configuration error with its place' '
	sed "s/^  name: BPT Testbuurt$/&\n  timezone: Europe\/Binnenbijster/" "$BPT_CONFIG" >bad.yaml &&
	chmod 600 bad.yaml &&
	BPT_CONFIG=$TRASH/bad.yaml bpt-report list 2>err; code=$? &&
	test "$code" = 78 &&
	grep -q "bad.yaml:3:13: group.timezone: unknown time zone .Europe/Binnenbijster." err
'

test_done

#!/bin/sh
# The project's own test mails (tests/data) end to end: in the reference
# group of tests/data/README.md, each one fed to bpt-report in the order
# of EXPECTED.tsv gets the class and joins or opens the incident the
# manifest gives.  Posts, replies, auto-replies, bounces, loops,
# strangers, the request address, mails over a parsing limit or over
# policy.max_message_size, and an MTA's retry of the same mail.
. "$top_srcdir/tests/lib.sh"

EXPECTED=$DATA/EXPECTED.tsv
# a fixed clock: the same Message-ID within a day is a retry
BPT_NOW=2026-11-30T12:00:00Z
export BPT_NOW

cat >"$TRASH/bpt.yaml" <<CFG
group:
  name: BPT Binnenbijster
  address: bpt@binnenbijster.example
store: $TRASH/store/bpt.db
delivery:
  transport: maildir
  maildir: $TRASH/outbox
policy:
  max_message_size: 16KB
CFG
chmod 600 "$TRASH/bpt.yaml"

test_expect_success 'every mail in tests/data is in EXPECTED.tsv, once, and the other way round' '
	(cd "$DATA" && find . -type f -name "*.eml" | sed "s|^\./||" | sort) >files &&
	grep -v "^#" "$EXPECTED" | cut -f1 | sort >listed &&
	test_cmp files listed &&
	test -z "$(uniq -d listed)"
'

test_expect_success 'every line has path, class, incident and flags' '
	grep -v "^#" "$EXPECTED" | awk -F "\t" "NF < 4 || \$3 !~ /^([0-9]+|-)\$/ { print; bad = 1 } END { exit bad }"
'

test_expect_success 'the reference group' '
	bpt-member import --no-welcome "$DATA/members.csv" >/dev/null &&
	test "$(bpt-member --format tsv list | wc -l)" = 12
'

# got FILE: "CLASS INCIDENT" of bpt-report -v for FILE ("-" for none)
got() {
	bpt-report -v <"$DATA/$1" 2>"$TRASH/err" || return 1
	sed -n 's/^bpt-report: message [0-9]*: \([a-z]*\) .*/\1/p' "$TRASH/err" |
		head -n 1 | tr '\n' ' '
	n=$(sed -n 's/.*, incident #\([0-9]*\),.*/\1/p' "$TRASH/err")
	echo "${n:--}"
}

test_expect_success 'each mail gets its class and incident' '
	grep -v "^#" "$EXPECTED" | while IFS="	" read -r path class incident flags note; do
		g=$(got "$path") || { echo "$path: exit $?"; cat err; exit 1; }
		if [ "$g" != "$class $incident" ]; then
			echo "$path: got $g, want $class $incident"
			cat err
			exit 1
		fi
	done
'

test_expect_success 'every class is there' '
	for c in post reply held duplicate toolarge malformed nonmember command \
	    autoreply bounce loop; do
		cut -f2 "$EXPECTED" | grep -qx "$c" || { echo "no $c"; exit 1; }
	done
'

test_expect_success 'a member has one copy of every post and reply, and nothing else' '
	n=$(grep -v "^#" "$EXPECTED" | cut -f2 | grep -cxE "post|reply") &&
	test "$(ls "$TRASH/outbox/m.jansen@example.com/new" | wc -l)" = "$n"
'

test_done

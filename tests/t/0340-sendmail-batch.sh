#!/bin/sh
# delivery.transport: sendmail with a sendmail that refuses one address:
# it exits 67 (EX_NOUSER) for any call that names it and takes the
# message otherwise, writing down the recipients it took.  The batch
# it refused is tried again one recipient at a time: the other members
# get their copy, exactly once, and only the refused one fails.  A
# sendmail that exits 75 (EX_TEMPFAIL) defers the whole batch, with no
# call per recipient.
. "$top_srcdir/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

DB=$TRASH/store/bpt.db

# The fake: argv of every call in calls.log (one call a line), each
# recipient it took in took.log; exit 75 while $TRASH/tempfail exists.
cat >"$TRASH/sendmail" <<EOF
#!/bin/sh
echo "\$*" >>"$TRASH/calls.log"
while [ "\$1" != -- ]; do shift; done
shift
cat >/dev/null
if [ -e "$TRASH/tempfail" ]; then
	echo "sendmail: queue file write error" >&2
	exit 75
fi
for a in "\$@"; do
	if [ "\$a" = carol@bewoners.example ]; then
		echo "sendmail: <\$a>: user unknown" >&2
		exit 67
	fi
done
for a in "\$@"; do echo "\$a"; done >>"$TRASH/took.log"
exit 0
EOF
chmod 755 "$TRASH/sendmail"

write_config "  transport: sendmail
  sendmail: $TRASH/sendmail
  retry_min: 1s
  retry_max: 2s"
# write_config says maildir first; the later key would be a duplicate
sed -i '/transport: maildir/d; /maildir: /d' "$TRASH/bpt.yaml"

# state_of ADDRESS: the state of ADDRESS's copies, one a line
state_of() {
	sqlite3 "$DB" "SELECT state FROM deliveries WHERE rcpt = '$1' ORDER BY id"
}

alert() {
	printf 'From: alice@bewoners.example\nTo: bpt@bars.example\nSubject: melding %s\nMessage-ID: <sm-%s@bewoners.example>\n\nVerdachte auto, ronde %s.\n' \
	    "$1" "$1" "$1"
}

test_expect_success 'set up five members' '
	for m in alice bob carol dave erik; do
		bpt-member add --no-welcome $m@bewoners.example --name $m || exit 1
	done
'

test_expect_success 'one address refused (67): the other four sent, once each; that one failed' '
	alert 1 | bpt-report &&
	printf "%s\n" alice@bewoners.example bob@bewoners.example \
	    dave@bewoners.example erik@bewoners.example >expect &&
	sort "$TRASH/took.log" >took && test_cmp expect took &&
	for m in alice bob dave erik; do
		test "$(state_of $m@bewoners.example)" = sent || exit 1
	done &&
	test "$(state_of carol@bewoners.example)" = failed &&
	sqlite3 "$DB" "SELECT last_reply FROM deliveries WHERE rcpt = '"'"'carol@bewoners.example'"'"'" >reply &&
	grep -q "^sendmail exited 67: sendmail: <carol@bewoners.example>: user unknown" reply
'

test_expect_success 'the batch first, then one call per recipient' '
	test "$(wc -l <"$TRASH/calls.log")" = 6 &&
	head -n 1 "$TRASH/calls.log" | grep -q -- "-- .*@.*@.*@.*@.*@" &&
	tail -n 5 "$TRASH/calls.log" | grep -c -- "-- [^ ]*$" >n &&
	test "$(cat n)" = 5
'

test_expect_success 'exit 75 defers the whole batch, no call per recipient' '
	: >"$TRASH/calls.log" &&
	: >"$TRASH/tempfail" &&
	alert 2 | bpt-report &&
	test "$(wc -l <"$TRASH/calls.log")" = 1 &&
	bpt-send --format tsv --queue >queue &&
	test "$(wc -l <queue)" = 5 &&
	test "$(cut -f5 queue | sort -u)" = deferred
'

test_expect_success 'sendmail well again: the deferred copies go, the refused one fails again' '
	rm "$TRASH/tempfail" &&
	: >"$TRASH/took.log" &&
	sleep 1.1 &&
	bpt-send &&
	test -z "$(bpt-send --format tsv --queue)" &&
	sort "$TRASH/took.log" >took && test_cmp expect took &&
	test "$(state_of carol@bewoners.example | sort -u)" = failed
'

test_done

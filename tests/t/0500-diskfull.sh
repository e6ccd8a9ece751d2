#!/bin/sh
# A full disk under the store: the store on a small tmpfs that a filler
# file leaves almost no room on.  bpt-report and bpt-member import exit
# 75 (the MTA keeps the mail, the admin tries again), nothing is half
# written, the store still opens and passes PRAGMA integrity_check, and
# once there is room again the retry goes through.  Needs root (mount).
. "$top_srcdir/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"
MNT=$TRASH/mnt
mkdir -p "$MNT"
mount -t tmpfs -o size=4m,mode=0700 tmpfs "$MNT" 2>/dev/null ||
    test_skip_all "cannot mount a tmpfs here (needs root)"
test_atexit "umount '$MNT'"

cat >"$TRASH/bpt.yaml" <<CFG
group:
  name: BPT Testbuurt
  address: bpt@bars.example
store: $MNT/bpt.db
delivery:
  transport: maildir
  maildir: $TRASH/outbox
CFG
chmod 600 "$TRASH/bpt.yaml"
DB=$MNT/bpt.db
q() { sqlite3 "$DB" "$1"; }
free_kb() { df -Pk "$MNT" | awk 'NR == 2 { print $4 }'; }
# fill KB: leaves about KB kilobytes free on the tmpfs
fill() {
	rm -f "$MNT/filler"
	f=$(($(free_kb) - $1))
	[ "$f" -gt 0 ] && head -c $((f * 1024)) /dev/zero >"$MNT/filler"
	true
}
unfill() { rm -f "$MNT/filler"; }

# a 300 KB alert: its raw bytes fit, its text, copy and outbox row do not
{
	printf 'From: Jan de Vries <jan@bewoners.example>\nTo: bpt@bars.example\n'
	printf 'Subject: Verdachte bus\nMessage-ID: <big-1@bewoners.example>\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	i=0
	while [ $i -lt 4000 ]; do
		printf 'Witte bus staat al uren stil bij nummer %d, niemand stapt uit.\n' $i
		i=$((i + 1))
	done
} >big.eml

test_expect_success 'set up a group on the small file system' '
	bpt-member add --no-welcome jan@bewoners.example --name "Jan de Vries" &&
	bpt-member add --no-welcome piet@bewoners.example --name "Piet Bakker" &&
	test "$(q "SELECT count(*) FROM members")" = 2 &&
	test "$(wc -c <big.eml)" -gt 250000
'

test_expect_success 'the disk fills up in the middle of an ingest: exit 75' '
	fill 400 &&
	bpt-report <big.eml 2>err; code=$? &&
	cat err &&
	test "$code" = 75 &&
	grep -q "disk full" err
'

test_expect_success 'the raw bytes were committed, the rest was not' '
	test "$(q "SELECT state, crashes + unfinished, length(raw) > 250000 FROM messages")" = "new|0|1" &&
	test "$(q "SELECT count(*) FROM incidents")" = 0 &&
	test "$(q "SELECT count(*) FROM outbox")" = 0 &&
	test "$(copies piet@bewoners.example)" = 0
'

test_expect_success 'the store opens and passes integrity_check while the disk is full' '
	test "$(q "PRAGMA integrity_check")" = ok &&
	bpt-report list >/dev/null
'

test_expect_success 'more runs on a full disk do not count as crashed runs' '
	bpt-report <big.eml 2>/dev/null; c1=$? &&
	bpt-report <big.eml 2>/dev/null; c2=$? &&
	test "$c1" = 75 && test "$c2" = 75 &&
	test "$(q "SELECT state, crashes, unfinished FROM messages")" = "new|0|0" &&
	test -z "$(ls "$DB-runs" 2>/dev/null)"
'

test_expect_success 'with room again the retry goes through' '
	unfill &&
	bpt-report -v <big.eml 2>err &&
	grep -q "post (new incident)" err &&
	test "$(copies piet@bewoners.example)" = 1 &&
	test "$(copies jan@bewoners.example)" = 1 &&
	test "$(q "SELECT count(*) FROM messages")" = 1 &&
	test "$(q "PRAGMA integrity_check")" = ok
'

awk 'BEGIN { print "email,name,phone"
	for (i = 1; i <= 3000; i++)
		printf "bewoner%04d@buurt.example,Bewoner %d van de Lange Straat,0612%06d\n", i, i, i }' >many.csv

test_expect_success 'a full disk during bpt-member import: 75, nothing imported' '
	a=$(q "SELECT count(*) FROM audit") &&
	fill 100 &&
	bpt-member import many.csv >out 2>err; code=$? &&
	cat err &&
	test "$code" = 75 &&
	test "$(q "SELECT count(*) FROM members")" = 2 &&
	test "$(q "SELECT count(*) FROM audit")" = "$a" &&
	test "$(q "PRAGMA integrity_check")" = ok
'

test_expect_success 'with room again the import goes through' '
	unfill &&
	bpt-member import --no-welcome many.csv >/dev/null &&
	test "$(q "SELECT count(*) FROM members")" = 3002
'

test_done

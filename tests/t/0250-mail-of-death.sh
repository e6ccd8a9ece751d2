#!/bin/sh
# The mail-of-death guard quarantines what crashes or hangs bpt-report,
# and nothing else: a busy store, a run killed from outside and a slow
# standard input leave an alert to be distributed on the next try.
# A quarantined message comes out again with bpt-report release.
. "$top_srcdir/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"
[ -r /proc/self/status ] || test_skip_all "no /proc to see a stopped process"

DB=$TRASH/store/bpt.db
RUNS=$DB-runs
q() { sqlite3 "$DB" "$1"; }
mail() { # FILE MSGID SUBJECT: an alert from Piet
	printf 'From: Piet Bakker <piet@bewoners.example>\nTo: bpt@bars.example\nSubject: %s\nMessage-ID: <%s>\n\n%s: man met koevoet bij de schuren.\n' \
	    "$3" "$2" "$3" >"$1"
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
state() { # FILE -> state|class|crashes|unfinished of its row
	q "SELECT state || '|' || coalesce(class, '') || '|' || crashes || '|' ||
	    unfinished FROM messages WHERE sha256 = '$(sha "$1")'"
}
msgid_of() { q "SELECT id FROM messages WHERE sha256 = '$(sha "$1")'"; }
no_run_files() { [ -z "$(ls "$RUNS" 2>/dev/null)" ]; }

# wait_for COMMAND: up to 30 s until it is true (a loaded machine is slow)
wait_for() {
	i=0
	while ! eval "$1" && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	eval "$1"
}

# A sqlite3 process that holds the store's write lock until free_lock;
# it holds it once another writer is refused at once.
locked() { ! sqlite3 "$DB" "BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null; }
hold_lock() {
	rm -f hold
	mkfifo hold
	sqlite3 "$DB" "PRAGMA busy_timeout=10000;" "BEGIN EXCLUSIVE;" \
	    ".read hold" >/dev/null 2>&1 &
	holder=$!
	wait_for locked
}
free_lock() { echo >hold; wait "$holder"; }
stopped() { [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status")" = T ]; }
# a run file of pid $1 that says $2 ("" for any)
run_file() { [ -e "$RUNS" ] && ls "$RUNS" | grep -q "\.$1\$" &&
	{ [ -z "$2" ] || grep -q "$2" "$RUNS"/*."$1"; }; }

test_expect_success 'set up a group' '
	bpt-member add jan@bewoners.example --name "Jan de Vries" --role admin &&
	bpt-member add piet@bewoners.example --name "Piet Bakker" &&
	bpt-member add anna@bewoners.example --name "Anna Jansen"
'

TEST_BUSY_TIMEOUT=1s write_config

test_expect_success 'an alert piped three times at a store locked by sqlite3 is distributed, not quarantined' '
	mail held.eml held-1@x "Schuren" &&
	hold_lock &&
	for n in 1 2 3; do
		bpt-report <held.eml 2>err; code=$?
		[ "$code" = 75 ] || { echo "run $n: exit $code"; free_lock; exit 1; }
		grep -q locked err || { free_lock; exit 1; }
	done &&
	free_lock &&
	bpt-report -v <held.eml 2>err &&
	grep -q "post (new incident)" err &&
	test "$(state held.eml)" = "done|post|0|0" &&
	test "$(copies anna@bewoners.example)" = 1 &&
	test "$(q "SELECT count(*) FROM messages WHERE state = '"'"'quarantined'"'"'")" = 0
'

test_expect_success 'a lock taken after the raw bytes were stored leaves no count behind' '
	mail window.eml window-1@x "Garage" &&
	for n in 1 2 3; do
		( export BPT_TEST_FAULT=stop-after-raw; exec bpt-report <window.eml 2>err.$n ) &
		pid=$!
		wait_for "stopped $pid" || { kill -9 $pid; exit 1; }
		hold_lock || { kill -9 $pid; exit 1; }
		kill -CONT $pid
		wait $pid; code=$?
		free_lock
		[ "$code" = 75 ] || { echo "run $n: exit $code"; cat err.$n; exit 1; }
		grep -q locked err.$n || exit 1
		test "$(state window.eml)" = "new||0|0" || exit 1
		no_run_files || exit 1
	done &&
	test "$(q "SELECT attempts FROM messages WHERE id = $(msgid_of window.eml)")" = 3 &&
	bpt-report -v <window.eml 2>err &&
	grep -q "post (new incident)" err &&
	test "$(state window.eml)" = "done|post|0|0" &&
	test "$(copies anna@bewoners.example)" = 2
'
write_config

test_expect_success 'runs killed with SIGKILL at random moments quarantine nothing; the alert goes out once' '
	# the kills fall in 0..30 ms, or in 0..90% of a run where runs take
	# longer (a sanitizer build, a busy machine): most die before their
	# commit, some after the raw bytes were stored
	for n in 1 2 3; do
		mail cal$n.eml cal-$n@x "Meten $n"
		t0=$(date +%s%N); bpt-report --no-deliver <cal$n.eml; t1=$(date +%s%N)
		echo $(((t1 - t0) * 9 / 10000000))
	done | sort -n | sed -n 2p >median &&
	w=$(cat median) && { [ "$w" -ge 30 ] || w=30; } &&
	bpt-send &&
	mail kill.eml kill-1@x "Fietsen" &&
	before=$(copies anna@bewoners.example) &&
	awk -v w="$w" -v seed="$(date +%s)" "BEGIN { srand(seed);
	    for (i = 0; i < 60; i++) printf \"%.3f\\n\", rand() * w / 1000 }" >delays &&
	while read -r d; do
		( exec bpt-report --no-deliver <kill.eml >/dev/null 2>&1 ) &
		pid=$!
		sleep "$d"
		kill -9 $pid 2>/dev/null
		wait $pid || :
	done <delays &&
	echo "# kills over 0..$w ms; $(q "SELECT attempts FROM messages WHERE id = $(msgid_of kill.eml)") runs got past storing the raw bytes" &&
	bpt-report <kill.eml &&
	bpt-send &&
	test "$(q "SELECT count(*) FROM messages WHERE state = '"'"'quarantined'"'"'")" = 0 &&
	test "$(q "SELECT count(*) FROM messages WHERE message_id = '"'"'kill-1@x'"'"' AND state = '"'"'done'"'"' AND class = '"'"'post'"'"'")" = 1 &&
	test "$(q "SELECT count(*) FROM incidents WHERE subject = '"'"'Fietsen'"'"'")" = 1 &&
	test "$(copies anna@bewoners.example)" = $((before + 1)) &&
	test "$(copies jan@bewoners.example)" = $((before + 1)) &&
	no_run_files
'

test_expect_success 'runs killed early in their parse do not count' '
	mail early.eml early-1@x "Scooter" &&
	slow=0 &&
	for n in 1 2 3 4 5; do
		( export BPT_TEST_FAULT=parse-hang; exec bpt-report <early.eml 2>/dev/null ) &
		pid=$!
		wait_for "run_file $pid \"\"" || { kill -9 $pid; exit 1; }
		kill -9 $pid
		wait $pid
		# under a heavy load the kill may come after its first second
		if grep -q slow "$RUNS"/*.$pid; then slow=$((slow + 1)); fi
	done &&
	echo "# $slow of 5 kills came late" &&
	bpt-report -v <early.eml 2>err &&
	grep -q "post (new incident)" err &&
	test "$(state early.eml)" = "done|post|0|$slow" &&
	no_run_files
'

test_expect_success 'the test fault switch still quarantines on the next run' '
	mail abort.eml abort-1@x "Dood" &&
	admin=$(copies jan@bewoners.example) &&
	anna=$(copies anna@bewoners.example) &&
	BPT_TEST_FAULT=parse-abort bpt-report <abort.eml 2>/dev/null; code=$? &&
	test "$code" -gt 128 &&
	grep -qx "signal 6" "$RUNS"/* &&
	bpt-report -v <abort.eml 2>err &&
	grep -q "quarantined (a run crashed on it)" err &&
	test "$(state abort.eml)" = "quarantined|quarantined|1|0" &&
	no_run_files &&
	test "$(copies anna@bewoners.example)" = "$anna" &&
	test "$(copies jan@bewoners.example)" = $((admin + 1)) &&
	grep -q "erop vastgelopen (signaal 6)" "$(newest jan@bewoners.example)" &&
	grep -q "bpt-report release [0-9]" "$(newest jan@bewoners.example)" &&
	bpt-report <abort.eml &&
	test "$(copies jan@bewoners.example)" = $((admin + 1))
'

test_expect_success 'a parse that hangs past limits.parse_timeout is recorded and quarantined on the next run' '
	write_config "limits:
  parse_timeout: 1s" &&
	mail hang.eml hang-1@x "Hangt" &&
	BPT_TEST_FAULT=parse-hang bpt-report <hang.eml 2>err; code=$? &&
	test "$code" = 75 &&
	grep -q parse_timeout err &&
	grep -qx timeout "$RUNS"/* &&
	bpt-report -v <hang.eml 2>err &&
	grep -q "quarantined (a run timed out on it)" err &&
	test "$(state hang.eml)" = "quarantined|quarantined|1|0" &&
	grep -q "binnen limits.parse_timeout niet mee klaar" "$(newest jan@bewoners.example)"
'

test_expect_success 'standard input slower than limits.parse_timeout is exit 75 with nothing stored' '
	mail slow.eml slow-1@x "Traag" &&
	n=$(q "SELECT count(*) FROM messages") &&
	{ sleep 3; cat slow.eml; } | bpt-report 2>err; code=$? &&
	test "$code" = 75 &&
	grep -q parse_timeout err &&
	test "$(q "SELECT count(*) FROM messages")" = "$n" &&
	no_run_files
'
write_config

test_expect_success 'a run killed from outside after parsing for over a second counts, up to limits.unfinished_runs' '
	write_config "limits:
  unfinished_runs: 3
  parse_timeout: 15m" &&
	mail stuck.eml stuck-1@x "Vast" &&
	for n in 1 2 3; do
		( export BPT_TEST_FAULT=parse-hang; exec bpt-report <stuck.eml 2>/dev/null ) &
		pid=$!
		wait_for "run_file $pid slow" || { kill -9 $pid; exit 1; }
		kill -9 $pid
		wait $pid; test $? = 137 || exit 1
	done &&
	bpt-report -v <stuck.eml 2>err &&
	grep -q "quarantined (runs were killed while parsing it)" err &&
	test "$(state stuck.eml)" = "quarantined|quarantined|0|3" &&
	test "$(q "SELECT notes FROM messages WHERE id = $(msgid_of stuck.eml)")" = "runs killed while parsing it: 3" &&
	grep -q "is 3 keer gestopt" "$(newest jan@bewoners.example)" &&
	no_run_files
'
write_config

test_expect_success 'bpt-report release processes a quarantined message as if it just came in' '
	id=$(msgid_of abort.eml) &&
	anna=$(copies anna@bewoners.example) &&
	bpt-report -v --as jan@bewoners.example release "$id" 2>err &&
	grep -q "message $id: post (new incident)" err &&
	test "$(state abort.eml)" = "done|post|1|0" &&
	test "$(copies anna@bewoners.example)" = $((anna + 1)) &&
	grep -q "Dood: man met koevoet" "$(newest anna@bewoners.example)" &&
	test "$(q "SELECT actor || '"'"'|'"'"' || action || '"'"'|'"'"' || detail || '"'"'|'"'"' || (incident_id > 0) FROM audit WHERE action = '"'"'release'"'"'")" = "jan@bewoners.example|release|message $id: post|1"
'

test_expect_success 'a released message that crashes again stays quarantined' '
	id=$(msgid_of stuck.eml) &&
	BPT_TEST_FAULT=parse-abort bpt-report release "$id" 2>/dev/null; code=$? &&
	test "$code" -gt 128 &&
	test "$(state stuck.eml)" = "quarantined|quarantined|0|3" &&
	test "$(q "SELECT count(*) FROM audit WHERE action = '"'"'release'"'"'")" = 1 &&
	bpt-report release "$id" &&
	test "$(state stuck.eml)" = "done|post|0|3" &&
	no_run_files
'

test_expect_failure_code 65 'release refuses a message that is not quarantined (65)' '
	bpt-report release "$(msgid_of held.eml)"
'
test_expect_failure_code 66 'release of no such message is 66' '
	bpt-report release 99999
'
test_expect_failure_code 64 'release needs a message id (64)' '
	bpt-report release twelve
'

test_done

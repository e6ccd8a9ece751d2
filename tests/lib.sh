# tests/lib.sh - a small TAP harness in the style of git's and notmuch's.
#
#   . "$top_srcdir/tests/lib.sh"
#   test_expect_success 'what it shows' '
#       bpt-member add a@example.org &&
#       bpt-member list >actual &&
#       test_cmp expect actual
#   '
#   test_done
#
# Every script runs in a fresh folder ($TRASH) with its own config
# ($BPT_CONFIG) and store; the tools of the build tree come first in PATH.
# Set BPT_TEST_KEEP=1 to keep the folder of a failing script.  Mail files:
# $DATA (tests/data, in the tree) and $CORPUS (the shared corpus, only
# with test_expect_corpus).

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${BPT_SHARED:=$top_srcdir/../shared}"
export top_srcdir top_builddir BPT_SHARED
PATH="$top_builddir/cmd:$PATH"
export PATH
unset BPT_TEST_FAULT
LC_ALL=C.UTF-8
TZ=Europe/Amsterdam
export LC_ALL TZ

# The project's own test mails (tests/data/README.md), always there.
DATA=$top_srcdir/tests/data
# The shared test data beside the tree, when it is there: the corpus of
# real-world mails and the fuzz seeds.  $BPT_TEST_CORPUS, when set,
# alone decides: a folder holding EXPECTED.tsv is the corpus itself (its
# seeds in ../fuzz-seeds beside it), any other holds corpus/ and
# fuzz-seeds/.  Else $BPT_SHARED/corpus and $BPT_SHARED/fuzz-seeds.
if [ -n "${BPT_TEST_CORPUS:-}" ]; then
	if [ -f "$BPT_TEST_CORPUS/EXPECTED.tsv" ]; then
		CORPUS=$BPT_TEST_CORPUS
		FUZZ_SEEDS=$BPT_TEST_CORPUS/../fuzz-seeds
	else
		CORPUS=$BPT_TEST_CORPUS/corpus
		FUZZ_SEEDS=$BPT_TEST_CORPUS/fuzz-seeds
	fi
else
	CORPUS=$BPT_SHARED/corpus
	FUZZ_SEEDS=$BPT_SHARED/fuzz-seeds
fi
test_count=0
test_failed=0
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/bpt-test.XXXXXX")
test_cleanup_cmds=""

test_atexit() { test_cleanup_cmds="$1
$test_cleanup_cmds"; }

test_cleanup() {
	eval "$test_cleanup_cmds"
	if [ "$test_failed" -gt 0 ] && [ -n "${BPT_TEST_KEEP:-}" ]; then
		echo "# kept $TRASH" >&2
	else
		rm -rf "$TRASH"
	fi
}
trap test_cleanup EXIT
trap 'exit 130' INT TERM
cd "$TRASH" || exit 99

# The default test group: store, maildir outbox, a list address.
write_config() {
	cat >"$TRASH/bpt.yaml" <<CFG
group:
  name: BPT Testbuurt
  address: bpt@bars.example
store: $TRASH/store/bpt.db
busy_timeout: ${TEST_BUSY_TIMEOUT:-2s}
delivery:
  transport: maildir
  maildir: $TRASH/outbox
${1:-}
CFG
	chmod 600 "$TRASH/bpt.yaml"
	BPT_CONFIG="$TRASH/bpt.yaml"
	export BPT_CONFIG
}
write_config

# The maildir outbox of the config write_config() writes: how many mails
# ADDR got, and the newest of them (maildir names carry microseconds
# without leading zeros and do not sort; ls -t does).
copies() { ls "$TRASH/outbox/$1/new" 2>/dev/null | wc -l | tr -d ' '; }
newest() { ls -t "$TRASH/outbox/$1/new"/* | head -n 1; }

say_lines() { sed 's/^/# /'; }

test_run_() {
	(
		# once a test moved the clock, it stands there for the rest
		if [ -f "$TRASH/clock" ]; then
			BPT_NOW=$(cat "$TRASH/clock")
			export BPT_NOW
		fi
		eval "$1"
	) >"$TRASH/.out" 2>&1
}

test_ok_() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1"
}

test_fail_() {
	test_count=$((test_count + 1))
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - $1"
	say_lines <"$TRASH/.out"
}

test_expect_success() {
	if test_run_ "$2"; then test_ok_ "$1"; else test_fail_ "$1"; fi
}

test_expect_failure_code() {
	# test_expect_failure_code CODE 'desc' 'command'
	test_run_ "$3"
	rc=$?
	if [ "$rc" = "$1" ]; then test_ok_ "$2"; else
		echo "expected exit $1, got $rc" >>"$TRASH/.out"
		test_fail_ "$2"
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP $1"
}

test_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# test_have_corpus: true when the shared corpus is there
test_have_corpus() {
	[ -f "$CORPUS/EXPECTED.tsv" ]
}

# test_expect_corpus 'what it shows' 'commands': test_expect_success
# when the shared corpus is there; else a skip, or a failure when
# BPT_REQUIRE_CORPUS=1 (the project's CI, where it must be there)
test_expect_corpus() {
	if test_have_corpus; then
		test_expect_success "$1" "$2"
	elif [ "${BPT_REQUIRE_CORPUS:-}" = 1 ]; then
		echo "no shared corpus at $CORPUS, and BPT_REQUIRE_CORPUS=1" \
		    >"$TRASH/.out"
		test_fail_ "$1"
	else
		test_skip 'no shared corpus (../shared/corpus or $BPT_TEST_CORPUS)'
	fi
}

test_cmp() {
	diff -u "$1" "$2"
}

# test_expect_code CODE COMMAND...: runs COMMAND, true when it exits CODE
test_expect_code() {
	_want=$1
	shift
	"$@"
	_got=$?
	[ "$_got" = "$_want" ] && return 0
	echo "expected exit $_want, got $_got: $*" >&2
	return 1
}

# exits with the code of the command, prints it: code=$(exit_code cmd)
test_exit_code() {
	"$@" >/dev/null 2>&1
	echo $?
}

# clock_advance SECONDS: moves the tools' clock (BPT_NOW, honoured by
# test builds) SECONDS on from where it stands, the real time at the
# first call: retries, expiries and reminders fall due without a sleep
# that a slow machine can outrun.  Each test runs in a subshell, so the
# clock is kept in $TRASH/clock, where every later test finds it: from
# the first call on, the clock stands still until it is moved again.
clock_advance() {
	_now=$(cat "$TRASH/clock" 2>/dev/null || date +%s)
	BPT_NOW=$((_now + $1))
	echo "$BPT_NOW" >"$TRASH/clock"
	export BPT_NOW
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" -eq 0 ]
}

#!/bin/sh
# bench/crash-trials.sh - the long run of tests/crash/kill9.sh: bpt-report
# and bpt-send killed with SIGKILL at random moments, retried as an MTA
# would, and every trial checked for lost mail, double processing and
# copies delivered twice (see the head of tests/crash/kill9.sh).
#
#   bench/crash-trials.sh [BUILDDIR [TRIALS [JOBS]]]
#
# TRIALS (1,000) are shared out over JOBS (4) runs of kill9.sh at once,
# each with its own seed and groups: a trial mostly waits for fsync and
# for its kill delays, so this is faster than one after the other.
# Prints the failed trials with what they found, then the sums: trials,
# mails lost (the goal is 0), kills and where they landed, retries
# recognised, and copies delivered twice by cause.  Exits 1 when a trial
# failed.  CRASH_SEED (the first job's seed) repeats a run; CRASH_PKILL
# and CRASH_TRANSPORTS are passed on.  Needs sqlite3; the smtp trials
# need Postfix's smtp-sink.
set -eu

builddir=$(cd "${1:-.}" && pwd)
trials=${2:-1000}
jobs=${3:-4}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$builddir/cmd/bpt-report" ] || { echo "no $builddir/cmd/bpt-report: build first" >&2; exit 1; }

top_srcdir=$srcdir
top_builddir=$builddir
: "${BPT_SHARED:=$srcdir/../shared}"
export top_srcdir top_builddir BPT_SHARED
seed=${CRASH_SEED:-$(date +%s)}

work=$(mktemp -d "${TMPDIR:-/tmp}/bpt-crash.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
j=0
while [ $j -lt "$jobs" ]; do
	n=$((trials / jobs + (j < trials % jobs ? 1 : 0)))
	CRASH_TRIALS=$n CRASH_SEED=$((seed + j)) sh "$srcdir/tests/crash/kill9.sh" \
	    >"$work/out.$j" 2>&1 &
	pids="$pids $!"
	j=$((j + 1))
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
pids=
end=$(date +%s)

j=0
while [ $j -lt "$jobs" ]; do
	# the failed trials with what they found
	awk -v job=$j '/^not ok/ { bad = 1; print "job " job ": " $0; next }
	    /^ok/ { bad = 0; next } bad && /^# / { print }' "$work/out.$j"
	grep '^# seed\|^# maildir:\|^# smtp:' "$work/out.$j" | sed "s/^# /job $j: /"
	grep -q '^# crash-stats:' "$work/out.$j" ||
	    { echo "job $j did not finish:"; tail -n 5 "$work/out.$j"; rc=1; }
	j=$((j + 1))
done
cat "$work"/out.* | sh "$srcdir/tests/crash/summary.sh" | sed 's/^# crash: /  /'
echo "  $((end - start)) s"
[ "$rc" = 0 ] || { echo "crash-trials: some trials failed" >&2; exit 1; }

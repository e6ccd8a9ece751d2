#!/bin/bash
# bench/ingest.sh - time of bpt-report from exec to exit for one 3 KB alert
# into a group of 1,000 and of 10,000 members: read, store the raw bytes,
# parse, classify, open the incident, render the copy and enqueue one
# delivery per member, with the two synchronous commits; delivery itself
# is off (--no-deliver), so this is bpt's own work on the alert path.
#
#   bench/ingest.sh [BUILDDIR [RUNS]]
#
# Prints the median (and min/max) of RUNS (21) runs per group size, each
# run a fresh message (a retry of the same bytes would be a duplicate).
# Target: median <= 10 ms at 1,000 members.  For scale, the same way:
# an empty program (/bin/true) and `bpt-report --version`, which is
# process start plus loading the shared libraries and nothing else.
# Times come from bash's EPOCHREALTIME, which costs no process.
set -eu

builddir=$(cd "${1:-.}" && pwd)
runs=${2:-21}
report=$builddir/cmd/bpt-report
member=$builddir/cmd/bpt-member
[ -x "$report" ] || { echo "no $report: build first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bpt-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.2f ms (min %.2f, max %.2f)", a[int((NR + 1) / 2)] / 1e3, a[1] / 1e3, a[NR] / 1e3 }'; }

# timeit FILE CMD...: runs CMD RUNS times, microseconds a line into FILE
timeit() {
	local out=$1 r=0 t0 t1
	shift
	: >"$out"
	while [ $r -lt "$runs" ]; do
		t0=${EPOCHREALTIME/./}
		"$@" >/dev/null
		t1=${EPOCHREALTIME/./}
		echo $((t1 - t0)) >>"$out"
		r=$((r + 1))
	done
}

timeit "$work/t.true" /bin/true
printf '%28s: median %s\n' "empty program" "$(median <"$work/t.true")"
timeit "$work/t.version" "$report" --version
printf '%28s: median %s\n' "bpt-report --version" "$(median <"$work/t.version")"

alert() { # a 3 KB alert, unique per run
	printf 'From: Lid Een <lid000001@buurt.example>\nTo: bpt@bench.example\n'
	printf 'Subject: Verdachte persoon %s\nMessage-ID: <bench-%s@buurt.example>\n' "$1" "$1"
	printf 'Date: Sat, 28 Nov 2026 21:03:00 +0100\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
	i=0
	while [ $i -lt 40 ]; do
		printf 'Man met donkere jas en rode pet loopt langs de auto%s van de straat %d.\n' "'s" $i
		i=$((i + 1))
	done
	printf 'Kenteken 12-ABC-3. Ik heb 112 gebeld.\n'
}

for n in 1000 10000; do
	d=$work/g$n
	mkdir -p "$d"
	install -m 600 /dev/null "$d/bpt.yaml"
	cat >"$d/bpt.yaml" <<CFG
group:
  name: BPT Bench
  address: bpt@bench.example
store: $d/bpt.db
delivery:
  transport: maildir
  maildir: $d/outbox
policy:
  flood: {max_per_hour: 0}          # one member writes every alert here
CFG
	export BPT_CONFIG="$d/bpt.yaml"
	awk -v n=$n 'BEGIN { print "email,name"; for (i = 1; i <= n; i++) printf "lid%06d@buurt.example,Lid %d\n", i, i }' >"$d/members.csv"
	"$member" import --no-welcome "$d/members.csv" >/dev/null
	alert warmup | "$report" --no-deliver
	alert "x" >"$d/size.eml"
	r=0
	: >"$d/times"
	while [ $r -lt "$runs" ]; do
		alert "$n-$r" >"$d/m.eml"
		t0=${EPOCHREALTIME/./}
		"$report" --no-deliver <"$d/m.eml"
		t1=${EPOCHREALTIME/./}
		echo $((t1 - t0)) >>"$d/times"
		r=$((r + 1))
	done
	printf '%6d members, %d-byte alert: median %s\n' "$n" \
	    "$(wc -c <"$d/size.eml")" "$(median <"$d/times")"
done

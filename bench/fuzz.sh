#!/bin/sh
# bench/fuzz.sh - fuzzing campaigns on the libFuzzer targets of tests/fuzz.
#
#   bench/fuzz.sh [-b BUILDDIR] [-t SECONDS] [-j JOBS] [-o OUT] [TARGET...]
#
# BUILDDIR (.) must be configured with --enable-fuzzing CC=clang and
# built.  Each TARGET (default: all of ingest bounce config csv quote
# phone_addr imgmeta) runs SECONDS (900) with -timeout=1 (a run over 1 s is a
# finding) and -rss_limit_mb=2048, JOBS (2) targets at a time, from the
# shared seeds ($BPT_SHARED/corpus and fuzz-seeds; contrib/bpt.yaml.example
# for config, tests/data/img for imgmeta), the past findings in tests/fuzz/regress/TARGET and the
# corpus a previous campaign left in OUT/corpus/TARGET (OUT defaults to
# BUILDDIR/fuzz-out), with the target's dictionary.  A target stops at
# its first finding; the input is kept in OUT/artifacts/TARGET/ and the
# log in OUT/logs/TARGET.log.  A run does not reread its corpus folder
# every second (-reload=0): no other process adds to it, and rereading
# a folder of thousands of files took 3% of ingest's time in a profile.
# ASAN_OPTIONS defaults to
# malloc_context_size=4:quarantine_size_mb=16: ASan keeps 4 frames, not
# 30, of where each block was allocated and freed (a report's own stack
# stays whole), and holds 16 MB of freed blocks back from reuse, not 256
# (one input allocates far less, so a use after free within an input is
# still caught); quote and bounce run 1.4 to 1.8 times as fast with them
# (tests/fuzz/README.md).  Prints one line per target: seconds run,
# executions, executions a second, crashes (sanitizer reports, aborts of
# the harness), timeouts, out-of-memory, leaks, coverage and corpus size.
# Exits 1 when any target found something.
set -eu

usage() {
	echo "usage: bench/fuzz.sh [-b builddir] [-t seconds] [-j jobs] [-o out] [target...]" >&2
	exit 64
}

builddir=.
secs=${FUZZ_TIME:-900}
jobs=${FUZZ_JOBS:-2}
out=
while getopts b:hj:o:t: opt; do
	case $opt in
	b) builddir=$OPTARG ;;
	j) jobs=$OPTARG ;;
	o) out=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
targets=${*:-ingest bounce config csv quote phone_addr imgmeta}

export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=4:quarantine_size_mb=16}"

src=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "$builddir" && pwd)
shared=${BPT_SHARED:-$src/../shared}
out=${out:-$builddir/fuzz-out}
[ -d "$shared/corpus" ] || { echo "no shared corpus in $shared (set BPT_SHARED)" >&2; exit 66; }
for t in $targets; do
	bin=$builddir/tests/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 66; }
	"$bin" -help=1 2>&1 | grep -q '^To run fuzzing' || {
		echo "$bin is the replay driver: configure with --enable-fuzzing CC=clang" >&2
		exit 64
	}
done
mkdir -p "$out/logs" "$out/seeds/config"
cp "$src/contrib/bpt.yaml.example" "$out/seeds/config/"

dict_of() {
	case $1 in
	ingest|bounce) echo mail ;;
	config) echo config ;;
	csv) echo csv ;;
	imgmeta) echo img ;;
	*) echo text ;;
	esac
}

# campaign TARGET: one run, its log in OUT/logs
campaign() {
	t=$1
	mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
	set -- "$out/corpus/$t" "$shared/corpus" "$shared/fuzz-seeds"
	[ "$t" = config ] && set -- "$@" "$out/seeds/config"
	[ "$t" = imgmeta ] && set -- "$@" "$src/tests/data/img"
	[ -d "$src/tests/fuzz/regress/$t" ] && set -- "$@" "$src/tests/fuzz/regress/$t"
	# the store of a target lives in memory; its scratch folder here
	tmp=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/bpt-fuzz-bench.XXXXXX")
	start=$(date +%s)
	TMPDIR=$tmp "$builddir/tests/fuzz/fuzz_$t" -max_total_time="$secs" \
	    -timeout=1 -rss_limit_mb=2048 -print_final_stats=1 -reload=0 \
	    -dict="$src/tests/fuzz/$(dict_of "$t").dict" \
	    -artifact_prefix="$out/artifacts/$t/" "$@" \
	    >"$out/logs/$t.log" 2>&1 || true
	echo "wall $(( $(date +%s) - start ))" >>"$out/logs/$t.log"
	rm -rf "$tmp"
}

# report TARGET: its line of the table
report() {
	t=$1
	log=$out/logs/$t.log
	a=$out/artifacts/$t
	count() { find "$a" -maxdepth 1 -name "$1-*" -newer "$out/logs/.start" | wc -l; }
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	wall=$(sed -n 's/^wall //p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 |
	    sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 \2 \3/p')
	set -- ${cov:-- - -}
	printf '%-11s %6s %12s %8s %7s %8s %5s %5s %6s %7s %6s %7s\n' "$t" \
	    "${wall:--}" "${execs:--}" "${rate:--}" "$(count crash)" \
	    "$(count timeout)" "$(count oom)" "$(count leak)" "$1" "$2" "$3" \
	    "${rss:--}"
}

touch "$out/logs/.start"
n=0
for t in $targets; do
	campaign "$t" &
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		wait
		n=0
	fi
done
wait

echo "# bench/fuzz.sh: $secs s per target, $jobs at a time, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-11s %6s %12s %8s %7s %8s %5s %5s %6s %7s %6s %7s\n' target seconds \
    execs exec/s crashes timeouts ooms leaks cov ft corpus rss_mb
found=0
for t in $targets; do
	report "$t"
	[ -z "$(find "$out/artifacts/$t" -maxdepth 1 -type f -newer "$out/logs/.start")" ] ||
		found=1
done
[ "$found" = 0 ] || echo "# findings in $out/artifacts; logs in $out/logs"
exit "$found"

#!/bin/bash
# bench/close.sh - `bpt-close N` from exec to exit beside `bpt-report` for
# an alert to the same group, in the same run, for 1,000 and 10,000
# members.  Closing an incident sends every member one mail through the
# same outbox and transport as an alert, so it should cost about as much
# (target: close <= 1.1 x alert).
#
#   bench/close.sh [BUILDDIR [RUNS]]
#
# Each run is an alert (a fresh 3 KB message) followed by the close of
# the incident it opened, timed alike; the table shows medians of RUNS
# (11) runs in milliseconds and their ratio, and the peak RSS of one more
# run of each under /usr/bin/time -v.  Two ways:
#
#   queue   delivery off (--no-deliver): bpt's own work, up to the commit
#           of the copies and their delivery rows
#   smtp    the copies handed to Postfix's smtp-sink on 127.0.0.1 before
#           exit, as in production (skipped without /usr/sbin/smtp-sink)
#
# Times come from bash's EPOCHREALTIME, which costs no process.
# Environment: BENCH_SIZES (default "1000 10000"), BENCH_PORT (default:
# the first free port from 25350 on).
set -eu

BUILDDIR=$(cd "${1:-.}" && pwd)
RUNS=${2:-11}
: "${BENCH_SIZES:=1000 10000}"
REPORT=$BUILDDIR/cmd/bpt-report
CLOSE=$BUILDDIR/cmd/bpt-close
MEMBER=$BUILDDIR/cmd/bpt-member
SINK=/usr/sbin/smtp-sink
SOURCE=/usr/sbin/smtp-source
TIME=/usr/bin/time
for t in "$REPORT" "$CLOSE" "$MEMBER"; do
	[ -x "$t" ] || { echo "close.sh: no $t: build first" >&2; exit 1; }
done
[ -x "$TIME" ] || { echo "close.sh: $TIME is missing (apt-get install time)" >&2; exit 69; }
command -v sqlite3 >/dev/null || { echo "close.sh: sqlite3 is missing" >&2; exit 69; }

W=$(mktemp -d "${TMPDIR:-/tmp}/bpt-close-bench.XXXXXX")
sink_pid=
cleanup() {
	if [ -n "$sink_pid" ]; then
		kill "$sink_pid" 2>/dev/null || :
		wait "$sink_pid" 2>/dev/null || :
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

modes=queue
port=
if [ -x "$SINK" ] && [ -x "$SOURCE" ]; then
	port=${BENCH_PORT:-25350}
	user_opt=
	[ "$(id -u)" -eq 0 ] && user_opt="-u nobody"
	while :; do
		# shellcheck disable=SC2086
		"$SINK" $user_opt 127.0.0.1:$port 256 >"$W/sink.log" 2>&1 &
		sink_pid=$!
		i=0
		while [ $i -lt 50 ] && kill -0 "$sink_pid" 2>/dev/null; do
			"$SOURCE" -m 1 -f bpt@bench.example -t probe@example.org \
			    127.0.0.1:"$port" >/dev/null 2>&1 && break
			sleep 0.1
			i=$((i + 1))
		done
		kill -0 "$sink_pid" 2>/dev/null && [ $i -lt 50 ] && break
		kill "$sink_pid" 2>/dev/null || :
		wait "$sink_pid" 2>/dev/null || :
		sink_pid=
		[ -n "${BENCH_PORT:-}" ] && { echo "close.sh: port $port is taken" >&2; exit 69; }
		port=$((port + 1))
		[ $port -lt 25450 ] || { echo "close.sh: no free port" >&2; exit 69; }
	done
	modes="queue smtp"
fi

alert() { # a 3 KB alert from member 1, unique per run
	printf 'From: Lid Een <lid000001@buurt.example>\nTo: bpt@bench.example\n'
	printf 'Subject: Verdachte persoon %s\nMessage-ID: <close-bench-%s@buurt.example>\n' "$1" "$1"
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
	i=0
	while [ $i -lt 40 ]; do
		printf 'Man met donkere jas en rode pet loopt langs de auto%s van de straat %d.\n' "'s" $i
		i=$((i + 1))
	done
	printf 'Kenteken 12-ABC-3. Ik heb 112 gebeld.\n'
}

config() { # DIR MODE
	install -m 600 /dev/null "$1/bpt.yaml"
	{
		printf 'group:\n  name: BPT Bench\n  address: bpt@bench.example\n'
		printf 'store: %s/bpt.db\n' "$1"
		if [ "$2" = smtp ]; then
			printf 'delivery:\n  transport: smtp\n'
			printf '  smtp: {host: 127.0.0.1, port: %s, tls: none, timeout: 30s}\n' "$port"
		else
			printf 'delivery:\n  transport: maildir\n  maildir: %s/outbox\n' "$1"
		fi
		# one member writes every alert here
		printf 'policy:\n  flood: {max_per_hour: 0}\n'
	} >"$1/bpt.yaml"
}

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# us: runs CMD with stdin from FILE, prints microseconds; it must exit 0
us() { # FILE CMD...
	local in=$1 t0 t1
	shift
	t0=${EPOCHREALTIME/./}
	"$@" <"$in" >/dev/null 2>"$W/err" || { echo "close.sh: $* failed:" >&2; cat "$W/err" >&2; exit 70; }
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0))
}
rss() { # CMD...: its peak RSS in KB (stdin is the caller's)
	"$TIME" -v -o "$W/time" "$@" >/dev/null 2>"$W/err" ||
	    { echo "close.sh: $* failed:" >&2; cat "$W/err" >&2; exit 70; }
	awk -F: '/Maximum resident/ { gsub(/ /, "", $2); print $2 }' "$W/time"
}

printf '# %s, %s runs each, medians in ms; %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$RUNS" \
    "${port:+smtp-sink on 127.0.0.1:$port}"
printf '%-6s %-6s %9s %9s %7s %10s %10s\n' mode members alert close ratio rss-alert rss-close
for mode in $modes; do
	nodeliver=
	[ "$mode" = queue ] && nodeliver=--no-deliver
	for n in $BENCH_SIZES; do
		d=$W/$mode-$n
		mkdir -p "$d"
		config "$d" "$mode"
		export BPT_CONFIG=$d/bpt.yaml
		awk -v n="$n" 'BEGIN { print "email,name,role"; for (i = 1; i <= n; i++)
		    printf "lid%06d@buurt.example,Lid %d,%s\n", i, i, i == 1 ? "admin" : "member" }' >"$d/members.csv"
		"$MEMBER" import --no-welcome "$d/members.csv" >/dev/null
		: >"$d/t.alert"
		: >"$d/t.close"
		r=0
		# one warm-up pair, then RUNS timed pairs, then one pair for the RSS
		while [ $r -le $((RUNS + 1)) ]; do
			alert "$mode-$n-$r" >"$d/m.eml"
			if [ $r -eq $((RUNS + 1)) ]; then
				ra=$(rss "$REPORT" $nodeliver <"$d/m.eml")
				num=$(sqlite3 "$d/bpt.db" "SELECT max(id) FROM incidents")
				rc=$(rss "$CLOSE" $nodeliver --as lid000001@buurt.example "$num")
				break
			fi
			ta=$(us "$d/m.eml" "$REPORT" $nodeliver)
			num=$(sqlite3 "$d/bpt.db" "SELECT max(id) FROM incidents")
			tc=$(us /dev/null "$CLOSE" $nodeliver --as lid000001@buurt.example "$num")
			if [ $r -gt 0 ]; then
				echo "$ta" >>"$d/t.alert"
				echo "$tc" >>"$d/t.close"
			fi
			r=$((r + 1))
		done
		if [ "$mode" = smtp ]; then
			# every copy of both reached the sink
			left=$(sqlite3 "$d/bpt.db" "SELECT count(*) FROM deliveries WHERE state <> 'sent'")
			[ "$left" = 0 ] || { echo "close.sh: $left copies not sent" >&2; exit 70; }
		fi
		a=$(median <"$d/t.alert")
		c=$(median <"$d/t.close")
		printf '%-6s %-6s %9s %9s %7s %10s %10s\n' "$mode" "$n" "$a" "$c" \
		    "$(ratio "$c" "$a")" "$ra" "$rc"
	done
done

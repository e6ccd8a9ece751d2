#!/bin/bash
# bench/fanout.sh - one 3 KB message to 100, 1,000 and 10,000 recipients
# through Postfix's smtp-sink on 127.0.0.1: bpt next to mlmmj and
# smtp-source, same sink, same message, same list, in one run.
#
#   bench/fanout.sh [BUILDDIR]
#
# Each shape runs BENCH_RUNS times per size; the table shows medians in
# milliseconds (wall time from start until the sender has had every
# recipient accepted and has quit), bpt's time as a ratio of each peer's,
# and the largest peak RSS of the bpt side.
#
# Environment:
#   BPT_FANOUT   the bpt side.  Default: bpt-report itself, as the MTA runs
#                it: a member's 3 KB alert on stdin, a fresh store holding
#                the N members (made before the clock starts), the copies
#                handed to the sink before it exits; afterwards the store
#                must show every delivery sent.  Otherwise a command run by
#                sh -c with BENCH_CONFIG (a bpt.yaml pointing at the sink),
#                BENCH_MESSAGE, BENCH_RCPTS (one address a line), BENCH_N,
#                BENCH_PORT and BUILDDIR exported, which must exit 0 only
#                when every recipient was accepted; e.g. the transport
#                driver: BPT_FANOUT='"$BUILDDIR/bench/fanout-smtp" -c
#                "$BENCH_CONFIG" -m "$BENCH_MESSAGE" -r "$BENCH_RCPTS"'.
#   BENCH_SIZES  default "100 1000 10000"
#   BENCH_RUNS   default 5
#   BENCH_PORT   default: the first free port from 25250 on
#   SMTP_SOURCE_SESSIONS   parallel sessions of smtp-source (default 4)
#   MLMMJ_DEFAULT_MAX      mlmmj's default shape (one transaction per
#                recipient) is skipped above this many recipients
#                (default 1000: it needs minutes for 10,000)
set -eu

BUILDDIR=${1:-${BUILDDIR:-.}}
BUILDDIR=$(cd "$BUILDDIR" && pwd)
: "${BPT_FANOUT:=report}"
: "${BENCH_SIZES:=100 1000 10000}"
: "${BENCH_RUNS:=5}"
: "${SMTP_SOURCE_SESSIONS:=4}"
: "${MLMMJ_DEFAULT_MAX:=1000}"
SINK=/usr/sbin/smtp-sink
SOURCE=/usr/sbin/smtp-source
MLMMJ_SEND=/usr/bin/mlmmj-send
TIME=/usr/bin/time
FROM=bpt@binnenbijster.example

for t in "$SINK" "$SOURCE" "$MLMMJ_SEND" "$TIME"; do
	[ -x "$t" ] || { echo "fanout.sh: $t is missing (apt-get install postfix mlmmj time)" >&2; exit 69; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/bpt-fanout.XXXXXX")
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

# --- the message: 3,072 bytes of a typical alert --------------------------
{
	printf 'From: "Jan via BPT Binnenbijster" <%s>\n' "$FROM"
	printf 'Reply-To: %s\nTo: %s\n' "$FROM" "$FROM"
	printf 'Subject: [BPT Binnenbijster #12] Verdachte bestelbus\n'
	printf 'Message-ID: <bench.12.1@binnenbijster.example>\n'
	printf 'List-Id: <bpt.binnenbijster.example>\nPrecedence: list\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
	i=0
	while [ $i -lt 40 ]; do
		printf 'Grijze bestelbus rijdt rondjes door de wijk, kenteken VT-123-X.\n'
		i=$((i + 1))
	done
} | head -c 3071 >"$W/msg"
echo >>"$W/msg"

for n in $BENCH_SIZES; do
	seq 0 $((n - 1)) | sed 's/.*/lid&@example.org/' >"$W/rcpt.$n"
	{ echo email; cat "$W/rcpt.$n"; } >"$W/members.$n.csv"
done

# --- the alert a member sends, for bpt-report: the same text ----------------
{
	printf 'From: Lid Nul <lid0@example.org>\nTo: %s\n' "$FROM"
	printf 'Subject: Verdachte bestelbus\nMessage-ID: <bench-alert@example.org>\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n'
	sed '1,/^$/d' "$W/msg"
} >"$W/alert"

# --- the sink --------------------------------------------------------------
port=${BENCH_PORT:-25250}
user_opt=
[ "$(id -u)" -eq 0 ] && user_opt="-u nobody"
while :; do
	# shellcheck disable=SC2086
	"$SINK" $user_opt 127.0.0.1:$port 256 >"$W/sink.log" 2>&1 &
	sink_pid=$!
	i=0
	while [ $i -lt 50 ] && kill -0 "$sink_pid" 2>/dev/null; do
		"$SOURCE" -m 1 -f "$FROM" -t probe@example.org 127.0.0.1:"$port" \
		    >/dev/null 2>&1 && break
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$sink_pid" 2>/dev/null && [ $i -lt 50 ] && break
	kill "$sink_pid" 2>/dev/null || :
	wait "$sink_pid" 2>/dev/null || :
	[ -n "${BENCH_PORT:-}" ] && { echo "fanout.sh: port $port is taken" >&2; exit 69; }
	port=$((port + 1))
	[ $port -lt 25350 ] || { echo "fanout.sh: no free port" >&2; exit 69; }
done

install -m 600 /dev/null "$W/bpt.yaml"
cat >"$W/bpt.yaml" <<EOF
group:
  name: BPT Binnenbijster
  address: $FROM
store: $W/bpt.db
delivery:
  transport: smtp
  smtp: {host: 127.0.0.1, port: $port, tls: none, timeout: 30s}
EOF

# --- mlmmj: a list folder as mlmmj-make-ml makes it, relaying to the sink ---
mlmmj_list() {	# DIR VERP(yes|no) N
	for d in incoming queue queue/discarded archive text subconf unsubconf \
	    bounce control moderation subscribers.d digesters.d requeue \
	    nomailsubs.d; do
		mkdir -p "$1/$d"
	done
	echo "$FROM" >"$1/control/listaddress"
	echo 127.0.0.1 >"$1/control/relayhost"
	echo "$port" >"$1/control/smtpport"
	echo 0 >"$1/index"
	if [ "$2" = yes ]; then
		echo postfix >"$1/control/verp"
		echo 100 >"$1/control/maxverprecips"
	fi
	cp "$W/rcpt.$3" "$1/subscribers.d/l"
}

# --- one timed run: prints milliseconds; the command must exit 0 ------------
# bash's EPOCHREALTIME: the clock read costs no process
timed() {	# NAME CMD...
	name=$1
	shift
	t0=${EPOCHREALTIME/./}
	if ! "$@" >"$W/run.out" 2>&1; then
		echo "fanout.sh: $name failed:" >&2
		cat "$W/run.out" >&2
		exit 70
	fi
	t1=${EPOCHREALTIME/./}
	echo $(((t1 - t0) / 1000))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || b == "-" || b == 0) print "-"; else printf "%.3f", a / b }'; }

# bpt-report: a fresh store with the N members, made before the clock starts
prep_bpt() {	# N
	[ "$BPT_FANOUT" = report ] || return 0
	rm -f "$W"/bpt.db*
	"$BUILDDIR/cmd/bpt-member" -c "$W/bpt.yaml" import --no-welcome "$W/members.$1.csv" >/dev/null
}
# ... and afterwards every delivery sent
check_bpt() {	# N
	[ "$BPT_FANOUT" = report ] || return 0
	sent=$(sqlite3 "$W/bpt.db" "SELECT count(*) FROM deliveries WHERE state = 'sent'")
	[ "$sent" -eq "$1" ] || { echo "fanout.sh: bpt sent $sent of $1" >&2; exit 70; }
}
run_bpt() {
	if [ "$BPT_FANOUT" = report ]; then
		"$TIME" -f %M -o "$W/rss" "$BUILDDIR/cmd/bpt-report" -c "$W/bpt.yaml" <"$W/alert"
		return
	fi
	BENCH_CONFIG=$W/bpt.yaml BENCH_MESSAGE=$W/msg BENCH_RCPTS=$W/rcpt.$1 \
	    BENCH_N=$1 BENCH_PORT=$port BUILDDIR=$BUILDDIR \
	    "$TIME" -f %M -o "$W/rss" sh -c "export BENCH_CONFIG BENCH_MESSAGE BENCH_RCPTS BENCH_N BENCH_PORT BUILDDIR; $BPT_FANOUT"
}
run_mlmmj() {	# DIR
	cp "$W/msg" "$1/queue/bench"
	"$MLMMJ_SEND" -L "$1" -m "$1/queue/bench"
	[ -z "$(ls "$1/requeue")" ]
}
run_source() {	# N
	m=$(($1 / 100))
	s=$SMTP_SOURCE_SESSIONS
	[ "$m" -lt "$s" ] && s=$m
	"$SOURCE" -d -s "$s" -m "$m" -r 100 -F "$W/msg" -f "$FROM" \
	    -t lid@example.org 127.0.0.1:"$port"
}

printf '# %s, %s runs each, medians in ms; smtp-sink on 127.0.0.1:%s\n' \
    "$(date -u +%Y-%m-%dT%H:%MZ)" "$BENCH_RUNS" "$port"
printf '# bpt: %s\n' "$BPT_FANOUT"
printf '%-6s %8s %10s %10s %10s %9s %9s %9s %8s\n' rcpts bpt mlmmj-vp mlmmj-def \
    smtp-src bpt/vp bpt/def bpt/src rss-KB
for n in $BENCH_SIZES; do
	: >"$W/t.bpt"; : >"$W/t.vp"; : >"$W/t.def"; : >"$W/t.src"
	rss=0
	rm -rf "$W/ml-vp" "$W/ml-def"
	mlmmj_list "$W/ml-vp" yes "$n"
	mlmmj_list "$W/ml-def" no "$n"
	r=0
	while [ $r -lt "$BENCH_RUNS" ]; do
		prep_bpt "$n"
		timed bpt run_bpt "$n" >>"$W/t.bpt"
		check_bpt "$n"
		k=$(cat "$W/rss")
		[ "$k" -gt "$rss" ] && rss=$k
		timed mlmmj-verp run_mlmmj "$W/ml-vp" >>"$W/t.vp"
		if [ "$n" -le "$MLMMJ_DEFAULT_MAX" ]; then
			timed mlmmj-default run_mlmmj "$W/ml-def" >>"$W/t.def"
		fi
		timed smtp-source run_source "$n" >>"$W/t.src"
		r=$((r + 1))
	done
	b=$(median <"$W/t.bpt")
	vp=$(median <"$W/t.vp")
	def=$(median <"$W/t.def")
	src=$(median <"$W/t.src")
	printf '%-6s %8s %10s %10s %10s %9s %9s %9s %8s\n' "$n" "$b" "$vp" \
	    "${def:--}" "$src" "$(ratio "$b" "$vp")" "$(ratio "$b" "$def")" \
	    "$(ratio "$b" "$src")" "$rss"
done

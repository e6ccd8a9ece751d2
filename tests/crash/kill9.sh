#!/bin/sh
# Exactly once under kill -9.  Each trial is a fresh group of four
# members and five mails (two alerts, two replies, one from a stranger).
# Every mail goes to bpt-report as an MTA would hand it over: piped on
# stdin, or (one in five) dropped in a Maildir that two overlapping
# `bpt-report fetch` runs read at once, as two cron runs would.  A run
# is killed with SIGKILL at a random moment of its run (a delay drawn
# uniformly over the measured length of an unkilled run) and retried
# until it exits 0: with the same bytes, or (three in ten) with a
# Received header added, as a relay may do.  Beside one run in three a
# bpt-send starts and may be killed too.  Then bpt-send runs until the
# queue is empty, and the trial checks:
#   - PRAGMA integrity_check is ok, and no foreign key dangles;
#   - a mail whose run exited 0 was in the store at that moment;
#   - each mail is stored once (one finished, non-duplicate row), with
#     the class and incident it should have; two incidents, five outbox
#     messages, every delivery sent;
#   - no mail is quarantined, and no kill counted against one: with the
#     default limits, only crashes and time-outs recorded by the run
#     itself and runs killed after a second of parsing count;
#   - at the relay every recipient has each copy exactly once, except
#     copies a killed runner had handed over and not yet recorded: each
#     of those must be followed by the recorded one, and one killed
#     runner accounts for at most one batch of one message.
# Copies are counted in the maildir outbox (new/ only, by Message-ID;
# the file name tells which process wrote it) or, on the smtp trials,
# in the dump of Postfix's smtp-sink -D.
#
# Environment: CRASH_TRIALS (24), CRASH_SEED (the clock), CRASH_PKILL
# (percent of runs that get a kill, 60), CRASH_TRANSPORTS ("maildir
# smtp"; smtp needs Postfix's smtp-sink).  bench/crash-trials.sh runs
# 1,000.  The summary at the end counts the kills (and, for bpt-report
# on stdin, where they landed), the retries recognised, and the copies
# delivered twice by cause.
. "$top_srcdir/tests/lib.sh"

command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"
date +%N | grep -q '^[0-9]' || test_skip_all "date +%N not supported"

TRIALS=${CRASH_TRIALS:-24}
SEED=${CRASH_SEED:-$(date +%s)}
TRANSPORTS=${CRASH_TRANSPORTS:-maildir smtp}
MEMBERS="lid1@buurt.example lid2@buurt.example lid3@buurt.example lid4@buurt.example"
BATCH=2		# delivery.batch x delivery.connections: the rows in flight
PKILL=${CRASH_PKILL:-60}	# percent of runs that get a kill
MAXKILLED=4	# runs of one mail that may be killed.  The limits are the
		# defaults: a kill from outside is no crash, and a run killed
		# within a second of parsing does not count, so no mail may
		# be taken for a mail of death
echo "# seed $SEED, $TRIALS trials"

# --- random numbers: one stream of 0..9999 for the whole script --------------
awk -v seed="$SEED" -v n=$((TRIALS * 400 + 1000)) \
    'BEGIN { srand(seed); for (i = 0; i < n; i++) print int(rand() * 10000) }' \
    >"$TRASH/random"
exec 7<"$TRASH/random"
R=0
rnd() { read -r R <&7 || R=0; }
# chance PERCENT: true with that probability
chance() { rnd; [ "$R" -lt $(($1 * 100)) ]; }
# usleep MICROSECONDS
usleep() { sleep "$(printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)))"; }
now_us() { t=$(date +%s%N); echo $((t / 1000)); }

# --- the relay for smtp trials ---------------------------------------------
# A second smtp-sink on a port already in use starts anyway and shares
# its connections (seen with Postfix 3.7), so the port is one the kernel
# hands out as free (else a random one), checked with ss when present.
free_port() {
	p=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null) || p=
	[ -n "$p" ] || { rnd; p=$((40000 + (R + $$) % 20000)); }
	if command -v ss >/dev/null && [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
		return 1
	fi
	echo "$p"
}
sink_pid=
SINKPORT=
case " $TRANSPORTS " in
*" smtp "*)
	if [ -x /usr/sbin/smtp-sink ]; then
		user_opt=
		[ "$(id -u)" -eq 0 ] && user_opt="-u root"
		mkdir -p "$TRASH/sink"
		i=0
		while [ $i -lt 20 ]; do
			i=$((i + 1))
			port=$(free_port) || continue
			# shellcheck disable=SC2086
			/usr/sbin/smtp-sink $user_opt -D "$TRASH/sink/dump" \
			    127.0.0.1:$port 64 >"$TRASH/sink/log" 2>&1 &
			sink_pid=$!
			sleep 0.3
			if kill -0 $sink_pid 2>/dev/null; then
				SINKPORT=$port
				break
			fi
			wait $sink_pid 2>/dev/null
			sink_pid=
		done
	fi
	if [ -n "$SINKPORT" ]; then
		test_atexit "kill $sink_pid 2>/dev/null; wait $sink_pid 2>/dev/null"
	else
		echo "# smtp trials skipped: no smtp-sink on 127.0.0.1"
		TRANSPORTS=$(echo " $TRANSPORTS " | sed 's/ smtp / /')
	fi
	;;
esac
set -- $TRANSPORTS
[ $# -gt 0 ] || test_skip_all "no transport to try"

# --- one group -----------------------------------------------------------------
setup_group() { # DIR TRANSPORT
	mkdir -p "$1/in/new" "$1/in/cur" "$1/in/tmp"
	if [ "$2" = smtp ]; then
		dl="  transport: smtp
  smtp: {host: 127.0.0.1, port: $SINKPORT, tls: none}"
	else
		dl="  transport: maildir
  maildir: $1/outbox"
	fi
	cat >"$1/bpt.yaml" <<CFG
group:
  name: BPT Crash
  address: bpt@crash.example
store: $1/bpt.db
busy_timeout: 30s
delivery:
$dl
  batch: $BATCH
  connections: 1
CFG
	chmod 600 "$1/bpt.yaml"
	BPT_CONFIG="$1/bpt.yaml"
	export BPT_CONFIG
	{
		echo "email,name"
		i=1
		for m in $MEMBERS; do
			echo "$m,Lid $i"
			i=$((i + 1))
		done
	} >"$1/members.csv"
	bpt-member import --no-welcome "$1/members.csv" >/dev/null 2>"$1/import.err"
}

# The five mails of trial N in DIR/mK.eml; MSGID[K] in DIR/msgids.
write_mails() { # DIR N
	wd=$1 wn=$2
	mail() { # K FROM TO SUBJECT TEXT
		printf 'From: %s\nTo: %s\nSubject: %s\nDate: Sat, 28 Nov 2026 21:0%d:00 +0100\nMessage-ID: <m%d.t%d@buurt.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		    "$2" "$3" "$4" "$1" "$1" "$wn" "$5" >"$wd/m$1.eml"
		echo "$1 m$1.t$wn@buurt.example" >>"$wd/msgids"
	}
	: >"$wd/msgids"
	mail 1 "Lid 1 <lid1@buurt.example>" bpt@crash.example \
	    "Verdachte auto $wn" "Grijze auto rijdt langzaam door de straat, kenteken 12-ABC-3."
	mail 2 "Lid 2 <lid2@buurt.example>" bpt@crash.example \
	    "Re: [BPT Crash #1] Verdachte auto $wn" "Hij staat nu bij de school."
	mail 3 "Lid 3 <lid3@buurt.example>" bpt@crash.example \
	    "Man bij de schuren $wn" "Man met rugzak probeert schuurdeuren. Ik heb 112 gebeld."
	mail 4 "Vreemde <vreemde@elders.example>" bpt@crash.example \
	    "Mag ik meedoen $wn" "Ik woon ook in de buurt."
	mail 5 "Lid 4 <lid4@buurt.example>" bpt+2@crash.example \
	    "nog iets $wn" "Hij is weg, richting het park."
}
# what each mail must become: class and incident
EXPECT="1 post 1
2 reply 1
3 post 2
4 nonmember 0
5 reply 2"

# --- the length of a run, for the kill delays ------------------------------------
calibrate() { # TRANSPORT -> WR WS (microseconds)
	c=$TRASH/cal.$1
	setup_group "$c" "$1"
	write_mails "$c" 0
	: >"$c/report" && : >"$c/send"
	for k in 1 2 3 4 5; do
		t0=$(now_us)
		bpt-report <"$c/m$k.eml" 2>/dev/null
		t1=$(now_us)
		echo $((t1 - t0)) >>"$c/report"
	done
	write_mails "$c" 1
	for k in 1 2 3; do
		bpt-report --no-deliver <"$c/m$k.eml" 2>/dev/null
		t0=$(now_us)
		bpt-send 2>/dev/null
		t1=$(now_us)
		echo $((t1 - t0)) >>"$c/send"
	done
	# what starting sleep(1) itself takes: the kill comes that much later
	: >"$c/sleep"
	for k in 1 2 3 4 5; do
		t0=$(now_us)
		sleep 0
		t1=$(now_us)
		echo $((t1 - t0)) >>"$c/sleep"
	done
	med() { sort -n "$1" | awk -v f="$2" '{ a[NR] = $1 } END { print int(a[int((NR + 1) / 2)] * f) }'; }
	WR=$(med "$c/report" 1.1)
	WS=$(med "$c/send" 1.1)
	S0=$(med "$c/sleep" 1)
	rm -rf "$c"
}

# --- running and killing ---------------------------------------------------------
# Starts up to two commands at once (A, and B when given), kills each
# after its own delay when asked, waits for both.  RA, RB: exit codes.
# Kills that hit a live process are listed in $D/killed as "PID TOOL".
# The commands are exec'd, so $! is the tool itself and its pid is the
# one in its runner id and in its maildir file names.
run_pair() { # TOOL_A KILL_A DELAY_A TOOL_B KILL_B DELAY_B  (commands in cmd_a, cmd_b)
	( eval "exec $cmd_a" ) &
	pa=$!
	pb=
	if [ -n "$4" ]; then
		( eval "exec $cmd_b" ) &
		pb=$!
	fi
	# kill in order of time, counted from the start: a delay shorter than
	# it takes to start sleep(1) kills at once.  A process that ended is
	# a zombie till waited, so a late kill hits nothing else.
	first=a
	if [ -n "$pb" ] && [ "$5" = 1 ] && { [ "$2" = 0 ] || [ "$6" -lt "$3" ]; }; then
		first=b
	fi
	slept=0
	for who in $first $([ $first = a ] && echo b || echo a); do
		if [ $who = a ]; then p=$pa kp=$2 dl=$3; else p=$pb kp=$5 dl=$6; fi
		[ -n "$p" ] && [ "$kp" = 1 ] || continue
		dl=$((dl - S0))
		[ "$dl" -gt "$slept" ] && usleep $((dl - slept)) && slept=$dl
		kill -9 "$p" 2>/dev/null
	done
	wait "$pa" 2>/dev/null
	RA=$?
	[ "$RA" = 137 ] && echo "$pa $1" >>"$D/killed"
	RB=0
	if [ -n "$pb" ]; then
		wait "$pb" 2>/dev/null
		RB=$?
		[ "$RB" = 137 ] && echo "$pb $4" >>"$D/killed"
	fi
	RUNS=$((RUNS + 1 + (${pb:+1}+0)))
}

# A run that exited 0 must have left its bytes in the store, finished.
stored_now() { # FILE
	test "$(sqlite3 "$D/bpt.db" "SELECT count(*) FROM messages
	    WHERE raw = readfile('$1') AND state <> 'new'")" -ge 1
}

lost_now() { # K
	echo "mail $1: exit 0 but not in the store" >>"$D/problems"
	echo "lost-at-exit" >>"$D/stats"
}

# Sometimes a beside-running bpt-send, killed or not.
maybe_send() {
	tool_b='' kill_b=0 delay_b=0
	if chance 33; then
		tool_b=send
		cmd_b='bpt-send -v >/dev/null 2>>"$D/send.log"'
		if chance 60; then
			kill_b=1
			rnd
			delay_b=$((R * WS / 10000))
		fi
	fi
}

deliver_pipe() { # K
	k=$1 try=0 done=0
	while :; do
		try=$((try + 1))
		f=$D/m$k.eml
		if [ $try -gt 1 ] && chance 30; then
			f=$D/m$k.try$try.eml
			{ printf 'Received: from mx%d.relay.example by mx.crash.example; retry %d\n' \
			    "$try" "$try"; cat "$D/m$k.eml"; } >"$f"
		fi
		kill_a=0 delay_a=0
		if [ $try -le $MAXKILLED ] && chance $PKILL; then
			kill_a=1
			rnd
			delay_a=$((R * WR / 10000))
		fi
		maybe_send
		cmd_a="bpt-report -v <\"$f\" >/dev/null 2>\"$D/err.$k.$try\""
		run_pair report $kill_a $delay_a "$tool_b" $kill_b $delay_b
		if [ "$RA" = 0 ]; then
			stored_now "$f" || lost_now $k
			cat "$D/err.$k.$try" >>"$D/report.log"
			return
		fi
		if [ "$RA" = 137 ] && [ "$done" = 1 ]; then
			echo "killed-retry-of-stored" >>"$D/stats"
		elif [ "$RA" = 137 ]; then
			# where the kill landed: before the raw bytes were
			# committed, between them and the commit of the rest, after
			ph=$(sqlite3 "$D/bpt.db" "SELECT coalesce((SELECT CASE state
			    WHEN 'new' THEN 'parse-window' ELSE 'after-commit' END FROM messages
			    WHERE raw = readfile('$f')), 'before-raw')" 2>/dev/null)
			echo "killed-$ph" >>"$D/stats"
			[ "$ph" = after-commit ] && done=1
		else
			echo "mail $k try $try: exit $RA: $(cat "$D/err.$k.$try")" >>"$D/tempfail"
		fi
		[ $try -lt 30 ] || { echo "mail $k: no exit 0 in 30 runs" >>"$D/problems"; return; }
	done
}

# Two cron runs of `bpt-report fetch` at once, then single runs until the
# mail has left new/.
deliver_fetch() { # K
	k=$1 try=0
	cp "$D/m$k.eml" "$D/in/new/m$k"
	cmd_a='bpt-report -v fetch --maildir "$D/in" >/dev/null 2>>"$D/fetch.log"'
	while [ -e "$D/in/new/m$k" ]; do
		try=$((try + 1))
		kill_a=0 delay_a=0 kill_b=0 delay_b=0 tool_b=''
		if [ $try -le $MAXKILLED ] && chance $PKILL; then
			kill_a=1
			rnd
			delay_a=$((R * WR / 10000))
		fi
		if [ $try = 1 ]; then
			tool_b=fetch
			cmd_b=$cmd_a
			if chance 50; then
				kill_b=1
				rnd
				delay_b=$((R * WR / 10000))
			fi
		else
			maybe_send
		fi
		run_pair fetch $kill_a $delay_a "$tool_b" $kill_b $delay_b
		for rc in $RA $([ "$tool_b" = fetch ] && echo $RB); do
			if [ "$rc" = 0 ]; then
				stored_now "$D/m$k.eml" || lost_now $k
			fi
		done
		[ $try -lt 30 ] || { echo "mail $k: still in new/ after 30 runs" >>"$D/problems"; return; }
	done
	[ -e "$D/in/cur/m$k:2,S" ] || echo "mail $k: not moved to cur/" >>"$D/problems"
}

# bpt-send until nothing is left: what dead runners held comes back.
settle() {
	i=0
	while [ $i -lt 3 ]; do
		bpt-send -v >/dev/null 2>>"$D/send.log"
		[ -z "$(bpt-send --format tsv --queue)" ] && return
		i=$((i + 1))
	done
	# a live process that reused a dead runner's pid: the lease would end it
	n=$(sqlite3 "$D/bpt.db" "SELECT count(*) FROM deliveries WHERE state = 'sending'")
	if [ "$n" -gt 0 ]; then
		echo "pid-reuse $n" >>"$D/stats"
		sqlite3 "$D/bpt.db" "UPDATE deliveries SET claimed_at = claimed_at - 1000 WHERE state = 'sending'"
		bpt-send -v >/dev/null 2>>"$D/send.log"
	fi
}

# --- the checks -----------------------------------------------------------------
copies_maildir() { # -> "rcpt msgid pid time" per copy in new/
	find "$D/outbox" -path '*/new/*' -type f 2>/dev/null | sort >"$D/files"
	[ -s "$D/files" ] || return 0
	# shellcheck disable=SC2046
	awk 'FNR == 1 { got = 0 }
	    !got && tolower($0) ~ /^message-id:/ {
		got = 1
		id = $2; gsub(/[<>]/, "", id)
		n = split(FILENAME, p, "/")
		name = p[n]; rcpt = p[n - 2]
		pid = name; sub(/^.*P/, "", pid); sub(/Q.*$/, "", pid)
		split(name, t, "."); us = t[2]; sub(/^M/, "", us); sub(/P.*$/, "", us)
		printf "%s %s %s %d%06d\n", rcpt, id, pid, t[1], us
	    }' $(cat "$D/files")
}

copies_smtp() { # -> "rcpt msgid 0 seq" per recipient of each transaction
	[ -f "$D/dump" ] || return 0
	awk '/^X-Client-Addr:/ { rec++; nr = 0; got = 0; next }
	    /^X-Rcpt-Args:/ { r = $2; gsub(/[<>]/, "", r); rc[++nr] = r; next }
	    !got && tolower($0) ~ /^message-id:/ {
		got = 1; id = $2; gsub(/[<>]/, "", id)
		for (i = 1; i <= nr; i++) printf "%s %s 0 %d\n", rc[i], id, rec
	    }' "$D/dump"
}

# Compares the copies with the deliveries; prints problems and "stat" lines.
judge() { # TRANSPORT  (E lines already in $D/judge.in)
	sed 's/^/K /' "$D/killed" >>"$D/judge.in"
	if [ "$1" = smtp ]; then copies_smtp; else copies_maildir; fi | sed 's/^/C /' >>"$D/judge.in"
	awk -v batch=$BATCH -v smtp="$([ "$1" = smtp ] && echo 1 || echo 0)" '
	$1 == "E" { want[$2 " " $3] = 1; next }
	$1 == "K" { tool[$2] = $3; nkilled++; next }
	$1 == "C" {
		key = $2 " " $3
		if (!(key in want)) { print "problem copy " key " that no delivery row asked for"; next }
		n[key]++; pid[key, n[key]] = $4; at[key, n[key]] = $5
	}
	END {
		for (key in want) {
			if (!(key in n)) { print "problem copy " key " never reached the relay"; print "stat missing-copy"; continue }
			if (n[key] == 1) continue
			# order the copies by time: every one but the last was handed
			# over by a runner killed before it recorded the result
			for (i = 1; i <= n[key]; i++)
				for (j = i + 1; j <= n[key]; j++)
					if (at[key, j] < at[key, i]) {
						t = at[key, i]; at[key, i] = at[key, j]; at[key, j] = t
						t = pid[key, i]; pid[key, i] = pid[key, j]; pid[key, j] = t
					}
			split(key, kk, " ")
			for (i = 1; i < n[key]; i++) {
				p = pid[key, i]
				if (smtp) { print "stat dup-smtp-in-flight"; extra++; continue }
				if (!(p in tool)) {
					print "problem " key " sent twice, first by pid " p " which was not killed"
					print "stat dup-unexplained"
					continue
				}
				print "stat dup-" tool[p] "-in-flight"
				inflight[p]++
				if ((p in msg) && msg[p] != kk[2])
					print "problem runner " p " left copies of two messages unrecorded"
				msg[p] = kk[2]
			}
		}
		for (p in inflight)
			if (inflight[p] > batch)
				print "problem runner " p " left " inflight[p] " copies unrecorded, more than a batch of " batch
		if (smtp && extra > batch * nkilled)
			print "problem " extra " copies re-sent, more than " batch " for each of " nkilled " kills"
	}' "$D/judge.in"
}

check_trial() { # TRANSPORT N
	in_members="'$(echo $MEMBERS | sed "s/ /','/g")'"
	{
		echo "integrity ok"
		echo "foreign-keys 0"
		echo "$EXPECT" | while read -r k class inc; do
			echo "mail $k 1|$class|$inc"
		done
		echo "incidents 2"
		echo "quarantined 0"
		echo "counted-deaths 0"
		echo "outbox alert:2 notice:1 reply:2"
		echo "member-copies alert:4 reply:4 alert:4 reply:4"
		echo "deliveries sent:17"
	} >"$D/expect"
	{
		echo "SELECT 'X integrity ' || group_concat(integrity_check, ';') FROM pragma_integrity_check;"
		echo "SELECT 'X foreign-keys ' || count(*) FROM pragma_foreign_key_check;"
		echo "$EXPECT" | while read -r k class inc; do
			echo "SELECT 'X mail $k ' || count(*) || '|' || coalesce(min(class), '-') || '|' ||
			    coalesce(min(incident_id), 0) FROM messages WHERE message_id =
			    'm$k.t$2@buurt.example' AND state = 'done' AND class <> 'duplicate';"
		done
		cat <<SQL
SELECT 'X incidents ' || count(*) FROM incidents;
SELECT 'X quarantined ' || count(*) FROM messages WHERE state = 'quarantined';
SELECT 'X counted-deaths ' || coalesce(sum(crashes + unfinished), 0) FROM messages;
SELECT 'X outbox ' || group_concat(k, ' ') FROM (SELECT kind || ':' || count(*) k
    FROM outbox GROUP BY kind ORDER BY kind);
SELECT 'X member-copies ' || group_concat(k, ' ') FROM (SELECT o.kind || ':' || count(d.id) k
    FROM outbox o LEFT JOIN deliveries d ON d.outbox_id = o.id AND d.rcpt IN ($in_members)
    WHERE o.kind <> 'notice' GROUP BY o.id ORDER BY o.id);
SELECT 'X deliveries ' || group_concat(k, ' ') FROM (SELECT state || ':' || count(*) k
    FROM deliveries GROUP BY state ORDER BY state);
SELECT 'S unfinished-rows ' || count(*) FROM messages WHERE state = 'new';
SELECT 'E ' || d.rcpt || ' ' || o.msgid FROM deliveries d JOIN outbox o ON o.id = d.outbox_id;
SQL
	} >"$D/check.sql"
	sqlite3 "$D/bpt.db" <"$D/check.sql" >"$D/check.out" 2>&1
	sed -n 's/^X //p' "$D/check.out" >"$D/actual"
	sed -n 's/^S //p' "$D/check.out" >>"$D/stats"
	diff "$D/expect" "$D/actual" | sed -n 's/^> /got: /p; s/^< /want: /p'
	# a mail stored no time is lost; more than once, processed twice
	awk '$1 == "mail" { split($3, f, "|")
	    if (f[1] == 0) print "lost"; else if (f[1] > 1) print "processed-twice " f[1] - 1 }' \
	    "$D/actual" >>"$D/stats"
	grep -v '^[XSE] ' "$D/check.out"
	grep '^E ' "$D/check.out" >"$D/judge.in"
	judge "$1" >"$D/judge.out"
	sed -n 's/^problem //p' "$D/judge.out"
	sed -n 's/^stat //p' "$D/judge.out" >>"$D/stats"
}

# --- the trials -------------------------------------------------------------------
for t in $TRANSPORTS; do
	calibrate "$t"
	eval "WR_$t=$WR WS_$t=$WS S0_$t=$S0"
	echo "# $t: kill delays 0..$((WR / 1000)) ms for bpt-report, 0..$((WS / 1000)) ms for bpt-send (a run's median length + 10%; starting sleep takes $((S0 / 1000)) ms)"
done

: >"$TRASH/stats"
n=0
while [ $n -lt "$TRIALS" ]; do
	n=$((n + 1))
	set -- $TRANSPORTS
	shift $(((n - 1) % $#))
	tr=$1
	eval "WR=\$WR_$tr WS=\$WS_$tr S0=\$S0_$tr"
	D=$TRASH/trial
	rm -rf "$D"
	mkdir -p "$D"
	: >"$D/killed" && : >"$D/problems" && : >"$D/stats"
	: >"$D/report.log" && : >"$D/fetch.log" && : >"$D/send.log"
	RUNS=0
	setup_group "$D" "$tr"
	write_mails "$D" $n
	[ -f "$TRASH/sink/dump" ] && rm -f "$TRASH/sink/dump"
	for k in 1 2 3 4 5; do
		if chance 20; then
			echo "fetch" >>"$D/stats"
			deliver_fetch $k
		else
			deliver_pipe $k
		fi
	done
	settle
	[ -f "$TRASH/sink/dump" ] && mv "$TRASH/sink/dump" "$D/dump"
	check_trial "$tr" $n >>"$D/problems"
	{
		echo "runs $RUNS"
		awk '{ print "killed-" $2 }' "$D/killed"
		awk '/duplicate \(already processed\)/ { s++ }
		    /duplicate \(same Message-ID/ { o++ }
		    END { print "retry-same-bytes " s + 0; print "retry-other-bytes " o + 0 }' \
		    "$D/report.log" "$D/fetch.log"
		[ -f "$D/tempfail" ] && echo "tempfail $(wc -l <"$D/tempfail")"
	} >>"$D/stats"
	sed "s/^/$tr /" "$D/stats" >>"$TRASH/stats"
	desc="trial $n ($tr): $RUNS runs, $(wc -l <"$D/killed" | tr -d ' ') killed"
	if [ -s "$D/problems" ]; then
		cp "$D/problems" "$TRASH/.out"
		[ -f "$D/tempfail" ] && cat "$D/tempfail" >>"$TRASH/.out"
		echo "killed: $(tr '\n' ' ' <"$D/killed")" >>"$TRASH/.out"
		test_fail_ "$desc"
		if [ -n "${BPT_TEST_KEEP:-}" ]; then
			mv "$D" "$TRASH/failed.$n"
		fi
	else
		test_ok_ "$desc"
	fi
done

# --- the summary -------------------------------------------------------------
# One line of counts (bench/crash-trials.sh adds them up over its jobs),
# then the same in words.
awk -v trials="$TRIALS" -v failed="$test_failed" '
	{ v = (NF > 2 ? $3 : 1); s[$2] += v }
	END {
		s["trials"] = trials; s["failed"] = failed
		line = "# crash-stats:"
		for (k in s) line = line " " k "=" s[k]
		print line
	}' "$TRASH/stats" | tee "$TRASH/stats.line"
sh "$top_srcdir/tests/crash/summary.sh" <"$TRASH/stats.line"

test_done

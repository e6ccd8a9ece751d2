#!/bin/sh
# bench/imap.sh - from the moment a member's alert is in the group's IMAP
# mailbox to the moment the last of its 1,000 copies is accepted by
# smtp-sink, with `bpt-report fetch --imap` waiting in IDLE; next to the
# same alert through the MTA pipe (bpt-report with the message on stdin)
# in the same run, against the same sink and store.
#
#   bench/imap.sh [BUILDDIR]
#
# A private Dovecot on 127.0.0.1 (tests/imap-lib.sh, IMAPS with a
# throwaway CA) holds the mailbox; one `fetch --imap` runs for the whole
# benchmark.  Each round sends one alert each way, alternating which goes
# first; every alert is new (its own Message-ID and subject), so each
# opens an incident and fans out to all members.
#
#   IMAP: the clock starts when python3's imaplib has the tagged OK of
#         its APPEND (the message is in the folder), and stops at the
#         modification time of the newest smtp-sink dump file (-d, one
#         file per accepted transaction) of that alert's copies.
#   pipe: the clock starts just before bpt-report is started with the
#         message on stdin, as an MTA runs it, and stops the same way.
#
# Prints every round and the medians in milliseconds.  Needs root (the
# tests' Dovecot recipe), dovecot-imapd, postfix (smtp-sink), python3.
#
# Environment: BENCH_RUNS (20), BENCH_MEMBERS (1000).
set -u
BUILDDIR=${1:-${BUILDDIR:-.}}
top_builddir=$(cd "$BUILDDIR" && pwd)
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
export top_builddir top_srcdir
: "${BENCH_RUNS:=20}"
: "${BENCH_MEMBERS:=1000}"

# the tests' harness: a temp folder, Dovecot, smtp-sink, stop by PID
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"
test_skip_all() { echo "imap.sh: $1" >&2; exit 69; }
. "$top_srcdir/tests/imap-lib.sh"
imap_require
mta_require smtp-sink

V=$TRASH/imap
SINK=$(free_port)
imap_setup "$V" && imap_start "$V" || { echo "imap.sh: Dovecot did not start" >&2; exit 69; }
sink_start "$SINK" "$TRASH/sink" || { echo "imap.sh: smtp-sink did not start" >&2; exit 69; }
echo geheim >"$TRASH/imap.pw"
chmod 600 "$TRASH/imap.pw"
smtp_config 127.0.0.1 "$SINK" none 30s
cat >>"$TRASH/bpt.yaml" <<EOF
inbound:
  imap:
    host: 127.0.0.1
    port: $(cat "$V/port")
    ca_file: $V/ca.pem
    user: bpt@test.example
    password_file: $TRASH/imap.pw
EOF
BPT_CONFIG=$TRASH/bpt.yaml
export BPT_CONFIG

awk -v n="$BENCH_MEMBERS" 'BEGIN {
	print "email,name,phone,role"
	print "melder@bewoners.example,Melder,,admin"
	for (i = 2; i <= n; i++)
		printf "lid%04d@bewoners.example,Lid %d,,member\n", i, i
}' >"$TRASH/members.csv"
bpt-member import --no-welcome "$TRASH/members.csv" >/dev/null || exit 70

bpt-report -v fetch --imap 2>"$TRASH/fetch.log" &
bg_register fetch $!
wait_for 30 grep -q "open (UIDVALIDITY" "$TRASH/fetch.log" ||
	{ echo "imap.sh: fetch --imap did not open the mailbox:" >&2; cat "$TRASH/fetch.log" >&2; exit 69; }

echo "# $BENCH_MEMBERS members, $BENCH_RUNS rounds; ms from the alert to its last copy at smtp-sink"
"$PYTHON" - "$V" "$TRASH" "$BENCH_RUNS" "$BENCH_MEMBERS" <<'PY'
import glob, imaplib, os, ssl, statistics, subprocess, sys, time

V, T, runs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
port = int(open(V + "/port").read())
ctx = ssl.create_default_context(cafile=V + "/ca.pem")
M = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=60)
M.login("bpt@test.example", "geheim")
seen = set()

def alert(tag):
    return ("From: Melder <melder@bewoners.example>\r\n"
            "To: bpt@bars.example\r\n"
            "Subject: Verdachte bestelbus %s\r\n"
            "Message-ID: <%s@bewoners.example>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Grijze bestelbus rijdt rondjes door de wijk, kenteken VT-123-X.\r\n"
            "112 niet gebeld.\r\n" % (tag, tag)).encode()

sizes = {}

def last_copy(tag, deadline=120):
    """mtime (ns) of the newest dump of tag's copies once all n are in.
    A dump counts once its size stayed the same over one poll (smtp-sink
    may still be writing it); its mtime is when it was last written."""
    count, newest = 0, 0
    end = time.time() + deadline
    while time.time() < end:
        for f in glob.glob(T + "/sink/m.*"):
            if f in seen:
                continue
            try:
                size = os.stat(f).st_size
            except OSError:
                continue
            if size == 0 or sizes.get(f) != size:
                sizes[f] = size
                continue
            data = open(f, "rb").read()
            seen.add(f)
            if ("bestelbus " + tag).encode() not in data:
                continue
            count += data.count(b"X-Rcpt-Args:")
            newest = max(newest, os.stat(f).st_mtime_ns)
        if count >= n:
            return newest
        time.sleep(0.02)
    raise SystemExit("imap.sh: %s: %d of %d copies within %d s" % (tag, count, n, deadline))

def via_imap(tag):
    msg = alert(tag)
    typ, _ = M.append("INBOX", None, None, msg)
    t0 = time.time_ns()
    assert typ == "OK", typ
    return (last_copy(tag) - t0) / 1e6

def via_pipe(tag):
    msg = alert(tag)
    t0 = time.time_ns()
    p = subprocess.run(["bpt-report"], input=msg)
    assert p.returncode == 0, p.returncode
    return (last_copy(tag) - t0) / 1e6

imap_ms, pipe_ms = [], []
print("round\timap_ms\tpipe_ms")
for r in range(runs):
    order = [("imap", via_imap), ("pipe", via_pipe)]
    if r % 2:
        order.reverse()
    res = {}
    for name, fn in order:
        res[name] = fn("%s-%d-%d" % (name, os.getpid(), r))
        time.sleep(0.5)     # let the other side settle
    imap_ms.append(res["imap"])
    pipe_ms.append(res["pipe"])
    print("%d\t%.0f\t%.0f" % (r + 1, res["imap"], res["pipe"]), flush=True)
mi, mp = statistics.median(imap_ms), statistics.median(pipe_ms)
print("median\t%.0f\t%.0f" % (mi, mp))
print("# IMAP above the pipe: %.0f ms (target <= 1000)" % (mi - mp))
M.logout()
PY
rc=$?
bg_stop fetch
exit $rc

#!/bin/bash
# bench/purge.sh - what a purge leaves of the removed bytes in the store
# file and its write-ahead log, and what it costs, three ways:
#
#   off     the purge's UPDATEs with secure_delete off (SQLite's own
#           default), then a TRUNCATE checkpoint
#   on      the same with secure_delete on (what bpt does, on every
#           connection), then a TRUNCATE checkpoint
#   vacuum  the UPDATEs, then VACUUM and a TRUNCATE checkpoint
#
# The store is filled by bpt-report itself (N incidents, an alert and
# three replies each, messages of SIZE bytes), so that it holds what a
# real one holds: each message was written twice (the raw bytes first,
# the parsed row after), leaving the first copy in free space.  Every
# incident but the first is then purged; the first must stay.  Then
# the time of the scrub alone on a store grown to about 100 MB.
#
#   bench/purge.sh [BUILDDIR [N [SIZE]]]
#
# Needs sqlite3 and bc.
set -eu

builddir=$(cd "${1:-.}" && pwd)
n=${2:-20}
size=${3:-12000}
PATH=$builddir/cmd:$PATH
command -v bpt-report >/dev/null || { echo "no bpt-report in $builddir/cmd" >&2; exit 1; }
for t in sqlite3 bc; do
	command -v $t >/dev/null || { echo "needs $t" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/bpt-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"
install -m 600 /dev/null bpt.yaml
cat >bpt.yaml <<CFG
group:
  name: BPT Bench
  address: bpt@bench.example
store: $work/store/bpt.db
delivery:
  transport: maildir
  maildir: $work/outbox
policy:
  flood: {max_per_hour: 0}          # one member writes every message here
CFG
export BPT_CONFIG=$work/bpt.yaml
bpt-member add a@buurt.example --name A >/dev/null
bpt-member add b@buurt.example --name B >/dev/null
pad=$(head -c "$size" /dev/zero | tr '\0' 'x')
for i in $(seq 1 "$n"); do
	printf 'From: a@buurt.example\nTo: bpt@bench.example\nSubject: s\nMessage-ID: <m%s@x>\n\nMARK%05d %s\n' \
	    "$i" "$i" "$pad" | bpt-report --no-deliver >/dev/null
	for j in 1 2 3; do
		printf 'From: b@buurt.example\nTo: bpt@bench.example\nSubject: Re: [BPT Bench #%s] s\nIn-Reply-To: <m%s@x>\nMessage-ID: <r%s-%s@x>\n\nMARK%05d-%s %s\n' \
		    "$i" "$i" "$i" "$j" "$i" "$j" "$pad" | bpt-report --no-deliver >/dev/null
	done
done
sqlite3 store/bpt.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp store/bpt.db base.db

# markers of the purged incidents still somewhere in the file or its log
left() { cat "$1" "$1-wal" 2>/dev/null | grep -a -o 'MARK[0-9]*' | sort -u |
    grep -v -c '^MARK00001$' || true; }
PURGE="UPDATE messages SET raw = zeroblob(0), body = NULL, body_shown = NULL,
    from_addr = NULL, from_name = NULL, subject = NULL, message_id = NULL
    WHERE incident_id > 1;
    UPDATE outbox SET content = zeroblob(0) WHERE incident_id > 1;"

printf 'store: %d incidents, %d messages of %d bytes; %d KB\n' "$n" $((4 * n)) \
    "$size" $(($(stat -c %s base.db) / 1024))
printf 'purged incidents with their marker in the file before: %d\n' "$(left base.db)"
printf '%-8s %12s %10s %12s\n' way "markers left" seconds "file KB"
for way in off on vacuum; do
	cp base.db t.db
	rm -f t.db-wal
	sd=OFF
	[ $way = off ] || sd=ON
	tail=""
	[ $way = vacuum ] && tail="VACUUM;"
	s=$(date +%s.%N)
	sqlite3 t.db "PRAGMA journal_mode=WAL; PRAGMA secure_delete=$sd;
	    BEGIN IMMEDIATE; $PURGE COMMIT; $tail PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	e=$(date +%s.%N)
	printf '%-8s %12d %10.3f %12d\n' $way "$(left t.db)" "$(echo "$e - $s" | bc)" \
	    $(($(stat -c %s t.db) / 1024))
	grep -a -q MARK00001 t.db || { echo "incident 1 went too" >&2; exit 1; }
done

# the scrub alone on a store of about 100 MB: one incident purged
cp base.db big.db
sqlite3 big.db "CREATE TABLE filler(raw BLOB);
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 8000)
    INSERT INTO filler SELECT randomblob(12000) FROM c;" >/dev/null
printf 'a store of %d MB, one incident purged:\n' $(($(stat -c %s big.db) / 1048576))
for way in on vacuum; do
	cp big.db t.db
	rm -f t.db-wal
	tail=""
	[ $way = vacuum ] && tail="VACUUM;"
	s=$(date +%s.%N)
	sqlite3 t.db "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON;
	    BEGIN IMMEDIATE; UPDATE messages SET raw = zeroblob(0) WHERE incident_id = 2;
	    COMMIT; $tail PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	e=$(date +%s.%N)
	printf '%-8s %10.3f s (the write lock is held for it)\n' $way "$(echo "$e - $s" | bc)"
done

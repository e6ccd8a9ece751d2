#!/bin/bash
# bench/member-import.sh - how fast bpt-member imports a large member list.
#
#   bench/member-import.sh [BUILDDIR [MEMBERS [RUNS]]]
#
# Generates a CSV of MEMBERS (100000) members, then RUNS (5) times each,
# every run into a fresh store:
#   - bpt-member import (checks every address and phone number, writes
#     the members, their tokens and the audit rows in one transaction);
#   - the sqlite3 shell's .import of the same CSV into an equivalent
#     table with the same unique index (email COLLATE NOCASE), with the
#     store's journal mode (WAL) and synchronous=FULL.
# Prints both medians and their ratio; the target is bpt <= 2x sqlite3
# and <= 2 s.  For context it also times the sqlite3 shell's .import of
# the same members, with ids and tokens made up front, into bpt's own
# members table (its three indexes and CHECKs): what the schema costs
# whatever the code.  Then it lists the members in text and reports the
# peak memory of that, next to a list of MEMBERS/100, to show that
# listing streams (needs /usr/bin/time).
set -eu

builddir=${1:-.}
n=${2:-100000}
runs=${3:-5}
bpt_member=$(cd "$builddir" && pwd)/cmd/bpt-member
[ -x "$bpt_member" ] || { echo "no $bpt_member: build first" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bpt-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

gen() {
	awk -v n="$1" 'BEGIN {
		print "email,name,phone,role"
		for (i = 1; i <= n; i++)
			printf "lid%06d@buurt%d.example,\"Lid %d, Straat %d\",06-%08d,%s\n",
			    i, i % 97, i, i % 300, 10000000 + i,
			    (i % 1000 == 0 ? "admin" : "member")
	}'
}
gen "$n" >members.csv
gen $((n / 100)) >small.csv
# the same members as rows of bpt's members table, for the context run
awk -v n="$n" -v t="$(date +%s)" 'BEGIN {
	srand(1)
	for (i = 1; i <= n; i++) {
		tok = ""
		for (k = 0; k < 16; k++)
			tok = tok sprintf("%x", int(rand() * 16))
		printf "%d,lid%06d@buurt%d.example,\"Lid %d, Straat %d\",+316%08d,%s,active,,,%s,,,,%s,%s,%s\n",
		    i, i, i % 97, i, i % 300, 10000000 + i,
		    (i % 1000 == 0 ? "admin" : "member"), t, tok, t, t
	}
}' >rows.csv

config() {
	install -m 600 /dev/null "$1.yaml"
	cat >"$1.yaml" <<EOF
group:
  name: BPT Bench
  address: bpt@bench.example
store: $work/$1/bpt.db
delivery:
  transport: maildir
  maildir: $work/outbox
EOF
}

# times: bash's EPOCHREALTIME, whose read costs no process
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >bpt.times
: >sqlite.times
: >schema.times
i=1
while [ "$i" -le "$runs" ]; do
	rm -rf store && config store
	t0=${EPOCHREALTIME/./}
	"$bpt_member" -c store.yaml import --no-welcome members.csv >/dev/null
	t1=${EPOCHREALTIME/./}
	echo $(((t1 - t0) / 1000)) >>bpt.times

	rm -f ref.db ref.db-wal ref.db-shm
	sqlite3 ref.db "PRAGMA journal_mode=WAL;" "CREATE TABLE members (
	    email TEXT NOT NULL COLLATE NOCASE UNIQUE, name TEXT, phone TEXT,
	    role TEXT);" >/dev/null
	t0=${EPOCHREALTIME/./}
	sqlite3 ref.db "PRAGMA synchronous=FULL;" \
	    ".import --csv --skip 1 members.csv members"
	t1=${EPOCHREALTIME/./}
	echo $(((t1 - t0) / 1000)) >>sqlite.times

	rm -rf schema && config schema
	"$bpt_member" -c schema.yaml list >/dev/null	# creates the store
	t0=${EPOCHREALTIME/./}
	sqlite3 schema/bpt.db "PRAGMA synchronous=FULL;" \
	    ".import --csv rows.csv members"
	t1=${EPOCHREALTIME/./}
	echo $(((t1 - t0) / 1000)) >>schema.times
	i=$((i + 1))
done

got=$("$bpt_member" -c store.yaml --format tsv list | wc -l)
[ "$got" -eq "$n" ] || { echo "bpt-member imported $got of $n" >&2; exit 1; }
got=$(sqlite3 ref.db "SELECT count(*) FROM members")
[ "$got" -eq "$n" ] || { echo "sqlite3 imported $got of $n" >&2; exit 1; }

bpt=$(median <bpt.times)
ref=$(median <sqlite.times)
echo "members:            $n"
echo "bpt-member import:  median ${bpt} ms  (runs: $(tr '\n' ' ' <bpt.times))"
echo "sqlite3 .import:    median ${ref} ms  (runs: $(tr '\n' ' ' <sqlite.times))"
echo "context: sqlite3 .import into bpt's members schema: median $(median <schema.times) ms"
awk -v a="$bpt" -v b="$ref" 'BEGIN {
	r = b > 0 ? a / b : 0
	printf "ratio:              %.2f (target <= 2.00, and <= 2000 ms: %s)\n",
	    r, (r <= 2 && a <= 2000) ? "met" : "NOT met"
}'

if [ -x /usr/bin/time ]; then
	config small
	"$bpt_member" -c small.yaml import --no-welcome small.csv >/dev/null
	big=$( { /usr/bin/time -f %M "$bpt_member" -c store.yaml list >/dev/null; } 2>&1)
	little=$( { /usr/bin/time -f %M "$bpt_member" -c small.yaml list >/dev/null; } 2>&1)
	echo "list (text) peak memory: $n members ${big} KiB, $((n / 100)) members ${little} KiB"
fi

# request-lib.sh - what the tests of the request address share (tests/t/07*).
# Sourced after lib.sh.

DB="$TRASH/store/bpt.db"
status() { sqlite3 "$DB" "SELECT status FROM members WHERE email = '$1'"; }
inc() { sqlite3 "$DB" "SELECT status FROM incidents WHERE id = $1"; }
# the token of a confirmation in mail file $1
token_in() { grep -o "bpt-request+[0-9a-f]\{32\}@" "$1" | head -n 1 | cut -c13-44; }
# the newest answer to commands (an incident's copy may come in the same run)
result() { ls -t $(grep -l "^Subject: .*opdrachten" "$TRASH/outbox/$1/new"/*) | head -n 1; }

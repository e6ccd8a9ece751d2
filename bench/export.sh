#!/bin/bash
# bench/export.sh - bpt-export of a large incident beside gpg signing the
# same bytes.  The incident: 1,000 messages of 3 KB, 20 of them with a
# photo of 200 KB; the transcript is built, signed (PGP/MIME, a fresh
# ed25519 key without passphrase) and written with -o FILE.
#
#   bench/export.sh [BUILDDIR [RUNS]]
#
# Prints the median (min, max) of RUNS (7) runs, from exec to exit, of
#   - bpt-export N -o FILE
#   - gpg --detach-sign of that FILE, the same bytes, the same key
#   - bench/gpgme-sign: the same signature through gpgme alone, as
#     bpt-export makes it (gpgme's start, the key looked up, the file
#     passed to gpg through a pipe), without building anything
#   - bpt-export of an incident of one short message: what every export
#     costs whatever its size (process start, gpgme and its helpers, the
#     store, the sync of the file)
# and bpt-export's peak RSS (/usr/bin/time) beside the transcript's size.
# Targets: bpt-export <= 2 x the signature alone (building the
# transcript costs no more than signing it); peak RSS <= 2 x the
# transcript.  Needs gpg, sqlite3, python3 and /usr/bin/time.
set -eu

builddir=$(cd "${1:-.}" && pwd)
runs=${2:-7}
PATH=$builddir/cmd:$PATH
command -v bpt-export >/dev/null || { echo "no bpt-export in $builddir/cmd" >&2; exit 1; }
gpgme_sign=$builddir/bench/gpgme-sign
[ -x "$gpgme_sign" ] || { echo "no bench/gpgme-sign in $builddir" >&2; exit 1; }
for t in gpg sqlite3 python3 /usr/bin/time; do
	command -v $t >/dev/null || { echo "needs $t" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bpt-bench.XXXXXX")
export GNUPGHOME=$work/gnupg
trap 'gpgconf --kill gpg-agent 2>/dev/null; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "BPT Bench <bpt@bench.example>" ed25519 sign 1y 2>/dev/null
fpr=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ { print $10; exit }')

install -m 600 /dev/null "$work/bpt.yaml"
cat >"$work/bpt.yaml" <<CFG
group:
  name: BPT Bench
  address: bpt@bench.example
store: $work/bpt.db
delivery:
  transport: maildir
  maildir: $work/outbox
policy:
  flood: {max_per_hour: 0}          # one member writes every message here
signing:
  key: $fpr
  gnupghome: $GNUPGHOME
CFG
export BPT_CONFIG=$work/bpt.yaml
bpt-member add coord@buurt.example --name "Co Ordinator" --role coordinator >/dev/null
bpt-member add lid@buurt.example --name "Lid Een" >/dev/null

echo "making the incident: 1,000 messages, 20 photos ..." >&2
python3 - "$work/mails" <<'PY'
import os, sys, email.message, email.policy
out = sys.argv[1]
os.makedirs(out)
line = "Man met donkere jas en rode pet loopt langs de auto's van de straat.\n"
for i in range(1000):
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m['From'] = 'Lid Een <lid@buurt.example>'
    m['To'] = 'bpt@bench.example'
    m['Subject'] = 'Verdachte persoon' if i == 0 else 'Re: [BPT Bench #1] Verdachte persoon'
    m['Message-ID'] = f'<bench-{i}@buurt.example>'
    if i:
        m['In-Reply-To'] = '<bench-0@buurt.example>'
    m.set_content(f"Bericht {i}.\n" + line * 40)
    if i % 50 == 25:
        # a JPEG of 200 KB: a real header, then random bytes as its data
        jpg = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00'
        jpg += os.urandom(200 * 1024 - len(jpg) - 2) + b'\xff\xd9'
        m.add_attachment(jpg, maintype='image', subtype='jpeg', filename=f'foto{i}.jpg')
    open(f"{out}/{i:04d}.eml", 'wb').write(m.as_bytes())
PY
for f in "$work"/mails/*.eml; do
	bpt-report --no-deliver <"$f" >/dev/null
done
printf 'From: Lid Een <lid@buurt.example>\nTo: bpt@bench.example\nSubject: Klein\nMessage-ID: <small@buurt.example>\n\nEen kort bericht.\n' |
    bpt-report --no-deliver >/dev/null
sqlite3 "$work/bpt.db" "UPDATE incidents SET status = 'closed',
    closed_at = strftime('%s'), closed_by = 'coord@buurt.example'"
n=$(sqlite3 "$work/bpt.db" "SELECT count(*) FROM messages WHERE incident_id = 1")
p=$(sqlite3 "$work/bpt.db" "SELECT count(*) FROM attachments")
raw=$(sqlite3 "$work/bpt.db" "SELECT sum(length(raw)) FROM messages")

median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.1f ms (min %.1f, max %.1f)", a[int((NR + 1) / 2)] / 1e3, a[1] / 1e3, a[NR] / 1e3 }'; }
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# warm the caches and the agent once
bpt-export --as coord@buurt.example -o "$work/t.eml" 1 >/dev/null
gpg --batch --yes --detach-sign --armor --local-user "$fpr" -o "$work/t.sig" "$work/t.eml"

: >"$work/t.bpt"; : >"$work/t.gpg"; : >"$work/t.gpgme"; : >"$work/t.small"; : >"$work/rss"
r=0
while [ $r -lt "$runs" ]; do
	t0=${EPOCHREALTIME/./}
	bpt-export --as coord@buurt.example -o "$work/t.eml" 1 >/dev/null
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0)) >>"$work/t.bpt"
	t0=${EPOCHREALTIME/./}
	gpg --batch --yes --detach-sign --armor --local-user "$fpr" -o "$work/t.sig" "$work/t.eml"
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0)) >>"$work/t.gpg"
	t0=${EPOCHREALTIME/./}
	"$gpgme_sign" "$GNUPGHOME" "$fpr" "$work/t.eml" >"$work/t.sig2"
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0)) >>"$work/t.gpgme"
	/usr/bin/time -f %M -a -o "$work/rss" \
	    bpt-export --as coord@buurt.example -o "$work/t.eml" 1 >/dev/null
	t0=${EPOCHREALTIME/./}
	bpt-export --as coord@buurt.example -o "$work/s.eml" 2 >/dev/null
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0)) >>"$work/t.small"
	r=$((r + 1))
done
size=$(stat -c %s "$work/t.eml")
bpt_us=$(med <"$work/t.bpt")
gpg_us=$(med <"$work/t.gpg")
rss=$(sort -n "$work/rss" | tail -n 1)
printf 'incident: %d messages, %d photos, %d KB of originals; transcript %d KB\n' \
    "$n" "$p" $((raw / 1024)) $((size / 1024))
printf '%-34s %s\n' "bpt-export -o FILE" "$(median <"$work/t.bpt")"
printf '%-34s %s\n' "gpg --detach-sign of the same bytes" "$(median <"$work/t.gpg")"
awk -v b="$bpt_us" -v g="$gpg_us" 'BEGIN { printf "%-34s %.2f (target <= 2)\n", "ratio", b / g }'
printf '%-34s %s\n' "the same through gpgme alone" "$(median <"$work/t.gpgme")"
awk -v m="$(med <"$work/t.gpgme")" -v g="$gpg_us" 'BEGIN { printf "%-34s %.2f\n", "ratio of gpgme alone", m / g }'
printf '%-34s %s\n' "bpt-export of one short message" "$(median <"$work/t.small")"
awk -v r="$rss" -v s="$size" 'BEGIN { printf "%-34s %d KB = %.2f x the transcript (target <= 2)\n", "bpt-export peak RSS", r, r * 1024 / s }'

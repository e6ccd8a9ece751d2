#!/bin/sh
# The main job end to end on embedded defaults, in a temp folder: a group
# with a SQLite store, a maildir outbox and a throwaway signing key; four
# members; an alert, a reply made from a member's copy, an auto-reply and a
# stranger; then what the store and every member's mailbox hold.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
sh contrib/deps.sh
[ -f configure ] || autoreconf -fi
mkdir -p build && cd build
[ -f Makefile ] || ../configure -q
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
PATH="$top/build/cmd:$PATH"

D=$(mktemp -d "${TMPDIR:-/tmp}/bpt-demo.XXXXXX")
cat >"$D/bpt.yaml" <<CFG
group:
  name: BPT Demo
  address: bpt@demo.example
store: bpt.db
delivery:
  transport: maildir
  maildir: outbox
CFG
chmod 600 "$D/bpt.yaml"
export BPT_CONFIG="$D/bpt.yaml"
echo "== group in $D (store bpt.db, outbox/)"

bpt-member add jan@demo.example --name "Jan de Vries" --phone "06-12345678" --role admin --consent 2024-1
bpt-member add piet@demo.example --name "Piet Bakker" --phone "+31 6 2345 6789" --consent 2024-1
bpt-member add anna@demo.example --name "Anna Jansen" --consent 2024-1
bpt-member add kees@demo.example --name "Kees Smit"
bpt-member suspend kees@demo.example --reason "op vakantie"
bpt-member list

echo "== Jan sees something and mails the group"
bpt-report -v <<'MAIL'
From: Jan de Vries <jan@demo.example>
To: bpt@demo.example
Subject: Verdachte man bij de school
Message-ID: <demo-alert@demo.example>
Content-Type: text/plain; charset=utf-8

Man met rode jas kijkt in auto's aan de Schoolstraat. Scooter 12-ABC-3.
Ik heb 112 gebeld.
MAIL

copy=$(ls "$D"/outbox/piet@demo.example/new/* | head -n 1)
echo "== the copy Piet got"
cat "$copy"
id=$(sed -n 's/^Message-ID: //p' "$copy")

echo "== Piet replies from his mail client"
bpt-report -v <<MAIL
From: Piet Bakker <piet@demo.example>
To: BPT Demo <bpt@demo.example>
Subject: Re: [BPT Demo #1] Verdachte man bij de school
Message-ID: <demo-reply@demo.example>
In-Reply-To: $id
References: $id
Content-Type: text/plain; charset=utf-8

Ik zie hem nu bij de bakker, richting park.

Op za 28 nov 2026 om 21:04 schreef Jan de Vries via BPT Demo <bpt@demo.example>:
> Man met rode jas kijkt in auto's aan de Schoolstraat.
MAIL

echo "== an out-of-office reply and a stranger reach nobody"
bpt-report -v <<'MAIL'
From: anna@demo.example
To: bpt@demo.example
Subject: Afwezig: Verdachte man bij de school
Auto-Submitted: auto-replied
Message-ID: <demo-ooo@demo.example>

Ik ben afwezig tot maandag.
MAIL
bpt-report -v <<'MAIL'
From: Onbekende <iemand@elders.example>
To: bpt@demo.example
Subject: Hallo
Message-ID: <demo-stranger@elders.example>

Mag ik meedoen?
MAIL

echo "== incidents"
bpt-report list
bpt-report show 1

# Steps 5 to 7 of the group's way of working: an admin ends the
# conversation, a coordinator sends it to the police, signed, and later
# the group hears what came of it.
echo "== Jan, an admin, ends the conversation; every member is told"
bpt-close --as jan@demo.example --reason "verdachte weg, politie ter plaatse" 1

echo "== Jan sends incident 1 to the police file, signed with a throwaway key"
export GNUPGHOME="$D/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-gen-key "BPT Demo <bpt@demo.example>" ed25519 sign 1d 2>/dev/null
fpr=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ { print $10; exit }')
cat >>"$D/bpt.yaml" <<CFG
police:
  address: dossier@politie.example
signing:
  key: "$fpr"
  gnupghome: $GNUPGHOME
CFG
bpt-export --as jan@demo.example 1
echo "== what the police check, with only the file and the public key"
bpt-export --verify "$D"/outbox/dossier@politie.example/new/*
gpgconf --kill gpg-agent

echo "== later: what came of it, to every member"
bpt-close --as jan@demo.example --outcome "De politie heeft de man aangesproken." \
    --result police 1
bpt-report list

echo "== mailboxes (one Maildir per recipient)"
(cd "$D/outbox" && for m in *; do printf '%-28s %s\n' "$m" "$(ls "$m/new" | wc -l) message(s)"; done)
echo "== done; everything is in $D"

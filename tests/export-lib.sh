# tests/export-lib.sh - what the transcript and privacy tests share:
# throwaway OpenPGP keys in a temporary GNUPGHOME, mails with photos,
# and closing an incident.  Source it after tests/lib.sh.

command -v gpg >/dev/null || test_skip_all "gpg not installed"
command -v gpgconf >/dev/null || test_skip_all "gpgconf not installed"
command -v python3 >/dev/null || test_skip_all "python3 not installed"
command -v sqlite3 >/dev/null || test_skip_all "sqlite3 not installed"

STORE="$TRASH/store/bpt.db"

# Closing an incident, as an admin does it (CLOSER must be an active
# admin or coordinator of the group); BPT_NOW, when set, is the time.
CLOSER=jan@bewoners.example
close_incident() { # close_incident N REASON
	bpt-close --as "$CLOSER" --reason "$2" "$1" >/dev/null
}

# A fresh GnuPG home with no passphrase anywhere; its agent is stopped
# when the script ends.
new_gnupghome() { # new_gnupghome DIR
	mkdir -p "$1" && chmod 700 "$1" &&
	echo "allow-loopback-pinentry" >"$1/gpg-agent.conf" &&
	test_atexit "gpgconf --homedir '$1' --kill gpg-agent 2>/dev/null"
}

# new_key HOME "Name <addr>" ALGO USAGE EXPIRE [gpg options...]; prints
# the fingerprint
new_key() {
	h=$1 uid=$2 algo=$3 use=$4 exp=$5
	shift 5
	GNUPGHOME=$h gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
	    "$@" --quick-gen-key "$uid" "$algo" "$use" "$exp" 2>/dev/null || return 1
	GNUPGHOME=$h gpg --batch --with-colons --list-keys "$uid" 2>/dev/null |
	    awk -F: '/^fpr/ { print $10; exit }'
}

# copy_pubkey FROM TO FPR: the public key of FPR into another home
copy_pubkey() {
	GNUPGHOME=$1 gpg --batch --export --armor "$3" >"$TRASH/pub.asc" &&
	GNUPGHOME=$2 gpg --batch --quiet --import "$TRASH/pub.asc" 2>/dev/null
}

# A mail with a photo: photo_mail FROM NAME SUBJECT MSGID TEXT IMAGE [IN-REPLY-TO]
photo_mail() {
	python3 - "$@" <<'PY'
import sys, email.message, email.policy
frm, name, subject, msgid, text, image = sys.argv[1:7]
m = email.message.EmailMessage(policy=email.policy.SMTP)
m['From'] = f'{name} <{frm}>'
m['To'] = 'bpt@bars.example'
m['Subject'] = subject
m['Message-ID'] = msgid
m['Date'] = 'Sat, 28 Nov 2026 21:05:00 +0100'
if len(sys.argv) > 7:
    m['In-Reply-To'] = sys.argv[7]
m.set_content(text)
with open(image, 'rb') as f:
    m.add_attachment(f.read(), maintype='image', subtype='jpeg',
                     filename=image.rsplit('/', 1)[-1])
sys.stdout.buffer.write(m.as_bytes(policy=email.policy.default))
PY
}

# The parts of a message as Python's email package reads them, in the
# format of tests/mimetree: depth, type, name, size, SHA-256 (leaves).
py_parts() {
	python3 - "$1" <<'PY'
import sys, email, email.policy, hashlib
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.compat32)
def walk(p, d):
    t = p.get_content_type(); n = p.get_filename() or '-'
    if p.is_multipart():
        print(f"{d}\t{t}\t{n}\t-\t-")
        for c in p.get_payload():
            walk(c, d + 1)
    else:
        b = p.get_payload(decode=True)
        print(f"{d}\t{t}\t{n}\t{len(b)}\t{hashlib.sha256(b).hexdigest()}")
walk(m, 0)
PY
}

# Splits a multipart/signed message with Python's email package (not
# libetpan) into the signed part as the signature covers it (CRLF) and
# the detached signature: split_signed FILE SIGNED SIG
split_signed() {
	python3 - "$@" <<'PY'
import sys, io, email, email.policy
from email.generator import BytesGenerator
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.compat32)
if m.get_content_type() != 'multipart/signed':
    sys.exit('not multipart/signed: ' + m.get_content_type())
signed, sig = m.get_payload()
out = io.BytesIO()
BytesGenerator(out, mangle_from_=False, maxheaderlen=0,
               policy=email.policy.compat32.clone(linesep='\r\n')).flatten(signed)
open(sys.argv[2], 'wb').write(out.getvalue())
open(sys.argv[3], 'wb').write(sig.get_payload(decode=True))
PY
}

# Changes a transcript and signs it again with FPR (in $GNUPGHOME), as
# someone holding the key would: tamper FILE OUT FPR flip N | swap.
# flip changes one byte of the N-th enclosed original; swap swaps the
# first two.  Only the hash chain can tell then.
tamper() {
	python3 - "$@" <<'PY'
import sys, io, re, email, email.policy, base64, subprocess
from email.generator import BytesGenerator
src, dst, fpr, mode = sys.argv[1:5]
raw = open(src, 'rb').read()
m = email.message_from_bytes(raw, policy=email.policy.compat32)
signed, sig = m.get_payload()
mbox = [p for p in signed.get_payload() if p.get_content_type() == 'application/mbox'][0]
data = mbox.get_payload(decode=True)
starts = [0] + [i + 1 for i in range(len(data) - 5)
                if data[i:i + 1] == b'\n' and data[i + 1:i + 6] == b'From ']
segs = [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]
if mode == 'flip':
    k = int(sys.argv[5]) - 1
    s = bytearray(segs[k])
    i = re.search(rb'\n\r?\n', s).end()     # the body, LF or CRLF
    while not chr(s[i]).isalpha():
        i += 1
    s[i] ^= 0x20            # one letter changes case: one byte
    segs[k] = bytes(s)
else:
    segs[0], segs[1] = segs[1], segs[0]
mbox.set_payload(base64.encodebytes(b''.join(segs)).decode('ascii'))
out = io.BytesIO()
BytesGenerator(out, mangle_from_=False, maxheaderlen=0,
               policy=email.policy.compat32.clone(linesep='\r\n')).flatten(signed)
body = out.getvalue()
sig = subprocess.run(['gpg', '--batch', '--yes', '--armor', '--detach-sign',
                      '--local-user', fpr], input=body, capture_output=True,
                     check=True).stdout.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
b = m.get_boundary().encode()
head = raw[:raw.index(b'--' + b + b'\r\n') + len(b) + 4]
open(dst, 'wb').write(head + body + b'\r\n--' + b +
    b'\r\nContent-Type: application/pgp-signature\r\n\r\n' + sig +
    b'\r\n--' + b + b'--\r\n')
PY
}

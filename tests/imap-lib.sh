# tests/imap-lib.sh - a private Dovecot (IMAPS and IMAP with STARTTLS) on
# 127.0.0.1 for the tests of `bpt-report fetch --imap`, after the recipe
# in MTA-TESTING.md.  Sourced after tests/lib.sh and tests/mta-lib.sh:
#
#   imap_require
#   imap_setup "$TRASH/imap"          # certificate, users, dovecot.conf
#   imap_start "$TRASH/imap"
#   imap_append "$TRASH/imap" INBOX mail.eml
#
# The instance's certificate is made for imap.test.example and 127.0.0.1
# by a throwaway CA ($DIR/ca.pem); $DIR/other.pem is a second CA's
# certificate for another host.  Users (passwd-file, PLAIN passwords):
# bpt@test.example with password "geheim".  XOAUTH2 is checked by
# Dovecot's oauth2 passdb against a token introspection endpoint on
# 127.0.0.1 (a small python3 HTTP server, tokens in $DIR/tokens) when
# imap_setup is given "oauth2".  Every wait is bounded; Dovecot and the
# endpoint are stopped by their PIDs when the script ends.

# imap_require: skips the whole script without Dovecot, openssl, root
imap_require() {
	mta_require
	command -v dovecot >/dev/null || test_skip_all "dovecot not installed (dovecot-imapd)"
	command -v openssl >/dev/null || test_skip_all "openssl not installed"
	id dovecot >/dev/null 2>&1 || test_skip_all "no user dovecot"
}

# imap_certs DIR: a CA, and the server's certificate signed by it
imap_certs() {
	(
	cd "$1" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
	    -days 2 -subj "/CN=bpt test CA" >/dev/null 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -keyout key.pem -out req.pem \
	    -subj "/CN=imap.test.example" >/dev/null 2>&1 &&
	printf 'subjectAltName=DNS:imap.test.example,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext &&
	openssl x509 -req -in req.pem -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days 2 -extfile ext -out cert.pem >/dev/null 2>&1 &&
	# the same CA, a certificate for another host only
	openssl req -newkey rsa:2048 -nodes -keyout other.key -out other.req \
	    -subj "/CN=mail.elders.example" >/dev/null 2>&1 &&
	printf 'subjectAltName=DNS:mail.elders.example\nextendedKeyUsage=serverAuth\n' >ext2 &&
	openssl x509 -req -in other.req -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days 2 -extfile ext2 -out other.pem >/dev/null 2>&1 &&
	chmod 644 cert.pem key.pem other.pem other.key ca.pem
	)
}

# imap_setup DIR [oauth2]: writes the instance's files; ports in DIR/port
# (IMAPS) and DIR/port143 (IMAP, STARTTLS)
imap_setup() {
	mkdir -p "$1/run" "$1/state" "$1/home" &&
	chmod 711 "$1" &&
	chown nobody:nogroup "$1/home" &&
	imap_certs "$1" &&
	echo 'bpt@test.example:{PLAIN}geheim' >"$1/passwd" &&
	chmod 644 "$1/passwd" &&
	free_port >"$1/port" &&
	free_port >"$1/port143" &&
	_is_cert=${IMAP_CERT:-$1/cert.pem} &&
	_is_key=${IMAP_KEY:-$1/key.pem} &&
	if [ "${2:-}" = oauth2 ]; then
		free_port >"$1/oauth-port" &&
		: >"$1/tokens" && chmod 644 "$1/tokens" &&
		cat >"$1/oauth2.conf" <<EOF &&
introspection_mode = post
introspection_url = http://127.0.0.1:$(cat "$1/oauth-port")/introspect
username_attribute = username
active_attribute = active
active_value = true
force_introspection = yes
EOF
		_is_passdb="passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $1/oauth2.conf
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $1/passwd
}" && _is_mechs="plain login xoauth2 oauthbearer"
	else
		_is_passdb="passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $1/passwd
}" && _is_mechs="plain login"
	fi &&
	cat >"$1/dovecot.conf" <<EOF
base_dir = $1/run
state_dir = $1/state
log_path = $1/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <$_is_cert
ssl_key = <$_is_key
auth_mechanisms = $_is_mechs
auth_failure_delay = 0
auth_verbose = yes
# a restart cuts every session, as a provider's does
shutdown_clients = yes
$_is_passdb
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$1/home/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Verwerkt {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $(cat "$1/port143")
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $(cat "$1/port")
    ssl = yes
  }
}
EOF
}

# imap_start DIR: starts Dovecot (and the token endpoint), waits for its ports
imap_start() {
	echo "$1" >>"$TRASH/.imap-dirs"
	if [ -f "$1/oauth-port" ] && [ -z "$(bg_pid oauth)" ]; then
		"$PYTHON" "$top_srcdir/tests/oauth-introspect.py" \
		    "$(cat "$1/oauth-port")" "$1/tokens" >>"$1/oauth.log" 2>&1 &
		bg_register oauth $!
		wait_for 10 port_listening "$(cat "$1/oauth-port")" || return 1
	fi
	dovecot -c "$1/dovecot.conf" </dev/null >/dev/null 2>&1 || {
		cat "$1/dovecot.log" 2>/dev/null
		return 1
	}
	wait_for 20 test -s "$1/run/master.pid" &&
	wait_for 20 port_listening "$(cat "$1/port")" &&
	wait_for 20 port_listening "$(cat "$1/port143")"
}

# imap_conn_pids DIR: PIDs of the processes that hold a connection to
# the instance's ports (the login processes proxy TLS: they outlive a
# stopped master until their client hangs up)
imap_conn_pids() {
	for _icp in $(cat "$1/port" "$1/port143" 2>/dev/null); do
		ss -Htnp state established "( sport = :$_icp )" 2>/dev/null
	done | sed -n 's/.*pid=\([0-9]*\),.*/\1/p' | sort -u
}

# imap_stop DIR: stops Dovecot by its PID, then the processes still
# serving a connection (a real restart cuts them), waits until all are gone
imap_stop() {
	_ip=$(cat "$1/run/master.pid" 2>/dev/null)
	[ -n "$_ip" ] || return 0
	stop_pid "$_ip" 20
	rm -f "$1/run/master.pid"
	for _ic in $(imap_conn_pids "$1"); do
		stop_pid "$_ic" 5
	done
	wait_for 10 imap_gone "$1"
}

# imap_gone DIR: no process of the instance is left
imap_gone() {
	! pgrep -f -- "-c $1/dovecot.conf" >/dev/null 2>&1 &&
	[ -z "$(imap_conn_pids "$1")" ]
}

imap_cleanup() {
	if [ -f "$TRASH/.imap-dirs" ]; then
		while read -r _ic; do
			imap_stop "$_ic"
		done <"$TRASH/.imap-dirs"
	fi
	true
}
test_atexit imap_cleanup

# imap_py DIR: python3 with imaplib logged in as bpt@test.example over
# IMAPS; the script on stdin gets the connection as M, argv after it
imap_py() {
	_ipd=$1
	shift
	"$PYTHON" -c '
import imaplib, ssl, sys
d = sys.argv[1]
ctx = ssl.create_default_context(cafile=d + "/ca.pem")
M = imaplib.IMAP4_SSL("127.0.0.1", int(open(d + "/port").read()), ssl_context=ctx, timeout=20)
M.login("bpt@test.example", "geheim")
argv = sys.argv[2:]
exec(sys.stdin.read())
M.logout()
' "$_ipd" "$@"
}

# imap_append DIR MAILBOX FILE...: appends each FILE, unseen
imap_append() {
	_iad=$1
	_iam=$2
	shift 2
	imap_py "$_iad" "$_iam" "$@" <<'PY'
for f in argv[1:]:
    typ, _ = M.append(argv[0], None, None, open(f, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    assert typ == "OK", typ
PY
}

# imap_count DIR MAILBOX WHAT: number of messages matching the SEARCH
# key WHAT (ALL, UNSEEN, SEEN) in MAILBOX
imap_count() {
	imap_py "$1" "$2" "$3" <<'PY'
M.select(argv[0])
typ, data = M.search(None, argv[1])
print(len(data[0].split()))
PY
}

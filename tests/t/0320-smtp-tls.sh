#!/bin/sh
# SMTP over TLS to a real relay: a private Postfix on 127.0.0.1 with
# STARTTLS on one port and implicit TLS (wrapper mode) on another, its
# certificate for "localhost" made here by a CA of our own.  One RCPT
# per transaction and two connections: the two check the certificate
# at the same time, with the roots read once.  An alert
# piped into bpt-report reaches the members' Maildirs through both, when
# bpt trusts that CA; a relay whose certificate bpt cannot trust (the
# system's roots only, another CA, a host name the certificate does not
# name) gets no copy: the copies are deferred with the reason, and
# nothing reaches the members.  delivery.smtp.tls_verify: false is the
# explicit way around.  Then the login (AUTH PLAIN against Postfix's
# Cyrus SASL, offered only after STARTTLS): with the password file the
# copies go out; a wrong password defers them with the relay's 535; a
# relay bpt cannot trust is never sent the login at all.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"

mta_require postfix openssl sqlite3
# the login tests need a SASL password database (Debian: sasl2-bin)
SASL=$(command -v saslpasswd2 || true)

MTA=$TRASH/mta
PORT=$(free_port)
PORT_TLS=$(free_port)
DB=$TRASH/store/bpt.db
TLS=$TRASH/tls
ACTIVE="alice@bewoners.example bob@bewoners.example"

# sasl_setup: logins for the instance, offered only after STARTTLS:
# user bpt, password "geheim", in a Cyrus SASL database of its own
sasl_setup() {
	cat >>"$MTA/etc/main.cf" <<-EOF &&
	smtpd_tls_auth_only = yes
	smtpd_sasl_auth_enable = yes
	smtpd_sasl_type = cyrus
	cyrus_sasl_config_path = $MTA/etc/sasl
	smtpd_sasl_local_domain = bpt-test.example
	EOF
	mkdir -p "$MTA/etc/sasl" &&
	cat >"$MTA/etc/sasl/smtpd.conf" <<-EOF &&
	pwcheck_method: auxprop
	auxprop_plugin: sasldb
	sasldb_path: $MTA/etc/sasldb2
	mech_list: PLAIN LOGIN
	EOF
	printf geheim | "$SASL" -f "$MTA/etc/sasldb2" -p -c \
	    -u bpt-test.example bpt &&
	chown postfix "$MTA/etc/sasldb2"
}

# ca NAME: a CA certificate and key in $TLS/NAME.pem, $TLS/NAME.key
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj "/CN=bpt test $1" -keyout "$TLS/$1.key" \
	    -out "$TLS/$1.pem" -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# bpt_config HOST PORT TLS [MORE]: the group's config for that relay,
# MORE under delivery.smtp
bpt_config() {
	smtp_config "$1" "$2" "$3" 10s 1 2 "${4:-}"
}
BPT_CONFIG=$TRASH/bpt.yaml
export BPT_CONFIG

# Test blocks run in subshells: the number of the last alert is kept in
# a file.  alert: pipes a new alert into bpt-report; its incident is N.
echo 0 >"$TRASH/n"
alert() {
	N=$(($(cat "$TRASH/n") + 1))
	echo "$N" >"$TRASH/n"
	cat <<EOF | bpt-report
From: Alice Admin <alice@bewoners.example>
To: bpt@bars.example
Subject: Verdachte auto $N
Message-ID: <tls-$N@bewoners.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Een auto rijdt langzaam door de straat, kenteken 12-ABC-3.
EOF
}

# states: "state|count" of the copies of the last alert
states() {
	N=$(cat "$TRASH/n")
	sqlite3 "$DB" "SELECT d.state, count(*) FROM deliveries d JOIN outbox o
	    ON o.id = d.outbox_id WHERE o.incident_id = $N AND o.kind = 'alert'
	    GROUP BY d.state ORDER BY d.state"
}

# replies: the distinct last replies of the copies of the last alert
replies() {
	N=$(cat "$TRASH/n")
	sqlite3 "$DB" "SELECT DISTINCT d.last_reply FROM deliveries d JOIN outbox o
	    ON o.id = d.outbox_id WHERE o.incident_id = $N AND o.kind = 'alert'"
}

# delivered K: every active member has K copies and the queue is empty
delivered() {
	mta_queue_empty "$MTA" || return 1
	for a in $ACTIVE; do
		[ "$(mta_copies "$MTA" "$a")" = "$1" ] || return 1
	done
}

# untrusted WHAT: incident $N's copies deferred with a reason saying
# WHAT, none at the members
untrusted() {
	test "$(states)" = "deferred|2" &&
	replies >replies &&
	test "$(wc -l <replies)" = 1 &&
	grep "^TLS certificate of .*$1" replies &&
	delivered "$COPIES"
}

test_expect_success 'a CA of our own, a certificate for localhost' '
	mkdir -p "$TLS" &&
	ca ca && ca other &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj "/CN=localhost" -keyout "$TLS/relay.key" \
	    -out "$TLS/relay.csr" 2>/dev/null &&
	printf "%s\n" "subjectAltName=DNS:localhost" \
	    "extendedKeyUsage=serverAuth" "basicConstraints=CA:FALSE" >"$TLS/ext" &&
	openssl x509 -req -in "$TLS/relay.csr" -CA "$TLS/ca.pem" \
	    -CAkey "$TLS/ca.key" -CAcreateserial -days 2 -extfile "$TLS/ext" \
	    -out "$TLS/relay.pem" 2>/dev/null &&
	openssl verify -CAfile "$TLS/ca.pem" "$TLS/relay.pem" &&
	chmod 600 "$TLS"/*.key
'

test_expect_success 'a private Postfix with STARTTLS and implicit TLS on 127.0.0.1' '
	mta_setup "$MTA" "$PORT" /bin/false &&
	mta_mailbox "$MTA" $ACTIVE &&
	cat >>"$MTA/etc/main.cf" <<-EOF &&
	smtpd_tls_cert_file = $TLS/relay.pem
	smtpd_tls_key_file = $TLS/relay.key
	smtpd_tls_security_level = may
	smtpd_tls_loglevel = 1
	EOF
	{ test -z "$SASL" || sasl_setup; } &&
	cat >>"$MTA/etc/master.cf" <<-EOF &&

	127.0.0.1:$PORT_TLS inet n - n - - smtpd
	  -o smtpd_tls_wrappermode=yes
	tlsmgr    unix  - - n 1000? 1 tlsmgr
	EOF
	mta_start "$MTA" &&
	wait_for 20 port_listening "$PORT_TLS" &&
	master=$(mta_master "$MTA") &&
	ss -Hltnp >sockets &&
	grep "pid=$master," sockets >ours &&
	test "$(wc -l <ours)" = 2 &&
	! grep -v "127\.0\.0\.1:\($PORT\|$PORT_TLS\) " ours
'

test_expect_success 'the group' '
	bpt-member add --no-welcome alice@bewoners.example --name "Alice Admin" --role admin &&
	bpt-member add --no-welcome bob@bewoners.example --name "Bob Bakker"
'

COPIES=0
test_expect_success 'STARTTLS to a relay whose CA bpt is given: delivered' '
	bpt_config localhost "$PORT" starttls "    ca_file: $TLS/ca.pem" &&
	alert &&
	test "$(states)" = "sent|2" &&
	wait_for 20 delivered 1 &&
	grep -q "TLS connection established from localhost" "$MTA/maillog"
'
COPIES=1

test_expect_success 'implicit TLS to the same relay: delivered' '
	bpt_config localhost "$PORT_TLS" implicit "    ca_file: $TLS/ca.pem" &&
	alert &&
	test "$(states)" = "sent|2" &&
	wait_for 20 delivered 2
'
COPIES=2

test_expect_success 'STARTTLS, the system roots only: deferred, nothing delivered' '
	bpt_config localhost "$PORT" starttls &&
	alert &&
	untrusted "issuer is unknown"
'

test_expect_success 'implicit TLS, another CA: deferred, nothing delivered' '
	bpt_config localhost "$PORT_TLS" implicit "    ca_file: $TLS/other.pem" &&
	alert &&
	untrusted "issuer is unknown"
'

test_expect_success 'a host name the certificate does not name: deferred' '
	bpt_config 127.0.0.1 "$PORT" starttls "    ca_file: $TLS/ca.pem" &&
	alert &&
	untrusted "does not match"
'

test_expect_success 'bpt-send delivers the deferred copies once the CA is known' '
	bpt_config localhost "$PORT" starttls "    ca_file: $TLS/ca.pem" &&
	sleep 2 &&
	bpt-send &&
	test -z "$(sqlite3 "$DB" "SELECT id FROM deliveries WHERE state <> '"'sent'"'")" &&
	wait_for 20 delivered 5
'
COPIES=5

test_expect_success 'tls_verify: false trusts whatever the relay shows' '
	bpt_config 127.0.0.1 "$PORT" starttls "    tls_verify: false" &&
	alert &&
	test "$(states)" = "sent|2" &&
	wait_for 20 delivered 6
'

test_expect_success 'an unreadable ca_file is a clear reason, not a crash' '
	bpt_config localhost "$PORT" starttls "    ca_file: $TLS/none.pem" &&
	COPIES=6 &&
	alert &&
	untrusted "no CA certificate read from $TLS/none.pem"
'

# The login: Cyrus SASL in Postfix, offered only after STARTTLS.
if [ -z "$SASL" ]; then
	test_skip "AUTH over TLS: saslpasswd2 not installed (sasl2-bin)"
	test_done
	exit
fi
printf 'geheim\n' >"$TRASH/smtp.pw"
printf 'fout\n' >"$TRASH/wrong.pw"
chmod 600 "$TRASH/smtp.pw" "$TRASH/wrong.pw"
# logins: the relay's lines about logins so far
logins() {
	grep -c "sasl_method=\|SASL .* authentication failed" "$MTA/maillog"
}

test_expect_success 'AUTH after STARTTLS with the password file: delivered' '
	bpt_config localhost "$PORT" starttls "    ca_file: $TLS/ca.pem
    user: bpt
    password_file: $TRASH/smtp.pw" &&
	alert &&
	test "$(states)" = "sent|2" &&
	wait_for 20 delivered 7 &&
	grep -q "sasl_method=PLAIN, sasl_username=bpt" "$MTA/maillog"
'

test_expect_success 'a wrong password: deferred with the relay'"'"'s answer' '
	bpt_config localhost "$PORT" starttls "    ca_file: $TLS/ca.pem
    user: bpt
    password_file: $TRASH/wrong.pw" &&
	alert &&
	test "$(states)" = "deferred|2" &&
	replies >replies &&
	grep "^authentication: 535" replies &&
	delivered 7
'

test_expect_success 'a relay bpt cannot trust never sees the login' '
	before=$(logins) &&
	bpt_config localhost "$PORT" starttls "    user: bpt
    password_file: $TRASH/smtp.pw" &&
	alert &&
	COPIES=7 &&
	untrusted "issuer is unknown" &&
	test "$(logins)" = "$before"
'

test_done

#!/bin/sh
# OpenSMTPD end to end, with the smtpd.conf of contrib/opensmtpd/README as
# it stands there (paths, domain and user replaced): a private smtpd on
# 127.0.0.1 hands the list's mail to bpt-report, the copies go to
# smtp-sink; a reply to bpt+1@ joins incident 1; an exit 75 keeps the
# message queued until `smtpctl schedule all`; other addresses of the
# domain are refused.
#
# OpenSMTPD conflicts with Postfix, which the other tests need, and its
# spool (/var/spool/smtpd), control socket (/run/smtpd.sock), chroot
# (/var/lib/opensmtpd/empty), helpers (/usr/libexec/opensmtpd) and users
# (opensmtpd, opensmtpq) are compiled in.  So the package is unpacked,
# not installed (contrib/deps.sh, into $BPT_MTA_ROOT), and smtpd runs in
# a mount namespace of its own (unshare -m) in which tmpfs and bind mounts
# from this test's folder stand at those paths, and a copy of
# /etc/passwd and /etc/group with its two users: the machine's own files
# and folders are never written.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mta-lib.sh"

mta_require smtp-sink swaks
ROOT=${BPT_MTA_ROOT:-/var/cache/bpt-test/mta}
[ -x "$ROOT/usr/sbin/smtpd" ] && [ -x "$ROOT/usr/sbin/smtpctl" ] ||
	test_skip_all "OpenSMTPD not unpacked in $ROOT (contrib/deps.sh does it)"
command -v unshare >/dev/null && command -v nsenter >/dev/null ||
	test_skip_all "unshare and nsenter (util-linux) needed"
unshare -m true 2>/dev/null || test_skip_all "no mount namespaces here"

O=$TRASH/osd
PORT=$(free_port)
SINK=$(free_port)
README=$top_srcdir/contrib/opensmtpd/README
MEMBERS="alice@bewoners.example bob@bewoners.example carol@bewoners.example"

# block NAME: the lines of the README between "--- NAME ---" and "--- end ---"
block() {
	sed -n "/^--- $1 ---\$/,/^--- end ---\$/p" "$README" | sed '1d;$d'
}
# recipe: the README's text for this test: our paths, domain and pipe user
recipe() {
	sed -e "s|/etc/smtpd/bpt_users|$O/bpt_users|" \
	    -e "s|/usr/local/bin/bpt-report|$TRASH/bpt-pipe|" \
	    -e "s|/etc/bpt/bpt.yaml|$TRASH/bpt.yaml|" \
	    -e "s|binnenbijster\.example|bars.example|g" \
	    -e "s|  *bpt\$| nobody|"
}
rcpts() { # rcpts: recipients of the copies at the sink, sorted
	sink_rcpts "$TRASH/sink" | sort
}
copies_are() { # copies_are N: N copies at the sink
	[ "$(rcpts | wc -l)" = "$1" ]
}
# osd_pid: the PID of smtpd's parent process (the namespace's first)
osd_pid() { bg_pid osd; }
# in_ns COMMAND...: COMMAND inside smtpd's mount namespace
in_ns() {
	nsenter -m -t "$(osd_pid)" -- "$@"
}
# smtpctl ARGS: as root with the group opensmtpq, as its setgid bit
# would give it
smtpctl() {
	in_ns setpriv --regid=64011 --keep-groups -- "$ROOT/usr/sbin/smtpctl" "$@"
}
queue_empty() {
	[ -z "$(smtpctl show queue)" ]
}

mkdir -p "$TRASH/store" "$TRASH/state" "$O/etc" "$O/run"
smtp_config 127.0.0.1 "$SINK" none 10s
chown -R nobody:nogroup "$TRASH/bpt.yaml" "$TRASH/store" "$TRASH/state"
BPT_CONFIG=$TRASH/bpt.yaml
export BPT_CONFIG

# the pipe: bpt-report, except that one run (the one that removes the
# marker) fails its commits like a full disk
cat >"$TRASH/bpt-pipe" <<EOF
#!/bin/sh
if rm "$TRASH/state/fault-once" 2>/dev/null; then
	BPT_TEST_FAULT=store-commit
	export BPT_TEST_FAULT
fi
exec "$BPT_BIN/bpt-report" "\$@"
EOF
chmod 755 "$TRASH/bpt-pipe"

test_expect_success 'the README'"'"'s smtpd.conf passes smtpd -n' '
	block smtpd.conf >recipe.conf &&
	test "$(wc -l <recipe.conf)" -ge 3 &&
	{ echo "listen on 127.0.0.1 port $PORT"; recipe <recipe.conf; } >"$O/smtpd.conf" &&
	block bpt_users | recipe >"$O/bpt_users" &&
	grep -q "^bpt@bars.example *nobody$" "$O/bpt_users" &&
	"$ROOT/usr/sbin/smtpd" -n -f "$O/smtpd.conf" >out 2>&1 &&
	grep -q "configuration OK" out
'

test_expect_success 'set up the group (as the pipe user)' '
	as_nobody bpt-member add alice@bewoners.example --name "Alice" --role admin &&
	as_nobody bpt-member add bob@bewoners.example --name "Bob Bakker" &&
	as_nobody bpt-member add carol@bewoners.example --name "Carol de Wit"
'

# the namespace: the compiled-in paths on tmpfs or on folders of ours
cp /etc/passwd "$O/etc/passwd"
cp /etc/group "$O/etc/group"
echo "opensmtpd:x:64010:64010::/var/lib/opensmtpd/empty:/usr/sbin/nologin" >>"$O/etc/passwd"
echo "opensmtpq:x:64011:64011::/var/lib/opensmtpd/empty:/usr/sbin/nologin" >>"$O/etc/passwd"
echo "opensmtpd:x:64010:" >>"$O/etc/group"
echo "opensmtpq:x:64011:" >>"$O/etc/group"
cat >"$O/ns.sh" <<EOF
set -e
mount --make-rprivate /
mount --bind "$O/etc/passwd" /etc/passwd
mount --bind "$O/etc/group" /etc/group
mount -t tmpfs tmpfs /var/spool
mkdir -m 711 /var/spool/smtpd
mount -t tmpfs tmpfs /var/lib
mkdir -p /var/lib/opensmtpd/empty
mount --bind "$O/run" /run
mount -t tmpfs tmpfs /usr/libexec
cp -a "$ROOT/usr/libexec/opensmtpd" /usr/libexec/
exec "$ROOT/usr/sbin/smtpd" -d -f "$O/smtpd.conf"
EOF

test_expect_success 'a private smtpd starts on 127.0.0.1 only' '
	sink_start "$SINK" "$TRASH/sink" &&
	unshare -m sh "$O/ns.sh" >"$O/smtpd.log" 2>&1 &
	bg_register osd $!
	wait_for 20 port_listening "$PORT" &&
	ss -Hltnp >sockets &&
	grep ":$PORT " sockets >ours &&
	! grep -v "127\.0\.0\.1:$PORT " ours &&
	test ! -e /run/smtpd.sock
'

cat >alert.eml <<'EOF_MAIL'
From: Carol de Wit <carol@bewoners.example>
To: bpt@bars.example
Subject: Inbraak bij de garages
Message-ID: <osd-alert-1@bewoners.example>
Content-Type: text/plain; charset=utf-8

Twee mannen forceren de deur van garage 12. 112 gebeld.
EOF_MAIL

test_expect_success 'an alert reaches every active member once' '
	swaks --server "127.0.0.1:$PORT" --from carol@bewoners.example \
	    --to bpt@bars.example --data alert.eml >swaks.out 2>&1 &&
	if ! wait_for 30 copies_are 3; then cat "$O/smtpd.log"; exit 1; fi &&
	printf "%s\n" $MEMBERS >expect &&
	rcpts >actual &&
	test_cmp expect actual &&
	grep -q "mda delivery.*rcpt=<bpt@bars.example> user=nobody.*result=Ok" "$O/smtpd.log" &&
	test "$(as_nobody bpt-report --format tsv list | wc -l)" = 1
'

cat >reply.eml <<'EOF_MAIL'
From: Bob Bakker <bob@bewoners.example>
To: bpt+1@bars.example
Subject: Ze rennen weg
Message-ID: <osd-reply-1@bewoners.example>
Content-Type: text/plain; charset=utf-8

Ze rennen richting het park.
EOF_MAIL

test_expect_success 'a reply to bpt+1@ joins incident 1 (Delivered-To)' '
	swaks --server "127.0.0.1:$PORT" --from bob@bewoners.example \
	    --to bpt+1@bars.example --data reply.eml >swaks.out 2>&1 &&
	wait_for 30 copies_are 6 &&
	as_nobody bpt-report --format tsv list >list &&
	test "$(wc -l <list)" = 1 &&
	test "$(cut -f 7 list)" = 2
'

test_expect_success 'another address of the domain is refused in the dialogue' '
	! swaks --server "127.0.0.1:$PORT" --from bob@bewoners.example \
	    --to zed@bars.example --data reply.eml >swaks.out 2>&1 &&
	grep -q "<\*\* *5[0-9][0-9] " swaks.out
'

test_expect_success 'exit 75: the message stays queued, smtpctl schedule delivers it' '
	: >"$TRASH/state/fault-once" &&
	chown nobody "$TRASH/state/fault-once" &&
	sed "s/osd-alert-1/osd-alert-2/; s/Inbraak bij de garages/Rook bij de flat/" \
	    alert.eml >alert2.eml &&
	swaks --server "127.0.0.1:$PORT" --from carol@bewoners.example \
	    --to bpt@bars.example --data alert2.eml >swaks.out 2>&1 &&
	wait_for 30 grep -q "mda delivery.*result=TempFail" "$O/smtpd.log" &&
	test ! -e "$TRASH/state/fault-once" &&
	smtpctl show queue >queue &&
	test "$(wc -l <queue)" = 1 &&
	copies_are 6 &&
	smtpctl schedule all &&
	wait_for 30 copies_are 9 &&
	wait_for 10 queue_empty &&
	test "$(as_nobody bpt-report --format tsv list | wc -l)" = 2
'

test_expect_success 'smtpd stops by its PID, nothing of it is left' '
	pid=$(osd_pid) &&
	bg_stop osd &&
	wait_for 10 pid_gone "$pid" &&
	wait_for 10 sh -c "! ss -Hltn \"sport = :$PORT\" | grep -q ."
'

test_done

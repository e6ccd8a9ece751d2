#!/bin/sh
# What an admin can get wrong in the configuration and around the store
# is refused at once, with exit status 78 and a message that says where
# and why: values past their bounds, files that are not regular ones, a
# program named in a file others may write, a store others may read,
# and mail folders holding FIFOs or symbolic links.
. "$top_srcdir/tests/lib.sh"

# conf FILE [EXTRA]: a group's configuration with EXTRA appended, mode 0600
conf() {
	cat >"$1" <<CFG
group:
  name: BPT Testbuurt
  address: bpt@bars.example
store: $TRASH/store/bpt.db
delivery:
  transport: maildir
  maildir: $TRASH/outbox
${2:-}
CFG
	chmod 600 "$1"
}

# refused FILE MESSAGE: bpt-member -c FILE list exits 78 and says MESSAGE
refused() {
	# bounded: a configuration that makes the tool wait must fail here
	timeout 20 bpt-member -c "$1" list >out 2>err
	code=$?
	cat err
	test "$code" = 78 && grep -F -x -q "bpt-member: $2" err
}

test_expect_success 'a group to start with' '
	bpt-member add jan@bewoners.example --name "Jan" --role admin
'

test_expect_success 'busy_timeout: 25d is out of range (was: no wait at all)' '
	conf c.yaml "busy_timeout: 25d" &&
	refused c.yaml "c.yaml:8:15: busy_timeout: 25d is out of range 1s..10m"
'

test_expect_success 'a duration that overflows is out of range' '
	conf c.yaml "busy_timeout: 9223372036854775807s" &&
	refused c.yaml "c.yaml:8:15: busy_timeout: 9223372036854775807s is out of range 1s..10m"
'

test_expect_success 'limits.parse_timeout 0s does not switch the timeout off' '
	conf c.yaml "limits:
  parse_timeout: 0s" &&
	refused c.yaml "c.yaml:9:18: limits.parse_timeout: 0s is out of range 1s..15m" &&
	conf c.yaml "limits:
  parse_timeout: 30d" &&
	refused c.yaml "c.yaml:9:18: limits.parse_timeout: 30d is out of range 1s..15m"
'

test_expect_success 'a size past its bound' '
	conf c.yaml "policy:
  max_message_size: 4GB" &&
	refused c.yaml "c.yaml:9:21: policy.max_message_size: 4GB is out of range 1KB..100MB"
'

test_expect_success '-c /dev/zero, /dev/urandom: refused at once' '
	refused /dev/zero "/dev/zero: a character device, not a regular file" &&
	refused /dev/urandom "/dev/urandom: a character device, not a regular file"
'

test_expect_success '-c FIFO: refused at once, not waiting for a writer' '
	mkfifo fifo.yaml &&
	refused fifo.yaml "fifo.yaml: a FIFO, not a regular file"
'

test_expect_success 'a folder as the configuration says so' '
	mkdir dir.yaml &&
	refused dir.yaml "dir.yaml: a folder, not a regular file"
'

test_expect_success 'a configuration over 1 MiB says so' '
	conf big.yaml &&
	head -c 1100000 /dev/zero | tr "\\0" "#" >>big.yaml &&
	refused big.yaml "big.yaml: larger than 1048576 bytes"
'

cat >alert.eml <<'EOF_MAIL'
From: Jan <jan@bewoners.example>
To: bpt@bars.example
Subject: Verdachte man
Message-ID: <admin-1@bewoners.example>

Man bij de school.
EOF_MAIL

test_expect_success 'a relative delivery.sendmail is refused when loading' '
	conf c.yaml "  sendmail: sendmail" &&
	refused c.yaml "c.yaml:8:13: delivery.sendmail: '"'"'sendmail'"'"' is not an absolute path" &&
	test_expect_code 78 bpt-report -c c.yaml <alert.eml &&
	test -z "$(bpt-report --format tsv list)"
'

test_expect_success 'a program named in a file others or a group may write is refused' '
	conf c.yaml "  sendmail: /usr/sbin/sendmail" &&
	chmod 0602 c.yaml &&
	refused c.yaml "c.yaml:8:13: delivery.sendmail: names a program to run, but c.yaml is writable by others (mode 0602); chmod go-w it" &&
	chmod 0640 c.yaml &&
	bpt-member -c c.yaml list >out &&
	if [ "$(id -u)" = 0 ]; then
		chgrp 65534 c.yaml && chmod 0620 c.yaml &&
		refused c.yaml "c.yaml:8:13: delivery.sendmail: names a program to run, but c.yaml is writable by its group (mode 0620); chmod go-w it" &&
		chgrp 0 c.yaml &&
		bpt-member -c c.yaml list >out
	fi
'

test_expect_success 'a token command in a file others may write is refused too' '
	conf c.yaml "inbound:
  imap:
    host: imap.example
    oauth2_token_command: [/usr/local/bin/token, bpt]" &&
	chmod 0602 c.yaml &&
	refused c.yaml "c.yaml:11:27: inbound.imap.oauth2_token_command: names a program to run, but c.yaml is writable by others (mode 0602); chmod go-w it" &&
	chmod 0600 c.yaml &&
	bpt-member -c c.yaml list >out
'

test_expect_success 'a second YAML document is refused' '
	conf c.yaml "---
store: /tmp/elsewhere.db" &&
	refused c.yaml "c.yaml:9:1: a second YAML document; the file describes one group"
'

test_expect_success 'an empty group.name is refused' '
	conf c.yaml &&
	sed "s/name: BPT Testbuurt/name: \"\"/" c.yaml >e.yaml && chmod 600 e.yaml &&
	refused e.yaml "e.yaml: group.name must not be empty"
'

test_expect_success 'a store others may read is refused, not used' '
	chmod 0644 store/bpt.db &&
	test_expect_code 78 bpt-member list 2>err &&
	grep -F -x "bpt-member: store '"'"'$TRASH/store/bpt.db'"'"' is readable by others (mode 0644), and it holds the members'"'"' addresses and phone numbers; chmod o-rwx it" err &&
	test_expect_code 78 bpt-report <alert.eml &&
	chmod 0600 store/bpt.db
'

test_expect_success 'so are its -wal and -shm files' '
	chmod 0604 store/bpt.db-wal &&
	test_expect_code 78 bpt-member list 2>err &&
	grep -F "store '"'"'$TRASH/store/bpt.db-wal'"'"' is readable by others (mode 0604)" err &&
	chmod 0600 store/bpt.db-wal &&
	chmod 0666 store/bpt.db-shm &&
	test_expect_code 78 bpt-member list 2>err &&
	grep -F "bpt.db-shm'"'"' is readable and writable by others (mode 0666)" err &&
	chmod 0600 store/bpt.db-shm
'

test_expect_success 'a store its group may use is fine' '
	chmod 0660 store/bpt.db store/bpt.db-wal store/bpt.db-shm &&
	bpt-member list >out &&
	grep -q jan@bewoners.example out &&
	chmod 0600 store/bpt.db store/bpt.db-wal store/bpt.db-shm
'

test_expect_success 'fetch --maildir skips a FIFO and a symbolic link, and says so' '
	mkdir -p in/new in/cur in/tmp &&
	echo "root:secret-hash:19000:0:99999:7:::" >shadow &&
	ln -s "$TRASH/shadow" in/new/link.eml &&
	mkfifo in/new/fifo.eml &&
	cp alert.eml in/new/real.eml &&
	timeout 20 bpt-report fetch --maildir in 2>err; code=$?
	cat err &&
	test "$code" = 65 &&
	grep -F -x "bpt-report: in/new/link.eml: a symbolic link, not followed; skipped" err &&
	grep -F -x "bpt-report: in/new/fifo.eml: a FIFO, not a regular file; skipped" err &&
	test "$(ls in/cur)" = "real.eml:2,S" &&
	test -L in/new/link.eml && test -p in/new/fifo.eml &&
	bpt-report --format tsv list | grep -q "Verdachte man" &&
	! bpt-report show 1 | grep -q secret-hash
'

test_done

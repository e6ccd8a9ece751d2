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

test_done

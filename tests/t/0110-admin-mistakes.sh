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

#!/bin/sh
# Every man page is clean mdoc under mandoc -Tlint.
. "$top_srcdir/tests/lib.sh"

[ -n "${MANDOC:-}" ] || MANDOC=$(command -v mandoc || true)
[ -n "$MANDOC" ] || test_skip_all "mandoc not installed"

for page in "$top_srcdir"/man/*.[1-8]; do
	[ -e "$page" ] || continue
	name=$(basename "$page")
	test_expect_success "$name is clean under mandoc -Tlint" "
		\"$MANDOC\" -Tlint -W style \"$page\" >lint.out 2>&1;
		cat lint.out;
		! grep -q . lint.out
	"
done
test_done

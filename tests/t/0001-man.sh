#!/bin/sh
# Every man page is clean mdoc under mandoc -Tlint.
. "$top_srcdir/tests/lib.sh"

[ -n "${MANDOC:-}" ] || MANDOC=$(command -v mandoc || true)
[ -n "$MANDOC" ] || test_skip_all "mandoc not installed"

# mandoc resolves cross references only among installed pages; a
# reference to one of our own pages in man/ is fine.
lint_page() {
	"$MANDOC" -Tlint -W style "$1" 2>&1 | while IFS= read -r line; do
		ref=$(printf '%s\n' "$line" |
		    sed -n 's/.*referenced manual not found: Xr \([^ ]*\) \([0-9]\).*/\1.\2/p')
		[ -n "$ref" ] && [ -e "$top_srcdir/man/$ref" ] && continue
		printf '%s\n' "$line"
	done >lint.out
	cat lint.out
	! grep -q . lint.out
}

for page in "$top_srcdir"/man/*.[1-8]; do
	[ -e "$page" ] || continue
	test_expect_success "$(basename "$page") is clean under mandoc -Tlint" \
		"lint_page '$page'"
done
test_done

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
# bpt.templates(5) names every built-in text and every variable a text
# is given: the texts' names from builtins[], the variables from every
# struct tvar array in lib/ and from the texts themselves.
page="$top_srcdir/man/bpt.templates.5"
test_expect_success 'bpt.templates.5 lists every built-in text' '
	{ sed -n "/^static const struct builtin builtins\[\] = {/,/^};/p" \
	    "$top_srcdir/lib/template.c"; cat "$top_srcdir"/lib/template_*.h; } |
	    sed -n "s/^{ \"\([a-z0-9-]*\)\",\$/\1/p" >names &&
	test "$(wc -l <names)" -ge 12 &&
	while read -r n; do
		grep -qx ".It Cm $n" "$page" || { echo "no .It Cm $n"; exit 1; }
	done <names
'
test_expect_success 'bpt.templates.5 describes every variable the code passes' '
	awk "/struct tvar [a-z_]*\[\] = \{/ { on = 1 } on { print } on && /};/ { on = 0 }" \
	    "$top_srcdir"/lib/*.c | grep -o "{ \"[a-z0-9_]*\"," |
	    sed "s/{ \"\(.*\)\",/\1/" | sort -u >vars &&
	{ sed -n "/^static const struct builtin builtins\[\] = {/,/^};/p" \
	    "$top_srcdir/lib/template.c"; cat "$top_srcdir"/lib/template_*.h; } |
	    grep -o "{{[#^/]\{0,1\}[a-z0-9_]*}}" |
	    sed "s/{{[#^/]\{0,1\}\(.*\)}}/\1/" | sort -u >>vars &&
	test "$(sort -u vars | wc -l)" -ge 40 &&
	sort -u vars | while read -r v; do
		grep -qx ".It Va $v" "$page" || { echo "no .It Va $v"; exit 1; }
	done
'
test_done

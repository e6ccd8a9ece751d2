#!/bin/sh
# Every fuzz target takes every seed (the project's own test mails, and
# when they are there the shared corpus and the inputs that crashed
# libetpan in 2017) and every input our own fuzzing found
# (tests/fuzz/regress/TARGET/) without a finding: no crash, no sanitizer
# report, no broken promise of the library.  Works on the replay driver
# (plain builds) and on the libFuzzer binaries (--enable-fuzzing), which
# both run the files named on their command line once.
. "$top_srcdir/tests/lib.sh"

FUZZ="$top_builddir/tests/fuzz"
REGRESS="$top_srcdir/tests/fuzz/regress"
TARGETS="ingest config csv phone_addr bounce quote imgmeta"

# the targets' scratch folders go with the rest (an abort leaves one)
TMPDIR=$TRASH/tmp
export TMPDIR
mkdir -p "$TMPDIR"

# seeds TARGET: the input files of a target, NUL-separated
seeds() {
	find "$DATA" -type f -name '*.eml' -print0
	if test_have_corpus; then
		find "$CORPUS" -type f ! -name '*.md' ! -name '*.tsv' -print0
		[ -d "$FUZZ_SEEDS" ] && find "$FUZZ_SEEDS" -type f ! -name '*.md' -print0
	fi
	[ "$1" = config ] && printf '%s\0' "$top_srcdir/contrib/bpt.yaml.example"
	[ "$1" = imgmeta ] && find "$top_srcdir/tests/data/img" -type f -print0
	[ -d "$REGRESS/$1" ] && find "$REGRESS/$1" -type f -print0
	return 0
}

test_expect_success 'the own test mails are there' '
	n=$(find "$DATA" -type f -name "*.eml" | wc -l) &&
	echo "$n test mails" &&
	test "$n" -ge 70
'

test_expect_corpus 'the shared seeds are there' '
	n=$(seeds ingest | tr -cd "\000" | wc -c) &&
	echo "$n seeds" &&
	test "$n" -ge 180 &&
	test -n "$(ls "$FUZZ_SEEDS/libetpan-mime-parse")"
'

for t in $TARGETS; do
	test_expect_success "fuzz_$t takes every seed and past finding" "
		test -x '$FUZZ/fuzz_$t' &&
		seeds $t | xargs -0 '$FUZZ/fuzz_$t' >replay-$t.log 2>&1 ||
		{ tail -n 30 replay-$t.log; false; }
	"
done

# The harness must be able to fail: a parser that aborts is a finding.
if grep -q '^#define BPT_TEST_FAULTS 1' "$top_builddir/bptconf.h"; then
	test_expect_success 'a crash while parsing fails the replay' '
		printf "From: a@b.example\n\nx\n" >one.eml &&
		! BPT_TEST_FAULT=parse-abort "$FUZZ/fuzz_ingest" one.eml \
		    >abort.log 2>&1
	'
else
	test_skip 'a crash while parsing fails the replay (test faults compiled out)'
fi

test_expect_success 'an input that cannot be read is an error' '
	! "$FUZZ/fuzz_quote" "$TRASH/no-such-file" >missing.log 2>&1
'

test_done

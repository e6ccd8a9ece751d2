#!/bin/sh
# The set-up of bpt(7) EXAMPLES, taken from the page and done literally:
# build with its configure line, `make install` into a DESTDIR, then, in
# a private mount and network namespace where /etc, /var and /usr/local
# are this test's own, create the user, the folders and the
# configuration as written, and run the tools without -c, as the page
# does.  The installed tools must find the documented configuration,
# and the Postfix pipe line of contrib/postfix/README must work as its
# user.  Nothing outside the test's folder changes.
. "$top_srcdir/tests/lib.sh"

PAGE="$top_srcdir/man/bpt.7"
POSTFIX="$top_srcdir/contrib/postfix/README"

# The set-up block of EXAMPLES, one command a line: prompts dropped,
# mdoc's \e line continuations joined.
setup_steps() {
	awk '/^Set up a group/ { on = 1; next }
	    on && /^\.Bd/ { next }
	    on && /^\.Ed/ { exit }
	    on { print }' "$PAGE" |
	sed -e 's/\\e$/\\/' -e 's/\\-/-/g' |
	awk '{ line = line $0 }
	    /\\$/ { sub(/\\$/, "", line); next }
	    { print line; line = "" }' |
	sed -n 's/^[$#] //p'
}

setup_steps >steps
test -s steps || { echo "Bail out! no set-up steps found in $PAGE"; exit 1; }

test_expect_success 'bpt(7) builds with --sysconfdir=/etc and installs' '
	grep -x "\./configure --sysconfdir=/etc --localstatedir=/var" steps &&
	grep -x "make" steps &&
	grep -x "make install" steps
'

[ "$(id -u)" = 0 ] || test_skip_all "the set-up steps need root (adduser, install -o)"
for _t in unshare mount runuser adduser install; do
	command -v "$_t" >/dev/null || test_skip_all "$_t not installed"
done
unshare --mount --net true 2>/dev/null ||
	test_skip_all "no mount and network namespaces here"

# what the steps would change on the machine itself, were they not
# confined to the namespace
host_state() {
	ls -ld /etc/bpt /var/lib/bpt /usr/local/bin/bpt-member 2>&1
	getent passwd bpt
	getent group bpt
	return 0
}
host_state >before

# make, without what the make running this test passes down
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"
}

# A clean copy of the sources (a tree configured in place cannot take a
# second build), configured with the page's line, built and installed.
DEST="$TRASH/dest"
test_expect_success 'make install DESTDIR puts the tools and pages where bpt(7) says' '
	args=$(sed -n "s|^\./configure ||p" steps) &&
	submake -C "$top_builddir" distdir distdir="$TRASH/src" \
	    top_distdir="$TRASH/src" >distdir.log 2>&1 &&
	mkdir build && cd build &&
	../src/configure -q $args >../configure.log 2>&1 &&
	submake -j2 >../make.log 2>&1 &&
	submake install DESTDIR="$DEST" >../install.log 2>&1 &&
	cd .. &&
	for t in bpt-member bpt-report bpt-send; do
		test -x "$DEST/usr/local/bin/$t" || exit 1
	done &&
	test -f "$DEST/usr/local/share/man/man1/bpt-member.1" &&
	test -f "$DEST/usr/local/share/man/man1/bpt-report.1" &&
	test -f "$DEST/usr/local/share/man/man1/bpt-send.1" &&
	test -f "$DEST/usr/local/share/man/man5/bpt.yaml.5" &&
	test -f "$DEST/usr/local/share/man/man7/bpt.7" &&
	! test -e "$DEST/etc" && ! test -e "$DEST/var"
'

test_expect_success 'the installed tools run from the DESTDIR' '
	for t in bpt-member bpt-report bpt-send; do
		"$DEST/usr/local/bin/$t" --version >v || exit 1
		grep -x "$t (bpt) [0-9.]*" v || exit 1
		"$DEST/usr/local/bin/$t" --help >h || exit 1
		grep -q "^usage: $t" h || exit 1
	done
'

# in_ns SCRIPT: runs SCRIPT (sh) as root in a namespace of its own where
# /etc and /var are overlays whose changes land in $TRASH, /usr/local is
# the DESTDIR's, and the network is a loopback that is down.
in_ns() {
	mkdir -p "$TRASH/ns/etc" "$TRASH/ns/etc.work" "$TRASH/ns/var" \
	    "$TRASH/ns/var.work" &&
	env -u BPT_CONFIG PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    unshare --mount --net --fork sh -ec "
		mount --make-rprivate /
		mount -t overlay overlay -o lowerdir=/etc,upperdir=$TRASH/ns/etc,workdir=$TRASH/ns/etc.work /etc
		mount -t overlay overlay -o lowerdir=/var,upperdir=$TRASH/ns/var,workdir=$TRASH/ns/var.work /var
		mount --bind $DEST/usr/local /usr/local
		$1"
}

test_expect_success 'the compiled-in configuration is the documented /etc/bpt/bpt.yaml' '
	grep -x "\.It Pa /etc/bpt/bpt.yaml" "$PAGE" &&
	grep -x "install .* /etc/bpt/bpt.yaml" steps &&
	in_ns "rm -rf /etc/bpt; bpt-member list" >out 2>err; code=$?
	cat err &&
	test "$code" = 78 &&
	grep -F -x "bpt-member: /etc/bpt/bpt.yaml: no such configuration file (give one with -c FILE or \$BPT_CONFIG)" err
'

printf 'email,name,phone\npiet@example.org,Piet Bakker,06 23456789\n' >"$TRASH/src/leden.csv"

# The steps after make install, as written; sudo -u becomes runuser -u
# (the same user switch, without sudo's policy), the editor is left out:
# the example configuration works as it is shipped.
sed -e '1,/^make install$/d' -e '/^vi /d' -e 's/^sudo -u \([a-z]*\) /runuser -u \1 -- /' \
    steps >run-steps

test_expect_success 'the set-up steps of bpt(7) work as written, without -c' '
	cat run-steps &&
	grep -q "^adduser " run-steps && grep -q "bpt-member add" run-steps &&
	in_ns "cd $TRASH/src; rm -rf /etc/bpt; set -x; . $TRASH/run-steps
		stat -c \"%U:%G %a\" /var/lib/bpt /etc/bpt/bpt.yaml \
		    /var/lib/bpt/binnenbijster.db >$TRASH/modes
		runuser -u bpt -- bpt-member --format tsv list >$TRASH/members" \
	    >ns.out 2>&1; code=$?
	cat ns.out && test "$code" = 0 &&
	printf "bpt:bpt 700\nroot:bpt 640\nbpt:bpt 600\n" >expect &&
	test_cmp expect modes &&
	grep -q "^anna@example.org	" members &&
	grep -q "^piet@example.org	" members
'

# The pipe(8) line of contrib/postfix/README: its user and its argv.
pipe_line=$(sed -n 's/^ *flags=DOR \(user=[a-z]* argv=.*bpt\.yaml\)$/\1/p' "$POSTFIX" | head -n 1)
pipe_user=$(printf '%s\n' "$pipe_line" | sed 's/^user=\([a-z]*\) .*/\1/')
pipe_argv=$(printf '%s\n' "$pipe_line" | sed 's/^user=[a-z]* argv=//')

cat >"$TRASH/alert.eml" <<'EOF_MAIL'
From: Anna de Vries <anna@example.org>
To: bpt@binnenbijster.example
Subject: Twee mannen bij auto's, Dorpsstraat
Message-ID: <install-1@example.org>

Twee mannen proberen portieren van auto's. 112 gebeld.
EOF_MAIL

test_expect_success 'the Postfix pipe line runs bpt-report as its user' '
	test "$pipe_user" = bpt &&
	test "$pipe_argv" = "/usr/local/bin/bpt-report -c /etc/bpt/bpt.yaml" &&
	in_ns "runuser -u $pipe_user -- $pipe_argv <$TRASH/alert.eml
		runuser -u bpt -- bpt-report --format tsv list >$TRASH/incidents" \
	    >pipe.out 2>&1; code=$?
	cat pipe.out && test "$code" = 0 &&
	grep -q "Twee mannen bij auto" incidents
'

test_expect_success 'nothing outside the test changed' '
	host_state >after &&
	test_cmp before after
'

test_done

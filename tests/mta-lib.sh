# tests/mta-lib.sh - a private Postfix instance and smtp-sink for the
# end-to-end tests, after the recipe in MTA-TESTING.md.  Sourced after
# tests/lib.sh:
#
#   . "$top_srcdir/tests/lib.sh"
#   . "$top_srcdir/tests/mta-lib.sh"
#   mta_require postfix
#   port=$(free_port)
#   mta_setup "$TRASH/mta" "$port" "$TRASH/pipe-cmd -c $TRASH/bpt.yaml"
#   mta_mailbox "$TRASH/mta" jan@bewoners.example
#   mta_start "$TRASH/mta"
#
# Everything listens on 127.0.0.1 only.  Every wait is bounded, every
# process started here is stopped by its PID when the script ends.  The
# tools run from copies in $TRASH/bin ($BPT_BIN), which the pipe user
# reaches whatever the permissions of the folder the tree is in.

# wait_for SECONDS COMMAND...: runs COMMAND until it succeeds, at most
# SECONDS long; fails when time runs out
wait_for() {
	_wf_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_wf_end" ] || return 1
		sleep 0.1
	done
}

# as_pipe_user COMMAND...: runs COMMAND as nobody, the user pipe(8),
# virtual(8) and smtp-sink run as here
as_pipe_user() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

# mta_bail REASON: ends the script as a failure (TAP "Bail out!")
mta_bail() {
	echo "Bail out! $1"
	exit 1
}

# mta_stage: makes what the pipe user runs and reads reachable for it,
# wherever the tree is (a clone in a folder of mode 0700 is not): the
# test folder under /tmp with mode 0755 (a new one when $TMPDIR is out
# of reach), the tools copied into $TRASH/bin, first in PATH.  The tools
# are plain executables (no libtool wrappers) linking only libraries of
# the system, so a copy runs as well as the original.
mta_stage() {
	chmod 755 "$TRASH"
	if ! as_pipe_user test -x "$TRASH"; then
		_st_new=$(mktemp -d /tmp/bpt-test.XXXXXX) &&
		chmod 755 "$_st_new" &&
		as_pipe_user test -x "$_st_new" ||
			mta_bail "no folder the pipe user can reach for $TRASH"
		rm -rf "$TRASH"
		TRASH=$_st_new
		cd "$TRASH" || mta_bail "cannot enter $TRASH"
		write_config
	fi
	mkdir -m 755 "$TRASH/bin" || mta_bail "cannot make $TRASH/bin"
	for _st in bpt-report bpt-member bpt-send; do
		_st_src=$top_builddir/cmd/$_st
		[ "$(head -c 4 "$_st_src" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
			mta_bail "$_st_src is not an executable file (ELF)"
		if ldd "$_st_src" | grep -F -e "not found" -e "$top_builddir/" \
		    -e "$top_srcdir/" >"$TRASH/.ldd"; then
			say_lines <"$TRASH/.ldd"
			mta_bail "$_st links libraries of the build tree"
		fi
		cp "$_st_src" "$TRASH/bin/$_st" && chmod 755 "$TRASH/bin/$_st" ||
			mta_bail "cannot copy $_st_src"
	done
	as_pipe_user "$TRASH/bin/bpt-report" --version >/dev/null ||
		mta_bail "the pipe user cannot run $TRASH/bin/bpt-report"
	BPT_BIN=$TRASH/bin
	PATH=$BPT_BIN:$PATH
	export BPT_BIN PATH
}

# mta_require postfix|smtp-sink...: skips the whole script unless run as
# root (the Postfix master and smtp-sink's -u need it) with the tools;
# then stages the tools for the pipe user (mta_stage)
mta_require() {
	[ "$(id -u)" = 0 ] || test_skip_all "needs root for a private MTA"
	command -v python3 >/dev/null || test_skip_all "python3 not installed"
	# the interpreter itself, not a wrapper that may start slowly
	PYTHON=$(python3 -c 'import sys; print(sys.executable)')
	command -v ss >/dev/null || test_skip_all "ss (iproute2) not installed"
	command -v setpriv >/dev/null || test_skip_all "setpriv not installed"
	for _mr in "$@"; do
		case $_mr in
		postfix)
			command -v postfix >/dev/null && command -v postqueue >/dev/null ||
				test_skip_all "postfix not installed"
			id postfix >/dev/null 2>&1 || test_skip_all "no user postfix"
			;;
		*)
			command -v "$_mr" >/dev/null || test_skip_all "$_mr not installed"
			;;
		esac
	done
	id nobody >/dev/null 2>&1 || test_skip_all "no user nobody"
	# pipe(8) runs the tools as nobody: they and the folder must be reachable
	mta_stage
}

# as_nobody COMMAND...: runs COMMAND as the pipe user, like an operator
# administering the group as the user that owns the store
as_nobody() {
	as_pipe_user "$@"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on
free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# port_listening PORT: true when something listens on 127.0.0.1:PORT
port_listening() {
	ss -Hltn "sport = :$1" | grep -q .
}

# pid_gone PID: true when no process PID exists (a zombie counts as gone)
pid_gone() {
	! kill -0 "$1" 2>/dev/null ||
		[ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ]
}

# stop_pid PID [SECONDS]: TERM, wait until gone, then KILL
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	wait_for "${2:-10}" pid_gone "$1" && return 0
	kill -KILL "$1" 2>/dev/null
	wait_for 5 pid_gone "$1"
}

# Test blocks run in subshells: what they start is remembered in files
# of $TRASH, and stopped from there.

# bg_register NAME PID: NAME is stopped by bg_stop NAME, or at the end
bg_register() {
	echo "$2" >"$TRASH/.pid.$1"
}

# bg_pid NAME: the PID of NAME, empty when not running
bg_pid() {
	cat "$TRASH/.pid.$1" 2>/dev/null
}

# bg_stop NAME: stops NAME by its PID and forgets it
bg_stop() {
	_bs_pid=$(bg_pid "$1")
	rm -f "$TRASH/.pid.$1"
	[ -z "$_bs_pid" ] || stop_pid "$_bs_pid"
}

# stops every instance and background server this script started
mta_cleanup() {
	if [ -f "$TRASH/.mta-dirs" ]; then
		while read -r _mc; do
			mta_stop "$_mc"
		done <"$TRASH/.mta-dirs"
	fi
	for _mc in "$TRASH"/.pid.*; do
		[ -f "$_mc" ] && bg_stop "${_mc##*/.pid.}"
	done
	true
}
test_atexit mta_cleanup

# smtp_config HOST PORT TLS TIMEOUT [BATCH [CONNECTIONS [SMTP_LINES]]]:
# the group's config in $TRASH/bpt.yaml (store $TRASH/store/bpt.db),
# delivering over SMTP to HOST:PORT, retries after 1 to 2 s; an empty or
# missing BATCH or CONNECTIONS leaves bpt's default; SMTP_LINES (indented
# four spaces) go under delivery.smtp
smtp_config() {
	cat >"$TRASH/bpt.yaml" <<CFG
group:
  name: BPT Testbuurt
  address: bpt@bars.example
store: $TRASH/store/bpt.db
delivery:
  transport: smtp
  smtp:
    host: $1
    port: $2
    tls: $3
    timeout: $4
${7:-}
${5:+  batch: $5}
${6:+  connections: $6}
  retry_min: 1s
  retry_max: 2s
CFG
	chmod 600 "$TRASH/bpt.yaml"
}

# --- a private Postfix --------------------------------------------------------

# mta_setup DIR PORT PIPE_ARGV: writes the configuration of an instance
# in DIR listening on 127.0.0.1:PORT.  Mail for @bars.example (the list)
# goes to a pipe(8) service running PIPE_ARGV as nobody, flags DOR as in
# contrib/postfix/README; mail for @bewoners.example goes to Maildirs
# DIR/mail/ADDRESS/ (see mta_mailbox), unknown addresses to DIR/mail/other/.
mta_setup() {
	mkdir -p "$1/etc" "$1/spool" "$1/data" "$1/mail" &&
	chmod 755 "$1" &&
	chown postfix "$1/data" &&
	chown nobody:nogroup "$1/mail" &&
	cat >"$1/etc/main.cf" <<EOF &&
compatibility_level = 3.6
queue_directory = $1/spool
data_directory = $1/data
maillog_file = $1/maillog
maillog_file_prefixes = $1
myhostname = mta.bpt-test.example
mydestination =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
recipient_delimiter = +
relay_domains = bars.example
transport_maps = inline:{ bars.example=bpt: }
bpt_destination_recipient_limit = 1
message_size_limit = 15728640
virtual_mailbox_domains = bewoners.example
virtual_mailbox_base = $1/mail
virtual_mailbox_maps = texthash:$1/etc/mailboxes
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
# the defaults (300 s) keep a deferred message until postqueue -f: a
# test counts attempts deterministically
EOF
	cat >"$1/etc/master.cf" <<EOF &&
127.0.0.1:$2 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
smtp      unix  - - n -  - smtp
virtual   unix  - n n -  - virtual
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
bpt       unix  - n n -  - pipe
  flags=DOR user=nobody argv=$3
EOF
	echo "@bewoners.example other/" >"$1/etc/mailboxes" &&
	echo "$2" >"$1/port"
}

# mta_mailbox DIR ADDRESS...: a Maildir of its own for each ADDRESS
# (before mta_start)
mta_mailbox() {
	_mm_dir=$1
	shift
	for _mm in "$@"; do
		echo "$_mm $_mm/" >>"$_mm_dir/etc/mailboxes"
	done
}

# mta_procs DIR: PIDs of every process of the instance (the master and
# its children carry MAIL_CONFIG=DIR/etc in their environment)
mta_procs() {
	grep -lzxF "MAIL_CONFIG=$1/etc" /proc/[0-9]*/environ 2>/dev/null |
		sed 's|^/proc/\([0-9]*\)/environ$|\1|'
	true
}

# mta_start DIR: starts the instance, waits until it accepts connections
# and registers its stop for the end of the script
mta_start() {
	: >"$1/running"
	echo "$1" >>"$TRASH/.mta-dirs"
	# start checks the configuration itself; its errors go to the maillog
	postfix -c "$1/etc" start >/dev/null 2>&1 || {
		cat "$1/maillog" 2>/dev/null
		return 1
	}
	wait_for 20 test -s "$1/spool/pid/master.pid" &&
	wait_for 20 port_listening "$(cat "$1/port")"
}

# mta_master DIR: the PID of the instance's master
mta_master() {
	tr -d ' ' <"$1/spool/pid/master.pid" 2>/dev/null
}

# mta_stop DIR: stops the master by its PID, waits until it and every
# process of the instance are gone
mta_stop() {
	[ -e "$1/running" ] || return 0
	_ms_pid=$(mta_master "$1")
	rm -f "$1/running"
	[ -n "$_ms_pid" ] && stop_pid "$_ms_pid" 20
	wait_for 10 mta_gone "$1"
}

# mta_gone DIR: true when no process of the instance is left
mta_gone() {
	[ -z "$(mta_procs "$1")" ]
}

# mta_queue DIR: the queue, one JSON line per message; empty when empty
mta_queue() {
	postqueue -c "$1/etc" -j
}

# mta_queue_empty DIR
mta_queue_empty() {
	[ -z "$(mta_queue "$1")" ]
}

# mta_copies DIR ADDRESS: number of messages in ADDRESS's Maildir
mta_copies() {
	ls "$1/mail/$2/new" 2>/dev/null | wc -l | tr -d ' '
}

# --- smtp-sink ------------------------------------------------------------------

# sink_start PORT DUMPDIR [OPTIONS...]: smtp-sink on 127.0.0.1:PORT,
# every complete transaction in a file of DUMPDIR (-d), running as
# nobody; until sink_stop or the end of the script.  A sink still
# running (a failed test) is stopped first.
sink_start() {
	_ss_port=$1
	_ss_dump=$2
	shift 2
	sink_stop
	mkdir -p "$_ss_dump" && chown nobody "$_ss_dump" || return 1
	smtp-sink -u nobody -d "$_ss_dump/m." "$@" "127.0.0.1:$_ss_port" 64 \
	    >>"$TRASH/sink.log" 2>&1 &
	bg_register sink $!
	wait_for 10 port_listening "$_ss_port" && kill -0 "$(bg_pid sink)"
}

# sink_stop: stops the smtp-sink of sink_start, waits until its port is free
sink_stop() {
	bg_stop sink
}

# sink_rcpts DUMPDIR: one line per recipient of every complete
# transaction in DUMPDIR, addresses without brackets
sink_rcpts() {
	cat "$1"/m.* 2>/dev/null | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p'
}

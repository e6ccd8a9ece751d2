#!/bin/sh
# Installs the Debian 12 packages bpt needs to build, test and demonstrate.
# Run as root or with sudo available; does nothing when all are present.
set -eu

PKGS="build-essential autoconf automake pkg-config
libetpan-dev libgnutls28-dev libsqlite3-dev libyaml-dev libgpgme-dev libcmocka-dev
mandoc gnupg sqlite3 python3 postfix swaks ca-certificates libsasl2-modules openssl
sasl2-bin time tzdata dovecot-imapd libimage-exiftool-perl libjpeg-turbo-progs
libevent-2.1-7 libdb5.3 libgnutls-dane0 libidn12 libpcre2-8-0 libnsl2"

# OpenSMTPD and Exim conflict with Postfix, which most tests use: their
# packages are unpacked here, not installed, for the end-to-end tests of
# contrib/opensmtpd and contrib/exim (tests/t/0620-opensmtpd.sh,
# tests/t/0630-exim.sh), which run them in a private mount namespace.
MTA_ROOT=${BPT_MTA_ROOT:-/var/cache/bpt-test/mta}

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

unpack_mtas() {
	_tmp=$(mktemp -d)
	chmod 755 "$_tmp"
	(cd "$_tmp" && $SUDO apt-get download opensmtpd exim4-daemon-light exim4-base) &&
	for _d in "$_tmp"/*.deb; do
		$SUDO dpkg-deb -x "$_d" "$MTA_ROOT" || return 1
	done
	rm -rf "$_tmp"
}
if [ ! -x "$MTA_ROOT/usr/sbin/smtpd" ] || [ ! -x "$MTA_ROOT/usr/sbin/exim4" ]; then
	$SUDO mkdir -p "$MTA_ROOT"
	unpack_mtas || { $SUDO apt-get update && unpack_mtas; } ||
		echo "deps.sh: could not unpack opensmtpd and exim4 (their tests will skip)" >&2
fi

[ -z "$missing" ] && exit 0
# Postfix is a test tool here: no system mail configuration, no daemon.
echo "postfix postfix/main_mailer_type select No configuration" |
	$SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing

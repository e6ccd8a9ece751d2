#!/bin/sh
# Installs the Debian 12 packages bpt needs to build, test and demonstrate.
# Run as root or with sudo available; does nothing when all are present.
set -eu

PKGS="build-essential autoconf automake pkg-config
libetpan-dev libgnutls28-dev libsqlite3-dev libyaml-dev libgpgme-dev libcmocka-dev
mandoc gnupg sqlite3 python3 postfix swaks ca-certificates libsasl2-modules openssl
sasl2-bin time dovecot-imapd"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
# Postfix is a test tool here: no system mail configuration, no daemon.
echo "postfix postfix/main_mailer_type select No configuration" |
	$SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing

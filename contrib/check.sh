#!/bin/sh
# The whole test suite from a clean checkout: packages, a normal build with
# `make check`, then a build with AddressSanitizer and
# UndefinedBehaviorSanitizer running every test again.  In between,
# `make distcheck` builds, installs and uninstalls the release tarball and
# runs the unit tests and the manual pages' test from it (the shell tests
# ran just before, from the same tree).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
sh contrib/deps.sh
autoreconf -fi
jobs=$(nproc 2>/dev/null || echo 2)

mkdir -p build && cd build
../configure -q
make -j"$jobs"
make -j"$jobs" check || { cat test-suite.log; exit 1; }
make -j"$jobs" distcheck TESTS='$(check_PROGRAMS) tests/t/0001-man.sh' >distcheck.log 2>&1 || { tail -n 100 distcheck.log; exit 1; }

cd "$top" && mkdir -p build-asan && cd build-asan
../configure -q --enable-sanitizers
make -j"$jobs"
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	make -j"$jobs" check || { cat test-suite.log; exit 1; }
echo "all tests passed (normal and sanitized builds)"

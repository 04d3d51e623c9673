#!/usr/bin/env bash
# `cmake --install` end to end: installs a build tree into a temporary DESTDIR, checks
# that every file lands where GNUInstallDirs says, runs the installed mxpd, then builds
# examples/agent.c against that install the two ways an agent would (pkg-config, and
# CMake's find_package(mxp)) and runs both agents: without a config (they only collect)
# and with one whose graphite destination is a plain TCP listener this script starts
# (python3; those checks are left out without it), which must receive what they say
# they delivered.
#   test_install.sh BUILD_DIR SOURCE_DIR
# Ends with "N passed, N failed"; exits 1 when anything failed, 77 (skipped) when the
# tree was configured for another prefix than the one this test installs to.
#
# A sanitizer build tree installs an instrumented libmxp.a, which links only into a
# program built with the same sanitizer: the agents are then built with the flags the
# build type uses (CMAKE_BUILD_TYPE from BUILD_DIR/CMakeCache.txt: Asan adds
# -fsanitize=address,undefined, Tsan -fsanitize=thread, as CMakeLists.txt does), so the
# ASan tree tests the same install as the Release tree, under ASan.
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
prefix=/usr/local
destdir=$(mktemp -d)
work=$(mktemp -d)
listener_pid=
trap '[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null; rm -rf "$destdir" "$work"' EXIT
# shellcheck source=check.sh
. "$(dirname "$0")/check.sh"

finish() {
	summary || exit 1
	exit 0
}

cache() { # the value of a variable in the build tree's CMakeCache.txt
	sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"
}

build_type=$(cache CMAKE_BUILD_TYPE)
compiler=$(cache CMAKE_C_COMPILER)
libdir=$(cache CMAKE_INSTALL_LIBDIR)
case $build_type in
Asan) sanitize="-fsanitize=address,undefined" ;;
Tsan) sanitize="-fsanitize=thread" ;;
*) sanitize="" ;;
esac
[ -n "$sanitize" ] && echo "$build_type build tree: agents are built with $sanitize"
root=$destdir$prefix
# mxp.pc and the unit hold the paths of the prefix the tree was configured with
configured=$(cache CMAKE_INSTALL_PREFIX)
if [ "$configured" != "$prefix" ]; then
	echo "skipped: $build is configured for prefix $configured, whose paths its mxp.pc and unit hold;"
	echo "this test installs to $prefix (configure with -DCMAKE_INSTALL_PREFIX=$prefix)"
	exit 77
fi

# ---- install ----
DESTDIR=$destdir cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1
rc=$?
check "cmake --install exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { cat "$work/install.log"; finish; }

for f in bin/mxpd \
	include/mxp/store.h include/mxp/query.h \
	"$libdir/libmxp.a" "$libdir/pkgconfig/mxp.pc" \
	"$libdir/cmake/mxp/mxpConfig.cmake" "$libdir/cmake/mxp/mxpConfigVersion.cmake" \
	"$libdir/cmake/mxp/mxpTargets.cmake" \
	share/man/man8/mxpd.8 lib/systemd/system/mxpd.service; do
	check "installed: $f" test -f "$root/$f"
done
check "mxpd is executable" test -x "$root/bin/mxpd"
check "every public header is installed" diff <(cd "$src/include/mxp" && ls ./*.h) <(cd "$root/include/mxp" && ls ./*.h)

# the unit runs the installed mxpd on the installed configuration (in the prefix's
# sysconfdir: /usr/local/etc)
unit=$root/lib/systemd/system/mxpd.service
conf=$prefix/etc/mxp/exporting.conf
check "the unit has no placeholder left" bash -c "! grep -Eq '@[A-Za-z_]+@' '$unit'"
check "the unit runs $prefix/bin/mxpd -c $conf" grep -qx "ExecStart=$prefix/bin/mxpd -c $conf" "$unit"
check "installed: $conf" test -f "$destdir$conf"

# ---- the installed mxpd ----
"$root/bin/mxpd" --help >"$work/help" 2>&1
rc=$?
check "installed mxpd --help exits 0" test "$rc" -eq 0
check "installed mxpd --help prints the usage" grep -q "^SYNOPSIS" "$work/help"
"$root/bin/mxpd" --check -c "$destdir$conf" >"$work/check" 2>&1
rc=$?
check "the installed exporting.conf passes --check" test "$rc" -eq 0
check "with no warning" grep -q ": 0 errors, 0 warnings$" "$work/check"
check "and no instance to export" grep -q "exporting.conf, 0 instances$" "$work/check"

# ---- a receiver for the agents: a plain TCP listener that keeps every byte ----
python=
if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; elif command -v python3 >/dev/null; then python=python3; fi
if [ -n "$python" ]; then
	"$python" -c '
import socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
out = open(sys.argv[2], "ab", buffering=0)
lock = threading.Lock()
def serve(c):
    while True:
        b = c.recv(65536)
        if not b:
            break
        with lock:
            out.write(b)
    c.close()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$work/port" "$work/received" &
	listener_pid=$!
	for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
fi
if [ -s "$work/port" ]; then
	printf '[exporting:global]\n    enabled = yes\n[graphite:install_test]\n    enabled = yes\n    destination = 127.0.0.1:%s\n    data source = as collected\n    update every = 1\n' \
		"$(cat "$work/port")" >"$work/agent.conf"
else
	echo "no python3 listener: the agents are run without a config only"
fi

# run_exporting_agent HOW BINARY: the agent with the listener's config for 2 s: it exports,
# says what it delivered, loses nothing, and the listener got at least those lines (an
# export may still run between the agent's flush and its stop), its own charts among them
run_exporting_agent() {
	local how=$1 bin=$2 out=$work/out-$1-conf rc=127 delivered produced lost
	[ -s "$work/agent.conf" ] || return 0
	: >"$work/received"
	[ -x "$bin" ] && { "$bin" "$work/agent.conf" 2 >"$out" 2>&1; rc=$?; }
	check "the $how agent exits 0 with a config" test "$rc" -eq 0
	delivered=$(sed -n 's/^agent: \[graphite:install_test\] .* delivered \([0-9]*\) .*/\1/p' "$out")
	produced=$(sed -n 's/^agent: \[graphite:install_test\] produced \([0-9]*\) .*/\1/p' "$out")
	lost=$(sed -n 's/^agent: \[graphite:install_test\] .* lost \([0-9]*\);.*/\1/p' "$out")
	check "the $how agent delivered metrics" test "${delivered:-0}" -gt 0
	check "the $how agent delivered all it produced, lost none" test "${produced:-x}" = "$delivered" -a "${lost:-x}" = 0
	check "the $how agent stopped with nothing lost" grep -q "^agent: exporter stopped (0 metrics lost at stop)" "$out"
	local got=0
	for _ in $(seq 50); do
		got=$(wc -l <"$work/received")
		[ "$got" -ge "${delivered:-1}" ] && break
		sleep 0.1
	done
	check "the listener received what the $how agent delivered" test "$got" -ge "${delivered:-1}"
	check "the $how agent's own charts arrived as graphite lines" \
		grep -Eq '^netdata\.[^ ]+\.example\.c1_1\.b [0-9]+ [0-9]{10}$' "$work/received"
	if [ "$rc" -ne 0 ] || [ "${delivered:-0}" -eq 0 ]; then cat "$out" 2>/dev/null; fi
}

# ---- an agent built with pkg-config ----
pc() {
	PKG_CONFIG_SYSROOT_DIR=$destdir PKG_CONFIG_PATH=$root/$libdir/pkgconfig pkg-config "$@"
}
check "pkg-config knows mxp" pc --exists mxp
flags=$(pc --cflags --libs mxp)
check "the flags point into the install" grep -qF -- "-I$root/include" <<<"$flags"
# a static archive: plain --libs (no --static) must name everything libmxp needs
# shellcheck disable=SC2317 # called through check
names_libs() {
	local l
	for l in -lmxp -lck -lpthread -lm; do
		grep -qw -- "$l" <<<"$flags" || return 1
	done
}
check "--libs alone names mxp, ck, pthread and m" names_libs
# shellcheck disable=SC2086 # the flags are words
"$compiler" -std=c11 -Wall -Wextra -Werror $sanitize -o "$work/agent-pc" "$src/examples/agent.c" $flags \
	>"$work/cc.log" 2>&1
rc=$?
check "cc agent.c \$(pkg-config --cflags --libs mxp) builds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$work/cc.log"
rc=127
[ -x "$work/agent-pc" ] && { "$work/agent-pc" >"$work/out-pc" 2>&1; rc=$?; }
check "the pkg-config agent exits 0 without a config" test "$rc" -eq 0
check "without a config it says it exports nothing" grep -q "^agent: no configuration given" "$work/out-pc"
check "and its collection threads wrote" grep -Eq "^agent: 2 collection threads made [1-9][0-9]* chart updates" "$work/out-pc"
[ "$rc" -eq 0 ] || cat "$work/out-pc" 2>/dev/null
run_exporting_agent pkg-config "$work/agent-pc"

# ---- an agent built with find_package(mxp) ----
cmake -S "$src/examples" -B "$work/agent-cmake" -DCMAKE_PREFIX_PATH="$root" \
	-DCMAKE_C_COMPILER="$compiler" -DCMAKE_C_FLAGS="$sanitize" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" \
	>"$work/cmake.log" 2>&1 &&
	cmake --build "$work/agent-cmake" >>"$work/cmake.log" 2>&1
rc=$?
check "the examples project configures and builds with find_package(mxp)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$work/cmake.log"
check "find_package found the installed mxp" \
	grep -qx "mxp_DIR:PATH=$root/$libdir/cmake/mxp" "$work/agent-cmake/CMakeCache.txt"
run_exporting_agent CMake "$work/agent-cmake/agent"

finish

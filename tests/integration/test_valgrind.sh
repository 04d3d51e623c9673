#!/usr/bin/env bash
# mxpd under valgrind's memcheck for a few intervals of the synthetic source: no
# invalid access, no uninitialised value used, no definite leak. Two runs: standard
# output (no sender), then exporting to graphite (fake_peer sink) and remote write
# (fake_rw_peer.py, answering 204 to every request) at once. (ASan's leak checker covers the unit
# tests, io_uring included; this covers the daemon as a user runs it, with glibc's own
# allocator and no instrumentation in the build.)
#
# The sender runs on epoll here: Debian 12's valgrind (3.19) keeps its scheduler lock
# through io_uring_enter, which it does not know may block, so every other thread of
# mxpd waits behind the sender's wait for completions and the run hangs (seen: the
# collector, formatters and sink all in valgrind's lock, the sender in
# io_cqring_wait). The io_uring path runs under ASan in the rest of the suite.
#   test_valgrind.sh PATH/TO/mxpd PATH/TO/fake_peer
set -u
mxpd=$1
fake_peer=$2
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
trap 'receivers_stop_all; [ -n "${KEEP:-}" ] && echo "kept: $tmp" || rm -rf "$tmp"' EXIT
command -v valgrind >/dev/null || { echo "skip: valgrind is not installed (tools/install-deps.sh test)"; exit 77; }

# memcheck NAME ARGS...: mxpd ARGS under memcheck; its report in $tmp/NAME.vg
memcheck() {
	local name=$1
	shift
	valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
		--track-origins=yes --error-exitcode=99 --log-file="$tmp/$name.vg" \
		"$mxpd" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	local rc=$?
	check "$name: exits 0 under memcheck (99: memcheck found errors)" test "$rc" -eq 0
	check "$name: no memcheck error" grep -q "ERROR SUMMARY: 0 errors" "$tmp/$name.vg"
	check "$name: no definite leak" grep -qE "definitely lost: 0 bytes|All heap blocks were freed" "$tmp/$name.vg"
	grep -E "definitely lost|indirectly lost|possibly lost|still reachable|ERROR SUMMARY|All heap" "$tmp/$name.vg" |
		sed "s/^==[0-9]*== */  $name: /"
	[ "$rc" -eq 0 ] || sed -n '1,60p' "$tmp/$name.vg"
}

memcheck stdout --synthetic 2,5,5 --count 3
check "stdout: it exported" test "$(wc -l <"$tmp/stdout.out")" -ge 100

fake_peer_start "$fake_peer" sink --out "$tmp/graphite.recv" || exit 1
fake_rw_start "" "$tmp/rw.recv" || exit 1
cat >"$tmp/exporting.conf" <<CONF
[graphite:g]
    enabled = yes
    destination = 127.0.0.1:$FAKE_PEER_PORT
    update every = 1
[prometheus_remote_write:rw]
    enabled = yes
    destination = 127.0.0.1:$FAKE_RW_PORT
    update every = 1
CONF
for io in epoll; do
	MXP_IO=$io memcheck "$io" -c "$tmp/exporting.conf" --synthetic 2,5,5 --count 4 --stats
	check "$io: both instances delivered, nothing lost" \
		test "$(grep -cE '\] totals: produced [1-9][0-9]* delivered [1-9][0-9]* buffered 0 lost 0 ' "$tmp/$io.out")" -eq 2
done
check "graphite lines arrived" test -s "$tmp/graphite.recv"
check "remote-write samples arrived" test -s "$tmp/rw.recv"
summary

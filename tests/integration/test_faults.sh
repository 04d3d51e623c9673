#!/usr/bin/env bash
# mxpd against receivers that misbehave. Only a FAKE peer (fake_peer.c) can do these on
# demand: be down at start then come up, die mid-stream and come back, reset the
# connection, stall with a zero window, answer garbage. Each case runs on io_uring and
# on epoll, and checks on mxpd's final counters (--stats "totals") that
# produced = delivered + buffered + lost, and on what arrived that no line came twice.
#   test_faults.sh PATH/TO/mxpd PATH/TO/fake_peer
set -u
mxpd=$1
fake_peer=$2
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

# conf FILE PORT BUFFER_ON_FAILURES [TIMEOUT_MS]: one graphite instance, every second, average (its
# points carry the window's end, so a line seen twice was sent twice; as collected
# may rightly repeat a point collected in the second a window starts: the seed's >=).
# Average has no data for the first ~3 windows (it steps back two collections): the
# faults below are timed after that.
# [TIMEOUT_MS]: `timeout ms`, default 1000 (connect, and a send that moves nothing)
conf() {
	printf '[exporting:global]\n    enabled = yes\n[graphite:peer]\n    enabled = yes\n    destination = 127.0.0.1:%s\n    update every = 1\n    data source = average\n    buffer on failures = %s\n    timeout ms = %s\n' "$2" "$3" "${4:-1000}" >"$1"
}

# total WORD FILE: the number after the first WORD of mxpd's last totals line
# ("produced", "delivered", "buffered", "lost": metrics; "full": lost to buffer full)
total() {
	awk -v k="$1" '/\] totals:/ { v = ""; for (i = 1; i < NF; i++) { f = $i; gsub(/[(]/, "", f)
		if (f == k) { v = $(i + 1); gsub(/[^0-9]/, "", v); break } } } END { print v }' "$2"
}

# accounting FILE: the equation, and nothing left buffered at the end
accounting() {
	local p d b l
	p=$(total produced "$1") d=$(total delivered "$1") b=$(total buffered "$1") l=$(total lost "$1")
	[ -n "$p" ] && [ "$p" -gt 0 ] && [ "$p" -eq $((d + b + l)) ] && [ "$b" -eq 0 ]
}

# no_line_twice FILE...: no complete line appears twice in what the peer(s) received
no_line_twice() {
	[ -z "$(cat "$@" | grep -aE '^[^ ]+ -?[0-9]+ [0-9]+$' | sort | uniq -d | head -1)" ]
}

# peer_drained LOG: waits until fake_peer logged that the client closed
peer_drained() {
	for _ in $(seq 100); do
		grep -q "closed by the client" "$1" && return 0
		sleep 0.05
	done
	return 1
}

for io in io_uring epoll; do
	export MXP_IO=$io
	rm -f "$tmp"/r* # fake_peer appends: each round starts empty

	# 1. Down at start, then up: the intervals buffered meanwhile arrive, none lost.
	port=$(free_port 1)
	conf "$tmp/c1.conf" "$port" 30
	"$mxpd" -c "$tmp/c1.conf" --synthetic 2,5,5 --count 8 --stats >"$tmp/s1" 2>"$tmp/e1" &
	mxpd_pid=$!
	sleep 5.5
	up=$(date +%s)
	fake_peer_start "$fake_peer" sink --port "$port" --out "$tmp/r1" || exit 1
	wait "$mxpd_pid"
	check "$io down-then-up: mxpd exits 0" test $? -eq 0
	check "$io down-then-up: it said it could not connect" grep -q "cannot connect to tcp:127.0.0.1:$port" "$tmp/e1"
	check "$io down-then-up: accounting holds" accounting "$tmp/s1"
	check "$io down-then-up: nothing lost" test "$(total lost "$tmp/s1")" -eq 0
	peer_drained "$FAKE_PEER_LOG"
	check "$io down-then-up: every metric arrived" test "$(wc -l <"$tmp/r1")" -eq "$(total delivered "$tmp/s1")"
	check "$io down-then-up: including the ones collected before it was up" \
		test "$(awk -v up="$up" '$3 < up - 1' "$tmp/r1" | wc -l)" -gt 0
	check "$io down-then-up: no line twice" no_line_twice "$tmp/r1"
	kill "$FAKE_PEER_PID"

	# 2. Killed mid-stream and restarted on the same port.
	fake_peer_start "$fake_peer" sink --out "$tmp/r2a" || exit 1
	port=$FAKE_PEER_PORT
	conf "$tmp/c2.conf" "$port" 30
	"$mxpd" -c "$tmp/c2.conf" --synthetic 2,5,5 --count 9 --stats >"$tmp/s2" 2>"$tmp/e2" &
	mxpd_pid=$!
	sleep 5.2
	kill -9 "$FAKE_PEER_PID"
	sleep 1
	fake_peer_start "$fake_peer" sink --port "$port" --out "$tmp/r2b" || exit 1
	wait "$mxpd_pid"
	check "$io killed-and-restarted: mxpd exits 0" test $? -eq 0
	check "$io killed-and-restarted: accounting holds" accounting "$tmp/s2"
	check "$io killed-and-restarted: the second peer got data" test -s "$tmp/r2b"
	check "$io killed-and-restarted: a failure was counted" test "$(total failures "$tmp/s2")" -ge 1
	peer_drained "$FAKE_PEER_LOG"
	check "$io killed-and-restarted: no line twice across both peers" no_line_twice "$tmp/r2a" "$tmp/r2b"
	kill "$FAKE_PEER_PID"

	# 3. Connection reset after 3000 bytes (inside a line), then a good connection.
	fake_peer_start "$fake_peer" reset --bytes 3000 --resets 1 --out "$tmp/r3" || exit 1
	conf "$tmp/c3.conf" "$FAKE_PEER_PORT" 30
	"$mxpd" -c "$tmp/c3.conf" --synthetic 2,5,5 --count 7 --stats >"$tmp/s3" 2>"$tmp/e3"
	check "$io reset: mxpd exits 0" test $? -eq 0
	check "$io reset: the reset is logged" grep -qE "graphite:peer: .*(reset|Broken pipe|closed)" "$tmp/e3"
	check "$io reset: a failure and a reconnect were counted" \
		test "$(total failures "$tmp/s3")" -ge 1 -a "$(total reconnects "$tmp/s3")" -ge 2
	check "$io reset: accounting holds" accounting "$tmp/s3"
	peer_drained "$FAKE_PEER_LOG"
	check "$io reset: no line twice" no_line_twice "$tmp/r3"
	kill "$FAKE_PEER_PID"

	# 4. A stalled receiver (zero window) past `buffer on failures` = 2: the oldest
	#    intervals are dropped whole and counted; released, the rest arrives once.
	fake_peer_start "$fake_peer" stall --out "$tmp/r4" || exit 1
	conf "$tmp/c4.conf" "$FAKE_PEER_PORT" 2 60000 # no send timeout in the way
	"$mxpd" -c "$tmp/c4.conf" --synthetic 20,50,20 --count 13 --stats >"$tmp/s4" 2>"$tmp/e4" &
	mxpd_pid=$!
	sleep 11
	kill -USR1 "$FAKE_PEER_PID"
	wait "$mxpd_pid"
	check "$io stall: mxpd exits 0" test $? -eq 0
	check "$io stall: accounting holds" accounting "$tmp/s4"
	full=$(total full "$tmp/s4")
	full=${full:-0}
	check "$io stall: intervals were dropped" test "$full" -gt 0
	check "$io stall: counted as dropped intervals" test "$(total dropped "$tmp/s4")" -ge 1
	check "$io stall: the drop is logged" grep -q "dropped the oldest interval" "$tmp/e4"
	peer_drained "$FAKE_PEER_LOG"
	check "$io stall: what was written arrived, once" \
		test "$(wc -l <"$tmp/r4")" -eq "$(total delivered "$tmp/s4")"
	check "$io stall: no line twice" no_line_twice "$tmp/r4"
	kill "$FAKE_PEER_PID"

	# 6. A stall longer than `timeout ms` (500): the connection fails and mxpd connects
	#    again, as the seed's SO_SNDTIMEO made it; released, the rest arrives.
	fake_peer_start "$fake_peer" stall --out "$tmp/r6" || exit 1
	conf "$tmp/c6.conf" "$FAKE_PEER_PORT" 30 500
	"$mxpd" -c "$tmp/c6.conf" --synthetic 20,50,20 --count 8 --stats >"$tmp/s6" 2>"$tmp/e6" &
	mxpd_pid=$!
	sleep 7
	kill -USR1 "$FAKE_PEER_PID"
	wait "$mxpd_pid"
	check "$io stall past timeout: mxpd exits 0" test $? -eq 0
	check "$io stall past timeout: logged" grep -q "took no data for 500 ms ('timeout ms'); reconnecting" "$tmp/e6"
	check "$io stall past timeout: a failure and a reconnect counted" \
		test "$(total failures "$tmp/s6")" -ge 1 -a "$(total reconnects "$tmp/s6")" -ge 2
	check "$io stall past timeout: accounting holds" accounting "$tmp/s6"
	kill "$FAKE_PEER_PID"

	# 5. Garbage answers: read, discarded, logged once; nothing fails, nothing lost.
	fake_peer_start "$fake_peer" garbage --out "$tmp/r5" || exit 1
	conf "$tmp/c5.conf" "$FAKE_PEER_PORT" 30
	"$mxpd" -c "$tmp/c5.conf" --synthetic 2,5,5 --count 6 --stats >"$tmp/s5" 2>"$tmp/e5"
	check "$io garbage: mxpd exits 0" test $? -eq 0
	check "$io garbage: answers were read" test "$(total reads "$tmp/s5")" -ge 1
	check "$io garbage: and logged once" test "$(grep -c "ignored (a line protocol has no answers)" "$tmp/e5")" -eq 1
	check "$io garbage: no failure" test "$(total failures "$tmp/s5")" -eq 0
	check "$io garbage: nothing lost" test "$(total lost "$tmp/s5")" -eq 0
	check "$io garbage: accounting holds" accounting "$tmp/s5"
	kill "$FAKE_PEER_PID"
done

summary

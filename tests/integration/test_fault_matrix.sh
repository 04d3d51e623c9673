#!/usr/bin/env bash
# The fault matrix: every fault kind below, on io_uring and on epoll, for a line
# protocol (graphite) and an HTTP one (Prometheus remote write). Each cell runs mxpd
# (--synthetic 2,5,5 every second, data source average, --count N, --stats) against a
# receiver that misbehaves one way, then asserts:
#   - mxpd exits 0 and its final totals add up: produced = delivered + buffered + lost,
#     nothing still buffered, and lost = the sum of its reasons (buffer full, shutdown,
#     rejected, too large: the counters the netdata.mxp_lost chart shows);
#   - nothing arrived twice at the receiver (same series, same timestamp);
#   - what each fault must do: lose nothing, or lose with the right reason, and what
#     arrived is what mxp counted delivered (where the receiver can tell);
# and prints the matrix (fault x protocol x io -> produced / delivered / lost by reason
# / arrived / duplicates) at the end.
#
# Receivers. Real where a real one can show the fault: VictoriaMetrics (Debian's
# victoria-metrics; it keeps every sample it is sent, duplicates included, so
# /api/v1/export shows a sample stored twice) for down at start, killed, restarted,
# TLS refused (an https instance pointed at its plain port) and an untrusted
# certificate (socat's TLS front with a certificate mxp does not trust). FAKE where
# none can: fake_peer (graphite: reset, stall, garbage) and fake_rw_peer.py (remote
# write: reset, stall, garbage, 400, 500, 429 with Retry-After). A name that does not
# resolve needs no receiver. Cells a protocol cannot have are "n/a": the line protocol
# has no answers to refuse with a status and no TLS (the seed's graphite is plain TCP).
#
# Arrived vs delivered: HTTP counts a request delivered when a 2xx answers it, so the
# receiver holds exactly what was delivered. A line protocol has no acknowledgement:
# mxp counts what the kernel took, and bytes still in a receiver's socket buffer when
# it is killed or resets are lost there (the seed's behaviour, FORMATS.md); those cells
# assert arrived <= delivered and print both.
#
#   test_fault_matrix.sh PATH/TO/mxpd PATH/TO/fake_peer
#   MATRIX_ONLY="reset http_400" MATRIX_IO=epoll MATRIX_PROTO=rw ...: a part of it;
#   MATRIX_KEEP=1: keep the cells' folders (configs, logs, what arrived) and say where
set -u
mxpd=$1
fake_peer=$2
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
if [ -n "${MATRIX_KEEP:-}" ]; then
	trap 'receivers_stop_all; echo "kept: $tmp"' EXIT
else
	trap 'receivers_stop_all; rm -rf "$tmp"' EXIT
fi

for tool in victoria-metrics curl openssl socat; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed (tools/install-deps.sh test)"; exit 77; }
done

FAULTS="dead_at_start killed restarted reset stall_short stall_long stall_past_timeout garbage http_400 http_500 http_429 tls_handshake tls_untrusted unresolvable"
faults=${MATRIX_ONLY:-$FAULTS}
ios=${MATRIX_IO:-io_uring epoll}
protos=${MATRIX_PROTO:-graphite rw}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null ||
	{ echo "openssl cannot make a certificate"; exit 1; }

# ---- mxpd's side ----

# conf FILE PROTO DESTINATION PREFIX BUFFER_ON_FAILURES TIMEOUT_MS [TLS]: one instance,
# named "peer", every second, average (a point carries its window's end: a point seen
# twice was sent twice). TLS=https: remote write over TLS, verified (the default).
conf() {
	local file=$1 proto=$2 dest=$3 prefix=$4 bof=$5 timeout=$6 tls=${7:-}
	if [ "$proto" = graphite ]; then
		printf '[graphite:peer]\n' >"$file"
	else
		printf '[prometheus_remote_write%s:peer]\n    remote write URL path = /api/v1/write\n' \
			"${tls:+:$tls}" >"$file"
	fi
	printf '    enabled = yes\n    destination = %s\n    update every = 1\n    data source = average\n    prefix = %s\n    buffer on failures = %s\n    timeout ms = %s\n' \
		"$dest" "$prefix" "$bof" "$timeout" >>"$file"
}

# total WORD FILE: the number after WORD in mxpd's last totals line ("produced",
# "delivered", "buffered", "lost", "full" (buffer full), "shutdown", "rejected",
# "large" (too large), "failures", "reconnects", "reads")
total() {
	awk -v k="$1" '/\] totals:/ { v = ""; for (i = 1; i < NF; i++) { f = $i; gsub(/[(]/, "", f)
		if (f == k) { v = $(i + 1); gsub(/[^0-9]/, "", v); break } } } END { print v }' "$2"
}

# mxpd_start DIR COUNT [HOSTS,CHARTS,DIMS]: runs mxpd on DIR/conf in the background
# (DIR/stats, DIR/log); 50 series unless told
mxpd_start() {
	"$mxpd" -c "$1/conf" --synthetic "${3:-2,5,5}" --count "$2" --stats >"$1/stats" 2>"$1/log" &
	MXPD_PID=$!
}

# ---- the receivers' side ----

# vm_on DIR HTTP GRAPHITE: VictoriaMetrics on the given ports with its data in DIR (to
# start one where mxp expects a receiver that was not there, or to bring one back).
vm_on() {
	local t0
	VM_LOG=$1/vm.log VM_HTTP=$2 VM_GRAPHITE=$3
	t0=$EPOCHREALTIME
	victoria-metrics -storageDataPath="$1/vm" -httpListenAddr="127.0.0.1:$2" -graphiteListenAddr="127.0.0.1:$3" \
		-search.latencyOffset=0s -retentionPeriod=100y >>"$VM_LOG" 2>&1 &
	VM_PID=$!
	RECEIVERS_PIDS+=("$VM_PID")
	_receivers_wait "$VM_PID" "$VM_LOG" victoria-metrics vm_on_ready || return 1
	_receivers_say "victoria-metrics (again) on $2/$3 in $(_receivers_ms "$t0") ms"
}
vm_on_ready() {
	_receivers_listens "$VM_PID" "$VM_HTTP" "$VM_GRAPHITE" && curl -fs -o /dev/null "http://127.0.0.1:$VM_HTTP/health"
}

# vm_stop SIGNAL: stops the VictoriaMetrics of VM_PID (TERM: flushes; KILL: does not)
vm_stop() {
	kill "-$1" "$VM_PID" 2>/dev/null
	wait "$VM_PID" 2>/dev/null
}

# vm_arrived MIN [BEFORE]: "ARRIVED DUPLICATES EARLY" of every sample the
# VictoriaMetrics of VM_HTTP holds (each cell that delivers has one of its own:
# netdata_info, which remote write sends and counts, has the same labels in every
# cell), waiting until at least MIN arrived (0: once flushed, as they are). EARLY: the
# samples stamped before BEFORE (epoch seconds; default 0).
vm_arrived() {
	local json
	json=$(vm_export '{__name__=~".+"}' "$1") # short of MIN: counted as it is
	"$RECEIVERS_PYTHON" -c '
import json, sys
n = d = early = 0
before = int(sys.argv[1]) * 1000
for line in sys.stdin:
    if line.strip():
        ts = json.loads(line)["timestamps"]
        n += len(ts)
        d += len(ts) - len(set(ts))
        early += sum(1 for t in ts if t < before)
print(n, d, early)' "${2:-0}" <<<"$json"
}

# lines_arrived DIR: "ARRIVED DUPLICATES" of the complete samples a FAKE wrote down in
# DIR: fake_peer's DIR/recv.N, a file per connection (graphite lines as read; --split,
# so that two connections read at once do not interleave), or fake_rw_peer.py's
# DIR/recv (remote-write samples as it decoded them)
lines_arrived() {
	local all
	local f
	# A connection's last line may be cut (mxp sends it again whole on the next one):
	# like a line receiver, drop what follows a file's last newline, so that the cut
	# piece is not counted, even when it looks like a line (a timestamp cut short).
	all=$(for f in "$1"/recv "$1"/recv.[0-9]*; do
		[ -f "$f" ] || continue
		if [ -n "$(tail -c 1 "$f")" ]; then sed '$d' "$f"; else cat "$f"; fi
	done | grep -aE '^[^ ]+ -?[0-9][^ ]* -?[0-9]+$')
	local n unique
	n=$(grep -c . <<<"$all") unique=$(sort -u <<<"$all" | grep -c .)
	printf '%s %s\n' "$n" $((n - unique)) # duplicates: the copies beyond the first
}

# drained LOG: waits (10 s at most) until fake_peer has seen the end of every
# connection it accepted
drained() {
	local i
	for i in $(seq 200); do
		[ "$(grep -c "accepted" "$1")" -eq "$(grep -cE "closed by the client|after [0-9]+ bytes" "$1")" ] && return 0
		sleep 0.05
	done
	return 1
}

# One VictoriaMetrics for the cells that only need it up (the TLS refusals).
mkdir -p "$tmp/shared"
vm_start "$tmp/shared" || exit 1
SHARED_HTTP=$VM_HTTP SHARED_GRAPHITE=$VM_GRAPHITE SHARED_PID=$VM_PID
tls_front_start "$tmp/cert.pem" "$tmp/key.pem" "$SHARED_HTTP" || exit 1

# ---- the cells ----
# cell FAULT PROTO IO: sets up the receiver, runs mxpd through the fault, fills
# ARRIVED and DUPS (or "-" when nothing could arrive), and runs the fault's own checks.
# Every cell's directory is $tmp/FAULT-PROTO-IO.

# Average has no value for a series' first windows (it steps back two collections):
# the first metrics go out about 3 s after the start, so faults come after that.

cell_dead_at_start() { # down at start, up 6 s later: the intervals kept meanwhile arrive
	local d=$1 proto=$2 ports http graphite
	ports=$(free_port 2) || return 1
	read -r http graphite <<<"$ports"
	conf "$d/conf" "$proto" "127.0.0.1:$([ "$proto" = graphite ] && echo "$graphite" || echo "$http")" "$PREFIX" 30 1000
	mxpd_start "$d" 10
	sleep 6
	local up early
	up=$(date +%s)
	vm_on "$d" "$http" "$graphite" || return 1
	wait "$MXPD_PID"
	RC=$?
	read -r ARRIVED DUPS early <<<"$(vm_arrived "$(total delivered "$d/stats")" $((up - 1)))"
	vm_stop TERM
	check "$NAME: it said it could not connect" grep -q "cannot connect to" "$d/log"
	check "$NAME: nothing lost" test "$(total lost "$d/stats")" -eq 0
	check "$NAME: every metric arrived" test "$ARRIVED" -eq "$(total delivered "$d/stats")"
	check "$NAME: including the ones of the windows before it was up" test "${early:-0}" -gt 0
}

# SIGKILL at 6 s, never back: kept up to `buffer on failures`, the rest lost. What it
# held is read just before the kill: VictoriaMetrics writes what it took to disk every
# few seconds, so a SIGKILL loses the last ones on its side (the receiver's loss, not
# mxp's: mxp counted them delivered when a 2xx or the kernel took them).
cell_killed() {
	local d=$1 proto=$2
	vm_start "$d" || return 1
	local http=$VM_HTTP graphite=$VM_GRAPHITE
	conf "$d/conf" "$proto" "127.0.0.1:$([ "$proto" = graphite ] && echo "$graphite" || echo "$http")" "$PREFIX" 2 1000
	mxpd_start "$d" 11
	sleep 6
	read -r ARRIVED DUPS _ <<<"$(vm_arrived 0)"
	vm_stop KILL
	wait "$MXPD_PID"
	RC=$?
	local lost=$(($(total full "$d/stats") + $(total shutdown "$d/stats")))
	check "$NAME: some intervals dropped with the buffer full" test "$(total full "$d/stats")" -gt 0
	check "$NAME: lost = buffer full + shutdown" test "$(total lost "$d/stats")" -eq "$lost"
	check "$NAME: failures counted" test "$(total failures "$d/stats")" -ge 1
	check "$NAME: what arrived was delivered" test "$ARRIVED" -le "$(total delivered "$d/stats")"
	check "$NAME: something arrived before the kill" test "$ARRIVED" -gt 0
}

cell_restarted() { # SIGTERM at 5 s, back on the same ports 2 s later: nothing lost
	local d=$1 proto=$2
	vm_start "$d" || return 1
	local http=$VM_HTTP graphite=$VM_GRAPHITE
	conf "$d/conf" "$proto" "127.0.0.1:$([ "$proto" = graphite ] && echo "$graphite" || echo "$http")" "$PREFIX" 30 1000
	mxpd_start "$d" 10
	sleep 5
	vm_stop TERM
	sleep 2
	vm_on "$d" "$http" "$graphite" || return 1
	wait "$MXPD_PID"
	RC=$?
	local want=$(total delivered "$d/stats")
	[ "$proto" = graphite ] && want=0
	read -r ARRIVED DUPS _ <<<"$(vm_arrived "$want")"
	vm_stop TERM
	check "$NAME: nothing lost" test "$(total lost "$d/stats")" -eq 0
	check "$NAME: a failure and a reconnect counted" \
		test "$(total failures "$d/stats")" -ge 1 -a "$(total reconnects "$d/stats")" -ge 2
	if [ "$proto" = graphite ]; then
		check "$NAME: what arrived was delivered" test "$ARRIVED" -le "$(total delivered "$d/stats")"
	else
		check "$NAME: every metric arrived" test "$ARRIVED" -eq "$(total delivered "$d/stats")"
	fi
}

# graphite: the first connection reset after 3000 bytes. rw: the second request reset
# (a keep-alive connection that ends under a request: sent again at once, no failure)
# and the third, the first on its new connection (a failure: sent again after backoff).
cell_reset() {
	local d=$1 proto=$2
	if [ "$proto" = graphite ]; then
		fake_peer_start "$fake_peer" reset --bytes 3000 --resets 1 --split --out "$d/recv" || return 1
		conf "$d/conf" graphite "127.0.0.1:$FAKE_PEER_PORT" "$PREFIX" 30 1000
	else
		fake_rw_start "ok,reset@1000,reset" "$d/recv" || return 1
		conf "$d/conf" rw "127.0.0.1:$FAKE_RW_PORT" "$PREFIX" 30 1000
	fi
	mxpd_start "$d" 7
	wait "$MXPD_PID"
	RC=$?
	read -r ARRIVED DUPS <<<"$(lines_arrived "$d")"
	check "$NAME: nothing lost" test "$(total lost "$d/stats")" -eq 0
	check "$NAME: the reset is logged" grep -qiE "peer: .*(reset|Broken pipe|closed)" "$d/log"
	if [ "$proto" = graphite ]; then
		check "$NAME: a failure and a reconnect counted" \
			test "$(total failures "$d/stats")" -ge 1 -a "$(total reconnects "$d/stats")" -ge 2
	else
		check "$NAME: one failure (the fresh connection's) and two reconnects counted" \
			test "$(total failures "$d/stats")" -eq 1 -a "$(total reconnects "$d/stats")" -ge 3
		check "$NAME: the request under the keep-alive close went again" \
			grep -q "closed the keep-alive connection; sending the request again" "$d/log"
	fi
	if [ "$proto" = graphite ]; then
		check "$NAME: what arrived was delivered" test "$ARRIVED" -le "$(total delivered "$d/stats")"
	else
		check "$NAME: every metric arrived" test "$ARRIVED" -eq "$(total delivered "$d/stats")"
	fi
}

# stall D PROTO BOF STALL_MS COUNT [TIMEOUT_MS [SERIES]]: a zero window from the
# start for STALL_MS (the peer does not read; `timeout ms` 60000 keeps the connection
# unless told), then it reads again. graphite: 20,000 series, so that the intervals
# outgrow the sockets' buffers (50 series would all fit in them and never wait);
# remote write sends one request at a time and waits for its answer, so 50 do.
stall() {
	local d=$1 proto=$2 bof=$3 ms=$4 count=$5 timeout=${6:-60000} series=${7:-}
	if [ "$proto" = graphite ]; then
		fake_peer_start "$fake_peer" stall --split --out "$d/recv" || return 1
		conf "$d/conf" graphite "127.0.0.1:$FAKE_PEER_PORT" "$PREFIX" "$bof" "$timeout"
		mxpd_start "$d" "$count" 20,50,20
		sleep "$(awk -v ms="$ms" 'BEGIN { print ms / 1000 }')" # STALL_MS: a number here
		kill -USR1 "$FAKE_PEER_PID"
	else
		fake_rw_start "stall:$ms" "$d/recv" --rcvbuf 4096 || return 1
		conf "$d/conf" rw "127.0.0.1:$FAKE_RW_PORT" "$PREFIX" "$bof" "$timeout"
		mxpd_start "$d" "$count" $series
	fi
	wait "$MXPD_PID"
	RC=$?
	# every connection read to its end (mxp closed them all when it exited; one given
	# up during the stall was closed long before the last)
	[ "$proto" = graphite ] && drained "$FAKE_PEER_LOG"
	read -r ARRIVED DUPS <<<"$(lines_arrived "$d")"
	check "$NAME: every metric delivered arrived" test $((ARRIVED - DUPS)) -eq "$(total delivered "$d/stats")"
}

cell_stall_short() { # stalled 4 s, `buffer on failures` 10: nothing lost
	stall "$1" "$2" 10 4000 8
	check "$NAME: nothing lost" test "$(total lost "$1/stats")" -eq 0
}

cell_stall_long() { # stalled 9 s, `buffer on failures` 2: the oldest intervals dropped
	stall "$1" "$2" 2 9000 12
	check "$NAME: intervals dropped with the buffer full" test "$(total full "$1/stats")" -gt 0
	check "$NAME: lost = buffer full" test "$(total lost "$1/stats")" -eq "$(total full "$1/stats")"
	check "$NAME: the drop is logged" grep -q "dropped the oldest interval" "$1/log"
}

# A zero window longer than `timeout ms`: the connection fails, mxp connects again (the
# seed's SO_SNDTIMEO did the same) and sends the rest there. 20,000 series. graphite:
# stalled from the start for 7 s, `timeout ms` 500. Remote write: stalled for 5 s at its
# first request of 100 kB or more, `timeout ms` 2000 (fake_rw_peer.py takes a few
# hundred ms to decode such a request on a busy machine, which must not pass for a
# stall). HTTP is at-least-once: when the stalled peer held the whole request, it
# stores it late and also gets it again on the new connection — one request's samples
# (`max samples per send`, 10,000) may arrive twice, which the matrix shows.
cell_stall_past_timeout() {
	local timeout=500
	if [ "$2" = graphite ]; then
		stall "$1" "$2" 30 7000 9 $timeout
	else
		timeout=2000 DUPS_ALLOWED=10000
		stall "$1" "$2" 30 5000@100000 9 $timeout 20,50,20
	fi
	check "$NAME: nothing lost" test "$(total lost "$1/stats")" -eq 0
	check "$NAME: a failure and a reconnect counted" \
		test "$(total failures "$1/stats")" -ge 1 -a "$(total reconnects "$1/stats")" -ge 2
	check "$NAME: logged" grep -qE "(took no data for|did not answer within) $timeout ms \('timeout ms'\); reconnecting" "$1/log"
}

cell_garbage() { # answers that are not what the protocol answers
	local d=$1 proto=$2
	if [ "$proto" = graphite ]; then
		fake_peer_start "$fake_peer" garbage --split --out "$d/recv" || return 1
		conf "$d/conf" graphite "127.0.0.1:$FAKE_PEER_PORT" "$PREFIX" 30 1000
	else
		fake_rw_start "garbage@1000,garbage" "$d/recv" || return 1
		conf "$d/conf" rw "127.0.0.1:$FAKE_RW_PORT" "$PREFIX" 30 1000
	fi
	mxpd_start "$d" 7
	wait "$MXPD_PID"
	RC=$?
	read -r ARRIVED DUPS <<<"$(lines_arrived "$d")"
	check "$NAME: nothing lost" test "$(total lost "$d/stats")" -eq 0
	check "$NAME: every metric arrived" test "$ARRIVED" -eq "$(total delivered "$d/stats")"
	if [ "$proto" = graphite ]; then
		check "$NAME: answers read and discarded, logged once" \
			test "$(grep -c "ignored (a line protocol has no answers)" "$d/log")" -eq 1
		check "$NAME: no failure" test "$(total failures "$d/stats")" -eq 0
	else
		check "$NAME: each garbage answer a failure, retried" test "$(total failures "$d/stats")" -ge 2
	fi
}

# http D SCRIPT COUNT: remote write to fake_rw_peer.py answering SCRIPT
http() {
	fake_rw_start "$2" "$1/recv" || return 1
	conf "$1/conf" rw "127.0.0.1:$FAKE_RW_PORT" "$PREFIX" 30 1000
	mxpd_start "$1" "$3"
	wait "$MXPD_PID"
	RC=$?
	read -r ARRIVED DUPS <<<"$(lines_arrived "$1")"
	check "$NAME: every metric delivered arrived" test "$ARRIVED" -eq "$(total delivered "$1/stats")"
}

# A request of 1000 bytes or more refused (the first ones hold little: the windows
# average cannot fill yet): its metrics lost as rejected, the rest delivered.
cell_http_400() {
	http "$1" "400@1000" 8 || return 1
	check "$NAME: lost, as rejected" test "$(total rejected "$1/stats")" -ge 20 -a \
		"$(total lost "$1/stats")" -eq "$(total rejected "$1/stats")"
	check "$NAME: the refusal is logged with its answer" grep -q "fake_rw_peer says 400" "$1/log"
}

cell_http_500() { # two 500s at the first request with data: retried, nothing lost
	http "$1" "500@1000,500" 8 || return 1
	check "$NAME: nothing lost" test "$(total lost "$1/stats")" -eq 0
	check "$NAME: both counted as failures" test "$(total failures "$1/stats")" -ge 2
}

cell_http_429() { # 429 with Retry-After: 2 at the first request with data: retried after it
	http "$1" "429:2@1000" 8 || return 1
	check "$NAME: nothing lost" test "$(total lost "$1/stats")" -eq 0
	check "$NAME: counted as a failure" test "$(total failures "$1/stats")" -ge 1
	check "$NAME: sent again after Retry-After's 2 s" \
		grep -q "answered 429 Too Many Requests to [0-9]* metrics; sending them again in 2000 ms (Retry-After)" "$1/log"
}

# refused D DEST TLS COUNT REGEX: a receiver mxp must never send to; everything lost,
# kept up to `buffer on failures` (2), the rest at shutdown; REGEX: the logged reason
refused() {
	conf "$1/conf" rw "$2" "$PREFIX" 2 1000 "$3"
	mxpd_start "$1" "$4"
	wait "$MXPD_PID"
	RC=$?
	ARRIVED=- DUPS=-
	[ "$3" = https ] && read -r ARRIVED DUPS _ <<<"$(VM_HTTP=$SHARED_HTTP vm_arrived 0)"
	check "$NAME: nothing delivered" test "$(total delivered "$1/stats")" -eq 0
	check "$NAME: lost = buffer full + shutdown" test "$(total lost "$1/stats")" -eq \
		$(($(total full "$1/stats") + $(total shutdown "$1/stats")))
	check "$NAME: the reason is logged" grep -qiE "$5" "$1/log"
	[ "$ARRIVED" = - ] || check "$NAME: nothing arrived (no plain-text fallback)" test "$ARRIVED" -eq 0
}

cell_tls_handshake() { # https to a plain HTTP port: the handshake fails
	refused "$1" "127.0.0.1:$SHARED_HTTP" https 5 "handshake failed"
}

cell_tls_untrusted() { # https to a certificate nobody told mxp to trust
	refused "$1" "127.0.0.1:$TLS_FRONT_PORT" https 5 "untrusted certificate"
}

cell_unresolvable() { # a name that does not resolve (.invalid never does: RFC 2606)
	if [ "$2" = graphite ]; then
		conf "$1/conf" graphite "no-such-receiver.invalid:2003" "$PREFIX" 2 1000
		mxpd_start "$1" 5
		wait "$MXPD_PID"
		RC=$?
		ARRIVED=- DUPS=-
		check "$NAME: nothing delivered" test "$(total delivered "$1/stats")" -eq 0
		check "$NAME: the reason is logged" grep -q "cannot resolve tcp:no-such-receiver.invalid:2003" "$1/log"
	else
		refused "$1" "no-such-receiver.invalid:9090" "" 5 "cannot resolve tcp:no-such-receiver.invalid:9090"
	fi
}

# ---- the run ----
# column IO: every cell of one I/O, in order. Its matrix rows go to $tmp/rows.IO, each
# after a sort key (the cell's number, then the I/O's), and its "PASSED FAILED" to
# $tmp/result.IO. The I/Os run at once, one column each: every cell has a folder,
# ports, receivers and an mxpd of its own, so that they do not meet, and the matrix
# takes half as long.
column_run() {
	local io=$1 ion=$2 n=0 fault proto d t0 p dl b l full sd rj tl
	export MXP_IO=$io
	# the receivers a cell starts are the column's: stopped after the cell (and at
	# the column's exit); the shared ones stay the main shell's
	RECEIVERS_PIDS=() RECEIVERS_FILES=()
	trap receivers_stop_all EXIT
	for fault in $faults; do
		for proto in $protos; do
			n=$((n + 1))
			NAME="$fault $proto $io"
			case $fault:$proto in
			http_*:graphite | tls_*:graphite)
				printf '%03d%d %s %s %s n/a\n' "$n" "$ion" "$fault" "$proto" "$io" >>"$tmp/rows.$io"
				continue
				;;
			esac
			d=$tmp/$fault-$proto-$io
			mkdir -p "$d"
			PREFIX=fm$n${io:0:1} RC=1 ARRIVED=- DUPS=- DUPS_ALLOWED=
			t0=$EPOCHREALTIME
			"cell_$fault" "$d" "$proto" "$io"
			check "$NAME: the cell ran (receiver up, mxpd started)" test $? -eq 0
			receivers_stop_all
			check "$NAME: mxpd exits 0" test "$RC" -eq 0
			p=$(total produced "$d/stats") dl=$(total delivered "$d/stats") b=$(total buffered "$d/stats")
			l=$(total lost "$d/stats") full=$(total full "$d/stats") sd=$(total shutdown "$d/stats")
			rj=$(total rejected "$d/stats") tl=$(total large "$d/stats")
			check "$NAME: it produced" test "${p:-0}" -gt 0
			check "$NAME: produced = delivered + buffered + lost" test "${p:-0}" -eq $((${dl:-0} + ${b:-0} + ${l:-0}))
			check "$NAME: nothing left buffered" test "${b:-1}" -eq 0
			check "$NAME: lost = its reasons" test "${l:-0}" -eq $((${full:-0} + ${sd:-0} + ${rj:-0} + ${tl:-0}))
			[ "$DUPS" = - ] || check "$NAME: nothing arrived twice${DUPS_ALLOWED:+ (but one request)}" \
				test "$DUPS" -le "${DUPS_ALLOWED:-0}"
			printf '%03d%d %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$n" "$ion" "$fault" "$proto" "$io" "${p:--}" \
				"${dl:--}" "${b:--}" "${l:--}" "${full:--}" "${sd:--}" "${rj:--}" "${tl:--}" "$ARRIVED" "$DUPS" \
				>>"$tmp/rows.$io"
			echo "cell $NAME: $(($(_receivers_ms "$t0") / 100))00 ms"
			if [ "$fail" -gt 0 ] && [ -z "${MATRIX_REPORTED:-}" ]; then
				MATRIX_REPORTED=1 # the first failing cell's logs, once
				echo "--- $d/log:"; tail -n 20 "$d/log"; echo "--- $d/stats:"; grep totals "$d/stats"
			fi
		done
	done
	echo "$pass $fail" >"$tmp/result.$io"
}

pids=()
ion=0
for io in $ios; do
	ion=$((ion + 1))
	column_run "$io" "$ion" >"$tmp/out.$io" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
for io in $ios; do
	echo "=== $io"
	cat "$tmp/out.$io"
	read -r p f <"$tmp/result.$io" 2>/dev/null || { p=0 f=1; echo "FAIL: the $io column did not finish"; }
	pass=$((pass + p)) fail=$((fail + f))
done

echo
echo "The fault matrix (metrics; lost = full + shutdown + rejected + too large; arrived and dups (copies"
echo "beyond the first) as the receiver holds them; - where no receiver could take any)"
{
	echo "fault proto io produced delivered buffered lost full shutdown rejected large arrived dups"
	sort -k1,1 "$tmp"/rows.* | cut -d' ' -f2-
} | { column -t 2>/dev/null || cat; }
echo
summary

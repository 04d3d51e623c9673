#!/usr/bin/env bash
# The receivers' harness itself (receivers.sh): each real receiver starts on ports
# picked at run time, takes points in the protocols mxp sends, gives them back with
# exact values and timestamps through vm_export / carbon_fetch, and stops.
#   test_receivers.sh
# Exits 77 when a receiver (or curl / python3, which the harness needs) is missing.
# Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR
set -u
here=$(dirname "$0")
. "$here/check.sh"
. "$here/receivers.sh"

for tool in victoria-metrics carbon-cache whisper-fetch curl python3; do
	command -v "$tool" >/dev/null || {
		echo "skipped: $tool is not installed (apt-get install victoria-metrics graphite-carbon python3-whisper curl)"
		exit 77
	}
done

tmp=$(mktemp -d)
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

# free_port: distinct ports, each free for TCP and UDP.
read -r -a ports <<<"$(free_port 8)"
check "free_port 8 prints 8 ports" test "${#ports[@]}" -eq 8
check "and they differ" test "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" -eq 8

# Both receivers at once, as a test using both would.
check "vm_start" vm_start "$tmp"
check "carbon_start" carbon_start "$tmp"
check "VM_* are set" test -n "${VM_HTTP:-}" -a -n "${VM_GRAPHITE:-}" -a -n "${VM_TELNET:-}" -a -n "${VM_TSDBHTTP:-}" -a -n "${VM_PID:-}"
check "CARBON_* are set" test -n "${CARBON_PORT:-}" -a -n "${CARBON_PID:-}" -a -d "${CARBON_WHISPER_DIR:-}"
check "they listen on 127.0.0.1 only" bash -c "! ss -ltnH | grep -E ':($VM_HTTP|$VM_GRAPHITE|$VM_TELNET|$VM_TSDBHTTP|$CARBON_PORT) ' | grep -vq '127.0.0.1:'"

# Whole-second timestamps a little in the past (both take them; carbon's 1 s archive
# keeps an hour). Values with few digits: VictoriaMetrics keeps ~12 significant ones.
t0=$(($(date +%s) - 30))
t1=$((t0 + 1))
t2=$((t0 + 2))

# VictoriaMetrics: graphite plaintext (plain and tagged), opentsdb telnet, opentsdb HTTP.
printf 'test.vm.gauge 1.5 %s\ntest.vm.gauge 42 %s\ntest.vm.gauge 12345678.901 %s\ntest.vm.tagged;host=h1;b=2 7.125 %s\n' \
	"$t0" "$t1" "$t2" "$t0" >"/dev/tcp/127.0.0.1/$VM_GRAPHITE"
printf 'put test.vm.put %s -3.25 host=h1 k=v\n' "$t1" >"/dev/tcp/127.0.0.1/$VM_TELNET"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$VM_TSDBHTTP/api/put" \
	-d "[{\"metric\":\"test.vm.http\",\"timestamp\":$t2,\"value\":0.5,\"tags\":{\"host\":\"h2\"}}]")
check "opentsdb /api/put answers 204" test "$code" = 204

vm_export '{__name__="test.vm.gauge"}' 3 >"$tmp/vm.gauge"
check "graphite -> VM: values and ms timestamps exact" test "$(cat "$tmp/vm.gauge")" = \
	"{\"metric\":{\"__name__\":\"test.vm.gauge\"},\"values\":[1.5,42,12345678.901],\"timestamps\":[${t0}000,${t1}000,${t2}000]}"
vm_export '{__name__="test.vm.tagged"}' >"$tmp/vm.tagged"
# VM keeps labels in the order the series first came with, not sorted.
check "graphite tags -> VM labels" test "$(cat "$tmp/vm.tagged")" = \
	"{\"metric\":{\"__name__\":\"test.vm.tagged\",\"host\":\"h1\",\"b\":\"2\"},\"values\":[7.125],\"timestamps\":[${t0}000]}"
vm_export '{__name__="test.vm.put"}' >"$tmp/vm.put"
check "opentsdb telnet -> VM" test "$(cat "$tmp/vm.put")" = \
	"{\"metric\":{\"__name__\":\"test.vm.put\",\"host\":\"h1\",\"k\":\"v\"},\"values\":[-3.25],\"timestamps\":[${t1}000]}"
vm_export '{__name__="test.vm.http"}' >"$tmp/vm.http"
check "opentsdb http -> VM" test "$(cat "$tmp/vm.http")" = \
	"{\"metric\":{\"__name__\":\"test.vm.http\",\"host\":\"h2\"},\"values\":[0.5],\"timestamps\":[${t2}000]}"
vm_export '{__name__=~"test.vm.+"}' 6 >"$tmp/vm.all"
check "a '+' in MATCH reaches VM intact (4 series)" test "$(wc -l <"$tmp/vm.all")" -eq 4
RECEIVERS_READ_TIMEOUT=1 vm_export '{__name__="test.vm.none"}' >"$tmp/vm.none" 2>/dev/null
check "vm_export of nothing fails, printing nothing" test $? -eq 1 -a ! -s "$tmp/vm.none"

# carbon-cache: plain and tagged series (tags given out of order).
printf 'test.carbon.gauge 1.5 %s\ntest.carbon.gauge 42 %s\ntest.carbon.gauge 12345678.901 %s\ntest.carbon.tagged;z=1;a=2 7.125 %s\n' \
	"$t0" "$t1" "$t2" "$t0" >"/dev/tcp/127.0.0.1/$CARBON_PORT"
# Prints "START STEP V..." of whisper-fetch's JSON, Python's repr of each value.
fields() { "$RECEIVERS_PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["start"], d["step"], *d["values"])'; }
carbon_fetch test.carbon.gauge $((t0 - 1)) "$t2" 3 >"$tmp/c.gauge"
check "graphite -> carbon: values and timestamps exact" test "$(fields <"$tmp/c.gauge")" = "$t0 1 1.5 42.0 12345678.901"
h=$(printf '%s' 'test.carbon.tagged;a=2;z=1' | sha256sum)
h=${h%% *}
check "carbon_tagged_path sorts the tags and hashes" test "$(carbon_tagged_path 'test.carbon.tagged;z=1;a=2')" = "_tagged/${h:0:3}/${h:3:3}/$h.wsp"
carbon_fetch 'test.carbon.tagged;z=1;a=2' $((t0 - 1)) "$t1" >"$tmp/c.tagged"
check "tagged -> carbon, where carbon_tagged_path says" test "$(fields <"$tmp/c.tagged")" = "$t0 1 7.125 None"
RECEIVERS_READ_TIMEOUT=1 carbon_fetch test.carbon.none $((t0 - 1)) "$t2" >"$tmp/c.none" 2>/dev/null
check "carbon_fetch of nothing fails" test $? -eq 1

# vm_restart: a new process on the same ports and data; what was stored before is
# still there, and it takes new points; the old process is gone and forgotten.
old_vm_pid=$VM_PID old_ports="$VM_HTTP $VM_GRAPHITE $VM_TELNET $VM_TSDBHTTP"
check "vm_restart" vm_restart
check "a new process" test "$VM_PID" != "$old_vm_pid"
check "the old one is gone" bash -c "! kill -0 $old_vm_pid 2>/dev/null"
check "on the same ports" test "$VM_HTTP $VM_GRAPHITE $VM_TELNET $VM_TSDBHTTP" = "$old_ports"
check "VM_DOWN_MS is set" test "${VM_DOWN_MS:-0}" -gt 0
check "the log says it restarted" grep -q "^=== vm_restart: .* ($old_vm_pid) stopped in" "$VM_LOG"
vm_export '{__name__="test.vm.gauge"}' 3 >"$tmp/vm.gauge2"
check "points stored before the restart are still there" cmp -s "$tmp/vm.gauge" "$tmp/vm.gauge2"
printf 'test.vm.restarted 9 %s\n' "$t2" >"/dev/tcp/127.0.0.1/$VM_GRAPHITE"
vm_export '{__name__="test.vm.restarted"}' >"$tmp/vm.restarted"
check "and it takes new ones" test "$(cat "$tmp/vm.restarted")" = \
	"{\"metric\":{\"__name__\":\"test.vm.restarted\"},\"values\":[9],\"timestamps\":[${t2}000]}"

# Stopping: every process gone, ports closed, files left for the caller.
pids="$VM_PID $CARBON_PID"
receivers_stop_all
for pid in $pids; do
	check "receiver $pid stopped" bash -c "! kill -0 $pid 2>/dev/null"
done
check "ports closed" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$VM_HTTP) 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/$CARBON_PORT) 2>/dev/null"
check "data left in place" test -d "$tmp/vm" -a -e "$CARBON_WHISPER_DIR/test/carbon/gauge.wsp"

summary

#!/usr/bin/env bash
# mxpd as a netdata parent, against a REAL child: Debian's netdata 1.37, started here
# with its own config (tests/integration/receivers.sh: netdata_start; web API and
# mxpd's stream port on free ports, stopped by PID), streams to mxpd's [stream]
# listener with an API key that netdata's own stream.conf enables. mxpd exports the
# child's system.* charts to VictoriaMetrics (graphite, data source average, every
# second; remote write for the host labels). Checked:
#   - the handshake: protocol version 4 negotiated with 1.37's capabilities, the host
#     created under the child's hostname with its labels (a [host labels] one among
#     them, on every remote-write series);
#   - values: for every second and dimension of system.cpu, system.load, system.ram and
#     system.processes that both hold, the child's /api/v1/data (read before and after
#     its restart) equals what VictoriaMetrics holds from mxp's remote write (exact
#     doubles), once mxp's value is stored as netdata stores it (compare_netdata.py);
#     system.net (incremental: the child interpolates, mxp does not) is reported;
#   - the child stopped and started again resumes its host, and its points go on;
#   - refusals, with netdata's answers, by a FAKE child (tests only the parent's
#     checks, which no real child can be made to fail on demand): a second connection
#     of a GUID that is streaming, a disabled API key, an address `allow from` does not
#     match, a key that is not a UUID; a request that is not one is dropped.
#   test_stream.sh PATH/TO/mxpd
set -u
mxpd=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
mxpd_pid=
trap '[ -n "$mxpd_pid" ] && kill -9 "$mxpd_pid" 2>/dev/null; receivers_stop_all; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

for tool in netdata victoria-metrics python3 curl; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed (tools/install-deps.sh test)"; exit 77; }
done
vm_start "$tmp/vm" || exit 1

uuid() { "$RECEIVERS_PYTHON" -c 'import uuid; print(uuid.uuid4())'; }
KEY=$(uuid) OFF_KEY=$(uuid) NARROW_KEY=$(uuid)
HOST=mxp-child-$$
PORT=$(free_port 1) || exit 1
cat >"$tmp/stream.conf" <<CONF
# netdata's stream.conf, as a parent reads it
[stream]
    enabled = no
[$KEY]
    enabled = yes
    allow from = 127.0.0.1
    default memory mode = ram
[$OFF_KEY]
    enabled = no
[$NARROW_KEY]
    enabled = yes
    allow from = 10.*
CONF
cat >"$tmp/exporting.conf" <<CONF
[exporting:global]
    enabled = yes
    update every = 1
    data source = average
    send hosts matching = $HOST
[graphite:vm]
    destination = 127.0.0.1:$VM_GRAPHITE
    send charts matching = system.*
[prometheus_remote_write:vm_rw]
    destination = 127.0.0.1:$VM_HTTP
    remote write URL path = /api/v1/write
    send charts matching = system.cpu system.load system.ram system.processes system.net
[stream]
    listen = 127.0.0.1:$PORT
    stream config = stream.conf
CONF
check "the config with [stream] checks" "$mxpd" --check -c "$tmp/exporting.conf" >"$tmp/check.out"
check "--check shows the listener" grep -q "^\[stream\] enabled" "$tmp/check.out"

log=$tmp/mxpd.log
"$mxpd" -c "$tmp/exporting.conf" >"$tmp/mxpd.out" 2>"$log" &
mxpd_pid=$!
for _ in $(seq 1 100); do grep -q "\[stream\] listening" "$log" && break; sleep 0.05; done
check "mxpd listens for children" grep -q "\[stream\] listening on 127.0.0.1:$PORT (port $PORT) .* (2 enabled)" "$log"

netdata_start "$tmp/child" "$HOST" "127.0.0.1:$PORT" "$KEY" "    role = mxp-stream-test" || exit 1

# points_of NAME: how many points VictoriaMetrics holds for that graphite series
points_of() {
	curl -fsS -o /dev/null "http://127.0.0.1:$VM_HTTP/internal/force_flush"
	curl -fsS "http://127.0.0.1:$VM_HTTP/api/v1/export" --data-urlencode "match[]={__name__=\"$1\"}" |
		grep -oE '"timestamps":\[[^]]*' | tr ',' '\n' | grep -c '[0-9]'
}
wait_points() {
	local name=$1 want=$2
	for _ in $(seq 1 120); do
		[ "$(points_of "$name")" -ge "$want" ] && return 0
		sleep 0.5
	done
	return 1
}
check "the child's system.cpu arrives" wait_points "netdata.$HOST.system.cpu.user" 20

check "version 4 negotiated with netdata 1.37's capabilities" \
	grep -q "stream $HOST (127.0.0.1): connected (netdata/v1.37.1, guid .*, update every 1 s, ver 16376): protocol version 4" "$log"
check "its host is created with its labels" grep -qE "stream $HOST \(127.0.0.1\): host '$HOST' created with [1-9][0-9]* labels" "$log"
GUID=$(grep -oE "stream $HOST .*connected .*guid [0-9a-f-]{36}" "$log" | head -1 | grep -oE '[0-9a-f-]{36}$')
check "the child's GUID is logged" [ -n "$GUID" ]

vm_export "{__name__=~\"netdata_system_load.*\",instance=\"$HOST\"}" 3 >"$tmp/rw-load.json"
check "remote write carries the child's [host labels]" grep -q '"role":"mxp-stream-test"' "$tmp/rw-load.json"
check "and its automatic labels" grep -q '"_os_name":' "$tmp/rw-load.json"

# refusals, by a FAKE child: send a request, print the parent's answer
fake_child() {
	"$RECEIVERS_PYTHON" - "$PORT" "$1" "$2" <<'PY'
import socket, sys
port, key, guid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
if key == "GARBAGE":
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
else:
    s.sendall(f"STREAM key={key}&hostname=fake-child&registry_hostname=fake-child&machine_guid={guid}"
              f"&update_every=1&os=linux&timezone=UTC&tags=&ver=16376 HTTP/1.1\r\n"
              f"User-Agent: fake-child/1\r\nAccept: */*\r\n\r\n".encode())
answer = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        answer += b
        if answer.startswith(b"Hit me"):
            break
except socket.timeout:
    pass
print(answer.decode(errors="replace"))
PY
}
OTHER_GUID=$(uuid)
check "a second connection of a streaming GUID is refused" \
	[ "$(fake_child "$KEY" "$GUID")" = "This GUID is already streaming to this server" ]
check "a disabled key is refused" \
	[ "$(fake_child "$OFF_KEY" "$OTHER_GUID")" = "You are not permitted to access this. Check the logs for more info." ]
check "an address allow from does not match is refused" \
	[ "$(fake_child "$NARROW_KEY" "$OTHER_GUID")" = "You are not permitted to access this. Check the logs for more info." ]
check "a key that is not a UUID is refused" \
	[ "$(fake_child "not-a-uuid" "$OTHER_GUID")" = "You are not permitted to access this. Check the logs for more info." ]
check "a request that is not a child's gets no answer" [ -z "$(fake_child GARBAGE x)" ]
sleep 0.3
check "the log says why: disabled key" grep -q "refused: the API key is not enabled: no \[$OFF_KEY\] with enabled = yes" "$log"
check "the log says why: allow from" grep -q "refused: 127.0.0.1 is not in \[$NARROW_KEY\] allow from = 10.\*" "$log"
check "the log says why: streaming already" grep -q "fake-child ($GUID) refused: this GUID is streaming already" "$log"
check "the log says why: not a request" grep -q "stream from 127.0.0.1: not a child's request: not a STREAM request" "$log"
check "the valid key with a new GUID is answered" \
	[ "$(fake_child "$KEY" "$OTHER_GUID")" = "Hit me baby, push them over with the version=4" ]

# the child's own view, before it stops (its database is in memory)
snapshot_child() {
	local ch
	for ch in system.cpu system.load system.ram system.processes system.net; do
		curl -fsS "http://127.0.0.1:$NETDATA_WEB/api/v1/data?chart=$ch&after=-600&before=0&points=600&group=average&format=json&options=seconds,flip,unaligned" >"$tmp/nd$1-$ch.json"
	done
}
sleep 2 # the last exports of what the snapshot holds
snapshot_child 1

# the child stops and starts again: the same GUID resumes its host
netdata_stop
for _ in $(seq 1 100); do grep -q "stream $HOST (127.0.0.1): disconnected" "$log" && break; sleep 0.1; done
check "the child's end is logged" grep -q "stream $HOST (127.0.0.1): disconnected after .* s (closed the connection): [1-9][0-9]* lines" "$log"
restart=$(date +%s)
before=$(points_of "netdata.$HOST.system.cpu.user")
netdata_start "$tmp/child" "$HOST" "127.0.0.1:$PORT" "$KEY" "    role = mxp-stream-test" || exit 1
check "its points go on after it reconnects" wait_points "netdata.$HOST.system.cpu.user" $((before + 10))
check "it resumes its host" grep -q "stream $HOST (127.0.0.1): connected .*: protocol version 4, resuming its host" "$log"
check "one host, not two" [ "$(grep -c "host '$HOST' created" "$log")" -eq 1 ]

# the values: the child's API against what VictoriaMetrics got from mxp
sleep 2
snapshot_child 2
curl -fsS -o /dev/null "http://127.0.0.1:$VM_HTTP/internal/force_flush"
for ch in system.cpu system.load system.ram system.processes system.net; do
	curl -fsS "http://127.0.0.1:$VM_HTTP/api/v1/export" --data-urlencode "match[]={chart=\"$ch\",instance=\"$HOST\"}" >"$tmp/vm-$ch.json"
done
# system.load is collected every 5 s: fewer points
MIN_POINTS=30 "$RECEIVERS_PYTHON" "$here/compare_netdata.py" "$tmp" system.cpu system.load:3 system.ram system.processes \
	'~system.net' >"$tmp/compare.out" 2>&1
check "the child's values arrived exactly (system.cpu, .load, .ram, .processes)" test $? -eq 0
cat "$tmp/compare.out"
after_restart=$("$RECEIVERS_PYTHON" -c "
import json,sys
n=0
for line in open('$tmp/vm-system.cpu.json'):
    n += sum(1 for t in json.loads(line)['timestamps'] if t // 1000 > $restart)
print(n)")
check "points after the restart are among those compared ($after_restart)" [ "$after_restart" -gt 0 ]

netdata_stop
kill -TERM "$mxpd_pid"
wait "$mxpd_pid"
rc=$?
mxpd_pid=
check "mxpd stopped cleanly (rc $rc)" [ "$rc" -eq 0 ]
check "nothing malformed in the child's stream" bash -c "! grep -E 'stream $HOST .*: line [0-9]+:' '$log'"
[ "$fail" -eq 0 ] || { echo "--- mxpd log"; tail -40 "$log"; echo "--- netdata log"; tail -20 "$NETDATA_LOG"; }
summary

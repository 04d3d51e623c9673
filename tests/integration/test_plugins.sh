#!/usr/bin/env bash
# mxpd's external plugins ([plugin:NAME], netdata's plugins.d protocol) against a REAL
# receiver: known_plugin.py writes known values (big, negative, ordinary) into two
# charts, logging when it wrote each update; mxpd runs it, starts it again when it exits
# (1 s, then 2 s later), stops after it says DISABLE, and exports every update as
# collected to VictoriaMetrics, in graphite lines and in remote write. Read back from
# VictoriaMetrics, each series must hold exactly the plugin's values, each at the second
# it was written (remote write: its millisecond timestamp within that second), nothing
# else; an update may arrive twice only where the seed's ">= after" sends it again (no
# newer update in the next second). The plugin's malformed lines are counted and logged once per kind, never fatal.
#   test_plugins.sh PATH/TO/mxpd
set -u
mxpd=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
mxpd_pid=
trap '[ -n "$mxpd_pid" ] && kill -9 "$mxpd_pid" 2>/dev/null; receivers_stop_all; rm -rf "$tmp"' EXIT

for tool in victoria-metrics python3 curl; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed (tools/install-deps.sh test)"; exit 77; }
done
vm_start "$tmp/vm" || exit 1

TOTAL=10 PER_RUN=4
cat >"$tmp/exporting.conf" <<CONF
[exporting:global]
    enabled = yes
    hostname = plugin-test
    data source = as collected
    update every = 1
    send charts matching = known.*
[graphite:vm]
    destination = 127.0.0.1:$VM_GRAPHITE
[prometheus_remote_write:vm_rw]
    destination = 127.0.0.1:$VM_HTTP
    remote write URL path = /api/v1/write
[plugin:known]
    command = python3 $here/known_plugin.py
    update every = 1
[plugin:off]
    command = /bin/false
    enabled = no
[plugin:missing]
    command = $tmp/no/such/plugin
[plugin:stubborn]
    command = sh -c 'trap "" TERM; while :; do sleep 0.2; done'
CONF
check "the config with plugins checks" "$mxpd" --check -c "$tmp/exporting.conf" >"$tmp/check.out"
check "--check lists the plugin" grep -q "^\[plugin:known\] enabled" "$tmp/check.out"

: >"$tmp/state"
KNOWN_STATE=$tmp/state KNOWN_RUN_UPDATES=$PER_RUN KNOWN_TOTAL=$TOTAL \
	"$mxpd" -c "$tmp/exporting.conf" >"$tmp/mxpd.out" 2>"$tmp/mxpd.log" &
mxpd_pid=$!
# 10 updates, 1 + 2 s of backoff between the three runs: ~15 s; the last export a
# second later
for _ in $(seq 1 400); do
	[ "$(wc -l <"$tmp/state")" -ge "$TOTAL" ] && break
	kill -0 "$mxpd_pid" 2>/dev/null || break
	sleep 0.1
done
sleep 2.5
t0=$EPOCHREALTIME
kill -TERM "$mxpd_pid"
wait "$mxpd_pid"
rc=$?
mxpd_pid=
stop_ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
check "mxpd stopped cleanly (rc $rc)" [ "$rc" -eq 0 ]
# the stubborn plugin ignores SIGTERM: killed 2 s later, and mxpd still exits
check "a plugin that ignores SIGTERM is killed" grep -q "plugin stubborn: still running 2000 ms after SIGTERM: SIGKILL" "$tmp/mxpd.log"
check "and the stop takes 2 s, not forever (${stop_ms} ms)" [ "$stop_ms" -lt 6000 ]
check "no plugin process is left" bash -c "! pgrep -f '[k]nown_plugin[.]py|[w]hile :; do sleep 0[.]2' >/dev/null"
check "a command that is not there is retried with a backoff" \
	grep -q "plugin missing: exited with status 127 after .* s; starting it again in 1 s" "$tmp/mxpd.log"
check "the plugin wrote all $TOTAL updates" [ "$(wc -l <"$tmp/state")" -eq "$TOTAL" ]

log=$tmp/mxpd.log
check "started once by name" [ "$(grep -c "plugin known: started 'python3 .*known_plugin.py 1'" "$log")" -eq 1 ]
check "started again after 1 s" grep -q "plugin known: exited with status 0 after .* s; starting it again in 1 s" "$log"
check "then after 2 s" grep -q "plugin known: exited with status 0 after .* s; starting it again in 2 s" "$log"
check "DISABLE is obeyed" grep -q "plugin known: said DISABLE after .*: not started again" "$log"
check "an unknown command logged once in three runs" [ "$(grep -c "plugin known: line .*: unknown command: BOGUS" "$log")" -eq 1 ]
check "a SET outside an update logged once" [ "$(grep -c "plugin known: line .*: out of order: SET d0 12abc" "$log")" -eq 1 ]
check "the stop says what was read" grep -q "plugin known: stopped; 3 starts, .* 2 charts, 6 dims, 20 updates, 60 values, 6 malformed (it disabled itself)" "$log"
check "the disabled plugin never ran" bash -c "! grep -q 'plugin off' '$log'"

vm_export '{__name__=~"netdata[.]plugin-test[.]known[.].*"}' $((TOTAL * 6)) >"$tmp/graphite.json"
vm_export '{chart=~"known[.].*",instance="plugin-test"}' $((TOTAL * 6)) >"$tmp/rw.json"

python3 - "$tmp/state" "$tmp/graphite.json" "$tmp/rw.json" >"$tmp/compare.out" 2>&1 <<'PY'
import json, sys

state, graphite, rw = sys.argv[1:4]
written = {}
for line in open(state):
    k, t = line.split()
    written[int(k)] = float(t)

def value(c, d, k):
    if c == 0 and d == 1:
        return 2**52 + k
    v = (c * 10 + d + 1) * 1_000_000_000 + k
    return -v if d == 2 else v

names = {0: "c0", 1: "one"}   # known.c1 is named "one": send names instead of ids
problems = 0
def expect(kind, got, key, ts_ok):
    global problems
    series = got.get(key)
    if series is None:
        print(f"{kind}: no series {key}"); problems += 1; return
    c, d = key[1], key[2]
    want = {k: value(c, d, k) for k in written}
    pairs = sorted(zip(series["timestamps"], series["values"]))
    # as collected keeps the seed's ">= after" (docs/COMPAT.md): an export whose window
    # starts in the second of the last update sends that update again when no newer one
    # came in between; whether it happens depends on where in the second the exports
    # fall (the monotonic clock) against the plugin's x.3 s. So a point may arrive
    # twice, the same time and value, but only where the plugin wrote nothing in the
    # next second (its restarts, its end), and never three times
    seconds = {int(t) for t in written.values()}
    counts = {}
    for p in pairs:
        counts[p] = counts.get(p, 0) + 1
    for (ts, v), n in counts.items():
        ks = [k for k in written if ts_ok(ts, written[k])]
        gap = len(ks) == 1 and int(written[ks[0]]) + 1 not in seconds
        if n > 2 or (n == 2 and not gap):
            print(f"{kind} {key}: point ({ts}, {v}) arrived {n} times"); problems += 1
    if len(counts) != len(want):
        print(f"{kind} {key}: {len(counts)} distinct points, want {len(want)}: {pairs}"); problems += 1
    by_k = {}
    for ts, v in pairs:
        ks = [k for k in written if ts_ok(ts, written[k])]
        if len(ks) != 1:
            print(f"{kind} {key}: point at {ts} matches updates {ks}"); problems += 1; continue
        by_k[ks[0]] = v
    for k, v in want.items():
        if by_k.get(k) != float(v):
            print(f"{kind} {key}: update {k}: got {by_k.get(k)!r}, want {v}"); problems += 1

g = {}
for line in open(graphite):
    s = json.loads(line)
    parts = s["metric"]["__name__"].split(".")   # netdata.plugin-test.known.CHART.DIM
    c = {"c0": 0, "one": 1}.get(parts[3]); d = int(parts[4][1:])
    g[("g", c, d)] = s
for c in (0, 1):
    for d in range(3):
        expect("graphite", g, ("g", c, d), lambda ts, t: ts == int(t) * 1000)
r = {}
for line in open(rw):
    s = json.loads(line)
    m = s["metric"]
    c = {"known.c0": 0, "known.one": 1}.get(m["chart"]); d = int(m["dimension"][1:])
    r[("r", c, d)] = s
for c in (0, 1):
    for d in range(3):
        expect("remote write", r, ("r", c, d), lambda ts, t: ts // 1000 == int(t))
print(f"{len(g)} graphite and {len(r)} remote write series, {len(written)} updates each: {problems} problems")
sys.exit(1 if problems or len(g) != 6 or len(r) != 6 else 0)
PY
check "every value arrived exactly, at its time (graphite and remote write)" test $? -eq 0
cat "$tmp/compare.out"
[ "$fail" -eq 0 ] || { echo "--- mxpd log"; cat "$log"; }
summary

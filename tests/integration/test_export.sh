#!/usr/bin/env bash
# The engine against REAL receivers (../shared/RECEIVERS.md): export_known exports a
# store of known values, once, through seven instances at once (one config, one
# exporter, one sender; the five averages share one walk) and writes what each had to
# send (the seed-like baseline's lines for the same window: the oracle). This script reads every receiver back and
# compares values and timestamps exactly:
#   - VictoriaMetrics: graphite average and sum, opentsdb telnet as collected and average,
#     graphite average over udp;
#   - carbon-cache: graphite average with host tags as graphite tags (whisper-fetch);
#   - json lines to a TCP listener (fake_peer sink: a plain listener that keeps what it
#     reads), every line parsed back by Python's json module.
# It runs once per sender I/O: io_uring, then epoll.
#   test_export.sh PATH/TO/export_known PATH/TO/fake_peer
set -u
export_known=$1
fake_peer=$2
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

for tool in victoria-metrics carbon-cache whisper-fetch curl; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed (tools/install-deps.sh test)"; exit 77; }
done

vm_start "$tmp" || exit 1
carbon_start "$tmp" || exit 1

# compare.py KIND EXPECTED ACTUAL: every expected record has exactly one match in
# ACTUAL with the same value and timestamp, and ACTUAL has nothing else.
cat >"$tmp/compare.py" <<'EOF'
import json, sys

kind, expected_path, actual_path = sys.argv[1:4]
exp = [l for l in open(expected_path).read().split('\n') if l]
want = {}
for line in exp:
    if kind == 'graphite':
        name, value, ts = line.split(' ')
        parts = name.split(';')
        labels = dict(p.split('=', 1) for p in parts[1:])
        key = (parts[0], tuple(sorted(labels.items())))
    elif kind == 'opentsdb':
        f = line.split(' ')
        assert f[0] == 'put', line
        name, ts, value = f[1], f[2], f[3]
        labels = dict(p.split('=', 1) for p in f[4:])
        key = (name, tuple(sorted(labels.items())))
    assert key not in want, 'duplicate expected series %r' % (key,)
    want[key] = (float(value), int(ts) * 1000)

got = {}
for line in open(actual_path):
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    m = dict(o['metric'])
    name = m.pop('__name__')
    key = (name, tuple(sorted(m.items())))
    got[key] = list(zip(o['values'], o['timestamps']))

bad = 0
for key, (v, t) in sorted(want.items()):
    pts = got.pop(key, None)
    if pts != [(v, t)]:
        print('series %r: want %r at %d, got %r' % (key, v, t, pts))
        bad += 1
for key, pts in sorted(got.items()):
    print('unexpected series %r: %r' % (key, pts))
    bad += 1
print('%d series compared, %d wrong' % (len(want), bad))
sys.exit(1 if bad else 0)
EOF

cat >"$tmp/compare_json.py" <<'EOF'
import json, sys
from collections import Counter
exp = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
key = lambda o: json.dumps(o, sort_keys=True)
e, g = Counter(map(key, exp)), Counter(map(key, got))
if e != g:
    print('missing:', list((e - g).elements())[:3], 'extra:', list((g - e).elements())[:3])
    sys.exit(1)
print('%d json lines parsed and equal' % len(got))
EOF

for io in io_uring epoll; do
	out=$tmp/$io
	mkdir -p "$out"
	sinkfile=$tmp/json-$io.lines
	fake_peer_start "$fake_peer" sink --out "$sinkfile" || exit 1
	# prefixes per I/O so the second run's series are new ones
	p=${io%%_*}
	cat >"$out/exporting.conf" <<EOF
[exporting:global]
    enabled = yes
    hostname = known-local
[graphite:vm_average]
    enabled = yes
    destination = 127.0.0.1:$VM_GRAPHITE
    data source = average
    prefix = ga$p
[graphite:vm_sum]
    enabled = yes
    destination = 127.0.0.1:$VM_GRAPHITE
    data source = sum
    prefix = gs$p
[opentsdb:vm_raw]
    enabled = yes
    destination = 127.0.0.1:$VM_TELNET
    data source = as collected
    prefix = oc$p
[opentsdb:vm_avg_tsdb]
    enabled = yes
    destination = 127.0.0.1:$VM_TELNET
    data source = average
    prefix = oa$p
[graphite:carbon]
    enabled = yes
    destination = 127.0.0.1:$CARBON_PORT
    data source = average
    prefix = cb$p
[json:lines]
    enabled = yes
    destination = 127.0.0.1:$FAKE_PEER_PORT
    data source = average
    prefix = js$p
[graphite:vm_udp]
    enabled = yes
    destination = udp:127.0.0.1:$VM_GRAPHITE
    data source = average
    prefix = gu$p
EOF
	MXP_IO=$io "$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
	rc=$?
	check "$io: export_known delivered every instance's records" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || { cat "$out/result" "$out/log"; }
	check "$io: the sender ran on $io" grep -q "io $io\$" "$out/result"
	check "$io: seven instances at once" test "$(wc -l <"$out/result")" -eq 7
	check "$io: 8 records each (2 hosts x 4 series)" bash -c "[ \$(cat '$out'/*.expected | wc -l) -eq 56 ]"
	check "$io: graphite and opentsdb averages share one walk (with carbon, json and udp)" \
		grep -q "\[opentsdb:vm_avg_tsdb\] exporting average as opentsdb every 10 s (walk 1 of 3, shared by 5;" "$out/log"

	# VictoriaMetrics: the three data sources
	for i in 0 1 2 3 6; do
		name=$(cat "$out/$i.name")
		case $name in opentsdb:*) kind=opentsdb ;; *) kind=graphite ;; esac
		prefix=$(awk '{ print ($1 == "put") ? $2 : $1 }' "$out/$i.expected" | head -1 | cut -d. -f1)
		vm_export "{__name__=~\"$prefix[.].*\"}" "$(wc -l <"$out/$i.expected")" >"$out/$i.vm" ||
			echo "vm_export failed for $name"
		"$RECEIVERS_PYTHON" "$tmp/compare.py" "$kind" "$out/$i.expected" "$out/$i.vm" >"$out/$i.cmp" 2>&1
		rc=$?
		check "$io: [$name] VictoriaMetrics holds every value and timestamp exactly" test "$rc" -eq 0
		[ "$rc" -eq 0 ] || cat "$out/$i.cmp"
	done

	# carbon: each expected series, plain or tagged, read back with whisper-fetch
	bad=0
	n=0
	while read -r name value ts; do
		n=$((n + 1))
		carbon_fetch "$name" $((ts - 1)) "$ts" >"$out/c.json" || { bad=$((bad + 1)); continue; }
		got=$("$RECEIVERS_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(repr(d["values"][-1]))' "$out/c.json")
		want=$("$RECEIVERS_PYTHON" -c 'import sys; print(repr(float(sys.argv[1])))' "$value")
		if [ "$got" != "$want" ]; then
			echo "carbon $name at $ts: want $want, got $got"
			bad=$((bad + 1))
		fi
	done <"$out/4.expected"
	check "$io: carbon-cache holds all $n series exactly (tagged ones included)" test "$bad" -eq 0 -a "$n" -eq 8
	check "$io: the child's series went as graphite tags" grep -q ';env=test ' "$out/4.expected"

	# json lines: the listener got exactly the expected lines, each one valid JSON
	kill "$FAKE_PEER_PID" && wait "$FAKE_PEER_PID" 2>/dev/null
	"$RECEIVERS_PYTHON" "$tmp/compare_json.py" "$out/5.expected" "$sinkfile" >"$out/json.cmp" 2>&1
	rc=$?
	check "$io: json lines parse and equal the oracle's" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || cat "$out/json.cmp"
done

summary

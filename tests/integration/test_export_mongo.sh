#!/usr/bin/env bash
# MongoDB against a REAL MongoDB-wire server (CongoDB, ../shared/RECEIVERS.md; libmongoc
# is mxp's client): export_known exports a store of known values through the engine
# (its documents sent by libmongoc's insert_many on the sender's worker thread) and
# writes the json lines each instance stands for (the baseline's oracle); the
# collection is read back and every document compared with its line exactly: fields,
# value, the timestamp as a BSON date, an ObjectId _id.
#   - on io_uring and on epoll (the worker is the same; the sender loop differs);
#   - `timeseries collection = yes`: created first where the server can, inserts go on;
#   - a server stalled (SIGSTOP) past the socket timeout, then resumed: the batch goes
#     again and no document is stored twice (their _id are mxp's);
#   - a server that is not there: nothing delivered, retried, counted lost at the stop;
#   - the same batch sent twice (mongo_resend: as after a failure that left part of it
#     inserted): delivered both times, stored once.
#   test_export_mongo.sh PATH/TO/export_known PATH/TO/mongo_resend
set -u
export_known=$1
mongo_resend=$2
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
trap 'receivers_stop_all; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

receivers_have_node || { echo "skip: node and npm are needed for CongoDB (tools/install-deps.sh test)"; exit 77; }

# compare EXPECTED DOCS: the documents equal the oracle's json lines, one each
compare() {
	"$RECEIVERS_PYTHON" - "$1" "$2" <<'EOF'
import json, sys
from collections import Counter

def plain(v):
    """canonical Extended JSON -> a Python value, numbers as they were sent"""
    if isinstance(v, dict):
        if '$numberLong' in v or '$numberInt' in v:
            return int(v.get('$numberLong', v.get('$numberInt')))
        if '$numberDouble' in v:
            return float(v['$numberDouble'])
        if '$date' in v:
            return ('date', int(v['$date']['$numberLong']))
        if '$oid' in v:
            return ('oid', v['$oid'])
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v

want = Counter()
for line in open(sys.argv[1]):
    if line.strip():
        o = json.loads(line)
        o['timestamp'] = ('date', o['timestamp'] * 1000)
        o['value'] = float(o['value'])
        want[json.dumps(o, sort_keys=True)] += 1
got, bad = Counter(), 0
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    o = plain(json.loads(line))
    if not (isinstance(o.get('_id'), tuple) and o['_id'][0] == 'oid'):
        bad += 1
    o.pop('_id', None)
    o['value'] = float(o['value'])
    got[json.dumps(o, sort_keys=True)] += 1
missing, extra = want - got, got - want
print('%d documents expected, %d stored, %d missing, %d extra, %d without an ObjectId _id'
      % (sum(want.values()), sum(got.values()), sum(missing.values()), sum(extra.values()), bad))
for l in list(missing.elements())[:2]:
    print('  missing: %.200s' % l)
for l in list(extra.elements())[:2]:
    print('  extra: %.200s' % l)
sys.exit(1 if missing or extra or bad else 0)
EOF
}

conf() { # URI COLLECTION
	printf '[exporting:global]\n    enabled = yes\n    hostname = known-local\n[mongodb:m]\n    enabled = yes\n'
	printf '    destination = %s\n    database = mxp\n    collection = %s\n    data source = as collected\n' "$1" "$2"
	printf '    retry backoff min ms = 50\n    retry backoff max ms = 200\n'
}

mongo_start "$tmp/mongo" || exit 1

for io in io_uring epoll; do
	out=$tmp/$io
	mkdir -p "$out"
	conf "$MONGO_URI" "$io" >"$out/exporting.conf"
	MXP_IO=$io "$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
	rc=$?
	check "$io: export_known delivered every document" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || { cat "$out/result"; tail -n 10 "$out/log"; }
	mongo_find mxp "$io" "$out/docs" "$(wc -l <"$out/0.expected")" || echo "mongo_find $io failed"
	compare "$out/0.expected" "$out/docs" >"$out/cmp"
	rc=$?
	check "$io: the collection holds every document exactly ($(head -1 "$out/cmp"))" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || cat "$out/cmp"
done

# ---- `timeseries collection = yes`: the collection is created as time series first;
# a server that cannot (CongoDB may not) is logged once and the inserts go on ----
out=$tmp/ts
mkdir -p "$out"
conf "$MONGO_URI" ts | sed 's/^    collection = ts$/&\n    timeseries collection = yes/' >"$out/exporting.conf"
"$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
rc=$?
check "timeseries: delivered" test "$rc" -eq 0
mongo_find mxp ts "$out/docs" "$(wc -l <"$out/0.expected")" || echo "mongo_find ts failed"
compare "$out/0.expected" "$out/docs" >"$out/cmp"
rc=$?
check "timeseries: every document exactly ($(head -1 "$out/cmp"); $(grep -c 'time-series' "$out/log") log lines on it)" \
	test "$rc" -eq 0

# ---- a server stalled past the socket timeout (1 s: update every 1), then resumed ----
out=$tmp/stall
mkdir -p "$out"
conf "$MONGO_URI/?sockettimeoutms=1000&connecttimeoutms=500&serverselectiontimeoutms=1000" stall |
	sed 's/^    data source = as collected$/&\n    update every = 1/' >"$out/exporting.conf"
kill -STOP "$MONGO_PID"
"$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log" &
pid=$!
sleep 2.5
kill -CONT "$MONGO_PID"
wait "$pid"
rc=$?
check "stall: every document delivered once the server is back" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { cat "$out/result"; tail -n 10 "$out/log"; }
failures=$(sed -n 's/.* failures \([0-9]*\) .*/\1/p' "$out/result")
check "stall: the batch was sent again after a failure ($failures)" test "${failures:-0}" -ge 1
mongo_find mxp stall "$out/docs" "$(wc -l <"$out/0.expected")" || echo "mongo_find stall failed"
compare "$out/0.expected" "$out/docs" >"$out/cmp"
rc=$?
check "stall: every document stored once ($(head -1 "$out/cmp"))" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$out/cmp"

# ---- nobody there ----
out=$tmp/down
mkdir -p "$out"
port=$(free_port 1)
conf "mongodb://127.0.0.1:$port/?serverselectiontimeoutms=300&connecttimeoutms=300" down >"$out/exporting.conf"
EXPORT_KNOWN_WAIT_MS=1500 "$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
check "down: produced, none delivered" grep -Eq " produced [1-9][0-9]* delivered 0 " "$out/result"
failures=$(sed -n 's/.* failures \([0-9]*\) .*/\1/p' "$out/result")
check "down: retried ($failures failures)" test "${failures:-0}" -ge 2
check "down: the reason is in the log" grep -q "did not take .* metrics (No suitable servers found" "$out/log"

# ---- the same batch twice ----
"$mongo_resend" "$MONGO_URI" mxp resend >"$tmp/resend.out" 2>&1
rc=$?
check "resend: both sends delivered all ($(tr '\n' ';' <"$tmp/resend.out"))" test "$rc" -eq 0
mongo_find mxp resend "$tmp/resend.docs" 3 || echo "mongo_find resend failed"
check "resend: stored once ($(wc -l <"$tmp/resend.docs") documents)" test "$(wc -l <"$tmp/resend.docs")" -eq 3

summary

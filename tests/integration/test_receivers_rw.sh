#!/usr/bin/env bash
# The remote-write harness itself: prom_start / prom_query_range (receivers.sh),
# rw_push.py (a remote-write request built with the standard library) and
# compare_rw.py (exact comparison), on real receivers: Prometheus plain and over TLS,
# VictoriaMetrics. compare_rw.py must pass on what comes back and fail on a wrong
# expectation. Also pins the answers of Prometheus 2.42 that mxp's remote write
# relies on or must cope with (out of order, garbage, labels it takes or refuses).
#   test_receivers_rw.sh
# Exits 77 when prometheus, victoria-metrics, openssl, curl or python3 is missing.
# Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR
set -u
here=$(dirname "$0")
. "$here/check.sh"
. "$here/receivers.sh"

for tool in prometheus victoria-metrics openssl curl "$RECEIVERS_PYTHON"; do
	command -v "$tool" >/dev/null || {
		echo "skipped: $tool is not installed (apt-get install prometheus victoria-metrics openssl curl python3)"
		exit 77
	}
done

tmp=$(mktemp -d)
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

# compare EXPECTED ACTUAL FORMAT [WANT]: compare_rw.py, its output kept in $tmp/compare.out
# and shown when it exits otherwise than WANT (default 0).
compare() {
	local want=${4:-0} rc
	"$RECEIVERS_PYTHON" "$here/compare_rw.py" "$1" "$2" "$3" >"$tmp/compare.out" 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] && return 0
	echo "compare_rw.py $* exited $rc, not $want:"
	cat "$tmp/compare.out"
	return 1
}

# compare_says LINE: the first line compare() printed is LINE.
compare_says() {
	[ "$(head -n 1 "$tmp/compare.out")" = "$1" ] && return 0
	echo "compare_rw.py said: $(head -n 1 "$tmp/compare.out"), not: $1"
	return 1
}

# push ANSWER URL [RW_PUSH OPTIONS] < SAMPLES: rw_push.py printed ANSWER ("204", or
# "400 out of order sample", ...).
push() {
	local want=$1 got
	shift
	got=$("$RECEIVERS_PYTHON" "$here/rw_push.py" "$@" 2>&1)
	[ "$got" = "$want" ] && return 0
	echo "rw_push.py $*: got '$got', not '$want'"
	return 1
}

# post_garbage ANSWER URL [CURL OPTIONS]: a body that is not snappy, answered
# "STATUS BODY" (the body on one line) that matches the pattern ANSWER.
post_garbage() {
	local want=$1 url=$2 got
	shift 2
	got=$(curl -sS -o "$tmp/garbage.body" -w '%{http_code}' "$@" -H 'Content-Encoding: snappy' \
		-H 'Content-Type: application/x-protobuf' --data-binary 'this is not snappy' "$url" 2>&1)
	got="$got $(tr -s '\n' ' ' <"$tmp/garbage.body" | sed 's/ $//')"
	# shellcheck disable=SC2053 # ANSWER may be a pattern
	[[ $got == $want ]] && return 0
	echo "garbage to $url: got '$got', not '$want'"
	return 1
}

# gen KIND PREFIX SERIES SAMPLES [PAD]: prints SERIES x SAMPLES sample lines (the
# format of rw_push.py and compare_rw.py's EXPECTED) with ms timestamps from 30 s ago,
# increasing per series, labels written unsorted. KIND prom: values that need float64
# exactness (and -0, 5e-324, 2^53+1); vm: short decimals, which VictoriaMetrics keeps.
# PAD: length of an extra label value, to make requests large.
gen() {
	"$RECEIVERS_PYTHON" - "$@" <<'EOF'
import json, sys, time
kind, prefix, nseries, nsamples = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pad = int(sys.argv[5]) if len(sys.argv) > 5 else 0
values = {
    'prom': [3.141592653589793, 0.1, -2.5, 1e-300, 5e-324, 1.7976931348623157e308,
             float(2**53 + 1), 12345678.901234567, -0.0, 42.0, 2.0 / 3],
    'vm': [1.5, 42.0, 7.125, 12345678.901, -3.25, 0.5],
}[kind]
t0 = int(time.time() * 1000) - 30000
for i in range(nseries):
    labels = {'zone': f'z{i % 7}', '__name__': f'{prefix}{i % 3}', 'host': f'h{i}'}
    if pad:
        labels['chart'] = 'c' * pad
    for j in range(nsamples):
        print(json.dumps({'labels': labels, 'value': values[(i * nsamples + j) % len(values)],
                          'timestamp_ms': t0 + j * 997 + i % 13}))
EOF
}

# mutate IN OUT HOW: a wrong expectation from IN. value: the first value one ulp off;
# ts: the first timestamp 1 ms later; drop: the first line gone; series: a series more.
mutate() {
	"$RECEIVERS_PYTHON" - "$@" <<'EOF'
import json, math, sys
src, dst, how = sys.argv[1:]
lines = [json.loads(l) for l in open(src)]
first = lines[0]
if how == 'value':
    first['value'] = math.nextafter(first['value'], math.inf)
elif how == 'ts':
    first['timestamp_ms'] += 1
elif how == 'drop':
    lines.pop(0)
elif how == 'series':
    lines.append(dict(first, labels=dict(first['labels'], extra='1')))
with open(dst, 'w') as f:
    f.writelines(json.dumps(l) + '\n' for l in lines)
EOF
}

now_ms() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }

# A self-signed certificate for 127.0.0.1 (RECEIVERS.md).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.log" || {
	cat "$tmp/openssl.log"
	exit 1
}

# --- Prometheus, plain HTTP ---------------------------------------------------------
check "prom_start" prom_start "$tmp/prom"
check "PROM_* are set for http" test -n "${PROM_PORT:-}" -a -n "${PROM_PID:-}" -a "${PROM_SCHEME:-}" = http \
	-a -z "${PROM_CA-x}" -a "${PROM_URL:-}" = "http://127.0.0.1:${PROM_PORT:-}"
check "it listens on 127.0.0.1 only" bash -c "! ss -ltnH | grep -E ':$PROM_PORT ' | grep -vq '127.0.0.1:'"
check "its TSDB and log are under DIR" test -d "$tmp/prom/prom/wal" -a -s "$PROM_LOG" -a "$PROM_LOG" = "$tmp/prom/prom.log"
prom_pid=$PROM_PID

# The same kind of request with every form of snappy literal length: a 1-byte tag
# (--literal 1 and 60), a tag and 1 length byte (61), 2 bytes (300, and 65536 the
# default), 3 bytes (70000). Each request is ~90 KB; each prefix its own series.
: >"$tmp/lit.all"
for lit in 1 60 61 300 65536 70000; do
	gen prom "rwlit${lit}_" 200 10 200 >"$tmp/lit.$lit"
	check "remote write (snappy literals of $lit bytes) -> 204, empty body" \
		push 204 "$PROM_URL/api/v1/write" --literal "$lit" --body-out "$tmp/body.$lit" <"$tmp/lit.$lit"
	cat "$tmp/lit.$lit" >>"$tmp/lit.all"
done
check "the requests were larger than 70000 bytes" test "$(stat -c %s "$tmp/body.70000")" -gt 70010
check "prom_query_range waits for all 12000 samples" prom_query_range '{__name__=~"rwlit.*"}' "$tmp/prom.lit" 12000
check "compare_rw.py prom: exact" compare "$tmp/lit.all" "$tmp/prom.lit" prom
check "  1200 series, 12000 samples, 0 wrong" compare_says "1200 series, 12000 samples compared, 0 wrong"

# A wrong expectation fails, with the right count.
mutate "$tmp/lit.all" "$tmp/wrong" value
check "a value 1 ulp off fails" compare "$tmp/wrong" "$tmp/prom.lit" prom 1
check "  as 1 wrong" compare_says "1200 series, 12000 samples compared, 1 wrong"
mutate "$tmp/lit.all" "$tmp/wrong" ts
check "a timestamp 1 ms off fails" compare "$tmp/wrong" "$tmp/prom.lit" prom 1
check "  as 2 wrong (one missing, one extra)" compare_says "1200 series, 12001 samples compared, 2 wrong"
mutate "$tmp/lit.all" "$tmp/wrong" drop
check "a sample more than expected fails" compare "$tmp/wrong" "$tmp/prom.lit" prom 1
mutate "$tmp/lit.all" "$tmp/wrong" series
check "a series that never came fails" compare "$tmp/wrong" "$tmp/prom.lit" prom 1
check "  naming it" grep -q '^  missing series rwlit1_0{.*,extra="1",' "$tmp/compare.out"
check "unreadable ACTUAL: exit 2" compare "$tmp/lit.all" "$tmp/openssl.log" prom 2

# Special values go through too (mxp should not send them, the harness must not choke).
t=$(now_ms)
printf '{"labels":{"__name__":"rwspecial"},"value":"%s","timestamp_ms":%s}\n' \
	NaN $((t - 4000)) +Inf $((t - 3000)) -Inf $((t - 2000)) -0 $((t - 1000)) >"$tmp/special"
check "NaN, +Inf, -Inf, -0 -> 204" push 204 "$PROM_URL/api/v1/write" <"$tmp/special"
prom_query_range rwspecial "$tmp/prom.special" 4
check "and compare equal" compare "$tmp/special" "$tmp/prom.special" prom

# What mxp relies on: an older sample for an existing series is refused with 400 (not
# retried), so is garbage; a request with one such sample is refused whole.
t=$(now_ms)
printf '{"labels":{"__name__":"rwooo"},"value":1,"timestamp_ms":%s}\n' "$t" >"$tmp/ooo.new"
printf '{"labels":{"__name__":"rwooo"},"value":2,"timestamp_ms":%s}\n' $((t - 1000)) >"$tmp/ooo.old"
check "a fresh series -> 204" push 204 "$PROM_URL/api/v1/write" <"$tmp/ooo.new"
check "an older sample for it -> 400 out of order sample" push "400 out of order sample" "$PROM_URL/api/v1/write" <"$tmp/ooo.old"
printf '{"labels":{"__name__":"rwooo_other"},"value":3,"timestamp_ms":%s}\n' "$t" | cat - "$tmp/ooo.old" >"$tmp/ooo.mixed"
check "a good series + that sample in one request -> 400" push "400 out of order sample" "$PROM_URL/api/v1/write" <"$tmp/ooo.mixed"
check "garbage -> 400 snappy: corrupt input" post_garbage "400 snappy: corrupt input" "$PROM_URL/api/v1/write"
check "a sample with the same timestamp and value again -> 204" push 204 "$PROM_URL/api/v1/write" <"$tmp/ooo.new"
sed 's/"value":1/"value":5/' "$tmp/ooo.new" >"$tmp/ooo.dup"
check "another value at the same timestamp -> 400 duplicate sample for timestamp" \
	push "400 duplicate sample for timestamp" "$PROM_URL/api/v1/write" <"$tmp/ooo.dup"
# Within one request, a series' samples out of order: 204, and the older one is dropped
# silently (the check is against what is committed; the commit drops it).
printf '{"labels":{"__name__":"rwooo_inside"},"value":%s,"timestamp_ms":%s}\n' 1 "$t" 2 $((t - 1000)) >"$tmp/ooo.inside"
check "samples out of order inside one request -> 204" push 204 "$PROM_URL/api/v1/write" <"$tmp/ooo.inside"
prom_query_range '{__name__=~"rwooo.*"}' "$tmp/prom.ooo" 2
head -n 1 "$tmp/ooo.inside" | cat "$tmp/ooo.new" - >"$tmp/ooo.kept"
check "  only rwooo and the newer rwooo_inside sample are stored" compare "$tmp/ooo.kept" "$tmp/prom.ooo" prom

# Labels: what 2.42 takes and refuses (pinned, so that a change is noticed).
t=$(now_ms)
printf '{"labels":{"z":"1","__name__":"rwlab_unsorted","a":"2"},"value":1,"timestamp_ms":%s}\n' "$t" >"$tmp/lab.unsorted"
check "unsorted labels -> 204" push 204 "$PROM_URL/api/v1/write" <"$tmp/lab.unsorted"
printf '{"labels":{"__name__":"rwlab_unsorted","a":"2","z":"1"},"value":1,"timestamp_ms":%s}\n' $((t - 1)) >"$tmp/lab.sorted"
check "  sorted: the same series (an older sample is out of order)" \
	push "400 out of order sample" "$PROM_URL/api/v1/write" <"$tmp/lab.sorted"
printf '{"labels":{"__name__":"rwlab_ok"},"value":1,"timestamp_ms":%s}\n{"labels":{"__name__":"rwlab_dup","k":"1","k":"2"},"value":1,"timestamp_ms":%s}\n' "$t" "$t" >"$tmp/lab.dup"
check "a label name twice -> 500 (whole request)" \
	push '500 label name "k" is not unique: invalid sample' "$PROM_URL/api/v1/write" <"$tmp/lab.dup"
printf '{"labels":{"__name__":"rwlab_empty","k":"","j":"x"},"value":1,"timestamp_ms":%s}\n' "$t" >"$tmp/lab.empty"
check "an empty label value -> 204" push 204 "$PROM_URL/api/v1/write" <"$tmp/lab.empty"
printf '{"labels":{"__name__":"rwlab.bad-name","a-b":"v"},"value":1,"timestamp_ms":%s}\n' "$t" >"$tmp/lab.invalid"
check "invalid metric and label names -> 204" push 204 "$PROM_URL/api/v1/write" <"$tmp/lab.invalid"
prom_query_range '{__name__=~"rwlab.*"}' "$tmp/prom.lab" 3
sed 's/"k":"",//' "$tmp/lab.empty" | cat "$tmp/lab.unsorted" - "$tmp/lab.invalid" >"$tmp/lab.kept"
check "  stored: unsorted as sorted, the empty label dropped, invalid names as sent, nothing of the 500" \
	compare "$tmp/lab.kept" "$tmp/prom.lab" prom

check "GET /api/v1/write -> 405" test "$(curl -s -o /dev/null -w '%{http_code}' "$PROM_URL/api/v1/write")" = 405
RECEIVERS_READ_TIMEOUT=1 prom_query_range rwnothing "$tmp/prom.none" 2>/dev/null
check "prom_query_range of nothing fails, the empty answer in OUTFILE" test $? -eq 1 -a -s "$tmp/prom.none"
prom_query_range 'rw{' "$tmp/prom.bad" 2>/dev/null
check "prom_query_range of a bad selector fails" test $? -eq 1

# --- Prometheus over TLS ----------------------------------------------------------
check "prom_start with CERT KEY" prom_start "$tmp/prom-tls" "$tmp/cert.pem" "$tmp/key.pem"
check "PROM_* are set for https" test "${PROM_SCHEME:-}" = https -a "${PROM_CA:-}" = "$tmp/cert.pem" \
	-a "${PROM_URL:-}" = "https://127.0.0.1:${PROM_PORT:-}" -a "${PROM_PID:-}" != "$prom_pid"
gen prom rwtls_ 20 5 >"$tmp/tls"
check "remote write over TLS -> 204" push 204 "$PROM_URL/api/v1/write" --cacert "$PROM_CA" <"$tmp/tls"
check "prom_query_range over TLS" prom_query_range '{__name__=~"rwtls_.*"}' "$tmp/prom.tls" 100
check "compare_rw.py prom: exact" compare "$tmp/tls" "$tmp/prom.tls" prom
check "plain HTTP to the TLS port -> 400" post_garbage "400 Client sent an HTTP request to an HTTPS server." \
	"http://127.0.0.1:$PROM_PORT/api/v1/write"
check "an untrusted certificate: no request" bash -c '! "$@" >/dev/null 2>&1' _ \
	"$RECEIVERS_PYTHON" "$here/rw_push.py" "$PROM_URL/api/v1/write" <"$tmp/tls"

# --- VictoriaMetrics ----------------------------------------------------------------
check "vm_start" vm_start "$tmp/vm"
gen vm rwvm_ 50 6 >"$tmp/vm.exp"
check "remote write to VictoriaMetrics -> 204" push 204 "http://127.0.0.1:$VM_HTTP/api/v1/write" <"$tmp/vm.exp"
vm_export '{__name__=~"rwvm_.*"}' 300 >"$tmp/vm.got"
check "compare_rw.py vm: exact" compare "$tmp/vm.exp" "$tmp/vm.got" vm
check "  50 series, 300 samples, 0 wrong" compare_says "50 series, 300 samples compared, 0 wrong"
mutate "$tmp/vm.exp" "$tmp/wrong" value
check "a value 1 ulp off fails" compare "$tmp/wrong" "$tmp/vm.got" vm 1
mutate "$tmp/vm.exp" "$tmp/wrong" series
check "a series that never came fails" compare "$tmp/wrong" "$tmp/vm.got" vm 1
# VictoriaMetrics exports +Inf / -Inf as bare words (not JSON) and drops NaN.
grep -v NaN "$tmp/special" | sed 's/rwspecial/rwvm_special/' >"$tmp/vm.special"
check "+Inf, -Inf, -0 -> VictoriaMetrics" push 204 "http://127.0.0.1:$VM_HTTP/api/v1/write" <"$tmp/vm.special"
vm_export '{__name__="rwvm_special"}' 3 >"$tmp/vm.special.got"
check "compare_rw.py reads its bare +Inf/-Inf" compare "$tmp/vm.special" "$tmp/vm.special.got" vm
check "garbage -> 400 ... snappy: corrupt input" post_garbage "400 *: snappy: corrupt input" "http://127.0.0.1:$VM_HTTP/api/v1/write"

# --- Stopping -----------------------------------------------------------------------
pids="$prom_pid $PROM_PID $VM_PID"
t=$EPOCHREALTIME
receivers_stop_all
echo "receivers stopped in $(_receivers_ms "$t") ms"
for pid in $pids; do
	check "receiver $pid stopped" bash -c "! kill -0 $pid 2>/dev/null"
done
check "data left in DIR" test -d "$tmp/prom/prom/wal" -a -d "$tmp/prom-tls/prom/wal" -a -d "$tmp/vm"

summary

#!/usr/bin/env bash
# HTTP and TLS transports against REAL receivers (../shared/RECEIVERS.md): export_known
# exports a store of known values once through several instances and writes what each
# had to send (the seed-like baseline's records for the same window: the oracle); this
# script reads the receivers back and compares values and timestamps exactly.
#   - opentsdb:http to VictoriaMetrics' /api/put;
#   - opentsdb:https to the same through a socat TLS front (a certificate of a CA made
#     here, given as `tls ca file`);
#   - json:http and graphite:http to http_sink.py, a plain listener (no real receiver
#     takes these bodies): every body parsed, its objects / lines equal the oracle's,
#     the headers checked (path, Content-Type, Basic credentials, User-Agent).
# Then the refusals, each on io_uring: a certificate of an unknown CA, one for another
# host name, an expired one, and https to a plain-HTTP port — each refused with its
# reason in the log, nothing delivered, nothing arriving in plain text.
#   test_export_http.sh PATH/TO/export_known
set -u
export_known=$1
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

for tool in victoria-metrics curl socat openssl; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed (tools/install-deps.sh test)"; exit 77; }
done

# ---- certificates: a CA, a leaf for 127.0.0.1 (good), one for localhost only (wrong
# name), an expired one, and a self-signed one (unknown CA) ----
cert() { # NAME SAN DAYS: a key and a certificate signed by the CA
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
		-keyout "$tmp/$1.key" -out "$tmp/$1.csr" 2>/dev/null &&
		printf 'subjectAltName=%s\n' "$2" >"$tmp/$1.ext" &&
		openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -set_serial "$RANDOM" \
			-days "$3" -extfile "$tmp/$1.ext" -out "$tmp/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=mxp test CA" \
	-keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null || { echo "openssl cannot make a CA"; exit 1; }
cert good "IP:127.0.0.1" 3650 && cert wrongname "DNS:localhost" 3650 && cert expired "IP:127.0.0.1" -1 ||
	{ echo "openssl cannot make the certificates"; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/selfsigned.key" -out "$tmp/selfsigned.pem" 2>/dev/null

vm_start "$tmp" || exit 1
tls_front_start "$tmp/good.pem" "$tmp/good.key" "$VM_TSDBHTTP" || exit 1
GOOD_FRONT=$TLS_FRONT_PORT

cat >"$tmp/compare_tsdb.py" <<'EOF'
# compare_tsdb.py EXPECTED ACTUAL: the oracle's opentsdb:http objects (one per line,
# each ending in ',') against VictoriaMetrics' /api/v1/export: every series once, with
# exactly the expected value and timestamp, nothing else.
import json, sys
want = {}
for line in open(sys.argv[1]):
    line = line.strip().rstrip(',')
    if not line:
        continue
    o = json.loads(line)
    key = (o['metric'], tuple(sorted(o['tags'].items())))
    assert key not in want, key
    want[key] = (float(o['value']), int(o['timestamp']) * 1000)
got = {}
for line in open(sys.argv[2]):
    if line.strip():
        o = json.loads(line)
        m = dict(o['metric'])
        name = m.pop('__name__')
        got[(name, tuple(sorted(m.items())))] = list(zip(o['values'], o['timestamps']))
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

cat >"$tmp/compare_sink.py" <<'EOF'
# compare_sink.py KIND EXPECTED REQUESTS AUTH: the requests http_sink kept whose
# Content-Type is KIND's; their bodies together hold exactly the oracle's records.
import base64, json, sys
from collections import Counter
kind, exp_path, req_path, auth = sys.argv[1:5]
ctype = {'json': 'application/json', 'graphite': 'application/graphite'}[kind]
exp = [l.rstrip('\n') for l in open(exp_path) if l.strip()]
reqs = [json.loads(l) for l in open(req_path) if l.strip()]
reqs = [r for r in reqs if r['content_type'] == ctype]
errors = []
got = []
for r in reqs:
    if r['path'] != '/api/put':
        errors.append('path %r' % r['path'])
    if not (r['user_agent'] or '').startswith('mxp/'):
        errors.append('user agent %r' % r['user_agent'])
    want_auth = 'Basic ' + base64.b64encode(auth.encode()).decode() if auth else None
    if r['authorization'] != want_auth:
        errors.append('authorization %r, want %r' % (r['authorization'], want_auth))
    if kind == 'json':
        body = json.loads(r['body'])          # one JSON array per request
        if not isinstance(body, list) or not body:
            errors.append('body is not a non-empty array')
        got += [json.dumps(o, sort_keys=True) for o in body]
    else:
        got += [l for l in r['body'].split('\n') if l]
if kind == 'json':
    exp = [json.dumps(json.loads(l.rstrip(',')), sort_keys=True) for l in exp]
e, g = Counter(exp), Counter(got)
if e != g:
    errors.append('missing %r extra %r' % (list((e - g).elements())[:2], list((g - e).elements())[:2]))
for x in errors[:5]:
    print(x)
print('%d requests, %d records, %d expected, %d errors' % (len(reqs), len(got), len(exp), len(errors)))
sys.exit(1 if errors or not reqs else 0)
EOF

for io in io_uring epoll; do
	out=$tmp/$io
	mkdir -p "$out"
	p=${io%%_*}
	http_sink_start "$out/requests" || exit 1
	cat >"$out/exporting.conf" <<EOF
[exporting:global]
    enabled = yes
    hostname = known-local
[opentsdb:http:vm_tsdb]
    enabled = yes
    destination = 127.0.0.1:$VM_TSDBHTTP
    data source = average
    prefix = th$p
[opentsdb:https:vm_tls]
    enabled = yes
    destination = 127.0.0.1:$GOOD_FRONT
    data source = as collected
    prefix = ts$p
    tls ca file = $tmp/ca.pem
[json:http:jsink]
    enabled = yes
    destination = 127.0.0.1:$HTTP_SINK_PORT
    data source = average
    prefix = jh$p
    username = mxp
    password = s3cret:with colon
[graphite:http:gsink]
    enabled = yes
    destination = 127.0.0.1:$HTTP_SINK_PORT
    data source = sum
    prefix = gh$p
EOF
	MXP_IO=$io "$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
	rc=$?
	check "$io: export_known delivered every instance's records (2xx answers)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] && check "$io: the sender ran on $io" grep -q "io $io\$" "$out/result"
	[ "$rc" -eq 0 ] || { cat "$out/result"; tail -n 20 "$out/log"; }
	check "$io: the password is in no log line" test "$(grep -c 's3cret' "$out/log")" -eq 0
	check "$io: TLS was verified" grep -q "vm_tls: TLSv1.[23] with .*, certificate verified" "$out/log"
	for i in 0 1; do
		name=$(cat "$out/$i.name")
		prefix=$(grep -o '"metric": "[^."]*' "$out/$i.expected" | head -1 | cut -d'"' -f4)
		vm_export "{__name__=~\"$prefix[.].*\"}" "$(wc -l <"$out/$i.expected")" >"$out/$i.vm" ||
			echo "vm_export failed for $name"
		"$RECEIVERS_PYTHON" "$tmp/compare_tsdb.py" "$out/$i.expected" "$out/$i.vm" >"$out/$i.cmp" 2>&1
		rc=$?
		check "$io: [$name] VictoriaMetrics holds every value and timestamp exactly" test "$rc" -eq 0
		[ "$rc" -eq 0 ] || cat "$out/$i.cmp"
	done
	check "$io: host tags became OpenTSDB tags of their own" grep -q '"host": "known-child",  "env": "test"' "$out/0.expected"
	kill "$HTTP_SINK_PID" && wait "$HTTP_SINK_PID" 2>/dev/null
	"$RECEIVERS_PYTHON" "$tmp/compare_sink.py" json "$out/2.expected" "$out/requests" "mxp:s3cret:with colon" >"$out/2.cmp" 2>&1
	rc=$?
	check "$io: json:http bodies are JSON arrays of the oracle's objects, with Basic credentials" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || cat "$out/2.cmp"
	"$RECEIVERS_PYTHON" "$tmp/compare_sink.py" graphite "$out/3.expected" "$out/requests" "" >"$out/3.cmp" 2>&1
	rc=$?
	check "$io: graphite:http bodies hold the oracle's lines" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || cat "$out/3.cmp"
done

# ---- refusals: nothing delivered, the reason in the log, nothing in plain text ----
refused() { # NAME PORT EXPECTED-LOG-TEXT [EXTRA CONFIG LINE]
	local name=$1 port=$2 text=$3 extra=${4:-} out=$tmp/refused-$1
	mkdir -p "$out"
	cat >"$out/exporting.conf" <<EOF
[exporting:global]
    enabled = yes
    hostname = known-local
[opentsdb:https:$name]
    enabled = yes
    destination = 127.0.0.1:$port
    data source = average
    prefix = rf$name
    tls ca file = $tmp/ca.pem
    $extra
EOF
	EXPORT_KNOWN_WAIT_MS=1500 "$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
	check "$name: metrics were produced, none delivered" \
		grep -Eq " produced [1-9][0-9]* delivered 0 " "$out/result"
	check "$name: refused with its reason" grep -q "$text" "$out/log"
	[ -s "$out/result" ] || tail -n 5 "$out/log"
	grep -q "$text" "$out/log" || tail -n 5 "$out/log"
	# 1.5 s with the backoff (0.1, 0.2, 0.4, 0.8 s): at least two attempts, each a failure
	failures=$(sed -n 's/.* failures \([0-9]*\) .*/\1/p' "$out/result")
	check "$name: counted as failures, retried ($failures)" test "${failures:-0}" -ge 2
	curl -fsS "http://127.0.0.1:$VM_HTTP/internal/force_flush" >/dev/null
	out2=$(curl -fsS "http://127.0.0.1:$VM_HTTP/api/v1/export" --data-urlencode "match[]={__name__=~\"rf$name.*\"}")
	check "$name: VictoriaMetrics got nothing (no plain-text fallback)" test -z "$out2"
}
tls_front_start "$tmp/selfsigned.pem" "$tmp/selfsigned.key" "$VM_TSDBHTTP" || exit 1
refused untrusted "$TLS_FRONT_PORT" "TLS: untrusted certificate with .*self-signed"
tls_front_start "$tmp/wrongname.pem" "$tmp/wrongname.key" "$VM_TSDBHTTP" || exit 1
refused wrongname "$TLS_FRONT_PORT" "TLS: wrong host name with .*certificate is for 'localhost', not '127.0.0.1'"
tls_front_start "$tmp/expired.pem" "$tmp/expired.key" "$VM_TSDBHTTP" || exit 1
refused expired "$TLS_FRONT_PORT" "TLS: certificate out of its validity with .*expired"
refused plainport "$VM_TSDBHTTP" "TLS handshake failed with .*not a TLS server"
# the same self-signed front, verification off: delivered, with the warning
tls_front_start "$tmp/selfsigned.pem" "$tmp/selfsigned.key" "$VM_TSDBHTTP" || exit 1
out=$tmp/noverify
mkdir -p "$out"
cat >"$out/exporting.conf" <<EOF
[exporting:global]
    enabled = yes
    hostname = known-local
[opentsdb:https:noverify]
    enabled = yes
    destination = 127.0.0.1:$TLS_FRONT_PORT
    data source = average
    prefix = nv
    tls verify = no
EOF
"$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
check "tls verify = no: delivered to the self-signed front" test $? -eq 0
check "tls verify = no: warned at start" grep -q "'tls verify = no': the receiver's certificate is not checked" "$out/log"
check "tls verify = no: said so when connected" grep -q "certificate NOT verified" "$out/log"

summary

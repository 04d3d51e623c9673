#!/usr/bin/env bash
# Kinesis against a REAL Kinesis API (kinesalite, ../shared/RECEIVERS.md): export_known
# exports a store of known values through the engine to kinesis instances and writes the
# json lines each had to send (the baseline's oracle); the stream is read back with
# GetRecords and its records' lines compared exactly with the oracle.
#   - plain HTTP, credentials in the config, on io_uring and on epoll;
#   - TLS (kinesalite with a certificate made here, given as `tls ca file`), credentials
#     from the environment (AWS_ACCESS_KEY_ID, ...), a session token;
#   - long lines (a host's tags of ~400 KB): requests of several records, each of whole
#     lines within 1 MiB;
#   - through kinesis_fault_proxy.py, a FAKE fault injector in front of kinesalite (it
#     never fails a record nor throttles): a throttling 400, a 500, and two PutRecords
#     whose odd records fail; every line arrives exactly once, the counters add up;
#   - a missing stream: refused (400 ResourceNotFoundException), counted lost.
#   test_export_kinesis.sh PATH/TO/export_known
set -u
export_known=$1
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
trap 'receivers_stop_all; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

receivers_have_node || { echo "skip: node and npm are needed for kinesalite (tools/install-deps.sh test)"; exit 77; }
for tool in curl openssl; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed"; exit 77; }
done

# compare_lines EXPECTED RECORDS: the lines of the records' data, as a multiset, equal
# the expected lines; every record's data is whole lines
compare_lines() {
	"$RECEIVERS_PYTHON" - "$1" "$2" <<'EOF'
import json, sys
from collections import Counter
want = Counter(l for l in open(sys.argv[1]).read().split('\n') if l)
got, bad = Counter(), 0
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    data = json.loads(line)['data']
    if not data.endswith('\n'):
        bad += 1
    got.update(l for l in data.split('\n') if l)
missing, extra = want - got, got - want
print('%d lines expected, %d arrived, %d missing, %d extra, %d records not ending a line'
      % (sum(want.values()), sum(got.values()), sum(missing.values()), sum(extra.values()), bad))
for l in list(missing.elements())[:2]:
    print('  missing: %.160s' % l)
for l in list(extra.elements())[:2]:
    print('  extra: %.160s' % l)
sys.exit(1 if missing or extra or bad else 0)
EOF
}

# export NAME CONF OUT [ENV...]: export_known with the config; its result in OUT/result
export_to() {
	local conf=$1 out=$2
	shift 2
	mkdir -p "$out"
	env "$@" "$export_known" "$conf" "$out" >"$out/result" 2>"$out/log"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null ||
	{ echo "openssl cannot make a certificate"; exit 1; }

mkdir -p "$tmp/plain" "$tmp/tls"
kinesalite_start "$tmp/plain" || exit 1
PLAIN_URL=$KINESIS_URL
kinesalite_start "$tmp/tls" "$tmp/cert.pem" "$tmp/key.pem" || exit 1
TLS_URL=$KINESIS_URL TLS_PORT=$KINESIS_PORT
KINESIS_URL=$PLAIN_URL

conf() { # STREAM ENDPOINT [EXTRA LINES]
	printf '[exporting:global]\n    enabled = yes\n    hostname = known-local\n[kinesis:k]\n    enabled = yes\n'
	printf '    destination = eu-west-1\n    endpoint = %s\n    stream name = %s\n    data source = average\n' "$2" "$1"
	printf '    retry backoff min ms = 20\n    retry backoff max ms = 200\n%b' "${3:-}"
}

# ---- plain, both I/Os ----
for io in io_uring epoll; do
	kinesis_create_stream "plain-$io" 2 >/dev/null || exit 1
	conf "plain-$io" "$PLAIN_URL" "    aws_access_key_id = AKIDEXAMPLE\n    aws_secret_access_key = s3cretKey\n" \
		>"$tmp/$io.conf"
	export_to "$tmp/$io.conf" "$tmp/$io" MXP_IO=$io
	rc=$?
	check "$io: export_known delivered every metric (200 answers)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || { cat "$tmp/$io/result"; tail -n 10 "$tmp/$io/log"; }
	check "$io: the secret is in no log line" test "$(grep -c s3cretKey "$tmp/$io/log")" -eq 0
	kinesis_read_stream "plain-$io" "$tmp/$io/records" 1 || echo "reading plain-$io failed"
	compare_lines "$tmp/$io/0.expected" "$tmp/$io/records" >"$tmp/$io/cmp"
	rc=$?
	check "$io: the stream holds every line exactly once ($(head -1 "$tmp/$io/cmp"))" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || cat "$tmp/$io/cmp"
	check "$io: partition keys are the seed's" grep -q '"partition_key": *"netdata_0"' "$tmp/$io/records"
done

# ---- TLS, credentials and a session token from the environment ----
KINESIS_URL=$TLS_URL KINESIS_CA=$tmp/cert.pem kinesis_create_stream tls >/dev/null || exit 1
conf tls "https://127.0.0.1:$TLS_PORT" "    tls ca file = $tmp/cert.pem\n" >"$tmp/tls.conf"
export_to "$tmp/tls.conf" "$tmp/tls" AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=envSecret AWS_SESSION_TOKEN=tok
rc=$?
check "tls: delivered with the environment's credentials" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { cat "$tmp/tls/result"; tail -n 10 "$tmp/tls/log"; }
check "tls: the certificate was verified" grep -q "kinesis:k: TLSv1.[23] with .*, certificate verified" "$tmp/tls/log"
KINESIS_URL=$TLS_URL KINESIS_CA=$tmp/cert.pem kinesis_read_stream tls "$tmp/tls/records" 1 || echo "reading tls failed"
compare_lines "$tmp/tls/0.expected" "$tmp/tls/records" >"$tmp/tls/cmp"
rc=$?
check "tls: the stream holds every line exactly once ($(head -1 "$tmp/tls/cmp"))" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$tmp/tls/cmp"

# ---- long lines: several records per request, behind the fault proxy ----
kinesis_create_stream faults 4 >/dev/null || exit 1
portfile=$tmp/proxy.port
"$RECEIVERS_PYTHON" "$here/kinesis_fault_proxy.py" "$portfile" "$PLAIN_URL" "t5pp" "$tmp/proxy.log" \
	2>"$tmp/proxy.err" &
RECEIVERS_PIDS+=("$!")
for _ in $(seq 200); do [ -s "$portfile" ] && break; sleep 0.02; done
read -r PROXY_PORT <"$portfile"
"$RECEIVERS_PYTHON" -c "print('big=' + 'x' * 400000)" >"$tmp/long-tags"
# one formatter: the child's four long lines (1.6 MB) in one body, two records
conf faults "http://127.0.0.1:$PROXY_PORT" "    aws_access_key_id = AKID\n    aws_secret_access_key = s\n" |
	sed 's/^\[exporting:global\]$/&\n    formatter threads = 1/' >"$tmp/faults.conf"
export_to "$tmp/faults.conf" "$tmp/faults" "EXPORT_KNOWN_CHILD_TAGS_FILE=$tmp/long-tags"
rc=$?
check "faults: every metric delivered in the end" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { cat "$tmp/faults/result"; tail -n 10 "$tmp/faults/log"; }
check "faults: requests of several records (long lines)" \
	"$RECEIVERS_PYTHON" -c "import json,sys; sys.exit(0 if any(json.loads(l)['records'] > 1 for l in open('$tmp/proxy.log')) else 1)"
check "faults: the throttling 400 was sent again" grep -q "ProvisionedThroughputExceededException: Rate exceeded for stream faults" "$tmp/faults/log"
# the request after a partial failure holds exactly the records that failed (the odd
# ones; the only one)
check "faults: failed records were sent again, alone" "$RECEIVERS_PYTHON" -c "
import json, sys
log = [json.loads(l) for l in open('$tmp/proxy.log')]
ok = any(a['do'] == 'p' for a in log)
for a, b in zip(log, log[1:]):
    if a['do'] == 'p':
        ok = ok and b['records'] == (a['records'] // 2 if a['records'] > 1 else 1)
sys.exit(0 if ok else 1)"
failures=$(sed -n 's/.* failures \([0-9]*\) .*/\1/p' "$tmp/faults/result")
check "faults: four failures counted (400, 500, two partial) ($failures)" test "${failures:-0}" -ge 4
kinesis_read_stream faults "$tmp/faults/records" 1 || echo "reading faults failed"
compare_lines "$tmp/faults/0.expected" "$tmp/faults/records" >"$tmp/faults/cmp"
rc=$?
check "faults: every line in the stream exactly once ($(head -1 "$tmp/faults/cmp"))" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$tmp/faults/cmp"
check "faults: records hold whole lines within 1 MiB" "$RECEIVERS_PYTHON" -c "
import json, sys
ok = all(len(json.loads(l)['data'].encode()) + len(json.loads(l)['partition_key']) <= 1048576 for l in open('$tmp/faults/records'))
sys.exit(0 if ok else 1)"

# ---- a stream that does not exist: refused, lost ----
conf nosuch "$PLAIN_URL" "    aws_access_key_id = AKID\n    aws_secret_access_key = s\n" >"$tmp/nosuch.conf"
export_to "$tmp/nosuch.conf" "$tmp/nosuch" EXPORT_KNOWN_WAIT_MS=3000
check "no stream: produced, none delivered, all lost" grep -Eq " produced ([1-9][0-9]*) delivered 0 lost \1 " "$tmp/nosuch/result"
check "no stream: refused with Kinesis' reason" grep -q "ResourceNotFoundException" "$tmp/nosuch/log"

summary

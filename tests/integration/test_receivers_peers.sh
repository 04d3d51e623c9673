#!/usr/bin/env bash
# The npm-packaged peers' harness itself (receivers.sh): kinesalite_start, kinesis_call,
# kinesis_create_stream, kinesis_read_stream on kinesalite 3.3.3, plain and over TLS;
# mongo_start, mongo_insert, mongo_find on CongoDB (smartmongo 2.2.0). What is put in
# must come back exactly. Also pins what these peers answer where mxp's Kinesis and
# MongoDB exporters will meet limits (501 records, a record over 1 MiB, a request past
# kinesalite's 7 MiB) and what CongoDB keeps of each BSON type (int64, date, double).
#   test_receivers_peers.sh
# The first run on a machine installs the peers from npm into the cache that
# receivers.sh names (~45 MB, 5-10 s). Exits 77 when node, npm, openssl, curl or
# python3 is missing. Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2016 # ok '...' runs its code with eval: $ there is for later
set -u
here=$(dirname "$0")
. "$here/check.sh"
. "$here/receivers.sh"

if ! receivers_have_node 2>/dev/null; then
	echo "skipped: $(receivers_have_node 2>&1)"
	exit 77
fi
for tool in openssl curl "$RECEIVERS_PYTHON"; do
	command -v "$tool" >/dev/null || {
		echo "skipped: $tool is not installed (apt-get install openssl curl python3)"
		exit 77
	}
done

tmp=$(mktemp -d)
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

# A self-signed certificate for 127.0.0.1, and one for another name (RECEIVERS.md).
for c in ok:127.0.0.1:IP:127.0.0.1,DNS:localhost wrong:wrong.example:DNS:wrong.example; do
	IFS=: read -r name cn san <<<"$c"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
		-subj "/CN=$cn" -addext "subjectAltName=$san" \
		-keyout "$tmp/$name.key" -out "$tmp/$name.pem" 2>"$tmp/openssl.log" || {
		cat "$tmp/openssl.log"
		exit 1
	}
done

# gen_records KIND N OUT: N records to put, one JSON line each: {"partition_key", "data"}
# with "data" as text, as kinesis_read_stream writes it. KIND mixed: JSON lines like an
# exporter's, UTF-8, quotes, newlines, an empty record, bytes that are not UTF-8 (their
# \udcXX form); plain: N records of 100 bytes over 20 keys.
gen_records() {
	"$RECEIVERS_PYTHON" - "$@" <<'EOF'
import json, sys
kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
special = ['', 'héllo wörld ✓ 𝄞', 'quote " backslash \\ tab \t\nnewline\n', '\x00\x01 control',
           b'\x00\xff\xfe\x80 not utf-8 \xc3'.decode('utf-8', 'surrogateescape')]
with open(out, 'w') as f:
    for i in range(n):
        if kind == 'plain':
            data = ('r%06d-' % i).ljust(100, 'x')
        elif i < len(special):
            data = special[i]
        else:
            data = json.dumps({'labels': {'host': 'h%d' % (i % 7), 'chart': 'system.cpu'},
                               'value': [3.141592653589793, 0.1, -2.5, 1e-300][i % 4],
                               'timestamp': 1700000000123 + i}) + '\n'
        f.write(json.dumps({'partition_key': 'key-%d' % (i % 20), 'data': data}) + '\n')
EOF
}

# put_body STREAM IN OUT [FIRST COUNT]: the PutRecords request for lines FIRST.. (from 0,
# COUNT of them, default all) of IN (gen_records), data base64-encoded.
put_body() {
	"$RECEIVERS_PYTHON" - "$@" <<'EOF'
import base64, json, sys
stream, src, out = sys.argv[1:4]
recs = [json.loads(l) for l in open(src)]
first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
count = int(sys.argv[5]) if len(sys.argv) > 5 else len(recs)
with open(out, 'w') as f:
    json.dump({'StreamName': stream, 'Records': [
        {'PartitionKey': r['partition_key'],
         'Data': base64.b64encode(r['data'].encode('utf-8', 'surrogateescape')).decode()}
        for r in recs[first:first + count]]}, f)
EOF
}

# put STREAM IN ANSWERS [BATCH]: puts every record of IN with PutRecords, BATCH (default
# 500) a request; appends each answer to ANSWERS. Fails on an error or a failed record.
put() {
	local stream=$1 in=$2 answers=$3 batch=${4:-500} n first
	n=$(wc -l <"$in")
	for ((first = 0; first < n; first += batch)); do
		put_body "$stream" "$in" "$tmp/put.body" "$first" "$batch" || return 1
		kinesis_call PutRecords "@$tmp/put.body" >>"$answers" || return 1
		grep -q '"FailedRecordCount":0,' <(tail -n 1 "$answers") || { echo "put: $(tail -c 300 "$answers")"; return 1; }
	done
}

# compare_stream IN ANSWERS GOT: GOT (kinesis_read_stream) holds exactly the records of
# IN, each with the shard and sequence number that its PutRecords answer gave, in
# sequence order per shard, shards in order; UTF-8 data as text, not \u escapes.
compare_stream() {
	"$RECEIVERS_PYTHON" - "$@" <<'EOF'
import json, sys
src, answers, got = sys.argv[1:]
recs = [json.loads(l) for l in open(src)]
placed = [r for l in open(answers) for r in json.loads(l)['Records']]
if len(placed) != len(recs):
    sys.exit('%d records put, %d answers' % (len(recs), len(placed)))
want = sorted((dict(r, shard=p['ShardId'], sequence=p['SequenceNumber']) for r, p in zip(recs, placed)),
              key=lambda r: (r['shard'], int(r['sequence'])))
lines = open(got, encoding='utf-8').read().splitlines()
have = [json.loads(l) for l in lines]
if have != want:
    print('%d records read, %d put' % (len(have), len(want)))
    for i, (h, w) in enumerate(zip(have, want)):
        if h != w:
            print('first difference at line %d:\n  read %r\n  want %r' % (i + 1, h, w))
            break
    sys.exit(1)
for line, r in zip(lines, have):
    if any('\udc80' <= c <= '\udcff' for c in r['data']):
        continue  # not UTF-8: \u escapes
    if '"data": %s,' % json.dumps(r['data'], ensure_ascii=False) not in line:
        sys.exit('UTF-8 data not written as text: ' + line)
EOF
}

# ok CODE [ARGS...]: runs the shell text CODE in this shell (it may call receivers.sh's
# functions, which a `bash -c` would not have), with ARGS as $1, $2, ...
ok() {
	local code=$1
	shift
	eval "$code"
}

# must NAME COMMAND...: check, and end here when it failed: what follows needs it.
must() {
	local failed=$fail
	check "$@"
	[ "$fail" -eq "$failed" ] && return 0
	summary
	exit 1
}

# answer WANT_RC PATTERN OPERATION JSON: kinesis_call returned WANT_RC (0 or 1) and its
# answer (in $tmp/answer) matches the extended regex PATTERN.
answer() {
	local want=$1 pattern=$2 rc
	shift 2
	kinesis_call "$@" >"$tmp/answer" 2>/dev/null
	rc=$?
	[ "$rc" -eq "$want" ] && grep -Eq -- "$pattern" "$tmp/answer" && return 0
	echo "kinesis_call $1 returned $rc (want $want): $(head -c 400 "$tmp/answer")"
	return 1
}

# --- kinesalite, plain HTTP ------------------------------------------------------------
must "kinesalite_start" kinesalite_start "$tmp/kin"
check "KINESIS_* are set for http" test -n "${KINESIS_PORT:-}" -a -n "${KINESIS_PID:-}" -a "${KINESIS_SCHEME:-}" = http \
	-a -z "${KINESIS_CA-x}" -a "${KINESIS_URL:-}" = "http://127.0.0.1:${KINESIS_PORT:-}" -a "${KINESIS_LOG:-}" = "$tmp/kin/kinesalite.log"
check "it listens on 127.0.0.1 only" ok "! ss -ltnH | grep -E ':$KINESIS_PORT ' | grep -vq '127.0.0.1:'"
kin_pid=$KINESIS_PID kin_port=$KINESIS_PORT

check "kinesis_create_stream with 4 shards" kinesis_create_stream mixed 4
check "  ACTIVE with 4 open shards" answer 0 '"StreamStatus":"ACTIVE".*"OpenShardCount":4' DescribeStreamSummary '{"StreamName": "mixed"}'
gen_records mixed 300 "$tmp/mixed"
check "PutRecords of 300 records (text, UTF-8, empty, not UTF-8) in one request: none failed" put mixed "$tmp/mixed" "$tmp/mixed.answers"
check "kinesis_read_stream of 300 records" kinesis_read_stream mixed "$tmp/mixed.got" 300
check "  read back exactly, per shard in sequence order" compare_stream "$tmp/mixed" "$tmp/mixed.answers" "$tmp/mixed.got"
check "  bytes that are not UTF-8 as \\udcXX escapes" \
	grep -qF '"partition_key": "key-4", "data": "\u0000\udcff\udcfe\udc80 not utf-8 \udcc3", "shard": ' "$tmp/mixed.got"
check "  all 4 shards hold records" test "$(grep -o '"shard": "[^"]*"' "$tmp/mixed.got" | sort -u | wc -l)" = 4
check "the stream is in DIR" test -s "$tmp/kin/kinesalite/CURRENT"

# Reading waits for records that come later (as mxpd's do), and reads past the 10000
# records that one GetRecords answers.
gen_records plain 10200 "$tmp/many"
kinesis_create_stream many 1
kinesis_read_stream many "$tmp/many.got" 10200 &
reader=$!
check "PutRecords of 10200 records, 500 a request, while kinesis_read_stream waits" put many "$tmp/many" "$tmp/many.answers"
check "  kinesis_read_stream returns once they are there" wait "$reader"
check "  read back exactly (two GetRecords pages)" compare_stream "$tmp/many" "$tmp/many.answers" "$tmp/many.got"

RECEIVERS_READ_TIMEOUT=1 kinesis_read_stream mixed "$tmp/short.got" 301 2>/dev/null
check "kinesis_read_stream of too few records fails after RECEIVERS_READ_TIMEOUT, OUT holds them" \
	test $? -eq 1 -a "$(wc -l <"$tmp/short.got")" -eq 300
t=$EPOCHREALTIME
kinesis_read_stream nosuchstream "$tmp/none.got" 2>/dev/null
check "kinesis_read_stream of a missing stream fails at once" test $? -eq 1 -a "$(_receivers_ms "$t")" -lt 2000
check "kinesis_read_stream MIN 0 of an empty stream: empty OUT" ok \
	'kinesis_create_stream empty && kinesis_read_stream empty "$1" 0 && test -e "$1" -a ! -s "$1"' "$tmp/empty.got"

# kinesis_call itself.
check "kinesis_call ListStreams" answer 0 '"StreamNames":\["empty","many","mixed"\]' ListStreams '{}'
check "an unknown operation -> 1, UnknownOperationException" answer 1 '^\{"__type":"UnknownOperationException"\}$' NoSuchOperation '{}'
check "a missing stream -> 1, ResourceNotFoundException" answer 1 'ResourceNotFoundException' DescribeStreamSummary '{"StreamName": "nosuchstream"}'
check "a body that is not JSON -> 1, SerializationException" answer 1 'SerializationException' ListStreams 'not json'
check "kinesalite wants an Authorization header: none -> 400 MissingAuthenticationTokenException" ok \
	'[ "$(curl -s -H "X-Amz-Target: Kinesis_20131202.ListStreams" -H "Content-Type: application/x-amz-json-1.1" -d "{}" "$1/")" = \
	 "{\"__type\":\"MissingAuthenticationTokenException\",\"message\":\"Missing Authentication Token\"}" ]' "$KINESIS_URL"
# deleteStreamMs 0: gone at once, and the name can be used again.
check "DeleteStream: 200, no body" ok '[ -z "$(kinesis_call DeleteStream "{\"StreamName\": \"empty\"}")" ]'
check "  the stream is gone at once" answer 1 'ResourceNotFoundException' DescribeStreamSummary '{"StreamName": "empty"}'
check "  and can be made again" kinesis_create_stream empty 2

# Limits (pinned: what mxp's Kinesis exporter meets on kinesalite 3.3.3). AWS allows
# 500 records a request, 1 MiB a record (its data and partition key together), 5 MiB a
# request; kinesalite refuses the first two whole (400, no record stored), counts
# data alone against 1 MiB, and refuses only a body over 7 MiB (413, no body): 5 MiB
# of data in one request pass.
kinesis_create_stream limits 1
big() {  # big N SIZE KEYLEN: a PutRecords body of N records of SIZE bytes, keys of KEYLEN characters
	"$RECEIVERS_PYTHON" -c '
import base64, json, sys
n, size, keylen = map(int, sys.argv[1:])
data = base64.b64encode(b"x" * size).decode()
print(json.dumps({"StreamName": "limits", "Records": [{"PartitionKey": ("k%d" % i).ljust(keylen, "k"), "Data": data} for i in range(n)]}))' "$@" >"$tmp/big.body"
}
big 501 10 10
check "501 records -> 400 ValidationException" answer 1 \
	"^\{\"__type\":\"ValidationException\",\"message\":\"1 validation error detected: Value '\[.*\]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500\"\}$" \
	PutRecords "@$tmp/big.body"
big 500 10 10
check "500 records -> 200" answer 0 '^\{"FailedRecordCount":0,' PutRecords "@$tmp/big.body"
big 1 1048577 10
check "a record of 1 MiB + 1 byte -> 400 ValidationException" answer 1 \
	"^\{\"__type\":\"ValidationException\",\"message\":\"1 validation error detected: Value 'java.nio.HeapByteBuffer\[pos=0 lim=1048577 cap=1048577\]' at 'records.1.member.data' failed to satisfy constraint: Member must have length less than or equal to 1048576\"\}$" \
	PutRecords "@$tmp/big.body"
big 1 1048576 256
check "a record of 1 MiB of data and a 256-byte key -> 200 (AWS counts the key in the 1 MiB)" \
	answer 0 '^\{"FailedRecordCount":0,' PutRecords "@$tmp/big.body"
big 1 10 257
check "a partition key of 257 characters -> 400 ValidationException" answer 1 \
	"ValidationException.*at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256" \
	PutRecords "@$tmp/big.body"
big 5 1048576 10
check "5 records of 1 MiB (a 6.7 MB body) -> 200: no 5 MiB limit" answer 0 '^\{"FailedRecordCount":0,' PutRecords "@$tmp/big.body"
big 6 1048576 10
check "6 records of 1 MiB (an 8 MB body, over 7 MiB) -> 413, empty body" \
	ok 'kinesis_call PutRecords "@$1" 2>&1 >"$2" | grep -q "kinesis_call PutRecords: 413 $" && test ! -s "$2"' "$tmp/big.body" "$tmp/answer"
check "only the 506 records of the accepted requests are stored" \
	ok 'kinesis_read_stream limits "$1" 506 && test "$(wc -l <"$1")" -eq 506' "$tmp/limits.got"

# --- kinesalite over TLS ---------------------------------------------------------------
must "kinesalite_start with CERT KEY" kinesalite_start "$tmp/kin-tls" "$tmp/ok.pem" "$tmp/ok.key"
check "KINESIS_* are set for https" test "${KINESIS_SCHEME:-}" = https -a "${KINESIS_CA:-}" = "$tmp/ok.pem" \
	-a "${KINESIS_URL:-}" = "https://127.0.0.1:${KINESIS_PORT:-}" -a "${KINESIS_PID:-}" != "$kin_pid"
check "it serves our certificate" ok \
	'openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 >"$2.served" &&
	 openssl x509 -noout -fingerprint -sha256 -in "$2" | cmp -s - "$2.served"' "$KINESIS_PORT" "$tmp/ok.pem"
check "kinesis_create_stream over TLS" kinesis_create_stream tls 2
gen_records mixed 40 "$tmp/tls"
check "PutRecords over TLS" put tls "$tmp/tls" "$tmp/tls.answers"
check "kinesis_read_stream over TLS" kinesis_read_stream tls "$tmp/tls.got" 40
check "  read back exactly" compare_stream "$tmp/tls" "$tmp/tls.answers" "$tmp/tls.got"
check "plain HTTP to the TLS port: no answer" ok '! KINESIS_URL=http://127.0.0.1:$1 KINESIS_CA= kinesis_call ListStreams "{}" 2>/dev/null' "$KINESIS_PORT"
check "without our CA: refused" ok '! KINESIS_CA= kinesis_call ListStreams "{}" 2>/dev/null'
check "kinesis_read_stream without our CA fails" ok '! KINESIS_CA= kinesis_read_stream tls "$1" 0 2>/dev/null' "$tmp/x.got"
check "kinesalite_start with a certificate for another name" kinesalite_start "$tmp/kin-wrong" "$tmp/wrong.pem" "$tmp/wrong.key"
check "  trusted, but the name is wrong: refused" ok '! kinesis_call ListStreams "{}" 2>/dev/null'
check "  curl says why" ok 'curl -sS --cacert "$1" "$2/" 2>&1 | grep -q "no alternative certificate subject name matches"' "$tmp/wrong.pem" "$KINESIS_URL"

# --- CongoDB ----------------------------------------------------------------------------
must "mongo_start" mongo_start "$tmp/mongo"
check "MONGO_* are set" test -n "${MONGO_PORT:-}" -a -n "${MONGO_PID:-}" -a "${MONGO_URI:-}" = "mongodb://127.0.0.1:${MONGO_PORT:-}" \
	-a "${MONGO_LOG:-}" = "$tmp/mongo/congodb.log" -a -d "${MONGO_PEER:-}"
check "it listens on 127.0.0.1 only" ok "! ss -ltnH | grep -E ':$MONGO_PORT ' | grep -vq '127.0.0.1:'"
check "a hello by hand: ok, writable primary, maxWireVersion 21" ok \
	'"$RECEIVERS_NODE" "$1/mongo_client.js" "$MONGO_PEER" hello 127.0.0.1 "$MONGO_PORT" | grep -q "\"ok\":1,.*\"maxWireVersion\":21,.*\"isWritablePrimary\":true"' "$here"

# Each document: k, the value sent (v, canonical Extended JSON), and what CongoDB gives
# back (pinned). It decodes with bson's default promotion and encodes JS numbers back:
# an integral value in int32 range becomes int32, any other number a double; an int64
# outside +-2^53 stays int64. Values are exact; the type is not.
cat >"$tmp/types" <<'EOF'
pi	{"$numberDouble": "3.141592653589793"}	{"$numberDouble":"3.141592653589793"}
tenth	{"$numberDouble": "0.1"}	{"$numberDouble":"0.1"}
tiny	{"$numberDouble": "5e-324"}	{"$numberDouble":"5e-324"}
small	{"$numberDouble": "1e-300"}	{"$numberDouble":"1e-300"}
max	{"$numberDouble": "1.7976931348623157e+308"}	{"$numberDouble":"1.7976931348623157e+308"}
negzero	{"$numberDouble": "-0.0"}	{"$numberDouble":"-0.0"}
d42	{"$numberDouble": "42.0"}	{"$numberInt":"42"}
d2e31	{"$numberDouble": "2147483648.0"}	{"$numberDouble":"2147483648.0"}
d2e53p2	{"$numberDouble": "9007199254740994.0"}	{"$numberDouble":"9007199254740994.0"}
nan	{"$numberDouble": "NaN"}	{"$numberDouble":"NaN"}
inf	{"$numberDouble": "-Infinity"}	{"$numberDouble":"-Infinity"}
l5	{"$numberLong": "5"}	{"$numberInt":"5"}
lneg	{"$numberLong": "-2147483649"}	{"$numberDouble":"-2147483649.0"}
lms	{"$numberLong": "1700000000123"}	{"$numberDouble":"1700000000123.0"}
l2e53	{"$numberLong": "9007199254740992"}	{"$numberDouble":"9007199254740992.0"}
l2e53p1	{"$numberLong": "9007199254740993"}	{"$numberLong":"9007199254740993"}
lmin	{"$numberLong": "-9223372036854775808"}	{"$numberLong":"-9223372036854775808"}
i7	{"$numberInt": "7"}	{"$numberInt":"7"}
date	{"$date": {"$numberLong": "1700000000123"}}	{"$date":{"$numberLong":"1700000000123"}}
date0	{"$date": {"$numberLong": "0"}}	{"$date":{"$numberLong":"0"}}
datepre	{"$date": {"$numberLong": "-1"}}	{"$date":{"$numberLong":"-1"}}
text	"héllo ✓ \"q\"\n"	"héllo ✓ \"q\"\n"
doc	{"host": "h1", "n": [1, 2.5, "x"]}	{"host":"h1","n":[{"$numberInt":"1"},{"$numberDouble":"2.5"},"x"]}
EOF
while IFS=$'\t' read -r k v _; do
	printf '{"k": "%s", "v": %s}\n' "$k" "$v"
done <"$tmp/types" >"$tmp/docs"
n=$(wc -l <"$tmp/docs")
check "mongo_insert of $n documents" ok '[ "$(mongo_insert mxp types <"$1")" = "$2" ]' "$tmp/docs" "$n"
check "mongo_find waits for them" mongo_find mxp types "$tmp/types.got" "$n"
compare_types() {
	"$RECEIVERS_PYTHON" - "$@" <<'EOF'
import json, re, sys
want = [l.rstrip('\n').split('\t') for l in open(sys.argv[1], encoding='utf-8')]
got = open(sys.argv[2], encoding='utf-8').read().splitlines()
bad = 0
if len(got) != len(want):
    print('%d documents read, %d inserted' % (len(got), len(want)))
    bad += 1
for (k, sent, back), line in zip(want, got):
    # canonical EJSON from the driver: {"k":"...","v":...,"_id":{"$oid":"<24 hex>"}}
    m = re.fullmatch(r'\{"k":"(.*?)","v":(.*),"_id":\{"\$oid":"[0-9a-f]{24}"\}\}', line)
    if not m or m.group(1) != k or m.group(2) != back:
        print('%s: sent %s, want back %s, read %s' % (k, sent, back, line))
        bad += 1
sys.exit(1 if bad else 0)
EOF
}
check "  each value back as pinned (doubles exact; int64 as int32/double/int64; dates in ms)" \
	compare_types "$tmp/types" "$tmp/types.got"
check "  UTF-8 text written as text" grep -q '"v":"héllo ✓' "$tmp/types.got"

mongo_find mxp types "$tmp/more.got" $((n + 1)) &
reader=$!
check "mongo_insert of one more while mongo_find waits for it" \
	ok '[ "$(echo "{\"k\": \"later\", \"v\": 1.5}" | mongo_insert mxp types)" = 1 ]'
check "  mongo_find returns once it is there" wait "$reader"
check "  last, a bare 1.5 as a double" ok '[ "$(wc -l <"$1")" = "$2" ] && tail -n 1 "$1" | grep -q "^{\"k\":\"later\",\"v\":{\"\$numberDouble\":\"1.5\"},"' \
	"$tmp/more.got" $((n + 1))
RECEIVERS_READ_TIMEOUT=1 mongo_find mxp types "$tmp/short.got" 100 2>/dev/null
check "mongo_find of too few fails after RECEIVERS_READ_TIMEOUT, OUT holds them" \
	test $? -eq 1 -a "$(wc -l <"$tmp/short.got")" -eq $((n + 1))
check "mongo_find MIN 0 of a missing collection: empty OUT" \
	ok 'mongo_find mxp nothing "$1" 0 && test -e "$1" -a ! -s "$1"' "$tmp/nothing.got"

# --- Stopping, and kinesalite's data kept in DIR -----------------------------------------
pids="$kin_pid $(printf '%s ' "${RECEIVERS_PIDS[@]}")"
t=$EPOCHREALTIME
receivers_stop_all
echo "peers stopped in $(_receivers_ms "$t") ms"
for pid in $pids; do
	check "peer $pid stopped" ok "! kill -0 $pid 2>/dev/null"
done
check "nothing listens on kinesalite's and CongoDB's ports" ok "! ss -ltnH | grep -Eq ':($kin_port|$MONGO_PORT) '"
check "kinesalite_start again on the same DIR" kinesalite_start "$tmp/kin"
check "  finds the stream and its 300 records" ok \
	'kinesis_read_stream mixed "$1" 300 && cmp -s "$1" "$2"' "$tmp/mixed.again" "$tmp/mixed.got"

summary

#!/usr/bin/env bash
# Prometheus remote write against REAL receivers (../shared/RECEIVERS.md): export_known
# exports a store of known values once through the engine (config, pipeline, sender)
# and writes what each instance had to send (the baseline's oracle lines: labels,
# value, ms timestamp per sample); the receivers are read back and compared exactly
# (compare_rw.py).
#   - Prometheus 2.42 as a remote-write receiver, plain, as collected (ms timestamps)
#     and average;
#   - Prometheus over TLS (its --web.config.file), the CA given as `tls ca file`;
#   - VictoriaMetrics' /api/v1/write, sum;
# each on io_uring and on epoll. Then an https instance pointed at plain Prometheus'
# port is refused (no plain-text fallback), and Prometheus' own answers to what mxp
# sends are checked: none refused, nothing in its log about invalid samples.
#   test_export_rw.sh PATH/TO/export_known
set -u
export_known=$1
here=$(dirname "$0")
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$here/check.sh"
# shellcheck source=receivers.sh
. "$here/receivers.sh"
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

for tool in prometheus victoria-metrics curl openssl; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed (tools/install-deps.sh test)"; exit 77; }
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null ||
	{ echo "openssl cannot make a certificate"; exit 1; }

mkdir -p "$tmp/plain" "$tmp/tls" "$tmp/vm"
prom_start "$tmp/plain" || exit 1
PLAIN_PORT=$PROM_PORT PLAIN_URL=$PROM_URL PLAIN_LOG=$PROM_LOG
prom_start "$tmp/tls" "$tmp/cert.pem" "$tmp/key.pem" || exit 1
TLS_PORT=$PROM_PORT TLS_URL=$PROM_URL TLS_LOG=$PROM_LOG
vm_start "$tmp/vm" || exit 1

# read_back NAME URL CA MATCHER OUT POINTS: Prometheus' samples of MATCHER into OUT
read_back() {
	local saved_url=$PROM_URL saved_ca=$PROM_CA rc
	PROM_URL=$2 PROM_CA=$3
	prom_query_range "$4" "$5" "$6"
	rc=$?
	PROM_URL=$saved_url PROM_CA=$saved_ca
	return $rc
}

for io in io_uring epoll; do
	out=$tmp/$io
	mkdir -p "$out"
	p=${io%%_*}
	cat >"$out/exporting.conf" <<EOF
[exporting:global]
    enabled = yes
    hostname = known-local
[prometheus_remote_write]
    remote write URL path = /api/v1/write
[prometheus_remote_write:prom_collected]
    enabled = yes
    destination = 127.0.0.1:$PLAIN_PORT
    data source = as collected
    prefix = rc$p
[prometheus_remote_write:prom_average]
    enabled = yes
    destination = 127.0.0.1:$PLAIN_PORT
    data source = average
    prefix = ra$p
    max samples per send = 3
[prometheus_remote_write:https:prom_tls]
    enabled = yes
    destination = 127.0.0.1:$TLS_PORT
    data source = as collected
    prefix = rt$p
    tls ca file = $tmp/cert.pem
    remote write URL path = /api/v1/write
[prometheus_remote_write:vm_sum]
    enabled = yes
    destination = 127.0.0.1:$VM_HTTP
    data source = sum
    prefix = rv$p
EOF
	MXP_IO=$io "$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
	rc=$?
	check "$io: export_known delivered every instance's samples (2xx answers)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] && check "$io: the sender ran on $io" grep -q "io $io\$" "$out/result"
	[ "$rc" -eq 0 ] || { cat "$out/result"; tail -n 20 "$out/log"; }
	[ -s "$out/0.expected" ] || continue
	check "$io: TLS was verified" grep -q "prom_tls: TLSv1.[23] with .*, certificate verified" "$out/log"
	# the metrics of each instance (their names start with its prefix); the
	# netdata_info series, which carry no prefix, are compared per receiver below
	for i in 0 1 2 3; do
		name=$(cat "$out/$i.name")
		grep -v '"__name__":"netdata_' "$out/$i.expected" >"$out/$i.metrics"
		grep '"__name__":"netdata_' "$out/$i.expected" >>"$tmp/info.$i"
		prefix=$(sed -n 's/.*"__name__":"\([a-z]*\)_.*/\1/p' "$out/$i.metrics" | head -1)
		points=$(wc -l <"$out/$i.metrics")
		case $name in
		*vm_sum)
			vm_export "{__name__=~\"${prefix}_.*\"}" "$points" >"$out/$i.got" || echo "vm_export failed for $name"
			format=vm
			;;
		*prom_tls)
			read_back "$name" "$TLS_URL" "$tmp/cert.pem" "{__name__=~\"${prefix}_.*\"}" "$out/$i.got" "$points" ||
				echo "query failed for $name"
			format=prom
			;;
		*)
			read_back "$name" "$PLAIN_URL" "" "{__name__=~\"${prefix}_.*\"}" "$out/$i.got" "$points" ||
				echo "query failed for $name"
			format=prom
			;;
		esac
		"$RECEIVERS_PYTHON" "$here/compare_rw.py" "$out/$i.metrics" "$out/$i.got" "$format" >"$out/$i.cmp" 2>&1
		rc=$?
		check "$io: [$name] the receiver holds every sample exactly ($(head -1 "$out/$i.cmp"))" test "$rc" -eq 0
		[ "$rc" -eq 0 ] || cat "$out/$i.cmp"
	done
	check "$io: samples with ms timestamps were sent (as collected, collected at half past)" \
		grep -q '"timestamp_ms":[0-9]*500}' "$out/0.expected"
	check "$io: host tags became labels" grep -q '"env":"test"' "$out/0.expected"
	check "$io: netdata_info per host" test "$(grep -c '"__name__":"netdata_info"' "$out/0.expected")" -eq 2
done

# netdata_info and netdata_host_tags_info: what the instances of each receiver sent
# (two instances to plain Prometheus write the same series, at the same window ends)
info_check() { # WHAT EXPECTED-FILES... : compared with the receiver's netdata_* series
	local what=$1 format=$2 url=$3 ca=$4 rc
	shift 4
	cat "$@" >"$tmp/$what.info"
	if [ "$format" = vm ]; then
		vm_export '{__name__=~"netdata_.*"}' "$(sort -u "$tmp/$what.info" | wc -l)" >"$tmp/$what.got"
	else
		read_back "$what" "$url" "$ca" '{__name__=~"netdata_.*"}' "$tmp/$what.got" "$(sort -u "$tmp/$what.info" | wc -l)"
	fi
	"$RECEIVERS_PYTHON" "$here/compare_rw.py" "$tmp/$what.info" "$tmp/$what.got" "$format" >"$tmp/$what.cmp" 2>&1
	rc=$?
	check "$what: netdata_info and netdata_host_tags_info exactly ($(head -1 "$tmp/$what.cmp"))" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || cat "$tmp/$what.cmp"
}
info_check prometheus prom "$PLAIN_URL" "" "$tmp/info.0" "$tmp/info.1"
info_check prometheus-tls prom "$TLS_URL" "$tmp/cert.pem" "$tmp/info.2"
info_check victoria-metrics vm "" "" "$tmp/info.3"

# Prometheus refused nothing mxp sent, and logged nothing about it
for log in "$PLAIN_LOG" "$TLS_LOG"; do
	check "Prometheus logged no refused sample ($(basename "$(dirname "$log")"))" \
		test "$(grep -ci 'out of order\|duplicate\|invalid\|out of bounds' "$log")" -eq 0
done

# https to a plain-HTTP port: refused, nothing arrives
out=$tmp/refused
mkdir -p "$out"
cat >"$out/exporting.conf" <<EOF
[exporting:global]
    enabled = yes
    hostname = known-local
[prometheus_remote_write:https:refused]
    enabled = yes
    destination = 127.0.0.1:$PLAIN_PORT
    remote write URL path = /api/v1/write
    data source = average
    prefix = rrefused
    tls ca file = $tmp/cert.pem
EOF
EXPORT_KNOWN_WAIT_MS=1500 "$export_known" "$out/exporting.conf" "$out" >"$out/result" 2>"$out/log"
check "https to a plain port: produced, none delivered" grep -Eq " produced [1-9][0-9]* delivered 0 " "$out/result"
check "https to a plain port: refused with its reason" grep -q "TLS handshake failed with .*not a TLS server" "$out/log"
read_back refused "$PLAIN_URL" "" '{__name__=~"rrefused_.*"}' "$out/got" 0 >/dev/null 2>&1
check "https to a plain port: Prometheus got nothing" grep -q '"result":\[\]' "$out/got"

summary

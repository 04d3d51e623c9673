#!/usr/bin/env bash
# mxpd end to end: what `make run` shows a user, and how mxpd answers bad arguments.
#   test_mxpd.sh PATH/TO/mxpd FIXTURES_DIR PATH/TO/fake_peer
# Ends with "N passed, N failed".
set -u
mxpd=$1
fixtures=$2
fake_peer=$3
tmp=$(mktemp -d)
# shellcheck source=check.sh
. "$(dirname "$0")/check.sh"
# shellcheck source=receivers.sh
. "$(dirname "$0")/receivers.sh"
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT

[ -r /proc/stat ] || { echo "no /proc/stat here"; exit 77; }

# No arguments (as `make run`): graphite lines of this machine, values as collected.
"$mxpd" --count 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
check "default run exits 0" test "$rc" -eq 0
host=$(cat /proc/sys/kernel/hostname)
check "system.cpu.user is exported" grep -Eq "^netdata\.${host}\.system\.cpu\.user -?[0-9]+ [0-9]{10}$" "$tmp/out"
check "system.ram.used is exported" grep -Eq "^netdata\.${host}\.system\.ram\.used -?[0-9]+ [0-9]{10}$" "$tmp/out"
check "system.load.load1 is exported" grep -Eq "^netdata\.${host}\.system\.load\.load1 [0-9]+ [0-9]{10}$" "$tmp/out"
check "every line is a graphite line" bash -c "! grep -Evq '^[^ ]+ -?[0-9]+(\.[0-9]{7})? [0-9]{10}$' '$tmp/out'"
now=$(date +%s)
ts=$(awk 'NR==1 {print $3}' "$tmp/out")
check "timestamps are now, in seconds" test $((now - ts)) -le 5 -a $((now - ts)) -ge -1
check "it says what it does on start" grep -q "exporting .* charts of this machine" "$tmp/err"

# Average over the window (first lines after the seed's two-collection step back).
"$mxpd" --data-source average --count 5 --send-charts-matching 'system.load' >"$tmp/avg" 2>/dev/null
check "average values carry 7 decimals" grep -Eq "^netdata\.${host}\.system\.load\.load1 [0-9]+\.[0-9]{7} [0-9]{10}$" "$tmp/avg"
check "the charts pattern filters" bash -c "! grep -qv 'system\.load\.' '$tmp/avg'"

# JSON and opentsdb.
"$mxpd" --type json --count 1 --hostname test-host >"$tmp/json" 2>/dev/null
check "json lines" grep -q '^{"prefix":"netdata","hostname":"test-host",' "$tmp/json"
"$mxpd" --type opentsdb --count 1 --prefix pfx >"$tmp/tsdb" 2>/dev/null
check "opentsdb lines" grep -Eq "^put pfx\.system\.cpu\.user [0-9]{10} -?[0-9]+ host=${host}$" "$tmp/tsdb"

# Synthetic source.
"$mxpd" --synthetic 2,3,4 --count 1 >"$tmp/syn" 2>"$tmp/synerr"
check "synthetic: 24 series" test "$(wc -l <"$tmp/syn")" -eq 24
check "synthetic: progress on stderr" grep -q "export 1: 24 records" "$tmp/synerr"

# Bad arguments: exit 2 with a message naming the problem.
for args in "--type nope" "--data-source avg" "--update-every 0" "--synthetic 0,1,1" "--count x" "--bogus" "extra"; do
	# shellcheck disable=SC2086
	"$mxpd" $args >/dev/null 2>"$tmp/bad"
	rc=$?
	check "'$args' exits 2" test "$rc" -eq 2
	check "'$args' says why" grep -q "^mxpd: " "$tmp/bad"
done

# Configuration: --check on netdata's stock-like exporting.conf, and on errors.
"$mxpd" --check -c "$fixtures/exporting-stock-uncommented.conf" >"$tmp/check" 2>&1
rc=$?
check "--check of the stock file exits 0" test "$rc" -eq 0
check "--check lists the instances" grep -q "^\[graphite:my_graphite_instance\] type graphite, disabled" "$tmp/check"
check "--check says where a value came from" grep -Eq "^    prefix +=.*instance, .*exporting-stock-uncommented.conf:[0-9]+$" "$tmp/check"
check "--check hides secrets" bash -c "! grep -q my_aws_secret_access_key '$tmp/check'"
printf '[graphite:a]\n    enabled = yes\n    data sorce = sum\n' >"$tmp/bad.conf"
"$mxpd" --check -c "$tmp/bad.conf" >"$tmp/check" 2>&1
rc=$?
check "--check of a bad key exits 1" test "$rc" -eq 1
check "the error names FILE:LINE and the key" grep -qF "error: $tmp/bad.conf:3: [graphite:a] data sorce: unknown key (did you mean 'data source'?)" "$tmp/check"
"$mxpd" -c "$tmp/bad.conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "mxpd refuses to start on a config error" test "$rc" -eq 1
check "and says why in one line" grep -qF "mxpd: $tmp/bad.conf:3: [graphite:a] data sorce: unknown key" "$tmp/err"
# A config sends to its destination: here a FAKE peer that only keeps what it reads
# (tests/integration/test_export.sh sends to real receivers).
fake_peer_start "$fake_peer" sink --out "$tmp/sink" || exit 1
printf '[backend]\n    enabled = yes\n    type = json\n    destination = 127.0.0.1:%s\n    update every = 1\n    prefix = nd\n    data source = raw\n    send charts matching = system.load\n' "$FAKE_PEER_PORT" >"$tmp/netdata.conf"
"$mxpd" -c "$tmp/netdata.conf" --count 2 --stats >"$tmp/out" 2>"$tmp/err"
rc=$?
check "mxpd -c exits 0 after --count" test "$rc" -eq 0
check "netdata.conf [backend] drives the export" grep -q '^{"prefix":"nd",.*"chart_id":"system.load"' "$tmp/sink"
check "only the matching charts are sent" bash -c "! grep -v '\"chart_id\":\"system.load\"' '$tmp/sink'"
check "the log says which I/O the sender uses" grep -Eq "sender I/O: (io_uring|epoll)" "$tmp/err"
check "--stats prints the instance's counters" grep -Eq "^  metrics  buffered [0-9]+  sent [1-9][0-9]*  lost 0" "$tmp/out"
MXP_IO=epoll "$mxpd" -c "$tmp/netdata.conf" --count 1 >/dev/null 2>"$tmp/err"
check "MXP_IO=epoll picks epoll, and says so" grep -q "sender I/O: epoll (io_uring not used: MXP_IO=epoll)" "$tmp/err"
printf '[pubsub:p]\n    enabled = yes\n    project id = x\n' >"$tmp/pubsub.conf"
"$mxpd" -c "$tmp/pubsub.conf" --count 1 >/dev/null 2>"$tmp/err"
rc=$?
check "a type mxp does not send refuses to start" test "$rc" -eq 1
check "and names FILE:LINE and the type" grep -qF "pubsub.conf:1: [pubsub:p]: the pubsub connector is not supported" "$tmp/err"
printf '[backend]\n    enabled = yes\n    type = prometheus_remote_write\n    destination = 127.0.0.1\n' >"$tmp/rw.conf"
"$mxpd" -c "$tmp/rw.conf" --count 1 >/dev/null 2>"$tmp/err"
rc=$?
check "remote write without a port refuses to start" test "$rc" -eq 1
check "and says so with FILE:LINE" grep -qF "rw.conf:4: [backend] destination: entry 1 '127.0.0.1': no port given" "$tmp/err"
check "--check without -c is refused" bash -c "'$mxpd' --check >/dev/null 2>&1; test \$? -eq 2"

"$mxpd" --help >"$tmp/help"
check "--help has the man-page sections" grep -q "^EXIT STATUS" "$tmp/help"

summary

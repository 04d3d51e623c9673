#!/usr/bin/env bash
# mxpd end to end: what `make run` shows a user, and how mxpd answers bad arguments.
#   test_mxpd.sh PATH/TO/mxpd
# Ends with "N passed, N failed".
set -u
mxpd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

check() { # name, then a command that must succeed
	local name=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name"
	fi
}

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

"$mxpd" --help >"$tmp/help"
check "--help has the man-page sections" grep -q "^EXIT STATUS" "$tmp/help"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# soak.sh — issue 8's soak: mxpd exports SERIES synthetic series for MINUTES minutes,
# as graphite lines and as Prometheus remote write, to a REAL VictoriaMetrics that is
# restarted (SIGTERM, then started again on the same ports and data: vm_restart in
# receivers.sh) every RESTART_EVERY seconds. It prints mxpd's RSS every RSS_EVERY
# seconds while it runs, then, per instance, what mxpd counted at exit (its --stats
# "totals" line): produced, delivered, buffered, lost (buffer full / shutdown /
# rejected) and unaccounted = produced - delivered - buffered - lost; the restarts
# done; and what VictoriaMetrics holds.
#
#   soak.sh [--restart-every K] [--minutes M] [--series N|H,C,D] [--update-every S] PATH/TO/mxpd
#
# Each option may be given in the environment instead: RESTART_EVERY (default 27; 0:
# never), MINUTES (10), SERIES (1000000: 10 hosts x N/1000 charts x 100 dims, or
# HOSTS,CHARTS,DIMS as mxpd's --synthetic takes it), UPDATE_EVERY (10); and
# RSS_EVERY (5 s), RSS_SLACK_MB (64), SOAK_KEEP=1 (keep the folder with mxpd's and
# VictoriaMetrics' logs and data). `make soak K=27 M=10` runs it on the Release build;
# CTest's soak/2min runs two minutes of it.
#
# Restarts fall at multiples of RESTART_EVERY after mxpd started, exports at multiples
# of UPDATE_EVERY: when K is a multiple of UPDATE_EVERY, every restart hits the same
# moment of the export cycle (at 30 s and 10 s, the first runs' restarts after the
# first minute all found the graphite connection idle). At 27 s each restart falls 7 s
# later in the cycle than the one before (mod 10), so ten of them cover it.
#
# UPDATE_EVERY = 10 s (netdata's default): what a 2-core machine carries with both
# protocols and VictoriaMetrics on it. Measured on the shared 2-core VM (2026-12-06,
# 1M series, restart-free runs, a fuzzer busy on one of the two cores): every 10 s,
# once the series existed, VictoriaMetrics took ~0.36 core and mxpd ~0.09 (the
# collection of 1M series every second included), and each interval's 2M samples
# were written within the interval; every 5 s, VictoriaMetrics took ~0.85 core: the
# machine was full, with nothing left for catching up after a restart. While it
# creates the 2M series (graphite names and remote-write label sets differ), in the
# first minute, VictoriaMetrics is much slower: mxpd queues up to ~4 intervals of
# remote write then, and its RSS peaks.
#
# `buffer on failures` = 10 intervals (the seed's default), 100 s at 10 s. With 2M
# series VictoriaMetrics takes 2-4 s to stop (it saves its caches) and answers again
# 2.5-5 s after the SIGTERM; the largest backlog is the first minute's (above), ~4
# intervals, so a restart should cost no interval; if one is dropped anyway, it is
# counted (lost, buffer full) and reported, not hidden. No restart starts in the last
# UPDATE_EVERY + 5 s of the planned run: mxpd stops after its last export with 5 s to
# send what it holds, and a restart then would turn the end of the test into losses
# at shutdown.
#
# Pass (each a check, "N passed, N failed" at the end):
#   - mxpd exits 0;
#   - per instance, unaccounted = 0 and delivered > 0;
#   - every planned restart was done (VictoriaMetrics answered again each time);
#   - RSS stays flat. The rule: the warm-up is left out: the first 3 intervals (the
#     store filled, the pipelines' buffers grown), then until a sample finds mxpd's
#     queues holding less than 1.5 intervals (1.5 x SERIES metrics) each, i.e. little
#     more than the interval just exported: VictoriaMetrics has created the series
#     and caught up. That first backlog is the run's largest (2 intervals queued is
#     not caught up: the backlog may still be growing, as seen at 30 s in a run) and
#     would make any later peak look small. The samples after
#     it are cut in two halves by time; the largest RSS of the second half must be at
#     most the largest of the first half x 1.10 + RSS_SLACK_MB. A leak grows the
#     second half's peak; a restart's backlog raises the RSS for a while in both
#     halves alike (an interval queued is ~90 MB at 1M series: graphite ~69 B and
#     remote write ~18 B a sample), which the 10 % covers. The least-squares slope of
#     the same samples (MB per minute) is printed too, as information.
# Not a check: whether VictoriaMetrics holds every sample mxpd counted delivered. For
# remote write it should (mxpd counts a request delivered when answered 2xx); graphite
# has no acknowledgement: lines the kernel took into the socket of a VictoriaMetrics
# that was then stopped were delivered for mxpd and never read (VictoriaMetrics closes
# its graphite connections at SIGTERM without reading them out: 60-90k lines, 4-6 MB,
# per restart that found mxpd sending, none when the connection was idle). Both
# figures are printed, and how many restarts reset a graphite connection.
# Exits 77 (skipped) when victoria-metrics, curl or python3 is missing, or the machine
# lacks the memory (~3 KB per series: mxpd, its queues and VictoriaMetrics).
# shellcheck source-path=SCRIPTDIR
set -u

RESTART_EVERY=${RESTART_EVERY:-27}
MINUTES=${MINUTES:-10}
SERIES=${SERIES:-1000000}
UPDATE_EVERY=${UPDATE_EVERY:-10}
RSS_EVERY=${RSS_EVERY:-5}
RSS_SLACK_MB=${RSS_SLACK_MB:-64}
BUFFER_ON_FAILURES=10
WARMUP_INTERVALS=3

usage() {
	echo "usage: $0 [--restart-every K] [--minutes M] [--series N|H,C,D] [--update-every S] PATH/TO/mxpd" >&2
	exit 2
}
while [ $# -gt 1 ]; do
	case $1 in
	--restart-every) RESTART_EVERY=$2 ;;
	--minutes) MINUTES=$2 ;;
	--series) SERIES=$2 ;;
	--update-every) UPDATE_EVERY=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ $# -eq 1 ] || usage
mxpd=$1
for v in RESTART_EVERY MINUTES UPDATE_EVERY RSS_EVERY RSS_SLACK_MB; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "soak: $v must be a whole number, not '${!v}'" >&2; exit 2; }
done
if [ "$MINUTES" -lt 1 ] || [ "$UPDATE_EVERY" -lt 1 ] || [ "$RSS_EVERY" -lt 1 ]; then
	echo "soak: MINUTES, UPDATE_EVERY and RSS_EVERY must be at least 1" >&2
	exit 2
fi
case $SERIES in
*,*,*) spec=$SERIES ;;
*)
	# 10 hosts x 100 dims per chart, as many charts as it takes
	if ! [[ $SERIES =~ ^[0-9]+$ ]] || [ "$SERIES" -lt 1000 ] || [ $((SERIES % 1000)) -ne 0 ]; then
		echo "soak: SERIES is a multiple of 1000 or HOSTS,CHARTS,DIMS, not '$SERIES'" >&2
		exit 2
	fi
	spec=10,$((SERIES / 1000)),100
	;;
esac
IFS=, read -r hosts charts dims <<<"$spec"
nseries=$((hosts * charts * dims))
[ -x "$mxpd" ] || { echo "soak: $mxpd is not an executable" >&2; exit 2; }

here=$(dirname "$0")
. "$here/../integration/check.sh"
. "$here/../integration/receivers.sh"

for tool in victoria-metrics curl python3; do
	command -v "$tool" >/dev/null || { echo "skip: $tool is not installed (tools/install-deps.sh test)"; exit 77; }
done
avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ "$avail_kb" -lt $((nseries * 3)) ]; then
	echo "skip: $((avail_kb / 1024)) MB available, the soak of $nseries series needs ~$((nseries * 3 / 1024)) MB"
	exit 77
fi

tmp=$(mktemp -d)
mxpd_pid=
cleanup() {
	if [ -n "$mxpd_pid" ] && alive "$mxpd_pid"; then
		kill "$mxpd_pid" 2>/dev/null
		wait "$mxpd_pid" 2>/dev/null
	fi
	receivers_stop_all
	if [ -n "${SOAK_KEEP:-}" ]; then echo "soak: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# alive PID: our child PID is running (a child that exited is a zombie until waited for)
alive() {
	local state
	state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

# kb FIELD PID: a /proc/PID/status field in kB (VmRSS, VmHWM), empty when gone
kb() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$2/status" 2>/dev/null; }

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# queued: "GRAPHITE REMOTE_WRITE", each instance's "queued now" (metrics) after mxpd's
# latest export (its --stats blocks)
queued() {
	awk '/^\[/ { name = $1 } /queued now/ { q = $NF; gsub(/[^0-9]/, "", q); v[name] = q }
		END { printf "%d %d\n", v["[graphite:soak_graphite]"], v["[prometheus_remote_write:soak_rw]"] }' \
		"$tmp/stats" 2>/dev/null
}

# total NAME WORD: the number after WORD in instance NAME's "[NAME] totals:" line
# (produced, delivered, buffered, lost; full, shutdown, rejected: lost by reason;
# dropped: intervals dropped; reconnects; failures)
total() {
	awk -v n="[$1]" -v k="$2" '$1 == n && $2 == "totals:" { for (i = 3; i < NF; i++) { f = $i; gsub(/[(]/, "", f)
		if (f == k) { v = $(i + 1); gsub(/[^0-9]/, "", v); print v; exit } } }' "$tmp/stats"
}

# RECEIVERS_START_TIMEOUT: VictoriaMetrics opens millions of series' index at a
# restart, on a machine mxpd keeps busy; 10 s is enough for the tests' small stores,
# not always here.
RECEIVERS_START_TIMEOUT=60
vm_start "$tmp" || exit 1

cat >"$tmp/exporting.conf" <<EOF
[exporting:global]
    enabled = yes
    update every = $UPDATE_EVERY
    data source = average
    buffer on failures = $BUFFER_ON_FAILURES
[graphite:soak_graphite]
    enabled = yes
    destination = 127.0.0.1:$VM_GRAPHITE
[prometheus_remote_write:soak_rw]
    enabled = yes
    destination = 127.0.0.1:$VM_HTTP
    remote write URL path = /api/v1/write
EOF

count=$(((MINUTES * 60 + UPDATE_EVERY - 1) / UPDATE_EVERY))
planned=$((count * UPDATE_EVERY))
last_restart=$((planned - UPDATE_EVERY - 5))
expected_restarts=0
[ "$RESTART_EVERY" -gt 0 ] && [ "$last_restart" -ge "$RESTART_EVERY" ] && expected_restarts=$((last_restart / RESTART_EVERY))
echo "soak: $nseries series ($spec), graphite + remote write to VictoriaMetrics every $UPDATE_EVERY s," \
	"$count exports (~$planned s); VictoriaMetrics restarted every $RESTART_EVERY s ($expected_restarts times)"

"$mxpd" -c "$tmp/exporting.conf" --synthetic "$spec" --count "$count" --stats >"$tmp/stats" 2>"$tmp/mxpd.log" &
mxpd_pid=$!
t0=$EPOCHREALTIME
: >"$tmp/rss"
restarts=0 restart_failed=0 down_ms=() next_restart=$RESTART_EVERY next_sample=0 hwm=
while alive "$mxpd_pid"; do
	now=$(_receivers_ms "$t0")
	if [ "$RESTART_EVERY" -gt 0 ] && [ "$now" -ge $((next_restart * 1000)) ]; then
		if [ "$next_restart" -le "$last_restart" ]; then
			echo "soak: $((now / 1000)) s  restarting VictoriaMetrics ($((restarts + 1)) of $expected_restarts)"
			if ! vm_restart; then
				restart_failed=1
				break
			fi
			restarts=$((restarts + 1))
			down_ms+=("$VM_DOWN_MS")
		fi
		next_restart=$((next_restart + RESTART_EVERY))
		continue
	fi
	if [ "$now" -ge $((next_sample * 1000)) ]; then
		rss=$(kb VmRSS "$mxpd_pid")
		hwm=$(kb VmHWM "$mxpd_pid")
		read -r q_g q_rw <<<"$(queued)"
		if [ -n "$rss" ]; then
			echo "$now $rss $q_g $q_rw" >>"$tmp/rss"
			printf 'soak: %4d s  mxpd RSS %7s MB  VictoriaMetrics %6s MB  queued: graphite %d, remote write %d  restarts %d\n' \
				$((now / 1000)) "$(mb "$rss")" "$(mb "$(kb VmRSS "$VM_PID")")" "$q_g" "$q_rw" "$restarts"
		fi
		# the next multiple of RSS_EVERY: a restart may have taken several periods
		next_sample=$((now / 1000 / RSS_EVERY * RSS_EVERY + RSS_EVERY))
	fi
	sleep 0.2
done
if [ "$restart_failed" -eq 1 ]; then
	echo "soak: VictoriaMetrics did not come back; stopping mxpd"
	kill "$mxpd_pid" 2>/dev/null
fi
wait "$mxpd_pid"
mxpd_rc=$?
mxpd_pid=
wall=$(_receivers_ms "$t0")

echo
echo "soak: mxpd ran $((wall / 1000)) s and exited $mxpd_rc; its peak RSS (VmHWM, last seen) $(mb "${hwm:-0}") MB"
if [ ${#down_ms[@]} -gt 0 ]; then
	echo "soak: $restarts restarts of VictoriaMetrics; away (SIGTERM until it answered again): $(printf '%s ' "${down_ms[@]}")ms"
fi
check "mxpd exits 0" test "$mxpd_rc" -eq 0
check "VictoriaMetrics restarted $expected_restarts times (done: $restarts)" \
	test "$restart_failed" -eq 0 -a "$restarts" -eq "$expected_restarts"

# The counters, per instance
printf '\n%-33s %10s %10s %9s %9s %12s %9s %12s %8s %9s\n' instance produced delivered buffered lost \
	"(full/shut/rej)" dropped unaccounted failures reconnects
for name in graphite:soak_graphite prometheus_remote_write:soak_rw; do
	p=$(total "$name" produced) d=$(total "$name" delivered) b=$(total "$name" buffered) l=$(total "$name" lost)
	if [ -z "$p" ] || [ -z "$d" ] || [ -z "$b" ] || [ -z "$l" ]; then
		echo "$name: no totals line from mxpd"
		check "[$name] mxpd printed its totals" false
		continue
	fi
	u=$((p - d - b - l))
	printf '%-33s %10d %10d %9d %9d %12s %9d %12d %8d %9d\n' "$name" "$p" "$d" "$b" "$l" \
		"($(total "$name" full)/$(total "$name" shutdown)/$(total "$name" rejected))" "$(total "$name" dropped)" \
		"$u" "$(total "$name" failures)" "$(total "$name" reconnects)"
	check "[$name] unaccounted = 0 (produced $p - delivered $d - buffered $b - lost $l = $u)" test "$u" -eq 0
	check "[$name] delivered > 0" test "$d" -gt 0
	eval "delivered_${name%%:*}=$d"
done
echo

# RSS: the rule of the top comment, on the samples in $tmp/rss ("ms kB queued_graphite
# queued_rw" a line)
rss_report=$(awk -v warm=$((WARMUP_INTERVALS * UPDATE_EVERY * 1000)) -v slack=$((RSS_SLACK_MB * 1024)) \
	-v caught_up=$((3 * nseries / 2)) '
	BEGIN { n = 0; n1 = 0; n2 = 0; m1 = 0; m2 = 0; judged = 0 }
	NR == 1 { first = $2 }
	{ last = $2 }
	$1 >= warm && $3 < caught_up && $4 < caught_up { judged = 1 }
	judged { t[n] = $1; r[n] = $2; n++ }
	END {
		if (n < 4) { printf "FEW %d\n", n; exit }
		mid = (t[0] + t[n - 1]) / 2
		for (i = 0; i < n; i++) {
			if (t[i] < mid) { if (r[i] > m1) m1 = r[i]; n1++ } else { if (r[i] > m2) m2 = r[i]; n2++ }
			x = t[i] / 60000; sx += x; sy += r[i]; sxx += x * x; sxy += x * r[i]
		}
		slope = (n * sxy - sx * sy) / (n * sxx - sx * sx) / 1024
		limit = m1 * 1.10 + slack
		printf "%s %d %d %d %d %d %d %d %.1f %d %d\n", (n1 >= 2 && n2 >= 2 && m2 <= limit) ? "OK" : "NO",
			first, r[0], last, m1, m2, limit, n, slope, mid / 1000, t[0] / 1000
	}' "$tmp/rss")
read -r verdict rss_first rss_warm rss_last max1 max2 limit nsamples slope mid warm_end <<<"$rss_report"
if [ "$verdict" = FEW ]; then
	echo "soak: RSS: only $rss_first samples after the warm-up (the first $WARMUP_INTERVALS intervals, then until" \
		"mxpd's queues held less than 1.5 intervals): too short a run, or VictoriaMetrics never caught up"
	check "RSS flat (enough samples after the warm-up)" false
else
	echo "soak: RSS start $(mb "$rss_first") MB, after the warm-up (until $warm_end s) $(mb "$rss_warm") MB," \
		"end $(mb "$rss_last") MB; $nsamples samples after the warm-up, halves cut at $mid s"
	echo "soak: RSS max first half $(mb "$max1") MB, max second half $(mb "$max2") MB," \
		"limit $(mb "$max1") x 1.10 + $RSS_SLACK_MB = $(mb "$limit") MB; trend $slope MB/min"
	check "RSS flat: max of the second half $(mb "$max2") MB <= $(mb "$limit") MB" test "$verdict" = OK
fi

# What VictoriaMetrics holds (information): every row it stored (no deduplication is
# configured, and the folder is this run's), after a flush, asked until it stops
# changing; the remote-write samples by count_over_time per host (each host's series
# carry its `instance` label; a query over all 1M at once passes VictoriaMetrics'
# -search.maxUniqueTimeseries); graphite's the rest.
vm=http://127.0.0.1:$VM_HTTP
stored=-1
for _ in $(seq 20); do
	curl -fsS -o /dev/null "$vm/internal/force_flush" || break
	n=$(curl -fsS "$vm/metrics" | awk '/^vm_rows\{type="storage\// { s += $2 } END { printf "%d", s }')
	[ "$n" = "$stored" ] && break
	stored=$n
	sleep 1
done
rw_stored=0
for host in $(curl -fsS "$vm/api/v1/label/instance/values" | "$RECEIVERS_PYTHON" -c 'import json, sys; print(*json.load(sys.stdin)["data"])'); do
	n=$(curl -fsS "$vm/api/v1/query" --data-urlencode "query=sum(count_over_time({instance=\"$host\"}[$((wall / 1000 + 300))s]))" |
		"$RECEIVERS_PYTHON" -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
	rw_stored=$((rw_stored + ${n:-0}))
done
d_rw=${delivered_prometheus_remote_write:-0} d_g=${delivered_graphite:-0}
echo "soak: VictoriaMetrics holds $stored samples: remote write $rw_stored of the $d_rw delivered" \
	"(difference $((rw_stored - d_rw))), graphite $((stored - rw_stored)) of the $d_g delivered (difference $((stored - rw_stored - d_g)))"
# A restart that finds mxpd writing graphite resets the connection (what VictoriaMetrics
# had not read is gone); one that finds it idle closes it cleanly. mxpd logs each
# (rate-limited to one line per 10 s, so with restarts further apart, a line each).
echo "soak: graphite connections the restarts reset (mxpd was sending): $(grep -c 'graphite:soak_graphite: sending to .*reset by peer' "$tmp/mxpd.log")," \
	"closed while idle: $(grep -c 'graphite:soak_graphite: .* closed the connection' "$tmp/mxpd.log")"
echo "soak: VictoriaMetrics' log: $(grep -c $'\terror\t' "$VM_LOG") errors, $(grep -c $'\twarn\t' "$VM_LOG") warnings; the first lines of each kind:"
grep -E $'\t(error|warn)\t' "$VM_LOG" | cut -f2,4- | sed -E 's/[0-9]+(\.[0-9]+)?(ms|s|µs)?/N/g' | sort | uniq -c | sort -rn | head -5 | cut -c1-220
echo "soak: mxpd's log: $(grep -c ' WARNING: ' "$tmp/mxpd.log") warnings, $(grep -c ' ERROR: ' "$tmp/mxpd.log") errors; the last ones:"
grep -E ' (WARNING|ERROR): ' "$tmp/mxpd.log" | tail -n 8 | cut -c1-220
echo "soak: whole run $((SECONDS / 60)) min $((SECONDS % 60)) s"

summary

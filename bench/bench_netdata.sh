#!/usr/bin/env bash
# bench_netdata.sh — mxp against netdata's own exporting engine, on the same metrics,
# in one run (`make bench-netdata`).
#
#   bench/bench_netdata.sh BUILD_DIR [DIMS ...]        (default: 100000 1000000)
#
# For each DIMS, the same synthetic plugin (bench/netdata/synthetic_plugin.c: DIMS/1000
# charts of 1000 dims, updated every second) feeds first netdata 1.37 (Debian's package,
# its own config in a temporary folder, memory mode ram, everything else off) and then
# mxpd ([plugin:synth]); each exports graphite, data source average, every
# BENCH_UPDATE_EVERY seconds, to a loopback receiver that reads and discards
# (bench/netdata/line_sink.c). After a warm-up, between two quiet moments of the
# receiver (no byte for a second: no export in flight), it measures for about
# BENCH_WINDOW seconds:
#   - CPU of each thread, from /proc/PID/task/*/schedstat (nanoseconds on the CPU), by
#     thread name: netdata's exporting threads (EXPORTING*), mxp's (mxp-collect,
#     mxp-format-*, mxp-sink, mxp-send, and mxpd's main thread, which runs the
#     exporter's schedule in mxpd: it starts each export and waits for its end); the
#     plugin readers (netdata's PLUGINSD[synth], mxp's mxp-plugin); the whole process;
#   - the lines the receiver got: metrics delivered, and per interval against DIMS.
# It prints CPU per exported metric for each and the ratio netdata / mxp (the issue's
# target: at least 10), and what each failed to deliver.
#
# BENCH_ROUNDS (1) measures each size that many times, the two sides in turn (netdata,
# mxp, netdata, mxp, ...), and adds the median of each side and the ratio of the medians:
# on a shared machine one run of a side can be 20 % off its median (~2.5 min per side
# and round at 100k, ~3 min at 1M).
#
# Environment: BENCH_UPDATE_EVERY (10), BENCH_WARMUP (exports to wait for, 2),
# BENCH_WINDOW (seconds, 60), BENCH_KEEP=1 keeps the temporary folder; for exploring:
# BENCH_SIDES ("netdata mxp"; "mxp" alone gives no ratio), BENCH_FORMATTERS (mxpd's
# --formatters; default: its own, one per core but one).
set -u
build=$(realpath "${1:?usage: bench_netdata.sh BUILD_DIR [DIMS ...]}")
shift
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)
UE=${BENCH_UPDATE_EVERY:-10}
WARMUP=${BENCH_WARMUP:-2}
WINDOW=${BENCH_WINDOW:-60}
ROUNDS=${BENCH_ROUNDS:-1}
plugin=$build/bench/synthetic_plugin
sink=$build/bench/line_sink
mxpd=$build/mxpd
for f in "$plugin" "$sink" "$mxpd"; do
	[ -x "$f" ] || { echo "bench_netdata: $f is not built (make bench-netdata builds it)" >&2; exit 1; }
done
command -v netdata >/dev/null || { echo "bench_netdata: netdata is not installed (make bench-netdata installs it)" >&2; exit 1; }
netdata_version=$(netdata -V 2>&1 | head -1)

tmp=$(mktemp -d /tmp/bench-netdata.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 1
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	pkill -KILL -f "$plugin" 2>/dev/null
	[ "${BENCH_KEEP:-0}" = 1 ] && echo "bench_netdata: kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

say() { echo "bench_netdata: $*" >&2; }

# netdata_conf and free_port: the tests' harness writes netdata's config
# shellcheck source=../tests/integration/receivers.sh
. "$(dirname "$0")/../tests/integration/receivers.sh"

# sink_lines: what the receiver counted so far
sink_lines() { cut -d' ' -f1 "$1/sink.status" 2>/dev/null || echo 0; }

# wait_quiet DIR: until the receiver got nothing for a second (between exports)
wait_quiet() {
	local dir=$1 a b
	for _ in $(seq 1 $((UE * 4 + 20))); do
		a=$(sink_lines "$dir")
		sleep 1
		b=$(sink_lines "$dir")
		[ "$a" = "$b" ] && [ "$b" -gt 0 ] && return 0
	done
	if [ "$(sink_lines "$dir")" -eq 0 ]; then
		say "the receiver got nothing: see $dir (BENCH_KEEP=1 keeps it)"
	else
		say "the receiver never went quiet for a second: exports back to back?"
	fi
	return 1
}

# cpu_by_name PID: "NAME NANOSECONDS" per thread
cpu_by_name() {
	local t
	for t in /proc/"$1"/task/*; do
		printf '%s %s\n' "$(cat "$t/comm" 2>/dev/null)" "$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
	done
}

# sum_cpu FILE REGEX: nanoseconds of the threads whose name matches
sum_cpu() { awk -v re="$2" '$1 ~ re {s += $2} END {printf "%.0f\n", s}' "$1"; }

# start_sink DIR: sets SINK_PID and SINK_PORT (not in $(...): it keeps the PID)
start_sink() {
	"$sink" "$1/sink.status" >"$1/sink.port" &
	SINK_PID=$!
	pids+=("$SINK_PID")
	for _ in $(seq 1 50); do [ -s "$1/sink.port" ] && break; sleep 0.1; done
	SINK_PORT=$(head -1 "$1/sink.port")
}

# exporting_conf PORT: the one exporting.conf both read (netdata's exporting engine and
# mxpd): graphite to the receiver, data source average, every $UE s, the plugin's charts
exporting_conf() {
	cat <<EOF
[exporting:global]
    enabled = yes
    send configured labels = no
    send automatic labels = no
    update every = $UE
[graphite:sink]
    enabled = yes
    destination = 127.0.0.1:$1
    data source = average
    prefix = netdata
    update every = $UE
    buffer on failures = 10
    timeout ms = $((UE * 2000))
    send charts matching = synth.*
EOF
}

start_netdata() {
	local dir=$1 dims=$2 port=$3
	mkdir -p "$dir"/{etc,cache,lib,log,run,plugins.d}
	cat >"$dir/plugins.d/synth.plugin" <<EOF
#!/bin/sh
exec $plugin --charts $((dims / 1000)) --dims 1000 "\$@"
EOF
	chmod +x "$dir/plugins.d/synth.plugin"
	local web
	web=$(free_port 1) || return 1
	# 120 s of history: netdata's ram mode allocates it for every dimension up front
	NETDATA_RETENTION=120 netdata_conf "$dir" bench-netdata "$web" "$dir/plugins.d" >"$dir/etc/netdata.conf"
	printf '[plugin:synth]\n    update every = 1\n' >>"$dir/etc/netdata.conf"
	exporting_conf "$port" >"$dir/etc/exporting.conf"
	netdata -D -c "$dir/etc/netdata.conf" >"$dir/log/stdout" 2>&1 &
	DAEMON_PID=$!
	pids+=("$DAEMON_PID")
}

start_mxpd() {
	local dir=$1 dims=$2 port=$3
	mkdir -p "$dir"
	exporting_conf "$port" >"$dir/exporting.conf"
	cat >>"$dir/exporting.conf" <<EOF
[plugin:synth]
    command = $plugin --charts $((dims / 1000)) --dims 1000
    update every = 1
EOF
	"$mxpd" -c "$dir/exporting.conf" --stats ${BENCH_FORMATTERS:+--formatters "$BENCH_FORMATTERS"} \
		>"$dir/stats.out" 2>"$dir/mxpd.log" &
	DAEMON_PID=$!
	pids+=("$DAEMON_PID")
}

# measure SIDE DIMS: starts SIDE's daemon and receiver, measures, stops them; appends
# "SIDE DIMS seconds lines export_ns ingest_ns total_ns ROUND" to $tmp/results
measure() {
	local side=$1 dims=$2 dir=$tmp/$1-$2 port pid exports_re ingest_re
	# every round from nothing: netdata started on the previous round's cache (its
	# metadata of 1M dims) had exported nothing when the wait ran out, twice in a row
	rm -rf "$dir"
	mkdir -p "$dir"
	start_sink "$dir"
	port=$SINK_PORT
	if [ "$side" = netdata ]; then
		start_netdata "$dir" "$dims" "$port"
		pid=$DAEMON_PID
		exports_re='^EXPORTING'
		ingest_re='^PLUGINSD\[synth'
	else
		start_mxpd "$dir" "$dims" "$port"
		pid=$DAEMON_PID
		exports_re='^(mxp-(collect|format-[0-9]+|sink|send|schedule)|mxpd)$'
		ingest_re='^mxp-plugin'
	fi
	say "$side, $dims dims: pid $pid, receiver on $port; waiting for $WARMUP exports"
	local deadline=$((SECONDS + UE * (WARMUP + 3) + 60))
	while [ "$(sink_lines "$dir")" -lt $((dims * WARMUP)) ] && [ $SECONDS -lt $deadline ]; do
		kill -0 "$pid" 2>/dev/null || { say "$side died; see $dir"; return 1; }
		sleep 1
	done
	wait_quiet "$dir" || return 1
	cpu_by_name "$pid" >"$dir/cpu0"
	local l0 t0 l1 t1
	l0=$(sink_lines "$dir")
	t0=$EPOCHREALTIME
	sleep "$WINDOW"
	wait_quiet "$dir" || return 1
	cpu_by_name "$pid" >"$dir/cpu1"
	l1=$(sink_lines "$dir")
	t1=$EPOCHREALTIME
	local e0 e1 i0 i1 a0 a1
	e0=$(sum_cpu "$dir/cpu0" "$exports_re") e1=$(sum_cpu "$dir/cpu1" "$exports_re")
	i0=$(sum_cpu "$dir/cpu0" "$ingest_re") i1=$(sum_cpu "$dir/cpu1" "$ingest_re")
	a0=$(sum_cpu "$dir/cpu0" '.') a1=$(sum_cpu "$dir/cpu1" '.')
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	kill -TERM "$SINK_PID"
	wait "$SINK_PID" 2>/dev/null
	local secs
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
	echo "$side $dims $secs $((l1 - l0)) $((e1 - e0)) $((i1 - i0)) $((a1 - a0)) $round" >>"$tmp/results"
	say "$side, $dims dims: $((l1 - l0)) lines in $secs s; CPU per metric by thread:"
	# per thread name (threads of one name summed), the busiest first
	awk -v n=$((l1 - l0)) 'NR == FNR {c0[$1] += $2; next} {c1[$1] += $2}
		END {for (k in c1) if (c1[k] - c0[k] > 0) printf "    %-20s %10.1f ns\n", k, (c1[k] - c0[k]) / (n ? n : 1)}' \
		"$dir/cpu0" "$dir/cpu1" | sort -k2 -n -r | head -8 >&2
	[ "$side" = mxp ] && grep -E "totals|lost" "$dir/stats.out" | tail -2 >&2
	return 0
}

echo "bench_netdata: $netdata_version vs mxpd $("$mxpd" --version | cut -d' ' -f2); graphite, data source average, update every $UE s; window ~$WINDOW s; $(nproc) cores"
for dims in "${sizes[@]}"; do
	for round in $(seq 1 "$ROUNDS"); do
		[ "$ROUNDS" -gt 1 ] && say "$dims dims: round $round of $ROUNDS"
		for side in ${BENCH_SIDES:-netdata mxp}; do
			measure "$side" "$dims" || exit 1
		done
	done
done

awk -v ue="$UE" -v rounds="$ROUNDS" '
# the median of the n values in a[1..n] (sorted here: n is a few rounds)
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ side[NR] = $1; dims[NR] = $2; secs[NR] = $3; lines[NR] = $4; ex[NR] = $5; in_[NR] = $6; all[NR] = $7; round[NR] = $8 }
END {
	printf "\n%-8s %9s %5s %7s %10s %12s %10s %14s %14s %14s\n", "", "dims", "round", "secs", "metrics", "per interval", "missing", "export ns/m", "ingest ns/m", "process ns/m"
	for (i = 1; i <= NR; i++) {
		intervals = secs[i] / ue
		per = lines[i] / (intervals > 0 ? intervals : 1)
		missing = dims[i] * int(intervals + 0.5) - lines[i]
		e = ex[i] / (lines[i] ? lines[i] : 1); w = all[i] / (lines[i] ? lines[i] : 1)
		printf "%-8s %9d %5d %7.1f %10d %12.0f %10d %14.1f %14.1f %14.1f\n", side[i], dims[i], round[i], secs[i], lines[i], per, missing,
			e, in_[i] / (lines[i] ? lines[i] : 1), w
		k = side[i] SUBSEP dims[i]
		n[k]++; exs[k, n[k]] = e; alls[k, n[k]] = w
		if (!(dims[i] in order)) { order[dims[i]] = ++nsizes; size[nsizes] = dims[i] }
		if (side[i] == "netdata") { nd_ex[dims[i]] = e; nd_all[dims[i]] = w }
		else if (dims[i] in nd_ex) {
			printf "%-8s %9d %5d  netdata / mxp: exporting CPU per metric %.1fx, whole process %.1fx\n", "ratio", dims[i],
				round[i], nd_ex[dims[i]] / e, nd_all[dims[i]] / w
		}
	}
	if (rounds > 1) {
		printf "\nmedians over %d rounds:\n", rounds
		for (s = 1; s <= nsizes; s++) {
			d = size[s]
			for (sd = 0; sd < 2; sd++) {
				nm = sd ? "mxp" : "netdata"; k = nm SUBSEP d
				if (!(k in n)) continue
				delete a; delete b
				for (r = 1; r <= n[k]; r++) { a[r] = exs[k, r]; b[r] = alls[k, r] }
				med_ex[nm] = median(a, n[k]); med_all[nm] = median(b, n[k])
				printf "%-8s %9d  export ns/m %.1f, process ns/m %.1f\n", nm, d, med_ex[nm], med_all[nm]
			}
			if ((("netdata" SUBSEP d) in n) && (("mxp" SUBSEP d) in n))
				printf "%-8s %9d  netdata / mxp, medians: exporting CPU per metric %.1fx, whole process %.1fx\n", "ratio", d,
					med_ex["netdata"] / med_ex["mxp"], med_all["netdata"] / med_all["mxp"]
		}
	}
	print "\nexport ns/m: CPU of the exporting threads per metric delivered; ingest: of the plugin reader per metric"
	print "delivered (each metric is read update-every times per export); missing: dims x intervals - delivered"
}' "$tmp/results"

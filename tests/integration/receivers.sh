# receivers.sh — sourced by integration tests: starts REAL receivers (VictoriaMetrics,
# carbon-cache, Prometheus; kinesalite and CongoDB from npm) on 127.0.0.1, on ports
# picked at run time, with their data under a folder the caller owns; waits until they
# answer; reads back what they stored; and stops them. How each receiver is run is
# ../shared/RECEIVERS.md.
#
#   . "$(dirname "$0")/receivers.sh"
#   trap 'receivers_stop_all; rm -rf "$tmp"' EXIT
#   vm_start "$tmp" || exit 1         # not in $(...): it sets variables for the caller
#
# Functions return nonzero and say why on stderr ("receivers.sh: ..."), with the tail
# of the receiver's log when it did not come up. Each start prints how long the
# receiver took to answer. Needs bash >= 5 ($EPOCHREALTIME), python3, curl; the npm
# peers need node and npm too.

# shellcheck shell=bash
RECEIVERS_PIDS=()           # every process started here, for receivers_stop_all
RECEIVERS_FILES=()          # files made here outside the caller's folder (fake_peer logs)
RECEIVERS_START_TIMEOUT=10  # seconds a receiver gets to answer
RECEIVERS_READ_TIMEOUT=5    # seconds vm_export / carbon_fetch wait for data

# python3 from Debian first: a pyenv or venv shim on PATH may be slow or lack modules.
if [ -x /usr/bin/python3 ]; then RECEIVERS_PYTHON=/usr/bin/python3; else RECEIVERS_PYTHON=python3; fi

_receivers_say() { echo "receivers.sh: $*" >&2; }

# _receivers_ms [START]: milliseconds since START (an $EPOCHREALTIME value), or since
# the epoch. Deadlines use it: $SECONDS ticks whole seconds, too coarse for 1 s.
_receivers_ms() {
	local now=${EPOCHREALTIME/[.,]/} start=${1:-0}
	echo $(((now - ${start/[.,]/}) / 1000))
}

# free_port [N]: prints N (default 1) distinct free ports of 127.0.0.1, space
# separated. All N sockets are held at once so the N ports differ, and each port is
# free for UDP too: VictoriaMetrics listens on UDP at its graphite and opentsdb ports.
# The kernel picks them (bind to port 0); another process may still take one before
# the receiver binds it: the start functions check that the receiver itself listens
# on its ports, and retry with others when it could not bind.
free_port() {
	"$RECEIVERS_PYTHON" - "${1:-1}" <<'EOF'
import socket, sys
held, ports = [], []
while len(ports) < int(sys.argv[1]):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        held.append(t)          # keep it so the kernel does not offer it again
        continue
    held += [t, u]
    ports.append(port)
print(" ".join(map(str, ports)))
EOF
}

# _receivers_wait PID LOG NAME CMD...: waits until CMD succeeds. 0: ready; 1: the
# process exited (a port race if its log says so: returns 2); 3: timeout.
_receivers_wait() {
	local pid=$1 log=$2 name=$3 deadline=$(($(_receivers_ms) + RECEIVERS_START_TIMEOUT * 1000))
	shift 3
	until "$@" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			grep -Eqi 'address already in use|cannot (listen|bind)' "$log" && return 2
			_receivers_say "$name exited before answering; errors and the end of $log:"
			# a Go panic ends with its stack: the reason is the first panic/fatal line
			grep -m 5 -Ei 'panic|fatal|error' "$log" >&2
			echo ... >&2
			tail -n 10 "$log" >&2
			return 1
		fi
		if [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "$name did not answer within ${RECEIVERS_START_TIMEOUT} s; the end of $log:"
			tail -n 15 "$log" >&2
			return 3
		fi
		sleep 0.02
	done
}

# _receivers_forget PID: stops a receiver that did not come up and drops it from the list.
_receivers_forget() {
	local pid kept=()
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for pid in "${RECEIVERS_PIDS[@]}"; do
		[ "$pid" = "$1" ] || kept+=("$pid")
	done
	RECEIVERS_PIDS=("${kept[@]}")
}

# _receivers_listens PID PORT...: true when process PID, and no other, listens on
# each TCP PORT of 127.0.0.1. "The port answers" is not enough: with ctest -j another
# test's receiver may hold a port free_port gave us, and carbon binds with
# SO_REUSEPORT, so two carbons may share one. Reads /proc: needs neither ss nor lsof.
_receivers_listens() {
	local pid=$1 port inodes fds
	shift
	fds=$(ls -l "/proc/$pid/fd" 2>/dev/null) || return 1
	for port in "$@"; do
		# /proc/net/tcp: local address 0100007F:PORT (hex), state 0A = LISTEN, inode.
		inodes=$(awk -v a="0100007F:$(printf '%04X' "$port")" '$2 == a && $4 == "0A" {print $10}' /proc/net/tcp)
		[[ -n $inodes && $inodes != *$'\n'* && $fds == *"socket:[$inodes]"* ]] || return 1
	done
}

_vm_ready() {
	_receivers_listens "$VM_PID" "$VM_HTTP" "$VM_GRAPHITE" "$VM_TELNET" "$VM_TSDBHTTP" &&
		curl -fs -o /dev/null "http://127.0.0.1:$VM_HTTP/health"
}

# _vm_run DIR: starts victoria-metrics in the background on the VM_* ports with its
# data in DIR/vm, its output appended to VM_LOG; sets VM_PID. vm_start and vm_restart
# share it, so a restarted VictoriaMetrics runs with exactly the flags of the first.
_vm_run() {
	victoria-metrics -storageDataPath="$1/vm" -httpListenAddr="127.0.0.1:$VM_HTTP" \
		-graphiteListenAddr="127.0.0.1:$VM_GRAPHITE" -opentsdbListenAddr="127.0.0.1:$VM_TELNET" \
		-opentsdbHTTPListenAddr="127.0.0.1:$VM_TSDBHTTP" \
		-search.latencyOffset=0s -retentionPeriod=100y >>"$VM_LOG" 2>&1 &
	VM_PID=$!
	RECEIVERS_PIDS+=("$VM_PID")
}

# vm_start DIR: Debian's victoria-metrics with its data in DIR/vm, its log in
# DIR/vm.log. Sets VM_HTTP, VM_GRAPHITE, VM_TELNET (opentsdb telnet), VM_TSDBHTTP
# (opentsdb /api/put), VM_PID, VM_LOG, VM_DIR (DIR, for vm_restart).
# -search.latencyOffset=0s so queries see fresh points; -retentionPeriod=100y so tests
# may use any past timestamp.
vm_start() {
	local dir=$1 attempt ports t0 rc
	command -v victoria-metrics >/dev/null || { _receivers_say "victoria-metrics is not installed"; return 1; }
	mkdir -p "$dir" || return 1
	VM_LOG=$dir/vm.log
	VM_DIR=$dir
	for attempt in 1 2 3; do
		ports=$(free_port 4) || return 1
		read -r VM_HTTP VM_GRAPHITE VM_TELNET VM_TSDBHTTP <<<"$ports"
		t0=$EPOCHREALTIME
		: >"$VM_LOG"
		_vm_run "$dir"
		_receivers_wait "$VM_PID" "$VM_LOG" victoria-metrics _vm_ready
		rc=$?
		if [ "$rc" -eq 0 ]; then
			_receivers_say "victoria-metrics answered in $(_receivers_ms "$t0") ms (http $VM_HTTP, graphite $VM_GRAPHITE, telnet $VM_TELNET, /api/put $VM_TSDBHTTP)"
			export VM_HTTP VM_GRAPHITE VM_TELNET VM_TSDBHTTP VM_PID VM_LOG VM_DIR
			return 0
		fi
		_receivers_forget "$VM_PID"
		[ "$rc" -eq 2 ] || return 1
		_receivers_say "victoria-metrics: a port was taken meanwhile (attempt $attempt), trying others"
	done
	return 1
}

# _receivers_points: counts the values in what it reads (JSON of vm_export or of
# whisper-fetch); nulls are not values.
_receivers_points() {
	grep -oE '"values" *: *\[[^]]*\]' | grep -oE '[-+0-9.eE]+|NaN|Inf' | grep -c .
}

# vm_export MATCH [MIN_POINTS]: flushes VictoriaMetrics' buffers, then prints
# /api/v1/export for the series selector MATCH (one JSON line per series: metric,
# values, ms timestamps). Ingestion is asynchronous, so it asks again until the
# series hold MIN_POINTS values together (default 1; 0: ask once) or
# RECEIVERS_READ_TIMEOUT passes; then it prints the last answer and returns 1.
vm_export() {
	local match=$1 min=${2:-1} out deadline=$(($(_receivers_ms) + RECEIVERS_READ_TIMEOUT * 1000))
	while :; do
		curl -fsS -o /dev/null "http://127.0.0.1:$VM_HTTP/internal/force_flush" || return 1
		# --data-urlencode: with -d, a '+' in a regex would arrive as a space.
		out=$(curl -fsS "http://127.0.0.1:$VM_HTTP/api/v1/export" --data-urlencode "match[]=$match") || return 1
		[ "$(_receivers_points <<<"$out")" -ge "$min" ] && break
		if [ "$(_receivers_ms)" -ge "$deadline" ]; then
			[ -n "$out" ] && printf '%s\n' "$out"
			_receivers_say "vm_export: fewer than $min points for $match after ${RECEIVERS_READ_TIMEOUT} s"
			return 1
		fi
		sleep 0.05
	done
	[ -n "$out" ] && printf '%s\n' "$out"
	return 0
}

# carbon_start DIR: Debian's carbon-cache with conf, whisper files and log under
# DIR/carbon. Sets CARBON_PORT (plaintext line receiver), CARBON_PID,
# CARBON_WHISPER_DIR, CARBON_LOG. Every .wsp gets 1 s resolution for an hour.
# The pickle receiver is off (port 0 disables it); the cache-query port is 0, which
# the kernel makes an ephemeral port. Tags are parsed and stored under _tagged/
# (ENABLE_TAGS only adds the POSTs to a graphite-web tag database, which we lack).
carbon_start() {
	local dir=$1/carbon attempt t0 rc
	command -v carbon-cache >/dev/null || { _receivers_say "carbon-cache is not installed (graphite-carbon)"; return 1; }
	mkdir -p "$dir/conf" "$dir/log" "$dir/storage/whisper" || return 1
	CARBON_WHISPER_DIR=$dir/storage/whisper
	CARBON_LOG=$dir/carbon.log
	printf '[all]\npattern = .*\nretentions = 1s:1h,60s:1d\n' >"$dir/conf/storage-schemas.conf"
	for attempt in 1 2 3; do
		CARBON_PORT=$(free_port 1) || return 1
		# MAX_CREATES_PER_MINUTE: the default 50 would delay new series by minutes.
		# USER empty: do not switch to _graphite. WHISPER_AUTOFLUSH: a point written is
		# on disk when whisper-fetch looks.
		cat >"$dir/conf/carbon.conf" <<EOF
[cache]
STORAGE_DIR = $dir/storage/
LOCAL_DATA_DIR = $CARBON_WHISPER_DIR/
CONF_DIR = $dir/conf/
LOG_DIR = $dir/log/
PID_DIR = $dir/
USER =
DATABASE = whisper
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $CARBON_PORT
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = 0
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = 0
WHISPER_AUTOFLUSH = True
ENABLE_TAGS = False
LOG_LISTENER_CONNECTIONS = False
EOF
		t0=$EPOCHREALTIME
		# --nodaemon keeps it our child (so its PID is $!) and logs to stdout.
		GRAPHITE_ROOT=$dir carbon-cache --config="$dir/conf/carbon.conf" --nodaemon \
			--pidfile="$dir/carbon.pid" start >"$CARBON_LOG" 2>&1 &
		CARBON_PID=$!
		RECEIVERS_PIDS+=("$CARBON_PID")
		_receivers_wait "$CARBON_PID" "$CARBON_LOG" carbon-cache _receivers_listens "$CARBON_PID" "$CARBON_PORT"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			_receivers_say "carbon-cache answered in $(_receivers_ms "$t0") ms (line receiver $CARBON_PORT)"
			export CARBON_PORT CARBON_PID CARBON_WHISPER_DIR CARBON_LOG
			return 0
		fi
		_receivers_forget "$CARBON_PID"
		[ "$rc" -eq 2 ] || return 1
		_receivers_say "carbon-cache: port $CARBON_PORT was taken meanwhile (attempt $attempt), trying another"
	done
	return 1
}

# carbon_tagged_path 'NAME;K=V;...': prints where carbon stores a tagged series,
# relative to CARBON_WHISPER_DIR: _tagged/H[0:3]/H[3:6]/H.wsp, H the sha256 of the
# series' normal form, as carbon.util.TaggedSeries writes it: the name (leading '~'
# dropped), then each ";K=V" with the last value of each key, sorted as strings.
carbon_tagged_path() {
	local IFS=';' seg name h segs
	local -A tags=()
	read -r -a segs <<<"$1"
	name=${segs[0]#"${segs[0]%%[!~]*}"}
	for seg in "${segs[@]:1}"; do
		[ "${seg%%=*}" = name ] && continue  # carbon overwrites a "name" tag with the name
		tags[${seg%%=*}]=${seg#*=}
	done
	h=$(
		printf '%s' "$name"
		for seg in "${!tags[@]}"; do printf ';%s=%s\n' "$seg" "${tags[$seg]}"; done | LC_ALL=C sort | tr -d '\n'
	)
	h=$(printf '%s' "$h" | sha256sum) || return 1
	h=${h%% *}
	printf '_tagged/%s/%s/%s.wsp\n' "${h:0:3}" "${h:3:3}" "$h"
}

# carbon_fetch METRIC FROM UNTIL [MIN_POINTS]: prints `whisper-fetch --json` of
# METRIC (a dotted path, or a tagged 'NAME;K=V;...') for the points in (FROM, UNTIL],
# seconds. carbon writes asynchronously (~1 s), so it waits until the series holds
# MIN_POINTS non-null values in that range (default 1; 0: only until the file
# exists) or RECEIVERS_READ_TIMEOUT passes; then it prints the last answer and
# returns 1. JSON: {"start": FROM+1, "end", "step", "values": [v or null per step]}.
carbon_fetch() {
	local metric=$1 from=$2 until=$3 min=${4:-1} file out="" deadline=$(($(_receivers_ms) + RECEIVERS_READ_TIMEOUT * 1000))
	case $metric in
	*\;*) file=$CARBON_WHISPER_DIR/$(carbon_tagged_path "$metric") ;;
	*) file=$CARBON_WHISPER_DIR/${metric//.//}.wsp ;;
	esac
	while :; do
		if [ -e "$file" ]; then
			out=$(whisper-fetch --json --from="$from" --until="$until" "$file") || return 1
			[ "$(_receivers_points <<<"$out")" -ge "$min" ] && break
		fi
		if [ "$(_receivers_ms)" -ge "$deadline" ]; then
			[ -n "$out" ] && printf '%s\n' "$out"
			_receivers_say "carbon_fetch: fewer than $min points in $file after ${RECEIVERS_READ_TIMEOUT} s"
			return 1
		fi
		sleep 0.05
	done
	printf '%s\n' "$out"
}

# fake_peer_start BINARY MODE [OPTIONS...]: starts tests/integration/fake_peer (a FAKE
# receiver, for what no real one does: stall, reset, garbage) and reads the port it
# prints. Sets FAKE_PEER_PORT, FAKE_PEER_PID, FAKE_PEER_LOG (its stderr: one line per
# event). receivers_stop_all stops it too.
fake_peer_start() {
	local bin=$1 portfile deadline=$(($(_receivers_ms) + RECEIVERS_START_TIMEOUT * 1000))
	shift
	portfile=$(mktemp) || return 1
	FAKE_PEER_LOG=${portfile}.log
	RECEIVERS_FILES+=("$FAKE_PEER_LOG")
	"$bin" "$@" >"$portfile" 2>"$FAKE_PEER_LOG" &
	FAKE_PEER_PID=$!
	RECEIVERS_PIDS+=("$FAKE_PEER_PID")
	until read -r FAKE_PEER_PORT <"$portfile" && [ -n "$FAKE_PEER_PORT" ]; do
		if ! kill -0 "$FAKE_PEER_PID" 2>/dev/null || [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "fake_peer $* did not start:"
			cat "$FAKE_PEER_LOG" >&2
			rm -f "$portfile"
			return 1
		fi
		sleep 0.01
	done
	rm -f "$portfile"
	export FAKE_PEER_PORT FAKE_PEER_PID FAKE_PEER_LOG
}

# http_sink_start OUT: tests/integration/http_sink.py, a plain HTTP listener that keeps
# every request as a JSON line in OUT and answers 204 (for json:http and graphite:http,
# which no real receiver takes). Sets HTTP_SINK_PORT, HTTP_SINK_PID.
http_sink_start() {
	local out=$1 portfile deadline=$(($(_receivers_ms) + RECEIVERS_START_TIMEOUT * 1000))
	portfile=$(mktemp -u) || return 1
	"$RECEIVERS_PYTHON" "$(dirname "${BASH_SOURCE[0]}")/http_sink.py" "$portfile" "$out" 2>"$out.log" &
	HTTP_SINK_PID=$!
	RECEIVERS_PIDS+=("$HTTP_SINK_PID")
	until [ -s "$portfile" ] && read -r HTTP_SINK_PORT <"$portfile"; do
		if ! kill -0 "$HTTP_SINK_PID" 2>/dev/null || [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "http_sink did not start:"
			cat "$out.log" >&2
			return 1
		fi
		sleep 0.01
	done
	rm -f "$portfile"
	export HTTP_SINK_PORT HTTP_SINK_PID
}

# fake_rw_start SCRIPT OUT [--rcvbuf N]: tests/integration/fake_rw_peer.py, a FAKE
# remote-write receiver that answers as SCRIPT says (ok, a status, 429:S, garbage,
# reset, stall:MS; see the file) and writes the samples it took to OUT, its events to
# OUT.log. Sets FAKE_RW_PORT, FAKE_RW_PID, FAKE_RW_LOG. receivers_stop_all stops it.
fake_rw_start() {
	local script=$1 out=$2 portfile deadline=$(($(_receivers_ms) + RECEIVERS_START_TIMEOUT * 1000))
	shift 2
	portfile=$(mktemp -u) || return 1
	FAKE_RW_LOG=$out.log
	"$RECEIVERS_PYTHON" "$(dirname "${BASH_SOURCE[0]}")/fake_rw_peer.py" "$portfile" "$out" "$script" "$@" 2>"$FAKE_RW_LOG" &
	FAKE_RW_PID=$!
	RECEIVERS_PIDS+=("$FAKE_RW_PID")
	until [ -s "$portfile" ] && read -r FAKE_RW_PORT <"$portfile"; do
		if ! kill -0 "$FAKE_RW_PID" 2>/dev/null || [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "fake_rw_peer did not start:"
			cat "$FAKE_RW_LOG" >&2
			return 1
		fi
		sleep 0.01
	done
	rm -f "$portfile"
}

# tls_front_start CERT KEY PORT: Debian's socat as a TLS front (RECEIVERS.md) that
# terminates TLS with CERT/KEY and forwards each connection to 127.0.0.1:PORT in plain
# (VictoriaMetrics' /api/put has no TLS of its own). Sets TLS_FRONT_PORT, TLS_FRONT_PID.
tls_front_start() {
	local cert=$1 key=$2 target=$3 attempt log
	command -v socat >/dev/null || { _receivers_say "socat is not installed"; return 1; }
	log=$(mktemp) || return 1
	RECEIVERS_FILES+=("$log")
	for attempt in 1 2 3; do
		TLS_FRONT_PORT=$(free_port 1) || return 1
		socat "OPENSSL-LISTEN:$TLS_FRONT_PORT,bind=127.0.0.1,reuseaddr,fork,cert=$cert,key=$key,verify=0" \
			"TCP:127.0.0.1:$target" 2>"$log" &
		TLS_FRONT_PID=$!
		RECEIVERS_PIDS+=("$TLS_FRONT_PID")
		if _receivers_wait "$TLS_FRONT_PID" "$log" socat _receivers_listens "$TLS_FRONT_PID" "$TLS_FRONT_PORT"; then
			export TLS_FRONT_PORT TLS_FRONT_PID
			return 0
		fi
		_receivers_forget "$TLS_FRONT_PID"
	done
	return 1
}

# _receivers_ours PID: true while PID is a child of this shell. A receiver the test
# already stopped and reaped may have its PID reused by an unrelated process.
_receivers_ours() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }  # after "(comm) ": state, ppid, ...
	stat=${stat#* }
	[ "${stat%% *}" = "$BASHPID" ]
}

# receivers_stop_all: SIGTERM to every process started here and still running, waits
# for them (carbon takes 0.5-2 s to flush and stop), SIGKILL to any left after 10 s.
# Removes the fake_peer logs it made, nothing in the caller's folders.
receivers_stop_all() {
	local pid left deadline=$(($(_receivers_ms) + 10000))
	for pid in "${RECEIVERS_PIDS[@]}"; do
		_receivers_ours "$pid" && kill "$pid" 2>/dev/null
	done
	while :; do
		left=()
		for pid in "${RECEIVERS_PIDS[@]}"; do
			_receivers_ours "$pid" && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] && left+=("$pid")
		done
		[ ${#left[@]} -eq 0 ] && break
		if [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "still running after 10 s, killing: ${left[*]}"
			kill -KILL "${left[@]}" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	for pid in "${RECEIVERS_PIDS[@]}"; do
		[ -n "$pid" ] && wait "$pid" 2>/dev/null
	done
	RECEIVERS_PIDS=()
	[ ${#RECEIVERS_FILES[@]} -eq 0 ] || rm -f "${RECEIVERS_FILES[@]}"
	RECEIVERS_FILES=()
	return 0
}

# Prometheus (remote-write receiver): prom_start, prom_query_range.

_prom_ready() {
	_receivers_listens "$PROM_PID" "$PROM_PORT" &&
		curl -fs -o /dev/null ${PROM_CA:+--cacert "$PROM_CA"} "$PROM_URL/-/ready"
}

# prom_start DIR [CERT KEY [CA]]: Debian's prometheus as a remote-write receiver
# (POST /api/v1/write), scraping nothing (scrape_interval 1h, no scrape configs), with
# its config in DIR/prometheus.yml, its TSDB in DIR/prom and its log in DIR/prom.log:
# one Prometheus per DIR. With CERT and KEY (PEM files) it serves HTTPS only, through
# DIR/prom-web.yml (tls_server_config); CA is what clients trust, default CERT (a
# self-signed certificate). Sets PROM_PORT, PROM_PID, PROM_SCHEME (http or https),
# PROM_CA (the file for curl --cacert; empty over http), PROM_URL
# (SCHEME://127.0.0.1:PORT), PROM_LOG.
prom_start() {
	local dir=$1 cert=${2:-} key=${3:-} ca=${4:-${2:-}} attempt t0 rc f args
	command -v prometheus >/dev/null || { _receivers_say "prometheus is not installed"; return 1; }
	if [ -n "$cert" ]; then
		for f in "$cert" "$key" "$ca"; do
			[ -r "$f" ] || { _receivers_say "prom_start: cannot read '$f' (usage: prom_start DIR [CERT KEY [CA]])"; return 1; }
		done
		# absolute: the web config is read from DIR, curl may run from elsewhere
		cert=$(realpath "$cert") && key=$(realpath "$key") && ca=$(realpath "$ca") || return 1
	fi
	mkdir -p "$dir/prom" || return 1
	dir=$(realpath "$dir") || return 1
	PROM_LOG=$dir/prom.log
	printf 'global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n' >"$dir/prometheus.yml"
	args=(--config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prom" --web.enable-remote-write-receiver)
	if [ -n "$cert" ]; then
		printf 'tls_server_config:\n  cert_file: "%s"\n  key_file: "%s"\n' "$cert" "$key" >"$dir/prom-web.yml"
		args+=(--web.config.file="$dir/prom-web.yml")
		PROM_SCHEME=https
		PROM_CA=$ca
	else
		PROM_SCHEME=http
		PROM_CA=
	fi
	for attempt in 1 2 3; do
		PROM_PORT=$(free_port 1) || return 1
		PROM_URL=$PROM_SCHEME://127.0.0.1:$PROM_PORT
		t0=$EPOCHREALTIME
		prometheus "${args[@]}" --web.listen-address="127.0.0.1:$PROM_PORT" >"$PROM_LOG" 2>&1 &
		PROM_PID=$!
		RECEIVERS_PIDS+=("$PROM_PID")
		_receivers_wait "$PROM_PID" "$PROM_LOG" prometheus _prom_ready
		rc=$?
		if [ "$rc" -eq 0 ]; then
			_receivers_say "prometheus answered in $(_receivers_ms "$t0") ms ($PROM_URL)"
			export PROM_PORT PROM_PID PROM_SCHEME PROM_CA PROM_URL PROM_LOG
			return 0
		fi
		_receivers_forget "$PROM_PID"
		[ "$rc" -eq 2 ] || return 1
		_receivers_say "prometheus: port $PROM_PORT was taken meanwhile (attempt $attempt), trying another"
	done
	return 1
}

# _prom_points FILE: prints how many samples a /api/v1/query answer in FILE holds,
# or -1 when it is not a successful matrix.
_prom_points() {
	"$RECEIVERS_PYTHON" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    assert d["status"] == "success" and d["data"]["resultType"] == "matrix"
    print(sum(len(r.get("values", [])) + len(r.get("histograms", [])) for r in d["data"]["result"]))
except Exception:
    print(-1)' "$1"
}

# prom_query_range MATCHER OUTFILE [MIN_POINTS]: writes to OUTFILE the raw JSON of
# Prometheus' /api/v1/query for MATCHER[1h] at now+60 s: a matrix of every sample of
# the matching series from 59 min ago to 60 s ahead, values as strings, timestamps as
# seconds with ms decimals (compare_rw.py reads it). A sample later than the evaluation
# time is not returned, hence +60 s. MATCHER is a metric name or a {...} selector.
# A write is visible once Prometheus has answered it, but the sender (mxpd) may still
# be sending: it asks again until the answer holds MIN_POINTS samples in all (default
# 1; 0: ask once) or RECEIVERS_READ_TIMEOUT passes; then it leaves the last answer in
# OUTFILE and returns 1. Returns 1 at once when Prometheus refuses the query (a bad
# MATCHER), with its answer on stderr.
prom_query_range() {
	local match=$1 out=$2 min=${3:-1} code n deadline=$(($(_receivers_ms) + RECEIVERS_READ_TIMEOUT * 1000))
	while :; do
		# --data-urlencode: a '+' in a regex would arrive as a space otherwise.
		code=$(curl -sS -G -o "$out" -w '%{http_code}' ${PROM_CA:+--cacert "$PROM_CA"} \
			"$PROM_URL/api/v1/query" --data-urlencode "query=${match}[1h]" \
			--data-urlencode "time=$((${EPOCHREALTIME%[.,]*} + 60))") || return 1
		if [ "$code" != 200 ]; then
			_receivers_say "prom_query_range: Prometheus answered $code to ${match}[1h]: $(head -c 300 "$out")"
			return 1
		fi
		n=$(_prom_points "$out")
		if [ "$n" -lt 0 ]; then
			_receivers_say "prom_query_range: not a matrix in $out: $(head -c 300 "$out")"
			return 1
		fi
		[ "$n" -ge "$min" ] && return 0
		if [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "prom_query_range: $n of $min samples for $match after ${RECEIVERS_READ_TIMEOUT} s"
			return 1
		fi
		sleep 0.05
	done
}

# npm-packaged peers: kinesalite (Kinesis) and CongoDB (MongoDB wire). No Debian package
# serves either protocol, so they come from the npm registry, installed by
# _receivers_npm_peer at test time into a cache kept across runs:
#   ${MXP_TEST_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxp-test-peers}/NAME-VERSION-HASH
# HASH: of the pinned package list, so that a change of pins installs anew. Needs node
# and npm (receivers_have_node): tools/install-deps.sh test brings Debian's when absent.

# node and npm from /usr/bin first, as python3 above, unless the caller names others
# (RECEIVERS_NODE=/path/to/node: to run the peers on another Node.js).
if [ -z "${RECEIVERS_NODE:-}" ]; then
	if [ -x /usr/bin/node ]; then RECEIVERS_NODE=/usr/bin/node; else RECEIVERS_NODE=node; fi
fi
if [ -z "${RECEIVERS_NPM:-}" ]; then
	if [ -x /usr/bin/npm ]; then RECEIVERS_NPM=/usr/bin/npm; else RECEIVERS_NPM=npm; fi
fi
RECEIVERS_PEERS_CACHE=${MXP_TEST_PEERS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mxp-test-peers}
# Exact versions. kinesalite's own dependencies follow its ranges (leveldown's
# prebuilt binary ships in its package). CongoDB: the smartmongo package is unpacked,
# not installed (some of its dependencies are not served by the registry, RECEIVERS.md);
# then the dependencies its CongoDB part imports, at the versions its ranges
# (smartfs ^1.3.1, smartpath ^5.0.11, smartpromise ^4.0.3, smartrx ^3.0.0, bson ^6.10.0,
# mingo ^7.2.0) resolved to when this was written, and the official driver as the test
# client (mongodb 6.x: runs on Debian 12's node 18; 7.x needs node >= 20.19).
RECEIVERS_KINESALITE_NPM="kinesalite@3.3.3"
RECEIVERS_CONGODB_NPM="@push.rocks/smartmongo@2.2.0"
RECEIVERS_CONGODB_DEPS=(@push.rocks/smartfs@1.5.0 @push.rocks/smartpath@5.1.0 @push.rocks/smartpromise@4.2.3
	@push.rocks/smartrx@3.0.10 bson@6.10.4 mingo@7.2.7 mongodb@6.22.0)

# receivers_have_node: true when node and npm are there; otherwise says what is missing.
receivers_have_node() {
	local tool
	for tool in "$RECEIVERS_NODE" "$RECEIVERS_NPM"; do
		command -v "$tool" >/dev/null && continue
		_receivers_say "${tool##*/} is not installed (tools/install-deps.sh test, or apt-get install nodejs npm)"
		return 1
	done
}

# _receivers_npm_install NAME DIR: installs the npm peer NAME into the empty DIR.
# --ignore-scripts: none of these packages needs its install script (leveldown's
# only looks for the prebuilt binary it ships), and npm versions differ on running them.
_receivers_npm_install() {
	local name=$1 dir=$2 npm_flags=(--no-audit --no-fund --ignore-scripts --no-update-notifier)
	printf '{"name": "mxp-test-peer-%s", "private": true}\n' "$name" >"$dir/package.json" || return 1
	case $name in
	kinesalite)
		(cd "$dir" && "$RECEIVERS_NPM" install "${npm_flags[@]}" "$RECEIVERS_KINESALITE_NPM") ;;
	congodb)
		# The package's own package.json lists what the registry does not serve, so it
		# is unpacked beside node_modules (its imports resolve upwards) and npm installs
		# only the list above.
		(cd "$dir" && "$RECEIVERS_NPM" pack --silent "$RECEIVERS_CONGODB_NPM" >pack.out &&
			mkdir smartmongo && tar xzf "$(tail -n 1 pack.out)" -C smartmongo --strip-components=1 &&
			rm -f "$(tail -n 1 pack.out)" pack.out &&
			"$RECEIVERS_NPM" install "${npm_flags[@]}" "${RECEIVERS_CONGODB_DEPS[@]}") ;;
	*)
		_receivers_say "_receivers_npm_install: no npm peer '$name'"
		return 1 ;;
	esac
}

# _receivers_npm_peer NAME: prints the folder where the npm peer NAME (kinesalite,
# congodb) is installed, installing it first when the cache lacks it, and then says
# how long that took and its size. Concurrent runs: one installs under a lock (flock)
# into a temporary folder renamed into place when complete; the others wait for the
# lock (up to 10 min), then find it there. A folder in the cache is always whole.
_receivers_npm_peer() {
	local name=$1 version spec key dir t0 rc
	case $name in
	kinesalite) version=${RECEIVERS_KINESALITE_NPM##*@} spec=$RECEIVERS_KINESALITE_NPM ;;
	congodb) version=${RECEIVERS_CONGODB_NPM##*@} spec="$RECEIVERS_CONGODB_NPM ${RECEIVERS_CONGODB_DEPS[*]}" ;;
	*) _receivers_say "_receivers_npm_peer: no npm peer '$name'"; return 1 ;;
	esac
	key=$(printf '%s' "$spec" | sha256sum) || return 1
	key=$name-$version-${key:0:8}
	dir=$RECEIVERS_PEERS_CACHE/$key
	[ -d "$dir" ] && { echo "$dir"; return 0; }
	receivers_have_node || return 1
	mkdir -p "$RECEIVERS_PEERS_CACHE" || return 1
	t0=$EPOCHREALTIME
	(
		flock -w 600 9 || { _receivers_say "no lock on $RECEIVERS_PEERS_CACHE/$key.lock after 10 min"; exit 1; }
		if [ -d "$dir" ]; then
			_receivers_say "$name: another run installed it meanwhile (waited $(_receivers_ms "$t0") ms)"
			exit 0
		fi
		rm -rf "$RECEIVERS_PEERS_CACHE/.$key.tmp."*  # left by a run that was killed
		part=$(mktemp -d "$RECEIVERS_PEERS_CACHE/.$key.tmp.XXXXXX") && chmod 755 "$part" || exit 1
		_receivers_say "installing $name ($spec) from npm into $dir"
		if ! _receivers_npm_install "$name" "$part" >"$part.log" 2>&1; then
			_receivers_say "npm failed to install $name; the end of its output:"
			tail -n 20 "$part.log" >&2
			rm -rf "$part" "$part.log"
			exit 1
		fi
		mv "$part.log" "$part/install.log" && mv -T "$part" "$dir" || exit 1
		_receivers_say "installed $name in $(_receivers_ms "$t0") ms, $(du -sh "$dir" | cut -f1) on disk"
	) 9>"$RECEIVERS_PEERS_CACHE/$key.lock"
	rc=$?
	[ "$rc" -eq 0 ] && echo "$dir"
	return "$rc"
}

# _receivers_node_start NAME LOG PORTFILE SCRIPT ARGS...: starts a node script that
# prints the port it listens on (picked by the kernel: no port race) into PORTFILE;
# sets _RECEIVERS_NODE_PID and waits for a port (or returns 1 with its log).
_receivers_node_start() {
	local name=$1 log=$2 portfile=$3 deadline=$(($(_receivers_ms) + RECEIVERS_START_TIMEOUT * 1000))
	shift 3
	: >"$portfile"
	"$RECEIVERS_NODE" "$@" >"$portfile" 2>"$log" &
	_RECEIVERS_NODE_PID=$!
	RECEIVERS_PIDS+=("$_RECEIVERS_NODE_PID")
	until [ -s "$portfile" ] && grep -q '^[0-9]\+$' "$portfile"; do
		if ! kill -0 "$_RECEIVERS_NODE_PID" 2>/dev/null || [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "$name did not start listening; the end of $log:"
			tail -n 15 "$log" >&2
			_receivers_forget "$_RECEIVERS_NODE_PID"
			return 1
		fi
		sleep 0.02
	done
}

# Kinesis (kinesalite): kinesalite_start, kinesis_call, kinesis_create_stream,
# kinesis_read_stream.

# Ready: it answers ListStreams. Over TLS without checking the certificate's name: a
# test may start it with a certificate for another name, to see a client refuse it.
_kinesalite_ready() {
	_receivers_listens "$KINESIS_PID" "$KINESIS_PORT" && _KINESIS_INSECURE=1 kinesis_call ListStreams '{}' >/dev/null
}

# kinesalite_start DIR [CERT KEY [CA]]: kinesalite 3.3.3 (tests/integration/
# kinesalite_server.js) on 127.0.0.1 at a port the kernel picks, with its streams in
# DIR/kinesalite (LevelDB: a new kinesalite on the same DIR finds them) and its log in
# DIR/kinesalite.log. Streams become ACTIVE, and are deleted or resharded, at once
# (createStreamMs, deleteStreamMs, updateStreamMs 0). With CERT and KEY (PEM) it serves
# HTTPS only, with them; CA is what clients trust, default CERT. Sets KINESIS_PORT,
# KINESIS_PID, KINESIS_SCHEME (http or https), KINESIS_CA (for curl --cacert; empty
# over http), KINESIS_URL (SCHEME://127.0.0.1:PORT), KINESIS_LOG. Waits until it
# answers ListStreams. Installs kinesalite into the npm cache first when missing.
kinesalite_start() {
	local dir=$1 cert=${2:-} key=${3:-} ca=${4:-${2:-}} peer f t0
	if [ -n "$cert" ]; then
		for f in "$cert" "$key" "$ca"; do
			[ -r "$f" ] || { _receivers_say "kinesalite_start: cannot read '$f' (usage: kinesalite_start DIR [CERT KEY [CA]])"; return 1; }
		done
		cert=$(realpath "$cert") && key=$(realpath "$key") && ca=$(realpath "$ca") || return 1
	fi
	peer=$(_receivers_npm_peer kinesalite) || return 1
	mkdir -p "$dir/kinesalite" || return 1
	dir=$(realpath "$dir") || return 1
	KINESIS_LOG=$dir/kinesalite.log
	KINESIS_SCHEME=http${cert:+s}
	KINESIS_CA=${cert:+$ca}
	t0=$EPOCHREALTIME
	_receivers_node_start kinesalite "$KINESIS_LOG" "$dir/kinesalite.port" \
		"$(dirname "${BASH_SOURCE[0]}")/kinesalite_server.js" "$peer" "$dir/kinesalite" ${cert:+"$cert" "$key"} || return 1
	KINESIS_PID=$_RECEIVERS_NODE_PID
	read -r KINESIS_PORT <"$dir/kinesalite.port"
	KINESIS_URL=$KINESIS_SCHEME://127.0.0.1:$KINESIS_PORT
	if ! _receivers_wait "$KINESIS_PID" "$KINESIS_LOG" kinesalite _kinesalite_ready; then
		_receivers_forget "$KINESIS_PID"
		return 1
	fi
	_receivers_say "kinesalite answered in $(_receivers_ms "$t0") ms ($KINESIS_URL)"
	export KINESIS_PORT KINESIS_PID KINESIS_SCHEME KINESIS_CA KINESIS_URL KINESIS_LOG
}

# kinesis_call OPERATION JSON: POSTs JSON (a literal, or @FILE for the body in FILE:
# bodies past 128 KiB cannot be command arguments) to KINESIS_URL as the Kinesis API
# call OPERATION (X-Amz-Target: Kinesis_20131202.OPERATION, application/x-amz-json-1.1),
# with an X-Amz-Date and a well-formed SigV4 Authorization header whose signature is
# zeros: kinesalite requires the header but verifies nothing. Prints the answer's body
# (on an error too: {"__type": ..., "message": ...}); returns 0 on HTTP 200, else 1
# with the status and body on stderr.
kinesis_call() {
	local op=$1 body=$2 amz_date out code
	amz_date=$(date -u +%Y%m%dT%H%M%SZ)
	out=$(
		if [[ $body == @* ]]; then cat -- "${body#@}"; else printf '%s' "$body"; fi |
			curl -sS -w '\n%{http_code}' ${KINESIS_CA:+--cacert "$KINESIS_CA"} ${_KINESIS_INSECURE:+--insecure} --data-binary @- \
				-H 'Content-Type: application/x-amz-json-1.1' \
				-H "X-Amz-Target: Kinesis_20131202.$op" \
				-H "X-Amz-Date: $amz_date" \
				-H "Authorization: AWS4-HMAC-SHA256 Credential=AKIDMXPTEST/${amz_date:0:8}/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=$(printf '0%.0s' {1..64})" \
				"$KINESIS_URL/"
	) || { _receivers_say "kinesis_call $op: no answer from $KINESIS_URL"; return 1; }
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	[ -n "$out" ] && printf '%s\n' "$out"
	[ "$code" = 200 ] && return 0
	_receivers_say "kinesis_call $op: $code ${out:0:300}"
	return 1
}

# kinesis_create_stream NAME [SHARDS]: CreateStream with SHARDS shards (default 1; at
# most 10, kinesalite's shardLimit), then waits until DescribeStreamSummary says
# ACTIVE (at once with createStreamMs 0, but a test must not rely on that).
kinesis_create_stream() {
	local name=$1 shards=${2:-1} deadline=$(($(_receivers_ms) + RECEIVERS_START_TIMEOUT * 1000))
	kinesis_call CreateStream "{\"StreamName\": \"$name\", \"ShardCount\": $shards}" >/dev/null || return 1
	until kinesis_call DescribeStreamSummary "{\"StreamName\": \"$name\"}" | grep -q '"StreamStatus":"ACTIVE"'; do
		if [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "kinesis_create_stream: $name not ACTIVE after ${RECEIVERS_START_TIMEOUT} s"
			return 1
		fi
		sleep 0.02
	done
}

# kinesis_read_stream NAME OUT [MIN_RECORDS]: every record of stream NAME (every
# shard, from TRIM_HORIZON) into OUT, one JSON line per record:
#   {"partition_key": ..., "data": <the decoded bytes as text>, "shard": ..., "sequence": ...}
# shards in ShardId order, each in sequence order (kinesis_read.py says how bytes that
# are not UTF-8 appear). mxpd may still be sending: it reads again until the stream
# holds MIN_RECORDS (default 1; 0: read once) or RECEIVERS_READ_TIMEOUT passes; then
# OUT holds what was there and it returns 1. Returns 1 at once on an error answer.
kinesis_read_stream() {
	"$RECEIVERS_PYTHON" "$(dirname "${BASH_SOURCE[0]}")/kinesis_read.py" "$KINESIS_URL" "${KINESIS_CA:-}" \
		"$1" "$2" "${3:-1}" "$RECEIVERS_READ_TIMEOUT"
}

# MongoDB wire (CongoDB): mongo_start, mongo_insert, mongo_find.

_mongo_ready() {
	_receivers_listens "$MONGO_PID" "$MONGO_PORT" &&
		"$RECEIVERS_NODE" "$(dirname "${BASH_SOURCE[0]}")/mongo_client.js" "$MONGO_PEER" hello 127.0.0.1 "$MONGO_PORT" >/dev/null
}

# mongo_start DIR: CongoDB, the MongoDB-wire server of @push.rocks/smartmongo 2.2.0
# (tests/integration/congodb_server.mjs), memory storage, on 127.0.0.1 at a port the
# kernel picks, its log in DIR/congodb.log. Waits until it answers an OP_MSG hello
# (ok: 1, writable primary). Sets MONGO_PORT, MONGO_PID, MONGO_URI
# (mongodb://127.0.0.1:PORT), MONGO_LOG, and MONGO_PEER (the npm folder that
# mongo_insert and mongo_find take the driver from). No TLS: CongoDB has none.
# What CongoDB keeps of each BSON type is pinned in test_receivers_peers.sh.
mongo_start() {
	local dir=$1 t0
	MONGO_PEER=$(_receivers_npm_peer congodb) || return 1
	mkdir -p "$dir" || return 1
	dir=$(realpath "$dir") || return 1
	MONGO_LOG=$dir/congodb.log
	t0=$EPOCHREALTIME
	_receivers_node_start CongoDB "$MONGO_LOG" "$dir/congodb.port" \
		"$(dirname "${BASH_SOURCE[0]}")/congodb_server.mjs" "$MONGO_PEER" || return 1
	MONGO_PID=$_RECEIVERS_NODE_PID
	read -r MONGO_PORT <"$dir/congodb.port"
	MONGO_URI=mongodb://127.0.0.1:$MONGO_PORT
	if ! _receivers_wait "$MONGO_PID" "$MONGO_LOG" CongoDB _mongo_ready; then
		_receivers_forget "$MONGO_PID"
		return 1
	fi
	_receivers_say "CongoDB answered hello in $(_receivers_ms "$t0") ms ($MONGO_URI)"
	export MONGO_PORT MONGO_PID MONGO_URI MONGO_LOG MONGO_PEER
}

# mongo_insert DB COLLECTION < LINES: inserts the documents on stdin (one canonical
# Extended JSON object a line: {"v": {"$numberLong": "5"}} is an int64, a bare 1.5 a
# double, a bare 7 an int32) with the official driver's insertMany; prints the count.
mongo_insert() {
	"$RECEIVERS_NODE" "$(dirname "${BASH_SOURCE[0]}")/mongo_client.js" "$MONGO_PEER" insert "$MONGO_URI" "$1" "$2"
}

# mongo_find DB COLLECTION OUT [MIN_DOCS]: every document of DB.COLLECTION into OUT,
# one canonical Extended JSON line each, in the order the server returns them
# (insertion order for CongoDB's memory storage), each value as the BSON type the
# server sent: {"$numberDouble": "0.1"} (shortest text that reads back as the same
# double: exact), {"$numberInt": "7"}, {"$numberLong": "..."}, a date as
# {"$date": {"$numberLong": "<ms since the epoch>"}}, _id as {"$oid": ...}. mxpd may
# still be sending: it reads again until there are MIN_DOCS (default 1; 0: read once)
# or RECEIVERS_READ_TIMEOUT passes; then OUT holds what was there and it returns 1.
mongo_find() {
	"$RECEIVERS_NODE" "$(dirname "${BASH_SOURCE[0]}")/mongo_client.js" "$MONGO_PEER" find "$MONGO_URI" \
		"$1" "$2" "$3" "${4:-1}" "$RECEIVERS_READ_TIMEOUT"
}

# vm_restart: stops the VictoriaMetrics that vm_start started and starts it again on the
# SAME ports with the same data folder and flags, as an operator's restart would: the
# clients keep their destinations and see the receiver go away and come back. SIGTERM
# first (VictoriaMetrics stops its listeners, closes its connections, flushes what it
# holds to disk and exits; bytes a client wrote that it had not read are gone); SIGKILL
# if it is still running after RECEIVERS_STOP_TIMEOUT seconds (default 60), which says
# so: what it held in memory is lost then. Appends a marker and the new process'
# output to VM_LOG. Sets VM_PID (the new process: receivers_stop_all stops it) and
# VM_DOWN_MS (from the SIGTERM until it answered again); prints how long it took to
# stop and to answer. Returns 1 when the new one does not answer: there is no other
# port to try, since the clients point at these.
vm_restart() {
	local old=${VM_PID:-} t0 deadline state killed="" pid kept=() rc stopped_ms
	if [ -z "$old" ] || [ -z "${VM_DIR:-}" ]; then
		_receivers_say "vm_restart: no victoria-metrics to restart (vm_start first)"
		return 1
	fi
	t0=$EPOCHREALTIME
	deadline=$(($(_receivers_ms) + ${RECEIVERS_STOP_TIMEOUT:-60} * 1000))
	kill "$old" 2>/dev/null
	# our child: it stays a zombie until waited for, so "gone" is state Z or no entry
	while state=$(cut -d' ' -f3 "/proc/$old/stat" 2>/dev/null) && [ "$state" != Z ]; do
		if [ "$(_receivers_ms)" -ge "$deadline" ]; then
			_receivers_say "vm_restart: victoria-metrics $old still running ${RECEIVERS_STOP_TIMEOUT:-60} s after SIGTERM, killing it"
			kill -KILL "$old" 2>/dev/null
			killed=" (SIGKILL)"
			break
		fi
		sleep 0.02
	done
	wait "$old" 2>/dev/null
	for pid in "${RECEIVERS_PIDS[@]}"; do
		[ "$pid" = "$old" ] || kept+=("$pid")
	done
	RECEIVERS_PIDS=("${kept[@]}")
	stopped_ms=$(_receivers_ms "$t0")
	printf '\n=== vm_restart: %s, the previous process (%s) stopped in %s ms%s ===\n' \
		"$(date '+%F %T')" "$old" "$stopped_ms" "$killed" >>"$VM_LOG"
	_vm_run "$VM_DIR"
	_receivers_wait "$VM_PID" "$VM_LOG" victoria-metrics _vm_ready
	rc=$?
	if [ "$rc" -ne 0 ]; then
		[ "$rc" -eq 2 ] && _receivers_say "vm_restart: a port of victoria-metrics was taken while it was down"
		_receivers_forget "$VM_PID"
		return 1
	fi
	VM_DOWN_MS=$(_receivers_ms "$t0")
	_receivers_say "victoria-metrics restarted: stopped in $stopped_ms ms$killed, answered again after $VM_DOWN_MS ms (pid $VM_PID)"
	export VM_PID VM_DOWN_MS
}

# netdata as a streaming child: netdata_start.

_netdata_ready() {
	_receivers_listens "$NETDATA_PID" "$NETDATA_WEB" &&
		curl -fs -o /dev/null "http://127.0.0.1:$NETDATA_WEB/api/v1/info"
}

# netdata_conf DIR HOSTNAME WEB_PORT [PLUGINS_DIR]: prints a netdata.conf for a netdata
# of the tests' or the benchmark's own: everything under DIR, database in RAM
# ($NETDATA_RETENTION seconds, default 600),
# web API on 127.0.0.1:WEB_PORT, run as the current user, no health, ML, cloud or
# registry; of the collectors only proc.plugin's and the internal ones, and the external
# plugins of PLUGINS_DIR when given (the benchmark's; a netdata that streams must keep
# Debian's folder, see netdata_start). Sections may be appended.
netdata_conf() {
	local dir=$1 host=$2 web=$3 plugins=${4:-} new=no
	[ -n "$plugins" ] && new=yes
	cat <<CONF
[global]
    hostname = $host
    run as user = $(id -un)
[directories]
    config = $dir/etc
    stock config = /usr/lib/netdata/conf.d
    cache = $dir/cache
    lib = $dir/lib
    log = $dir/log
    run = $dir/run
${plugins:+    plugins = $plugins}
[logs]
    debug log = none
    error log = $dir/log/error.log
    access log = none
[db]
    mode = ram
    retention = ${NETDATA_RETENTION:-600}
    update every = 1
[web]
    bind to = 127.0.0.1:$web
[plugins]
    tc = no
    idlejitter = no
    cgroups = no
    statsd = no
    diskspace = no
    timex = no
    checks = no
    apps = no
    charts.d = no
    python.d = no
    go.d = no
    ebpf = no
    perf = no
    slabinfo = no
    nfacct = no
    fping = no
    ioping = no
    enable running new plugins = $new
[health]
    enabled = no
[ml]
    enabled = no
[cloud]
    enabled = no
[registry]
    enabled = no
CONF
}

# netdata_start DIR HOSTNAME DESTINATION API_KEY [LABEL_LINES]: Debian's netdata 1.37
# as a child that streams to DESTINATION (IP:PORT) with API_KEY: its own netdata.conf
# and stream.conf under DIR (database in RAM; of its collectors only proc.plugin's and
# the internal ones run; no health, ML, cloud or registry), its web API on a free port
# of 127.0.0.1, run as the current user. LABEL_LINES ("name = value" lines) go in
# [host labels]. Sets NETDATA_PID, NETDATA_WEB, NETDATA_LOG (its error.log),
# NETDATA_DIR. Starting it again with the same DIR is the same child (its machine GUID
# is kept in DIR/lib). Stop it with netdata_stop, or receivers_stop_all.
netdata_start() {
	local dir=$1 host=$2 dest=$3 key=$4 labels=${5:-} attempt t0 rc
	command -v netdata >/dev/null || { _receivers_say "netdata is not installed"; return 1; }
	mkdir -p "$dir"/{etc,cache,lib,log,run} || return 1
	NETDATA_DIR=$dir NETDATA_LOG=$dir/log/error.log
	cat >"$dir/etc/stream.conf" <<CONF
[stream]
    enabled = yes
    destination = tcp:$dest
    api key = $key
    timeout seconds = 60
    reconnect delay seconds = 1
CONF
	# Debian's plugins folder with every external plugin off: netdata 1.37 aborts
	# ("munmap_chunk(): invalid pointer") when it starts streaming with [directories]
	# plugins set to another folder (seen here, 2026-12-06)
	for attempt in 1 2 3; do
		NETDATA_WEB=$(free_port 1) || return 1
		netdata_conf "$dir" "$host" "$NETDATA_WEB" >"$dir/etc/netdata.conf"
		printf '[host labels]\n%s\n' "$labels" >>"$dir/etc/netdata.conf"
		t0=$EPOCHREALTIME
		: >>"$NETDATA_LOG"
		netdata -D -c "$dir/etc/netdata.conf" >>"$dir/log/stdout" 2>&1 &
		NETDATA_PID=$!
		RECEIVERS_PIDS+=("$NETDATA_PID")
		_receivers_wait "$NETDATA_PID" "$NETDATA_LOG" netdata _netdata_ready
		rc=$?
		if [ "$rc" -eq 0 ]; then
			_receivers_say "netdata $host answered in $(_receivers_ms "$t0") ms (web $NETDATA_WEB, streams to $dest)"
			export NETDATA_PID NETDATA_WEB NETDATA_LOG NETDATA_DIR
			return 0
		fi
		_receivers_forget "$NETDATA_PID"
		[ "$rc" -eq 2 ] || return 1
		_receivers_say "netdata: its web port was taken meanwhile (attempt $attempt), trying another"
	done
	return 1
}

# netdata_stop: stops the netdata of the last netdata_start (SIGTERM, by its PID) and
# waits for it.
netdata_stop() {
	_receivers_forget "$NETDATA_PID"
}

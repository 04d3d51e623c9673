#!/usr/bin/env bash
# fake_peer (the FAKE receiver) does what the sender tests rely on: sink keeps every
# byte, stall really stops a sender until SIGUSR1, reset really resets, garbage
# really answers; SIGTERM / SIGINT exit 0, bad arguments exit 2.
#   test_fake_peer.sh PATH/TO/fake_peer
# The clients are python3 (exact errno). Exits 77 without python3.
# Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR
set -u
fp=$1
here=$(dirname "$0")
. "$here/check.sh"
. "$here/receivers.sh"
command -v python3 >/dev/null || { echo "skipped: python3 is not installed"; exit 77; }

tmp=$(mktemp -d)
trap 'receivers_stop_all; rm -rf "$tmp"' EXIT
head -c 300000 /dev/urandom >"$tmp/data"

# client SCRIPT ARGS...: runs a python client with PORT, PID, DATA (the file's bytes)
# and a 5 s default timeout; it prints a word the checks compare.
client() {
	local script=$1
	shift
	"$RECEIVERS_PYTHON" - "$FAKE_PEER_PORT" "$FAKE_PEER_PID" "$tmp/data" "$@" <<EOF
import errno, os, signal, socket, sys, time
PORT, PID, DATA = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
ARGS = sys.argv[4:]
socket.setdefaulttimeout(5)
def connect(sndbuf=None):
    s = socket.socket()
    if sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    s.connect(("127.0.0.1", PORT))
    return s
$script
EOF
}

# stop_peer: SIGTERM (or $1), then its exit status.
stop_peer() {
	kill "-${1:-TERM}" "$FAKE_PEER_PID"
	wait "$FAKE_PEER_PID"
}

# wait_log PATTERN: until fake_peer's stderr has a line matching PATTERN (5 s).
wait_log() {
	local tries
	for ((tries = 0; tries < 250; tries++)); do
		grep -q "$1" "$FAKE_PEER_LOG" && return 0
		sleep 0.02
	done
	return 1
}

# --- sink: two connections one after the other, then two at once.
fake_peer_start "$fp" sink --out "$tmp/sink"
check "sink: prints its port" test "$FAKE_PEER_PORT" -gt 0
client 's = connect(); s.sendall(DATA[:100000]); s.close()
s = connect(); s.sendall(DATA[100000:]); s.close()'
wait_log "connection 2 closed by the client after 200000 bytes"
check "sink: keeps every byte, in order" cmp -s "$tmp/data" "$tmp/sink"
client 'a, b = connect(), connect()
a.sendall(b"A" * 70000); b.sendall(b"B" * 50000); a.sendall(b"A" * 30000)
a.close(); b.close()'
wait_log "connection 4 closed"
check "sink: concurrent connections, every byte" test "$(wc -c <"$tmp/sink") $(tail -c +300001 "$tmp/sink" | tr -cd A | wc -c) $(tail -c +300001 "$tmp/sink" | tr -cd B | wc -c)" = "450000 100000 50000"
stop_peer
check "sink: SIGTERM exits 0" test $? -eq 0

# --- stall: a sender stops and stays stopped until SIGUSR1, then everything arrives.
# With default buffers it stops once its own send buffer is full (autotuned up to
# tcp_wmem's max, 4 MB); with SO_SNDBUF 4096, within some KB.
fake_peer_start "$fp" stall --out "$tmp/stall"
out=$(client '
d = connect(); d.setblocking(False)
big, sent = b"z" * 65536, 0
try:
    while sent < 64 << 20:
        sent += d.send(big)
except BlockingIOError:
    pass
print("stalled" if sent < 64 << 20 else "flowing")
print("stall: default buffers stopped after %d bytes" % sent, file=sys.stderr)')
check "stall: a sender with default buffers blocks" test "$out" = stalled
stop_peer
fake_peer_start "$fp" stall --out "$tmp/stall"
out=$(client '
s = connect(sndbuf=4096); s.setblocking(False)
sent, first, t0 = 0, None, time.time()
while time.time() - t0 < 1:  # keep pushing for 1 s: Linux may still take a few KB
    try:
        sent += s.send(DATA[sent:sent + 1024])
    except BlockingIOError:
        first = first or sent
        time.sleep(0.01)
print("stalled" if first and sent < 64 * 1024 else "flowing")
print("stall: SO_SNDBUF 4096: first EAGAIN after %s bytes, %d bytes in 1 s" % (first, sent), file=sys.stderr)
os.kill(PID, signal.SIGUSR1)
s.setblocking(True)
s.sendall(DATA[sent:]); s.close()')
check "stall: with a small send buffer, under 64 KB in 1 s" test "$out" = stalled
wait_log "connection 1 closed by the client after 300000 bytes"
check "stall: after SIGUSR1 every byte arrives" cmp -s "$tmp/stall" "$tmp/data"
stop_peer INT
check "stall: SIGINT exits 0" test $? -eq 0

# --- reset: the first connection gets a RST after exactly --bytes; the next is a sink.
fake_peer_start "$fp" reset --bytes 1000 --out "$tmp/reset"
out=$(client '
s = connect()
try:
    s.sendall(DATA[:5000])
    time.sleep(0.2)
    for _ in range(100):
        s.sendall(DATA[:5000])
        time.sleep(0.01)
    print("no-error")
except (ConnectionResetError, BrokenPipeError) as e:
    print(errno.errorcode[e.errno])
s.close()')
check "reset: the client sees ECONNRESET or EPIPE (got $out)" bash -c "[ '$out' = ECONNRESET ] || [ '$out' = EPIPE ]"
check "reset: exactly the first --bytes were read" cmp -s "$tmp/reset" <(head -c 1000 "$tmp/data")
check "reset: fake_peer says so" wait_log "connection 1 reset after 1000 bytes"
client 's = connect(); s.sendall(DATA[:500]); s.close()'
wait_log "connection 2 closed by the client after 500 bytes"
check "reset: the next connection is a sink" cmp -s "$tmp/reset" <(head -c 1000 "$tmp/data"; head -c 500 "$tmp/data")
stop_peer
fake_peer_start "$fp" reset --bytes 0 --resets 2 --out "$tmp/reset0"
out=$(client '
seen = []
for i in range(3):
    s = None
    try:
        s = connect()  # the RST may beat connect() returning: then connect() fails
        time.sleep(0.1)
        s.sendall(b"x" * 10)
        s.shutdown(socket.SHUT_WR)  # a sink closes when the client has finished
        r = s.recv(10)
        seen.append("eof" if r == b"" else "data")
    except (ConnectionResetError, BrokenPipeError) as e:
        seen.append(errno.errorcode[e.errno])
    if s:
        s.close()
print(*seen)')
check "reset --bytes 0 --resets 2: two resets, then a sink (got $out)" test "$out" = "ECONNRESET ECONNRESET eof"
stop_peer

# --- garbage: every read is answered with the same garbage; what was sent is kept.
fake_peer_start "$fp" garbage --out "$tmp/garbage"
out=$(client '
s = connect(); s.sendall(b"netdata.a.b 1 1700000000\n")
got = b""
while len(got) < 16:
    got += s.recv(100)
print(got[:16].hex())
s.close()')
check "garbage: the reply arrives, byte for byte" test "$out" = "$(printf 'garbage\r\n\001\002\003\000\377\376\n' | od -An -tx1 | tr -d ' \n')"
wait_log "connection 1 closed"
check "garbage: the request is kept" test "$(cat "$tmp/garbage")" = "netdata.a.b 1 1700000000"
stop_peer

# --- arguments.
"$fp" >/dev/null 2>&1
check "no mode: exit 2" test $? -eq 2
"$fp" sink >/dev/null 2>&1
check "sink without --out: exit 2" test $? -eq 2
"$fp" reset --bytes x --out "$tmp/x" >/dev/null 2>&1
check "a bad number: exit 2" test $? -eq 2
"$fp" sink --out "$tmp/no/such/dir/f" >/dev/null 2>&1
check "an --out it cannot open: exit 1" test $? -eq 1

summary

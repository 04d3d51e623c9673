r"""fake_rw_peer.py — a FAKE Prometheus remote-write receiver for the fault matrix: it
exists only for what no real receiver does on demand — answer 400, 500 or 429 with a
Retry-After, reset the connection, answer garbage, stall with a zero window. What a
real receiver can do (be down, be killed, restart, refuse TLS) the matrix does with
VictoriaMetrics (tests/integration/receivers.sh).

    python3 fake_rw_peer.py PORTFILE OUT SCRIPT [--port N] [--rcvbuf N]

It listens on 127.0.0.1 (an ephemeral port unless --port), writes the port to PORTFILE,
and serves HTTP/1.1 keep-alive connections, one thread each. Every request takes the
next token of SCRIPT (comma-separated); once SCRIPT is used up every request is "ok":

    ok       204; the request's samples are decoded (snappy block, WriteRequest) and
             appended to OUT, one line each: "NAME{K="V",...} VALUE TIMESTAMP_MS" with
             the labels sorted, so that a line seen twice was stored twice.
    NNN      that status (400, 500, ...) with a short text body; nothing stored.
    429:S    429 with "Retry-After: S"; nothing stored.
    garbage  bytes that are no HTTP answer; nothing stored; the connection stays open.
    reset    the request is read whole, then the connection is closed with a RST.
    stall:MS before reading the request, stop reading for MS milliseconds (with a small
             --rcvbuf the sender meets a zero window), then take the next token for it.

A token may end with "@MIN": it is then for the first request whose body has MIN bytes
or more; smaller ones before it are answered "ok" and leave the token where it is. A
"stall:MS@MIN" stalls once that request's head is read, its body still in flight.

Events go to stderr as "fake_rw_peer: ..." lines (a request's Authorization header
too, for tests of credentials). SIGTERM ends it (exit 0).
Standard library only: snappy's block format and protobuf's wire format are decoded
here, as rw_push.py encodes them.
"""
import argparse
import os
import signal
import socket
import struct
import sys
import threading
import time

GARBAGE = b"garbage\r\n\x01\x02\x03\x00\xff\xfe\n"

ap = argparse.ArgumentParser()
ap.add_argument("portfile")
ap.add_argument("out")
ap.add_argument("script")
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--rcvbuf", type=int, default=0)
args = ap.parse_args()

tokens = [t.strip() for t in args.script.split(",") if t.strip()]
lock = threading.Lock()
out = open(args.out, "a", buffering=1)
requests = 0


def say(msg):
    sys.stderr.write("fake_rw_peer: %s\n" % msg)
    sys.stderr.flush()


def next_token(peek=False):
    with lock:
        if not tokens:
            return "ok"
        return tokens[0] if peek else tokens.pop(0)


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def unsnappy(src):
    """snappy's block format: a varint length, then literals and copies."""
    n, i = varint(src, 0)
    dst = bytearray()
    while i < len(src):
        tag = src[i]
        i += 1
        kind = tag & 3
        if kind == 0:
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(src[i:i + extra], "little")
                i += extra
            length += 1
            dst += src[i:i + length]
            i += length
            continue
        if kind == 1:
            length = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | src[i]
            i += 1
        elif kind == 2:
            length = (tag >> 2) + 1
            offset = int.from_bytes(src[i:i + 2], "little")
            i += 2
        else:
            length = (tag >> 2) + 1
            offset = int.from_bytes(src[i:i + 4], "little")
            i += 4
        if offset == 0 or offset > len(dst):
            raise ValueError("bad snappy copy")
        if offset >= length:
            start = len(dst) - offset
            dst += dst[start:start + length]
        else:
            for _ in range(length):  # a copy that overlaps what it writes
                dst.append(dst[-offset])
    if len(dst) != n:
        raise ValueError("snappy length %d, expected %d" % (len(dst), n))
    return bytes(dst)


def fields(buf):
    """(field number, wire type, value) of one protobuf message: bytes for LEN, int
    for VARINT, raw 8 bytes for I64."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wire == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        yield number, wire, v


def samples(body):
    """Lines of a WriteRequest: timeseries (1) of labels (1) and samples (2)."""
    lines = []
    for number, _, ts in fields(unsnappy(body)):
        if number != 1:
            continue
        labels, points = [], []
        for n, _, v in fields(ts):
            if n == 1:
                kv = {k: x for k, _, x in fields(v)}
                labels.append((kv.get(1, b"").decode(), kv.get(2, b"").decode()))
            elif n == 2:
                value, stamp = 0.0, 0
                for k, _, x in fields(v):
                    if k == 1:
                        value = struct.unpack("<d", x)[0]
                    elif k == 2:
                        stamp = x - (1 << 64) if x >= 1 << 63 else x
                points.append((value, stamp))
        labels.sort()
        name = dict(labels).get("__name__", "")
        rest = ",".join('%s="%s"' % (k, v) for k, v in labels if k != "__name__")
        for value, stamp in points:
            lines.append("%s{%s} %r %d" % (name, rest, value, stamp))
    return lines


def read_head(conn, buf):
    """A request's head and its Content-Length; None when the client closed."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, 0, buf
        buf += chunk
    head, _, buf = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    return head, length, buf


def read_body(conn, buf, length):
    """length bytes of body; None when the client closed before them."""
    while len(buf) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    return buf[:length], buf[length:]


def stall(cid, token):
    next_token()
    ms = token.split("@")[0].split(":")[1]
    say("connection %d: stalled for %s ms" % (cid, ms))
    time.sleep(int(ms) / 1000.0)
    say("connection %d: reading again" % cid)


def answer(conn, status, reason, extra=b"", body=b""):
    conn.sendall(b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\n%s\r\n" % (status, reason, len(body), extra) + body)


def serve(conn, cid):
    global requests
    buf = b""
    try:
        while True:
            token = next_token(peek=True)
            if token.startswith("stall:") and "@" not in token:
                stall(cid, token)
            head, length, buf = read_head(conn, buf)
            small = False
            if head is not None:
                token = next_token(peek=True)
                if "@" in token:
                    small = length < int(token.split("@")[1])
                    if not small and token.startswith("stall:"):
                        stall(cid, token)
                body, buf = read_body(conn, buf, length)
            if head is None or body is None:
                say("connection %d: closed by the client" % cid)
                return
            token = "ok" if small else next_token().split("@")[0]
            with lock:
                requests += 1
                n = requests
            auth = [line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")[1:]
                    if line.lower().startswith(b"authorization:")]
            say("request %d on connection %d (%d bytes): %s%s" % (n, cid, len(body), token,
                                                                 " (authorization: %s)" % auth[0] if auth else ""))
            if token == "ok":
                lines = samples(body)
                with lock:
                    out.write("".join(line + "\n" for line in lines))
                answer(conn, 204, b"No Content")
            elif token.startswith("429:"):
                answer(conn, 429, b"Too Many Requests", b"Retry-After: %s\r\n" % token[4:].encode(), b"slow down\n")
            elif token == "garbage":
                conn.sendall(GARBAGE)
            elif token == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                say("connection %d: reset" % cid)
                return
            else:
                answer(conn, int(token), b"Refused", b"Content-Type: text/plain\r\n", b"fake_rw_peer says %s\n" % token.encode())
    except (ConnectionError, OSError) as e:
        say("connection %d: %s" % (cid, e))
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.rcvbuf:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(16)
    with open(args.portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(args.portfile + ".tmp", args.portfile)
    cid = 0
    while True:
        conn, _ = srv.accept()
        cid += 1
        say("connection %d accepted" % cid)
        threading.Thread(target=serve, args=(conn, cid), daemon=True).start()


main()

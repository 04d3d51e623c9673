r"""rw_push.py — sends one Prometheus remote-write 1.0 request, built here with the
standard library only (a protobuf encoder for the four messages remote write uses and
snappy's block format written as literals only), so that the tests can feed a real
receiver without the exporter and without python3-snappy / protobuf packages.

    python3 rw_push.py [--cacert CA] [--literal N] [--body-out FILE] URL < SAMPLES

SAMPLES: one JSON object per line, as compare_rw.py's EXPECTED:
  {"labels": {"__name__": "m", "k": "v"}, "value": 1.5, "timestamp_ms": 1700000000123}
The labels go out in the order written, duplicates included (a JSON object with a key
twice keeps both here), so that a test can send unsorted or repeated labels. Lines
with the same labels (same order) make one TimeSeries, samples in line order. "value"
may be a number or a string Python's float() takes ("NaN", "+Inf"). A lone surrogate
"\udcXX" in a label goes out as the raw byte XX (to send invalid UTF-8).

Prints "STATUS BODY" (the receiver's answer, the body on one line; "STATUS" alone when
the body is empty) and exits 0 on a 2xx,
1 on any other status, 2 when it could not read SAMPLES or connect. --literal N: the
longest snappy literal element (default 65536), to exercise each length encoding.
--body-out FILE also writes the request body (snappy-compressed protobuf) to FILE.
"""
import argparse
import http.client
import json
import ssl
import struct
import sys
import urllib.parse


def varint(n):
    """Protobuf / snappy base-128 varint; a negative int64 as its 64-bit two's complement."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_bytes(num, data):
    """Length-delimited field (wire type 2): strings and embedded messages."""
    return varint(num << 3 | 2) + varint(len(data)) + data


def encode_write_request(series):
    """series: [(labels [(name, value)], samples [(value float, ts_ms int)])].
    WriteRequest{repeated TimeSeries timeseries = 1}
    TimeSeries{repeated Label labels = 1; repeated Sample samples = 2}
    Label{string name = 1; string value = 2}
    Sample{double value = 1; int64 timestamp = 2}
    Every field is written, defaults (0, "") included: proto3 decoders accept both."""
    out = bytearray()
    for labels, samples in series:
        ts = bytearray()
        for name, value in labels:
            label = (field_bytes(1, name.encode('utf-8', 'surrogateescape')) +
                     field_bytes(2, value.encode('utf-8', 'surrogateescape')))
            ts += field_bytes(1, label)
        for value, t in samples:
            sample = varint(1 << 3 | 1) + struct.pack('<d', value) + varint(2 << 3 | 0) + varint(t)
            ts += field_bytes(2, sample)
        out += field_bytes(1, bytes(ts))
    return bytes(out)


def snappy_block(data, literal=65536):
    """Snappy block format with literal elements only: varint(len(data)), then per
    literal of n bytes a tag byte whose low 2 bits are 00 (literal) and whose high 6
    bits m are n-1 when n-1 < 60, else 60..63 saying that n-1 follows in m-59 bytes,
    little-endian; then the n bytes."""
    out = bytearray(varint(len(data)))
    for i in range(0, len(data), literal):
        chunk = data[i:i + literal]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        else:
            width = (n.bit_length() + 7) // 8      # 1..4 bytes
            out.append((59 + width) << 2)
            out += n.to_bytes(width, 'little')
        out += chunk
    return bytes(out)


def read_samples(lines):
    """Groups the lines into series by their labels as written, in first-seen order."""
    series, index = [], {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = dict(json.loads(line, object_pairs_hook=lambda pairs: pairs))
            labels = [(str(k), str(v)) for k, v in obj['labels']]
            value = float(obj['value'])
            t = int(obj['timestamp_ms'])
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f'line {lineno}: {e}: {line.strip()}') from None
        key = tuple(labels)
        if key not in index:
            index[key] = len(series)
            series.append((labels, []))
        series[index[key]][1].append((value, t))
    return series


def main():
    ap = argparse.ArgumentParser(description='send one remote-write request')
    ap.add_argument('url')
    ap.add_argument('--cacert')
    ap.add_argument('--literal', type=int, default=65536)
    ap.add_argument('--body-out')
    args = ap.parse_args()
    try:
        series = read_samples(sys.stdin)
    except ValueError as e:
        print(f'rw_push.py: SAMPLES {e}', file=sys.stderr)
        return 2
    body = snappy_block(encode_write_request(series), max(1, args.literal))
    if args.body_out:
        with open(args.body_out, 'wb') as f:
            f.write(body)

    url = urllib.parse.urlsplit(args.url)
    if url.scheme == 'https':
        ctx = ssl.create_default_context(cafile=args.cacert)
        conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx, timeout=10)
    else:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request('POST', url.path or '/', body=body, headers={
            'Content-Type': 'application/x-protobuf',
            'Content-Encoding': 'snappy',
            'X-Prometheus-Remote-Write-Version': '0.1.0',
            'User-Agent': 'mxp-tests-rw_push',
        })
        resp = conn.getresponse()
        answer = resp.read().decode('utf-8', 'replace')
    except (OSError, http.client.HTTPException) as e:
        print(f'rw_push.py: {args.url}: {e}', file=sys.stderr)
        return 2
    finally:
        conn.close()
    answer = ' '.join(answer.split())
    print(f'{resp.status} {answer}' if answer else resp.status)
    return 0 if 200 <= resp.status < 300 else 1


if __name__ == '__main__':
    sys.exit(main())

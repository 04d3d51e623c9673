#!/usr/bin/env python3
"""kinesis_read.py URL CA STREAM OUT MIN SECS: every record of every shard of the
Kinesis stream STREAM at URL (kinesalite), read from TRIM_HORIZON, written to OUT as
one JSON line per record:

  {"partition_key": "...", "data": "<the record's bytes as text>", "shard": "shardId-...",
   "sequence": "<decimal>"}

shards in ShardId order, each in sequence order. "data" is the base64-decoded bytes read
as UTF-8; bytes that are not UTF-8 are kept as the escapes \\udc80-\\udcff (Python's
surrogateescape, so such a line is ASCII with \\u escapes). CA: the PEM file to trust
for an https URL ('' for http). Reads again, from the start, until the stream holds
MIN records in all (0: read once) or SECS pass; then OUT holds what was read and it
exits 1. Exits 1 at once when Kinesis answers an error (a missing stream), 2 on usage.
Standard library only: SigV4 is not computed, kinesalite checks only that the
Authorization header names Credential, SignedHeaders and Signature.
"""
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.request


class KinesisError(Exception):
    pass


def call(url, ctx, op, body):
    amz_date = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method='POST', headers={
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'Kinesis_20131202.' + op,
        'X-Amz-Date': amz_date,
        'Authorization': 'AWS4-HMAC-SHA256 Credential=AKIDMXPTEST/%s/us-east-1/kinesis/aws4_request, '
                         'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=%s'
                         % (amz_date[:8], '0' * 64),
    })
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        raise KinesisError('%s answered %d: %s' % (op, e.code, e.read()[:300].decode(errors='replace')))


def read_all(url, ctx, stream):
    shards, token = [], None
    while True:
        page = call(url, ctx, 'ListShards', {'NextToken': token} if token else {'StreamName': stream})
        shards += [s['ShardId'] for s in page['Shards']]
        token = page.get('NextToken')
        if not token:
            break
    lines = []
    for shard in sorted(shards):
        it = call(url, ctx, 'GetShardIterator', {'StreamName': stream, 'ShardId': shard,
                                                 'ShardIteratorType': 'TRIM_HORIZON'})['ShardIterator']
        records = []
        while it:
            page = call(url, ctx, 'GetRecords', {'ShardIterator': it, 'Limit': 10000})
            records += page['Records']
            # An open shard always has a next iterator: the end is a page with no records.
            if not page['Records']:
                break
            it = page.get('NextShardIterator')
        for r in sorted(records, key=lambda r: int(r['SequenceNumber'])):
            data = base64.b64decode(r['Data'])
            try:
                text, ascii_only = data.decode('utf-8'), False
            except UnicodeDecodeError:
                text, ascii_only = data.decode('utf-8', 'surrogateescape'), True
            lines.append(json.dumps({'partition_key': r['PartitionKey'], 'data': text, 'shard': shard,
                                     'sequence': r['SequenceNumber']}, ensure_ascii=ascii_only))
    return lines


def main():
    if len(sys.argv) != 7:
        print(__doc__.split('\n\n')[0], file=sys.stderr)
        return 2
    url, ca, stream, out, want, secs = sys.argv[1:]
    ctx = ssl.create_default_context(cafile=ca) if url.startswith('https:') and ca else None
    deadline = time.monotonic() + float(secs)
    while True:
        try:
            lines = read_all(url, ctx, stream)
        except (KinesisError, OSError) as e:
            print('kinesis_read.py: %s' % e, file=sys.stderr)
            return 1
        if len(lines) >= int(want) or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    with open(out, 'w', encoding='utf-8') as f:
        f.writelines(line + '\n' for line in lines)
    if len(lines) < int(want):
        print('kinesis_read.py: %d of %s records in %s after %s s' % (len(lines), want, stream, secs), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""kinesis_fault_proxy.py — a FAKE fault injector in front of a real Kinesis (kinesalite),
for what kinesalite never does: throttle, fail some records of a PutRecords, or answer
500. Every other request passes through unchanged.

    python3 kinesis_fault_proxy.py PORTFILE UPSTREAM PLAN LOG

Listens on 127.0.0.1 (an ephemeral port, written to PORTFILE). PLAN says what the n-th
PutRecords request meets, one letter each, then everything passes:
    .  passed through
    t  400 ProvisionedThroughputExceededException, nothing forwarded
    5  500 InternalFailure, nothing forwarded
    p  partial: the odd-numbered records (and record 0 when there is only one) are not
       forwarded and are reported failed with ProvisionedThroughputExceededException; the
       others go to kinesalite and its answers for them are merged in order
LOG gets one JSON line per PutRecords: what was done and how many records it held.
Partial failures are made by not forwarding the failed records, so a record reported
failed is not stored: a sender that resends exactly the failed ones leaves each record
in the stream once."""
import json
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, upstream, plan, log_path = sys.argv[1:5]
log = open(log_path, 'a', buffering=1)
state = {'n': 0}


def forward(path, headers, body):
    req = urllib.request.Request(upstream + path, data=body, method='POST')
    for k, v in headers.items():
        if k.lower() not in ('host', 'content-length', 'connection'):
            req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def answer(self, status, body):
        self.send_response(status)
        self.send_header('Content-Type', 'application/x-amz-json-1.1')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        target = self.headers.get('X-Amz-Target', '')
        if not target.endswith('.PutRecords'):
            status, data = forward(self.path, self.headers, body)
            return self.answer(status, data)
        n = state['n']
        state['n'] += 1
        what = plan[n] if n < len(plan) else '.'
        req = json.loads(body)
        records = req['Records']
        log.write(json.dumps({'n': n, 'do': what, 'records': len(records)}) + '\n')
        if what == 't':
            return self.answer(400, json.dumps({'__type': 'ProvisionedThroughputExceededException',
                                                'message': 'Rate exceeded for stream ' + req['StreamName']}).encode())
        if what == '5':
            return self.answer(500, b'{"__type":"InternalFailure"}')
        if what != 'p':
            status, data = forward(self.path, self.headers, body)
            return self.answer(status, data)
        fail = [i % 2 == 1 or len(records) == 1 for i in range(len(records))]
        keep = [r for r, f in zip(records, fail) if not f]
        results = []
        if keep:
            fwd = dict(req, Records=keep)
            status, data = forward(self.path, self.headers, json.dumps(fwd).encode())
            if status != 200:
                return self.answer(status, data)
            results = json.loads(data)['Records']
        out, it = [], iter(results)
        for f in fail:
            out.append({'ErrorCode': 'ProvisionedThroughputExceededException',
                        'ErrorMessage': 'Rate exceeded for shard shardId-000000000000 (the fault proxy)'}
                       if f else next(it))
        self.answer(200, json.dumps({'FailedRecordCount': sum(fail), 'Records': out}).encode())

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
with open(portfile + '.tmp', 'w') as f:
    f.write('%d\n' % server.server_address[1])
import os  # noqa: E402
os.rename(portfile + '.tmp', portfile)
server.serve_forever()

"""http_sink.py — a plain HTTP/1.1 listener for the json:http and graphite:http tests:
no real receiver takes netdata's JSON objects or graphite lines over HTTP, so this one
keeps every request it gets and answers 204 (keep-alive). It is a listener, not a fake
of a receiver's behaviour: it never refuses, stalls or resets.

    python3 http_sink.py PORTFILE OUT

writes the port it listens on (127.0.0.1, ephemeral) to PORTFILE, and one JSON line per
request to OUT: {"path", "content_type", "authorization", "user_agent", "body"}."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, out_path = sys.argv[1], sys.argv[2]
out = open(out_path, 'a', buffering=1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n)
        out.write(json.dumps({
            'path': self.path,
            'content_type': self.headers.get('Content-Type'),
            'authorization': self.headers.get('Authorization'),
            'user_agent': self.headers.get('User-Agent'),
            'body': body.decode('utf-8'),
        }) + '\n')
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
with open(portfile + '.tmp', 'w') as f:
    f.write('%d\n' % server.server_address[1])
import os
os.rename(portfile + '.tmp', portfile)
server.serve_forever()

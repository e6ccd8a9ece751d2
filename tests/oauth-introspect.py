#!/usr/bin/env python3
"""A token introspection endpoint (RFC 7662) for Dovecot's oauth2 passdb
in the tests: listens on 127.0.0.1:PORT, reads the tokens it accepts
from FILE on each request (lines "TOKEN USER"), and answers every POST
with {"active": "true", "username": USER} for a known token, else with
{"active": "false"}.  Each request is logged on stderr.  It stops by
itself after an hour at the latest."""
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT, FILE = int(sys.argv[1]), sys.argv[2]


def known():
    toks = {}
    with open(FILE) as f:
        for line in f:
            w = line.split()
            if len(w) == 2:
                toks[w[0]] = w[1]
    return toks


class H(BaseHTTPRequestHandler):
    def answer(self, token):
        user = known().get(token)
        body = {"active": "true", "username": user} if user else {"active": "false"}
        sys.stderr.write("introspect %s -> %s\n" % (token, body["active"]))
        data = json.dumps(body).encode()
        self.send_response(200 if user else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        self.answer((form.get("token") or [""])[0])

    def log_message(self, *a):
        pass


srv = HTTPServer(("127.0.0.1", PORT), H)
threading.Timer(3600, srv.shutdown).start()
srv.serve_forever()

#!/usr/bin/python3
"""A small HTTP(S) server for relance's tests and demo, on 127.0.0.1 only: serves
the files of --root by name (GET /ecb.csv → ROOT/ecb.csv), 404 for anything else.
With --cert and --key it speaks HTTPS. Every request is appended to --log.
Writes the chosen port to --port-file, runs until SIGTERM."""
import argparse, http.server, os, signal, ssl, threading

parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--root", required=True)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--log")
args = parser.parse_args()
root = os.path.realpath(args.root)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.split("?", 1)[0].lstrip("/")
        path = os.path.realpath(os.path.join(root, name))
        if args.log:
            with open(args.log, "a") as log:
                log.write(self.path + " " + self.headers.get("User-Agent", "-") + "\n")
        if not name or os.path.dirname(path) != root or not os.path.isfile(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if args.cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
# Test runners may start us with signals blocked (the mask is inherited): unblock the ones that stop us.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
server.serve_forever()

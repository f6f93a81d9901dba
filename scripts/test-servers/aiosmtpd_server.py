#!/usr/bin/python3
"""An SMTP server for relance's tests and demo, on 127.0.0.1 only: aiosmtpd
with STARTTLS required (--cert/--key) and AUTH PLAIN/LOGIN (unless --no-auth), saving every message it accepts into
a maildir-like folder and counting connections. It writes the port it chose
to --port-file once it is listening, and runs until SIGTERM."""
import argparse, json, os, signal, socket, ssl, sys, threading, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, SMTP

parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--maildir", required=True)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--user", default="relance")
parser.add_argument("--password", default="s3cret")
parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (smtps) instead of STARTTLS")
parser.add_argument("--no-auth", action="store_true", help="accept mail without AUTH (the demo's local sink)")
args = parser.parse_args()

os.makedirs(os.path.join(args.maildir, "new"), exist_ok=True)
connections = {"count": 0}
lock = threading.Lock()


class Handler:
    def __init__(self):
        self.sequence = 0

    async def handle_DATA(self, server, session, envelope):
        with lock:
            self.sequence += 1
            name = "%d.eml" % self.sequence
        path = os.path.join(args.maildir, "new", name)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        with open(os.path.join(args.maildir, "envelopes.jsonl"), "a") as f:
            f.write(json.dumps({"file": name, "from": envelope.mail_from, "to": envelope.rcpt_tos,
                                "peer": "%s:%s" % tuple(session.peer[:2])}) + "\n")
        return "250 2.0.0 Ok: queued as Q%06d" % self.sequence


class CountingSMTP(SMTP):
    def connection_made(self, transport):
        with lock:
            connections["count"] += 1
            with open(os.path.join(args.maildir, "connections"), "w") as f:
                f.write(str(connections["count"]))
        super().connection_made(transport)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == args.user.encode() and auth_data.password == args.password.encode()
    # handled=False: let aiosmtpd answer 535 itself (its default, handled=True, answers nothing).
    return AuthResult(success=ok, handled=False)


class CountingController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()

context = None
if args.cert:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

implicit = args.implicit_tls and context is not None
if implicit:
    # The controller's own readiness probe must speak TLS too.
    probe_context = ssl.create_default_context()
    probe_context.check_hostname = False
    probe_context.verify_mode = ssl.CERT_NONE
controller = CountingController(
    Handler(), hostname="127.0.0.1", port=port, ready_timeout=10,
    ssl_context=context if implicit else None, server_hostname=None,
    tls_context=None if implicit else context, require_starttls=context is not None and not implicit,
    # With implicit TLS aiosmtpd does not see a STARTTLS session, so it must not insist on one before AUTH.
    authenticator=None if args.no_auth else authenticator, auth_required=not args.no_auth,
    auth_require_tls=context is not None and not implicit and not args.no_auth,
)
controller.start()
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(port))
os.rename(args.port_file + ".tmp", args.port_file)

stop = threading.Event()
# Test runners may start us with signals blocked (the mask is inherited): unblock the ones that stop us.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
while not stop.wait(0.2):
    pass
# A test server: leave at once, whatever connections a client still holds open.
os._exit(0)

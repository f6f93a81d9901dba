#!/usr/bin/python3
"""A deliberately misbehaving SMTP server for relance's failure tests, on
127.0.0.1 only. --mode picks the misbehaviour:
  ok               accept everything (250 queued as …)
  greeting-421     answer the connection with 421 and close
  rcpt-451         refuse every recipient with 451 (try later)
  rcpt-550-bad     refuse recipients containing "bad" with 550, accept others
  data-552         refuse the message after DATA with 552
  stall-after-data read the whole message, then never answer
  drop-after-data  read the whole message, then close without answering
  silent           accept connections and never say a word (a stalled IMAP or SMTP server)
With --drop-percent P (mode ok), P % of messages, chosen by a seeded random
draw, are read whole and then the connection is closed without an answer
(the chaos tests' fault); they are logged with "dropped": true.
Accepted messages are appended to --log as one JSON line each; with
--save-dir, each accepted message is also written whole there (NUMBER.eml). Writes the
chosen port to --port-file, runs until SIGTERM."""
import argparse, json, os, random, signal, socket, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--port-file", required=True)
parser.add_argument("--mode", default="ok")
parser.add_argument("--log", required=True)
parser.add_argument("--delay-ms", type=int, default=0, help="wait this long before accepting each message")
parser.add_argument("--drop-percent", type=float, default=0, help="drop this share of connections after DATA, before the reply")
parser.add_argument("--seed", type=int, default=18)
parser.add_argument("--save-dir", help="write each accepted message whole to this folder")
args = parser.parse_args()

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(16)
server.settimeout(0.2)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.getsockname()[1]))
os.rename(args.port_file + ".tmp", args.port_file)
stop = threading.Event()
draw = random.Random(args.seed)
log_lock = threading.Lock()
# Test runners may start us with signals blocked (the mask is inherited): unblock the ones that stop us.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
signal.signal(signal.SIGTERM, lambda *_: stop.set())
sequence = [0]


def serve(conn):
    file = conn.makefile("rb")
    def say(line):
        conn.sendall((line + "\r\n").encode())
    try:
        if args.mode == "silent":
            stop.wait(3600)
            return
        if args.mode == "greeting-421":
            say("421 4.3.2 Service not available, closing channel")
            return
        say("220 misbehaving.test ESMTP")
        rcpts, sender = [], None
        while not stop.is_set():
            raw = file.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250-misbehaving.test")
                say("250 8BITMIME")
            elif verb == "MAIL":
                sender, rcpts = line[10:], []
                say("250 2.1.0 Ok")
            elif verb == "RCPT":
                address = line[8:]
                if args.mode == "rcpt-451":
                    say("451 4.3.0 Try again later")
                elif args.mode == "rcpt-550-bad" and "bad" in address:
                    say("550 5.1.1 %s: Recipient address rejected" % address)
                else:
                    rcpts.append(address)
                    say("250 2.1.5 Ok")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while True:
                    chunk = file.readline()
                    if not chunk:
                        return
                    if chunk in (b".\r\n", b".\n"):
                        break
                    body.append(chunk)
                if args.mode == "data-552":
                    say("552 5.3.4 Message size exceeds fixed limit")
                elif args.mode == "stall-after-data":
                    stop.wait(3600)
                    return
                elif args.mode == "drop-after-data":
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                else:
                    if args.delay_ms:
                        time.sleep(args.delay_ms / 1000)
                    message_id = next((b.decode("utf-8", "replace").split(":", 1)[1].strip() for b in body
                                       if b.lower().startswith(b"message-id:")), None)
                    with log_lock:
                        dropped = args.drop_percent > 0 and draw.random() * 100 < args.drop_percent
                        sequence[0] += 1
                        number = sequence[0]
                        record = {"from": sender, "to": rcpts, "bytes": sum(len(b) for b in body), "message_id": message_id, "at": time.time()}
                        if dropped:
                            record["dropped"] = True
                        with open(args.log, "a") as f:
                            f.write(json.dumps(record) + "\n")
                            f.flush()
                        if args.save_dir and not dropped:
                            # Dot-unstuffed, as a receiving server stores it (RFC 5321 4.5.2).
                            lines = [b[1:] if b.startswith(b"..") else b for b in body]
                            with open(os.path.join(args.save_dir, "%05d.eml" % number), "wb") as f:
                                f.write(b"".join(lines))
                    if dropped:
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                    say("250 2.0.0 Ok: queued as M%05d" % number)
            elif verb == "RSET":
                rcpts = []
                say("250 2.0.0 Ok")
            elif verb == "NOOP":
                say("250 2.0.0 Ok")
            elif verb == "QUIT":
                say("221 2.0.0 Bye")
                return
            else:
                say("502 5.5.2 Command not recognized")
    except OSError:
        pass
    finally:
        conn.close()


while not stop.is_set():
    try:
        conn, _ = server.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
server.close()

#!/usr/bin/python3
"""Client for the e2e harness: runs inside a network namespace.

Every attempt ends in exactly one outcome, printed as JSON:
  {"r": "answer", "pod": NAME, "peer": "IP:PORT"}   the server's line
  {"r": "refused"}      TCP RST, or ICMP port unreachable (ECONNREFUSED)
  {"r": "timeout"}      nothing came back within --timeout
  {"r": "error", "err": "EHOSTUNREACH"}   anything else

Modes (first argument):
  probe    COUNT attempts, a new socket (new source port) each; prints one
           JSON list (--max-bad N: stop early after N non-answers).
  session  UDP on one socket (same source port throughout); each "send" line
           on stdin sends one datagram and prints one JSON outcome line;
           "quit" or EOF ends it.
  loop     TCP connects back to back until "stop" on stdin, --count or
           --duration; prints "started", then one JSON summary.
Everything is bounded: counts, per-attempt timeouts and a lifetime.
"""

import argparse
import errno
import json
import select
import socket
import sys
import time


def family_of(ip):
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def parse_answer(data):
    line = data.decode(errors="replace").strip()
    parts = line.split(" ")
    if len(parts) != 2:
        return {"r": "error", "err": "garbled:" + line[:60]}
    return {"r": "answer", "pod": parts[0], "peer": parts[1]}


def oserror_outcome(e):
    if isinstance(e, ConnectionRefusedError):
        return {"r": "refused"}
    if isinstance(e, (socket.timeout, TimeoutError)):
        return {"r": "timeout"}
    name = errno.errorcode.get(e.errno, str(e.errno)) if e.errno else str(e)
    return {"r": "error", "err": name}


def tcp_once(dst, port, src, timeout):
    s = socket.socket(family_of(dst), socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        if src:
            s.bind((src, 0))
        s.connect((dst, port))
        buf = b""
        end = time.monotonic() + timeout
        while not buf.endswith(b"\n") and time.monotonic() < end:
            chunk = s.recv(512)
            if not chunk:
                break
            buf += chunk
        if not buf:
            return {"r": "error", "err": "empty"}
        return parse_answer(buf)
    except OSError as e:
        if isinstance(e, ConnectionResetError):
            return {"r": "refused"}
        return oserror_outcome(e)
    finally:
        s.close()


def udp_socket(dst, port, src, timeout):
    s = socket.socket(family_of(dst), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((dst, port))
    return s


def udp_exchange(s, timeout):
    try:
        s.send(b"hello\n")
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return {"r": "timeout"}
            s.settimeout(left)
            data = s.recv(2048)
            return parse_answer(data)
    except OSError as e:
        return oserror_outcome(e)


def udp_once(dst, port, src, timeout):
    try:
        s = udp_socket(dst, port, src, timeout)
    except OSError as e:
        return oserror_outcome(e)
    try:
        return udp_exchange(s, timeout)
    finally:
        s.close()


def once(args):
    if args.proto == "tcp":
        return tcp_once(args.dst, args.port, args.src, args.timeout)
    return udp_once(args.dst, args.port, args.src, args.timeout)


def mode_probe(args):
    out = []
    bad = 0
    for i in range(args.count):
        out.append(once(args))
        if out[-1]["r"] != "answer":
            bad += 1
            if args.max_bad and bad >= args.max_bad:
                break  # enough to fail the check; don't wait for the rest
        if args.interval and i + 1 < args.count:
            time.sleep(args.interval)
    print(json.dumps(out))


def stdin_line(wait):
    r, _, _ = select.select([sys.stdin], [], [], wait)
    if not r:
        return None
    line = sys.stdin.readline()
    return line.strip() if line else "eof"


def mode_session(args):
    s = udp_socket(args.dst, args.port, args.src, args.timeout)
    print(json.dumps({"r": "started", "local": "%s:%d" % s.getsockname()[:2]}),
          flush=True)
    end = time.monotonic() + args.lifetime
    while time.monotonic() < end:
        cmd = stdin_line(1.0)
        if cmd is None:
            continue
        if cmd in ("quit", "eof"):
            break
        if cmd == "send":
            print(json.dumps(udp_exchange(s, args.timeout)), flush=True)
    s.close()


def mode_loop(args):
    print("started", flush=True)
    counts = {}
    bad = []
    end = time.monotonic() + args.duration
    n = 0
    while n < args.count and time.monotonic() < end:
        if stdin_line(0) in ("stop", "eof"):
            break
        o = once(args)
        n += 1
        counts[o["r"]] = counts.get(o["r"], 0) + 1
        if o["r"] != "answer" and len(bad) < 20:
            o["at"] = n
            bad.append(o)
        if args.interval:
            time.sleep(args.interval)
    print(json.dumps({"attempts": n, "counts": counts, "bad": bad}),
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["probe", "session", "loop"])
    ap.add_argument("--proto", choices=["tcp", "udp"], default="tcp")
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--src", default=None)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--interval", type=float, default=0.0)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--lifetime", type=float, default=120.0)
    ap.add_argument("--max-bad", type=int, default=0,
                    help="probe: stop after this many non-answers")
    args = ap.parse_args()
    args.count = min(args.count, 5000)
    {"probe": mode_probe, "session": mode_session, "loop": mode_loop}[
        args.mode](args)


if __name__ == "__main__":
    main()

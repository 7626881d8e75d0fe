#!/usr/bin/python3
"""Pod server for the e2e harness: runs inside one pod network namespace.

Listens on every given port for TCP and UDP, on a dual-stack socket (:: with
IPV6_V6ONLY off, so IPv4 clients arrive as ::ffff:a.b.c.d and are printed as
a.b.c.d). Each TCP connection and each UDP datagram is answered with one line:

    <podname> <client-ip>:<client-port>

It prints "ready" on stdout once every socket is bound, and exits by itself
when stdin reaches EOF (the harness died or closed the pipe) or after
--lifetime seconds, whichever comes first.
"""

import argparse
import os
import selectors
import socket
import sys
import time


def peer_text(addr):
    host, port = addr[0], addr[1]
    if host.startswith("::ffff:") and "." in host:
        host = host[len("::ffff:"):]
    return "%s:%d" % (host, port)


def make_socket(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port))
    if kind == socket.SOCK_STREAM:
        s.listen(128)
    s.setblocking(False)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--ports", required=True, help="comma-separated")
    ap.add_argument("--lifetime", type=float, default=900.0)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    for p in (int(x) for x in args.ports.split(",") if x):
        sel.register(make_socket(socket.SOCK_STREAM, p), selectors.EVENT_READ,
                     "tcp")
        sel.register(make_socket(socket.SOCK_DGRAM, p), selectors.EVENT_READ,
                     "udp")
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    sys.stdout.write("ready\n")
    sys.stdout.flush()

    deadline = time.monotonic() + args.lifetime
    name = args.name.encode()
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            sock = key.fileobj
            if key.data == "stdin":
                if not os.read(sys.stdin.fileno(), 4096):
                    return 0
                continue
            try:
                if key.data == "tcp":
                    conn, addr = sock.accept()
                    conn.settimeout(1.0)
                    try:
                        conn.sendall(name + b" " + peer_text(addr).encode() +
                                     b"\n")
                    finally:
                        conn.close()
                else:
                    _, addr = sock.recvfrom(2048)
                    sock.sendto(name + b" " + peer_text(addr).encode() + b"\n",
                                addr)
            except OSError:
                pass  # a client that went away is not the server's problem
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""HTTP agent for the e2e harness: runs inside a network namespace (with
`ip netns exec`) so that a test driver in the root namespace can talk to
a server listening on a namespace address without touching the root
namespace. Reads one JSON request per stdin line, writes one JSON answer
per stdout line; exits at EOF or after --lifetime seconds.

Requests:
  {"op": "http", "url": URL, "method": M, "body": OBJ|null,
   "ctype": CT, "token": T|null, "ca": FILE|null, "timeout": S}
      -> {"status": N, "body": OBJ|TEXT} or {"error": TEXT}
  {"op": "churn", "base": URL, "token": T, "ca": FILE, "rounds": N,
   "items": [[collection path, object], ...]}
      each round creates every item, then deletes them in reverse order,
      over one keep-alive connection
      -> {"requests": N, "errors": N, "first_error": TEXT, "seconds": S}
  {"op": "quit"}
Every request has a timeout; connections are kept alive and reopened after
an error (the server may have been restarted).
"""

import argparse
import http.client
import json
import socket
import ssl
import sys
import time
import urllib.parse


class Conns:
    def __init__(self):
        self.conns = {}

    def get(self, scheme, netloc, ca, timeout):
        key = (scheme, netloc, ca)
        c = self.conns.get(key)
        if c is None:
            if scheme == "https":
                ctx = ssl.create_default_context(cafile=ca)
                c = http.client.HTTPSConnection(netloc, timeout=timeout,
                                                context=ctx)
            else:
                c = http.client.HTTPConnection(netloc, timeout=timeout)
            self.conns[key] = c
        c.timeout = timeout
        if c.sock is not None:
            c.sock.settimeout(timeout)
        return c

    def drop(self, scheme, netloc, ca):
        c = self.conns.pop((scheme, netloc, ca), None)
        if c is not None:
            c.close()


CONNS = Conns()


def quickack(c):
    """ACK the answer's first segment at once. A server that writes the
    headers and the body in two sends without TCP_NODELAY (Python's
    http.server does) otherwise waits for our delayed ACK (40 ms) before
    the body goes out: Nagle's algorithm."""
    try:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    except (AttributeError, OSError):
        pass


def request(url, method="GET", body=None, ctype=None, token=None, ca=None,
            timeout=10.0, retry=True):
    u = urllib.parse.urlsplit(url)
    path = u.path + ("?" + u.query if u.query else "")
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = body if isinstance(body, str) else json.dumps(body)
        data = data.encode()
        headers["Content-Type"] = ctype or "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    try:
        c = CONNS.get(u.scheme, u.netloc, ca, timeout)
        c.request(method, path, body=data, headers=headers)
        quickack(c)
        r = c.getresponse()
        raw = r.read()
        if r.getheader("Connection", "").lower() == "close":
            CONNS.drop(u.scheme, u.netloc, ca)
    except (OSError, http.client.HTTPException) as e:
        CONNS.drop(u.scheme, u.netloc, ca)
        if retry:
            return request(url, method, body, ctype, token, ca, timeout,
                           retry=False)
        return {"error": "%s: %s" % (type(e).__name__, e)}
    try:
        out = json.loads(raw) if raw else None
    except ValueError:
        out = raw.decode(errors="replace")
    return {"status": r.status, "body": out}


def churn(req):
    base = req["base"].rstrip("/")
    n = errors = 0
    first = None
    t0 = time.monotonic()
    deadline = t0 + float(req.get("max_seconds", 300))
    for _ in range(int(req["rounds"])):
        if time.monotonic() > deadline:
            first = first or "stopped: max_seconds reached"
            break
        for coll, obj in req["items"]:
            r = request(base + coll, "POST", obj, token=req.get("token"),
                        ca=req.get("ca"))
            n += 1
            if r.get("status") != 201:
                errors += 1
                first = first or "POST %s: %s" % (coll, str(r)[:300])
        for coll, obj in reversed(req["items"]):
            r = request(base + coll + "/" + obj["metadata"]["name"],
                        "DELETE", token=req.get("token"), ca=req.get("ca"))
            n += 1
            if r.get("status") not in (200, 202):
                errors += 1
                first = first or "DELETE %s: %s" % (coll, str(r)[:300])
    return {"requests": n, "errors": errors, "first_error": first,
            "seconds": round(time.monotonic() - t0, 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifetime", type=float, default=900.0)
    args = ap.parse_args()
    end = time.monotonic() + args.lifetime
    for line in sys.stdin:
        if time.monotonic() > end:
            break
        try:
            req = json.loads(line)
        except ValueError as e:
            out = {"error": "bad request line: %s" % e}
        else:
            op = req.get("op")
            if op == "quit":
                break
            if op == "http":
                out = request(req["url"], req.get("method", "GET"),
                              req.get("body"), req.get("ctype"),
                              req.get("token"), req.get("ca"),
                              float(req.get("timeout", 10)))
            elif op == "churn":
                out = churn(req)
            else:
                out = {"error": "unknown op %r" % op}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

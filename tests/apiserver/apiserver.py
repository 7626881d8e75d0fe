#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kube-nfproxy's test API server: speaks the Kubernetes wire protocol for
Services, Pods, Nodes, Namespaces and EndpointSlices, with fault injection.

    apiserver.py [serve] --state-dir DIR [options]   run the server
    apiserver.py admin --state-dir DIR COMMAND ...    talk to its admin API

See README.md beside this file.
"""

import argparse
import ipaddress
import json
import os
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakeapi import pki  # noqa: E402
from fakeapi.resources import Allocator  # noqa: E402
from fakeapi.server import App, Server  # noqa: E402
from fakeapi.store import Store  # noqa: E402

BOOT_NAMESPACES = ("default", "kube-node-lease", "kube-public",
                   "kube-system")


def parse_listen(text, port):
    """'HOST', 'HOST:PORT', '[V6]:PORT' or 'V6' -> (host, port)."""
    host = text
    if text.startswith("["):
        end = text.index("]")
        host = text[1:end]
        rest = text[end + 1:]
        if rest.startswith(":"):
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, p = text.split(":")
        port = int(p)
    return host, port


def node_port_range(text):
    lo, hi = text.split("-")
    return int(lo), int(hi)


def serve_parser():
    p = argparse.ArgumentParser(prog="apiserver.py",
                                description="kube-nfproxy test API server")
    p.add_argument("--state-dir", help="where certificates, kubeconfigs and "
                   "the port file go (default: a new temporary directory)")
    p.add_argument("--listen", default="127.0.0.1",
                   help="HOST, HOST:PORT or [V6]:PORT (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0,
                   help="port (default 0: any free port, see DIR/port)")
    p.add_argument("--insecure-http", action="store_true",
                   help="plain HTTP, anonymous allowed")
    p.add_argument("--allow-anonymous", action="store_true",
                   help="accept requests without credentials")
    p.add_argument("--token", help="the bearer token (default: random, "
                   "kept in DIR/tokens.csv)")
    p.add_argument("--token-auth-file", help="kube-apiserver style static "
                   "token CSV (token,user,uid,\"groups\") to use instead")
    p.add_argument("--bookmark-interval", type=float, default=5.0,
                   help="seconds between BOOKMARK events (default 5)")
    p.add_argument("--history", type=int, default=1000,
                   help="events kept for watches (default 1000)")
    p.add_argument("--initial-rv", type=int, default=100,
                   help="the first resourceVersion is this plus one")
    p.add_argument("--load", action="append", default=[],
                   help="JSON file (List, object, array) to preload; "
                   "repeatable")
    p.add_argument("--snapshot", help="restore from this file at start if "
                   "it exists, write it at SIGTERM")
    p.add_argument("--service-cluster-ip-range", default="10.96.0.0/12",
                   help="CIDR[,CIDR] for cluster IPs (default 10.96.0.0/12)")
    p.add_argument("--service-node-port-range", default="30000-32767",
                   type=node_port_range)
    p.add_argument("--expired-watch-mode", choices=("event", "http"),
                   default="event", help="how a watch from a compacted "
                   "resourceVersion fails: ERROR event in a 200 stream "
                   "(default, as the real server) or HTTP 410")
    p.add_argument("--max-watch-seconds", type=float, default=0,
                   help="end every watch after this long (default: never)")
    p.add_argument("--admin-port", type=int, default=-1,
                   help="also serve /__admin/ without authentication on "
                   "plain HTTP at this port (0: any, see DIR/admin-port)")
    p.add_argument("--pod-graceful-deletion", action="store_true",
                   help="deleting a scheduled pod sets deletionTimestamp and "
                   "removes it after the grace period")
    p.add_argument("--kubernetes-service", action="store_true",
                   help="create default/kubernetes (the first address of "
                   "the service range, port 443) and its EndpointSlice "
                   "pointing at this server, as a real cluster has")
    p.add_argument("--no-aggregated-discovery", action="store_true",
                   help="answer only legacy discovery documents")
    p.add_argument("--max-connections", type=int, default=256)
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log every request to stderr")
    return p


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def add_kubernetes_service(store, cidr, host, port):
    """default/kubernetes and its EndpointSlice, as the real server keeps
    them (clusterIP: the first address of the service range)."""
    net = ipaddress.ip_network(cidr, strict=False)
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    fam = "IPv4" if net.version == 4 else "IPv6"
    store.load([
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "kubernetes", "namespace": "default",
                      "labels": {"component": "apiserver",
                                 "provider": "kubernetes"}},
         "spec": {"clusterIP": str(net.network_address + 1),
                  "clusterIPs": [str(net.network_address + 1)],
                  "ipFamilies": [fam], "ipFamilyPolicy": "SingleStack",
                  "ports": [{"name": "https", "port": 443,
                             "protocol": "TCP", "targetPort": port}],
                  "sessionAffinity": "None", "type": "ClusterIP"},
         "status": {"loadBalancer": {}}},
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": "kubernetes", "namespace": "default",
                      "labels": {"kubernetes.io/service-name": "kubernetes",
                                 "endpointslice.kubernetes.io/managed-by":
                                     "endpointslice-controller.k8s.io"}},
         "addressType": "IPv6" if ":" in host else "IPv4",
         "endpoints": [{"addresses": [host],
                        "conditions": {"ready": True, "serving": True,
                                       "terminating": False}}],
         "ports": [{"name": "https", "port": port, "protocol": "TCP"}]},
    ])


def serve(argv):
    args = serve_parser().parse_args(argv)
    state = args.state_dir or tempfile.mkdtemp(prefix="nfp-apiserver-")
    os.makedirs(state, exist_ok=True)
    for stale in ("port", "admin-port", "url"):
        try:
            os.unlink(os.path.join(state, stale))
        except FileNotFoundError:
            pass
    host, port = parse_listen(args.listen, args.port)
    if args.insecure_http:
        args.allow_anonymous = True
    cidrs = [c.strip() for c in args.service_cluster_ip_range.split(",")
             if c.strip()]
    store = Store(Allocator(cidrs, args.service_node_port_range),
                  history_size=args.history, initial_rv=args.initial_rv,
                  pod_graceful_deletion=args.pod_graceful_deletion)
    restored = False
    if args.snapshot and os.path.exists(args.snapshot):
        with open(args.snapshot) as f:
            store.restore(json.load(f))
        restored = True
    if not restored:
        for ns in BOOT_NAMESPACES:
            store._ensure_namespace(ns)
    for path in args.load:
        with open(path) as f:
            try:
                doc = json.load(f)
            except json.JSONDecodeError as e:
                sys.exit("apiserver: %s: not JSON: %s" % (path, e))
        count, warnings = store.load(doc)
        for w in warnings:
            print("apiserver: %s: %s" % (path, w), file=sys.stderr)

    if args.token_auth_file:
        tokens = pki.read_token_file(args.token_auth_file)
    else:
        tokens = pki.ensure_tokens(state, args.token)
    first_token = next(iter(tokens)) if tokens else ""

    tls = None
    if not args.insecure_http:
        pki.ensure_pki(state, [host])
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(state, "server.crt"),
                            os.path.join(state, "server.key"))
        tls.load_verify_locations(os.path.join(state, "ca.crt"))
        tls.verify_mode = ssl.CERT_OPTIONAL
        tls.set_alpn_protocols(["http/1.1"])

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    app = App(store, args, tokens)
    srv = Server((host, port), family, app, tls)
    port = srv.server_address[1]
    hostpart = "[%s]" % host if family == socket.AF_INET6 else host
    app.address = "%s:%d" % (hostpart, port)
    url = "%s://%s:%d" % ("http" if args.insecure_http else "https",
                          hostpart, port)
    if args.kubernetes_service and not restored:
        add_kubernetes_service(store, cidrs[0], host, port)
    servers = [srv]
    if args.admin_port >= 0:
        asrv = Server((host, args.admin_port), family, app, None,
                      admin_only=True)
        servers.append(asrv)
        write_atomic(os.path.join(state, "admin-port"),
                     "%d\n" % asrv.server_address[1])
    pki.write_kubeconfigs(state, url, first_token, args.insecure_http)
    write_atomic(os.path.join(state, "pid"), "%d\n" % os.getpid())
    write_atomic(os.path.join(state, "url"), url + "\n")

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threads = []
    for s in servers:
        t = threading.Thread(target=s.serve_forever, kwargs={
            "poll_interval": 0.2}, daemon=True)
        t.start()
        threads.append(t)
    # the port file comes last: its presence means "ready"
    write_atomic(os.path.join(state, "port"), "%d\n" % port)
    print("nfp-apiserver listening on %s state-dir %s" % (url, state),
          flush=True)
    while not stop.wait(0.5):
        pass
    store.stop()
    for s in servers:
        s.shutdown()
    time.sleep(0.2)  # let watch streams write their last chunk
    for s in servers:
        s.server_close()
    if args.snapshot:
        write_atomic(args.snapshot, json.dumps(store.snapshot()))
    for f in ("port", "admin-port"):
        try:
            os.unlink(os.path.join(state, f))
        except FileNotFoundError:
            pass
    return 0


# --- admin client -----------------------------------------------------------


class AdminClient:
    def __init__(self, state_dir=None, url=None, token=None, ca=None):
        if state_dir:
            with open(os.path.join(state_dir, "url")) as f:
                url = url or f.read().strip()
            tpath = os.path.join(state_dir, "token")
            if token is None and os.path.exists(tpath):
                with open(tpath) as f:
                    token = f.read().strip()
            cpath = os.path.join(state_dir, "ca.crt")
            if ca is None and os.path.exists(cpath):
                ca = cpath
        self.url = url.rstrip("/")
        self.token = token
        self.ctx = None
        if self.url.startswith("https"):
            self.ctx = ssl.create_default_context(cafile=ca)

    def call(self, method, path, body=None, timeout=10):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/__admin/" + path,
                                     data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, context=self.ctx,
                                        timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise SystemExit("admin: %s %s: HTTP %d: %s"
                             % (method, path, e.code, e.read().decode()))


def _kv(items):
    out = {}
    for it in items:
        if "=" not in it:
            raise SystemExit("admin: expected key=value, got %r" % it)
        k, v = it.split("=", 1)
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def admin(argv):
    p = argparse.ArgumentParser(prog="apiserver.py admin")
    p.add_argument("--state-dir")
    p.add_argument("--url")
    p.add_argument("--token")
    p.add_argument("--ca")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("command", help="stats | reset-stats | requests [SINCE] "
                   "| watches | faults | clear | fault ACTION [k=v ...] | "
                   "config [k=v ...] | load FILE | dump | wait")
    p.add_argument("rest", nargs="*")
    a = p.parse_args(argv)
    if a.command == "wait":
        deadline = time.monotonic() + a.timeout
        while time.monotonic() < deadline:
            if os.path.exists(os.path.join(a.state_dir, "port")):
                try:
                    AdminClient(a.state_dir, a.url, a.token, a.ca).call(
                        "GET", "", timeout=2)
                    return 0
                except (OSError, SystemExit):
                    pass
            time.sleep(0.05)
        raise SystemExit("admin: server not ready after %gs" % a.timeout)
    c = AdminClient(a.state_dir, a.url, a.token, a.ca)
    cmd = a.command
    if cmd == "stats":
        out = c.call("GET", "stats")
    elif cmd == "reset-stats":
        out = c.call("POST", "stats/reset", {})
    elif cmd == "requests":
        out = c.call("GET", "requests?since=%s" % (a.rest[0] if a.rest
                                                    else 0))
    elif cmd == "watches":
        out = c.call("GET", "watches")
    elif cmd == "faults":
        out = c.call("GET", "faults")
    elif cmd == "clear":
        out = c.call("POST", "fault", {"action": "clear"})
    elif cmd == "fault":
        if not a.rest:
            raise SystemExit("admin: fault needs an action or a JSON object")
        if a.rest[0].startswith("{"):
            spec = json.loads(a.rest[0])
        else:
            spec = dict(_kv(a.rest[1:]), action=a.rest[0])
        out = c.call("POST", "fault", spec)
    elif cmd == "config":
        out = c.call("POST", "config", _kv(a.rest))
    elif cmd == "load":
        with open(a.rest[0]) as f:
            out = c.call("POST", "load", json.load(f))
    elif cmd == "dump":
        out = c.call("GET", "dump")
    else:
        raise SystemExit("admin: unknown command %r" % cmd)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


def main(argv):
    if argv and argv[0] == "admin":
        return admin(argv[1:])
    if argv and argv[0] == "serve":
        argv = argv[1:]
    return serve(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

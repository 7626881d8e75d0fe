"""Network-namespace topology for the e2e harness.

Every object lives in a namespace this module creates; the root namespace is
never changed (veth pairs are created directly inside their namespaces with
`ip -n A link add X type veth peer name Y netns B`, sysctls are written with
`ip netns exec`).

    ext (203.0.113.2, .3; 2001:db8:113::2)        external client
      | eth0 -- ext0
    rt  (203.0.113.1; bridge nodenet 192.168.50.1, fd00:50::1)
      |   routes 198.51.100.0/24 and 2001:db8:51::/64 via node-1
      +-- n1 -- eth0  node-1 192.168.50.10  fd00:50::10
      |          cbr0 10.244.0.1/24 fd00:10:244::1/64   pods p1a p1b p1c
      +-- n2 -- eth0  node-2 192.168.50.11  fd00:50::11
                 cbr0 10.244.1.1/24 fd00:10:244:1::1/64 pods p2a p2b

Nodes route each other's podCIDR over the node network; the router knows no
pod CIDR (as on a real network), so traffic that should have been
masqueraded does not find its way back.
"""

import json
import os
import select
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
SERVER = os.path.join(HERE, "server.py")
CLIENT = os.path.join(HERE, "client.py")
NS_MARK = "nfpe2e"  # every namespace name starts with NS_MARK<pid>-

SERVER_PORTS = (8080, 8081, 5353)

CLUSTER_CIDRS = "10.244.0.0/16,fd00:10:244::/56"

NODES = {
    "node-1": dict(short="n1", ip4="192.168.50.10", ip6="fd00:50::10",
                   cidr4="10.244.0.0/24", gw4="10.244.0.1",
                   cidr6="fd00:10:244::/64", gw6="fd00:10:244::1",
                   net4="10.244.0.", net6="fd00:10:244::"),
    "node-2": dict(short="n2", ip4="192.168.50.11", ip6="fd00:50::11",
                   cidr4="10.244.1.0/24", gw4="10.244.1.1",
                   cidr6="fd00:10:244:1::/64", gw6="fd00:10:244:1::1",
                   net4="10.244.1.", net6="fd00:10:244:1::"),
}

# pod name, node, host part of its addresses
PODS = (("p1a", "node-1", 2), ("p1b", "node-1", 3), ("p1c", "node-1", 4),
        ("p2a", "node-2", 2), ("p2b", "node-2", 3))

EXT_IP4 = "203.0.113.2"
EXT_IP4_OTHER = "203.0.113.3"
EXT_IP6 = "2001:db8:113::2"
EXT_IP6_OTHER = "2001:db8:113::3"
# addresses the router sends to node-1 (external IPs, load-balancer IPs)
EXTERNAL_NET4 = "198.51.100.0/24"
EXTERNAL_NET6 = "2001:db8:51::/64"


class CmdError(RuntimeError):
    pass


def run(argv, input=None, check=True, timeout=60):
    """Run argv; returns CompletedProcess. Raises CmdError on failure."""
    try:
        p = subprocess.run(argv, input=input, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CmdError("timed out after %ss: %s" % (timeout, " ".join(argv)))
    if check and p.returncode != 0:
        raise CmdError("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                            (p.stderr or p.stdout).strip()))
    return p


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_netns():
    out = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def janitor():
    """Delete namespaces left by earlier runs whose process is gone."""
    gone = []
    for name in list_netns():
        if not name.startswith(NS_MARK):
            continue
        pid_part = name[len(NS_MARK):].split("-", 1)[0]
        if not pid_part.isdigit():
            continue
        pid = int(pid_part)
        if pid != os.getpid() and pid_alive(pid):
            continue  # another harness is running right now
        run(["ip", "netns", "del", name], check=False)
        gone.append(name)
    return gone


class Pod:
    def __init__(self, name, node, host, prefix):
        n = NODES[node]
        self.name = name
        self.node = node
        self.ns = prefix + name
        self.ip4 = n["net4"] + str(host)
        self.ip6 = n["net6"] + str(host)
        self.veth = "veth-" + name

    def ip(self, family):
        return self.ip6 if family == 6 else self.ip4


class Topology:
    """Builds and tears down one copy of the topology above."""

    def __init__(self, prefix):
        assert prefix.startswith(NS_MARK)
        self.prefix = prefix
        self.rt = prefix + "rt"
        self.ext = prefix + "ext"
        self.node_ns = {node: prefix + d["short"] for node, d in NODES.items()}
        self.pods = {name: Pod(name, node, host, prefix)
                     for name, node, host in PODS}
        self.created = []
        self.servers = {}  # name -> Popen of lib/server.py

    # -- commands, always inside one of our namespaces --
    def _own(self, ns):
        if not ns.startswith(self.prefix):
            raise AssertionError("refusing to touch namespace %r" % ns)

    def ip(self, ns, *args, check=True):
        self._own(ns)
        return run(["ip", "-n", ns] + list(args), check=check)

    def ns_exec(self, ns, argv, input=None, check=True, timeout=60):
        self._own(ns)
        return run(["ip", "netns", "exec", ns] + list(argv), input=input,
                   check=check, timeout=timeout)

    def ns_popen(self, ns, argv, **kw):
        self._own(ns)
        return subprocess.Popen(["ip", "netns", "exec", ns] + list(argv),
                                **kw)

    def sysctl(self, ns, *settings):
        self.ns_exec(ns, ["sysctl", "-q", "-w"] + list(settings))

    def ns_of(self, where):
        """Namespace of a pod name, a node name, "ext" or "rt"."""
        if where in self.pods:
            return self.pods[where].ns
        if where in self.node_ns:
            return self.node_ns[where]
        if where == "ext":
            return self.ext
        if where == "rt":
            return self.rt
        if where.startswith(self.prefix):
            return where
        raise KeyError(where)

    # -- building --
    def add_ns(self, name):
        self._own(name)
        run(["ip", "netns", "add", name])
        self.created.append(name)
        # no duplicate address detection: addresses are usable at once
        # no ICMP rate limit: a check sends more rejects than its burst
        self.sysctl(name, "net.ipv6.conf.all.accept_dad=0",
                    "net.ipv6.conf.default.accept_dad=0",
                    "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0")
        self.ip(name, "link", "set", "lo", "up")

    def veth(self, ns_a, name_a, ns_b, name_b):
        self.ip(ns_a, "link", "add", name_a, "type", "veth", "peer", "name",
                name_b, "netns", ns_b)
        self.ip(ns_a, "link", "set", name_a, "up")
        self.ip(ns_b, "link", "set", name_b, "up")

    def addr(self, ns, dev, *cidrs):
        for c in cidrs:
            extra = ["nodad"] if ":" in c else []
            self.ip(ns, "addr", "add", c, "dev", dev, *extra)

    def bridge(self, ns, name):
        self.ip(ns, "link", "add", name, "type", "bridge", "forward_delay",
                "0", "stp_state", "0")
        self.ip(ns, "link", "set", name, "up")

    def build(self):
        rt, ext = self.rt, self.ext
        self.add_ns(rt)
        self.sysctl(rt, "net.ipv4.ip_forward=1",
                    "net.ipv6.conf.all.forwarding=1")
        self.bridge(rt, "nodenet")
        self.addr(rt, "nodenet", "192.168.50.1/24", "fd00:50::1/64")

        self.add_ns(ext)
        self.veth(rt, "ext0", ext, "eth0")
        self.addr(rt, "ext0", "203.0.113.1/24", "2001:db8:113::1/64")
        self.addr(ext, "eth0", EXT_IP4 + "/24", EXT_IP4_OTHER + "/24",
                  EXT_IP6 + "/64", EXT_IP6_OTHER + "/64")
        self.ip(ext, "route", "add", "default", "via", "203.0.113.1")
        self.ip(ext, "-6", "route", "add", "default", "via",
                "2001:db8:113::1")
        self.ip(rt, "route", "add", EXTERNAL_NET4, "via",
                NODES["node-1"]["ip4"])
        self.ip(rt, "-6", "route", "add", EXTERNAL_NET6, "via",
                NODES["node-1"]["ip6"])

        for node, d in NODES.items():
            ns = self.node_ns[node]
            self.add_ns(ns)
            self.sysctl(ns, "net.ipv4.ip_forward=1",
                        "net.ipv6.conf.all.forwarding=1",
                        "net.bridge.bridge-nf-call-iptables=1",
                        "net.bridge.bridge-nf-call-ip6tables=1")
            self.veth(rt, d["short"], ns, "eth0")
            self.ip(rt, "link", "set", d["short"], "master", "nodenet")
            self.addr(ns, "eth0", d["ip4"] + "/24", d["ip6"] + "/64")
            self.ip(ns, "route", "add", "default", "via", "192.168.50.1")
            self.ip(ns, "-6", "route", "add", "default", "via", "fd00:50::1")
            self.bridge(ns, "cbr0")
            self.addr(ns, "cbr0", d["gw4"] + "/24", d["gw6"] + "/64")
            for other, o in NODES.items():
                if other != node:
                    self.ip(ns, "route", "add", o["cidr4"], "via", o["ip4"])
                    self.ip(ns, "-6", "route", "add", o["cidr6"], "via",
                            o["ip6"])

        for pod in self.pods.values():
            d = NODES[pod.node]
            nns = self.node_ns[pod.node]
            self.add_ns(pod.ns)
            self.veth(nns, pod.veth, pod.ns, "eth0")
            self.ip(nns, "link", "set", pod.veth, "master", "cbr0")
            self.ip(nns, "link", "set", pod.veth, "type", "bridge_slave",
                    "hairpin", "on")
            self.addr(pod.ns, "eth0", pod.ip4 + "/24", pod.ip6 + "/64")
            self.ip(pod.ns, "route", "add", "default", "via", d["gw4"])
            self.ip(pod.ns, "-6", "route", "add", "default", "via", d["gw6"])
        # every pod serves; so does the external host (egress checks)
        names = sorted(self.pods) + ["ext"]
        for name in names:
            self.start_server(name)
        for name in names:
            self.wait_server(name)

    # -- servers --
    def start_server(self, name):
        """Start lib/server.py in pod `name` (or "ext"), answering as name."""
        self.servers[name] = self.ns_popen(
            self.ns_of(name), [PYTHON, SERVER, "--name", name, "--ports",
                               ",".join(str(p) for p in SERVER_PORTS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)

    def wait_server(self, name, timeout=10.0):
        srv = self.servers[name]
        r, _, _ = select.select([srv.stdout], [], [], timeout)
        line = srv.stdout.readline() if r else ""
        if line.strip() != "ready":
            raise CmdError("server in %s did not start: %s" %
                           (name, srv.stderr.read() if srv.poll() is not None
                            else "no ready line"))

    def stop_server(self, name):
        srv = self.servers.pop(name, None)
        if srv is None:
            return
        try:
            srv.stdin.close()
        except OSError:
            pass
        try:
            srv.wait(timeout=3)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait(timeout=3)

    # -- clients --
    def probe(self, where, dst, port, proto="tcp", count=1, src=None,
              timeout=1.0, interval=0.0, max_bad=0):
        """COUNT attempts from `where`; returns a list of outcome dicts
        (shorter than COUNT when max_bad non-answers stopped it early)."""
        argv = [PYTHON, CLIENT, "probe", "--proto", proto, "--dst", dst,
                "--port", str(port), "--count", str(count), "--timeout",
                str(timeout), "--interval", str(interval), "--max-bad",
                str(max_bad)]
        if src:
            argv += ["--src", src]
        limit = count * (timeout + interval) * 2 + 10
        p = self.ns_exec(self.ns_of(where), argv, timeout=limit)
        return json.loads(p.stdout)

    def client_popen(self, where, mode, dst, port, proto="tcp", src=None,
                     timeout=1.0, extra=()):
        argv = [PYTHON, CLIENT, mode, "--proto", proto, "--dst", dst,
                "--port", str(port), "--timeout", str(timeout)] + list(extra)
        if src:
            argv += ["--src", src]
        return self.ns_popen(self.ns_of(where), argv, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, bufsize=1)

    def sanity(self):
        """Pod to pod across nodes, both families, before any rule exists."""
        for fam in (4, 6):
            dst = self.pods["p2b"].ip(fam)
            out = self.probe("p1a", dst, SERVER_PORTS[0], timeout=2.0)
            if out[0].get("pod") != "p2b":
                raise CmdError("topology broken: p1a -> p2b %s gave %s" %
                               (dst, out))

    # -- teardown --
    def destroy(self):
        for name in list(self.servers):
            try:
                self.stop_server(name)
            except Exception:  # noqa: BLE001 - keep tearing down
                pass
        for ns in reversed(self.created):
            run(["ip", "netns", "del", ns], check=False)
        self.created = []


def scratch_ns(prefix):
    """A fresh empty namespace for loading a ruleset; caller deletes it."""
    name = "%sscratch%d" % (prefix, int(time.monotonic() * 1000) % 100000)
    assert name.startswith(NS_MARK)
    run(["ip", "netns", "add", name])
    return name


def del_ns(name):
    assert name.startswith(NS_MARK)
    run(["ip", "netns", "del", name], check=False)

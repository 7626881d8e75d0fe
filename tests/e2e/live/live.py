#!/usr/bin/python3
"""kube-nfproxy as a daemon against the test API server, in namespaces.

Usage: run.sh [-m nftables|iptables] [-k NAME[,NAME]] [--list] [--keep] [-v]

Each scenario builds the e2e topology (lib/topo.py), starts the test API
server (tests/apiserver/apiserver.py) in the router namespace on
192.168.50.1:6443, runs `kube-nfproxy --kubeconfig` in node-1's namespace,
changes objects with the real kubectl (run in the router namespace) and
checks what clients see. Prints PASS/FAIL/SKIP per scenario and mode,
figures (times, request counts, RSS) as "figure:" lines, and finally
"N passed, N failed, N skipped". Env: NFP_BIN (the binary), NFP_LIVE_WRAP
(a command line the daemon runs under, e.g. "valgrind --leak-check=full").
"""

import argparse
import difflib
import json
import os
import re
import shlex
import shutil
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/e2e

from lib import apiserver, daemon, k8s, proxy, topo  # noqa: E402
from lib.scenario import Ctx, Skip, summarise  # noqa: E402

MODES = ("nftables", "iptables")
API_IP = "192.168.50.1"  # the router, on the node network
N1 = topo.NODES["node-1"]["ip4"]
SCENARIO_TIMEOUT = 150
MAX_REASON_LINES = 16
SVC_PATH = "/api/v1/namespaces/default/services"
SLICE_PATH = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"
POD_PATH = "/api/v1/namespaces/default/pods"
# a report in the daemon's log that fails any scenario
SANITIZER_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|"
                          r"runtime error:|definitely lost: [1-9]|"
                          r"indirectly lost: [1-9]|Invalid (read|write)")

REGISTRY = []
# wait_outcome: any outcome but an answer (refused, timeout, or an ICMP
# error such as ENETUNREACH from the router for a deleted service's IP)
NO_ANSWER = ("refused", "timeout", "error")


class ScenarioTimeout(Exception):
    pass


def live(name):
    def wrap(fn):
        para = (fn.__doc__ or "").strip().split("\n\n")[0]
        REGISTRY.append((name, fn, " ".join(para.split())))
        return fn
    return wrap


# -- objects, as kubectl is given them --
def clean(obj):
    """No uid, resourceVersion or status: what a person writes."""
    o = json.loads(json.dumps(obj))
    for k in ("uid", "resourceVersion"):
        o["metadata"].pop(k, None)
    if o.get("kind") in ("Service", "Pod"):
        o.pop("status", None)
    return o


def svc(name, cip, ports):
    """ports: [(name, proto, port, targetPort)]."""
    return clean(k8s.service(name, [k8s.port(*p) for p in ports],
                             cluster_ips=[cip]))


def eslice(ctx, name, pods, ports):
    """ports: [(name, proto, port)]."""
    return clean(k8s.endpoint_slice(
        name, [k8s.endpoint(ctx.pods[p]) for p in pods], ports))


WEB = [("http", "TCP", 80, 8080), ("dns", "UDP", 53, 5353)]
WEB_EP = [("http", "TCP", 8080), ("dns", "UDP", 5353)]


class Loop:
    """lib/client.py's loop mode: TCP connects back to back until stop()."""

    def __init__(self, ctx, where, dst, port, interval=0.01, duration=90):
        self.ctx = ctx
        self.what = "%s -> %s:%d/tcp" % (where, dst, port)
        self.c = ctx.t.client_popen(where, "loop", dst, port, timeout=1.0,
                                    extra=["--count", "5000", "--duration",
                                           str(duration), "--interval",
                                           str(interval)])
        if self.c.stdout.readline().strip() != "started":
            raise topo.CmdError("loop client did not start: %s" %
                                self.c.stderr.read())
        self.t0 = time.monotonic()

    def stop(self):
        try:
            self.c.stdin.write("stop\n")
            self.c.stdin.flush()
            line = self.c.stdout.readline()
            res = json.loads(line) if line else {"attempts": 0,
                                                 "counts": {"no-summary": 1},
                                                 "bad": []}
        finally:
            try:
                self.c.stdin.close()
            except OSError:
                pass
            self.c.wait(timeout=10)
        res["seconds"] = round(time.monotonic() - self.t0, 2)
        self.ctx.log.append("loop %s: %s" % (self.what, res))
        return res


class TimedLog(list):
    """Log lines stamped with UTC wall time, as the daemon's klog lines."""

    def append(self, line):
        now = time.time()
        super().append("%s.%03d %s" % (time.strftime("%H:%M:%S",
                                                     time.gmtime(now)),
                                       int(now * 1000) % 1000, line))


class LiveCtx(Ctx):
    def __init__(self, t, mode, workdir, verbose=False):
        super().__init__(t, mode, "daemon", workdir, verbose)
        self.log = TimedLog()
        self.api = None
        self.daemon = None
        self.figures = []
        self.loops = []

    def figure(self, fmt, *args):
        text = fmt % args if args else fmt
        self.figures.append(text)
        self.log.append("figure: " + text)

    # -- the server and the daemon --
    def start(self, skip_pods=(), api_extra=(), token=None, kubeconfig=None,
              daemon_extra=(), run_daemon=True):
        """The API server in the router namespace (nodes and pods of the
        topology preloaded, less skip_pods), then the daemon on node-1
        (kubeconfig: the server's URL, CA and admin token unless given),
        waiting for its first sync."""
        base = apiserver.write_json(
            os.path.join(self.workdir, "base.json"),
            k8s.klist(k8s.base_objects(self.t, set(skip_pods))))
        self.api = apiserver.ApiServer(
            self.t, "rt", API_IP, os.path.join(self.workdir, "api"),
            load=[base], extra=list(api_extra), token=token,
            log_path=os.path.join(self.workdir, "apiserver.log"))
        self.api.start()
        if run_daemon:
            self.start_daemon(kubeconfig, daemon_extra)
        return self

    def start_daemon(self, kubeconfig=None, extra=()):
        kc = kubeconfig or self.api.kubeconfig_for(
            os.path.join(self.workdir, "kubeconfig-node-1"))
        wrap = shlex.split(os.environ.get("NFP_LIVE_WRAP", ""))
        self.daemon = daemon.Daemon(
            self.t, "node-1", self.mode, kc,
            os.path.join(self.workdir, "daemon.log"),
            extra=extra, wrapper=wrap)
        self.daemon.start()
        self.wait_synced()

    def wait_synced(self, since=0, timeout=30):
        """Until the daemon's first sync (after log offset since) is
        done; a failed first sync fails the scenario."""
        m = self.daemon.wait_log(r"every cache has listed once",
                                 since=since, timeout=timeout)
        at = since + m.end()
        m = self.daemon.wait_log(r"synced \d+ services|sync failed",
                                 since=at, timeout=timeout)
        if m.group(0) == "sync failed":
            self.fail("the daemon's first sync failed:\n%s" %
                      self.daemon.tail())

    def teardown(self):
        for lp in self.loops:
            try:
                lp.stop()
            except Exception:  # noqa: BLE001
                pass
        if self.daemon is not None:
            d, self.daemon = self.daemon, None
            rc = d.stop()
            self.log.append("daemon exit: %s" % rc)
            if rc not in (None, 0, -9):
                self.fail("kube-nfproxy exited %s at SIGTERM; log tail:\n%s"
                          % (rc, d.tail()))
            m = SANITIZER_RE.search(d.log())
            if m:
                self.fail("sanitizer/valgrind report in the daemon's log "
                          "(%s): %s" % (m.group(0), d.log_path))
        if self.api is not None:
            a, self.api = self.api, None
            if a.proc is not None:
                try:
                    apiserver.write_json(os.path.join(
                        self.workdir, "apiserver.requests.json"),
                        a.requests())
                except Exception as e:  # noqa: BLE001
                    self.log.append("requests log: %s" % e)
            a.stop()

    # -- kubectl --
    def kubectl(self, *args, check=True):
        t0 = time.monotonic()
        p = self.api.kubectl(*args, check=check)
        self.log.append("kubectl %s: %s (%.2fs)" % (
            " ".join(args), (p.stdout + p.stderr).strip().replace("\n", "; "),
            time.monotonic() - t0))
        return p

    def kubectl_file(self, verb, objs, *flags):
        """kubectl VERB -f FILE (a List of objs); returns the monotonic time
        just before kubectl started."""
        self.n_inputs += 1
        path = os.path.join(self.workdir, "kubectl-%02d-%s.json" %
                            (self.n_inputs, verb))
        apiserver.write_json(path, k8s.klist(objs))
        t0 = time.monotonic()
        self.kubectl(verb, "-f", path, *flags)
        return t0

    # -- waiting for the data path --
    def wait_pods(self, where, dst, port, pods, proto="tcp", timeout=20.0,
                  exact=True, why="", since=None):
        """Poll until a series of tries is answered by pods only (and by
        each of them, with exact). Returns seconds since `since` (default:
        the call) to the start of the series that showed it, or None after
        failing the scenario."""
        start = time.monotonic()
        since = start if since is None else since
        n = max(8, 4 * len(pods))
        want = set(pods)
        outs = []
        last = None
        while True:
            tried = time.monotonic()
            outs = self.t.probe(where, dst, port, proto=proto, count=n,
                                timeout=0.5, max_bad=2)
            last = self.note_change(where, dst, port, proto, outs, last)
            seen = {o.get("pod") for o in outs if o["r"] == "answer"}
            good = len(outs) == n and all(
                o["r"] == "answer" and o["pod"] in want for o in outs)
            if good and (not exact or seen == want):
                took = tried - since
                self.log.append("%s -> %s:%s/%s: {%s} after %.2fs" % (
                    where, dst, port, proto, ",".join(sorted(want)), took))
                return took
            if time.monotonic() - start > timeout:
                self.fail("%s -> %s:%d/%s: expected answers from {%s}%s "
                          "within %gs, last tries gave %s" % (
                              where, dst, port, proto,
                              ",".join(sorted(want)),
                              " (%s)" % why if why else "", timeout,
                              summarise(outs)))
                return None
            time.sleep(0.1)

    def note_change(self, where, dst, port, proto, outs, last):
        """Log a polling loop's outcome when it differs from the last."""
        summ = summarise(outs)
        if summ != last:
            self.log.append("  %s -> %s:%s/%s: %s" % (where, dst, port, proto,
                                                       summ))
        return summ

    def wait_outcome(self, where, dst, port, outcomes=("refused",),
                     proto="tcp", timeout=20.0, why="", since=None):
        """Poll until every try ends in one of outcomes (refused, timeout);
        returns seconds as wait_pods."""
        start = time.monotonic()
        since = start if since is None else since
        outs = []
        last = None
        while True:
            tried = time.monotonic()
            outs = self.t.probe(where, dst, port, proto=proto, count=2,
                                timeout=0.6)
            last = self.note_change(where, dst, port, proto, outs, last)
            if all(o["r"] != "answer" if outcomes == NO_ANSWER else
                   o["r"] in outcomes for o in outs):
                took = tried - since
                self.log.append("%s -> %s:%s/%s: %s after %.2fs" % (
                    where, dst, port, proto, "/".join(outcomes), took))
                return took
            if time.monotonic() - start > timeout:
                self.fail("%s -> %s:%d/%s: expected %s%s within %gs, last "
                          "tries gave %s" % (where, dst, port, proto,
                                             " or ".join(outcomes),
                                             " (%s)" % why if why else "",
                                             timeout, summarise(outs)))
                return None
            time.sleep(0.1)

    def first_answer(self, where, dst, port, since, timeout=20.0):
        """Seconds from `since` to the first answered connection."""
        while True:
            tried = time.monotonic()
            o = self.t.probe(where, dst, port, timeout=0.3)[0]
            if o["r"] == "answer":
                return tried - since
            if time.monotonic() - since > timeout:
                self.fail("%s -> %s:%d: no answer within %gs of the kubectl "
                          "call (last: %s)" % (where, dst, port, timeout, o))
                return None
            time.sleep(0.02)

    def loop(self, where, dst, port, **kw):
        lp = Loop(self, where, dst, port, **kw)
        self.loops.append(lp)
        return lp

    def end_loop(self, lp, what):
        self.loops.remove(lp)
        res = lp.stop()
        self.check(set(res["counts"]) <= {"answer"} and res["attempts"] > 0,
                   "%s: the client loop %s saw %s in %d attempts (first: %s)"
                   % (what, lp.what, res["counts"], res["attempts"],
                      res["bad"][:3]))
        return res

    def wait_watches(self, timeout=40.0, why=""):
        """Until the daemon has a watch open on each of its four kinds;
        returns the seconds waited."""
        t0 = time.monotonic()
        want = {"services", "endpointslices", "pods", "nodes"}
        have = set()
        while time.monotonic() - t0 < timeout:
            have = {w["resource"] for w in
                    self.api.admin("GET", "watches")["items"]}
            if want <= have:
                return time.monotonic() - t0
            time.sleep(0.1)
        self.fail("the daemon's watches on %s were not back within %gs%s" %
                  (",".join(sorted(want - have)), timeout,
                   " (%s)" % why if why else ""))
        return None

    def settle(self, seconds=1.3):
        """Let a sync the daemon has scheduled run (min-sync-period 1s)."""
        time.sleep(seconds)


# -- the scenarios ------------------------------------------------------------


@live("create_clusterip")
def sc_create(ctx):
    """kubectl creates a Service and its EndpointSlice: the ClusterIP
    answers (time from the kubectl call to the first answer)."""
    ctx.start()
    ctx.settle()
    every = ["p1a", "p1b", "p2a"]
    t0 = ctx.kubectl_file("create", [svc("web", "10.96.0.10", WEB),
                                     eslice(ctx, "web", every, WEB_EP)])
    first = ctx.first_answer("p1c", "10.96.0.10", 80, t0)
    if first is not None:
        ctx.figure("kubectl create -> first answered connection: %.2fs",
                   first)
    ctx.wait_pods("p1c", "10.96.0.10", 80, every)
    ctx.expect_pods("p1c", "10.96.0.10", 80, every, count=30)
    ctx.expect_pods("p1c", "10.96.0.10", 53, every, proto="udp", count=30)
    ctx.expect_pods("node-1", "10.96.0.10", 80, every, count=30,
                    why="node-originated traffic, OUTPUT path")


def conntrack_reply_ports(ctx, cip, port):
    """Reply source ports of TCP conntrack entries to cip:port on node-1."""
    p = ctx.t.ns_exec(ctx.t.node_ns["node-1"],
                      ["conntrack", "-L", "-p", "tcp", "--orig-dst", cip,
                       "--orig-port-dst", str(port)], check=False)
    ports = set()
    for line in p.stdout.splitlines():
        sports = re.findall(r"sport=(\d+)", line)
        if len(sports) >= 2:
            ports.add(int(sports[1]))  # the reply direction's source
    return ports


@live("endpoints_follow")
def sc_follow(ctx):
    """Endpoints scaled up and down (kubectl replace/apply), a port changed,
    the service deleted: the data path follows."""
    ctx.start()
    cip = "10.96.0.11"
    ctx.kubectl_file("apply", [svc("web", cip, WEB),
                               eslice(ctx, "web", ["p1a"], WEB_EP)])
    ctx.wait_pods("p1c", cip, 80, ["p1a"])
    up = ["p1a", "p1b", "p2a"]
    t0 = ctx.kubectl_file("replace", [eslice(ctx, "web", up, WEB_EP)])
    took = ctx.wait_pods("p1c", cip, 80, up, since=t0, why="scaled up")
    ctx.expect_pods("p1c", cip, 53, up, proto="udp", count=30)
    t1 = ctx.kubectl_file("apply", [eslice(ctx, "web", ["p2b"], WEB_EP)])
    took2 = ctx.wait_pods("p1c", cip, 80, ["p2b"], since=t1,
                          why="scaled down to p2b")
    ctx.expect_pods("p1c", cip, 80, ["p2b"], count=30)
    if took is not None and took2 is not None:
        ctx.figure("scale up 1->3 followed in %.2fs, down 3->1 in %.2fs",
                   took, took2)
    # the service port 80 -> 81
    new = [("http", "TCP", 81, 8080), ("dns", "UDP", 53, 5353)]
    t2 = ctx.kubectl_file("apply", [svc("web", cip, new)])
    ctx.wait_pods("p1c", cip, 81, ["p2b"], since=t2, why="new port 81")
    ctx.wait_outcome("p1c", cip, 80, NO_ANSWER, why="old service port 80")
    # the target port 8080 -> 8081 (service and slice)
    new = [("http", "TCP", 81, 8081), ("dns", "UDP", 53, 5353)]
    ctx.kubectl_file("apply", [svc("web", cip, new),
                               eslice(ctx, "web", ["p2b"],
                                      [("http", "TCP", 8081),
                                       ("dns", "UDP", 5353)])])
    deadline = time.monotonic() + 20
    ports = set()
    while time.monotonic() < deadline:
        ctx.t.ns_exec(ctx.t.node_ns["node-1"], ["conntrack", "-F"],
                      check=False)
        ctx.probe("p1c", cip, 81, count=3)
        ports = conntrack_reply_ports(ctx, cip, 81)
        if ports == {8081}:
            break
        time.sleep(0.2)
    ctx.check(ports == {8081}, "after the target port change %s:81 must "
              "be DNATed to port 8081, conntrack shows reply ports %s" %
              (cip, sorted(ports) or "none"))
    ctx.expect_pods("p1c", cip, 81, ["p2b"], count=10)
    # delete
    t3 = time.monotonic()
    ctx.kubectl("delete", "service", "web")
    ctx.kubectl("delete", "endpointslice", "web-v4")
    took = ctx.wait_outcome("p1c", cip, 81, NO_ANSWER, since=t3,
                            why="service deleted")
    if took is not None:
        ctx.figure("service deleted -> no answer in %.2fs", took)


@live("hostport")
def sc_hostport(ctx):
    """A hostPort pod created with kubectl is forwarded once Running with a
    podIP (status subresource), and no longer once deleted."""
    ctx.start(skip_pods={"p1b"})
    p1b = ctx.pods["p1b"]
    pod = clean(k8s.pod(p1b, host_ports=[(9080, 8080, "TCP"),
                                         (9053, 5353, "UDP")]))
    ctx.kubectl_file("create", [pod])
    ctx.settle()
    ctx.expect_outcome("ext", N1, 9080, "refused",
                       why="the pod is Pending, without a podIP")
    status = {"status": {"phase": "Running", "podIP": p1b.ip4,
                         "podIPs": [{"ip": p1b.ip4}, {"ip": p1b.ip6}]}}
    t0 = time.monotonic()
    ctx.kubectl("patch", "pod", "p1b", "--subresource=status",
                "--type=merge", "-p", json.dumps(status))
    took = ctx.wait_pods("ext", N1, 9080, ["p1b"], since=t0)
    if took is not None:
        ctx.figure("status Running -> hostPort answered in %.2fs", took)
    ctx.expect_pods("ext", N1, 9053, ["p1b"], proto="udp", count=5)
    ctx.expect_pods("p1c", N1, 9080, ["p1b"], count=5,
                    why="hostPort from a pod on the same node")
    t1 = time.monotonic()
    ctx.kubectl("delete", "pod", "p1b", "--wait=false")
    took = ctx.wait_outcome("ext", N1, 9080, ("refused",), since=t1,
                            why="pod deleted: nothing listens on the node")
    if took is not None:
        ctx.figure("pod deleted -> hostPort refused in %.2fs", took)
    ctx.expect_outcome("ext", N1, 9053, "refused", proto="udp")


@live("apiserver_restart")
def sc_api_restart(ctx):
    """The API server is killed (SIGKILL): traffic keeps flowing on the
    installed rules; after it restarts (same data) a change is applied."""
    ctx.start()
    cip = "10.96.0.12"
    ctx.kubectl_file("apply", [svc("web", cip, WEB),
                               eslice(ctx, "web", ["p1a", "p1b"], WEB_EP)])
    ctx.wait_pods("p1c", cip, 80, ["p1a", "p1b"])
    lp = ctx.loop("p1c", cip, 80)
    rv = ctx.api.save_snapshot()
    ctx.api.kill(signal.SIGKILL)
    time.sleep(3.0)
    ctx.check(ctx.daemon.alive(), "kube-nfproxy exited while the API server "
              "was down:\n%s" % ctx.daemon.tail())
    ctx.expect_pods("p1c", cip, 53, ["p1a", "p1b"], proto="udp", count=10,
                    why="API server down")
    res = ctx.end_loop(lp, "API server down")
    ctx.figure("API server down %.1fs: %d connections, %s", res["seconds"],
               res["attempts"], res["counts"])
    ctx.api.start()
    ctx.log.append("apiserver restarted from its snapshot at rv %d" % rv)
    t0 = ctx.kubectl_file("apply", [eslice(ctx, "web", ["p2a"], WEB_EP)])
    took = ctx.wait_pods("p1c", cip, 80, ["p2a"], since=t0, timeout=40,
                         why="change made after the restart")
    if took is not None:
        ctx.figure("change after the restart applied in %.2fs", took)
    log = ctx.daemon.log()
    ctx.check(re.search(r"W\S+ .*(watch|list) \w+: .*again in", log),
              "the daemon logged no failed request while the API server was "
              "down")


@live("watch_cut_410")
def sc_watch_faults(ctx):
    """Watches cut while re-watching fails, then 410 Expired mid-stream:
    a change made meanwhile is not lost (resume, relist)."""
    ctx.start()
    cip = "10.96.0.13"
    ctx.kubectl_file("apply", [svc("web", cip, WEB),
                               eslice(ctx, "web", ["p1a"], WEB_EP)])
    ctx.wait_pods("p1c", cip, 80, ["p1a"])
    ctx.settle()
    # 1: cut every watch; re-watching fails for 3 s; the change made then
    # must come from the watch history when the watch is back
    seq0 = max([r["seq"] for r in ctx.api.requests()] or [0])
    ctx.api.fault("error", code=500, seconds=3, verb="watch")
    ctx.api.fault("cut-watches")
    t0 = ctx.kubectl_file("apply", [eslice(ctx, "web", ["p1b"], WEB_EP)])
    took = ctx.wait_pods("p1c", cip, 80, ["p1b"], since=t0, timeout=25,
                         why="change made while watches were cut")
    reqs = ctx.api.requests(seq0)
    failed = [r for r in reqs if r.get("verb") == "watch" and
              r.get("status") == 500]
    ctx.check(failed, "no watch request hit the injected 500s: the cut did "
              "not make the daemon re-watch?")
    if took is not None:
        ctx.figure("cut + %d failed re-watches: change applied in %.2fs",
                   len(failed), took)
    ctx.settle()
    # 2: watches paused, a change, history compacted: the paused streams
    # end with an ERROR 410 event mid-stream; the daemon must relist
    off = ctx.daemon.log_size()
    seq1 = max([r["seq"] for r in ctx.api.requests()] or [0])
    ctx.api.fault("pause-watches", seconds=2)
    t1 = ctx.kubectl_file("apply", [eslice(ctx, "web", ["p2a"], WEB_EP)])
    ctx.api.fault("expire")
    took = ctx.wait_pods("p1c", cip, 80, ["p2a"], since=t1, timeout=25,
                         why="change made before the 410")
    # every kind got the ERROR event: each must list again
    kinds = {"services", "endpointslices", "pods", "nodes"}
    deadline = time.monotonic() + 20
    listed = {}
    while time.monotonic() < deadline and set(listed) != kinds:
        for r in ctx.api.requests(seq1):
            kind = r["path"].rsplit("/", 1)[-1]
            if r.get("verb") == "list" and r.get("status") == 200:
                listed.setdefault(kind, r["time"])
        time.sleep(0.2)
    ctx.check(set(listed) == kinds, "after the 410 the daemon relisted only "
              "%s" % sorted(listed))
    ctx.check(re.search(r"410", ctx.daemon.log_since(off)),
              "the daemon did not log the 410:\n%s" % ctx.daemon.tail())
    if took is not None:
        ctx.figure("410 mid-stream: change applied in %.2fs; relists %s s "
                   "after the first", took, ", ".join(
                       "%s +%.1f" % (k, v - min(listed.values()))
                       for k, v in sorted(listed.items())))


STORM_S = 5.0


@live("error_storm")
def sc_storm(ctx):
    """A 500 storm and a 429 storm (Retry-After 1): the daemon backs off
    (few requests, little CPU), keeps the rules, then recovers."""
    ctx.start()
    cip = "10.96.0.14"
    ctx.kubectl_file("apply", [svc("web", cip, WEB),
                               eslice(ctx, "web", ["p1a"], WEB_EP)])
    ctx.wait_pods("p1c", cip, 80, ["p1a"])
    ctx.settle()
    ctx.wait_watches()
    kinds = 4  # services, endpointslices, pods, nodes
    current = ["p1a"]
    for code, extra, per_kind in ((500, {}, 6),
                                  (429, {"retry_after": 1}, STORM_S + 2)):
        ctx.api.reset_stats()
        cpu0 = ctx.daemon.cpu_seconds()
        t0 = time.monotonic()
        ctx.api.fault("error", code=code, seconds=STORM_S, **extra)
        ctx.api.fault("cut-watches")
        time.sleep(1.0)
        ctx.expect_pods("p1c", cip, 80, current, count=5,
                        why="during the %d storm the rules stay" % code)
        time.sleep(max(0.0, t0 + STORM_S - time.monotonic()))
        st = ctx.api.stats()
        cpu = ctx.daemon.cpu_seconds() - cpu0
        total = st["total"]
        by_path = st.get("by_path", {})
        busiest = max(by_path.values() or [0])
        ctx.figure("%d storm %.0fs: %d requests (%s), by status %s, daemon "
                   "CPU %.2fs", code, STORM_S, total,
                   ", ".join("%s %d" % (p.rsplit("/", 1)[-1], n)
                             for p, n in sorted(by_path.items())),
                   st.get("by_status"), cpu)
        ctx.check(total <= kinds * per_kind and busiest <= per_kind,
                  "%d storm: %d requests in %.0fs (busiest path %d): more "
                  "than %d per kind, backoff not working (%s)" % (
                      code, total, STORM_S, busiest, per_kind, by_path))
        ctx.check(total < STORM_S * 10,
                  "%d storm: %d requests in %.0fs, one per 100 ms or more: "
                  "busy retrying" % (code, total, STORM_S))
        ctx.check(cpu < 0.5, "%d storm: the daemon used %.2fs CPU in %.0fs: "
                  "busy loop?" % (code, cpu, STORM_S))
        # recovery: the next change is applied
        current = ["p1b"] if code == 500 else ["p2a"]
        t1 = ctx.kubectl_file("apply", [eslice(ctx, "web", current,
                                               WEB_EP)])
        took = ctx.wait_pods("p1c", cip, 80, current, since=t1, timeout=40,
                             why="change after the %d storm" % code)
        if took is not None:
            ctx.figure("after the %d storm a change was applied in %.2fs",
                       code, took)
        if ctx.wait_watches(why="after the %d storm" % code) is not None:
            ctx.figure("after the %d storm every watch was open again "
                       "%.1fs after its end (backoff)", code,
                       time.monotonic() - t0 - STORM_S)
        ctx.settle()


@live("garbage_line")
def sc_garbage(ctx):
    """A garbage line in the watch streams is logged, the stream is resumed,
    a later change is applied."""
    ctx.start()
    cip = "10.96.0.15"
    ctx.kubectl_file("apply", [svc("web", cip, WEB),
                               eslice(ctx, "web", ["p1a"], WEB_EP)])
    ctx.wait_pods("p1c", cip, 80, ["p1a"])
    off = ctx.daemon.log_size()
    seq0 = max([r["seq"] for r in ctx.api.requests()] or [0])
    ctx.api.fault("garbage", line="this is not json {")
    try:
        m = ctx.daemon.wait_log(r"[WE]\S+ [^\n]*watch \w+: [^\n]*not "
                                r"JSON[^\n]*", since=off, timeout=10)
        ctx.figure("logged: %s", m.group(0)[:160])
    except daemon.DaemonError as e:
        ctx.fail("the garbage line was not logged: %s" % e)
    t0 = ctx.kubectl_file("apply", [eslice(ctx, "web", ["p2a"], WEB_EP)])
    took = ctx.wait_pods("p1c", cip, 80, ["p2a"], since=t0, timeout=25,
                         why="change after the garbage line")
    rewatch = [r for r in ctx.api.requests(seq0) if r.get("verb") == "watch"]
    ctx.check(rewatch, "no watch request after the garbage line")
    if took is not None:
        ctx.figure("%d re-watches; change applied in %.2fs", len(rewatch),
                   took)


@live("daemon_kill9")
def sc_kill9(ctx):
    """kill -9 of the daemon under traffic: no failed connection; the
    restarted daemon converges to the same ruleset."""
    ctx.start()
    cip = "10.96.0.16"
    nodeport = svc("np", "10.96.0.17", [("http", "TCP", 80, 8080, 30080),
                                        ("dns", "UDP", 53, 5353, 30053)])
    nodeport["spec"]["type"] = "NodePort"
    nodeport["spec"]["externalTrafficPolicy"] = "Cluster"
    ctx.kubectl_file("apply", [
        svc("web", cip, WEB),
        eslice(ctx, "web", ["p1a", "p1b", "p2a"], WEB_EP), nodeport,
        eslice(ctx, "np", ["p1c", "p2b"], WEB_EP)])
    ctx.wait_pods("p1c", cip, 80, ["p1a", "p1b", "p2a"])
    ctx.wait_pods("ext", N1, 30080, ["p1c", "p2b"])
    ctx.settle()
    before = ctx.daemon.ruleset_normalised()
    lp = ctx.loop("p1c", cip, 80)
    lp2 = ctx.loop("ext", N1, 30080)
    time.sleep(0.5)
    ctx.daemon.kill9()
    time.sleep(1.5)
    off = ctx.daemon.log_size()
    t0 = time.monotonic()
    ctx.daemon.start()
    ctx.wait_synced(since=off)
    synced = time.monotonic() - t0
    time.sleep(1.0)
    r1 = ctx.end_loop(lp, "daemon killed and restarted")
    r2 = ctx.end_loop(lp2, "daemon killed and restarted")
    ctx.figure("kill -9, restart, first sync in %.2fs; clients: %d + %d "
               "connections, %s %s", synced, r1["attempts"], r2["attempts"],
               r1["counts"], r2["counts"])
    ctx.settle()
    after = ctx.daemon.ruleset_normalised()
    if before != after:
        diff = difflib.unified_diff(before.splitlines(), after.splitlines(),
                                    "before kill -9", "after restart",
                                    lineterm="", n=1)
        ctx.fail("the restarted daemon's ruleset differs (normalised):\n%s"
                 % "\n".join(list(diff)[:40]))
    path = os.path.join(ctx.workdir, "ruleset-before.txt")
    with open(path, "w") as f:
        f.write(before)
    ctx.figure("ruleset compared: %d lines, %s", len(before.splitlines()),
               "identical" if before == after else "DIFFERENT")
    ctx.wait_pods("p1c", cip, 80, ["p1a", "p1b", "p2a"])


@live("token_rotation")
def sc_token(ctx):
    """The daemon's tokenFile is rotated on disk: new requests carry the new
    token without a restart; a server that accepts only the new token
    (restarted without the old one) still serves it."""
    admin_tok = "live-admin-" + os.urandom(8).hex()
    old_tok = "live-old-" + os.urandom(8).hex()
    new_tok = "live-new-" + os.urandom(8).hex()
    csv = os.path.join(ctx.workdir, "tokens.csv")

    def write_csv(*rows):
        with open(csv, "w") as f:
            f.write("".join('%s,%s,%s,"system:masters"\n' % r for r in rows))
    admin_row = (admin_tok, "live-admin", "1000")
    old_row = (old_tok, "user-old", "1001")
    new_row = (new_tok, "user-new", "1002")
    write_csv(admin_row, old_row, new_row)
    tok_file = os.path.join(ctx.workdir, "node-token")

    def write_token(tok):
        tmp = tok_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(tok + "\n")
        os.replace(tmp, tok_file)  # as kubelet swaps projected tokens
    write_token(old_tok)
    ctx.start(api_extra=["--token-auth-file", csv], token=admin_tok,
              run_daemon=False)
    ctx.start_daemon(ctx.api.kubeconfig_for(
        os.path.join(ctx.workdir, "kubeconfig-node-1"), token_file=tok_file))
    cip = "10.96.0.18"
    ctx.kubectl_file("apply", [svc("web", cip, WEB),
                               eslice(ctx, "web", ["p1a"], WEB_EP)])
    ctx.wait_pods("p1c", cip, 80, ["p1a"])
    users = {r.get("user") for r in ctx.api.requests()
             if r.get("user") != "live-admin"}
    ctx.check(users == {"user-old"}, "before the rotation the daemon's "
              "requests came from %s, expected user-old only" % users)
    write_token(new_tok)
    seq0 = max([r["seq"] for r in ctx.api.requests()] or [0])
    ctx.api.fault("cut-watches")
    deadline = time.monotonic() + 15
    after = []
    while time.monotonic() < deadline:
        after = [r for r in ctx.api.requests(seq0)
                 if r.get("user") != "live-admin"]
        if len({r["path"] for r in after if r.get("verb") == "watch"}) >= 4:
            break
        time.sleep(0.2)
    users = {r.get("user") for r in after}
    ctx.check(after and users == {"user-new"}, "after the rotation and a "
              "cut the daemon's requests came from %s (%d requests), "
              "expected user-new only" % (users, len(after)))
    ctx.figure("after rotation: %d requests, users %s", len(after),
               sorted(u or "-" for u in users))
    # revoke the old token: the server keeps its data, accepts admin + new
    write_csv(admin_row, new_row)
    ctx.api.kill(signal.SIGTERM)  # writes its snapshot
    ctx.api.start()
    r = ctx.api.rest("GET", SVC_PATH, token=old_tok, full=True)
    ctx.check(r.get("status") == 401, "the restarted server still accepts "
              "the old token: %s" % str(r)[:200])
    ctx.api.reset_stats()
    t0 = ctx.kubectl_file("apply", [eslice(ctx, "web", ["p2a"], WEB_EP)])
    took = ctx.wait_pods("p1c", cip, 80, ["p2a"], since=t0, timeout=40,
                         why="change after the old token was revoked")
    st = ctx.api.stats()
    ctx.check(not st.get("by_status", {}).get("401"),
              "requests refused with 401 after the revocation: %s" %
              st.get("by_status"))
    if took is not None:
        ctx.figure("old token revoked (server restarted): change applied in "
                   "%.2fs, statuses %s", took, st.get("by_status"))


MEM_WARMUP_ROUNDS = int(os.environ.get("NFP_LIVE_MEM_WARMUP", "150"))
# x 6 events (3 creates, 3 deletes) = 10,002 watch events
MEM_ROUNDS = int(os.environ.get("NFP_LIVE_MEM_ROUNDS", "1667"))


@live("memory")
def sc_memory(ctx):
    """10,000 watch events that add and remove the same objects: the
    daemon's RSS does not grow (after a warm-up round)."""
    ctx.start()
    cip = "10.96.0.19"
    ctx.kubectl_file("apply", [svc("web", cip, WEB),
                               eslice(ctx, "web", ["p1a"], WEB_EP)])
    ctx.wait_pods("p1c", cip, 80, ["p1a"])
    churn_svc = svc("churn", "10.96.5.5", WEB)
    churn_slice = eslice(ctx, "churn", ["p1b", "p2a"], WEB_EP)
    churn_pod = clean(k8s.pod(ctx.pods["p1c"], host_ports=[(9090, 8080,
                                                            "TCP")]))
    churn_pod["metadata"]["name"] = "churn-pod"
    items = [[SVC_PATH, churn_svc], [SLICE_PATH, churn_slice],
             [POD_PATH, churn_pod]]

    def churn(rounds):
        r = ctx.api.churn(items, rounds, max_seconds=120)
        ctx.check(r["errors"] == 0, "churn: %d of %d requests failed, first: "
                  "%s" % (r["errors"], r["requests"], r["first_error"]))
        return r

    def quiesce(pods):
        t0 = ctx.kubectl_file("apply", [eslice(ctx, "web", pods, WEB_EP)])
        ctx.wait_pods("p1c", cip, 80, pods, since=t0, timeout=30,
                      why="caught up after the churn")
        ctx.settle(2.2)
        ctx.wait_outcome("p1c", "10.96.5.5", 80, NO_ANSWER,
                         why="churn service deleted at the end")

    w = churn(MEM_WARMUP_ROUNDS)
    ctx.figure("warm-up: %d requests in %.1fs", w["requests"], w["seconds"])
    quiesce(["p1b"])
    rss0 = ctx.daemon.rss_kib()
    cpu0 = ctx.daemon.cpu_seconds()
    syncs0 = ctx.daemon.count_log(r"synced \d+ services")
    r = churn(MEM_ROUNDS)
    quiesce(["p2a"])
    rss1 = ctx.daemon.rss_kib()
    cpu = ctx.daemon.cpu_seconds() - cpu0
    syncs = ctx.daemon.count_log(r"synced \d+ services") - syncs0
    events = r["requests"]
    relists = ctx.daemon.count_log(r"listing again|410")
    ctx.figure("memory: RSS %d KiB before, %d KiB after %d watch events "
               "(%+d KiB, %+.1f%%) in %.1fs; %d syncs, daemon CPU %.2fs, "
               "%d relist messages", rss0, rss1, events, rss1 - rss0,
               100.0 * (rss1 - rss0) / rss0, r["seconds"], syncs, cpu,
               relists)
    bound = max(4096, rss0 // 10)
    ctx.check(rss1 - rss0 < bound, "RSS grew %d KiB (%d -> %d) over %d "
              "watch events: more than %d KiB" % (rss1 - rss0, rss0, rss1,
                                                  events, bound))


# -- the runner ----------------------------------------------------------------


def on_alarm(signum, frame):
    raise ScenarioTimeout("scenario took more than %ds" % SCENARIO_TIMEOUT)


def on_term(signum, frame):
    raise SystemExit("terminated by signal %d" % signum)


def preflight():
    b = proxy.nfp_bin()
    if not os.access(b, os.X_OK):
        return "no executable %s (run make or set NFP_BIN)" % b
    if "--kubeconfig" not in proxy.help_text():
        return "%s --help mentions no --kubeconfig" % b
    if not os.access(apiserver.KUBECTL, os.X_OK):
        return "no kubectl at %s (set KUBECTL)" % apiserver.KUBECTL
    if not os.path.exists(apiserver.APISERVER):
        return "no test API server at %s" % apiserver.APISERVER
    return None


def diagnostics(ctx, sdir):
    t = ctx.t
    ns = t.node_ns["node-1"]
    for what, argv in (("conntrack", ["conntrack", "-L"]),
                       ("ruleset", ["nft", "list", "ruleset"]
                        if ctx.mode == "nftables" else
                        ["sh", "-c", "iptables-legacy-save -c; "
                         "ip6tables-legacy-save -c"])):
        p = t.ns_exec(ns, argv, check=False)
        with open(os.path.join(sdir, "node-1.%s.txt" % what), "w") as f:
            f.write(p.stdout + p.stderr)


def run_one(name, fn, mode, prefix, workdir, args):
    t0 = time.monotonic()
    t = topo.Topology(prefix)
    sdir = os.path.join(workdir, "%s-%s" % (mode, name))
    os.makedirs(sdir, exist_ok=True)
    ctx = LiveCtx(t, mode, sdir, verbose=args.verbose)
    status, reason = "PASS", ""
    signal.alarm(SCENARIO_TIMEOUT)
    try:
        t.build()
        t.sanity()
        fn(ctx)
    except Skip as e:
        status, reason = "SKIP", str(e)
    except (apiserver.ApiError, daemon.DaemonError, topo.CmdError,
            ScenarioTimeout) as e:
        status, reason = "FAIL", str(e)
    except Exception:  # noqa: BLE001 - a harness bug is a failure too
        status, reason = "FAIL", "harness error:\n" + traceback.format_exc()
    finally:
        signal.alarm(0)
    if status == "FAIL" or ctx.failures:
        try:
            diagnostics(ctx, sdir)
        except Exception as e:  # noqa: BLE001
            ctx.log.append("diagnostics failed: %s" % e)
    try:
        ctx.teardown()
    except Exception:  # noqa: BLE001
        ctx.fail("teardown: " + traceback.format_exc())
    if ctx.failures and status != "SKIP":
        reason = "\n".join(([reason] if reason else []) + ctx.failures)
        status = "FAIL"
    if status == "FAIL":
        reason += "\n(daemon log, API server log and requests, rules, " \
            "conntrack, probes: %s)" % sdir
    if status == "FAIL" and args.keep:
        print("  kept namespaces: %s" % " ".join(t.created))
        for s in list(t.servers):
            t.stop_server(s)
    else:
        t.destroy()
    with open(os.path.join(sdir, "probes.log"), "w") as f:
        f.write("\n".join(ctx.log) + "\n")
    if args.verbose:
        for line in ctx.log:
            print("    " + line)
    return status, reason, time.monotonic() - t0, ctx.figures


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-m", "--mode", action="append", choices=MODES)
    ap.add_argument("-k", "--only", default="",
                    help="comma-separated scenario names (substring match)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true",
                    help="keep the namespaces and work dir of failures")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    wanted = [w for w in args.only.split(",") if w]
    chosen = [s for s in REGISTRY
              if not wanted or any(w in s[0] for w in wanted)]
    if args.list:
        for name, _, doc in REGISTRY:
            print("%-18s %s" % (name, doc))
        return 0
    if os.geteuid() != 0:
        print("live: must run as root (network namespaces)", file=sys.stderr)
        print("0 passed, 1 failed")
        return 2
    if not chosen:
        print("live: no scenario matches %r" % args.only, file=sys.stderr)
        print("0 passed, 1 failed")
        return 2

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    gone = topo.janitor()
    if gone:
        print("janitor: deleted %d leftover namespaces" % len(gone))
    prefix = "%s%d-" % (topo.NS_MARK, os.getpid())
    workdir = tempfile.mkdtemp(prefix="nfp-live-")
    print("live: binary %s, kubectl %s, work dir %s" % (
        proxy.nfp_bin(), apiserver.KUBECTL, workdir), flush=True)
    broken = preflight()
    modes = args.mode or list(MODES)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    t_start = time.monotonic()
    try:
        for mode in modes:
            for name, fn, _ in chosen:
                if broken:
                    status, reason, secs, figs = "FAIL", broken, 0.0, []
                else:
                    status, reason, secs, figs = run_one(
                        name, fn, mode, prefix, workdir, args)
                counts[status] += 1
                line = "%s %s/%s (%.1fs)" % (status, mode, name, secs)
                if reason:
                    first, *rest = reason.splitlines()
                    if len(rest) > MAX_REASON_LINES:
                        rest = rest[:MAX_REASON_LINES] + [
                            "... (%d more lines in the work dir)" %
                            (len(rest) - MAX_REASON_LINES)]
                    line += ": " + first + "".join("\n    " + r
                                                   for r in rest)
                for fig in figs:
                    line += "\n    figure: " + fig
                print(line, flush=True)
    except (SystemExit, KeyboardInterrupt) as e:
        counts["FAIL"] += 1
        print("FAIL run interrupted: %s" % (str(e) or "interrupted"),
              flush=True)
    finally:
        for ns in topo.list_netns():
            if ns.startswith(prefix) and not args.keep:
                topo.del_ns(ns)
    print("live: %.0fs, logs in %s" % (time.monotonic() - t_start, workdir))
    if counts["FAIL"] == 0 and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (
        counts["PASS"], counts["FAIL"], counts["SKIP"]))
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())

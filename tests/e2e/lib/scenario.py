"""Scenario context: apply Kubernetes objects, probe, collect check results."""

import collections
import json
import os
import time

from . import k8s, proxy, topo

REGISTRY = []
MAX_BAD = 3  # a probe series expecting answers stops after this many misses


class Skip(Exception):
    pass


class Scenario:
    def __init__(self, name, fn, doc, topology=True, stand_in=True):
        self.name = name
        self.fn = fn
        self.doc = doc
        self.topology = topology
        self.stand_in = stand_in  # lib/fakeproxy.py implements it


def scenario(name, topology=True, stand_in=True):
    """Decorator: register fn(ctx) as a scenario."""
    def wrap(fn):
        doc = (fn.__doc__ or "").strip().splitlines()
        REGISTRY.append(Scenario(name, fn, doc[0] if doc else "", topology,
                                 stand_in))
        return fn
    return wrap


def summarise(outs):
    """p1a×3 p1b×2 refused×1, sorted: for failure messages."""
    c = collections.Counter(o["pod"] if o["r"] == "answer" else
                            (o["r"] + (":" + o["err"] if "err" in o else ""))
                            for o in outs)
    return " ".join("%s×%d" % (k, v) for k, v in sorted(c.items())) or "none"


def peer_ip(o):
    return o["peer"].rsplit(":", 1)[0]


class Ctx:
    def __init__(self, t, mode, applier, workdir, verbose=False):
        self.t = t
        self.mode = mode
        self.applier = applier
        self.workdir = workdir
        self.verbose = verbose
        self.applied = {}  # node -> (input path, extra args)
        self.failures = []
        self.log = []
        self.n_inputs = 0

    @property
    def pods(self):
        return self.t.pods

    # -- objects and applying --
    def write_input(self, objs):
        self.n_inputs += 1
        path = os.path.join(self.workdir, "input-%02d.json" % self.n_inputs)
        with open(path, "w") as f:
            own = {o["metadata"]["name"] for o in objs
                   if o.get("kind") == "Pod"}
            json.dump(k8s.klist(k8s.base_objects(self.t, own) + list(objs)),
                      f, indent=1, sort_keys=True)
        return path

    def apply(self, objs, nodes=("node-1",), extra=()):
        """Run the applier for each node; ApplyError fails the scenario."""
        path = self.write_input(objs)
        t0 = time.monotonic()
        for node in nodes:
            proxy.APPLIERS[self.applier](self.t, self.t.node_ns[node],
                                         self.mode, path, node, extra)
            self.applied[node] = (path, tuple(extra))
        self.log.append("apply %s on %s%s (%.2fs)" % (
            os.path.basename(path), ",".join(nodes),
            " " + " ".join(extra) if extra else "", time.monotonic() - t0))
        return path

    def compare_rulesets(self):
        for node, (path, extra) in sorted(self.applied.items()):
            diff = proxy.compare_with_dryrun(self.t, self.t.node_ns[node],
                                             self.mode, path, node, extra)
            if diff:
                self.fail("installed ruleset on %s differs from --dry-run "
                          "(normalised):\n%s" % (node, diff))

    def installed(self, node="node-1"):
        return proxy.installed(self.t, self.t.node_ns[node], self.mode)

    # -- probing --
    def probe(self, where, dst, port, proto="tcp", count=1, src=None,
              timeout=1.0, max_bad=0):
        t0 = time.monotonic()
        outs = self.t.probe(where, dst, port, proto=proto, count=count,
                            src=src, timeout=timeout, max_bad=max_bad)
        self.log.append("%s -> %s:%s/%s x%d: %s (%.2fs)" % (
            where + ("(src %s)" % src if src else ""), dst, port, proto,
            count, summarise(outs), time.monotonic() - t0))
        return outs

    # -- checks --
    def fail(self, msg):
        self.failures.append(msg)

    def check(self, cond, msg):
        if not cond:
            self.fail(msg)
        return cond

    @staticmethod
    def what(where, dst, port, proto, count, src=None):
        s = " src %s" % src if src else ""
        return "%s%s -> %s:%d/%s (%d tries)" % (where, s, dst, port, proto,
                                                 count)

    def expect_pods(self, where, dst, port, pods, proto="tcp", count=30,
                    src=None, exact=True, why=""):
        """Every try answered, by pods only; with exact, by each of them."""
        outs = self.probe(where, dst, port, proto, count, src,
                          max_bad=MAX_BAD)
        w = self.what(where, dst, port, proto, count, src)
        if len(outs) < count:
            w += " [stopped after %d failed tries]" % MAX_BAD
        want = set(pods)
        seen = {o["pod"] for o in outs if o["r"] == "answer"}
        bad = [o for o in outs if o["r"] != "answer" or o["pod"] not in want]
        if bad:
            self.fail("%s: expected answers from %s only%s, got %s" % (
                w, "{%s}" % ",".join(sorted(want)),
                " (%s)" % why if why else "", summarise(outs)))
        elif exact and seen != want:
            self.fail("%s: expected every endpoint of %s to answer, "
                      "missing %s (got %s)" % (
                          w, "{%s}" % ",".join(sorted(want)),
                          ",".join(sorted(want - seen)), summarise(outs)))
        return outs

    def expect_outcome(self, where, dst, port, outcome, proto="tcp", count=2,
                       src=None, why="", timeout=None):
        """Every try ends in `outcome` (refused / timeout). Waiting for a
        refusal is long (it must not be mistaken for a timeout), waiting for
        a drop short."""
        if timeout is None:
            timeout = 0.6 if outcome == "timeout" else 3.0
        outs = self.probe(where, dst, port, proto, count, src,
                          timeout=timeout)
        w = self.what(where, dst, port, proto, count, src)
        if any(o["r"] != outcome for o in outs):
            self.fail("%s: expected %s%s, got %s" % (
                w, outcome, " (%s)" % why if why else "", summarise(outs)))
        return outs

    def skip(self, reason):
        raise Skip(reason)


def pods_of(ctx, names):
    return [ctx.pods[n] for n in names]


def eps(ctx, names, family=4, **cond):
    return [k8s.endpoint(ctx.pods[n], family=family, **cond) for n in names]


def node_ip(node, family=4):
    return topo.NODES[node]["ip6" if family == 6 else "ip4"]

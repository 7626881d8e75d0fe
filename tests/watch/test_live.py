#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Live test of watch/ (kubeconfig, TLS, reflectors, cache) against the
test API server in tests/apiserver, over HTTPS on 127.0.0.1.

    test_live.py DRIVER        (tests/watch/run.sh builds DRIVER first)

DRIVER is tests/watch/watch_driver.c built with the sanitizers; it prints
the cache after every change. The test changes objects through the API,
injects faults through the server's admin API (cut watches, compaction,
garbage lines, 500 and 429 storms) and checks that the cache ends up equal
to the server's state each time, and that failures back off.
"""

import json
import os
import queue
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
APISERVER = os.path.join(ROOT, "tests", "apiserver", "apiserver.py")
WAIT = 20.0  # a guard against hanging, never a timing assertion
NODE = "node-a"


class Api:
    """The test API server: REST with the token, admin over plain HTTP."""

    def __init__(self, state):
        self.state = state
        self.log = open(os.path.join(state, "apiserver.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, APISERVER, "--state-dir", state,
             "--listen", "127.0.0.1", "--admin-port", "0",
             "--bookmark-interval", "1"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT
        while not os.path.exists(os.path.join(state, "port")):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("apiserver did not start; see %s"
                                 % self.log.name)
            time.sleep(0.05)
        self.url = self.read("url")
        self.token = self.read("token")
        self.admin_url = "http://127.0.0.1:%s/__admin/" % self.read(
            "admin-port")
        self.ctx = ssl.create_default_context(
            cafile=os.path.join(state, "ca.crt"))

    def read(self, name):
        with open(os.path.join(self.state, name)) as f:
            return f.read().strip()

    def _call(self, url, method, body, headers, ctx):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        for k, v in headers.items():
            req.add_header(k, v)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                return json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise AssertionError("%s %s: HTTP %d: %s"
                                 % (method, url, e.code, e.read()[:300]))

    def rest(self, method, path, body=None):
        return self._call(self.url + path, method, body,
                          {"Authorization": "Bearer " + self.token},
                          self.ctx)

    def admin(self, method, path, body=None):
        return self._call(self.admin_url + path, method, body, {}, None)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def service(name, labels=None, headless=False):
    spec = {"ports": [{"port": 80, "protocol": "TCP"}]}
    if headless:
        spec["clusterIP"] = "None"
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "labels": labels or {}},
            "spec": spec}


def slice_(name, svc, labels=None):
    lab = {"kubernetes.io/service-name": svc}
    lab.update(labels or {})
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "labels": lab},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.244.1.5"],
                           "conditions": {"ready": True}}],
            "ports": [{"port": 8080, "protocol": "TCP"}]}


def pod(name, node):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name},
            "spec": {"nodeName": node,
                     "containers": [{"name": "c", "image": "x",
                                     "ports": [{"containerPort": 80,
                                                "hostPort": 8080}]}]}}


SVC_PATH = "/api/v1/namespaces/default/services"
SLICE_PATH = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"
POD_PATH = "/api/v1/namespaces/default/pods"


class Driver:
    """watch_driver as a child; its snapshots parsed on a thread."""

    def __init__(self, binary, state, args, name):
        self.stderr = open(os.path.join(state, "driver-%s.log" % name), "w")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        self.proc = subprocess.Popen(
            [binary, "--node", NODE, "--backoff", "50,400"] + args,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr, env=env, text=True)
        self.snaps = queue.Queue()
        self.last = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        cur = None
        for line in self.proc.stdout:
            words = line.split()
            if not words:
                continue
            if words[0] == "snapshot":
                cur = {"gen": int(words[1]),
                       "synced": words[2] == "synced=1",
                       "objects": {}, "stats": {}}
            elif words[0] == "stats":
                cur["stats"][words[1]] = {
                    k: int(v) for k, v in (w.split("=") for w in words[2:])}
            elif words[0] == "end":
                self.snaps.put(cur)
            else:
                cur["objects"]["%s %s" % (words[0], words[1])] = words[2]
        self.snaps.put(None)

    def wait(self, what, pred):
        """Snapshots until pred(snapshot) holds."""
        deadline = time.monotonic() + WAIT
        if self.last is not None and pred(self.last):
            return self.last
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("driver never saw %s; last: %s"
                                     % (what, json.dumps(self.last,
                                                         indent=1)))
            try:
                s = self.snaps.get(timeout=left)
            except queue.Empty:
                continue
            if s is None:
                raise AssertionError("driver exited (%s) waiting for %s"
                                     % (self.proc.wait(), what))
            self.last = s
            if pred(s):
                return s

    def dump(self):
        self.proc.stdin.write("dump\n")
        self.proc.stdin.flush()
        gen = self.last["gen"] if self.last else -1
        return self.wait("a dump", lambda s: s["gen"] >= gen)

    def stop(self):
        self.proc.stdin.close()
        rc = self.proc.wait(10)
        self.stderr.close()
        if rc != 0:
            raise AssertionError("driver exited %d (sanitizer report in %s)"
                                 % (rc, self.stderr.name))


def has(*keys):
    return lambda s: all(k in s["objects"] for k in keys)


def lacks(*keys):
    return lambda s: not any(k in s["objects"] for k in keys)


def both(*preds):
    return lambda s: all(p(s) for p in preds)


def check_auth(binary, api, state, kubeconfig):
    """Each credential form: list, watch a create and a delete."""
    name = "auth-" + kubeconfig.replace("kubeconfig-", "")
    d = Driver(binary, state, ["--kubeconfig",
                               os.path.join(state, kubeconfig),
                               "--kinds", "services"], kubeconfig)
    d.wait("the first list", lambda s: s["synced"])
    api.rest("POST", SVC_PATH, service(name))
    d.wait(name, has("services default/" + name))
    api.rest("DELETE", SVC_PATH + "/" + name)
    d.wait(name + " gone", lacks("services default/" + name))
    d.stop()
    print("ok   %s" % kubeconfig)


def kubeconfig_variant(api, state, name, cluster_lines):
    """A kubeconfig with the token and these cluster fields."""
    path = os.path.join(state, name)
    with open(path, "w") as f:
        f.write("apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                "clusters:\n- name: k\n  cluster:\n    server: %s\n"
                % api.url)
        for line in cluster_lines:
            f.write("    %s\n" % line)
        f.write("contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
                "users:\n- name: u\n  user:\n    token: %s\n" % api.token)
    return name


def wait_log(d, text):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with open(d.stderr.name) as f:
            if text in f.read():
                return
        time.sleep(0.05)
    raise AssertionError("driver never logged %r (see %s)"
                         % (text, d.stderr.name))


def check_tls(binary, api, state):
    """tls-server-name and insecure work; a wrong CA or name fails."""
    ca = os.path.join(state, "ca.crt")
    for kc in (kubeconfig_variant(api, state, "kc-tls-name", [
                   "certificate-authority: " + ca,
                   "tls-server-name: localhost"]),
               kubeconfig_variant(api, state, "kc-insecure", [
                   "insecure-skip-tls-verify: true"])):
        check_auth(binary, api, state, kc)
    for kc, err in (
            (kubeconfig_variant(api, state, "kc-wrong-name", [
                "certificate-authority: " + ca,
                "tls-server-name: nfp-wrong-name.example"]),
             "nfp-wrong-name.example"),
            (kubeconfig_variant(api, state, "kc-wrong-ca", [
                "certificate-authority: " +
                os.path.join(state, "client.crt")]),
             "certificate")):
        d = Driver(binary, state, ["--kubeconfig", os.path.join(state, kc),
                                   "--kinds", "services"], kc)
        wait_log(d, "W list services: ")
        wait_log(d, err)
        d.stop()
        print("ok   %s refused" % kc)


def wait_watching(api, n):
    """Until the server has n watches open."""
    deadline = time.monotonic() + WAIT
    while len(api.admin("GET", "watches")["items"]) < n:
        if time.monotonic() > deadline:
            raise AssertionError("the server never had %d watches" % n)
        time.sleep(0.05)


def check_faults(binary, api, state):
    d = Driver(binary, state, ["--kubeconfig",
                               os.path.join(state, "kubeconfig"),
                               "--watch-timeout", "3"], "faults")
    api.rest("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                       "metadata": {"name": NODE},
                                       "spec": {"podCIDR": "10.244.1.0/24"}})
    api.rest("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                       "metadata": {"name": "node-b"}})
    api.rest("POST", POD_PATH, pod("here", NODE))
    api.rest("POST", POD_PATH, pod("there", "node-b"))
    api.rest("POST", SVC_PATH, service("web"))
    api.rest("POST", SVC_PATH, service("other-proxy", {
        "service.kubernetes.io/service-proxy-name": "someone-else"}))
    api.rest("POST", SLICE_PATH, slice_("web-1", "web"))
    api.rest("POST", SLICE_PATH, slice_("hl-1", "hl", {
        "service.kubernetes.io/headless": ""}))
    s = d.wait("the objects", has("services default/web",
                                  "endpointslices default/web-1",
                                  "pods default/here", "nodes /" + NODE))
    for k in ("pods default/there", "nodes /node-b",
              "services default/other-proxy", "endpointslices default/hl-1"):
        assert k not in d.wait("all synced", lambda s: s["synced"])[
            "objects"], "%s should be filtered out" % k
    print("ok   selectors (node's pods, node, proxy-name, headless)")

    # Watches cut while a change happens: resumed from the last version.
    wait_watching(api, 4)
    api.admin("POST", "fault", {"action": "pause-watches", "seconds": 1})
    api.rest("POST", SVC_PATH, service("during-cut"))
    api.admin("POST", "fault", {"action": "cut-watches", "mode": "reset"})
    d.wait("during-cut", has("services default/during-cut"))
    print("ok   cut watches resume without losing a change")

    # History compacted, then the watches cut: 410, relist, nothing lost.
    wait_watching(api, 4)
    before = d.dump()["stats"]["services"]["relists"]
    api.admin("POST", "fault", {"action": "pause-watches", "seconds": 1})
    api.rest("POST", SVC_PATH, service("after-expire"))
    api.rest("DELETE", SVC_PATH + "/during-cut")
    api.admin("POST", "fault", {"action": "expire"})
    api.admin("POST", "fault", {"action": "cut-watches"})
    d.wait("the relist", both(has("services default/after-expire"),
                              lacks("services default/during-cut"),
                              lambda s: s["stats"]["services"]["relists"]
                              > before))
    print("ok   410 after compaction relists, nothing lost")

    # A garbage line: the watch restarts from the last good version.
    # (Only watches open at the time get the line: wait for all four.)
    wait_watching(api, 4)
    fails = d.dump()["stats"]["services"]["failures"]
    api.admin("POST", "fault", {"action": "garbage",
                                "line": "{this is not json"})
    api.rest("POST", SVC_PATH, service("after-garbage"))
    d.wait("after-garbage", both(
        has("services default/after-garbage"),
        lambda s: s["stats"]["services"]["failures"] > fails))
    print("ok   garbage line restarts the watch")

    # A storm of 500s, then 429s, on the watches: backoff, then recovery.
    wait_watching(api, 4)
    api.admin("POST", "stats/reset")
    api.admin("POST", "fault", {"action": "error", "code": 500,
                                "count": 6, "watch": True})
    api.admin("POST", "fault", {"action": "error", "code": 429,
                                "retry_after": 1, "count": 4,
                                "watch": True})
    api.admin("POST", "fault", {"action": "cut-watches"})
    api.rest("POST", SVC_PATH, service("after-storm"))
    d.wait("after-storm", has("services default/after-storm"))
    stats = api.admin("GET", "stats")
    st = stats["by_status"]
    assert st.get("500") == 6 and st.get("429") == 4, st
    # Ten failures between four reflectors: with backoff each failure
    # costs about one request (a loop without backoff would make
    # thousands in the same time).
    watch_requests = sum(v for k, v in stats["by_verb"].items()
                         if k.startswith("watch "))
    assert watch_requests <= 40, stats["by_verb"]
    print("ok   500/429 storm: %d watch requests for 10 failures"
          % watch_requests)

    # Everything the server has, the cache has.
    dump = api.admin("GET", "dump")
    want = set()
    for o in dump["items"]:
        md = o["metadata"]
        kind = o["kind"]
        ns = md.get("namespace", "")
        labels = md.get("labels") or {}
        if kind == "Service" and \
                "service.kubernetes.io/service-proxy-name" not in labels:
            want.add("services %s/%s" % (ns, md["name"]))
        elif kind == "EndpointSlice" and \
                "service.kubernetes.io/headless" not in labels:
            want.add("endpointslices %s/%s" % (ns, md["name"]))
        elif kind == "Pod" and o["spec"].get("nodeName") == NODE:
            want.add("pods %s/%s" % (ns, md["name"]))
        elif kind == "Node" and md["name"] == NODE:
            want.add("nodes /%s" % md["name"])
    got = d.wait("the server's state",
                 lambda s: set(s["objects"]) == want)
    assert got["synced"]
    d.stop()
    print("ok   cache equals the server (%d objects)" % len(want))


def main():
    binary = sys.argv[1]
    state = tempfile.mkdtemp(prefix="nfp-watch-live-")
    api = Api(state)
    ok = False
    try:
        for kc in ("kubeconfig-token", "kubeconfig-cert",
                   "kubeconfig-token-files", "kubeconfig-cert-files"):
            check_auth(binary, api, state, kc)
        check_tls(binary, api, state)
        check_faults(binary, api, state)
        ok = True
    finally:
        api.stop()
        if ok and not os.environ.get("KEEP"):
            shutil.rmtree(state)
        else:
            print("logs kept in %s" % state)
    print("PASS")


if __name__ == "__main__":
    main()

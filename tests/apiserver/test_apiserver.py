#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Protocol tests for the test API server (stdlib unittest; also runs
under pytest). Each test class starts its own server on a free port.

    /usr/bin/python3 -m unittest tests/apiserver/test_apiserver.py
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "apiserver.py")
sys.path.insert(0, HERE)

from fakeapi import patch as fpatch  # noqa: E402
from fakeapi.selectors import (SelectorError, parse_field_selector,  # noqa
                               parse_label_selector)

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable


def wait_until(pred, what, limit=20.0):
    """Polls pred() until true; fails the test after limit seconds (a
    liveness bound, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class ServerProc:
    def __init__(self, *extra, state=None):
        self.state = state or tempfile.mkdtemp(prefix="nfp-apitest-")
        self.args = [PYTHON, SERVER, "--state-dir", self.state] + list(extra)
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        portf = os.path.join(self.state, "port")

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("server died: %s" %
                                     self.proc.stderr.read().decode())
            return os.path.exists(portf)
        wait_until(ready, "server start")
        with open(portf) as f:
            self.port = int(f.read())
        with open(os.path.join(self.state, "url")) as f:
            self.url = f.read().strip()
        self.https = self.url.startswith("https")
        self.host = urllib.parse.urlsplit(self.url).hostname
        self.token = None
        tp = os.path.join(self.state, "token")
        if os.path.exists(tp):
            with open(tp) as f:
                self.token = f.read().strip()

    def path(self, name):
        return os.path.join(self.state, name)

    def ssl_context(self, cert=False):
        ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        if cert:
            ctx.load_cert_chain(self.path("client.crt"),
                                self.path("client.key"))
        return ctx

    def conn(self, cert=False, timeout=10):
        if self.https:
            return http.client.HTTPSConnection(
                self.host, self.port, context=self.ssl_context(cert),
                timeout=timeout)
        return http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)

    def request(self, method, path, body=None, headers=None, token=True,
                cert=False, ctype="application/json"):
        """Returns (status, headers, decoded body)."""
        c = self.conn(cert)
        h = {"Accept": "application/json"}
        if token and self.token:
            h["Authorization"] = "Bearer " + self.token
        if body is not None:
            h["Content-Type"] = ctype
            body = json.dumps(body)
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            doc = json.loads(data) if data else None
        except json.JSONDecodeError:
            doc = data.decode()
        return r.status, r.headers, doc

    def ok(self, method, path, body=None, want=(200, 201), **kw):
        st, _, doc = self.request(method, path, body, **kw)
        if st not in want:
            raise AssertionError("%s %s: %d %s" % (method, path, st, doc))
        return doc

    def admin(self, method, path, body=None):
        return self.ok(method, "/__admin/" + path, body, want=(200,))

    def watch(self, path, **params):
        return Watch(self, path, params)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.state, ignore_errors=True)


class Watch:
    """A watch stream read line by line (http.client undoes the chunks)."""

    def __init__(self, srv, path, params, timeout=15):
        q = urllib.parse.urlencode(dict(params, watch="true"))
        self.conn = srv.conn(timeout=timeout)
        h = {"Accept": "application/json"}
        if srv.token:
            h["Authorization"] = "Bearer " + srv.token
        self.conn.request("GET", path + "?" + q, headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = self.resp.headers

    def line(self):
        return self.resp.readline()

    def next(self, skip_bookmarks=True):
        """Next event as a dict, or None at the end of the stream."""
        while True:
            raw = self.resp.readline()
            if not raw:
                return None
            ev = json.loads(raw)
            if skip_bookmarks and ev["type"] == "BOOKMARK":
                continue
            return ev

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self.conn.close()


def svc(name, ns="default", labels=None, ports=None, **spec):
    obj = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": ns},
           "spec": dict({"ports": ports or [{"port": 80}]}, **spec)}
    if labels:
        obj["metadata"]["labels"] = labels
    return obj


def pod(name, node=None, ns="default", labels=None):
    obj = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": ns},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    if node:
        obj["spec"]["nodeName"] = node
    if labels:
        obj["metadata"]["labels"] = labels
    return obj


SVCS = "/api/v1/namespaces/default/services"


class ServerTest(unittest.TestCase):
    extra_args = ("--bookmark-interval", "0.3")

    @classmethod
    def setUpClass(cls):
        cls.srv = ServerProc(*cls.extra_args)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def setUp(self):
        self.srv.admin("POST", "fault", {"action": "clear"})


# --- unit tests of the pure parts --------------------------------------------


class SelectorTest(unittest.TestCase):
    def m(self, sel, labels):
        return parse_label_selector(sel).matches(labels)

    def test_label_ops(self):
        lab = {"app": "web", "tier": "front", "n": "5"}
        self.assertTrue(self.m("", lab))
        self.assertTrue(self.m("app=web", lab))
        self.assertTrue(self.m("app==web", lab))
        self.assertFalse(self.m("app!=web", lab))
        self.assertTrue(self.m("app!=db", {}))
        self.assertTrue(self.m("app in (db, web)", lab))
        self.assertFalse(self.m("app notin (db,web)", lab))
        self.assertTrue(self.m("app notin (db)", {}))
        self.assertTrue(self.m("tier", lab))
        self.assertFalse(self.m("!tier", lab))
        self.assertTrue(self.m("!missing,app=web", lab))
        self.assertTrue(self.m("n>4,n<6", lab))
        self.assertFalse(self.m("n>5", lab))
        self.assertTrue(self.m("x=", {"x": ""}))
        self.assertFalse(self.m("app=web,tier=back", lab))

    def test_label_errors(self):
        for bad in ("app=", "=x", "app in", "app in (a", "a,,b", "a=b=c",
                    "app notin ()", "-a=b", "a=b,", "a==(", "a=-b"):
            if bad == "app=":
                parse_label_selector(bad)  # empty value is valid
                continue
            with self.assertRaises(SelectorError, msg=bad):
                parse_label_selector(bad)

    def test_field(self):
        fs = parse_field_selector("metadata.name=a\\,b,spec.nodeName!=n1")
        self.assertEqual(fs.terms, [("metadata.name", "=", "a,b"),
                                    ("spec.nodeName", "!=", "n1")])
        fs = parse_field_selector("spec.nodeName==")
        self.assertEqual(fs.terms, [("spec.nodeName", "=", "")])
        with self.assertRaises(SelectorError):
            parse_field_selector("nodots")


class PatchTest(unittest.TestCase):
    def test_merge(self):
        self.assertEqual(fpatch.merge_patch({"a": 1, "b": {"c": 2, "d": 3}},
                                            {"a": None, "b": {"c": 5}}),
                         {"b": {"c": 5, "d": 3}})

    def test_json_patch(self):
        doc = {"a": [1, 2], "b": {"c": 1}}
        out = fpatch.json_patch(doc, [
            {"op": "add", "path": "/a/-", "value": 3},
            {"op": "remove", "path": "/b/c"},
            {"op": "replace", "path": "/a/0", "value": 9},
            {"op": "test", "path": "/a/1", "value": 2}])
        self.assertEqual(out, {"a": [9, 2, 3], "b": {}})
        self.assertEqual(doc, {"a": [1, 2], "b": {"c": 1}})
        with self.assertRaises(fpatch.PatchError):
            fpatch.json_patch(doc, [{"op": "test", "path": "/a/0",
                                     "value": 5}])

    def test_strategic(self):
        doc = {"spec": {"ports": [{"port": 80, "name": "a"},
                                  {"port": 53, "name": "b"}],
                        "selector": {"x": "1"}},
               "metadata": {"finalizers": ["f1"]}}
        out = fpatch.strategic_merge_patch(doc, {
            "spec": {"ports": [{"port": 53, "name": "dns"},
                               {"port": 80, "$patch": "delete"},
                               {"port": 443, "name": "tls"}],
                     "selector": {"$patch": "replace", "y": "2"}},
            "metadata": {"finalizers": ["f2"]}})
        self.assertEqual(out["spec"]["ports"], [{"port": 53, "name": "dns"},
                                                {"port": 443, "name": "tls"}])
        self.assertEqual(out["spec"]["selector"], {"y": "2"})
        self.assertEqual(out["metadata"]["finalizers"], ["f1", "f2"])


# --- protocol tests ----------------------------------------------------------


class DiscoveryTest(ServerTest):
    def test_legacy(self):
        s = self.srv
        doc = s.ok("GET", "/api")
        self.assertEqual(doc["kind"], "APIVersions")
        self.assertEqual(doc["versions"], ["v1"])
        doc = s.ok("GET", "/api/v1")
        self.assertEqual(doc["kind"], "APIResourceList")
        by = {r["name"]: r for r in doc["resources"]}
        self.assertEqual(sorted(by), ["namespaces", "namespaces/finalize",
                                      "namespaces/status", "nodes",
                                      "nodes/status", "pods", "pods/status",
                                      "services", "services/status"])
        self.assertEqual(by["services"]["shortNames"], ["svc"])
        self.assertEqual(by["pods"]["shortNames"], ["po"])
        self.assertEqual(by["nodes"]["shortNames"], ["no"])
        self.assertEqual(by["namespaces"]["shortNames"], ["ns"])
        self.assertTrue(by["services"]["namespaced"])
        self.assertFalse(by["nodes"]["namespaced"])
        self.assertIn("watch", by["services"]["verbs"])
        self.assertEqual(by["services"]["kind"], "Service")
        doc = s.ok("GET", "/apis")
        self.assertEqual([g["name"] for g in doc["groups"]],
                         ["discovery.k8s.io"])
        doc = s.ok("GET", "/apis/discovery.k8s.io/v1")
        self.assertEqual(doc["groupVersion"], "discovery.k8s.io/v1")
        self.assertEqual(doc["resources"][0]["name"], "endpointslices")
        doc = s.ok("GET", "/version")
        self.assertEqual(doc["major"], "1")
        self.assertEqual(s.request("GET", "/apis/foo/v1")[0], 404)
        self.assertEqual(s.request("GET", "/api/v1/configmaps")[0], 404)

    def test_aggregated(self):
        acc = ("application/json;g=apidiscovery.k8s.io;v=v2;"
               "as=APIGroupDiscoveryList,application/json")
        st, h, doc = self.srv.request("GET", "/apis", headers={"Accept": acc})
        self.assertEqual(st, 200)
        self.assertIn("as=APIGroupDiscoveryList", h["Content-Type"])
        self.assertEqual(doc["kind"], "APIGroupDiscoveryList")
        res = doc["items"][0]["versions"][0]["resources"][0]
        self.assertEqual(res["resource"], "endpointslices")
        self.assertEqual(res["scope"], "Namespaced")

    def test_openapi(self):
        root = self.srv.ok("GET", "/openapi/v3")
        self.assertIn("api/v1", root["paths"])
        doc = self.srv.ok("GET", root["paths"]["api/v1"]["serverRelativeURL"])
        op = doc["paths"]["/api/v1/namespaces/{namespace}/services/{name}"]
        self.assertEqual(op["patch"]["parameters"][0]["name"],
                         "fieldValidation")


class AuthTest(ServerTest):
    def test_token_and_cert(self):
        s = self.srv
        st, _, doc = s.request("GET", "/api/v1/namespaces", token=False)
        self.assertEqual(st, 401)
        self.assertEqual(doc["reason"], "Unauthorized")
        st, _, _ = s.request("GET", "/api/v1/namespaces", token=False,
                             headers={"Authorization": "Bearer nope"})
        self.assertEqual(st, 401)
        st, _, _ = s.request("GET", "/api/v1/namespaces", token=False,
                             cert=True)
        self.assertEqual(st, 200)
        st, _, doc = s.request("GET", "/api/v1/namespaces")
        self.assertEqual(st, 200)
        self.assertEqual([n["metadata"]["name"] for n in doc["items"]],
                         ["default", "kube-node-lease", "kube-public",
                          "kube-system"])
        st, _, _ = s.request("GET", "/__admin/stats", token=False)
        self.assertEqual(st, 401)

    def test_kubeconfigs(self):
        for name in ("kubeconfig", "kubeconfig-token", "kubeconfig-cert",
                     "kubeconfig-token-files", "kubeconfig-cert-files"):
            with open(self.srv.path(name)) as f:
                text = f.read()
            self.assertIn("server: " + self.srv.url, text)
        with open(self.srv.path("tokens.csv")) as f:
            self.assertTrue(f.read().startswith(self.srv.token + ","))


class CrudTest(ServerTest):
    def test_create_get_conflict(self):
        s = self.srv
        doc = s.ok("POST", SVCS, svc("crud1"), want=(201,))
        meta = doc["metadata"]
        self.assertEqual(doc["kind"], "Service")
        self.assertTrue(meta["uid"])
        self.assertTrue(meta["creationTimestamp"].endswith("Z"))
        rv1 = int(meta["resourceVersion"])
        st, _, err = s.request("POST", SVCS, svc("crud1"))
        self.assertEqual(st, 409)
        self.assertEqual(err["kind"], "Status")
        self.assertEqual(err["reason"], "AlreadyExists")
        self.assertEqual(err["details"], {"name": "crud1",
                                          "kind": "services"})
        st, _, err = s.request("GET", SVCS + "/nope")
        self.assertEqual((st, err["reason"], err["code"]),
                         (404, "NotFound", 404))
        self.assertEqual(err["message"], 'services "nope" not found')
        got = s.ok("GET", SVCS + "/crud1")
        self.assertEqual(got, doc)
        # update with the current resourceVersion
        got["spec"]["selector"] = {"app": "x"}
        upd = s.ok("PUT", SVCS + "/crud1", got)
        self.assertGreater(int(upd["metadata"]["resourceVersion"]), rv1)
        self.assertEqual(upd["spec"]["clusterIP"], doc["spec"]["clusterIP"])
        # stale resourceVersion
        got["spec"]["selector"] = {"app": "y"}
        st, _, err = s.request("PUT", SVCS + "/crud1", got)
        self.assertEqual((st, err["reason"]), (409, "Conflict"))
        # unconditional update (no resourceVersion), clusterIP kept
        got["metadata"].pop("resourceVersion")
        got["spec"].pop("clusterIP")
        got["spec"].pop("clusterIPs")
        upd2 = s.ok("PUT", SVCS + "/crud1", got)
        self.assertEqual(upd2["spec"]["clusterIP"], doc["spec"]["clusterIP"])
        # a no-op update keeps the resourceVersion
        upd3 = s.ok("PUT", SVCS + "/crud1", upd2)
        self.assertEqual(upd3["metadata"]["resourceVersion"],
                         upd2["metadata"]["resourceVersion"])
        # name mismatch
        st, _, _ = s.request("PUT", SVCS + "/other", upd2)
        self.assertEqual(st, 400)
        # PUT of a missing object
        missing = svc("missing")
        st, _, _ = s.request("PUT", SVCS + "/missing", missing)
        self.assertEqual(st, 404)

    def test_generate_name_and_validation(self):
        s = self.srv
        body = svc("")
        del body["metadata"]["name"]
        body["metadata"]["generateName"] = "gen-"
        doc = s.ok("POST", SVCS, body, want=(201,))
        self.assertTrue(doc["metadata"]["name"].startswith("gen-"))
        self.assertEqual(len(doc["metadata"]["name"]), 9)
        st, _, err = s.request("POST", SVCS, svc("Bad_Name"))
        self.assertEqual((st, err["reason"]), (422, "Invalid"))
        st, _, err = s.request("POST", SVCS, svc("badport",
                                                 ports=[{"port": 0}]))
        self.assertEqual(st, 422)
        self.assertEqual(err["details"]["causes"][0]["field"],
                         "spec.ports[0].port")
        st, _, err = s.request(
            "POST", "/api/v1/namespaces/nons/services", svc("x", ns="nons"))
        self.assertEqual((st, err["message"]),
                         (404, 'namespaces "nons" not found'))
        st, _, _ = s.request("POST", SVCS, {"kind": "Pod", "apiVersion": "v1",
                                            "metadata": {"name": "k"}})
        self.assertEqual(st, 400)
        st, _, _ = s.request("POST", "/api/v1/services", svc("allns"))
        self.assertEqual(st, 405)

    def test_service_allocation(self):
        s = self.srv
        a = s.ok("POST", SVCS, svc("alloc-a", type="NodePort",
                                   ports=[{"port": 80, "name": "h"},
                                          {"port": 53, "name": "d",
                                           "protocol": "UDP"}]))
        spec = a["spec"]
        self.assertTrue(spec["clusterIP"].startswith("10.9"))
        self.assertEqual(spec["clusterIPs"], [spec["clusterIP"]])
        self.assertEqual(spec["ipFamilies"], ["IPv4"])
        self.assertEqual(spec["externalTrafficPolicy"], "Cluster")
        nps = [p["nodePort"] for p in spec["ports"]]
        self.assertTrue(all(30000 <= n <= 32767 for n in nps))
        self.assertEqual(len(set(nps)), 2)
        self.assertEqual(spec["ports"][0]["targetPort"], 80)
        st, _, err = s.request("POST", SVCS, svc(
            "alloc-b", clusterIP=spec["clusterIP"]))
        self.assertEqual(st, 422)
        self.assertIn("already allocated", err["message"])
        st, _, err = s.request("POST", SVCS, svc(
            "alloc-c", type="NodePort", ports=[{"port": 1,
                                                "nodePort": nps[0]}]))
        self.assertEqual(st, 422)
        h = s.ok("POST", SVCS, svc("alloc-h", clusterIP="None"))
        self.assertEqual(h["spec"]["clusterIPs"], ["None"])
        lb = s.ok("POST", SVCS, svc("alloc-lb", type="LoadBalancer",
                                    externalTrafficPolicy="Local"))
        self.assertTrue(lb["spec"]["healthCheckNodePort"])
        en = s.ok("POST", SVCS, {"apiVersion": "v1", "kind": "Service",
                                 "metadata": {"name": "alloc-en"},
                                 "spec": {"type": "ExternalName",
                                          "externalName": "example.com"}})
        self.assertNotIn("clusterIP", en["spec"])
        # changing clusterIP is refused
        a["spec"]["clusterIP"] = a["spec"]["clusterIPs"][0] = "10.96.99.99"
        st, _, _ = s.request("PUT", SVCS + "/alloc-a", a)
        self.assertEqual(st, 422)

    def test_status_subresource(self):
        s = self.srv
        body = svc("lb1", type="LoadBalancer")
        body["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
        doc = s.ok("POST", SVCS, body)
        self.assertEqual(doc["status"], {"loadBalancer": {}})
        doc["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
        doc["spec"]["selector"] = {"ignored": "yes"}
        st = s.ok("PUT", SVCS + "/lb1/status", doc)
        self.assertEqual(st["status"]["loadBalancer"]["ingress"],
                         [{"ip": "192.0.2.1"}])
        self.assertNotIn("selector", st["spec"])
        # the main resource ignores status
        st["status"] = {"loadBalancer": {}}
        st["spec"]["selector"] = {"app": "lb"}
        main = s.ok("PUT", SVCS + "/lb1", st)
        self.assertEqual(main["status"]["loadBalancer"]["ingress"],
                         [{"ip": "192.0.2.1"}])
        self.assertEqual(main["spec"]["selector"], {"app": "lb"})
        # pods: status dropped on create, set through /status
        p = pod("stat-p", node="n1")
        p["status"] = {"podIP": "10.0.0.1"}
        got = s.ok("POST", "/api/v1/namespaces/default/pods", p)
        self.assertEqual(got["status"]["phase"], "Pending")
        self.assertNotIn("podIP", got["status"])
        got["status"] = {"phase": "Running", "podIP": "10.244.0.5",
                         "podIPs": [{"ip": "10.244.0.5"}]}
        upd = s.ok("PUT", "/api/v1/namespaces/default/pods/stat-p/status",
                   got)
        self.assertEqual(upd["status"]["podIP"], "10.244.0.5")
        # pod spec is immutable apart from a few fields
        upd["spec"]["nodeName"] = "n2"
        st_, _, _ = s.request("PUT", "/api/v1/namespaces/default/pods/stat-p",
                              upd)
        self.assertEqual(st_, 422)

    def test_patch(self):
        s = self.srv
        s.ok("POST", SVCS, svc("pt", labels={"a": "1"},
                               ports=[{"port": 80, "name": "h"}]))
        doc = s.ok("PATCH", SVCS + "/pt", {"metadata": {"labels": {
            "b": "2", "a": None}}}, ctype="application/merge-patch+json")
        self.assertEqual(doc["metadata"]["labels"], {"b": "2"})
        doc = s.ok("PATCH", SVCS + "/pt", [{"op": "add", "path":
                                            "/metadata/labels/c",
                                            "value": "3"}],
                   ctype="application/json-patch+json")
        self.assertEqual(doc["metadata"]["labels"], {"b": "2", "c": "3"})
        doc = s.ok("PATCH", SVCS + "/pt", {"spec": {"ports": [
            {"port": 443, "name": "s"}]}},
            ctype="application/strategic-merge-patch+json")
        self.assertEqual([p["port"] for p in doc["spec"]["ports"]],
                         [80, 443])
        st, _, _ = s.request("PATCH", SVCS + "/pt", {"metadata": {
            "resourceVersion": "1"}}, ctype="application/merge-patch+json")
        self.assertEqual(st, 409)
        st, _, _ = s.request("PATCH", SVCS + "/pt", {}, ctype="text/plain")
        self.assertEqual(st, 415)
        doc = s.ok("PATCH", SVCS + "/pt/status", {"status": {
            "loadBalancer": {"ingress": [{"ip": "192.0.2.9"}]}}},
            ctype="application/merge-patch+json")
        self.assertEqual(doc["status"]["loadBalancer"]["ingress"][0]["ip"],
                         "192.0.2.9")

    def test_delete(self):
        s = self.srv
        doc = s.ok("POST", SVCS, svc("del1"))
        st, _, err = s.request("DELETE", SVCS + "/del1", {
            "kind": "DeleteOptions", "apiVersion": "v1",
            "preconditions": {"uid": "wrong"}})
        self.assertEqual(st, 409)
        gone = s.ok("DELETE", SVCS + "/del1", {"kind": "DeleteOptions",
                                               "apiVersion": "v1"})
        self.assertEqual(gone["metadata"]["uid"], doc["metadata"]["uid"])
        self.assertEqual(s.request("GET", SVCS + "/del1")[0], 404)
        self.assertEqual(s.request("DELETE", SVCS + "/del1")[0], 404)
        # finalizers hold the object until they are removed
        body = svc("fin1")
        body["metadata"]["finalizers"] = ["example.com/hold"]
        s.ok("POST", SVCS, body)
        st, _, held = s.request("DELETE", SVCS + "/fin1")
        self.assertEqual(st, 202)
        self.assertTrue(held["metadata"]["deletionTimestamp"])
        held["metadata"]["finalizers"] = []
        s.ok("PUT", SVCS + "/fin1", held)
        self.assertEqual(s.request("GET", SVCS + "/fin1")[0], 404)
        st, _, err = s.request("DELETE", "/api/v1/namespaces/default")
        self.assertEqual(st, 403)

    def test_namespace_finalize(self):
        s = self.srv
        s.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1",
                                            "kind": "Namespace",
                                            "metadata": {"name": "fin"}})
        ns = s.ok("GET", "/api/v1/namespaces/fin")
        self.assertEqual(ns["spec"]["finalizers"], ["kubernetes"])
        ns["spec"]["finalizers"] = []
        ns["metadata"]["labels"]["ignored"] = "yes"
        out = s.ok("PUT", "/api/v1/namespaces/fin/finalize", ns)
        self.assertEqual(out["spec"]["finalizers"], [])
        self.assertNotIn("ignored", out["metadata"]["labels"])
        # a main-resource update cannot change spec.finalizers
        out["spec"]["finalizers"] = ["x"]
        again = s.ok("PUT", "/api/v1/namespaces/fin", out)
        self.assertEqual(again["spec"]["finalizers"], [])
        s.ok("DELETE", "/api/v1/namespaces/fin")

    def test_namespace_delete_cascades(self):
        s = self.srv
        s.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1",
                                            "kind": "Namespace",
                                            "metadata": {"name": "casc"}})
        s.ok("POST", "/api/v1/namespaces/casc/services", svc("a", ns="casc"))
        s.ok("POST", "/api/v1/namespaces/casc/pods", pod("p", ns="casc"))
        s.ok("DELETE", "/api/v1/namespaces/casc")
        self.assertEqual(s.ok("GET", "/api/v1/services?fieldSelector="
                              "metadata.namespace=casc")["items"], [])
        self.assertEqual(s.request("GET", "/api/v1/namespaces/casc")[0], 404)

    def test_table(self):
        s = self.srv
        s.ok("POST", SVCS, svc("tab1", ports=[{"port": 8080}]))
        acc = ("application/json;as=Table;v=v1;g=meta.k8s.io,"
               "application/json")
        st, h, doc = s.request("GET", SVCS + "?fieldSelector=metadata.name"
                               "=tab1", headers={"Accept": acc})
        self.assertEqual(doc["kind"], "Table")
        cols = [c["name"] for c in doc["columnDefinitions"]]
        self.assertEqual(cols[:6], ["Name", "Type", "Cluster-IP",
                                    "External-IP", "Port(s)", "Age"])
        self.assertEqual(doc["rows"][0]["cells"][:5],
                         ["tab1", "ClusterIP",
                          doc["rows"][0]["cells"][2], "<none>", "8080/TCP"])
        self.assertEqual(doc["rows"][0]["object"]["kind"],
                         "PartialObjectMetadata")
        st, _, _ = s.request("GET", SVCS, headers={
            "Accept": "application/vnd.kubernetes.protobuf"})
        self.assertEqual(st, 406)

    def test_endpointslice_nulls(self):
        s = self.srv
        path = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"
        doc = s.ok("POST", path, {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "empty", "labels": {
                "kubernetes.io/service-name": "x"}},
            "addressType": "IPv4"})
        self.assertIsNone(doc["endpoints"])
        self.assertIsNone(doc["ports"])
        st, _, _ = s.request("POST", path, {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "bad"}, "addressType": "IPv4",
            "endpoints": [{"addresses": ["fe80::1"]}]})
        self.assertEqual(st, 422)


class ListTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.srv
        s.ok("POST", "/api/v1/namespaces", {"apiVersion": "v1",
                                            "kind": "Namespace",
                                            "metadata": {"name": "other"}})
        for i in range(7):
            s.ok("POST", SVCS, svc("page-%d" % i, labels={
                "app": "a" if i % 2 else "b", "idx": str(i)}))
        s.ok("POST", "/api/v1/namespaces/other/services",
             svc("page-x", ns="other", labels={"app": "a"}))
        for name, node in (("p1", "n1"), ("p2", "n2"), ("p3", "n1"),
                           ("p4", None)):
            s.ok("POST", "/api/v1/namespaces/default/pods", pod(name, node))

    def names(self, doc):
        return [i["metadata"]["name"] for i in doc["items"]]

    def test_all_namespaces_and_order(self):
        doc = self.srv.ok("GET", "/api/v1/services")
        self.assertEqual(doc["kind"], "ServiceList")
        self.assertNotIn("kind", doc["items"][0])
        got = [(i["metadata"]["namespace"], i["metadata"]["name"])
               for i in doc["items"]]
        self.assertEqual(got, sorted(got))
        self.assertIn(("other", "page-x"), got)
        doc = self.srv.ok("GET", SVCS)
        self.assertNotIn("page-x", self.names(doc))

    def test_paging(self):
        s = self.srv
        first = s.ok("GET", SVCS + "?limit=3")
        self.assertEqual(self.names(first), ["page-0", "page-1", "page-2"])
        token = first["metadata"]["continue"]
        self.assertEqual(first["metadata"]["remainingItemCount"], 4)
        # a write between pages does not show up: pages are a snapshot
        s.ok("POST", SVCS, svc("page-3a"))
        second = s.ok("GET", SVCS + "?limit=3&continue=" + token)
        self.assertEqual(self.names(second), ["page-3", "page-4", "page-5"])
        self.assertEqual(second["metadata"]["resourceVersion"],
                         first["metadata"]["resourceVersion"])
        third = s.ok("GET", SVCS + "?limit=3&continue=" +
                     second["metadata"]["continue"])
        self.assertEqual(self.names(third), ["page-6"])
        self.assertNotIn("continue", third["metadata"])
        s.ok("DELETE", SVCS + "/page-3a")
        st, _, _ = s.request("GET", SVCS + "?limit=3&continue=garbage")
        self.assertEqual(st, 400)
        # paging with a selector
        doc = s.ok("GET", SVCS + "?limit=2&labelSelector=app%3Da")
        self.assertEqual(self.names(doc), ["page-1", "page-3"])
        self.assertNotIn("remainingItemCount", doc["metadata"])
        doc = s.ok("GET", SVCS + "?limit=2&labelSelector=app%3Da&continue=" +
                   doc["metadata"]["continue"])
        self.assertEqual(self.names(doc), ["page-5"])

    def test_paging_expired(self):
        s = self.srv
        first = s.ok("GET", SVCS + "?limit=2")
        # the list's own revision stays readable until something newer is
        # compacted away, as with etcd
        s.ok("POST", SVCS, svc("page-exp"))
        s.admin("POST", "fault", {"action": "expire"})
        st, _, err = s.request("GET", SVCS + "?limit=2&continue=" +
                               first["metadata"]["continue"])
        self.assertEqual((st, err["reason"]), (410, "Expired"))
        s.ok("DELETE", SVCS + "/page-exp")

    def test_label_selectors(self):
        s = self.srv

        def q(sel):
            return self.names(s.ok("GET", SVCS + "?labelSelector=" +
                                   urllib.parse.quote(sel)))
        self.assertEqual(q("app=a"), ["page-1", "page-3", "page-5"])
        self.assertEqual(q("app==a,idx!=3"), ["page-1", "page-5"])
        self.assertEqual(q("idx in (0,6)"), ["page-0", "page-6"])
        self.assertEqual(q("idx notin (0,1,2,3,4),app"), ["page-5",
                                                          "page-6"])
        self.assertEqual(q("!idx"), [])
        self.assertEqual(q("idx"), ["page-%d" % i for i in range(7)])
        st, _, err = s.request("GET", SVCS + "?labelSelector=" +
                               urllib.parse.quote("a in (x"))
        self.assertEqual((st, err["reason"]), (400, "BadRequest"))

    def test_field_selectors(self):
        s = self.srv
        pods = "/api/v1/namespaces/default/pods"
        self.assertEqual(self.names(s.ok("GET", pods + "?fieldSelector=" +
                                         "spec.nodeName%3Dn1")),
                         ["p1", "p3"])
        self.assertEqual(self.names(s.ok("GET", pods + "?fieldSelector=" +
                                         "spec.nodeName%21%3Dn1")),
                         ["p2", "p4"])
        self.assertEqual(self.names(s.ok("GET", pods + "?fieldSelector=" +
                                         "spec.nodeName%3D")), ["p4"])
        self.assertEqual(self.names(s.ok(
            "GET", "/api/v1/pods?fieldSelector=metadata.name%3Dp2,"
            "metadata.namespace%3Ddefault")), ["p2"])
        self.assertEqual(self.names(s.ok(
            "GET", "/api/v1/services?fieldSelector=metadata.namespace%3D"
            "other")), ["page-x"])
        st, _, err = s.request("GET", SVCS + "?fieldSelector=spec.nodeName"
                               "%3Dn1")
        self.assertEqual(st, 400)
        self.assertIn("field label not supported", err["message"])

    def test_list_at_resource_version(self):
        s = self.srv
        before = s.ok("GET", SVCS)
        rv = before["metadata"]["resourceVersion"]
        s.ok("POST", SVCS, svc("late"))
        exact = s.ok("GET", SVCS + "?resourceVersion=%s&"
                     "resourceVersionMatch=Exact" % rv)
        self.assertEqual(self.names(exact), self.names(before))
        now = s.ok("GET", SVCS + "?resourceVersion=0")
        self.assertIn("late", self.names(now))
        s.ok("DELETE", SVCS + "/late")


class WatchTest(ServerTest):
    def test_list_then_watch(self):
        s = self.srv
        lst = s.ok("GET", SVCS)
        rv = lst["metadata"]["resourceVersion"]
        w = s.watch(SVCS, resourceVersion=rv)
        self.assertEqual(w.status, 200)
        self.assertEqual(w.headers["Transfer-Encoding"], "chunked")
        created = s.ok("POST", SVCS, svc("w1"))
        created["spec"]["selector"] = {"k": "v"}
        modified = s.ok("PUT", SVCS + "/w1", created)
        deleted = s.ok("DELETE", SVCS + "/w1")
        ev = [w.next() for _ in range(3)]
        w.close()
        self.assertEqual([e["type"] for e in ev],
                         ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(ev[0]["object"]["kind"], "Service")
        self.assertEqual(ev[0]["object"]["apiVersion"], "v1")
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in ev]
        self.assertEqual(rvs, sorted(rvs))
        self.assertGreater(rvs[0], int(rv))
        self.assertEqual(str(rvs[0]), created["metadata"]["resourceVersion"])
        self.assertEqual(str(rvs[1]), modified["metadata"]["resourceVersion"])
        self.assertEqual(str(rvs[2]), deleted["metadata"]["resourceVersion"])
        self.assertEqual(ev[2]["object"]["spec"]["selector"], {"k": "v"})

    def test_replay_from_history(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        s.ok("POST", SVCS, svc("r1"))
        s.ok("POST", SVCS, svc("r2"))
        s.ok("DELETE", SVCS + "/r1")
        w = s.watch(SVCS, resourceVersion=rv)
        ev = [w.next() for _ in range(3)]
        w.close()
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"])
                          for e in ev],
                         [("ADDED", "r1"), ("ADDED", "r2"),
                          ("DELETED", "r1")])
        s.ok("DELETE", SVCS + "/r2")

    def test_initial_events_without_rv(self):
        s = self.srv
        s.ok("POST", SVCS, svc("init1"))
        w = s.watch(SVCS)
        ev = w.next()
        names = []
        while ev is not None and ev["type"] == "ADDED":
            names.append(ev["object"]["metadata"]["name"])
            if "init1" in names:
                break
            ev = w.next()
        w.close()
        self.assertIn("init1", names)
        w = s.watch(SVCS, sendInitialEvents="true",
                    resourceVersionMatch="NotOlderThan", resourceVersion="",
                    allowWatchBookmarks="true")
        seen = []
        while True:
            ev = w.next(skip_bookmarks=False)
            if ev["type"] == "BOOKMARK":
                self.assertEqual(ev["object"]["metadata"]["annotations"],
                                 {"k8s.io/initial-events-end": "true"})
                break
            seen.append(ev["object"]["metadata"]["name"])
        w.close()
        self.assertIn("init1", seen)
        s.ok("DELETE", SVCS + "/init1")

    def test_selector_transitions(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        w = s.watch(SVCS, resourceVersion=rv, labelSelector="team=blue")
        s.ok("POST", SVCS, svc("sel-red", labels={"team": "red"}))
        o = s.ok("POST", SVCS, svc("sel1", labels={"team": "blue"}))
        o["metadata"]["labels"]["team"] = "green"
        o = s.ok("PUT", SVCS + "/sel1", o)
        o["metadata"]["labels"]["team"] = "blue"
        o = s.ok("PUT", SVCS + "/sel1", o)
        s.ok("DELETE", SVCS + "/sel1")
        ev = [w.next() for _ in range(4)]
        w.close()
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"])
                          for e in ev],
                         [("ADDED", "sel1"), ("DELETED", "sel1"),
                          ("ADDED", "sel1"), ("DELETED", "sel1")])
        s.ok("DELETE", SVCS + "/sel-red")

    def test_field_selector_watch_pods(self):
        s = self.srv
        pods = "/api/v1/pods"
        rv = s.ok("GET", pods)["metadata"]["resourceVersion"]
        w = s.watch(pods, resourceVersion=rv, fieldSelector="spec.nodeName=nx")
        s.ok("POST", "/api/v1/namespaces/default/pods", pod("fw1", "ny"))
        s.ok("POST", "/api/v1/namespaces/default/pods", pod("fw2", "nx"))
        ev = w.next()
        w.close()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["name"]),
                         ("ADDED", "fw2"))

    def test_bookmarks(self):
        s = self.srv
        s.ok("POST", SVCS, svc("bm1"))
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        # a write in another resource moves the global counter
        s.ok("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                       "metadata": {"name": "bm-node"}})
        cur = s.admin("GET", "stats")["resource_version"]
        w = s.watch(SVCS, resourceVersion=rv, allowWatchBookmarks="true")
        ev = w.next(skip_bookmarks=False)
        w.close()
        self.assertEqual(ev["type"], "BOOKMARK")
        self.assertEqual(ev["object"], {
            "kind": "Service", "apiVersion": "v1",
            "metadata": {"resourceVersion": str(cur),
                         "creationTimestamp": None}})
        # no bookmarks unless asked
        w = s.watch(SVCS, resourceVersion=cur, timeoutSeconds="1")
        self.assertIsNone(w.next(skip_bookmarks=False))
        w.close()

    def test_timeout_ends_stream(self):
        w = self.srv.watch(SVCS, resourceVersion="0", timeoutSeconds="1",
                           allowWatchBookmarks="true")
        while w.next() is not None:
            pass
        # the connection is kept alive after a clean end
        w.conn.request("GET", SVCS, headers={
            "Authorization": "Bearer " + self.srv.token})
        r = w.conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.read())["kind"], "ServiceList")
        w.close()

    def test_expired_event(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        s.ok("POST", SVCS, svc("exp1"))
        s.admin("POST", "fault", {"action": "expire"})
        w = s.watch(SVCS, resourceVersion=rv)
        self.assertEqual(w.status, 200)
        ev = w.next()
        self.assertEqual(ev["type"], "ERROR")
        self.assertEqual(ev["object"]["code"], 410)
        self.assertEqual(ev["object"]["reason"], "Expired")
        self.assertIsNone(w.next())
        w.close()
        s.admin("POST", "config", {"expired_watch_mode": "http"})
        try:
            w = s.watch(SVCS, resourceVersion=rv)
            self.assertEqual(w.status, 410)
            body = json.loads(w.resp.read())
            self.assertEqual((body["kind"], body["reason"]),
                             ("Status", "Expired"))
            w.close()
        finally:
            s.admin("POST", "config", {"expired_watch_mode": "event"})
        # the current revision is still fine
        cur = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        w = s.watch(SVCS, resourceVersion=cur)
        s.ok("DELETE", SVCS + "/exp1")
        self.assertEqual(w.next()["type"], "DELETED")
        w.close()

    def test_table_watch(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        c = s.conn()
        c.request("GET", SVCS + "?watch=true&resourceVersion=" + rv, headers={
            "Authorization": "Bearer " + s.token,
            "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,"
                      "application/json"})
        r = c.getresponse()
        s.ok("POST", SVCS, svc("tw1"))
        ev = json.loads(r.readline())
        c.close()
        self.assertEqual(ev["type"], "ADDED")
        self.assertEqual(ev["object"]["kind"], "Table")
        self.assertEqual(ev["object"]["rows"][0]["cells"][0], "tw1")
        s.ok("DELETE", SVCS + "/tw1")


class HistoryTest(ServerTest):
    extra_args = ("--history", "5", "--bookmark-interval", "0.3")

    def test_history_overflow(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        for i in range(6):
            s.ok("POST", SVCS, svc("h%d" % i))
        w = s.watch(SVCS, resourceVersion=rv)
        ev = w.next()
        w.close()
        self.assertEqual((ev["type"], ev["object"]["code"]), ("ERROR", 410))
        self.assertIn("too old resource version", ev["object"]["message"])
        # a recent revision still replays
        recent = s.ok("GET", SVCS + "/h3")["metadata"]["resourceVersion"]
        w = s.watch(SVCS, resourceVersion=recent)
        ev = [w.next() for _ in range(2)]
        w.close()
        self.assertEqual([e["object"]["metadata"]["name"] for e in ev],
                         ["h4", "h5"])

    def test_watcher_falls_behind(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        w = s.watch(SVCS, resourceVersion=rv)
        wait_until(lambda: s.admin("GET", "stats")["open_watches"] >= 1,
                   "watch registered")
        s.admin("POST", "fault", {"action": "pause-watches", "seconds": 1})
        for i in range(7):
            s.ok("POST", SVCS, svc("behind%d" % i))
        # after the pause the history no longer reaches back to the
        # watcher's position: one ERROR 410 event, then the end
        ev = w.next()
        self.assertEqual((ev["type"], ev["object"]["code"]), ("ERROR", 410))
        self.assertIsNone(w.next())
        w.close()


class FaultTest(ServerTest):
    def test_429_storm_and_stats(self):
        s = self.srv
        s.admin("POST", "stats/reset", {})
        s.admin("POST", "fault", {"action": "error", "code": 429, "count": 3,
                                  "retry_after": 2,
                                  "path": "/api/v1/namespaces/default/"})
        codes = []
        for _ in range(5):
            st, h, doc = s.request("GET", SVCS)
            codes.append(st)
            if st == 429:
                self.assertEqual(h["Retry-After"], "2")
                self.assertEqual(doc["reason"], "TooManyRequests")
                self.assertEqual(doc["details"]["retryAfterSeconds"], 2)
        self.assertEqual(codes, [429, 429, 429, 200, 200])
        self.assertEqual(s.request("GET", "/api/v1/services")[0], 200)
        stats = s.admin("GET", "stats")
        self.assertEqual(stats["by_path"][SVCS], 5)
        self.assertEqual(stats["by_verb"]["list " + SVCS], 5)
        self.assertEqual(stats["by_status"]["429"], 3)
        self.assertEqual(stats["faults_injected"], 3)
        log = s.admin("GET", "requests")["items"]
        self.assertEqual([e["status"] for e in log if e["path"] == SVCS],
                         codes)

    def test_500_for_seconds_and_clear(self):
        s = self.srv
        s.admin("POST", "fault", {"action": "error", "code": 500,
                                  "seconds": 600, "verb": "list"})
        st, _, doc = s.request("GET", SVCS)
        self.assertEqual((st, doc["reason"]), (500, "InternalError"))
        self.assertEqual(s.request("GET", SVCS)[0], 500)
        self.assertEqual(s.request("GET", "/api/v1/namespaces/default")[0],
                         200)
        self.assertEqual(len(s.admin("GET", "faults")["items"]), 1)
        s.admin("DELETE", "fault")
        self.assertEqual(s.request("GET", SVCS)[0], 200)

    def test_stall(self):
        s = self.srv
        s.admin("POST", "fault", {"action": "stall", "count": 1,
                                  "hold": 0.5, "then": "close"})
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionResetError)):
            s.request("GET", SVCS)
        s.admin("POST", "fault", {"action": "stall", "count": 1,
                                  "hold": 0.5, "then": "serve"})
        self.assertEqual(s.request("GET", SVCS)[0], 200)
        # a client with a short timeout sees nothing at all
        s.admin("POST", "fault", {"action": "stall", "count": 1, "hold": 5})
        c = s.conn(timeout=0.3)
        c.request("GET", SVCS, headers={"Authorization": "Bearer " +
                                        s.token})
        with self.assertRaises(socket.timeout):
            c.getresponse()
        c.close()
        s.admin("POST", "fault", {"action": "clear"})

    def test_cut_watches(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        w1 = s.watch(SVCS, resourceVersion=rv)
        w2 = s.watch("/api/v1/pods", resourceVersion=rv)
        wait_until(lambda: s.admin("GET", "stats")["open_watches"] >= 2,
                   "watches registered")
        out = s.admin("POST", "fault", {"action": "cut-watches"})
        self.assertGreaterEqual(out["watches"], 2)
        self.assertIsNone(w1.next())
        self.assertIsNone(w2.next())
        w1.close()
        w2.close()
        w3 = s.watch(SVCS, resourceVersion=rv)
        wait_until(lambda: s.admin("GET", "stats")["open_watches"] >= 1,
                   "watch registered")
        s.admin("POST", "fault", {"action": "cut-watches", "mode": "reset"})
        with self.assertRaises((http.client.IncompleteRead,
                                ConnectionResetError, OSError)):
            while w3.resp.readline():
                pass
            raise http.client.IncompleteRead(b"")
        w3.close()
        # the server keeps serving
        self.assertEqual(s.request("GET", SVCS)[0], 200)

    def test_garbage_line(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        w = s.watch(SVCS, resourceVersion=rv)
        wait_until(lambda: s.admin("GET", "stats")["open_watches"] >= 1,
                   "watch registered")
        s.admin("POST", "fault", {"action": "garbage", "line": "{broken"})
        self.assertEqual(w.line(), b"{broken\n")
        s.ok("POST", SVCS, svc("garb1"))
        self.assertEqual(w.next()["object"]["metadata"]["name"], "garb1")
        w.close()
        s.ok("DELETE", SVCS + "/garb1")

    def test_pause_watches(self):
        s = self.srv
        rv = s.ok("GET", SVCS)["metadata"]["resourceVersion"]
        w = s.watch(SVCS, resourceVersion=rv)
        s.admin("POST", "fault", {"action": "pause-watches", "seconds": 0.5})
        s.ok("POST", SVCS, svc("pause1"))
        # events wait for the pause to end, then all arrive
        self.assertEqual(w.next()["object"]["metadata"]["name"], "pause1")
        w.close()
        s.ok("DELETE", SVCS + "/pause1")

    def test_client_disconnect(self):
        s = self.srv
        base = s.admin("GET", "stats")["open_watches"]
        ws = [s.watch(SVCS, resourceVersion="0") for _ in range(5)]
        wait_until(lambda: s.admin("GET", "stats")["open_watches"] >=
                   base + 5, "watches registered")
        for w in ws:
            w.close()
        wait_until(lambda: s.admin("GET", "stats")["open_watches"] <= base,
                   "watches reaped")
        self.assertEqual(s.request("GET", SVCS)[0], 200)


class OptionsTest(ServerTest):
    extra_args = ("--pod-graceful-deletion", "--kubernetes-service")

    def test_kubernetes_service(self):
        s = self.srv
        k = s.ok("GET", SVCS + "/kubernetes")
        self.assertEqual(k["spec"]["clusterIP"], "10.96.0.1")
        self.assertEqual(k["spec"]["ports"][0]["targetPort"], s.port)
        es = s.ok("GET", "/apis/discovery.k8s.io/v1/namespaces/default/"
                  "endpointslices/kubernetes")
        self.assertEqual(es["endpoints"][0]["addresses"], ["127.0.0.1"])
        self.assertEqual(es["ports"][0]["port"], s.port)
        # allocation skips the address it holds
        other = s.ok("POST", SVCS, svc("after-k"))
        self.assertEqual(other["spec"]["clusterIP"], "10.96.0.10")

    def test_graceful_pod_deletion(self):
        s = self.srv
        pods = "/api/v1/namespaces/default/pods"
        s.ok("POST", pods, pod("gp", node="n1"))
        s.ok("POST", pods, pod("unscheduled"))
        rv = s.ok("GET", pods)["metadata"]["resourceVersion"]
        w = s.watch(pods, resourceVersion=rv)
        st, _, doc = s.request("DELETE", pods + "/gp?gracePeriodSeconds=1")
        self.assertEqual(st, 202)
        self.assertTrue(doc["metadata"]["deletionTimestamp"])
        self.assertEqual(doc["metadata"]["deletionGracePeriodSeconds"], 1)
        ev = w.next()
        self.assertEqual(ev["type"], "MODIFIED")
        self.assertTrue(ev["object"]["metadata"]["deletionTimestamp"])
        ev = w.next()
        self.assertEqual((ev["type"], ev["object"]["metadata"]["name"]),
                         ("DELETED", "gp"))
        # a pod on no node goes at once
        st, _, _ = s.request("DELETE", pods + "/unscheduled")
        self.assertEqual(st, 200)
        self.assertEqual(w.next()["type"], "DELETED")
        w.close()

    def test_dump(self):
        doc = self.srv.admin("GET", "dump")
        self.assertEqual(doc["kind"], "List")
        kinds = {i["kind"] for i in doc["items"]}
        self.assertTrue({"Namespace", "Service", "EndpointSlice"} <= kinds)


class AnonymousHttpTest(unittest.TestCase):
    def test_insecure_http(self):
        srv = ServerProc("--insecure-http")
        try:
            self.assertTrue(srv.url.startswith("http://127.0.0.1:"))
            st, _, doc = srv.request("GET", "/api/v1/namespaces", token=False)
            self.assertEqual(st, 200)
            with open(srv.path("kubeconfig")) as f:
                self.assertIn("server: " + srv.url, f.read())
        finally:
            srv.cleanup()

    def test_anonymous_flag_and_admin_port(self):
        srv = ServerProc("--allow-anonymous", "--admin-port", "0")
        try:
            st, _, _ = srv.request("GET", "/api/v1/namespaces", token=False)
            self.assertEqual(st, 200)
            with open(srv.path("admin-port")) as f:
                aport = int(f.read())
            c = http.client.HTTPConnection("127.0.0.1", aport, timeout=5)
            c.request("GET", "/__admin/stats")
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            self.assertIn("total", json.loads(r.read()))
            c.request("GET", "/api/v1/namespaces")
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 404)
            c.close()
        finally:
            srv.cleanup()


class LifecycleTest(unittest.TestCase):
    def test_load_sigterm_snapshot(self):
        tmp = tempfile.mkdtemp(prefix="nfp-apitest-load-")
        try:
            fixture = os.path.join(tmp, "objs.json")
            with open(fixture, "w") as f:
                json.dump({"kind": "List", "apiVersion": "v1", "items": [
                    {"apiVersion": "v1", "kind": "Service",
                     "metadata": {"name": "loaded", "namespace": "prod"},
                     "spec": {"clusterIP": "10.0.0.10", "type": "NodePort",
                              "ports": [{"port": 80, "nodePort": 31000}]},
                     "status": {"loadBalancer": {}}},
                    {"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": "lp", "namespace": "prod"},
                     "spec": {"nodeName": "n1", "containers": [
                         {"name": "c", "image": "x"}]},
                     "status": {"phase": "Running", "podIP": "10.244.1.2"}},
                    {"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": "ignored"}}]}, f)
            snap = os.path.join(tmp, "snap.json")
            state = os.path.join(tmp, "state")
            srv = ServerProc("--load", fixture, "--snapshot", snap,
                             state=state)
            got = srv.ok("GET", "/api/v1/namespaces/prod/pods/lp")
            self.assertEqual(got["status"]["podIP"], "10.244.1.2")
            s = srv.ok("GET", "/api/v1/namespaces/prod/services/loaded")
            self.assertEqual(s["spec"]["clusterIP"], "10.0.0.10")
            self.assertEqual(s["spec"]["ports"][0]["nodePort"], 31000)
            rv = s["metadata"]["resourceVersion"]
            srv.ok("POST", "/__admin/load", {"apiVersion": "v1",
                                             "kind": "Node",
                                             "metadata": {"name": "ln"},
                                             "status": {"addresses": [
                                                 {"type": "InternalIP",
                                                  "address": "192.0.2.7"}]}})
            node = srv.ok("GET", "/api/v1/nodes/ln")
            self.assertEqual(node["status"]["addresses"][0]["address"],
                             "192.0.2.7")
            port = srv.port
            srv.proc.send_signal(signal.SIGTERM)
            self.assertEqual(srv.proc.wait(10), 0)
            self.assertFalse(os.path.exists(os.path.join(state, "port")))
            srv.stop()
            # restart on the same port and state: same CA, same objects,
            # same resourceVersions, old revisions expired
            srv2 = ServerProc("--snapshot", snap, "--port", str(port),
                              state=state)
            try:
                self.assertEqual(srv2.port, port)
                s2 = srv2.ok("GET", "/api/v1/namespaces/prod/services/"
                             "loaded")
                self.assertEqual(s2["metadata"]["resourceVersion"], rv)
                self.assertEqual(s2["metadata"]["uid"], s["metadata"]["uid"])
                w = srv2.watch("/api/v1/services", resourceVersion=rv)
                self.assertEqual(w.next()["type"], "ERROR")
                w.close()
            finally:
                srv2.cleanup()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _can_netns():
    return os.geteuid() == 0 and shutil.which("ip") is not None


@unittest.skipUnless(_can_netns(), "needs root and ip(8) for a netns")
class NetnsTest(unittest.TestCase):
    """--listen on an address that exists only inside a test network
    namespace (created and deleted here; the root namespace is not
    touched)."""

    def test_listen_in_netns(self):
        ns = "nfp-apitest-%d" % os.getpid()
        addr = "10.77.%d.1" % (os.getpid() % 250)

        def ip(*args):
            subprocess.run(["ip", "netns", "exec", ns, "ip"] + list(args),
                           check=True)
        subprocess.run(["ip", "netns", "add", ns], check=True)
        state = tempfile.mkdtemp(prefix="nfp-apitest-netns-")
        proc = None
        try:
            ip("link", "set", "lo", "up")
            ip("addr", "add", addr + "/32", "dev", "lo")
            proc = subprocess.Popen(
                ["ip", "netns", "exec", ns, PYTHON, SERVER, "--state-dir",
                 state, "--listen", addr], stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE)
            wait_until(lambda: os.path.exists(os.path.join(state, "port")),
                       "server start in netns")
            with open(os.path.join(state, "sans")) as f:
                self.assertIn("IP:" + addr, f.read())
            with open(os.path.join(state, "url")) as f:
                self.assertEqual(urllib.parse.urlsplit(f.read().strip())
                                 .hostname, addr)
            with open(os.path.join(state, "port")) as f:
                port = f.read().strip()
            res = subprocess.run(
                ["ip", "netns", "exec", ns, PYTHON, "-c",
                 "import ssl,urllib.request,sys;"
                 "c=ssl.create_default_context(cafile=sys.argv[1]);"
                 "c.load_cert_chain(sys.argv[2],sys.argv[3]);"
                 "print(urllib.request.urlopen(sys.argv[4],context=c)"
                 ".read().decode())",
                 os.path.join(state, "ca.crt"),
                 os.path.join(state, "client.crt"),
                 os.path.join(state, "client.key"),
                 "https://%s:%s/api/v1/namespaces/default" % (addr, port)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                timeout=30)
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertEqual(json.loads(res.stdout)["metadata"]["name"],
                             "default")
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(10)
                proc.stderr.close()
            subprocess.run(["ip", "netns", "del", ns])
            shutil.rmtree(state, ignore_errors=True)


@unittest.skipUnless(shutil.which("kubectl"), "kubectl not installed")
class KubectlTest(unittest.TestCase):
    def test_kubectl_flows(self):
        res = subprocess.run(["bash", os.path.join(HERE, "test_kubectl.sh")],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=300)
        if res.returncode != 0:
            self.fail("test_kubectl.sh failed:\n" + res.stdout[-6000:])


if __name__ == "__main__":
    unittest.main()

"""The test API server (tests/apiserver/apiserver.py) inside a namespace of
the topology, with kubectl and an HTTP agent (lib/nsagent.py) running in
that namespace too: the root network namespace is never used.

    api = ApiServer(t, "rt", "192.168.50.1", state_dir, load=[path])
    api.start()
    api.kubectl("apply", "-f", path)          # the real kubectl
    api.rest("GET", "/api/v1/services")      # REST with the admin token
    api.admin("POST", "fault", {"action": "cut-watches"})
    api.kill(); api.start()                  # same port, same data

The server listens on a fixed port (PORT) so that a restarted server is
found at the URL the clients' kubeconfigs name; the admin API is on
ADMIN_PORT (plain HTTP, no authentication) on the same address.
"""

import json
import os
import signal
import subprocess
import sys
import time

from . import topo

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                    ".."))
APISERVER = os.path.join(REPO, "tests", "apiserver", "apiserver.py")
AGENT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     "nsagent.py")
KUBECTL = os.environ.get("KUBECTL", "/usr/bin/kubectl")
PORT = 6443
ADMIN_PORT = 6444


class ApiError(RuntimeError):
    pass


class Agent:
    """lib/nsagent.py in namespace ns: JSON line requests."""

    def __init__(self, t, ns):
        self.proc = t.ns_popen(ns, [topo.PYTHON, AGENT],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, bufsize=1)

    def call(self, req):
        if self.proc.poll() is not None:
            raise ApiError("nsagent exited: %s" % self.proc.stderr.read())
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise ApiError("nsagent gave no answer: %s" %
                           self.proc.stderr.read())
        return json.loads(line)

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


class ApiServer:
    def __init__(self, t, where, listen, state_dir, load=(), extra=(),
                 log_path=None, token=None):
        self.t = t
        self.ns = t.ns_of(where)
        self.listen = listen
        self.state = state_dir
        self.load = list(load)
        self.extra = list(extra)
        self.snapshot = os.path.join(state_dir, "snapshot.json")
        self.log_path = log_path or os.path.join(state_dir,
                                                 "apiserver.log")
        self.proc = None
        self.agent = None
        self.starts = 0
        self.fixed_token = token  # with --token-auth-file: DIR/token is
        # not written; the caller names the admin token
        os.makedirs(state_dir, exist_ok=True)
        self.kcache = os.path.join(state_dir, "kcache")

    # -- life cycle --
    @property
    def url(self):
        return "https://%s:%d" % (self.listen, PORT)

    @property
    def admin_url(self):
        return "http://%s:%d/__admin/" % (self.listen, ADMIN_PORT)

    def start(self, timeout=30.0, extra=None):
        """Start (or start again: same port, same snapshot file)."""
        if extra is not None:
            self.extra = list(extra)
        argv = [topo.PYTHON, APISERVER, "--state-dir", self.state,
                "--listen", self.listen, "--port", str(PORT),
                "--admin-port", str(ADMIN_PORT), "--snapshot",
                self.snapshot] + self.extra
        if not os.path.exists(self.snapshot):
            for p in self.load:
                argv += ["--load", p]
        log = open(self.log_path, "a")
        log.write("=== start %d: %s\n" % (self.starts, " ".join(argv)))
        log.flush()
        self.proc = self.t.ns_popen(self.ns, argv, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.starts += 1
        port_file = os.path.join(self.state, "port")
        deadline = time.monotonic() + timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                raise ApiError("apiserver exited %d; see %s" % (
                    self.proc.returncode, self.log_path))
            if time.monotonic() > deadline:
                raise ApiError("apiserver not ready after %gs; see %s" %
                               (timeout, self.log_path))
            time.sleep(0.05)
        if self.fixed_token:
            self.token = self.fixed_token
        else:
            with open(os.path.join(self.state, "token")) as f:
                self.token = f.read().strip()
        self.ca = os.path.join(self.state, "ca.crt")
        if self.agent is None:
            self.agent = Agent(self.t, self.ns)
        return self

    def save_snapshot(self):
        """Write what the server holds now as its --snapshot file (the
        server writes it itself only at SIGTERM; a SIGKILLed one keeps
        what this saved, as etcd would)."""
        dump = self.admin("GET", "dump")
        snap = {"resourceVersion": int(dump["metadata"]["resourceVersion"]),
                "objects": dump["items"]}
        tmp = self.snapshot + ".tmp"
        with open(tmp, "w") as f:
            json.dump(snap, f)
        os.replace(tmp, self.snapshot)
        return snap["resourceVersion"]

    def kill(self, sig=signal.SIGKILL):
        """SIGKILL (crash) or SIGTERM (clean stop, writes the snapshot)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None
        for f in ("port", "admin-port"):
            try:
                os.unlink(os.path.join(self.state, f))
            except FileNotFoundError:
                pass

    def stop(self):
        if self.agent is not None:
            self.agent.close()
            self.agent = None
        self.kill(signal.SIGTERM)

    # -- requests --
    def rest(self, method, path, body=None, ctype=None, ok=(200, 201, 202),
             timeout=10.0, token=None, full=False):
        """A request with the admin token (or token); the decoded body,
        or with full the agent's whole answer {status, body}."""
        r = self.agent.call({"op": "http", "url": self.url + path,
                             "method": method, "body": body, "ctype": ctype,
                             "token": token or self.token, "ca": self.ca,
                             "timeout": timeout})
        if full:
            return r
        if ok and r.get("status") not in ok:
            raise ApiError("%s %s: %s" % (method, path, str(r)[:500]))
        return r.get("body")

    def admin(self, method, path, body=None):
        r = self.agent.call({"op": "http", "url": self.admin_url + path,
                             "method": method, "body": body,
                             "timeout": 15.0})
        if r.get("status") != 200:
            raise ApiError("admin %s %s: %s" % (method, path, str(r)[:500]))
        return r["body"]

    def fault(self, action, **kw):
        kw["action"] = action
        return self.admin("POST", "fault", kw)

    def clear_faults(self):
        return self.admin("POST", "fault", {"action": "clear"})

    def stats(self):
        return self.admin("GET", "stats")

    def reset_stats(self):
        return self.admin("POST", "stats/reset", {})

    def requests(self, since=0):
        return self.admin("GET", "requests?since=%d" % since)["items"]

    def churn(self, items, rounds, max_seconds=300):
        """items: [(collection path, object)]; see lib/nsagent.py."""
        r = self.agent.call({"op": "churn", "base": self.url,
                             "token": self.token, "ca": self.ca,
                             "rounds": rounds, "items": items,
                             "max_seconds": max_seconds})
        if "error" in r:
            raise ApiError("churn: %s" % r["error"])
        return r

    def kubectl(self, *args, input=None, check=True, timeout=60):
        """The real kubectl in the server's namespace, with the server's
        kubeconfig (admin token) and a cache of its own."""
        argv = [KUBECTL, "--kubeconfig", os.path.join(self.state,
                                                      "kubeconfig"),
                "--cache-dir", self.kcache, "--request-timeout", "20s"] + \
            list(args)
        p = self.t.ns_exec(self.ns, argv, input=input, check=False,
                           timeout=timeout)
        if check and p.returncode != 0:
            raise ApiError("kubectl %s: exit %d: %s" % (
                " ".join(args), p.returncode, (p.stderr or p.stdout).strip()))
        return p

    def kubeconfig_for(self, path, token=None, token_file=None):
        """Write a kubeconfig for a client elsewhere in the topology: the
        server's URL and CA file, a token or a tokenFile."""
        user = ("    tokenFile: %s\n" % token_file) if token_file else \
            ("    token: %s\n" % (token or self.token))
        text = ("apiVersion: v1\nkind: Config\nclusters:\n- name: live\n"
                "  cluster:\n    server: %s\n    certificate-authority: %s\n"
                "users:\n- name: live\n  user:\n%s"
                "contexts:\n- name: live\n  context:\n    cluster: live\n"
                "    user: live\ncurrent-context: live\n") % (
                    self.url, os.path.join(os.path.abspath(self.state),
                                           "ca.crt"), user)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    return path


if __name__ == "__main__":
    sys.exit("lib/apiserver.py is a module")

"""kube-nfproxy as a daemon (watching an API server) inside a node namespace
of the topology: start, SIGTERM, SIGKILL, its log, CPU time and RSS, and
the rules it installed.

    d = Daemon(t, "node-1", mode, kubeconfig, log_path)
    d.start(); d.wait_log("first sync")
    d.cpu_seconds(); d.rss_kib(); d.kill9(); d.stop()
"""

import os
import re
import signal
import subprocess
import time

from . import proxy, topo

CLK_TCK = os.sysconf("SC_CLK_TCK")


class DaemonError(RuntimeError):
    pass


class Daemon:
    def __init__(self, t, node, mode, kubeconfig, log_path, extra=(),
                 binary=None, wrapper=()):
        self.t = t
        self.node = node
        self.ns = t.node_ns[node]
        self.mode = mode
        self.kubeconfig = kubeconfig
        self.log_path = log_path
        self.extra = list(extra)
        self.binary = binary or proxy.nfp_bin()
        self.wrapper = list(wrapper)  # e.g. valgrind argv
        self.proc = None
        self.starts = 0
        self.exits = []

    def argv(self):
        return self.wrapper + [
            self.binary, "--mode=" + self.mode, "--kubeconfig",
            self.kubeconfig, "--hostname-override", self.node,
            "--cluster-cidr", topo.CLUSTER_CIDRS, "-v", "2"] + self.extra

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            raise DaemonError("already running")
        log = open(self.log_path, "a")
        log.write("=== start %d: %s\n" % (self.starts, " ".join(self.argv())))
        log.flush()
        # `ip netns exec` execs the command: the pid is the daemon's
        self.proc = self.t.ns_popen(self.ns, self.argv(),
                                    stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
        log.close()
        self.starts += 1
        return self

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _end(self, sig, timeout):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(timeout=5)
            rc = "hung after signal %d, killed (%s)" % (sig, rc)
        self.exits.append(rc)
        self.proc = None
        return rc

    def stop(self, timeout=10):
        """SIGTERM; returns the exit code."""
        return self._end(signal.SIGTERM, timeout)

    def kill9(self):
        return self._end(signal.SIGKILL, 5)

    # -- what it says --
    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_since(self, offset):
        return self.log()[offset:]

    def log_size(self):
        return len(self.log())

    def wait_log(self, pattern, timeout=20.0, since=0):
        """Wait until the log (from offset since) matches the regex;
        returns the match. DaemonError if it exits or times out."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log_since(since))
            if m:
                return m
            if not self.alive():
                raise DaemonError("kube-nfproxy exited (%s) before logging "
                                  "/%s/; log tail:\n%s" % (
                                      self.proc.returncode if self.proc
                                      else self.exits[-1:], pattern,
                                      self.tail()))
            if time.monotonic() > deadline:
                raise DaemonError("kube-nfproxy did not log /%s/ within "
                                  "%gs; log tail:\n%s" % (pattern, timeout,
                                                          self.tail()))
            time.sleep(0.05)

    def tail(self, n=12):
        return "\n".join(self.log().splitlines()[-n:])

    def count_log(self, pattern, since=0):
        return len(re.findall(pattern, self.log_since(since)))

    # -- resources --
    def _stat(self):
        with open("/proc/%d/stat" % self.pid) as f:
            text = f.read()
        return text[text.rindex(")") + 2:].split()

    def cpu_seconds(self):
        """utime + stime of the daemon, in seconds."""
        f = self._stat()
        return (int(f[11]) + int(f[12])) / CLK_TCK  # fields 14, 15

    def rss_kib(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise DaemonError("no VmRSS for pid %d" % self.pid)

    # -- rules --
    def ruleset(self):
        """The kernel's kube-nfproxy rules in the node namespace, as text:
        `nft list table` of its tables, or iptables-save (both families)."""
        if self.mode == "nftables":
            out = []
            for fam in ("ip", "ip6"):
                p = self.t.ns_exec(self.ns, ["nft", "list", "table", fam,
                                             "kube-nfproxy"], check=False)
                out.append(p.stdout if p.returncode == 0 else
                           "# no table %s kube-nfproxy\n" % fam)
            return "".join(out)
        return proxy.installed(self.t, self.ns, self.mode)

    def ruleset_normalised(self):
        """ruleset() normalised (lib/proxy.py: counters, dynamic set
        elements, save headers); nftables chains, sets and maps sorted by
        name, since `nft list` prints them in creation order."""
        text = proxy.normalise(self.mode, self.ruleset())
        return nft_sort_blocks(text) if self.mode == "nftables" else text


def nft_sort_blocks(text):
    """Sort the blocks (chain/set/map/flowtable ... { ... }) of each table
    in `nft list` text by their header line; the order inside a block is
    kept."""
    out = []
    blocks = None
    cur = None
    for line in text.splitlines():
        s = line.strip()
        if blocks is None:
            out.append(line)
            if s.startswith("table ") and s.endswith("{"):
                blocks = []
            continue
        if cur is None:
            if s == "}":  # end of the table
                out.extend(x for b in sorted(blocks) for x in b)
                out.append(line)
                blocks = None
            elif s.endswith("{"):
                cur = [line]
                depth = 1
            elif s:
                blocks.append([line])  # a table-level statement
            continue
        cur.append(line)
        depth += s.count("{") - s.count("}")
        if depth == 0:
            blocks.append(cur)
            cur = None
    return "\n".join(out) + "\n"

"""Calling CNI plugins the way a container runtime (libcni) does.

A plugin runs in the node's network namespace with its configuration on
stdin and the request in the environment (CNI_COMMAND, CNI_CONTAINERID,
CNI_NETNS, CNI_IFNAME, CNI_PATH; nothing else inherited). A network list
(a .conflist) is a chain: ADD runs the plugins in order, each given the
previous one's result as "prevResult"; DEL runs them in reverse with the
cached result; "runtimeConfig" carries the capabilities a plugin asks for
("capabilities": {"portMappings": true}).

    rt = Runtime(t, node_ns, conflist, cni_path=[dir, ...])
    result = rt.add("ctr-1", "/var/run/netns/pod", "eth0",
                    runtime_config={"portMappings": [...]})
    rt.delete("ctr-1", "/var/run/netns/pod", "eth0")

Only ever run inside namespaces the caller made (t.ns_exec checks that).
"""

import copy
import json
import os

ENV_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
NETNS_DIR = "/var/run/netns"


class CniError(RuntimeError):
    """A plugin failed: the spec's error object (code, msg) when it gave
    one."""

    def __init__(self, plugin, command, rc, out, err):
        self.plugin, self.command, self.rc = plugin, command, rc
        self.out, self.err = out, err
        try:
            obj = json.loads(out)
        except ValueError:
            obj = {}
        self.code = obj.get("code") if isinstance(obj, dict) else None
        msg = obj.get("msg") if isinstance(obj, dict) else None
        super().__init__("%s %s: exit %d: %s" % (
            plugin, command, rc,
            "code %s: %s" % (self.code, msg) if msg else
            (out or err).strip()[:400]))


def netns_path(ns):
    return os.path.join(NETNS_DIR, ns)


def find_plugin(cni_path, plugin_type):
    for d in cni_path:
        p = os.path.join(d, plugin_type)
        if os.access(p, os.X_OK) and not os.path.isdir(p):
            return p
    raise FileNotFoundError("no CNI plugin %r in %s" %
                            (plugin_type, ":".join(cni_path)))


def invoke(t, node_ns, plugin, command, conf, container_id=None,
           netns=None, ifname=None, cni_path=(), timeout=30):
    """Run one plugin once; returns its parsed stdout (None when empty).
    Raises CniError on a non-zero exit."""
    env = ["PATH=" + ENV_PATH, "CNI_COMMAND=" + command,
           "CNI_PATH=" + ":".join(cni_path)]
    if container_id:
        env.append("CNI_CONTAINERID=" + container_id)
    if netns:
        env.append("CNI_NETNS=" + netns)
    if ifname:
        env.append("CNI_IFNAME=" + ifname)
    p = t.ns_exec(node_ns, ["env", "-i"] + env + [plugin],
                  input=json.dumps(conf), check=False, timeout=timeout)
    if p.returncode != 0:
        raise CniError(os.path.basename(plugin), command, p.returncode,
                       p.stdout, p.stderr)
    out = p.stdout.strip()
    return json.loads(out) if out else None


class Runtime:
    """One network list on one node, with libcni's result cache."""

    def __init__(self, t, node_ns, conflist, cni_path):
        self.t = t
        self.node_ns = node_ns
        self.conflist = conflist
        self.cni_path = list(cni_path)
        self.cache = {}  # (container id, ifname) -> final result
        self.calls = []  # (plugin type, command, container id): a log

    def _conf(self, plugin, prev, runtime_config):
        conf = copy.deepcopy(plugin)
        conf["name"] = self.conflist["name"]
        conf["cniVersion"] = self.conflist["cniVersion"]
        caps = plugin.get("capabilities", {})
        rc = {k: v for k, v in (runtime_config or {}).items()
              if caps.get(k)}
        if rc:
            conf["runtimeConfig"] = rc
        conf.pop("capabilities", None)
        if prev is not None:
            conf["prevResult"] = prev
        return conf

    def _run(self, plugin, command, container_id, netns, ifname, conf):
        self.calls.append((plugin["type"], command, container_id))
        return invoke(self.t, self.node_ns,
                      find_plugin(self.cni_path, plugin["type"]), command,
                      conf, container_id, netns, ifname, self.cni_path)

    def add(self, container_id, netns, ifname="eth0", runtime_config=None):
        prev = None
        for plugin in self.conflist["plugins"]:
            conf = self._conf(plugin, prev, runtime_config)
            prev = self._run(plugin, "ADD", container_id, netns, ifname,
                             conf)
        self.cache[(container_id, ifname)] = prev
        return prev

    def check(self, container_id, netns, ifname="eth0", runtime_config=None,
              only=None):
        """CHECK every plugin (or those whose type is in only) with the
        cached result."""
        prev = self.cache.get((container_id, ifname))
        for plugin in self.conflist["plugins"]:
            if only and plugin["type"] not in only:
                continue
            conf = self._conf(plugin, prev, runtime_config)
            self._run(plugin, "CHECK", container_id, netns, ifname, conf)

    def delete(self, container_id, netns, ifname="eth0", runtime_config=None):
        """DEL in reverse order; every plugin is called even when one
        fails (as libcni's DelNetworkList is retried by the runtime); the
        first error is raised at the end."""
        prev = self.cache.get((container_id, ifname))
        first = None
        for plugin in reversed(self.conflist["plugins"]):
            conf = self._conf(plugin, prev, runtime_config)
            try:
                self._run(plugin, "DEL", container_id, netns, ifname, conf)
            except CniError as e:
                first = first or e
        if first:
            raise first
        self.cache.pop((container_id, ifname), None)


def result_ip(result, family=4):
    """The first address of a family in a CNI result, without prefix."""
    for ip in (result or {}).get("ips", []):
        addr = ip["address"].split("/")[0]
        if (":" in addr) == (family == 6):
            return addr
    return None

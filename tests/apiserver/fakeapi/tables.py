# SPDX-License-Identifier: GPL-2.0
"""What `kubectl get` prints: the columns and rows of the server-side
Tables, worded as the real server's printers (pkg/printers/internalversion)
word them, and the timestamps they use."""

import datetime


# --- time ------------------------------------------------------------------


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    try:
        return datetime.datetime.strptime(
            text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def human_duration(seconds):
    """duration.HumanDuration of apimachinery."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    minutes = s // 60
    if minutes < 10:
        sec = s % 60
        return "%dm" % minutes if sec == 0 else "%dm%ds" % (minutes, sec)
    if minutes < 180:
        return "%dm" % minutes
    hours = s // 3600
    if hours < 8:
        m = minutes % 60
        return "%dh" % hours if m == 0 else "%dh%dm" % (hours, m)
    if hours < 48:
        return "%dh" % hours
    if hours < 24 * 8:
        h = hours % 24
        return "%dd" % (hours // 24) if h == 0 else "%dd%dh" % (hours // 24, h)
    if hours < 24 * 365 * 2:
        return "%dd" % (hours // 24)
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        y = hours // 24 // 365
        return "%dy" % y if dy == 0 else "%dy%dd" % (y, dy)
    return "%dy" % (hours // 24 // 365)


def age(obj):
    ts = parse_rfc3339((obj.get("metadata") or {}).get("creationTimestamp"))
    if ts is None:
        return "<unknown>"
    delta = datetime.datetime.now(datetime.timezone.utc) - ts
    return human_duration(delta.total_seconds())


# --- tables ----------------------------------------------------------------


def _col(name, ctype="string", fmt="", desc="", priority=0):
    return {"name": name, "type": ctype, "format": fmt, "description": desc,
            "priority": priority}


NAME_COL = _col("Name", fmt="name", desc="Name must be unique within a "
                "namespace. Is required when creating resources, although "
                "some resources may allow a client to request the generation "
                "of an appropriate name automatically.")
AGE_COL = _col("Age", desc="CreationTimestamp is a timestamp representing "
               "the server time when this object was created.")


def _service_external_ip(svc):
    spec = svc.get("spec") or {}
    stype = spec.get("type")
    eips = list(spec.get("externalIPs") or [])
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(eips) if eips else "<none>"
    if stype == "LoadBalancer":
        ing = ((svc.get("status") or {}).get("loadBalancer") or {}).get(
            "ingress") or []
        lb = [i.get("ip") or i.get("hostname") for i in ing
              if i.get("ip") or i.get("hostname")]
        allips = lb + eips
        return ",".join(allips) if allips else "<pending>"
    if stype == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _service_ports(svc):
    out = []
    for p in (svc.get("spec") or {}).get("ports") or []:
        proto = p.get("protocol", "TCP")
        if p.get("nodePort"):
            out.append("%s:%s/%s" % (p.get("port"), p["nodePort"], proto))
        else:
            out.append("%s/%s" % (p.get("port"), proto))
    return ",".join(out) if out else "<none>"


def _selector_string(sel):
    if not sel:
        return "<none>"
    return ",".join("%s=%s" % (k, v) for k, v in sorted(sel.items()))


def service_row(svc):
    spec = svc.get("spec") or {}
    cip = spec.get("clusterIP") or "<none>"
    return [svc["metadata"]["name"], spec.get("type", ""), cip,
            _service_external_ip(svc), _service_ports(svc), age(svc),
            _selector_string(spec.get("selector"))]


SERVICE_COLS = [
    NAME_COL,
    _col("Type", desc="type determines how the Service is exposed."),
    _col("Cluster-IP", desc="clusterIP is the IP address of the service."),
    _col("External-IP", desc="externalIPs is a list of IP addresses for "
         "which nodes in the cluster will also accept traffic."),
    _col("Port(s)", desc="The list of ports that are exposed by this "
         "service."),
    AGE_COL,
    _col("Selector", priority=1, desc="Route service traffic to pods with "
         "label keys and values matching this selector."),
]


def pod_row(pod):
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    cstat = status.get("containerStatuses") or []
    total = len(spec.get("containers") or [])
    ready = sum(1 for c in cstat if c.get("ready"))
    restarts = sum(int(c.get("restartCount") or 0) for c in cstat)
    reason = status.get("reason") or status.get("phase") or "Unknown"
    for c in cstat:
        waiting = (c.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Terminating"
    gates = spec.get("readinessGates") or []
    return [pod["metadata"]["name"], "%d/%d" % (ready, total), reason,
            str(restarts), age(pod), status.get("podIP") or "<none>",
            spec.get("nodeName") or "<none>",
            status.get("nominatedNodeName") or "<none>",
            "%d/%d" % (0, len(gates)) if gates else "<none>"]


POD_COLS = [
    NAME_COL,
    _col("Ready", desc="The aggregate readiness state of this pod for "
         "accepting traffic."),
    _col("Status", desc="The aggregate status of the containers in this "
         "pod."),
    _col("Restarts", desc="The number of times the containers in this pod "
         "have been restarted and when the last container in this pod has "
         "restarted."),
    AGE_COL,
    _col("IP", priority=1, desc="podIP address allocated to the pod."),
    _col("Node", priority=1, desc="Specifies the node where the pod is "
         "running."),
    _col("Nominated Node", priority=1, desc="nominatedNodeName is set only "
         "when this pod preempts other pods on the node."),
    _col("Readiness Gates", priority=1, desc="If specified, all readiness "
         "gates will be evaluated for pod readiness."),
]


def node_row(node):
    meta = node.get("metadata") or {}
    spec = node.get("spec") or {}
    status = node.get("status") or {}
    st = "Unknown"
    for c in status.get("conditions") or []:
        if c.get("type") == "Ready":
            st = {"True": "Ready", "False": "NotReady"}.get(c.get("status"),
                                                            "Unknown")
    if not status.get("conditions"):
        st = "Unknown"
    if spec.get("unschedulable"):
        st += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in (meta.get("labels") or {})
                   if k.startswith("node-role.kubernetes.io/") and "/" in k)
    addrs = status.get("addresses") or []

    def addr(t):
        for a in addrs:
            if a.get("type") == t:
                return a.get("address", "")
        return "<none>"
    info = status.get("nodeInfo") or {}
    return [meta["name"], st, ",".join(r for r in roles if r) or "<none>",
            age(node), info.get("kubeletVersion", ""), addr("InternalIP"),
            addr("ExternalIP"), info.get("osImage", "<unknown>"),
            info.get("kernelVersion", "<unknown>"),
            info.get("containerRuntimeVersion", "<unknown>")]


NODE_COLS = [
    NAME_COL,
    _col("Status", desc="The status of the node"),
    _col("Roles", desc="The roles of the node"),
    AGE_COL,
    _col("Version", desc="Kubelet Version reported by the node."),
    _col("Internal-IP", priority=1, desc="List of addresses reachable to "
         "the node. Queried from cloud provider, if available."),
    _col("External-IP", priority=1, desc="List of addresses reachable to "
         "the node. Queried from cloud provider, if available."),
    _col("OS-Image", priority=1, desc="OS Image reported by the node from "
         "/etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
    _col("Kernel-Version", priority=1, desc="Kernel Version reported by the "
         "node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    _col("Container-Runtime", priority=1, desc="ContainerRuntime Version "
         "reported by the node through runtime remote API (e.g. "
         "containerd://1.4.2)."),
]


def namespace_row(ns):
    return [ns["metadata"]["name"],
            (ns.get("status") or {}).get("phase", ""), age(ns)]


NAMESPACE_COLS = [
    NAME_COL,
    _col("Status", desc="The status of the namespace"),
    AGE_COL,
]


def endpointslice_row(es):
    ports = es.get("ports")
    if not ports:
        pstr = "<unset>"
    else:
        pstr = ",".join(str(p.get("port")) if p.get("port") is not None
                        else "<unset>" for p in ports)
    addrs = []
    for ep in es.get("endpoints") or []:
        addrs.extend(ep.get("addresses") or [])
    if not addrs:
        estr = "<unset>"
    else:
        estr = ",".join(addrs[:3])
        if len(addrs) > 3:
            estr += " + %d more..." % (len(addrs) - 3)
    return [es["metadata"]["name"], es.get("addressType", ""), pstr, estr,
            age(es)]


ENDPOINTSLICE_COLS = [
    NAME_COL,
    _col("AddressType", desc="Type of address carried by this "
         "EndpointSlice."),
    _col("Ports", desc="Ports advertised by this EndpointSlice."),
    _col("Endpoints", desc="Endpoints included in this EndpointSlice."),
    AGE_COL,
]


def default_row(obj):
    return [obj["metadata"]["name"], age(obj)]


DEFAULT_COLS = [NAME_COL, AGE_COL]

# SPDX-License-Identifier: GPL-2.0
"""The kinds this server stores, with their REST strategies: defaulting,
validation, what create/update keep or drop, field selectors and the
columns `kubectl get` prints (server-side Tables).

A strategy function never stores anything: it receives copies and the list
of objects already stored (for allocation and uniqueness checks) and either
returns the object to store or raises Invalid.
"""

import copy
import ipaddress
import re

from .selectors import label_key_error, label_value_error
from .tables import (ENDPOINTSLICE_COLS, NAMESPACE_COLS, NODE_COLS, POD_COLS,
                     SERVICE_COLS, endpointslice_row, namespace_row, node_row,
                     pod_row, service_row)


class Invalid(Exception):
    """422 Invalid: causes is a list of (field, reason, message)."""

    def __init__(self, causes):
        super().__init__("; ".join(c[2] for c in causes))
        self.causes = causes


class Forbidden(Exception):
    """403 Forbidden with a message."""


def _cause(field, reason, message):
    return (field, reason, message)


_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def name_error(kind_of_name, name):
    if kind_of_name == "dns1035":
        if len(name) > 63 or not _DNS1035_LABEL.match(name):
            return ("a DNS-1035 label must consist of lower case alphanumeric "
                    "characters or '-', start with an alphabetic character, "
                    "and end with an alphanumeric character (e.g. 'my-name',  "
                    "or 'abc-123', regex used for validation is "
                    "'[a-z]([-a-z0-9]*[a-z0-9])?')")
    elif kind_of_name == "dns1123label":
        if len(name) > 63 or not _DNS1123_LABEL.match(name):
            return ("a lowercase RFC 1123 label must consist of lower case "
                    "alphanumeric characters or '-', and must start and end "
                    "with an alphanumeric character (e.g. 'my-name',  or "
                    "'123-abc', regex used for validation is "
                    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
    else:
        if len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
            return ("a lowercase RFC 1123 subdomain must consist of lower "
                    "case alphanumeric characters, '-' or '.', and must start "
                    "and end with an alphanumeric character (e.g. "
                    "'example.com', regex used for validation is "
                    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
                    "[a-z0-9])?)*')")
    return None


def validate_meta(rtype, obj, causes):
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        causes.append(_cause("metadata", "FieldValueRequired",
                             "metadata: Required value"))
        return
    name = meta.get("name")
    if not isinstance(name, str) or name == "":
        causes.append(_cause("metadata.name", "FieldValueRequired",
                             "metadata.name: Required value: name or "
                             "generateName is required"))
    else:
        err = name_error(rtype.name_rule, name)
        if err:
            causes.append(_cause("metadata.name", "FieldValueInvalid",
                                 "metadata.name: Invalid value: %r: %s"
                                 % (name, err)))
    for field in ("labels", "annotations"):
        val = meta.get(field)
        if val is None:
            continue
        if not isinstance(val, dict) or not all(
                isinstance(k, str) and isinstance(v, str)
                for k, v in val.items()):
            causes.append(_cause("metadata." + field, "FieldValueInvalid",
                                 "metadata.%s: Invalid value: must be a map "
                                 "of strings" % field))
            continue
        for k, v in sorted(val.items()):
            err = label_key_error(k)
            if err:
                causes.append(_cause("metadata.%s" % field,
                                     "FieldValueInvalid",
                                     "metadata.%s: Invalid value: %r: %s"
                                     % (field, k, err)))
            if field == "labels":
                err = label_value_error(v)
                if err:
                    causes.append(_cause("metadata.labels",
                                         "FieldValueInvalid",
                                         "metadata.labels: Invalid value: "
                                         "%r: %s" % (v, err)))


# --- allocation of cluster IPs and node ports ------------------------------


class Allocator:
    """Cluster IPs from the service CIDRs and node ports from a range, with
    an index of who holds what (kept by the store as services come and go).

    Allocation is deterministic: the lowest free address from the 10th of
    the range on (then the 2nd to 9th), the lowest free port. A hint per
    range skips the allocated prefix, so allocation is O(1) amortized.
    """

    def __init__(self, service_cidrs, node_port_range):
        self.cidrs = [ipaddress.ip_network(c, strict=False)
                      for c in service_cidrs]
        lo, hi = node_port_range
        self.node_port_lo = lo
        self.node_port_hi = hi
        self.ip_owner = {}
        self.port_owner = {}
        self.ip_hint = {c: 10 for c in self.cidrs}
        self.port_hint = lo

    def family_cidr(self, family):
        for c in self.cidrs:
            if ("IPv4" if c.version == 4 else "IPv6") == family:
                return c
        return None

    def families(self):
        return ["IPv4" if c.version == 4 else "IPv6" for c in self.cidrs]

    # the index: key is (namespace, name) of the service

    def hold(self, key, svc):
        spec = (svc or {}).get("spec") or {}
        for ip in spec.get("clusterIPs") or ([spec["clusterIP"]]
                                             if spec.get("clusterIP") else []):
            ip = norm_ip(ip)
            if ip:
                self.ip_owner[ip] = key
        for port in service_node_ports(spec):
            self.port_owner[port] = key

    def release(self, key, svc):
        spec = (svc or {}).get("spec") or {}
        for ip in spec.get("clusterIPs") or ([spec["clusterIP"]]
                                             if spec.get("clusterIP") else []):
            ip = norm_ip(ip)
            if ip and self.ip_owner.get(ip) == key:
                del self.ip_owner[ip]
                for c in self.cidrs:
                    a = ipaddress.ip_address(ip)
                    if a.version == c.version and a in c:
                        off = int(a) - int(c.network_address)
                        if 10 <= off < self.ip_hint[c]:
                            self.ip_hint[c] = off
        for port in service_node_ports(spec):
            if self.port_owner.get(port) == key:
                del self.port_owner[port]
                if self.node_port_lo <= port < self.port_hint:
                    self.port_hint = port

    def ip_taken(self, ip, key):
        owner = self.ip_owner.get(norm_ip(ip) or ip)
        return owner is not None and owner != key

    def port_taken(self, port, key):
        owner = self.port_owner.get(port)
        return owner is not None and owner != key

    def allocate_ip(self, family, key, also_taken=()):
        cidr = self.family_cidr(family)
        if cidr is None:
            return None
        base = int(cidr.network_address)
        size = cidr.num_addresses

        def ip_at(off):
            return str(ipaddress.ip_address(base + off))
        h = self.ip_hint[cidr]
        while h < size - 1 and ip_at(h) in self.ip_owner:
            h += 1
        self.ip_hint[cidr] = h
        for offs in (range(h, size - 1), range(2, min(10, size - 1))):
            for off in offs:
                ip = ip_at(off)
                if not self.ip_taken(ip, key) and ip not in also_taken:
                    return ip
        return None

    def allocate_port(self, key, also_taken=()):
        h = self.port_hint
        while h <= self.node_port_hi and h in self.port_owner:
            h += 1
        self.port_hint = h
        for p in range(h, self.node_port_hi + 1):
            if not self.port_taken(p, key) and p not in also_taken:
                return p
        return None


def norm_ip(ip):
    try:
        return str(ipaddress.ip_address(ip))
    except (TypeError, ValueError):
        return None


def service_node_ports(spec):
    out = set()
    for p in spec.get("ports") or []:
        if isinstance(p, dict) and isinstance(p.get("nodePort"), int) \
                and p["nodePort"]:
            out.add(p["nodePort"])
    hc = spec.get("healthCheckNodePort")
    if isinstance(hc, int) and hc:
        out.add(hc)
    return out


def _ip_family(ip):
    try:
        return "IPv4" if ipaddress.ip_address(ip).version == 4 else "IPv6"
    except ValueError:
        return None


# --- strategies ------------------------------------------------------------


class Context:
    """What a strategy may look at: the allocator (with its index of the
    stored services) and whether this is a preload (conflicts between
    given values are then not checked). Passed by the store."""

    def __init__(self, allocator, loading=False):
        self.allocator = allocator
        self.loading = loading


def _default_service(svc, ctx, old):
    spec = svc.setdefault("spec", {})
    causes = []
    stype = spec.setdefault("type", "ClusterIP")
    if stype not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        causes.append(_cause("spec.type", "FieldValueNotSupported",
                             "spec.type: Unsupported value: %r: supported "
                             "values: \"ClusterIP\", \"ExternalName\", "
                             "\"LoadBalancer\", \"NodePort\"" % stype))
        raise Invalid(causes)
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        cfg = spec.setdefault("sessionAffinityConfig", {})
        cip = cfg.setdefault("clientIP", {})
        cip.setdefault("timeoutSeconds", 10800)
    ports = spec.get("ports")
    if ports is None:
        ports = []
    if not isinstance(ports, list):
        raise Invalid([_cause("spec.ports", "FieldValueInvalid",
                              "spec.ports: Invalid value: must be a list")])
    for i, p in enumerate(ports):
        if not isinstance(p, dict):
            raise Invalid([_cause("spec.ports[%d]" % i, "FieldValueInvalid",
                                  "spec.ports[%d]: must be an object" % i)])
        p.setdefault("protocol", "TCP")
        if "port" in p and "targetPort" not in p and stype != "ExternalName":
            p["targetPort"] = p["port"]
    if old is not None:
        _keep_allocated(svc, old)
    if stype == "ExternalName":
        # no cluster IP, no node ports, no IP families
        for f in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy",
                  "externalTrafficPolicy", "healthCheckNodePort",
                  "internalTrafficPolicy"):
            spec.pop(f, None)
        for p in ports:
            p.pop("nodePort", None)
        return
    if stype in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
        if stype == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
    else:
        spec.pop("externalTrafficPolicy", None)
        for p in ports:
            p.pop("nodePort", None)
        spec.pop("healthCheckNodePort", None)
    spec.setdefault("internalTrafficPolicy", "Cluster")
    _allocate_cluster_ip(svc, ctx, causes)
    _allocate_node_ports(svc, ctx, causes)
    if causes:
        raise Invalid(causes)


def _keep_allocated(svc, old):
    """patchAllocatedValues: an update that leaves out what the server
    allocated keeps it."""
    spec = svc["spec"]
    ospec = old.get("spec") or {}
    if "ExternalName" in (spec.get("type"), ospec.get("type")):
        return
    if not spec.get("clusterIP") and ospec.get("clusterIP"):
        spec["clusterIP"] = ospec["clusterIP"]
    if not spec.get("clusterIPs") and ospec.get("clusterIPs") \
            and spec.get("clusterIP") == ospec.get("clusterIP"):
        spec["clusterIPs"] = list(ospec["clusterIPs"])
    if "ipFamilies" not in spec and "ipFamilies" in ospec:
        spec["ipFamilies"] = list(ospec["ipFamilies"])
    if "ipFamilyPolicy" not in spec and "ipFamilyPolicy" in ospec:
        spec["ipFamilyPolicy"] = ospec["ipFamilyPolicy"]
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        oports = ospec.get("ports") or []
        for p in spec.get("ports") or []:
            if p.get("nodePort"):
                continue
            for op in oports:
                if op.get("nodePort") and op.get("port") == p.get("port") \
                        and op.get("protocol", "TCP") == p.get("protocol"):
                    p["nodePort"] = op["nodePort"]
                    break
        if not spec.get("healthCheckNodePort") \
                and ospec.get("healthCheckNodePort") \
                and spec.get("externalTrafficPolicy",
                             ospec.get("externalTrafficPolicy")) == "Local":
            spec["healthCheckNodePort"] = ospec["healthCheckNodePort"]


def _svc_key(svc):
    meta = svc.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name"))


def _allocate_cluster_ip(svc, ctx, causes):
    spec = svc["spec"]
    alloc = ctx.allocator
    cip = spec.get("clusterIP")
    cips = spec.get("clusterIPs")
    if cips and not cip:
        cip = cips[0]
        spec["clusterIP"] = cip
    if cip and cips and cips[0] != cip:
        causes.append(_cause("spec.clusterIPs", "FieldValueInvalid",
                             "spec.clusterIPs: Invalid value: %r: first "
                             "value must match `clusterIP`" % cips))
        return
    if cip == "None":
        spec["clusterIPs"] = ["None"]
        fams = spec.get("ipFamilies") or alloc.families()[:1]
        spec["ipFamilies"] = fams
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        return
    key = _svc_key(svc)
    chosen = set()
    policy = spec.get("ipFamilyPolicy") or "SingleStack"
    spec["ipFamilyPolicy"] = policy
    if policy not in ("SingleStack", "PreferDualStack", "RequireDualStack"):
        causes.append(_cause("spec.ipFamilyPolicy", "FieldValueNotSupported",
                             "spec.ipFamilyPolicy: Unsupported value: %r"
                             % policy))
        return
    fams = list(spec.get("ipFamilies") or [])
    ips = list(cips or ([cip] if cip else []))
    for ip in ips:
        fam = _ip_family(ip)
        if fam is None:
            causes.append(_cause("spec.clusterIPs", "FieldValueInvalid",
                                 "spec.clusterIPs[0]: Invalid value: %r: "
                                 "must be a valid IP address, (e.g. "
                                 "10.9.8.7 or 2001:db8::ffff)" % ip))
            return
        if not ctx.loading and alloc.ip_taken(ip, key):
            causes.append(_cause("spec.clusterIPs", "FieldValueInvalid",
                                 "spec.clusterIPs: Invalid value: [%r]: "
                                 "failed to allocate IP %s: provided IP is "
                                 "already allocated" % (ip, ip)))
            return
    if not fams:
        fams = [_ip_family(ip) for ip in ips] or alloc.families()[:1]
        if policy != "SingleStack":
            for f in alloc.families():
                if f not in fams:
                    fams.append(f)
    fams = fams[:2]
    if policy == "SingleStack":
        fams = fams[:1]
    for i, fam in enumerate(fams):
        if i < len(ips):
            if _ip_family(ips[i]) != fam:
                causes.append(_cause("spec.ipFamilies", "FieldValueInvalid",
                                     "spec.ipFamilies[%d]: Invalid value: "
                                     "%r: does not match the clusterIP "
                                     "family" % (i, fam)))
                return
            continue
        ip = alloc.allocate_ip(fam, key, chosen | set(ips))
        if ip is None:
            if i == 0 or policy == "RequireDualStack":
                causes.append(_cause("spec.ipFamilies", "FieldValueInvalid",
                                     "spec.ipFamilies[%d]: Invalid value: "
                                     "%r: not configured on this cluster"
                                     % (i, fam)))
                return
            fams = fams[:i]
            break
        ips.append(ip)
        chosen.add(ip)
    spec["clusterIP"] = ips[0]
    spec["clusterIPs"] = ips[:len(fams)]
    spec["ipFamilies"] = fams


def _allocate_node_ports(svc, ctx, causes):
    spec = svc["spec"]
    stype = spec.get("type")
    if stype not in ("NodePort", "LoadBalancer"):
        return
    alloc = ctx.allocator
    key = _svc_key(svc)
    want = stype == "NodePort" or spec.get("allocateLoadBalancerNodePorts",
                                           True)
    mine = {}
    for i, p in enumerate(spec.get("ports") or []):
        np = p.get("nodePort")
        if np:
            if not ctx.loading and alloc.port_taken(np, key):
                causes.append(_cause("spec.ports[%d].nodePort" % i,
                                     "FieldValueInvalid",
                                     "spec.ports[%d].nodePort: Invalid "
                                     "value: %d: provided port is already "
                                     "allocated" % (i, np)))
                return
            if not ctx.loading and not (alloc.node_port_lo <= np
                                        <= alloc.node_port_hi):
                causes.append(_cause("spec.ports[%d].nodePort" % i,
                                     "FieldValueInvalid",
                                     "spec.ports[%d].nodePort: Invalid "
                                     "value: %d: provided port is not in "
                                     "the valid range. The range of valid "
                                     "ports is %d-%d"
                                     % (i, np, alloc.node_port_lo,
                                        alloc.node_port_hi)))
                return
            mine[(p.get("port"), p.get("protocol"))] = np
    for p in spec.get("ports") or []:
        if p.get("nodePort") or not want:
            continue
        # the same port number on two protocols shares one node port
        same = next((v for (port, _), v in mine.items()
                     if port == p.get("port")), None)
        np = same or alloc.allocate_port(key, set(mine.values()))
        if np is None:
            causes.append(_cause("spec.ports", "FieldValueInvalid",
                                 "spec.ports: no node ports left"))
            return
        p["nodePort"] = np
        mine[(p.get("port"), p.get("protocol"))] = np
    if stype == "LoadBalancer" and \
            spec.get("externalTrafficPolicy") == "Local":
        if not spec.get("healthCheckNodePort"):
            hc = alloc.allocate_port(key, set(mine.values()))
            spec["healthCheckNodePort"] = hc
    else:
        spec.pop("healthCheckNodePort", None)


def _validate_service(svc, causes):
    spec = svc.get("spec") or {}
    stype = spec.get("type")
    ports = spec.get("ports") or []
    if not ports and stype != "ExternalName" and \
            spec.get("clusterIP") != "None":
        causes.append(_cause("spec.ports", "FieldValueRequired",
                             "spec.ports: Required value"))
    names = set()
    seen = set()
    for i, p in enumerate(ports):
        port = p.get("port")
        if not isinstance(port, int) or isinstance(port, bool) \
                or not 1 <= port <= 65535:
            causes.append(_cause("spec.ports[%d].port" % i,
                                 "FieldValueInvalid",
                                 "spec.ports[%d].port: Invalid value: %r: "
                                 "must be between 1 and 65535, inclusive"
                                 % (i, port)))
        proto = p.get("protocol")
        if proto not in ("TCP", "UDP", "SCTP"):
            causes.append(_cause("spec.ports[%d].protocol" % i,
                                 "FieldValueNotSupported",
                                 "spec.ports[%d].protocol: Unsupported "
                                 "value: %r: supported values: \"SCTP\", "
                                 "\"TCP\", \"UDP\"" % (i, proto)))
        name = p.get("name", "")
        if len(ports) > 1 and not name:
            causes.append(_cause("spec.ports[%d].name" % i,
                                 "FieldValueRequired",
                                 "spec.ports[%d].name: Required value" % i))
        if name:
            if name in names:
                causes.append(_cause("spec.ports[%d].name" % i,
                                     "FieldValueDuplicate",
                                     "spec.ports[%d].name: Duplicate value: "
                                     "%r" % (i, name)))
            names.add(name)
        if (port, proto) in seen:
            causes.append(_cause("spec.ports[%d]" % i, "FieldValueDuplicate",
                                 "spec.ports[%d]: Duplicate value: "
                                 "{\"protocol\":%r,\"port\":%r}"
                                 % (i, proto, port)))
        seen.add((port, proto))
    if stype == "ExternalName" and not spec.get("externalName"):
        causes.append(_cause("spec.externalName", "FieldValueRequired",
                             "spec.externalName: Required value"))
    for i, ip in enumerate(spec.get("externalIPs") or []):
        if _ip_family(ip) is None:
            causes.append(_cause("spec.externalIPs[%d]" % i,
                                 "FieldValueInvalid",
                                 "spec.externalIPs[%d]: Invalid value: %r: "
                                 "must be a valid IP address" % (i, ip)))
    for f, allowed in (("externalTrafficPolicy", ("Cluster", "Local")),
                       ("internalTrafficPolicy", ("Cluster", "Local")),
                       ("sessionAffinity", ("None", "ClientIP"))):
        if f in spec and spec[f] not in allowed:
            causes.append(_cause("spec." + f, "FieldValueNotSupported",
                                 "spec.%s: Unsupported value: %r" %
                                 (f, spec[f])))


def _service_immutable(new, old, causes):
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    if ns.get("type") == "ExternalName" or os_.get("type") == "ExternalName":
        return
    if os_.get("clusterIP") and ns.get("clusterIP") != os_.get("clusterIP"):
        causes.append(_cause("spec.clusterIPs[0]", "FieldValueInvalid",
                             "spec.clusterIPs[0]: Invalid value: %r: may not "
                             "change once set" % ns.get("clusterIP")))


class Strategy:
    """Default strategy: keeps what it is given."""

    keeps_status_on_create = True
    has_status = False

    def default(self, obj, ctx, old=None):
        pass

    def validate(self, obj, causes):
        pass

    def validate_update(self, new, old, causes):
        pass

    def prepare_create(self, obj):
        pass

    def prepare_update(self, new, old):
        """Main-resource PUT: status comes from the stored object."""
        if self.has_status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)

    def prepare_status_update(self, new, old):
        """Status PUT: everything but status comes from the stored object."""
        status = new.get("status")
        out = copy.deepcopy(old)
        if status is None:
            out.pop("status", None)
        else:
            out["status"] = copy.deepcopy(status)
        meta = new.get("metadata") or {}
        # metadata changes through /status are ignored, except that the
        # caller's resourceVersion is the precondition
        if "resourceVersion" in meta:
            out["metadata"]["resourceVersion"] = meta["resourceVersion"]
        else:
            out["metadata"].pop("resourceVersion", None)
        return out


class ServiceStrategy(Strategy):
    has_status = True

    def prepare_create(self, obj):
        obj["status"] = {"loadBalancer": {}}

    def default(self, obj, ctx, old=None):
        _default_service(obj, ctx, old)

    def validate(self, obj, causes):
        _validate_service(obj, causes)

    def validate_update(self, new, old, causes):
        _service_immutable(new, old, causes)

    def prepare_status_update(self, new, old):
        out = super().prepare_status_update(new, old)
        out.setdefault("status", {}).setdefault("loadBalancer", {})
        return out


_POD_MUTABLE_SPEC = ("activeDeadlineSeconds", "tolerations",
                     "terminationGracePeriodSeconds")


class PodStrategy(Strategy):
    has_status = True

    def prepare_create(self, obj):
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}

    def default(self, obj, ctx, old=None):
        spec = obj.setdefault("spec", {})
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("enableServiceLinks", True)
        for field in ("containers", "initContainers"):
            for c in spec.get(field) or []:
                if not isinstance(c, dict):
                    continue
                for p in c.get("ports") or []:
                    if isinstance(p, dict):
                        p.setdefault("protocol", "TCP")
                        if spec.get("hostNetwork") and "hostPort" not in p \
                                and "containerPort" in p:
                            p["hostPort"] = p["containerPort"]
                c.setdefault("imagePullPolicy", "IfNotPresent")
                c.setdefault("terminationMessagePath",
                             "/dev/termination-log")
                c.setdefault("terminationMessagePolicy", "File")

    def validate(self, obj, causes):
        spec = obj.get("spec") or {}
        containers = spec.get("containers")
        if not containers:
            causes.append(_cause("spec.containers", "FieldValueRequired",
                                 "spec.containers: Required value"))
            return
        for i, c in enumerate(containers):
            if not isinstance(c, dict) or not c.get("name"):
                causes.append(_cause("spec.containers[%d].name" % i,
                                     "FieldValueRequired",
                                     "spec.containers[%d].name: Required "
                                     "value" % i))
                continue
            if not c.get("image"):
                causes.append(_cause("spec.containers[%d].image" % i,
                                     "FieldValueRequired",
                                     "spec.containers[%d].image: Required "
                                     "value" % i))
            for j, p in enumerate(c.get("ports") or []):
                cp = p.get("containerPort") if isinstance(p, dict) else None
                if not isinstance(cp, int) or not 1 <= cp <= 65535:
                    causes.append(_cause(
                        "spec.containers[%d].ports[%d].containerPort" % (i, j),
                        "FieldValueInvalid",
                        "spec.containers[%d].ports[%d].containerPort: "
                        "Invalid value: %r: must be between 1 and 65535, "
                        "inclusive" % (i, j, cp)))

    def validate_update(self, new, old, causes):
        def strip(spec):
            spec = copy.deepcopy(spec or {})
            for f in _POD_MUTABLE_SPEC:
                spec.pop(f, None)
            for c in spec.get("containers") or []:
                if isinstance(c, dict):
                    c.pop("image", None)
            return spec
        if strip(new.get("spec")) != strip(old.get("spec")):
            causes.append(_cause("spec", "FieldValueForbidden",
                                 "spec: Forbidden: pod updates may not "
                                 "change fields other than "
                                 "`spec.containers[*].image`, "
                                 "`spec.initContainers[*].image`, "
                                 "`spec.activeDeadlineSeconds`, "
                                 "`spec.tolerations` (only additions to "
                                 "existing tolerations), "
                                 "`spec.terminationGracePeriodSeconds` "
                                 "(allow it to be set to 1 if it was "
                                 "previously negative)"))


class NodeStrategy(Strategy):
    has_status = True

    def default(self, obj, ctx, old=None):
        spec = obj.setdefault("spec", {})
        if spec.get("podCIDR") and not spec.get("podCIDRs"):
            spec["podCIDRs"] = [spec["podCIDR"]]

    def validate(self, obj, causes):
        spec = obj.get("spec") or {}
        for i, c in enumerate(spec.get("podCIDRs") or []):
            try:
                ipaddress.ip_network(c, strict=False)
            except (TypeError, ValueError):
                causes.append(_cause("spec.podCIDRs[%d]" % i,
                                     "FieldValueInvalid",
                                     "spec.podCIDRs[%d]: Invalid value: %r: "
                                     "must be a valid CIDR value" % (i, c)))


class NamespaceStrategy(Strategy):
    has_status = True

    def prepare_create(self, obj):
        obj["status"] = {"phase": "Active"}
        obj["spec"] = {"finalizers": ["kubernetes"]}

    def default(self, obj, ctx, old=None):
        meta = obj.setdefault("metadata", {})
        labels = meta.get("labels")
        if not isinstance(labels, dict):
            labels = {}
        labels["kubernetes.io/metadata.name"] = meta.get("name", "")
        meta["labels"] = labels
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")

    def prepare_update(self, new, old):
        super().prepare_update(new, old)
        new["spec"] = copy.deepcopy(old.get("spec") or {})


class EndpointSliceStrategy(Strategy):
    def default(self, obj, ctx, old=None):
        # Real servers write null, not [], for an absent list.
        obj.setdefault("endpoints", None)
        obj.setdefault("ports", None)
        for p in obj.get("ports") or []:
            if isinstance(p, dict):
                p.setdefault("protocol", "TCP")

    def validate(self, obj, causes):
        at = obj.get("addressType")
        if at not in ("IPv4", "IPv6", "FQDN"):
            causes.append(_cause("addressType", "FieldValueNotSupported"
                                 if at else "FieldValueRequired",
                                 "addressType: Unsupported value: %r: "
                                 "supported values: \"FQDN\", \"IPv4\", "
                                 "\"IPv6\"" % at if at else
                                 "addressType: Required value"))
        eps = obj.get("endpoints") or []
        if not isinstance(eps, list):
            causes.append(_cause("endpoints", "FieldValueInvalid",
                                 "endpoints: Invalid value: must be a list"))
            return
        for i, ep in enumerate(eps):
            addrs = ep.get("addresses") if isinstance(ep, dict) else None
            if not addrs or not isinstance(addrs, list):
                causes.append(_cause("endpoints[%d].addresses" % i,
                                     "FieldValueRequired",
                                     "endpoints[%d].addresses: Required "
                                     "value: must contain at least 1 "
                                     "address" % i))
                continue
            for j, a in enumerate(addrs):
                if at in ("IPv4", "IPv6") and _ip_family(a) != at:
                    causes.append(_cause(
                        "endpoints[%d].addresses[%d]" % (i, j),
                        "FieldValueInvalid",
                        "endpoints[%d].addresses[%d]: Invalid value: %r: "
                        "must be a valid %s address" % (i, j, a, at)))
        for i, p in enumerate(obj.get("ports") or []):
            port = p.get("port") if isinstance(p, dict) else None
            if port is not None and (not isinstance(port, int)
                                     or not 0 <= port <= 65535):
                causes.append(_cause("ports[%d].port" % i,
                                     "FieldValueInvalid",
                                     "ports[%d].port: Invalid value: %r"
                                     % (i, port)))


# --- field selectors -------------------------------------------------------


def _get_path(obj, path):
    cur = obj
    for p in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(p)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


# --- the resource table ----------------------------------------------------


class ResourceType:
    def __init__(self, group, version, plural, singular, kind, namespaced,
                 short_names, strategy, name_rule, fields, columns, row,
                 categories=()):
        self.group = group
        self.version = version
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.namespaced = namespaced
        self.short_names = list(short_names)
        self.strategy = strategy
        self.name_rule = name_rule
        self.fields = set(fields) | {"metadata.name"} | (
            {"metadata.namespace"} if namespaced else set())
        self.columns = columns
        self.row = row
        self.categories = list(categories)

    @property
    def api_version(self):
        return self.group + "/" + self.version if self.group else self.version

    @property
    def list_kind(self):
        return self.kind + "List"

    @property
    def has_status(self):
        return self.strategy.has_status

    def field_value(self, obj, field):
        return _get_path(obj, field)

    def key(self):
        return (self.group, self.plural)


VERBS = ["create", "delete", "deletecollection", "get", "list", "patch",
         "update", "watch"]

RESOURCES = [
    ResourceType("", "v1", "services", "service", "Service", True, ["svc"],
                 ServiceStrategy(), "dns1035",
                 ["spec.clusterIP", "spec.type"], SERVICE_COLS, service_row,
                 categories=["all"]),
    ResourceType("", "v1", "pods", "pod", "Pod", True, ["po"], PodStrategy(),
                 "subdomain",
                 ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                  "spec.serviceAccountName", "spec.hostNetwork",
                  "status.phase", "status.podIP", "status.nominatedNodeName"],
                 POD_COLS, pod_row, categories=["all"]),
    ResourceType("", "v1", "nodes", "node", "Node", False, ["no"],
                 NodeStrategy(), "subdomain", ["spec.unschedulable"],
                 NODE_COLS, node_row),
    ResourceType("", "v1", "namespaces", "namespace", "Namespace", False,
                 ["ns"], NamespaceStrategy(), "dns1123label",
                 ["status.phase"], NAMESPACE_COLS, namespace_row),
    ResourceType("discovery.k8s.io", "v1", "endpointslices", "endpointslice",
                 "EndpointSlice", True, [], EndpointSliceStrategy(),
                 "subdomain", ["addressType"], ENDPOINTSLICE_COLS,
                 endpointslice_row),
]

BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
BY_KIND = {(r.api_version, r.kind): r for r in RESOURCES}
GROUPS = {}
for _r in RESOURCES:
    GROUPS.setdefault(_r.group, []).append(_r)


def find_by_kind(api_version, kind):
    return BY_KIND.get((api_version, kind))

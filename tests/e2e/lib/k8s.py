"""Kubernetes objects as Python dicts, shaped like `kubectl get -o json`."""

from . import topo

NAMESPACE = "default"


def _meta(name, ns=NAMESPACE, labels=None, uid=None):
    m = {"name": name, "uid": uid or ("uid-" + name), "resourceVersion": "1"}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    return m


def port(name, proto, port, target, node_port=None):
    p = {"name": name, "protocol": proto, "port": port, "targetPort": target}
    if node_port:
        p["nodePort"] = node_port
    return p


def service(name, ports, type="ClusterIP", cluster_ips=(), external_ips=(),
            lb_ips=(), lb_source_ranges=(), etp=None, itp=None,
            affinity=None, affinity_timeout=None, health_node_port=None):
    """A Service; cluster_ips decide the IP families (v4 first or v6 first)."""
    fams = ["IPv6" if ":" in ip else "IPv4" for ip in cluster_ips]
    spec = {
        "type": type,
        "clusterIP": cluster_ips[0] if cluster_ips else "None",
        "clusterIPs": list(cluster_ips) if cluster_ips else ["None"],
        "ipFamilies": fams or ["IPv4"],
        "ipFamilyPolicy": "PreferDualStack" if len(fams) > 1 else
                          "SingleStack",
        "ports": list(ports),
        "sessionAffinity": "ClientIP" if affinity else "None",
        "internalTrafficPolicy": itp or "Cluster",
    }
    if type in ("NodePort", "LoadBalancer"):
        spec["externalTrafficPolicy"] = etp or "Cluster"
    if external_ips:
        spec["externalIPs"] = list(external_ips)
    if lb_source_ranges:
        spec["loadBalancerSourceRanges"] = list(lb_source_ranges)
    if affinity:
        spec["sessionAffinityConfig"] = {
            "clientIP": {"timeoutSeconds": affinity_timeout or 10800}}
    if health_node_port:
        spec["healthCheckNodePort"] = health_node_port
    status = {"loadBalancer": {}}
    if lb_ips:
        status["loadBalancer"]["ingress"] = [{"ip": ip} for ip in lb_ips]
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(name),
            "spec": spec, "status": status}


def endpoint(pod, family=4, ready=True, serving=None, terminating=None):
    """One endpoint entry for a topo.Pod."""
    cond = {"ready": ready}
    cond["serving"] = ready if serving is None else serving
    cond["terminating"] = bool(terminating)
    return {"addresses": [pod.ip(family)], "conditions": cond,
            "nodeName": pod.node,
            "targetRef": {"kind": "Pod", "namespace": NAMESPACE,
                          "name": pod.name, "uid": "uid-" + pod.name}}


def endpoint_slice(service_name, endpoints, ports, family=4, name=None):
    """ports: list of (name, protocol, port)."""
    name = name or "%s-%s" % (service_name, "v6" if family == 6 else "v4")
    labels = {"kubernetes.io/service-name": service_name,
              "endpointslice.kubernetes.io/managed-by":
                  "endpointslice-controller.k8s.io"}
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": _meta(name, labels=labels),
            "addressType": "IPv6" if family == 6 else "IPv4",
            "endpoints": list(endpoints),
            "ports": [{"name": n, "protocol": p, "port": num}
                      for n, p, num in ports]}


def node(name):
    d = topo.NODES[name]
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": _meta(name, ns=None,
                              labels={"kubernetes.io/hostname": name}),
            "spec": {"podCIDR": d["cidr4"], "podCIDRs": [d["cidr4"],
                                                          d["cidr6"]]},
            "status": {"addresses": [
                {"type": "InternalIP", "address": d["ip4"]},
                {"type": "InternalIP", "address": d["ip6"]},
                {"type": "Hostname", "address": name}]}}


def pod(p, host_ports=()):
    """Pod object of topo.Pod p; host_ports: (hostPort, containerPort,
    protocol[, hostIP]) tuples."""
    ports = [{"containerPort": n, "protocol": proto}
             for n in topo.SERVER_PORTS for proto in ("TCP", "UDP")]
    for hp in host_ports:
        ports.append({"containerPort": hp[1], "hostPort": hp[0],
                      "protocol": hp[2]})
        if len(hp) > 3:
            ports[-1]["hostIP"] = hp[3]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": _meta(p.name),
            "spec": {"nodeName": p.node,
                     "containers": [{"name": "srv", "image": "e2e",
                                     "ports": ports}]},
            "status": {"phase": "Running", "podIP": p.ip4,
                       "podIPs": [{"ip": p.ip4}, {"ip": p.ip6}]}}


def klist(items):
    return {"apiVersion": "v1", "kind": "List", "items": list(items),
            "metadata": {"resourceVersion": ""}}


def base_objects(t, skip_pods=()):
    """Nodes and pods of topology t: every scenario's input starts here
    (pods named in skip_pods are left out: the scenario brings its own)."""
    return [node(n) for n in sorted(topo.NODES)] + \
        [pod(p) for _, p in sorted(t.pods.items()) if p.name not in skip_pods]

"""The e2e scenarios. Each runs once per mode (nftables, iptables) on a fresh
topology (lib/topo.py): pods p1a p1b p1c on node-1, p2a p2b on node-2, the
external client "ext". kube-nfproxy runs on node-1 unless a scenario says
otherwise. Every pod serves TCP and UDP on 8080, 8081 and 5353.
"""

import json
import socket
import time

from lib import k8s, topo
from lib.scenario import Skip, eps, peer_ip, scenario, summarise

N1 = topo.NODES["node-1"]["ip4"]
N1_6 = topo.NODES["node-1"]["ip6"]
EXT = topo.EXT_IP4
EXT_OTHER = topo.EXT_IP4_OTHER

WEB_EP_PORTS = [("http", "TCP", 8080), ("dns", "UDP", 5353)]


def web_ports(np_tcp=None, np_udp=None):
    return [k8s.port("http", "TCP", 80, 8080, np_tcp),
            k8s.port("dns", "UDP", 53, 5353, np_udp)]


def web(ctx, name, cip, pods, ep_cond=None, **svc_kw):
    """A service with an http (TCP 80->8080) and a dns (UDP 53->5353) port
    plus one EndpointSlice per cluster IP family: [service, slice...].
    cip: one cluster IP or a list (dual-stack); ep_cond: pod -> conditions;
    np_tcp/np_udp: node ports; the rest goes to k8s.service()."""
    np_tcp = svc_kw.pop("np_tcp", None)
    np_udp = svc_kw.pop("np_udp", None)
    cips = cip if isinstance(cip, (list, tuple)) else [cip]
    svc = k8s.service(name, web_ports(np_tcp, np_udp), cluster_ips=cips,
                      **svc_kw)
    objs = [svc]
    for ip in cips:
        fam = 6 if ":" in ip else 4
        endpoints = []
        for p in pods:
            cond = (ep_cond or {}).get(p, {})
            endpoints += eps(ctx, [p], family=fam, **cond)
        objs.append(k8s.endpoint_slice(name, endpoints, WEB_EP_PORTS,
                                       family=fam))
    return objs


@scenario("clusterip")
def sc_clusterip(ctx):
    """ClusterIP from a pod and from the node: every endpoint answers."""
    ctx.apply(web(ctx, "web", "10.96.0.10", ["p1a", "p1b", "p2a"]))
    every = ["p1a", "p1b", "p2a"]
    ctx.expect_pods("p1c", "10.96.0.10", 80, every, count=50)
    ctx.expect_pods("p1c", "10.96.0.10", 53, every, proto="udp", count=50)
    ctx.expect_pods("node-1", "10.96.0.10", 80, every, count=50,
                    why="node-originated traffic, OUTPUT path")
    # DNS-like: one port number, both protocols, different endpoints
    svc = k8s.service("dns", [k8s.port("dns-udp", "UDP", 53, 5353),
                              k8s.port("dns-tcp", "TCP", 53, 8081)],
                      cluster_ips=["10.96.0.9"])
    sl = k8s.endpoint_slice("dns", eps(ctx, ["p1b", "p2b"]),
                            [("dns-udp", "UDP", 5353),
                             ("dns-tcp", "TCP", 8081)])
    ctx.apply(web(ctx, "web", "10.96.0.10", every) + [svc, sl])
    ctx.expect_pods("p1c", "10.96.0.9", 53, ["p1b", "p2b"], proto="udp",
                    count=30, why="UDP 53 of a TCP+UDP port pair")
    ctx.expect_pods("p1c", "10.96.0.9", 53, ["p1b", "p2b"], count=30,
                    why="TCP 53 of a TCP+UDP port pair")


@scenario("nodeport")
def sc_nodeport(ctx):
    """NodePort from the external client on node-1's address."""
    ctx.apply(web(ctx, "web", "10.96.0.11", ["p1a", "p2a"],
                  type="NodePort", np_tcp=30080, np_udp=30053))
    ctx.expect_pods("ext", N1, 30080, ["p1a", "p2a"], count=30)
    ctx.expect_pods("ext", N1, 30053, ["p1a", "p2a"], proto="udp", count=30)


@scenario("externalips")
def sc_externalips(ctx):
    """spec.externalIPs reached from outside (router sends 198.51.100/24 to
    node-1)."""
    ctx.apply(web(ctx, "web", "10.96.0.12", ["p1a", "p2a"],
                  external_ips=["198.51.100.10"]))
    ctx.expect_pods("ext", "198.51.100.10", 80, ["p1a", "p2a"], count=30)
    ctx.expect_pods("ext", "198.51.100.10", 53, ["p1a", "p2a"], proto="udp",
                    count=30)
    ctx.expect_pods("p1c", "198.51.100.10", 80, ["p1a", "p2a"], count=30,
                    why="external IP used from inside the cluster")


@scenario("loadbalancer")
def sc_loadbalancer(ctx):
    """status.loadBalancer.ingress IP reached from outside."""
    ctx.apply(web(ctx, "web", "10.96.0.13", ["p1a", "p2a"],
                  type="LoadBalancer", np_tcp=30080, np_udp=30053,
                  lb_ips=["198.51.100.20"]))
    ctx.expect_pods("ext", "198.51.100.20", 80, ["p1a", "p2a"], count=30)
    ctx.expect_pods("ext", "198.51.100.20", 53, ["p1a", "p2a"], proto="udp",
                    count=30)


@scenario("lb_source_ranges")
def sc_lb_source_ranges(ctx):
    """loadBalancerSourceRanges: allowed source answered, others dropped."""
    ctx.apply(web(ctx, "web", "10.96.0.14", ["p1a", "p2a"],
                  type="LoadBalancer", np_tcp=30080, np_udp=30053,
                  lb_ips=["198.51.100.21"],
                  lb_source_ranges=[EXT + "/32"]))
    ctx.expect_pods("ext", "198.51.100.21", 80, ["p1a", "p2a"], count=20,
                    src=EXT, exact=False, why="source in the ranges")
    ctx.expect_outcome("ext", "198.51.100.21", 80, "timeout", src=EXT_OTHER,
                       why="source outside loadBalancerSourceRanges must be "
                       "dropped")
    ctx.expect_outcome("ext", "198.51.100.21", 53, "timeout", proto="udp",
                       src=EXT_OTHER, why="source outside "
                       "loadBalancerSourceRanges must be dropped")


@scenario("etp_local")
def sc_etp_local(ctx):
    """externalTrafficPolicy=Local: only local endpoints, client IP kept;
    no local endpoint: dropped."""
    objs = web(ctx, "local", "10.96.0.15", ["p1a", "p2a"], type="NodePort",
               np_tcp=30080, np_udp=30053, etp="Local",
               health_node_port=32000)
    objs += web(ctx, "remote-only", "10.96.0.16", ["p2a"], type="NodePort",
                np_tcp=30081, np_udp=30054, etp="Local",
                health_node_port=32001)
    objs += web(ctx, "lb-local", "10.96.0.36", ["p1a", "p2a"],
                type="LoadBalancer", np_tcp=30082, np_udp=30055, etp="Local",
                lb_ips=["198.51.100.22"], health_node_port=32002)
    ctx.apply(objs)
    outs = ctx.expect_pods("ext", "198.51.100.22", 80, ["p1a"], count=20,
                           why="LB IP with policy Local")
    seen = sorted({peer_ip(o) for o in outs if o["r"] == "answer"})
    ctx.check(seen == [EXT], "LB IP, policy Local: the pod must see the "
              "client's address %s, saw %s" % (EXT, seen))
    outs = ctx.expect_pods("ext", N1, 30080, ["p1a"], count=30,
                           why="policy Local: p2a is on node-2")
    outs += ctx.expect_pods("ext", N1, 30053, ["p1a"], proto="udp", count=10)
    seen = sorted({peer_ip(o) for o in outs if o["r"] == "answer"})
    ctx.check(seen == [EXT], "policy Local: the pod must see the client's "
              "address %s, saw %s (source NAT applied?)" % (EXT, seen))
    ctx.expect_outcome("ext", N1, 30081, "timeout",
                       why="policy Local and no endpoint on node-1: drop")
    # traffic from pods to the cluster IP still uses every endpoint
    ctx.expect_pods("p1c", "10.96.0.15", 80, ["p1a", "p2a"], count=30,
                    why="internal traffic is not subject to etp=Local")
    # pods and the node itself reaching the node port are short-circuited
    # to the cluster-wide endpoints (kube-proxy semantics), not dropped
    ctx.expect_pods("p1c", N1, 30081, ["p2a"], count=10,
                    why="pod -> etp=Local node port without a local "
                    "endpoint: short-circuit to the service")
    ctx.expect_pods("node-1", N1, 30081, ["p2a"], count=10,
                    why="node -> its own etp=Local node port: short-circuit")


@scenario("etp_cluster")
def sc_etp_cluster(ctx):
    """externalTrafficPolicy=Cluster: remote endpoints answer too, the
    source is masqueraded."""
    ctx.apply(web(ctx, "web", "10.96.0.17", ["p1a", "p2a"], type="NodePort",
                  np_tcp=30080, np_udp=30053))
    outs = ctx.expect_pods("ext", N1, 30080, ["p1a", "p2a"], count=30)
    outs += ctx.expect_pods("ext", N1, 30053, ["p1a", "p2a"], proto="udp",
                            count=30)
    bad = sorted({"%s saw %s" % (o["pod"], peer_ip(o)) for o in outs
                  if o["r"] == "answer" and peer_ip(o) == EXT})
    ctx.check(not bad, "policy Cluster: external traffic must be "
              "masqueraded, but %s" % ", ".join(bad))


@scenario("itp_local")
def sc_itp_local(ctx):
    """internalTrafficPolicy=Local: pods reach only their node's endpoints
    (proxy on both nodes)."""
    objs = web(ctx, "web", "10.96.0.18", ["p1a", "p2a"], itp="Local")
    objs += web(ctx, "only2", "10.96.0.19", ["p2a"], itp="Local")
    ctx.apply(objs, nodes=("node-1", "node-2"))
    ctx.expect_pods("p1c", "10.96.0.18", 80, ["p1a"], count=30,
                    why="node-1's only local endpoint")
    ctx.expect_pods("p2b", "10.96.0.18", 80, ["p2a"], count=30,
                    why="node-2's only local endpoint")
    ctx.expect_pods("p1c", "10.96.0.18", 53, ["p1a"], proto="udp", count=10)
    ctx.expect_outcome("p1c", "10.96.0.19", 80, "timeout",
                       why="internalTrafficPolicy=Local and no local "
                       "endpoint: drop")


@scenario("affinity")
def sc_affinity(ctx):
    """sessionAffinity ClientIP: one client always reaches one endpoint."""
    ctx.apply(web(ctx, "web", "10.96.0.20", ["p1a", "p1b", "p2a"],
                  affinity=True, affinity_timeout=600))
    for client, proto, port in (("p1c", "tcp", 80), ("p1c", "udp", 53),
                                ("node-1", "tcp", 80)):
        outs = ctx.probe(client, "10.96.0.20", port, proto, count=20)
        pods = {o.get("pod") for o in outs}
        ctx.check(all(o["r"] == "answer" for o in outs) and len(pods) == 1,
                  "%s: ClientIP affinity must pin one endpoint, got %s" % (
                      ctx.what(client, "10.96.0.20", port, proto, 20),
                      summarise(outs)))


@scenario("no_endpoints")
def sc_no_endpoints(ctx):
    """A service without endpoints is rejected at once (ICMP), not dropped."""
    objs = web(ctx, "empty", "10.96.0.21", [], type="NodePort", np_tcp=30080,
               np_udp=30053)
    objs += web(ctx, "noslice", "10.96.0.22", [])[:1]  # no EndpointSlice
    # only unready endpoints: as good as none
    objs += web(ctx, "unready", "10.96.0.23", ["p1a"],
                ep_cond={"p1a": {"ready": False}})
    ctx.apply(objs)
    why = "no endpoints: ICMP port unreachable expected"
    for ip in ("10.96.0.21", "10.96.0.22", "10.96.0.23"):
        ctx.expect_outcome("p1c", ip, 80, "refused", why=why)
    ctx.expect_outcome("p1c", "10.96.0.21", 53, "refused", proto="udp",
                       why=why)
    ctx.expect_outcome("node-1", "10.96.0.21", 80, "refused",
                       why=why + " (node-originated, OUTPUT path)")
    ctx.expect_outcome("ext", N1, 30080, "refused",
                       why=why + " (NodePort)")


@scenario("hairpin")
def sc_hairpin(ctx):
    """A pod reaches itself through its own service."""
    ctx.apply(web(ctx, "web", "10.96.0.24", ["p1a"], type="NodePort",
                  np_tcp=30080, np_udp=30053))
    ctx.expect_pods("p1a", "10.96.0.24", 80, ["p1a"], count=10,
                    why="hairpin: needs masquerade of the pod's own source")
    ctx.expect_pods("p1a", "10.96.0.24", 53, ["p1a"], proto="udp", count=10)
    ctx.expect_pods("p1a", N1, 30080, ["p1a"], count=10,
                    why="hairpin through the node port")


@scenario("udp_endpoint_removed")
def sc_udp_endpoint_removed(ctx):
    """UDP client keeps its socket; the endpoint it used is removed; the
    next datagram reaches a live endpoint (needs conntrack cleanup)."""
    if ctx.applier != "once":
        raise Skip("needs --once: stale UDP conntrack entries are the "
                   "product's to flush; NFP_APPLY=dryrun loads text with "
                   "nft/iptables-restore, which leaves conntrack alone")
    ctx.apply(web(ctx, "dns", "10.96.0.25", ["p1a", "p1b"]))
    c = ctx.t.client_popen("p1c", "session", "10.96.0.25", 53, proto="udp")
    try:
        first = json.loads(c.stdout.readline())
        ctx.check(first.get("r") == "started", "session client: %s" % first)

        def send():
            c.stdin.write("send\n")
            c.stdin.flush()
            return json.loads(c.stdout.readline())

        before = [send() for _ in range(3)]
        used = {o.get("pod") for o in before}
        if not ctx.check(all(o["r"] == "answer" for o in before) and
                         len(used) == 1,
                         "before the update one socket must stick to one "
                         "endpoint: %s" % summarise(before)):
            return
        gone = used.pop()
        live = [p for p in ("p1a", "p1b") if p != gone]
        ctx.apply(web(ctx, "dns", "10.96.0.25", live))
        after = [send() for _ in range(3)]
        ctx.check(all(o["r"] == "answer" and o["pod"] in live
                      for o in after),
                  "after removing %s (server still running there) the same "
                  "UDP socket must reach %s, got %s: stale conntrack entry "
                  "not flushed?" % (gone, live, summarise(after)))
    finally:
        try:
            c.stdin.write("quit\n")
            c.stdin.close()
        except OSError:
            pass
        c.wait(timeout=5)


@scenario("terminating_fallback")
def sc_terminating(ctx):
    """Serving-terminating endpoints are used only when no endpoint is
    ready; terminating non-serving ones never."""
    term = {"ready": False, "serving": True, "terminating": True}
    dead = {"ready": False, "serving": False, "terminating": True}
    ctx.apply(web(ctx, "web", "10.96.0.26", ["p1a", "p1b"],
                  ep_cond={"p1b": term}))
    ctx.expect_pods("p1c", "10.96.0.26", 80, ["p1a"], count=30,
                    why="a ready endpoint exists: terminating p1b unused")
    ctx.apply(web(ctx, "web", "10.96.0.26", ["p1b", "p2a"],
                  ep_cond={"p1b": term, "p2a": dead}))
    ctx.expect_pods("p1c", "10.96.0.26", 80, ["p1b"], count=30,
                    why="no ready endpoint: fall back to serving-terminating "
                    "p1b, never to non-serving p2a")
    ctx.apply(web(ctx, "web", "10.96.0.26", ["p2a"], ep_cond={"p2a": dead}))
    ctx.expect_outcome("p1c", "10.96.0.26", 80, "refused",
                       why="only a terminating non-serving endpoint: reject")


@scenario("dualstack_v6")
def sc_dualstack(ctx):
    """Dual-stack service: IPv6 cluster IP and NodePort over IPv6, IPv4
    still works."""
    ctx.apply(web(ctx, "web", ["10.96.0.27", "fd00:96::27"],
                  ["p1a", "p1b", "p2a"], type="NodePort", np_tcp=30080,
                  np_udp=30053,
                  external_ips=["198.51.100.27", "2001:db8:51::27"]))
    every = ["p1a", "p1b", "p2a"]
    outs = ctx.expect_pods("p1c", "fd00:96::27", 80, every, count=50)
    ctx.check(all(":" in peer_ip(o) for o in outs if o["r"] == "answer"),
              "IPv6 service: the endpoint must see an IPv6 client")
    ctx.expect_pods("p1c", "fd00:96::27", 53, every, proto="udp", count=50)
    ctx.expect_pods("node-1", "fd00:96::27", 80, every, count=50)
    ctx.expect_pods("ext", N1_6, 30080, every, count=50,
                    why="NodePort over IPv6")
    ctx.expect_pods("p1c", "10.96.0.27", 80, every, count=50)
    ctx.expect_pods("ext", "2001:db8:51::27", 80, every, count=50,
                    why="IPv6 external IP")
    ctx.expect_pods("ext", "2001:db8:51::27", 53, every, proto="udp",
                    count=50, why="IPv6 external IP")


@scenario("update")
def sc_update(ctx):
    """Endpoints change, the rules are applied again: only the new set
    answers."""
    ctx.apply(web(ctx, "web", "10.96.0.28", ["p1a", "p1b"]) +
              web(ctx, "gone", "10.96.0.29", ["p1a"]))
    ctx.expect_pods("p1c", "10.96.0.28", 80, ["p1a", "p1b"], count=30)
    ctx.expect_pods("p1c", "10.96.0.29", 80, ["p1a"], count=5)
    ctx.apply(web(ctx, "web", "10.96.0.28", ["p2a", "p2b"]))
    outs = ctx.probe("p1c", "10.96.0.29", 80, count=2, timeout=0.6)
    ctx.check(all(o["r"] != "answer" for o in outs),
              "service gone deleted from the input still answers: %s" %
              summarise(outs))
    ctx.expect_pods("p1c", "10.96.0.28", 80, ["p2a", "p2b"], count=30,
                    why="after the update")
    ctx.expect_pods("p1c", "10.96.0.28", 53, ["p2a", "p2b"], proto="udp",
                    count=30, why="after the update")


@scenario("atomic_updates")
def sc_atomic(ctx):
    """While updates stream in, a client of a service that always has
    endpoints never sees a refused connection."""
    sets = [["p1a", "p1b"], ["p1b", "p2a"], ["p2a"], ["p1a", "p2a", "p2b"],
            ["p1b"]]

    def objs(i):
        o = web(ctx, "stable", "10.96.0.30", sets[i % len(sets)])
        # churn: services that come and go, so every update rewrites a lot
        for j in range(i % 4 + 1):
            o += web(ctx, "churn-%d" % j, "10.96.1.%d" % (j + 1),
                     [] if (i + j) % 3 == 0 else ["p1a", "p2b"][:j % 2 + 1],
                     type="NodePort", np_tcp=30100 + j, np_udp=30200 + j)
        return o

    ctx.apply(objs(0))
    c = ctx.t.client_popen("p1c", "loop", "10.96.0.30", 80,
                           extra=["--count", "3000", "--duration", "40",
                                  "--interval", "0.005"])
    try:
        ctx.check(c.stdout.readline().strip() == "started", "loop client")
        n_updates = 12
        for i in range(1, n_updates + 1):
            ctx.apply(objs(i))
            time.sleep(0.05)
        c.stdin.write("stop\n")
        c.stdin.flush()
        res = json.loads(c.stdout.readline())
    finally:
        try:
            c.stdin.close()
        except OSError:
            pass
        c.wait(timeout=10)
    ctx.log.append("atomic: %s" % res)
    counts = res["counts"]
    ctx.check(res["attempts"] >= 20, "client made only %d attempts during "
              "%d updates: no overlap" % (res["attempts"], n_updates))
    ctx.check(set(counts) <= {"answer"},
              "during %d updates the client saw %s in %d attempts "
              "(first: %s): a window without the service's rules" % (
                  n_updates, counts, res["attempts"], res["bad"][:3]))


def sctp_in_ruleset(ctx):
    text = ctx.installed()
    if ctx.mode == "nftables":
        ok = "sctp" in text
        where = "nft list ruleset"
    else:
        ok = "-p sctp" in text
        where = "iptables-save"
    return ok, where, text


@scenario("sctp_rules")
def sc_sctp_rules(ctx):
    """SCTP service: the kernel accepts the rules and they match sctp."""
    svc = k8s.service("sctp", [k8s.port("s", "SCTP", 9000, 9000, 30900)],
                      type="NodePort", cluster_ips=["10.96.0.31"])
    sl = k8s.endpoint_slice("sctp", eps(ctx, ["p1a", "p2a"]),
                            [("s", "SCTP", 9000)])
    ctx.apply([svc, sl])  # ApplyError here = the kernel refused the rules
    ok, where, text = sctp_in_ruleset(ctx)
    ctx.check(ok, "no sctp match in %s after applying an SCTP service" %
              where)
    if ctx.mode == "nftables":
        ctx.check("10.96.0.31" in text and "9000" in text,
                  "SCTP cluster IP 10.96.0.31 port 9000 not in %s" % where)
    else:
        ctx.check("10.96.0.31/32" in text and "--dport 9000" in text,
                  "SCTP cluster IP 10.96.0.31 port 9000 not in %s" % where)


@scenario("sctp_socket", topology=False)
def sc_sctp_socket(ctx):
    """SCTP with real packets (needs SCTP sockets in the kernel)."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM,
                          socket.IPPROTO_SCTP)
        s.close()
    except OSError as e:
        raise Skip("this kernel has no SCTP sockets (socket(AF_INET, "
                   "SOCK_STREAM, IPPROTO_SCTP): %s); SCTP is checked at "
                   "ruleset level by sctp_rules" % e.strerror)
    raise Skip("SCTP sockets exist but the SCTP packet check is not "
               "written yet; sctp_rules covers the ruleset")


# ---- beyond the list: features the product has (flags, hostPort,
# ---- egress masquerade)

@scenario("egress_masq", stand_in=False)
def sc_egress_masq(ctx):
    """Pod traffic leaving the cluster is masqueraded to the node's address
    (default --egress-masquerade); pod-to-pod traffic is not."""
    ctx.apply(web(ctx, "web", "10.96.0.32", ["p1a"]))
    for proto in ("tcp", "udp"):
        outs = ctx.expect_pods("p1a", EXT, 8080, ["ext"], proto=proto,
                               count=5, why="egress to a non-cluster address")
        seen = sorted({peer_ip(o) for o in outs if o["r"] == "answer"})
        ctx.check(not seen or seen == [N1], "egress %s: the external host "
                  "must see node-1's %s, saw %s" % (proto, N1, seen))
        outs = ctx.expect_pods("p1a", ctx.pods["p2a"].ip4, 8080, ["p2a"],
                               proto=proto, count=5)
        seen = sorted({peer_ip(o) for o in outs if o["r"] == "answer"})
        ctx.check(not seen or seen == [ctx.pods["p1a"].ip4],
                  "pod to pod (%s) must keep the pod's source %s, saw %s" % (
                      proto, ctx.pods["p1a"].ip4, seen))
    ctx.apply(web(ctx, "web", "10.96.0.32", ["p1a"]),
              extra=["--egress-masquerade=false"])
    ctx.expect_outcome("p1a", EXT, 8080, "timeout",
                       why="--egress-masquerade=false: the external network "
                       "has no route back to the pod CIDR")


@scenario("masquerade_all", stand_in=False)
def sc_masquerade_all(ctx):
    """--masquerade-all: cluster-IP traffic from pods is masqueraded too."""
    p1c = ctx.pods["p1c"].ip4
    ctx.apply(web(ctx, "web", "10.96.0.33", ["p2a"]))
    outs = ctx.expect_pods("p1c", "10.96.0.33", 80, ["p2a"], count=5)
    seen = sorted({peer_ip(o) for o in outs if o["r"] == "answer"})
    ctx.check(not seen or seen == [p1c], "without --masquerade-all the "
              "endpoint must see the pod's %s, saw %s" % (p1c, seen))
    ctx.apply(web(ctx, "web", "10.96.0.33", ["p2a"]),
              extra=["--masquerade-all"])
    outs = ctx.expect_pods("p1c", "10.96.0.33", 80, ["p2a"], count=5)
    outs += ctx.expect_pods("p1c", "10.96.0.33", 53, ["p2a"], proto="udp",
                            count=5)
    seen = sorted({peer_ip(o) for o in outs if o["r"] == "answer"})
    ctx.check(not seen or seen == [N1], "with --masquerade-all the endpoint "
              "on node-2 must see node-1's %s, saw %s" % (N1, seen))


@scenario("nodeport_addresses", stand_in=False)
def sc_nodeport_addresses(ctx):
    """--nodeport-addresses limits node ports to the listed CIDRs' local
    addresses."""
    objs = web(ctx, "web", "10.96.0.34", ["p1a", "p2a"], type="NodePort",
               np_tcp=30080, np_udp=30053)
    gw = topo.NODES["node-1"]["gw4"]
    ctx.apply(objs)
    ctx.expect_pods("p1c", gw, 30080, ["p1a", "p2a"], count=20,
                    why="default: every local address takes node ports")
    ctx.apply(objs, extra=["--nodeport-addresses", "192.168.50.0/24"])
    ctx.expect_pods("ext", N1, 30080, ["p1a", "p2a"], count=20)
    ctx.expect_pods("p1c", N1, 30080, ["p1a", "p2a"], count=20,
                    why="node address from a pod")
    ctx.expect_outcome("p1c", gw, 30080, "refused",
                       why="10.244.0.1 is outside --nodeport-addresses: the "
                       "node's own stack answers (RST), no DNAT")


@scenario("hostport", stand_in=False)
def sc_hostport(ctx):
    """hostPort of a running pod on this node is reachable on the node's
    address; another node's hostPort is not."""
    ctx.apply(web(ctx, "web", "10.96.0.35", ["p1a"]) + [
        k8s.pod(ctx.pods["p1b"], host_ports=[(9080, 8080, "TCP"),
                                              (9053, 5353, "UDP")]),
        k8s.pod(ctx.pods["p2a"], host_ports=[(9081, 8080, "TCP")])])
    ctx.expect_pods("ext", N1, 9080, ["p1b"], count=5)
    ctx.expect_pods("ext", N1, 9053, ["p1b"], proto="udp", count=5)
    ctx.expect_pods("p1c", N1, 9080, ["p1b"], count=5,
                    why="hostPort from a pod on the same node")
    ctx.expect_outcome("ext", N1, 9081, "refused",
                       why="p2a runs on node-2: no hostPort rule on node-1")

#!/usr/bin/python3
"""Stand-in for `kube-nfproxy --dry-run`, for developing the e2e harness.

NOT the product: a small reference compiler with kube-proxy's semantics
(ready / serving-terminating fallback, traffic policies, affinity, source
ranges, reject / drop) that prints an nft -f ruleset (--mode=nftables) or an
iptables-restore text with "# family ipv4/ipv6" sections (--mode=iptables).
It lets the harness prove that its checks can pass on a correct ruleset:

    NFP_BIN=tests/e2e/lib/fakeproxy.py tests/e2e/run.sh
"""

import argparse
import hashlib
import ipaddress
import json
import os
import random
import sys

# Deliberate bugs, to prove that the harness catches them (comma-separated):
# no-masq no-reject no-fw etp-ignored no-affinity no-terminating
# random-names flap no-ct-flush (--once only)
BUGS = set(filter(None, os.environ.get("FAKE_BUG", "").split(",")))

MASQ_MARK = 0x4000


def pick(eps):
    ready = [e for e in eps if e["ready"]]
    if ready or "no-terminating" in BUGS:
        return ready
    return [e for e in eps if e["serving"] and e["terminating"]]


def build_plan(objs, node, cluster_cidrs):
    svcs = [o for o in objs if o.get("kind") == "Service"]
    slices = [o for o in objs if o.get("kind") == "EndpointSlice"]
    plan = []
    for s in svcs:
        spec = s["spec"]
        name = "%s/%s" % (s["metadata"]["namespace"], s["metadata"]["name"])
        if spec.get("clusterIP") in (None, "None", ""):
            continue
        for cip in spec.get("clusterIPs") or [spec["clusterIP"]]:
            fam = 6 if ":" in cip else 4
            for p in spec["ports"]:
                eps = []
                for sl in slices:
                    lab = sl["metadata"].get("labels", {})
                    if lab.get("kubernetes.io/service-name") != \
                            s["metadata"]["name"]:
                        continue
                    if sl["addressType"] != ("IPv6" if fam == 6 else "IPv4"):
                        continue
                    ports = [q for q in sl.get("ports") or []
                             if q.get("name", "") == p.get("name", "")]
                    if not ports:
                        continue
                    for e in sl.get("endpoints") or []:
                        c = e.get("conditions", {})
                        ready = c.get("ready", True)
                        eps.append({
                            "ip": e["addresses"][0], "port": ports[0]["port"],
                            "ready": ready,
                            "serving": c.get("serving", ready),
                            "terminating": c.get("terminating", False),
                            "local": e.get("nodeName") == node})
                eps.sort(key=lambda e: (e["ip"], e["port"]))
                ext_local = spec.get("externalTrafficPolicy") == "Local" \
                    and "etp-ignored" not in BUGS
                if "flap" in BUGS and random.random() < 0.5:
                    eps = []
                int_local = spec.get("internalTrafficPolicy") == "Local"
                all_eps = pick(eps)
                local = pick([e for e in eps if e["local"]])
                internal = local if int_local else all_eps
                external = local if ext_local else all_eps

                def action(chosen):
                    if not all_eps:
                        return "reject"
                    return "forward" if chosen else "drop"
                aff = 0
                if spec.get("sessionAffinity") == "ClientIP" and \
                        "no-affinity" not in BUGS:
                    aff = spec.get("sessionAffinityConfig", {}).get(
                        "clientIP", {}).get("timeoutSeconds", 10800)
                ing = (s.get("status", {}).get("loadBalancer", {})
                       .get("ingress") or [])
                pid = "%s:%s" % (name, p.get("name") or p["port"])
                plan.append({
                    "id": pid, "fam": fam,
                    "hash": hashlib.sha256(("%s/%d" % (pid, fam)).encode())
                    .hexdigest()[:8].upper(),
                    "proto": p.get("protocol", "TCP").lower(),
                    "cip": cip, "port": p["port"],
                    "node_port": p.get("nodePort", 0)
                    if spec.get("type") in ("NodePort", "LoadBalancer") else 0,
                    "ext_ips": [ip for ip in spec.get("externalIPs", [])
                                if (":" in ip) == (fam == 6)],
                    "lb_ips": [i["ip"] for i in ing
                               if "ip" in i and
                               (":" in i["ip"]) == (fam == 6)],
                    "ranges": [r for r in spec.get("loadBalancerSourceRanges",
                                                   [])
                               if (":" in r) == (fam == 6)
                               and "no-fw" not in BUGS],
                    "ext_local": ext_local, "aff": aff,
                    "int_action": action(internal), "internal": internal,
                    "ext_action": action(external), "external": external})
    plan.sort(key=lambda x: (x["fam"], x["id"]))
    return plan


# ---------------------------------------------------------------- nftables
def nft_text(plan, fam, cidrs):
    ipk = "ip6" if fam == 6 else "ip"
    addr_t = "ipv6_addr" if fam == 6 else "ipv4_addr"
    cidr = ", ".join(c for c in cidrs if (":" in c) == (fam == 6))
    svcs = [s for s in plan if s["fam"] == fam]
    L = []
    a = L.append

    def hostport(ip, port):
        return "[%s]:%d" % (ip, port) if fam == 6 else "%s:%d" % (ip, port)

    a("table %s kube-nfproxy {" % ipk)
    a("\tchain mark-for-masq {\n\t\tmeta mark set meta mark | 0x%x\n\t}" %
      MASQ_MARK)
    a("\tchain masquerading {\n\t\tmeta mark & 0x%x == 0 return\n"
      "\t\tmeta mark set meta mark ^ 0x%x\n\t\t%s\n\t}"
      % (MASQ_MARK, MASQ_MARK, "accept" if "no-masq" in BUGS else
         "masquerade fully-random"))
    if "random-names" in BUGS:
        a("\tchain junk-%d {\n\t}" % random.randrange(1 << 30))
    a("\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority "
      "dstnat; policy accept;\n\t\tjump services\n\t}")
    a("\tchain nat-output {\n\t\ttype nat hook output priority -100; "
      "policy accept;\n\t\tjump services\n\t}")
    a("\tchain nat-postrouting {\n\t\ttype nat hook postrouting priority "
      "srcnat; policy accept;\n\t\tjump masquerading\n\t}")
    a("\tchain filter-prerouting {\n\t\ttype filter hook prerouting "
      "priority dstnat - 10; policy accept;\n\t\tjump firewall-check\n\t}")
    a("\tchain filter-output-pre-dnat {\n\t\ttype filter hook output "
      "priority -110; policy accept;\n\t\tjump firewall-check\n\t}")
    for hook in ("input", "forward", "output"):
        a("\tchain filter-%s {\n\t\ttype filter hook %s priority filter - "
          "10; policy accept;\n\t\tct state new jump reject-check\n\t}" %
          (hook, hook))

    svc_ips, nodeports, fw_ips, no_ep, no_ep_np = [], [], [], [], []
    for s in svcs:
        h = s["hash"]
        key = "%s . %s . %d" % (s["cip"], s["proto"], s["port"])
        if s["int_action"] == "reject":
            no_ep.append(key + " : goto reject-chain")
            for ip in s["ext_ips"] + s["lb_ips"]:
                no_ep.append("%s . %s . %d : goto reject-chain" %
                             (ip, s["proto"], s["port"]))
            if s["node_port"]:
                no_ep_np.append("%s . %d : goto reject-chain" %
                                (s["proto"], s["node_port"]))
            continue
        svc_ips.append(key + " : goto svc-" + h)
        for ip in s["ext_ips"] + s["lb_ips"]:
            svc_ips.append("%s . %s . %d : goto ext-%s" %
                           (ip, s["proto"], s["port"], h))
        if s["node_port"]:
            nodeports.append("%s . %d : goto ext-%s" %
                             (s["proto"], s["node_port"], h))
        if s["ranges"]:
            for ip in s["lb_ips"]:
                fw_ips.append("%s . %s . %d : goto fw-%s" %
                              (ip, s["proto"], s["port"], h))
            a("\tchain fw-%s {\n\t\t%s saddr { %s } return\n\t\tdrop\n\t}" %
              (h, ipk, ", ".join(s["ranges"])))

        def ep_chains(kind, eps, pre):
            rules = list(pre)
            if s["aff"]:
                for i, e in enumerate(eps):
                    rules.append("%s saddr @aff-%s-%s-%d goto ep-%s-%s-%d" %
                                 (ipk, kind, h, i, kind, h, i))
            if not eps:
                rules.append("drop")
            else:
                rules.append("numgen random mod %d vmap { %s }" % (
                    len(eps), ", ".join("%d : goto ep-%s-%s-%d" %
                                        (i, kind, h, i)
                                        for i in range(len(eps)))))
            a("\tchain %s-%s {\n%s\n\t}" % (
                kind, h, "\n".join("\t\t" + r for r in rules)))
            for i, e in enumerate(eps):
                r = ["%s saddr %s jump mark-for-masq" % (ipk, e["ip"])]
                if s["aff"]:
                    a("\tset aff-%s-%s-%d {\n\t\ttype %s\n\t\tflags dynamic,"
                      "timeout\n\t\ttimeout %ds\n\t}" %
                      (kind, h, i, addr_t, s["aff"]))
                    r.append("update @aff-%s-%s-%d { %s saddr }" %
                             (kind, h, i, ipk))
                r.append("meta l4proto %s dnat to %s" %
                         (s["proto"], hostport(e["ip"], e["port"])))
                a("\tchain ep-%s-%s-%d {\n%s\n\t}" % (
                    kind, h, i, "\n".join("\t\t" + x for x in r)))

        ep_chains("svc", s["internal"],
                  ["%s saddr != { %s } jump mark-for-masq" % (ipk, cidr)])
        if s["ext_local"] and s["ext_action"] != "reject":
            pre = ["%s saddr { %s } goto svc-%s" % (ipk, cidr, h),
                   "fib saddr type local jump mark-for-masq",
                   "fib saddr type local goto svc-%s" % h]
        else:
            pre = ["jump mark-for-masq"]
        ep_chains("ext", s["external"], pre)

    def vmap(name, typ, elems):
        a("\tmap %s {\n\t\ttype %s : verdict\n%s\t}" % (
            name, typ, "\t\telements = { %s }\n" % ", ".join(elems)
            if elems else ""))
    vmap("service-ips", "%s . inet_proto . inet_service" % addr_t, svc_ips)
    vmap("service-nodeports", "inet_proto . inet_service", nodeports)
    vmap("firewall-ips", "%s . inet_proto . inet_service" % addr_t, fw_ips)
    vmap("no-endpoint-services", "%s . inet_proto . inet_service" % addr_t,
         no_ep)
    vmap("no-endpoint-nodeports", "inet_proto . inet_service", no_ep_np)
    lo = "::1" if fam == 6 else "127.0.0.0/8"
    a("\tchain services {\n\t\t%s daddr . meta l4proto . th dport vmap "
      "@service-ips\n\t\tfib daddr type local %s daddr != %s meta l4proto . "
      "th dport vmap @service-nodeports\n\t}" % (ipk, ipk, lo))
    a("\tchain firewall-check {\n\t\t%s daddr . meta l4proto . th dport "
      "vmap @firewall-ips\n\t}" % ipk)
    a("\tchain reject-check {\n\t\t%s daddr . meta l4proto . th dport vmap "
      "@no-endpoint-services\n\t\tfib daddr type local meta l4proto . th "
      "dport vmap @no-endpoint-nodeports\n\t}" % ipk)
    a("\tchain reject-chain {\n\t\t%s\n\t}" %
      ("drop" if "no-reject" in BUGS else "reject"))
    a("}")
    return "\n".join(L) + "\n"


# ---------------------------------------------------------------- iptables
def ipt_text(plan, fam, cidrs):
    cidr = [c for c in cidrs if (":" in c) == (fam == 6)]
    plen = 128 if fam == 6 else 32
    svcs = [s for s in plan if s["fam"] == fam]
    nat, flt, chains_nat, chains_flt = [], [], [], []

    def hostport(ip, port):
        return "[%s]:%d" % (ip, port) if fam == 6 else "%s:%d" % (ip, port)

    def m(s, extra=""):
        return '-p %s -m %s --dport %d -m comment --comment "%s"%s' % (
            s["proto"], s["proto"], s["port"], s["id"], extra)

    for c in ("NFP-SERVICES", "NFP-NODEPORTS", "NFP-MARK-MASQ",
              "NFP-POSTROUTING"):
        chains_nat.append(c)
    for c in ("NFP-SERVICES", "NFP-EXTERNAL-SERVICES", "NFP-FIREWALL"):
        chains_flt.append(c)
    nat += ["-A PREROUTING -j NFP-SERVICES", "-A OUTPUT -j NFP-SERVICES",
            "-A POSTROUTING -j NFP-POSTROUTING",
            "-A NFP-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
            "-A NFP-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
            "-A NFP-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
            "-A NFP-POSTROUTING -j MASQUERADE --random-fully"]
    flt += ["-A INPUT -m conntrack --ctstate NEW -j NFP-EXTERNAL-SERVICES",
            "-A INPUT -m conntrack --ctstate NEW -j NFP-SERVICES",
            "-A FORWARD -m conntrack --ctstate NEW -j NFP-SERVICES",
            "-A OUTPUT -m conntrack --ctstate NEW -j NFP-SERVICES",
            "-A INPUT -j NFP-FIREWALL", "-A FORWARD -j NFP-FIREWALL",
            "-A OUTPUT -j NFP-FIREWALL"]
    rej = "-j REJECT --reject-with %s" % (
        "icmp6-port-unreachable" if fam == 6 else "icmp-port-unreachable")
    tail_nat = []
    for s in svcs:
        h = s["hash"]
        dst = "-d %s/%d" % (s["cip"], plen)
        if s["int_action"] == "reject":
            flt.append("-A NFP-SERVICES %s %s %s" % (dst, m(s), rej))
            for ip in s["ext_ips"] + s["lb_ips"]:
                flt.append("-A NFP-EXTERNAL-SERVICES -d %s/%d %s %s" %
                           (ip, plen, m(s), rej))
            if s["node_port"]:
                flt.append('-A NFP-EXTERNAL-SERVICES -m addrtype --dst-type '
                           'LOCAL -p %s -m %s --dport %d -m comment '
                           '--comment "%s" %s' % (s["proto"], s["proto"],
                                                  s["node_port"], s["id"],
                                                  rej))
            continue

        def ep_chains(kind, eps, pre):
            c = "NFP-%s-%s" % (kind, h)
            chains_nat.append(c)
            rules = ["-A %s %s" % (c, r) for r in pre]
            for i, e in enumerate(eps):
                sep = "NFP-SEP-%s-%s-%d" % (kind, h, i)
                chains_nat.append(sep)
                rules_sep = ["-A %s -s %s/%d -j NFP-MARK-MASQ" %
                             (sep, e["ip"], plen)]
                if s["aff"]:
                    rules.append("-A %s -m recent --name %s --mask %s "
                                 "--rcheck --seconds %d --reap -j %s" % (
                                     c, sep, "ffff:ffff:ffff:ffff:ffff:ffff:"
                                     "ffff:ffff" if fam == 6 else
                                     "255.255.255.255", s["aff"], sep))
                    rules_sep.append("-A %s -p %s -m recent --set --name %s "
                                     "--mask %s --rsource -m %s -j DNAT "
                                     "--to-destination %s" % (
                                         sep, s["proto"], sep,
                                         "ffff:ffff:ffff:ffff:ffff:ffff:"
                                         "ffff:ffff" if fam == 6 else
                                         "255.255.255.255", s["proto"],
                                         hostport(e["ip"], e["port"])))
                else:
                    rules_sep.append("-A %s -p %s -m %s -j DNAT "
                                     "--to-destination %s" % (
                                         sep, s["proto"], s["proto"],
                                         hostport(e["ip"], e["port"])))
                tail_nat.extend(rules_sep)
            n = len(eps)
            for i in range(n):
                sep = "NFP-SEP-%s-%s-%d" % (kind, h, i)
                if i < n - 1:
                    rules.append("-A %s -m statistic --mode random "
                                 "--probability %.10f -j %s" %
                                 (c, 1.0 / (n - i), sep))
                else:
                    rules.append("-A %s -j %s" % (c, sep))
            if not eps:
                rules.append("-A %s -j MARK --set-xmark 0x8000/0x8000" % c)
            tail_nat.extend(rules)
            return c

        svc_c = ep_chains("SVC", s["internal"],
                          ["! -s %s -j NFP-MARK-MASQ" % x for x in cidr])
        if s["ext_local"]:
            pre = ["-s %s -j NFP-SVC-%s" % (x, h) for x in cidr]
            pre += ["-m addrtype --src-type LOCAL -j NFP-MARK-MASQ",
                    "-m addrtype --src-type LOCAL -j NFP-SVC-%s" % h]
        else:
            pre = ["-j NFP-MARK-MASQ"]
        ext_c = ep_chains("EXT", s["external"], pre)
        nat.append("-A NFP-SERVICES %s %s -j %s" % (dst, m(s), svc_c))
        for ip in s["ext_ips"] + s["lb_ips"]:
            target = ext_c
            if ip in s["lb_ips"] and s["ranges"]:
                target = "NFP-FW-%s" % h
            nat.append("-A NFP-SERVICES -d %s/%d %s -j %s" %
                       (ip, plen, m(s), target))
        if s["lb_ips"] and s["ranges"]:
            chains_nat.append("NFP-FW-%s" % h)
            for r in s["ranges"]:
                tail_nat.append("-A NFP-FW-%s -s %s -j %s" % (h, r, ext_c))
            tail_nat.append("-A NFP-FW-%s -j MARK --set-xmark "
                            "0x8000/0x8000" % h)
        if s["node_port"]:
            nat.append('-A NFP-NODEPORTS -p %s -m %s --dport %d -m comment '
                       '--comment "%s" -j %s' % (s["proto"], s["proto"],
                                                 s["node_port"], s["id"],
                                                 ext_c))
    flt.append("-A NFP-FIREWALL -m mark --mark 0x8000/0x8000 -j DROP")
    nat.append("-A NFP-SERVICES -m addrtype --dst-type LOCAL -j "
               "NFP-NODEPORTS")
    out = ["*filter"] + [":%s - [0:0]" % c for c in chains_flt] + flt + \
        ["COMMIT", "*nat"] + [":%s - [0:0]" % c for c in chains_nat] + \
        nat + tail_nat + ["COMMIT"]
    return "\n".join(out) + "\n"


def in_harness_netns():
    me = os.stat("/proc/self/ns/net")
    try:
        names = os.listdir("/run/netns")
    except OSError:
        return False
    for n in names:
        if n.startswith("nfpe2e"):
            st = os.stat(os.path.join("/run/netns", n))
            if (st.st_dev, st.st_ino) == (me.st_dev, me.st_ino):
                return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--mode", default="iptables")
    ap.add_argument("--input", required=True)
    ap.add_argument("--hostname-override", required=True)
    ap.add_argument("--cluster-cidr", default="")
    ap.add_argument("--nodeport-addresses", default="")
    ap.add_argument("--masquerade-all", action="store_true")
    ap.add_argument("--once", action="store_true")
    args = ap.parse_args()
    if args.dry_run == args.once:
        print("fakeproxy: give --dry-run or --once", file=sys.stderr)
        return 2
    if args.once and not in_harness_netns():
        print("fakeproxy: --once only runs inside a namespace of the e2e "
              "harness (/run/netns/nfpe2e*)", file=sys.stderr)
        return 2
    with open(args.input) as f:
        data = json.load(f)
    objs = data["items"] if data.get("kind") == "List" else [data]
    cidrs = [str(ipaddress.ip_network(c)) for c in
             args.cluster_cidr.split(",") if c]
    plan = build_plan(objs, args.hostname_override, cidrs)
    if args.mode == "nftables":
        text = nft_text(plan, 4, cidrs) + nft_text(plan, 6, cidrs)
    else:
        text = ("# family ipv4\n" + ipt_text(plan, 4, cidrs) +
                "# family ipv6\n" + ipt_text(plan, 6, cidrs))
    if args.dry_run:
        sys.stdout.write(text)
        return 0
    return once(args.mode, text, plan)


def once(mode, text, plan):
    """Load text into the current (non-root) netns, then forget the UDP
    flows of every service (coarser than the product has to be)."""
    import subprocess
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from lib import proxy
    if mode == "nftables":
        jobs = [(["nft", "-f", "-"], proxy.nft_replacing(text))]
    else:
        v4, v6 = proxy.ipt_split(text)
        jobs = [(["iptables-legacy-restore"], v4),
                (["ip6tables-legacy-restore"], v6)]
    for argv, inp in jobs:
        p = subprocess.run(argv, input=inp, text=True, capture_output=True)
        if p.returncode:
            sys.stderr.write(p.stderr)
            return 1
    for s in plan:
        if s["proto"] == "udp" and "no-ct-flush" not in BUGS:
            subprocess.run(["conntrack", "-D", "-f",
                            "ipv6" if s["fam"] == 6 else "ipv4", "-p", "udp",
                            "--orig-dst", s["cip"]], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""kube-nfproxy end-to-end scenarios with real packets in network namespaces.

Usage: run.sh [-m nftables|iptables] [-k NAME[,NAME]] [--list] [--keep] [-v]

Every scenario runs in each mode on a topology of its own and prints
PASS/FAIL/SKIP with the reason; the last line is "N passed, N failed,
N skipped". Env: NFP_BIN (binary, default ./kube-nfproxy at the repo root),
NFP_APPLY (dryrun|once, default: once when --help mentions --once).
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import k8s, proxy, topo  # noqa: E402
from lib.scenario import REGISTRY, Ctx, Skip  # noqa: E402
import scenarios  # noqa: E402,F401  (registers the scenarios)

MODES = ("nftables", "iptables")
MAX_REASON_LINES = 14  # per scenario on the terminal; the rest in files
SCENARIO_TIMEOUT = 90  # seconds: a hung scenario fails instead of hanging


class ScenarioTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise ScenarioTimeout("scenario took more than %ds" % SCENARIO_TIMEOUT)


def on_term(signum, frame):
    raise SystemExit("terminated by signal %d" % signum)


def preflight(mode, applier, prefix, workdir):
    """None if `kube-nfproxy --dry-run` (and, for the once applier,
    `--once` in a scratch namespace) works for mode, else the reason."""
    b = proxy.nfp_bin()
    if not os.access(b, os.X_OK):
        return "no executable %s (set NFP_BIN or run make)" % b
    t = topo.Topology(prefix + "pf%s-" % mode[:3])
    path = os.path.join(workdir, "preflight.json")
    svc = k8s.service("pf", [k8s.port("p", "TCP", 80, 8080)],
                      cluster_ips=["10.96.0.2"])
    sl = k8s.endpoint_slice("pf", [k8s.endpoint(t.pods["p1a"])],
                            [("p", "TCP", 8080)])
    with open(path, "w") as f:
        json.dump(k8s.klist(k8s.base_objects(t) + [svc, sl]), f)
    ns = t.prefix + "node"
    t.add_ns(ns)
    try:
        proxy.dry_run(t, ns, mode, path, "node-1")
    except (proxy.ApplyError, topo.CmdError) as e:
        return "kube-nfproxy --dry-run cannot produce rulesets yet: %s" % e
    try:
        proxy.APPLIERS[applier](t, ns, mode, path, "node-1")
    except (proxy.ApplyError, topo.CmdError) as e:
        hint = "; NFP_APPLY=dryrun tests the rules through --dry-run" \
            if applier == "once" else ""
        return "applier %s does not work: %s%s" % (applier, e, hint)
    finally:
        t.destroy()
    return None


def collect_diagnostics(ctx, sdir):
    """Save what a person needs to route a failure: per node the installed
    rules with counters, the conntrack table, and the dry-run text."""
    t = ctx.t
    for node, (path, extra) in sorted(ctx.applied.items()):
        ns = t.node_ns[node]
        cmds = {"conntrack": ["conntrack", "-L"]}
        if ctx.mode == "nftables":
            cmds["ruleset"] = ["nft", "list", "ruleset"]
        else:
            cmds["ruleset"] = ["sh", "-c", "iptables-legacy-save -c; "
                               "ip6tables-legacy-save -c"]
        for what, argv in cmds.items():
            p = t.ns_exec(ns, argv, check=False)
            with open(os.path.join(sdir, "%s.%s.txt" % (node, what)),
                      "w") as f:
                f.write(p.stdout + p.stderr)
        try:
            text = proxy.dry_run(t, ns, ctx.mode, path, node, extra)
        except (proxy.ApplyError, topo.CmdError) as e:
            text = str(e)
        with open(os.path.join(sdir, "%s.dry-run.txt" % node), "w") as f:
            f.write(text)


def run_one(sc, mode, applier, prefix, workdir, args):
    """Returns (status, reason, seconds)."""
    t0 = time.monotonic()
    t = topo.Topology(prefix)
    sdir = os.path.join(workdir, "%s-%s" % (mode, sc.name))
    os.makedirs(sdir, exist_ok=True)
    ctx = Ctx(t, mode, applier, sdir, verbose=args.verbose)
    status, reason = "PASS", ""
    signal.alarm(SCENARIO_TIMEOUT)
    try:
        if not sc.stand_in and os.path.basename(proxy.nfp_bin()) == \
                "fakeproxy.py":
            raise Skip("the stand-in lib/fakeproxy.py does not implement it")
        if sc.topology:
            t.build()
            t.sanity()
        sc.fn(ctx)
        if sc.topology and ctx.applied and not ctx.failures:
            ctx.compare_rulesets()
        if ctx.failures:
            status, reason = "FAIL", "\n".join(ctx.failures)
    except Skip as e:
        status, reason = "SKIP", str(e)
    except (proxy.ApplyError, topo.CmdError, ScenarioTimeout) as e:
        status, reason = "FAIL", str(e)
    except Exception:  # noqa: BLE001 - a harness bug is a failure too
        status, reason = "FAIL", "harness error:\n" + traceback.format_exc()
    finally:
        signal.alarm(0)
        if status == "FAIL" and t.created:
            try:
                collect_diagnostics(ctx, sdir)
                reason += ("\n(rules, conntrack, dry-run text, probes: %s)" %
                           sdir)
            except Exception as e:  # noqa: BLE001
                reason += "\n(diagnostics failed: %s)" % e
        if status == "FAIL" and args.keep:
            print("  kept namespaces: %s" % " ".join(t.created))
            for name in list(t.servers):
                t.stop_server(name)
        else:
            t.destroy()
    if status == "FAIL" or args.verbose:
        with open(os.path.join(sdir, "probes.log"), "w") as f:
            f.write("\n".join(ctx.log) + "\n")
        if args.verbose:
            for line in ctx.log:
                print("    " + line)
    return status, reason, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-m", "--mode", action="append", choices=MODES)
    ap.add_argument("-k", "--only", default="",
                    help="comma-separated scenario names (substring match)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true",
                    help="keep the namespaces of failed scenarios")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    wanted = [w for w in args.only.split(",") if w]
    chosen = [s for s in REGISTRY
              if not wanted or any(w in s.name for w in wanted)]
    if args.list:
        for s in REGISTRY:
            print("%-22s %s" % (s.name, s.doc))
        return 0
    if os.geteuid() != 0:
        print("e2e: must run as root (network namespaces)", file=sys.stderr)
        return 2
    if not chosen:
        print("e2e: no scenario matches %r" % args.only, file=sys.stderr)
        return 2

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    gone = topo.janitor()
    if gone:
        print("janitor: deleted %d leftover namespaces" % len(gone))
    prefix = "%s%d-" % (topo.NS_MARK, os.getpid())
    workdir = tempfile.mkdtemp(prefix="nfp-e2e-")
    applier = proxy.applier_name()
    print("e2e: binary %s, applier %s, work dir %s" % (proxy.nfp_bin(),
                                                       applier, workdir))
    modes = args.mode or list(MODES)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    t_start = time.monotonic()
    interrupted = None
    try:
        for mode in modes:
            broken = preflight(mode, applier, prefix, workdir)
            for sc in chosen:
                if broken and sc.topology:
                    status, reason, secs = "FAIL", broken, 0.0
                else:
                    status, reason, secs = run_one(sc, mode, applier, prefix,
                                                   workdir, args)
                counts[status] += 1
                line = "%s %s/%s (%.1fs)" % (status, mode, sc.name, secs)
                if reason:
                    first, *rest = reason.splitlines()
                    if len(rest) > MAX_REASON_LINES:
                        rest = rest[:MAX_REASON_LINES] + [
                            "... (%d more lines in the work dir)" %
                            (len(rest) - MAX_REASON_LINES)]
                    line += ": " + first
                    line += "".join("\n    " + r for r in rest)
                print(line, flush=True)
    except (SystemExit, KeyboardInterrupt) as e:
        interrupted = str(e) or "interrupted"
        counts["FAIL"] += 1
        print("FAIL run interrupted: %s" % interrupted, flush=True)
    finally:
        for name in topo.list_netns():
            if name.startswith(prefix) and not args.keep:
                topo.del_ns(name)
    print("e2e: %.0fs, logs in %s" % (time.monotonic() - t_start, workdir))
    if counts["FAIL"] == 0 and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (counts["PASS"],
                                                counts["FAIL"],
                                                counts["SKIP"]))
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())

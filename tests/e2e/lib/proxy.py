"""Running kube-nfproxy, applying its rules, reading back the kernel's.

Appliers (NFP_APPLY):
  dryrun  run `kube-nfproxy --dry-run` inside the node namespace and load its
          text there with `nft -f` (one transaction: the text replaces the
          tables it names) or iptables-legacy-restore/ip6tables-legacy-restore
  once    run `kube-nfproxy --once` inside the node namespace
Default: once if `kube-nfproxy --help` mentions --once, else dryrun.

Installed rules are compared with what --dry-run prints for the same input:
the dry-run text is loaded into a scratch namespace and listed there with the
same tool, and both listings are normalised (counters, dynamic set elements,
comment quoting, save-time headers) before diffing.
"""

import difflib
import os
import re
import subprocess

from . import topo

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                    ".."))


class ApplyError(RuntimeError):
    pass


def nfp_bin():
    return os.path.abspath(os.environ.get("NFP_BIN") or
                           os.path.join(REPO, "kube-nfproxy"))


def help_text():
    try:
        p = subprocess.run([nfp_bin(), "--help"], capture_output=True,
                           text=True, timeout=10)
    except OSError as e:
        return "cannot run %s: %s" % (nfp_bin(), e)
    return p.stdout + p.stderr


def applier_name():
    a = os.environ.get("NFP_APPLY")
    if a:
        if a not in ("dryrun", "once"):
            raise SystemExit("NFP_APPLY must be dryrun or once, not %r" % a)
        return a
    return "once" if "--once" in help_text() else "dryrun"


def proxy_argv(mode, input_path, node, extra=()):
    return [nfp_bin(), "--mode=" + mode, "--input", input_path,
            "--hostname-override", node, "--cluster-cidr",
            topo.CLUSTER_CIDRS] + list(extra)


def dry_run(t, ns, mode, input_path, node, extra=()):
    """The text --dry-run prints, run inside namespace ns."""
    argv = [nfp_bin(), "--dry-run"] + proxy_argv(mode, input_path, node,
                                                 extra)[1:]
    p = t.ns_exec(ns, argv, check=False, timeout=30)
    if p.returncode != 0:
        raise ApplyError("%s exited %d: %s" % (" ".join(argv), p.returncode,
                                               (p.stderr or "").strip()[:600]))
    if not p.stdout.strip():
        raise ApplyError("%s printed nothing" % " ".join(argv))
    return p.stdout


# -- nftables text --
NFT_TABLE_RE = re.compile(r"^\s*(?:add\s+|create\s+)?table\s+(ip6?|inet)\s+"
                          r"([A-Za-z0-9_.-]+)", re.M)


def nft_tables(text):
    return sorted(set(NFT_TABLE_RE.findall(text)))


def nft_replacing(text):
    """Make an nft -f text replace the tables it names, in one transaction.

    A text that already flushes or deletes its tables is left alone."""
    if re.search(r"^\s*(flush\s+ruleset|delete\s+table|destroy\s+table|"
                 r"flush\s+table)", text, re.M):
        return text
    pre = "".join("table %s %s {}\ndelete table %s %s\n" % (f, n, f, n)
                  for f, n in nft_tables(text))
    return pre + text


def nft_load(t, ns, text):
    p = t.ns_exec(ns, ["nft", "-f", "-"], input=nft_replacing(text),
                  check=False)
    if p.returncode != 0:
        raise ApplyError("nft -f rejected the dry-run text: %s" %
                         p.stderr.strip()[:1500])


# -- iptables text --
FAMILY_MARK_RE = re.compile(
    r"^#.*?\b(ipv4|ipv6|inet6|inet|ip6tables|iptables|ip6|ip4|v4|v6)\b", re.I)
V6_ADDR_RE = re.compile(r"(?:-[sd]|--to-destination|--to-source|--to)\s+"
                        r"\[?[0-9a-fA-F]*:[0-9a-fA-F:]*")


def _mark_family(line):
    if not line.startswith("#"):
        return None
    low = line.lower()
    if not ("family" in low or re.match(r"^#+\s*(ipv[46]|ip6?tables)\b", low)):
        return None
    m = FAMILY_MARK_RE.match(line)
    if not m:
        return None
    word = m.group(1).lower()
    return 6 if word in ("ipv6", "inet6", "ip6tables", "ip6", "v6") else 4


def ipt_split(text):
    """Split iptables-restore text into (v4 text, v6 text).

    Understands family marker comments ("# family ipv6", "# ipv6", ...); a
    text without markers is split per *table block, a block whose addresses
    are IPv6 going to the v6 side."""
    parts = {4: [], 6: []}
    cur = None
    marked = False
    for line in text.splitlines():
        fam = _mark_family(line)
        if fam:
            cur = fam
            marked = True
            continue
        parts[cur or 4].append(line)
    if marked:
        return "\n".join(parts[4]) + "\n", "\n".join(parts[6]) + "\n"
    blocks, block = [], []
    for line in text.splitlines():
        block.append(line)
        if line.strip() == "COMMIT":
            blocks.append(block)
            block = []
    v4, v6 = [], []
    for b in blocks:
        (v6 if any(V6_ADDR_RE.search(x) for x in b) else v4).extend(b)
    return "\n".join(v4) + "\n", "\n".join(v6) + "\n"


def _has_tables(text):
    return any(line.startswith("*") for line in text.splitlines())


def ipt_load(t, ns, text):
    v4, v6 = ipt_split(text)
    for tool, part in (("iptables-legacy-restore", v4),
                       ("ip6tables-legacy-restore", v6)):
        if not _has_tables(part):
            continue
        p = t.ns_exec(ns, [tool], input=part, check=False)
        if p.returncode != 0:
            raise ApplyError("%s rejected the dry-run text: %s" %
                             (tool, p.stderr.strip()[:1500]))


def load_text(t, ns, mode, text):
    if mode == "nftables":
        nft_load(t, ns, text)
    else:
        ipt_load(t, ns, text)


# -- appliers --
def apply_dryrun(t, ns, mode, input_path, node, extra=()):
    load_text(t, ns, mode, dry_run(t, ns, mode, input_path, node, extra))


def apply_once(t, ns, mode, input_path, node, extra=()):
    argv = [nfp_bin(), "--once"] + proxy_argv(mode, input_path, node,
                                              extra)[1:]
    p = t.ns_exec(ns, argv, check=False, timeout=60)
    if p.returncode != 0:
        raise ApplyError("%s exited %d: %s" % (" ".join(argv), p.returncode,
                                               (p.stderr or "").strip()[:600]))


APPLIERS = {"dryrun": apply_dryrun, "once": apply_once}


# -- reading back and normalising --
def installed(t, ns, mode):
    """The kernel's rules in ns: nft ruleset, or v4+v6 iptables-save."""
    if mode == "nftables":
        return t.ns_exec(ns, ["nft", "list", "ruleset"]).stdout
    out = []
    for tool in ("iptables-legacy-save", "ip6tables-legacy-save"):
        out.append("### %s\n" % tool)
        out.append(t.ns_exec(ns, [tool]).stdout)
    return "".join(out)


def nft_normalise(text):
    text = re.sub(r"\bcounter packets \d+ bytes \d+", "counter", text)
    text = re.sub(r"\s+expires \S+", "", text)
    out = []
    lines = text.splitlines()
    i = 0
    dynamic = False
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if re.match(r"^(set|map) \S+ \{", s):
            dynamic = False
        if s.startswith("flags") and ("dynamic" in s or "timeout" in s):
            dynamic = True
        if s.startswith("timeout "):
            dynamic = True
        if dynamic and s.startswith("elements = {"):
            # element lists of sets the data path fills are not ours
            depth = line.count("{") - line.count("}")
            while depth > 0 and i + 1 < len(lines):
                i += 1
                depth += lines[i].count("{") - lines[i].count("}")
            i += 1
            continue
        out.append(line.rstrip())
        i += 1
    return "\n".join(x for x in out if x.strip()) + "\n"


def ipt_normalise(text):
    out = []
    for line in text.splitlines():
        if line.startswith("# ") and ("Generated by" in line or
                                      "Completed on" in line):
            continue
        line = re.sub(r"^\[\d+:\d+\]\s*", "", line)
        line = re.sub(r"\[\d+:\d+\]$", "[0:0]", line)
        line = re.sub(r'--comment "([^"]*)"',
                      lambda m: "--comment " + (m.group(1) if re.match(
                          r"^[^\s'\"]+$", m.group(1)) else
                          '"' + m.group(1) + '"'), line)
        out.append(line.rstrip())
    return "\n".join(x for x in out if x.strip()) + "\n"


def normalise(mode, text):
    return nft_normalise(text) if mode == "nftables" else ipt_normalise(text)


def compare_with_dryrun(t, ns, mode, input_path, node, extra=()):
    """None if the kernel in ns holds what --dry-run prints; else a diff."""
    text = dry_run(t, ns, mode, input_path, node, extra)
    scratch = topo.scratch_ns(t.prefix)
    try:
        load_text(t, scratch, mode, text)
        want = normalise(mode, installed(t, scratch, mode))
    finally:
        topo.del_ns(scratch)
    got = normalise(mode, installed(t, ns, mode))
    if got == want:
        return None
    diff = list(difflib.unified_diff(want.splitlines(), got.splitlines(),
                                     "dry-run (loaded in scratch netns)",
                                     "installed in " + node, lineterm="", n=1))
    return "\n".join(diff[:40]) + ("\n..." if len(diff) > 40 else "")

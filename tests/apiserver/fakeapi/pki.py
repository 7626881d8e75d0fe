# SPDX-License-Identifier: GPL-2.0
"""Certificates (through the openssl CLI), the static token file and the
kubeconfig files a test hands to kubectl or kube-nfproxy.

The CA is made once per state directory and kept, so a server restarted
on the same directory is still trusted by its clients. The server
certificate is made again when the addresses it must name change.
"""

import base64
import ipaddress
import os
import secrets
import subprocess

CA_CNF = """[req]
distinguished_name = dn
prompt = no
[dn]
CN = nfp-test-ca
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
"""

LEAF_EXT = """[v3]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = %s
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
%s
"""

ADMIN_USER = "nfp-test-admin"
ADMIN_GROUP = "system:masters"


def _run(args, cwd):
    res = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args),
                                              res.stderr.strip()))


def _write(path, text, mode=0o644):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _ec_key_args():
    return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes"]


def _leaf(d, name, subject, usage, sans):
    _run(["openssl", "req", "-new"] + _ec_key_args() +
         ["-keyout", name + ".key", "-out", name + ".csr", "-subj", subject],
         d)
    ext = LEAF_EXT % (usage, "subjectAltName = " + sans if sans else "")
    _write(os.path.join(d, name + ".ext"), ext)
    _run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt",
          "-CAkey", "ca.key", "-set_serial",
          str(int.from_bytes(os.urandom(8), "big")), "-days", "3650",
          "-sha256", "-extfile", name + ".ext", "-extensions", "v3", "-out",
          name + ".crt"], d)
    os.chmod(os.path.join(d, name + ".key"), 0o600)
    for ext in (".csr", ".ext"):
        os.unlink(os.path.join(d, name + ext))


def san_list(hosts):
    out = ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]
    for h in hosts:
        try:
            ip = ipaddress.ip_address(h)
            item = "IP:" + str(ip)
        except ValueError:
            item = "DNS:" + h
        if item not in out and h not in ("", "0.0.0.0", "::"):
            out.append(item)
    return ",".join(out)


def ensure_pki(d, hosts):
    """Makes ca.crt/ca.key, server.crt/server.key and client.crt/client.key
    in d (reusing what is there and still fits). Returns the SAN string."""
    if not os.path.exists(os.path.join(d, "ca.crt")) or \
            not os.path.exists(os.path.join(d, "ca.key")):
        _write(os.path.join(d, "ca.cnf"), CA_CNF)
        _run(["openssl", "req", "-x509", "-new", "-config", "ca.cnf",
              "-extensions", "v3_ca"] + _ec_key_args() +
             ["-keyout", "ca.key", "-out", "ca.crt", "-days", "3650",
              "-sha256"], d)
        os.chmod(os.path.join(d, "ca.key"), 0o600)
        os.unlink(os.path.join(d, "ca.cnf"))
        for f in ("server.crt", "client.crt", "sans"):
            p = os.path.join(d, f)
            if os.path.exists(p):
                os.unlink(p)
    sans = san_list(hosts)
    sans_path = os.path.join(d, "sans")
    old = None
    if os.path.exists(sans_path):
        with open(sans_path) as f:
            old = f.read().strip()
    if old != sans or not os.path.exists(os.path.join(d, "server.crt")):
        _leaf(d, "server", "/CN=nfp-apiserver", "serverAuth", sans)
        _write(sans_path, sans + "\n")
    if not os.path.exists(os.path.join(d, "client.crt")):
        _leaf(d, "client", "/O=%s/CN=%s" % (ADMIN_GROUP, ADMIN_USER),
              "clientAuth", "")
    return sans


def ensure_tokens(d, token=None):
    """Returns {token: (user, uid, groups)} from d/tokens.csv, writing it
    (one admin token, random unless given) if absent or if token differs."""
    path = os.path.join(d, "tokens.csv")
    tokens = {}
    if os.path.exists(path) and token is None:
        tokens = read_token_file(path)
    if not tokens:
        token = token or secrets.token_hex(24)
        _write(path, '%s,%s,%s,"%s"\n' % (token, ADMIN_USER, "1000",
                                         ADMIN_GROUP), 0o600)
        tokens = read_token_file(path)
    first = next(iter(tokens))
    _write(os.path.join(d, "token"), first + "\n", 0o600)
    return tokens


def read_token_file(path):
    """kube-apiserver --token-auth-file format: token,user,uid,"g1,g2"."""
    import csv
    out = {}
    with open(path, newline="") as f:
        for row in csv.reader(f):
            if not row or row[0].startswith("#") or len(row) < 2:
                continue
            groups = row[3].split(",") if len(row) > 3 and row[3] else []
            out[row[0].strip()] = (row[1].strip(),
                                   row[2].strip() if len(row) > 2 else "",
                                   groups)
    return out


def _b64file(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def _kubeconfig(server, ca, users, current, insecure):
    lines = ["apiVersion: v1", "kind: Config", "clusters:",
             "- name: nfp-test", "  cluster:", "    server: " + server]
    if not insecure:
        lines.append("    " + ca)
    lines.append("users:")
    for name, fields in users:
        lines.append("- name: " + name)
        lines.append("  user:" + ("" if fields else " {}"))
        for f in fields:
            lines.append("    " + f)
    lines.append("contexts:")
    for name, _ in users:
        lines += ["- name: " + name, "  context:", "    cluster: nfp-test",
                  "    user: " + name, "    namespace: default"]
    lines += ["current-context: " + current, "preferences: {}", ""]
    return "\n".join(lines)


def write_kubeconfigs(d, server, token, insecure):
    """Writes the kubeconfig files (see README); returns their paths."""
    ap = os.path.abspath(d)
    out = {}
    if insecure:
        tok = [("nfp-token", ["token: " + token]), ("nfp-anonymous", [])]
        text = _kubeconfig(server, "", tok, "nfp-token", True)
        for name in ("kubeconfig", "kubeconfig-token"):
            _write(os.path.join(d, name), text, 0o600)
            out[name] = os.path.join(ap, name)
        return out
    ca_data = "certificate-authority-data: " + _b64file(
        os.path.join(d, "ca.crt"))
    ca_file = "certificate-authority: " + os.path.join(ap, "ca.crt")
    tok = ("nfp-token", ["token: " + token])
    cert_data = ("nfp-cert", [
        "client-certificate-data: " + _b64file(os.path.join(d, "client.crt")),
        "client-key-data: " + _b64file(os.path.join(d, "client.key"))])
    cert_file = ("nfp-cert", [
        "client-certificate: " + os.path.join(ap, "client.crt"),
        "client-key: " + os.path.join(ap, "client.key")])
    files = {
        "kubeconfig": _kubeconfig(server, ca_data, [tok, cert_data],
                                  "nfp-token", False),
        "kubeconfig-token": _kubeconfig(server, ca_data, [tok], "nfp-token",
                                        False),
        "kubeconfig-cert": _kubeconfig(server, ca_data, [cert_data],
                                       "nfp-cert", False),
        "kubeconfig-token-files": _kubeconfig(server, ca_file, [tok],
                                              "nfp-token", False),
        "kubeconfig-cert-files": _kubeconfig(server, ca_file, [cert_file],
                                             "nfp-cert", False),
    }
    for name, text in files.items():
        _write(os.path.join(d, name), text, 0o600)
        out[name] = os.path.join(ap, name)
    return out

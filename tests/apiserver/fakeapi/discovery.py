# SPDX-License-Identifier: GPL-2.0
"""Discovery documents (legacy and aggregated), /version and the minimal
OpenAPI documents kubectl reads before create/replace/apply."""

import hashlib
import json

from .resources import GROUPS, RESOURCES, VERBS

STATUS_VERBS = ["get", "patch", "update"]
SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-nfp-test",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-01-01T00:00:00Z",
    "goVersion": "go1.23.4",
    "compiler": "gc",
    "platform": "linux/amd64",
}


def version():
    return dict(SERVER_VERSION)


def _storage_hash(r):
    h = hashlib.sha256(("%s/%s/%s" % (r.group, r.version, r.kind)).encode())
    return h.hexdigest()[:11]


def api_versions(app):
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": app.address}]}


def _group_versions(group):
    return sorted({r.version for r in GROUPS.get(group, [])})


def _group_doc(group):
    versions = [{"groupVersion": "%s/%s" % (group, v), "version": v}
                for v in _group_versions(group)]
    return {"name": group, "versions": versions,
            "preferredVersion": versions[0]}


def api_groups():
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group_doc(g) for g in sorted(GROUPS) if g]}


def api_group(group):
    if not group or group not in GROUPS:
        return None
    doc = _group_doc(group)
    return dict({"kind": "APIGroup", "apiVersion": "v1"}, **doc)


def resource_list(group, version):
    res = [r for r in GROUPS.get(group, []) if r.version == version]
    if not res:
        return None
    out = []
    for r in sorted(res, key=lambda r: r.plural):
        item = {"name": r.plural, "singularName": r.singular,
                "namespaced": r.namespaced, "kind": r.kind, "verbs": VERBS}
        if r.short_names:
            item["shortNames"] = r.short_names
        if r.categories:
            item["categories"] = r.categories
        item["storageVersionHash"] = _storage_hash(r)
        out.append(item)
        if r.has_status:
            out.append({"name": r.plural + "/status", "singularName": "",
                        "namespaced": r.namespaced, "kind": r.kind,
                        "verbs": STATUS_VERBS})
        if r.plural == "namespaces":
            out.append({"name": "namespaces/finalize", "singularName": "",
                        "namespaced": False, "kind": "Namespace",
                        "verbs": ["update"]})
    gv = "%s/%s" % (group, version) if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": out}


def _aggregated_group(group):
    versions = []
    for v in _group_versions(group):
        resources = []
        for r in sorted((r for r in GROUPS[group] if r.version == v),
                        key=lambda r: r.plural):
            kind = {"group": group, "version": v, "kind": r.kind}
            item = {"resource": r.plural, "responseKind": kind,
                    "scope": "Namespaced" if r.namespaced else "Cluster",
                    "singularResource": r.singular, "verbs": VERBS}
            if r.short_names:
                item["shortNames"] = r.short_names
            if r.categories:
                item["categories"] = r.categories
            subs = []
            if r.has_status:
                subs.append({"subresource": "status", "responseKind": kind,
                             "verbs": STATUS_VERBS})
            if r.plural == "namespaces":
                subs.append({"subresource": "finalize", "responseKind": kind,
                             "verbs": ["update"]})
            if subs:
                item["subresources"] = subs
            resources.append(item)
        versions.append({"version": v, "resources": resources,
                         "freshness": "Current"})
    meta = {"creationTimestamp": None}
    if group:
        meta["name"] = group
    return {"metadata": meta, "versions": versions}


def aggregated(which, v):
    """APIGroupDiscoveryList for /api (which="core") or /apis."""
    groups = [""] if which == "core" else sorted(g for g in GROUPS if g)
    return {"kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/" + v, "metadata": {},
            "items": [_aggregated_group(g) for g in groups]}


def openapi_v2():
    return {"swagger": "2.0", "info": {"title": "Kubernetes",
                                       "version": "v1.32.0"},
            "paths": {}, "definitions": {}}


def _gv_path(r):
    return "api/v1" if not r.group else "apis/%s/%s" % (r.group, r.version)


def openapi_v3_group(gvpath):
    """An OpenAPI v3 document for one group/version: only the operations,
    with the fieldValidation parameter so that kubectl leaves validation
    to the server, and no schemas."""
    res = [r for r in RESOURCES if _gv_path(r) == gvpath]
    if not res:
        return None
    paths = {}
    for r in res:
        gvk = {"group": r.group, "version": r.version, "kind": r.kind}
        base = "/" + gvpath
        if r.namespaced:
            coll = base + "/namespaces/{namespace}/" + r.plural
        else:
            coll = base + "/" + r.plural
        params = [{"name": "fieldValidation", "in": "query",
                   "description": "fieldValidation instructs the server on "
                   "how to handle objects in the request containing unknown "
                   "or duplicate fields.",
                   "schema": {"type": "string", "uniqueItems": True}}]

        def op(action, r=r, gvk=gvk, params=params):
            return {"tags": [r.group or "core"],
                    "operationId": "%s%s" % (action, r.kind),
                    "parameters": params, "responses": {},
                    "x-kubernetes-action": action,
                    "x-kubernetes-group-version-kind": gvk}
        paths[coll] = {"get": op("list"), "post": op("post")}
        paths[coll + "/{name}"] = {"get": op("get"), "put": op("put"),
                                   "patch": op("patch"),
                                   "delete": op("delete")}
        if r.has_status:
            paths[coll + "/{name}/status"] = {"get": op("get"),
                                              "put": op("put"),
                                              "patch": op("patch")}
    return {"openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": "v1.32.0"},
            "paths": paths, "components": {"schemas": {}}}


def openapi_v3_root():
    paths = {}
    for gvpath in sorted({_gv_path(r) for r in RESOURCES}):
        doc = json.dumps(openapi_v3_group(gvpath), sort_keys=True)
        h = hashlib.sha512(doc.encode()).hexdigest().upper()[:128]
        paths[gvpath] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s"
                         % (gvpath, h)}
    return {"paths": paths}

# SPDX-License-Identifier: GPL-2.0
"""Wire formats: JSON encoding, Accept-header negotiation (JSON, server-side
Table, PartialObjectMetadata) and the shapes of Tables and metadata-only
objects."""

import json

from . import errors

JSON = "application/json"
TABLE_CT = "application/json;as=Table;v=v1;g=meta.k8s.io"


def dumps(obj):
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


def parse_accept(header):
    """[(mime, {param: value})] in the client's order (q ignored)."""
    out = []
    for part in (header or "").split(","):
        part = part.strip()
        if not part:
            continue
        fields = [f.strip() for f in part.split(";")]
        params = {}
        for f in fields[1:]:
            if "=" in f:
                k, v = f.split("=", 1)
                params[k.strip()] = v.strip().strip('"')
        out.append((fields[0].lower(), params))
    return out


def negotiate(header, table_ok=True):
    """Returns "json", "table" or "partial"; raises 406."""
    if not header:
        return "json"
    for mime, params in parse_accept(header):
        if mime not in ("application/json", "*/*", "application/*"):
            continue
        as_ = params.get("as")
        if as_ is None:
            return "json"
        if params.get("g") != "meta.k8s.io" or params.get("v") not in (
                "v1", "v1beta1"):
            continue
        if as_ == "Table" and table_ok:
            return "table"
        if as_ in ("PartialObjectMetadata", "PartialObjectMetadataList"):
            return "partial"
    raise errors.not_acceptable(["application/json", "application/yaml",
                                 "application/vnd.kubernetes.protobuf"])


def partial(obj):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {})}


def make_table(rtype, objs, list_meta, include):
    rows = []
    for obj in objs:
        row = {"cells": rtype.row(obj)}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = partial(obj)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": list_meta, "columnDefinitions": rtype.columns,
            "rows": rows}

# SPDX-License-Identifier: GPL-2.0
"""PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a
strategic merge patch that knows the merge keys of the lists this server
stores (enough for kubectl patch/apply/edit/label on Services, Pods, Nodes,
Namespaces and EndpointSlices).

Every function returns a new document and never changes its inputs.
Errors raise PatchError (the caller answers 422 or 400).
"""

import copy


class PatchError(ValueError):
    pass


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# --- RFC 6902 --------------------------------------------------------------


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~")
            for p in path[1:].split("/")]


def _walk(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, dict):
            if p not in cur:
                raise PatchError("path not found: %s" % p)
            cur = cur[p]
        elif isinstance(cur, list):
            try:
                cur = cur[int(p)]
            except (ValueError, IndexError):
                raise PatchError("invalid index %r" % p)
        else:
            raise PatchError("cannot walk into a scalar at %r" % p)
    return cur


def _add(doc, parts, value):
    if not parts:
        return value
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                idx = int(last)
            except ValueError:
                raise PatchError("invalid index %r" % last)
            if idx < 0 or idx > len(parent):
                raise PatchError("index %d out of range" % idx)
            parent.insert(idx, value)
    else:
        raise PatchError("cannot add into a scalar")
    return doc


def _remove(doc, parts):
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent = _walk(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError("path not found: %s" % last)
        return parent.pop(last)
    if isinstance(parent, list):
        try:
            return parent.pop(int(last))
        except (ValueError, IndexError):
            raise PatchError("invalid index %r" % last)
    raise PatchError("cannot remove from a scalar")


def json_patch(target, ops):
    """RFC 6902 JSON patch: add, remove, replace, move, copy, test."""
    if not isinstance(ops, list):
        raise PatchError("a JSON patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise PatchError("invalid operation %r" % (op,))
        kind = op["op"]
        parts = _pointer(op.get("path", ""))
        if kind == "add":
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, parts)
        elif kind == "replace":
            _walk(doc, parts)
            if not parts:
                doc = copy.deepcopy(op.get("value"))
            else:
                _remove(doc, parts)
                doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "move":
            src = _pointer(op.get("from", ""))
            value = _remove(doc, src)
            doc = _add(doc, parts, value)
        elif kind == "copy":
            src = _pointer(op.get("from", ""))
            doc = _add(doc, parts, copy.deepcopy(_walk(doc, src)))
        elif kind == "test":
            if _walk(doc, parts) != op.get("value"):
                raise PatchError("test operation failed at %s"
                                 % op.get("path"))
        else:
            raise PatchError("unknown operation %r" % kind)
    return doc


# --- strategic merge patch -------------------------------------------------

# Lists merged by key, by path ("*" stands for any list element). Lists not
# named here are replaced as a whole, as for atomic lists.
MERGE_KEYS = {
    ("spec", "ports"): "port",
    ("spec", "containers"): "name",
    ("spec", "initContainers"): "name",
    ("spec", "ephemeralContainers"): "name",
    ("spec", "volumes"): "name",
    ("spec", "imagePullSecrets"): "name",
    ("spec", "hostAliases"): "ip",
    ("spec", "taints"): "key",
    ("spec", "containers", "*", "ports"): "containerPort",
    ("spec", "containers", "*", "env"): "name",
    ("spec", "containers", "*", "volumeMounts"): "mountPath",
    ("spec", "initContainers", "*", "ports"): "containerPort",
    ("spec", "initContainers", "*", "env"): "name",
    ("status", "conditions"): "type",
    ("status", "addresses"): "type",
    ("metadata", "ownerReferences"): "uid",
}

# Lists of scalars merged as sets.
MERGE_PRIMITIVES = {
    ("metadata", "finalizers"),
}


def _match(path, table):
    for pattern in table:
        if len(pattern) != len(path):
            continue
        if all(p == "*" or p == q for p, q in zip(pattern, path)):
            return pattern
    return None


def strategic_merge_patch(target, patch):
    """Strategic merge patch with $patch, $setElementOrder,
    $deleteFromPrimitiveList and $retainKeys directives."""
    if not isinstance(patch, dict):
        raise PatchError("a strategic merge patch must be an object")
    return _smp_map(target if isinstance(target, dict) else {}, patch, ())


def _smp_map(target, patch, path):
    directive = patch.get("$patch")
    if directive == "replace":
        clean = {k: v for k, v in patch.items() if k != "$patch"}
        return _strip_directives(clean)
    if directive == "delete":
        return None
    result = copy.deepcopy(target)
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            cur = result.get(field)
            if isinstance(cur, list):
                result[field] = [v for v in cur if v not in value]
            continue
        sub = path + (key,)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = _smp_map(result.get(key)
                              if isinstance(result.get(key), dict) else {},
                              value, sub)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _smp_list(result.get(key), value, sub)
        else:
            result[key] = value
    for key, value in patch.items():
        if key.startswith("$setElementOrder/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                key = MERGE_KEYS.get(_match(path + (field,), MERGE_KEYS))
                result[field] = _order(result[field], value, key)
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _smp_list(current, patch, path):
    current = current if isinstance(current, list) else []
    pattern = _match(path, MERGE_KEYS)
    if pattern is not None:
        key = MERGE_KEYS[pattern]
        for item in patch:
            if isinstance(item, dict) and item.get("$patch") == "replace" \
                    and len(item) == 1:
                return []
        result = copy.deepcopy(current)
        for item in patch:
            if not isinstance(item, dict):
                raise PatchError("list %s needs objects" % ".".join(path))
            if key not in item:
                raise PatchError("map: %r does not contain declared merge "
                                 "key: %s" % (item, key))
            idx = next((i for i, c in enumerate(result)
                        if isinstance(c, dict) and c.get(key) == item[key]),
                       None)
            if item.get("$patch") == "delete":
                if idx is not None:
                    result.pop(idx)
                continue
            if idx is None:
                result.append(_strip_directives(item))
            else:
                result[idx] = _smp_map(result[idx], item, path + ("*",))
        return result
    if _match(path, MERGE_PRIMITIVES) is not None:
        result = list(current)
        for v in patch:
            if v not in result:
                result.append(v)
        return result
    return _strip_directives(copy.deepcopy(patch))


def _order(items, order, key):
    if key is None:
        def ident(x):
            return x
    else:
        def ident(x):
            return x.get(key) if isinstance(x, dict) else x
    wanted = [o.get(key) if isinstance(o, dict) and key else o for o in order]
    ranked = []
    rest = []
    for it in items:
        k = ident(it)
        if k in wanted:
            ranked.append((wanted.index(k), it))
        else:
            rest.append(it)
    ranked.sort(key=lambda p: p[0])
    return [it for _, it in ranked] + rest


def _strip_directives(value):
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items()
                if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value

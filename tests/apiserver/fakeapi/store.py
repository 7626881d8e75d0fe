# SPDX-License-Identifier: GPL-2.0
"""The object store: an etcd-like keyspace with one global revision counter.

Every write takes the next revision, which becomes the object's
metadata.resourceVersion, and appends an event (type, object, previous
object) to a bounded history. Watches read the history; a list can be
served at an older revision by undoing the history (consistent paging).
A revision older than the oldest event kept is "compacted": watching or
paging from it answers 410 Expired.

Stored objects are never changed in place: a write stores a new dict, so
readers may hold references without copying.
"""

import base64
import collections
import copy
import datetime
import json
import random
import threading
import time
import uuid

from . import errors
from .resources import RESOURCES, Context, Invalid, find_by_kind, validate_meta
from .tables import now_rfc3339

PROTECTED_NAMESPACES = ("default", "kube-public", "kube-system")

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"

_META_ORDER = ("name", "generateName", "namespace", "selfLink", "uid",
               "resourceVersion", "generation", "creationTimestamp",
               "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
               "annotations", "ownerReferences", "finalizers",
               "managedFields")


def normalize(obj):
    """Orders keys as the real server's Go structs do: kind, apiVersion,
    metadata, the rest, status last."""
    out = {}
    for k in ("kind", "apiVersion"):
        if k in obj:
            out[k] = obj[k]
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        m = {}
        for k in _META_ORDER:
            if k in meta:
                m[k] = meta[k]
        for k in meta:
            if k not in m:
                m[k] = meta[k]
        out["metadata"] = m
    for k in obj:
        if k not in out and k != "status":
            out[k] = obj[k]
    if "status" in obj:
        out["status"] = obj["status"]
    return out


class Event:
    __slots__ = ("rv", "rtype", "type", "key", "obj", "prev")

    def __init__(self, rv, rtype, etype, key, obj, prev):
        self.rv = rv
        self.rtype = rtype
        self.type = etype
        self.key = key
        self.obj = obj
        self.prev = prev


class Expired(Exception):
    def __init__(self, requested, oldest):
        super().__init__("too old resource version: %d (%d)"
                         % (requested, oldest))
        self.requested = requested
        self.oldest = oldest


def _name_suffix():
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(random.choice(alphabet) for _ in range(5))


def encode_continue(rv, key):
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv,
                      "start": "%s/%s\x00" % key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token):
    try:
        pad = "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(token + pad))
        rv = int(data["rv"])
        start = data["start"]
        if not start.endswith("\x00") or "/" not in start:
            raise ValueError
        ns, name = start[:-1].split("/", 1)
        return rv, (ns, name)
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise errors.bad_request("continue key is not valid: the provided "
                                 "continue token is malformed")


class Store:
    def __init__(self, allocator, history_size=1000, initial_rv=100,
                 pod_graceful_deletion=False):
        self.cond = threading.Condition()
        self.allocator = allocator
        self.rv = initial_rv
        self.compacted_rv = initial_rv
        self.history = collections.deque()
        self.history_size = history_size
        self.objects = {r.key(): {} for r in RESOURCES}
        self.pod_graceful_deletion = pod_graceful_deletion
        self.stopping = False
        self.timers = []
        # fault state read by watchers
        self.cut_epoch = 0
        self.cut_mode = "close"
        self.garbage_seq = 0
        self.garbage_lines = collections.deque(maxlen=16)
        self.paused_until = 0.0

    # --- helpers (call with the lock held) ---

    def _bucket(self, rtype):
        return self.objects[rtype.key()]

    def _commit(self, rtype, etype, key, obj, prev):
        self.rv += 1
        rv = self.rv
        if obj is not None:
            obj = dict(obj)
            obj["metadata"] = dict(obj["metadata"])
            obj["metadata"]["resourceVersion"] = str(rv)
            obj = normalize(obj)
        bucket = self._bucket(rtype)
        if rtype.plural == "services" and not rtype.group:
            self.allocator.release(key, bucket.get(key))
            if etype != DELETED:
                self.allocator.hold(key, obj)
        if etype == DELETED:
            bucket.pop(key, None)
        else:
            bucket[key] = obj
        self.history.append(Event(rv, rtype, etype, key, obj, prev))
        while len(self.history) > self.history_size:
            dropped = self.history.popleft()
            self.compacted_rv = dropped.rv
        self.cond.notify_all()
        return obj

    def _context(self, rtype, loading=False):
        return Context(self.allocator, loading=loading)

    def _check_namespace(self, rtype, ns):
        if not rtype.namespaced:
            return
        nsres = _resource("namespaces")
        if ("", ns) not in self._bucket(nsres):
            raise errors.namespace_not_found(ns)

    def _key(self, rtype, ns, name):
        return (ns if rtype.namespaced else "", name)

    # --- reads ---

    def current_rv(self):
        with self.cond:
            return self.rv

    def get(self, rtype, ns, name):
        with self.cond:
            obj = self._bucket(rtype).get(self._key(rtype, ns, name))
            if obj is None:
                raise errors.not_found(rtype, name)
            return obj

    def _state_at(self, rtype, rv):
        """The objects of rtype at revision rv (lock held)."""
        if rv < self.compacted_rv:
            raise Expired(rv, self.compacted_rv)
        state = dict(self._bucket(rtype))
        for ev in reversed(self.history):
            if ev.rv <= rv:
                break
            if ev.rtype is not rtype:
                continue
            if ev.type == ADDED:
                state.pop(ev.key, None)
            else:
                state[ev.key] = ev.prev
        return state

    def list(self, rtype, ns, match, limit=0, cont=None, rv=None,
             rv_match=None):
        """Returns (items, list_rv, continue_token, remaining).

        match(obj) filters; ns None means every namespace. rv/rv_match
        follow the real semantics ("" or None: most recent, "0": any,
        Exact: that revision, NotOlderThan: at least that revision)."""
        with self.cond:
            at = None
            if cont:
                at, start = decode_continue(cont)
            else:
                start = None
                if rv not in (None, "", "0"):
                    try:
                        want = int(rv)
                    except ValueError:
                        raise errors.bad_request(
                            "resourceVersion: Invalid value: %r: must be a "
                            "valid resource version" % rv)
                    if rv_match == "Exact":
                        at = want
                    elif want > self.rv:
                        deadline = time.monotonic() + 3
                        while want > self.rv and not self.stopping:
                            left = deadline - time.monotonic()
                            if left <= 0:
                                raise errors.APIError(
                                    504, "Timeout", "Too large resource "
                                    "version: %d, current: %d"
                                    % (want, self.rv),
                                    {"causes": [{"reason":
                                                 "ResourceVersionTooLarge",
                                                 "message": "Too large "
                                                 "resource version"}],
                                     "retryAfterSeconds": 1})
                            self.cond.wait(left)
            if at is None:
                state = self._bucket(rtype)
                list_rv = self.rv
            else:
                try:
                    state = self._state_at(rtype, at)
                except Expired:
                    if cont:
                        raise errors.gone(
                            "The provided continue parameter is too old to "
                            "display a consistent list result. You can "
                            "start a new list without the continue "
                            "parameter.")
                    raise errors.gone("The resourceVersion for the provided "
                                      "list is too old.")
                list_rv = at
            keys = sorted(k for k in state
                          if (ns is None or k[0] == ns)
                          and (start is None or k > start))
            items = []
            token = None
            remaining = None
            for i, k in enumerate(keys):
                obj = state[k]
                if not match(obj):
                    continue
                if limit and len(items) >= limit:
                    token = encode_continue(list_rv, items_key(items[-1]))
                    remaining = len(keys) - i
                    break
                items.append(obj)
            return items, list_rv, token, remaining

    def events_since(self, pos):
        """Events with rv > pos (lock held). Raises Expired."""
        if pos < self.compacted_rv:
            raise Expired(pos, self.compacted_rv)
        out = []
        for ev in reversed(self.history):
            if ev.rv <= pos:
                break
            out.append(ev)
        out.reverse()
        return out

    # --- writes ---

    def create(self, rtype, ns, body, dry_run=False, loading=False):
        obj = copy.deepcopy(body)
        if not isinstance(obj, dict):
            raise errors.bad_request("the body of the request must be an "
                                     "object")
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        obj["kind"] = rtype.kind
        obj["apiVersion"] = rtype.api_version
        if rtype.namespaced:
            bns = meta.get("namespace")
            if bns and ns and bns != ns:
                raise errors.bad_request(
                    "the namespace of the provided object does not match "
                    "the namespace sent on the request")
            meta["namespace"] = ns or bns or "default"
            ns = meta["namespace"]
        else:
            meta.pop("namespace", None)
            ns = ""
        with self.cond:
            if not loading:
                self._check_namespace(rtype, ns)
                meta.pop("resourceVersion", None)
                meta["uid"] = str(uuid.uuid4())
                meta["creationTimestamp"] = now_rfc3339()
                for f in ("deletionTimestamp", "deletionGracePeriodSeconds",
                          "selfLink", "managedFields", "generation"):
                    meta.pop(f, None)
                rtype.strategy.prepare_create(obj)
            else:
                meta.setdefault("uid", str(uuid.uuid4()))
                meta.setdefault("creationTimestamp", now_rfc3339())
                meta.pop("resourceVersion", None)
            if not meta.get("name") and meta.get("generateName"):
                for _ in range(8):
                    name = meta["generateName"] + _name_suffix()
                    if self._key(rtype, ns, name) not in self._bucket(rtype):
                        break
                meta["name"] = name
            causes = []
            validate_meta(rtype, obj, causes)
            name = meta.get("name") or ""
            if causes:
                raise errors.invalid(rtype, rtype.kind, name, causes)
            key = self._key(rtype, ns, name)
            prev = self._bucket(rtype).get(key)
            if prev is not None and not loading:
                raise errors.already_exists(rtype, name)
            try:
                rtype.strategy.default(obj, self._context(rtype, loading))
                rtype.strategy.validate(obj, causes)
            except Invalid as e:
                causes.extend(e.causes)
            if causes:
                raise errors.invalid(rtype, rtype.kind, name, causes)
            if dry_run:
                out = normalize(obj)
                out["metadata"]["resourceVersion"] = str(self.rv)
                return out
            if prev is not None:
                return self._commit(rtype, MODIFIED, key, obj, prev)
            return self._commit(rtype, ADDED, key, obj, None)

    def update(self, rtype, ns, name, body, subresource=None, dry_run=False,
               expect_rv=None):
        """PUT. expect_rv overrides the body's resourceVersion as the
        precondition (used by PATCH)."""
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be an "
                                     "object")
        bmeta = body.get("metadata") if isinstance(body.get("metadata"),
                                                   dict) else {}
        if bmeta.get("name") and bmeta["name"] != name:
            raise errors.bad_request(
                "the name of the object (%s) does not match the name on the "
                "URL (%s)" % (bmeta["name"], name))
        if rtype.namespaced and bmeta.get("namespace") \
                and bmeta["namespace"] != ns:
            raise errors.bad_request(
                "the namespace of the provided object does not match the "
                "namespace sent on the request")
        with self.cond:
            key = self._key(rtype, ns, name)
            old = self._bucket(rtype).get(key)
            if old is None:
                raise errors.not_found(rtype, name)
            want_rv = expect_rv if expect_rv is not None \
                else bmeta.get("resourceVersion")
            if want_rv and want_rv != old["metadata"]["resourceVersion"]:
                raise errors.conflict(rtype, name)
            if bmeta.get("uid") and bmeta["uid"] != old["metadata"]["uid"]:
                raise errors.conflict(
                    rtype, name, "Precondition failed: UID in precondition: "
                    "%s, UID in object meta: %s"
                    % (bmeta["uid"], old["metadata"]["uid"]))
            if subresource == "status":
                new = rtype.strategy.prepare_status_update(body, old)
            elif subresource == "finalize":
                # namespaces/finalize: only spec.finalizers changes
                new = copy.deepcopy(old)
                fin = (body.get("spec") or {}).get("finalizers")
                new.setdefault("spec", {})["finalizers"] = list(fin or [])
                new["metadata"]["resourceVersion"] = \
                    old["metadata"]["resourceVersion"]
            else:
                new = copy.deepcopy(body)
                new.setdefault("metadata", {})
                rtype.strategy.prepare_update(new, old)
            new["kind"] = rtype.kind
            new["apiVersion"] = rtype.api_version
            nm = new["metadata"] = dict(new.get("metadata") or {})
            om = old["metadata"]
            nm["name"] = name
            if rtype.namespaced:
                nm["namespace"] = ns
            else:
                nm.pop("namespace", None)
            for f in ("uid", "creationTimestamp", "deletionTimestamp",
                      "deletionGracePeriodSeconds", "generation"):
                if f in om:
                    nm[f] = om[f]
                else:
                    nm.pop(f, None)
            nm["resourceVersion"] = om["resourceVersion"]
            causes = []
            validate_meta(rtype, new, causes)
            try:
                rtype.strategy.default(new, self._context(rtype), old)
                rtype.strategy.validate(new, causes)
                rtype.strategy.validate_update(new, old, causes)
            except Invalid as e:
                causes.extend(e.causes)
            if causes:
                raise errors.invalid(rtype, rtype.kind, name, causes)
            new = normalize(new)
            if new == old:
                return old
            if dry_run:
                return new
            if om.get("deletionTimestamp") and om.get("finalizers") \
                    and not nm.get("finalizers"):
                # the last finalizer went away: the object goes too
                return self._commit(rtype, DELETED, key, new, old)
            return self._commit(rtype, MODIFIED, key, new, old)

    def delete(self, rtype, ns, name, preconditions=None, dry_run=False,
               grace=None):
        with self.cond:
            key = self._key(rtype, ns, name)
            old = self._bucket(rtype).get(key)
            if old is None:
                raise errors.not_found(rtype, name)
            pre = preconditions or {}
            if pre.get("uid") and pre["uid"] != old["metadata"]["uid"]:
                raise errors.conflict(
                    rtype, name, "Precondition failed: UID in precondition: "
                    "%s, UID in object meta: %s"
                    % (pre["uid"], old["metadata"]["uid"]))
            cur_rv = old["metadata"]["resourceVersion"]
            if pre.get("resourceVersion") and pre["resourceVersion"] != cur_rv:
                raise errors.conflict(
                    rtype, name, "Precondition failed: ResourceVersion in "
                    "precondition: %s, ResourceVersion in object meta: %s"
                    % (pre["resourceVersion"],
                       old["metadata"]["resourceVersion"]))
            if rtype.plural == "namespaces" and name in PROTECTED_NAMESPACES:
                raise errors.APIError(
                    403, "Forbidden", 'namespaces "%s" is forbidden: this '
                    'namespace may not be deleted' % name,
                    {"name": name, "kind": "namespaces"})
            if dry_run:
                return old
            if old["metadata"].get("deletionTimestamp"):
                return old
            finalizers = old["metadata"].get("finalizers")
            graceful = (rtype.plural == "pods" and self.pod_graceful_deletion
                        and (old.get("spec") or {}).get("nodeName"))
            if graceful:
                if grace is None:
                    grace = (old.get("spec") or {}).get(
                        "terminationGracePeriodSeconds", 30)
                graceful = grace > 0
            if finalizers or graceful:
                new = copy.deepcopy(old)
                when = datetime.datetime.now(datetime.timezone.utc)
                if graceful:
                    when += datetime.timedelta(seconds=grace)
                new["metadata"]["deletionTimestamp"] = when.strftime(
                    "%Y-%m-%dT%H:%M:%SZ")
                new["metadata"]["deletionGracePeriodSeconds"] = \
                    grace if graceful else 0
                out = self._commit(rtype, MODIFIED, key, new, old)
                if graceful and not finalizers:
                    self._later(grace, rtype, key, out["metadata"]["uid"])
                return out
            if rtype.plural == "namespaces":
                self._delete_namespace_contents(name)
                old = self._bucket(rtype)[key]
            return self._commit(rtype, DELETED, key, old, old)

    def _later(self, delay, rtype, key, uid):
        def fire():
            with self.cond:
                cur = self._bucket(rtype).get(key)
                if cur is None or cur["metadata"].get("uid") != uid \
                        or cur["metadata"].get("finalizers"):
                    return
                self._commit(rtype, DELETED, key, cur, cur)
        t = threading.Timer(delay, fire)
        t.daemon = True
        t.start()
        self.timers = [x for x in self.timers if x.is_alive()] + [t]

    def _delete_namespace_contents(self, ns):
        for rtype in RESOURCES:
            if not rtype.namespaced:
                continue
            bucket = self._bucket(rtype)
            for key in sorted(k for k in bucket if k[0] == ns):
                obj = bucket[key]
                self._commit(rtype, DELETED, key, obj, obj)

    def delete_collection(self, rtype, ns, match, dry_run=False):
        with self.cond:
            items, _, _, _ = self.list(rtype, ns, match)
            out = []
            for obj in items:
                m = obj["metadata"]
                try:
                    out.append(self.delete(rtype, m.get("namespace", ""),
                                           m["name"], dry_run=dry_run))
                except errors.APIError:
                    pass
            return out

    # --- bulk ---

    def load(self, objects):
        """Stores objects as given (status kept, namespaces created as
        needed). Returns (count, warnings)."""
        warnings = []
        count = 0
        for obj in _flatten(objects, warnings):
            rtype = find_by_kind(obj.get("apiVersion"), obj.get("kind"))
            if rtype is None:
                warnings.append("skipped %s %s: kind not served" %
                                (obj.get("apiVersion"), obj.get("kind")))
                continue
            meta = obj.get("metadata") or {}
            ns = meta.get("namespace") or "default" if rtype.namespaced \
                else ""
            if rtype.namespaced:
                self._ensure_namespace(ns)
            try:
                self.create(rtype, ns, obj, loading=True)
                count += 1
            except errors.APIError as e:
                warnings.append("skipped %s %s/%s: %s" % (
                    rtype.kind, ns, meta.get("name"), e.message))
        return count, warnings

    def _ensure_namespace(self, ns):
        nsres = _resource("namespaces")
        with self.cond:
            if ("", ns) in self._bucket(nsres):
                return
            self.create(nsres, "", {"metadata": {"name": ns}})

    def compact(self):
        """Forgets the history: every revision older than now expires."""
        with self.cond:
            self.history.clear()
            self.compacted_rv = self.rv
            self.cond.notify_all()
            return self.rv

    def snapshot(self):
        with self.cond:
            objs = []
            for rtype in RESOURCES:
                bucket = self._bucket(rtype)
                objs.extend(bucket[k] for k in sorted(bucket))
            return {"resourceVersion": self.rv, "objects": objs}

    def restore(self, snap):
        with self.cond:
            for obj in snap.get("objects") or []:
                rtype = find_by_kind(obj.get("apiVersion"), obj.get("kind"))
                if rtype is None:
                    continue
                m = obj["metadata"]
                key = self._key(rtype, m.get("namespace", ""), m["name"])
                self._bucket(rtype)[key] = normalize(obj)
                if rtype.plural == "services" and not rtype.group:
                    self.allocator.hold(key, obj)
            self.rv = max(self.rv, int(snap.get("resourceVersion", self.rv)))
            self.compacted_rv = self.rv
            self.history.clear()

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        for t in self.timers:
            t.cancel()


def items_key(obj):
    m = obj["metadata"]
    return (m.get("namespace", ""), m["name"])


def _resource(plural):
    for r in RESOURCES:
        if r.plural == plural and r.group == "":
            return r
    raise KeyError(plural)


def _flatten(objects, warnings):
    if isinstance(objects, list):
        for o in objects:
            yield from _flatten(o, warnings)
        return
    if not isinstance(objects, dict):
        warnings.append("skipped a %s: not an object" % type(objects).__name__)
        return
    kind = objects.get("kind") or ""
    if kind.endswith("List") and isinstance(objects.get("items"), list):
        item_kind = kind[:-4] if kind != "List" else None
        for item in objects["items"]:
            if isinstance(item, dict) and item_kind and "kind" not in item:
                item = dict(item, kind=item_kind,
                            apiVersion=objects.get("apiVersion"))
            yield from _flatten(item, warnings)
        return
    yield objects

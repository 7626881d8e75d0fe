# SPDX-License-Identifier: GPL-2.0
"""The admin API under /__admin/ (see README.md): faults, stats, the
request log, open watches, runtime settings, loading and dumping objects.
Admin requests are never counted, logged or faulted."""

import json
import time

from . import errors

WATCH_ACTIONS = ("cut-watches", "expire", "garbage", "pause-watches",
                 "clear")


def _body(raw):
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise errors.bad_request("admin: invalid JSON: %s" % e)


def fault(app, spec):
    store = app.store
    if not isinstance(spec, dict) or "action" not in spec:
        raise errors.bad_request("admin: a fault needs an \"action\"")
    action = spec["action"]
    if action == "cut-watches":
        mode = spec.get("mode", "close")
        if mode not in ("close", "reset"):
            raise errors.bad_request("admin: mode must be close or reset")
        with app.lock:
            n = len(app.watches)
        with store.cond:
            store.cut_mode = mode
            store.cut_epoch += 1
            store.cond.notify_all()
        return {"ok": True, "watches": n}
    if action == "expire":
        rv = store.compact()
        return {"ok": True, "compacted_resource_version": rv}
    if action == "garbage":
        line = spec.get("line", "this is not json")
        with app.lock:
            n = len(app.watches)
        with store.cond:
            store.garbage_seq += 1
            store.garbage_lines.append((store.garbage_seq, line))
            store.cond.notify_all()
        return {"ok": True, "watches": n}
    if action == "pause-watches":
        seconds = float(spec.get("seconds", 5))
        with store.cond:
            store.paused_until = time.time() + seconds
            store.cond.notify_all()
        return {"ok": True, "seconds": seconds}
    if action == "clear":
        n = app.faults.clear()
        with store.cond:
            store.paused_until = 0.0
            store.cond.notify_all()
        return {"ok": True, "cleared": n}
    try:
        rule = app.faults.add(spec)
    except (ValueError, TypeError) as e:
        raise errors.bad_request("admin: %s" % e)
    return {"ok": True, "id": rule.id}


def config(app, spec):
    if "bookmark_interval" in spec:
        app.bookmark_interval = float(spec["bookmark_interval"])
    if "expired_watch_mode" in spec:
        if spec["expired_watch_mode"] not in ("event", "http"):
            raise errors.bad_request("admin: expired_watch_mode is event or "
                                     "http")
        app.expired_watch_mode = spec["expired_watch_mode"]
    if "allow_anonymous" in spec:
        app.allow_anonymous = bool(spec["allow_anonymous"])
    return {"bookmark_interval": app.bookmark_interval,
            "expired_watch_mode": app.expired_watch_mode,
            "allow_anonymous": app.allow_anonymous}


def handle_admin(h, method, path, raw):
    app = h.server.app
    parts = [p for p in path.split("/") if p][1:]
    route = "/".join(parts)
    if route == "stats" and method == "GET":
        return h.send_json(200, app.stats_doc())
    if route == "stats/reset" and method == "POST":
        app.reset_stats()
        return h.send_json(200, {"ok": True})
    if route == "requests" and method == "GET":
        since = int(h.params.get("since") or 0)
        with app.lock:
            items = [dict(e) for e in app.log if e["seq"] > since]
        return h.send_json(200, {"items": items})
    if route == "watches" and method == "GET":
        with app.lock:
            items = [dict(w) for w in app.watches.values()]
        return h.send_json(200, {"items": sorted(items,
                                                 key=lambda w: w["id"])})
    if route == "fault" and method == "POST":
        return h.send_json(200, fault(app, _body(raw)))
    if route == "fault" and method == "DELETE":
        return h.send_json(200, fault(app, {"action": "clear"}))
    if route == "faults" and method == "GET":
        return h.send_json(200, {"items": app.faults.docs()})
    if route == "config":
        if method == "POST":
            return h.send_json(200, config(app, _body(raw)))
        return h.send_json(200, config(app, {}))
    if route == "load" and method == "POST":
        count, warnings = app.store.load(_body(raw))
        return h.send_json(200, {"ok": True, "loaded": count,
                                 "warnings": warnings,
                                 "resource_version":
                                     app.store.current_rv()})
    if route == "dump" and method == "GET":
        snap = app.store.snapshot()
        return h.send_json(200, {"kind": "List", "apiVersion": "v1",
                                 "metadata": {"resourceVersion":
                                              str(snap["resourceVersion"])},
                                 "items": snap["objects"]})
    if route == "" and method == "GET":
        return h.send_json(200, {"endpoints": [
            "GET stats", "POST stats/reset", "GET requests?since=N",
            "GET watches", "POST fault", "DELETE fault", "GET faults",
            "GET|POST config", "POST load", "GET dump"]})
    raise errors.route_not_found()

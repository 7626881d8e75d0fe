# SPDX-License-Identifier: GPL-2.0
"""Watch streams: HTTP/1.1 chunked, one JSON event a line, replayed from the
store's history; bookmarks, timeouts, 410 Expired, selector transitions
(an object that stops matching is DELETED for the watcher, one that starts
matching is ADDED) and the stream faults (cut, garbage, pause)."""

import select
import ssl
import time

from . import errors
from .store import ADDED, DELETED, MODIFIED, Expired
from .wire import JSON, TABLE_CT, dumps, make_table, partial


class WatchMixin:
    """Watch methods of the request handler (server.Handler)."""

    def serve_watch(self, rtype, ns, name, mode):
        app = self.server.app
        store = app.store
        match = self.matcher(rtype)
        if name is not None:
            inner = match

            def match(obj, inner=inner):
                return obj is not None and obj["metadata"]["name"] == name \
                    and inner(obj)
        try:
            timeout = float(self.params.get("timeoutSeconds") or 0)
        except ValueError:
            raise errors.bad_request("timeoutSeconds: must be an integer")
        if app.args.max_watch_seconds and (
                not timeout or timeout > app.args.max_watch_seconds):
            timeout = app.args.max_watch_seconds
        bookmarks = self.params.get("allowWatchBookmarks") in ("true", "1")
        rv = self.params.get("resourceVersion")
        initial_events = self.params.get("sendInitialEvents") == "true"
        expired = None
        with store.cond:
            my_cut = store.cut_epoch
            my_garbage = store.garbage_seq
            if rv in (None, "", "0") or initial_events:
                items, pos, _, _ = store.list(rtype, ns, match)
                initial = items
                if rv not in (None, "", "0"):
                    try:
                        if int(rv) > pos:
                            initial = []
                    except ValueError:
                        pass
            else:
                try:
                    pos = int(rv)
                except ValueError:
                    raise errors.bad_request("resourceVersion: Invalid value: "
                                             "%r" % rv)
                initial = []
                if pos < store.compacted_rv:
                    expired = Expired(pos, store.compacted_rv)
            with app.lock:
                app.watch_seq += 1
                wid = app.watch_seq
                app.watches[wid] = {"id": wid, "resource": rtype.plural,
                                    "namespace": ns, "path": self.path,
                                    "since": time.time(), "user": None}
        try:
            if expired is not None and app.expired_watch_mode == "http":
                raise errors.gone(str(expired))
            self.watch_loop(rtype, ns, mode, match, pos, initial, timeout,
                            bookmarks, initial_events, my_cut, my_garbage,
                            expired)
        finally:
            with app.lock:
                app.watches.pop(wid, None)

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def encode_event(self, rtype, mode, etype, obj):
        if mode == "table" and etype != "BOOKMARK" and etype != "ERROR":
            include = self.params.get("includeObject", "Metadata")
            obj = make_table(rtype, [obj], {"resourceVersion": obj[
                "metadata"].get("resourceVersion", "")}, include)
        elif mode == "partial" and etype not in ("BOOKMARK", "ERROR"):
            obj = partial(obj)
        return dumps({"type": etype, "object": obj})

    def bookmark(self, rtype, pos, initial_end=False):
        meta = {"resourceVersion": str(pos), "creationTimestamp": None}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return {"kind": rtype.kind, "apiVersion": rtype.api_version,
                "metadata": meta}

    def client_gone(self):
        """True if the peer closed the connection (non-blocking check)."""
        sock = self.connection
        try:
            r, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        if not r:
            return False
        try:
            sock.setblocking(False)
            try:
                data = sock.recv(4096)
            finally:
                sock.setblocking(True)
                sock.settimeout(self.timeout)
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except (OSError, ssl.SSLError):
            return True
        return data == b""

    def watch_loop(self, rtype, ns, mode, match, pos, initial, timeout,
                   bookmarks, initial_events, my_cut, my_garbage, expired):
        app = self.server.app
        store = app.store
        self.send_response(200)
        self.send_header("Content-Type", TABLE_CT if mode == "table"
                         else JSON)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        if expired is not None:
            st = errors.gone(str(expired)).status()
            self.write_chunk(dumps({"type": "ERROR", "object": st}))
            self.write_chunk(b"")
            return
        for obj in initial:
            self.write_chunk(self.encode_event(rtype, mode, ADDED, obj))
        if initial_events and bookmarks:
            self.write_chunk(self.encode_event(
                rtype, mode, "BOOKMARK", self.bookmark(rtype, pos, True)))
        start = time.monotonic()
        deadline = start + timeout if timeout else None
        next_bm = start + app.bookmark_interval if bookmarks else None
        next_check = start + 1.0
        while True:
            out = []
            action = None
            garbage = []
            with store.cond:
                now = time.monotonic()
                if store.stopping:
                    action = "stop"
                elif store.cut_epoch != my_cut:
                    action = store.cut_mode
                elif store.garbage_seq != my_garbage:
                    garbage = [line for seq, line in store.garbage_lines
                               if seq > my_garbage]
                    my_garbage = store.garbage_seq
                elif store.paused_until > time.time():
                    store.cond.wait(min(0.2, store.paused_until -
                                        time.time()))
                    continue
                else:
                    try:
                        evs = store.events_since(pos)
                    except Expired as e:
                        evs = None
                        action = ("expired", e)
                    if evs:
                        pos = store.rv
                        out = evs
                    elif evs is not None:
                        if deadline is not None and now >= deadline:
                            action = "end"
                        elif next_bm is not None and now >= next_bm:
                            action = "bookmark"
                        else:
                            wait = 1.0
                            if deadline is not None:
                                wait = min(wait, deadline - now)
                            if next_bm is not None:
                                wait = min(wait, next_bm - now)
                            store.cond.wait(max(wait, 0.001))
            for line in garbage:
                self.write_chunk(line.encode() + b"\n")
            for ev in out:
                data = self.filter_event(rtype, ns, mode, match, ev)
                if data is not None:
                    self.write_chunk(data)
            if action == "end":
                # a watch that timed out ends cleanly; the connection
                # stays open for the next request, as with the real server
                self.write_chunk(b"")
                self.close_connection = False
                return
            if action == "stop":
                self.write_chunk(b"")
                return
            if action in ("close", "reset"):
                if action == "close":
                    self.write_chunk(b"")
                self.abort(reset=action == "reset")
                return
            if isinstance(action, tuple):
                st = errors.gone(str(action[1])).status()
                self.write_chunk(dumps({"type": "ERROR", "object": st}))
                self.write_chunk(b"")
                return
            if action == "bookmark":
                self.write_chunk(self.encode_event(
                    rtype, mode, "BOOKMARK", self.bookmark(rtype, pos)))
                next_bm = time.monotonic() + app.bookmark_interval
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + 1.0
                if self.client_gone():
                    self.close_connection = True
                    return

    def filter_event(self, rtype, ns, mode, match, ev):
        if ev.rtype is not rtype:
            return None
        if ns is not None and ev.key[0] != ns:
            return None
        cur = match(ev.obj) if ev.type != DELETED else False
        if ev.type == ADDED:
            return self.encode_event(rtype, mode, ADDED, ev.obj) \
                if cur else None
        if ev.type == DELETED:
            return self.encode_event(rtype, mode, DELETED, ev.obj) \
                if match(ev.obj) else None
        was = match(ev.prev)
        if cur and was:
            return self.encode_event(rtype, mode, MODIFIED, ev.obj)
        if cur:
            return self.encode_event(rtype, mode, ADDED, ev.obj)
        if was:
            return self.encode_event(rtype, mode, DELETED, ev.obj)
        return None

# SPDX-License-Identifier: GPL-2.0
"""The HTTP side: the threaded server, authentication, routing, discovery
and OpenAPI answers, get/list/create/update/patch/delete, request faults
and the request statistics. Watch streams are in watch.py, the admin API
in admin.py."""

import http.server
import json
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse

from . import discovery, errors, patch
from .faults import Faults
from .resources import BY_PATH
from .selectors import (SelectorError, parse_field_selector,
                        parse_label_selector)
from .watch import WatchMixin
from .wire import JSON, TABLE_CT, dumps, make_table, negotiate, parse_accept, \
    partial

MAX_BODY = 32 << 20

# top-level fields per kind, for fieldValidation=Strict|Warn
_KNOWN_TOP = {
    "EndpointSlice": {"kind", "apiVersion", "metadata", "addressType",
                      "endpoints", "ports"},
}
_KNOWN_META = {"name", "generateName", "namespace", "selfLink", "uid",
               "resourceVersion", "generation", "creationTimestamp",
               "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
               "annotations", "ownerReferences", "finalizers",
               "managedFields"}


class Abort(Exception):
    """Close the connection without a response."""


def _strip_type(obj):
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


def _drop_nulls(value):
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    return value


class App:
    """Everything the handlers share."""

    def __init__(self, store, args, tokens):
        self.store = store
        self.args = args
        self.tokens = tokens or {}
        self.faults = Faults()
        self.lock = threading.Lock()
        self.bookmark_interval = args.bookmark_interval
        self.expired_watch_mode = args.expired_watch_mode
        self.allow_anonymous = args.allow_anonymous
        self.address = ""
        self.watches = {}
        self.watch_seq = 0
        self.connections = 0
        self.reset_stats()

    def reset_stats(self):
        with self.lock:
            self.stats = {"total": 0, "by_path": {}, "by_verb": {},
                          "by_status": {}, "faults_injected": 0}
            self.log = []
            self.log_seq = 0

    def record(self, method, path, query, verb, user):
        with self.lock:
            s = self.stats
            s["total"] += 1
            s["by_path"][path] = s["by_path"].get(path, 0) + 1
            vk = "%s %s" % (verb, path)
            s["by_verb"][vk] = s["by_verb"].get(vk, 0) + 1
            self.log_seq += 1
            entry = {"seq": self.log_seq, "time": time.time(),
                     "method": method, "path": path, "query": query,
                     "verb": verb, "user": user, "status": None}
            self.log.append(entry)
            if len(self.log) > 2000:
                del self.log[:len(self.log) - 2000]
            return entry

    def finish(self, entry, code):
        with self.lock:
            entry["status"] = code
            k = str(code)
            self.stats["by_status"][k] = self.stats["by_status"].get(k, 0) + 1

    def mark_fault(self, entry):
        with self.lock:
            entry["fault"] = True
            self.stats["faults_injected"] += 1

    def stats_doc(self):
        with self.lock:
            doc = json.loads(json.dumps(self.stats))
            doc["open_watches"] = len(self.watches)
        doc["resource_version"] = self.store.current_rv()
        doc["compacted_resource_version"] = self.store.compacted_rv
        return doc


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, family, app, tls_ctx, admin_only=False):
        self.address_family = family
        self.app = app
        self.admin_only = admin_only
        self.tls_ctx = tls_ctx
        super().__init__(addr, Handler)
        if tls_ctx is not None:
            self.socket = tls_ctx.wrap_socket(self.socket, server_side=True,
                                              do_handshake_on_connect=False)

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.server_address[0]
        self.server_port = self.server_address[1]

    def process_request(self, request, client_address):
        app = self.app
        with app.lock:
            if app.connections >= app.args.max_connections:
                full = True
            else:
                full = False
                app.connections += 1
        if full:
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.app.lock:
                self.app.connections -= 1

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError, Abort)):
            return
        super().handle_error(request, client_address)


class Handler(WatchMixin, http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nfp-test-apiserver"
    sys_version = ""
    timeout = 300

    # --- plumbing ---

    def setup(self):
        super().setup()
        self.aborted = False
        # Headers and body go out in separate writes: without TCP_NODELAY,
        # Nagle plus the client's delayed ACK costs ~40 ms per response.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def finish(self):
        if self.aborted:
            return
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if self.server.app.args.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def send_response(self, code, message=None):
        self.code = code
        super().send_response(code, message)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    break
                size += n
                if size > MAX_BODY:
                    raise errors.APIError(413, "RequestEntityTooLarge",
                                          "request entity too large")
                chunks.append(self.rfile.read(n))
                self.rfile.readline(16)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise errors.APIError(413, "RequestEntityTooLarge",
                                  "request entity too large")
        return self.rfile.read(n) if n else b""

    def send_bytes(self, code, data, ctype=JSON, headers=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, code, obj, ctype=JSON, headers=None):
        self.send_bytes(code, dumps(obj), ctype, headers)

    def send_error_status(self, err):
        hdrs = dict(err.headers)
        if err.code == 401:
            hdrs.setdefault("WWW-Authenticate", 'Basic realm="kubernetes-'
                            'master"')
        self.send_json(err.code, err.status(), headers=hdrs)

    def abort(self, reset=False):
        """Drops the connection; with reset, with a TCP RST."""
        self.aborted = True
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    # --- authentication ---

    def authenticate(self):
        """Returns the user name, or raises 401."""
        app = self.server.app
        if self.server.admin_only:
            return "admin-port"
        if isinstance(self.connection, ssl.SSLSocket):
            cert = self.connection.getpeercert()
            if cert:
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            return v
                return "x509"
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            tok = auth[7:].strip()
            user = app.tokens.get(tok)
            if user is None:
                raise errors.unauthorized()
            return user[0]
        if app.allow_anonymous:
            return "system:anonymous"
        raise errors.unauthorized()

    # --- dispatch ---

    def dispatch(self, method):
        self.code = None
        app = self.server.app
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        self.params = {}
        for k, v in urllib.parse.parse_qsl(url.query, keep_blank_values=True):
            self.params.setdefault(k, v)
        entry = None
        try:
            if self.server.admin_only and not path.startswith("/__admin"):
                raise errors.route_not_found()
            user = self.authenticate()
            if path.startswith("/__admin"):
                body = self.read_body()
                from .admin import handle_admin
                handle_admin(self, method, path, body)
                return
            verb = self.verb_of(method, path)
            entry = app.record(method, path, url.query, verb, user)
            self.entry = entry
            rule = app.faults.match(method, path, verb,
                                    self.params.get("watch") in ("true",
                                                                 "1"))
            if rule is not None:
                self.apply_fault(rule, entry)
                return
            self.route(method, path)
        except errors.APIError as e:
            if e.code == 401 and entry is None:
                entry = app.record(method, path, url.query, "unauthorized",
                                   None)
            self.body_drain()
            self.send_error_status(e)
        except Abort:
            self.abort()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError,
                socket.timeout):
            self.close_connection = True
        except Exception:
            traceback.print_exc()
            if self.code is None:
                try:
                    self.send_error_status(errors.APIError(
                        500, "InternalError", "Internal error occurred: %s"
                        % sys.exc_info()[1]))
                except OSError:
                    pass
            self.close_connection = True
        finally:
            if entry is not None and entry["status"] is None:
                app.finish(entry, self.code or 0)

    def body_drain(self):
        """Reads an unread body so that keep-alive stays in sync."""
        if getattr(self, "_body_read", False):
            return
        try:
            self._body_read = True
            n = int(self.headers.get("Content-Length") or 0)
            if 0 < n <= MAX_BODY:
                self.rfile.read(n)
            elif n > MAX_BODY:
                self.close_connection = True
        except (ValueError, OSError):
            self.close_connection = True

    def body_json(self):
        self._body_read = True
        raw = self.read_body()
        ctype = (self.headers.get("Content-Type") or JSON).split(";")[0]
        ctype = ctype.strip().lower()
        if ctype == "application/vnd.kubernetes.protobuf":
            raise errors.unsupported_media("application/json")
        dup = []

        def hook(pairs):
            seen = set()
            for k, _ in pairs:
                if k in seen:
                    dup.append(k)
                seen.add(k)
            return dict(pairs)
        try:
            obj = json.loads(raw.decode("utf-8") if raw else "null",
                             object_pairs_hook=hook)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            if ctype.endswith("yaml"):
                raise errors.APIError(
                    415, "UnsupportedMediaType", "this test server reads "
                    "JSON bodies only (JSON is valid YAML): %s" % e)
            raise errors.bad_request("couldn't get version/kind; json parse "
                                     "error: %s" % e)
        self.duplicate_fields = dup
        return obj, ctype

    def verb_of(self, method, path):
        watch = self.params.get("watch") in ("true", "1") or "/watch/" in path
        parts = [p for p in path.split("/") if p]
        named = False
        if parts and parts[0] in ("api", "apis"):
            rest = parts[2:] if parts[0] == "api" else parts[3:]
            if rest and rest[0] == "watch":
                rest = rest[1:]
            if len(rest) >= 2 and rest[0] == "namespaces" and \
                    (len(rest) == 2 or rest[2] in ("status", "finalize")):
                named = True
            elif len(rest) >= 3 and rest[0] == "namespaces":
                named = len(rest) >= 4
            elif len(rest) >= 2:
                named = True
        if method in ("GET", "HEAD"):
            if not parts or parts[0] not in ("api", "apis") or \
                    len(parts) <= (2 if parts[0] == "api" else 3):
                return "get"
            if watch:
                return "watch"
            return "get" if named else "list"
        return {"POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if named else "deletecollection"}.get(
                    method, method.lower())

    # --- faults ---

    def apply_fault(self, rule, entry):
        app = self.server.app
        if rule.action == "stall":
            deadline = time.monotonic() + rule.hold_seconds()
            while time.monotonic() < deadline and not app.store.stopping \
                    and not rule.cancelled:
                time.sleep(min(0.05, max(0, deadline - time.monotonic())))
            app.mark_fault(entry)
            if rule.then == "serve" or rule.cancelled:
                self.route(self.command, urllib.parse.urlsplit(
                    self.path).path)
                return
            app.finish(entry, 0)
            self.abort(reset=rule.then == "reset")
            return
        self.body_drain()
        err = rule.error()
        app.mark_fault(entry)
        self.send_error_status(err)
        app.finish(entry, err.code)

    # --- routing ---

    def route(self, method, path):
        parts = [p for p in path.split("/") if p]
        parts = [urllib.parse.unquote(p) for p in parts]
        app = self.server.app
        if method not in ("GET", "HEAD") and (
                not parts or parts[0] not in ("api", "apis")):
            raise errors.method_not_allowed()
        if parts == ["api"]:
            return self.send_discovery(discovery.api_versions(app), "core")
        if parts == ["apis"]:
            return self.send_discovery(discovery.api_groups(), "groups")
        if len(parts) == 2 and parts[0] == "apis":
            doc = discovery.api_group(parts[1])
            if doc is None:
                raise errors.route_not_found()
            return self.send_json(200, doc)
        if parts == ["api", "v1"]:
            return self.send_json(200, discovery.resource_list("", "v1"))
        if len(parts) == 3 and parts[0] == "apis":
            doc = discovery.resource_list(parts[1], parts[2])
            if doc is None:
                raise errors.route_not_found()
            return self.send_json(200, doc)
        if parts == ["version"]:
            return self.send_json(200, discovery.version())
        if parts and parts[0] in ("healthz", "livez", "readyz"):
            return self.send_bytes(200, b"ok", "text/plain; charset=utf-8")
        if parts and parts[0] == "openapi":
            return self.send_openapi(parts)
        if len(parts) >= 3 and parts[0] == "api" and parts[1] == "v1":
            return self.resource_request(method, "", "v1", parts[2:])
        if len(parts) >= 4 and parts[0] == "apis":
            return self.resource_request(method, parts[1], parts[2],
                                         parts[3:])
        raise errors.route_not_found()

    def send_discovery(self, doc_plain, which):
        app = self.server.app
        accept = self.headers.get("Accept") or ""
        if not app.args.no_aggregated_discovery:
            for mime, params in parse_accept(accept):
                if mime == "application/json" and \
                        params.get("g") == "apidiscovery.k8s.io" and \
                        params.get("as") == "APIGroupDiscoveryList" and \
                        params.get("v") in ("v2", "v2beta1"):
                    v = params["v"]
                    doc = discovery.aggregated(which, v)
                    return self.send_json(
                        200, doc, "application/json;g=apidiscovery.k8s.io;"
                        "v=%s;as=APIGroupDiscoveryList" % v)
                if mime in ("application/json", "*/*") and "as" not in params:
                    break
        return self.send_json(200, doc_plain)

    def send_openapi(self, parts):
        accept = self.headers.get("Accept") or ""
        if parts == ["openapi", "v2"]:
            if "protobuf" in accept:
                # an empty protobuf message is a valid, empty
                # openapi_v2.Document: clients find no schema and skip
                # client-side validation
                return self.send_bytes(
                    200, b"", "application/com.github.proto-openapi.spec.v2"
                    ".v1.0+protobuf")
            return self.send_json(200, discovery.openapi_v2())
        if parts == ["openapi", "v3"]:
            return self.send_json(200, discovery.openapi_v3_root())
        doc = discovery.openapi_v3_group("/".join(parts[2:]))
        if doc is None:
            raise errors.route_not_found()
        return self.send_json(200, doc)

    def resource_request(self, method, group, version, rest):
        watch_path = False
        if rest and rest[0] == "watch":
            watch_path = True
            rest = rest[1:]
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces" and \
                rest[2] not in ("status", "finalize"):
            ns = rest[1]
            rest = rest[2:]
        if not rest:
            raise errors.route_not_found()
        rtype = BY_PATH.get((group, version, rest[0]))
        if rtype is None:
            raise errors.route_not_found()
        if ns is not None and not rtype.namespaced:
            raise errors.route_not_found()
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) >= 3 else None
        if len(rest) > 3:
            raise errors.route_not_found()
        if sub is not None and (sub not in ("status",) or
                                not rtype.has_status):
            if not (rtype.plural == "namespaces" and sub == "finalize"):
                raise errors.route_not_found()
        if rtype.namespaced and ns is None and name is not None:
            raise errors.route_not_found()
        watch = watch_path or self.params.get("watch") in ("true", "1")
        if method in ("GET", "HEAD"):
            mode = negotiate(self.headers.get("Accept"))
            if watch:
                return self.serve_watch(rtype, ns, name, mode)
            if name is None:
                return self.serve_list(rtype, ns, mode)
            obj = self.server.app.store.get(rtype, ns, name)
            return self.send_object(200, rtype, obj, mode)
        dry = self.params.get("dryRun") == "All"
        store = self.server.app.store
        if method == "POST":
            if name is not None:
                raise errors.method_not_allowed()
            if rtype.namespaced and ns is None:
                raise errors.method_not_allowed()
            body, _ = self.body_json()
            self.field_validation(rtype, body)
            obj = store.create(rtype, ns, self.check_kind(rtype, body),
                               dry_run=dry)
            return self.send_object(201, rtype, obj, negotiate(
                self.headers.get("Accept")))
        if method == "PUT":
            if name is None:
                raise errors.method_not_allowed()
            body, _ = self.body_json()
            self.field_validation(rtype, body)
            body = self.check_kind(rtype, body)
            obj = store.update(rtype, ns, name, body, subresource=sub,
                               dry_run=dry)
            return self.send_object(200, rtype, obj, negotiate(
                self.headers.get("Accept")))
        if method == "PATCH":
            if name is None:
                raise errors.method_not_allowed()
            return self.serve_patch(rtype, ns, name, sub, dry)
        if method == "DELETE":
            opts = {}
            raw = self.read_body()
            self._body_read = True
            if raw.strip():
                try:
                    opts = json.loads(raw)
                except json.JSONDecodeError as e:
                    raise errors.bad_request("couldn't get version/kind; "
                                             "json parse error: %s" % e)
            if (opts.get("dryRun") or []) == ["All"]:
                dry = True
            grace = opts.get("gracePeriodSeconds")
            if "gracePeriodSeconds" in self.params:
                try:
                    grace = int(self.params["gracePeriodSeconds"])
                except ValueError:
                    raise errors.bad_request("invalid gracePeriodSeconds")
            if name is None:
                match = self.matcher(rtype)
                items = store.delete_collection(rtype, ns, match, dry_run=dry)
                return self.send_json(200, {
                    "kind": rtype.list_kind, "apiVersion": rtype.api_version,
                    "metadata": {"resourceVersion": str(store.current_rv())},
                    "items": [_strip_type(o) for o in items]})
            obj = store.delete(rtype, ns, name, opts.get("preconditions"),
                               dry_run=dry, grace=grace)
            code = 202 if obj["metadata"].get("deletionTimestamp") and \
                not dry else 200
            return self.send_object(code, rtype, obj, "json")
        raise errors.method_not_allowed()

    def check_kind(self, rtype, body):
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a "
                                     "JSON object")
        kind = body.get("kind")
        av = body.get("apiVersion")
        if (kind and kind != rtype.kind) or (av and av != rtype.api_version):
            raise errors.bad_request(
                "the API version in the data (%s) does not match the "
                "expected API version (%s)" % (av, rtype.api_version)
                if av != rtype.api_version else
                "the kind in the data (%s) does not match the expected "
                "kind (%s)" % (kind, rtype.kind))
        return body

    def field_validation(self, rtype, body):
        mode = self.params.get("fieldValidation", "")
        if mode not in ("Strict", "Warn") or not isinstance(body, dict):
            return
        unknown = ['duplicate field "%s"' % d for d in self.duplicate_fields]
        known = _KNOWN_TOP.get(rtype.kind, {"kind", "apiVersion", "metadata",
                                            "spec", "status"})
        for k in body:
            if k not in known:
                unknown.append('unknown field "%s"' % k)
        meta = body.get("metadata")
        if isinstance(meta, dict):
            for k in meta:
                if k not in _KNOWN_META:
                    unknown.append('unknown field "metadata.%s"' % k)
        if not unknown:
            return
        if mode == "Strict":
            raise errors.bad_request("strict decoding error: " +
                                     ", ".join(unknown))
        self.warnings = unknown

    def end_headers(self):
        for w in getattr(self, "warnings", None) or []:
            self.send_header("Warning", '299 - "%s"' % w.replace('"', '\\"'))
        self.warnings = None
        super().end_headers()

    def send_object(self, code, rtype, obj, mode):
        if mode == "table":
            include = self.params.get("includeObject", "Metadata")
            doc = make_table(rtype, [obj], {"resourceVersion": obj[
                "metadata"].get("resourceVersion", "")}, include)
            return self.send_json(code, doc, TABLE_CT)
        if mode == "partial":
            return self.send_json(code, partial(obj))
        return self.send_json(code, obj)

    # --- selectors ---

    def matcher(self, rtype):
        try:
            lsel = parse_label_selector(self.params.get("labelSelector", ""))
            fsel = parse_field_selector(self.params.get("fieldSelector", ""))
        except SelectorError as e:
            raise errors.bad_request(str(e))
        for f in fsel.fields():
            if f not in rtype.fields:
                raise errors.bad_request('field label not supported: %s' % f)
        if lsel.empty() and fsel.empty():
            return lambda obj: True

        def match(obj):
            if obj is None:
                return False
            meta = obj.get("metadata") or {}
            return lsel.matches(meta.get("labels")) and fsel.matches(
                lambda f: rtype.field_value(obj, f))
        match.selective = True
        return match

    # --- list ---

    def serve_list(self, rtype, ns, mode):
        store = self.server.app.store
        match = self.matcher(rtype)
        try:
            limit = int(self.params.get("limit") or 0)
        except ValueError:
            raise errors.bad_request("limit: must be an integer")
        if limit < 0:
            limit = 0
        rv = self.params.get("resourceVersion")
        rv_match = self.params.get("resourceVersionMatch")
        if rv_match and rv_match not in ("Exact", "NotOlderThan"):
            raise errors.bad_request("resourceVersionMatch: Unsupported "
                                     "value: %r" % rv_match)
        if rv_match and not rv:
            raise errors.bad_request("resourceVersionMatch is forbidden "
                                     "unless resourceVersion is provided")
        cont = self.params.get("continue") or None
        if cont and rv not in (None, ""):
            raise errors.bad_request("specifying resource version is not "
                                     "allowed when using continue")
        items, list_rv, token, remaining = store.list(
            rtype, ns, match, limit=limit, cont=cont, rv=rv,
            rv_match=rv_match)
        meta = {"resourceVersion": str(list_rv)}
        if token:
            meta["continue"] = token
            if not getattr(match, "selective", False) and remaining:
                meta["remainingItemCount"] = remaining
        if mode == "table":
            include = self.params.get("includeObject", "Metadata")
            return self.send_json(200, make_table(rtype, items, meta,
                                                  include), TABLE_CT)
        if mode == "partial":
            return self.send_json(200, {
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                "items": [partial(o) for o in items]})
        return self.send_json(200, {"kind": rtype.list_kind,
                                    "apiVersion": rtype.api_version,
                                    "metadata": meta,
                                    "items": [_strip_type(o) for o in items]})

    # --- patch ---

    def serve_patch(self, rtype, ns, name, sub, dry):
        store = self.server.app.store
        body, ctype = self.body_json()
        if ctype == "application/merge-patch+json":
            fn = patch.merge_patch
        elif ctype == "application/json-patch+json":
            fn = patch.json_patch
        elif ctype == "application/strategic-merge-patch+json":
            fn = patch.strategic_merge_patch
        elif ctype == "application/apply-patch+yaml":
            return self.serve_apply(rtype, ns, name, body, dry)
        else:
            raise errors.unsupported_media(None)
        for _ in range(10):
            old = store.get(rtype, ns, name)
            try:
                new = fn(old, body)
            except patch.PatchError as e:
                raise errors.APIError(422, "Invalid", str(e))
            if not isinstance(new, dict):
                raise errors.bad_request("the patch produced a non-object")
            self.field_validation(rtype, new)
            meta = new.get("metadata") if isinstance(new.get("metadata"),
                                                     dict) else {}
            old_rv = old["metadata"]["resourceVersion"]
            given = meta.get("resourceVersion")
            pinned = given is not None and given != old_rv
            try:
                obj = store.update(rtype, ns, name, new, subresource=sub,
                                   dry_run=dry,
                                   expect_rv=given if pinned else old_rv)
            except errors.APIError as e:
                if e.code == 409 and e.reason == "Conflict" and not pinned:
                    continue
                raise
            return self.send_object(200, rtype, obj, negotiate(
                self.headers.get("Accept")))
        raise errors.conflict(rtype, name)

    def serve_apply(self, rtype, ns, name, body, dry):
        """Server-side apply, approximated: create when absent, else a
        merge of the applied configuration: maps merge, lists and scalars it
        names replace what is stored (no field ownership: fields left out
        of the configuration are not removed)."""
        store = self.server.app.store
        body = self.check_kind(rtype, body)
        meta = body.get("metadata") if isinstance(body.get("metadata"),
                                                  dict) else {}
        if meta.get("name") and meta["name"] != name:
            raise errors.bad_request(
                "the name of the object (%s) does not match the name on the "
                "URL (%s)" % (meta["name"], name))
        self.field_validation(rtype, body)
        accept = negotiate(self.headers.get("Accept"))
        try:
            store.get(rtype, ns, name)
        except errors.APIError as e:
            if e.code != 404:
                raise
            body = dict(body, metadata=dict(meta, name=name))
            obj = store.create(rtype, ns, body, dry_run=dry)
            return self.send_object(201, rtype, obj, accept)
        for _ in range(10):
            old = store.get(rtype, ns, name)
            new = patch.merge_patch(old, _drop_nulls(body))
            try:
                obj = store.update(rtype, ns, name, new, dry_run=dry,
                                   expect_rv=old["metadata"]
                                   ["resourceVersion"])
            except errors.APIError as e:
                if e.code == 409 and e.reason == "Conflict":
                    continue
                raise
            return self.send_object(200, rtype, obj, accept)
        raise errors.conflict(rtype, name)

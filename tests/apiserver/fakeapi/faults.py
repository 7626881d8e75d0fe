# SPDX-License-Identifier: GPL-2.0
"""Injected faults for requests: error answers (500, 429 with Retry-After,
...) and stalls, each for the next N matching requests and/or for T
seconds. Watch-stream faults (cut, garbage, pause, expire) act on the store
and live in admin.py."""

import threading
import time

from . import errors

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class Rule:
    def __init__(self, rid, spec):
        self.id = rid
        self.action = spec["action"]
        self.spec = dict(spec)
        self.count = spec.get("count")
        seconds = spec.get("seconds")
        if self.count is None and seconds is None:
            self.count = 1
        self.until = time.monotonic() + float(seconds) if seconds else None
        self.code = int(spec.get("code", 500))
        self.retry_after = spec.get("retry_after")
        if self.retry_after is None and self.code == 429:
            self.retry_after = 1
        self.message = spec.get("message")
        self.path = spec.get("path")
        self.method = spec.get("method")
        self.verb = spec.get("verb")
        self.watch = spec.get("watch")
        self.hold = spec.get("hold")
        self.then = spec.get("then", "close")
        self.hits = 0
        self.cancelled = False
        if self.action not in ("error", "stall"):
            raise ValueError("unknown request fault %r" % self.action)
        if self.then not in ("close", "reset", "serve"):
            raise ValueError("then must be close, reset or serve")

    def live(self):
        if self.cancelled:
            return False
        if self.count is not None and self.count <= 0:
            return False
        if self.until is not None and time.monotonic() >= self.until:
            return False
        return True

    def matches(self, method, path, verb, watch):
        if self.path and not path.startswith(self.path):
            return False
        if self.method and self.method.upper() != method:
            return False
        if self.verb and self.verb != verb:
            return False
        if self.watch is not None and bool(self.watch) != watch:
            return False
        return True

    def hold_seconds(self):
        if self.hold is not None:
            return float(self.hold)
        if self.until is not None:
            return max(0.0, self.until - time.monotonic())
        return 30.0

    def error(self):
        code = self.code
        reason = _REASONS.get(code, "")
        headers = {}
        details = None
        if code == 429:
            msg = self.message or "Too many requests, please try again later."
        elif code == 500:
            msg = self.message or "Internal error occurred: injected fault"
            details = {"causes": [{"message": "injected fault"}]}
        elif code == 503:
            msg = self.message or "The server is currently unable to handle " \
                "the request"
        elif code == 504:
            msg = self.message or "The server was unable to return a " \
                "response in the time allotted, but may still be " \
                "processing the request"
        else:
            msg = self.message or "injected fault"
        if self.retry_after is not None:
            headers["Retry-After"] = str(int(self.retry_after))
            details = dict(details or {})
            details["retryAfterSeconds"] = int(self.retry_after)
        return errors.APIError(code, reason, msg, details, headers)

    def doc(self):
        d = dict(self.spec)
        d["id"] = self.id
        d["hits"] = self.hits
        d["remaining_count"] = self.count
        if self.until is not None:
            d["remaining_seconds"] = round(max(0.0, self.until -
                                               time.monotonic()), 3)
        return d


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.next_id = 1

    def add(self, spec):
        with self.lock:
            rule = Rule(self.next_id, spec)
            self.next_id += 1
            self.rules.append(rule)
            return rule

    def clear(self):
        with self.lock:
            for r in self.rules:
                r.cancelled = True
            n = len(self.rules)
            self.rules = []
            return n

    def match(self, method, path, verb, watch):
        """The first live rule matching the request (its count used up by
        one), or None."""
        with self.lock:
            self.rules = [r for r in self.rules if r.live()]
            for r in self.rules:
                if r.matches(method, path, verb, watch):
                    if r.count is not None:
                        r.count -= 1
                    r.hits += 1
                    return r
            return None

    def docs(self):
        with self.lock:
            self.rules = [r for r in self.rules if r.live()]
            return [r.doc() for r in self.rules]

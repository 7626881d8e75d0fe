# SPDX-License-Identifier: GPL-2.0
"""API errors as the real server words them: each becomes a v1 Status."""


class APIError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        return status_object(self.code, self.reason, self.message,
                             self.details)


def status_object(code, reason, message, details=None):
    st = {"kind": "Status", "apiVersion": "v1", "metadata": {},
          "status": "Failure" if code >= 300 else "Success",
          "message": message, "reason": reason, "code": code}
    if details is not None:
        st["details"] = details
    if not reason:
        del st["reason"]
    return st


def success_status(details=None):
    st = {"kind": "Status", "apiVersion": "v1", "metadata": {},
          "status": "Success"}
    if details is not None:
        st["details"] = details
    return st


def _details(rtype, name):
    d = {"kind": rtype.plural}
    if name is not None:
        d = {"name": name, "kind": rtype.plural}
    if rtype.group:
        d["group"] = rtype.group
    return d


def _qualified(rtype):
    return rtype.plural + ("." + rtype.group if rtype.group else "")


def not_found(rtype, name):
    return APIError(404, "NotFound", '%s "%s" not found'
                    % (_qualified(rtype), name), _details(rtype, name))


def namespace_not_found(name):
    return APIError(404, "NotFound", 'namespaces "%s" not found' % name,
                    {"name": name, "kind": "namespaces"})


def already_exists(rtype, name):
    return APIError(409, "AlreadyExists", '%s "%s" already exists'
                    % (_qualified(rtype), name), _details(rtype, name))


def conflict(rtype, name, why=None):
    why = why or ("the object has been modified; please apply your changes "
                  "to the latest version and try again")
    return APIError(409, "Conflict", 'Operation cannot be fulfilled on '
                    '%s "%s": %s' % (_qualified(rtype), name, why),
                    _details(rtype, name))


def invalid(rtype, kind, name, causes):
    msgs = [c[2] for c in causes]
    if len(msgs) == 1:
        text = msgs[0]
    else:
        text = "[" + ", ".join(msgs) + "]"
    det = _details(rtype, name)
    det["kind"] = kind
    det["causes"] = [{"reason": c[1], "message": c[2].split(": ", 1)[-1],
                      "field": c[0]} for c in causes]
    return APIError(422, "Invalid", '%s "%s" is invalid: %s'
                    % (kind, name, text), det)


def bad_request(message):
    return APIError(400, "BadRequest", message)


def gone(message):
    return APIError(410, "Expired", message)


def method_not_allowed(message="the server does not allow this method on the "
                       "requested resource"):
    return APIError(405, "MethodNotAllowed", message)


def route_not_found():
    return APIError(404, "NotFound",
                    "the server could not find the requested resource", {})


def unauthorized():
    return APIError(401, "Unauthorized", "Unauthorized")


def unsupported_media(ctype):
    return APIError(415, "UnsupportedMediaType", 'the body of the request '
                    'was in an unknown format - accepted media types '
                    'include: application/json-patch+json, '
                    'application/merge-patch+json, '
                    'application/strategic-merge-patch+json' if ctype is None
                    else 'the body of the request was in an unknown format '
                    '- accepted media types include: %s' % ctype)


def not_acceptable(accepted):
    return APIError(406, "NotAcceptable", "only the following media types "
                    "are accepted: " + ", ".join(accepted))

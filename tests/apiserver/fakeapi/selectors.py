# SPDX-License-Identifier: GPL-2.0
"""Label and field selectors with the Kubernetes syntax.

Label selectors (k8s.io/apimachinery/pkg/labels): comma-separated
requirements, each one of
    key=value  key==value  key!=value
    key in (v1,v2)  key notin (v1,v2)
    key  !key
    key>N  key<N
Field selectors (k8s.io/apimachinery/pkg/fields): comma-separated
    field=value  field==value  field!=value
with backslash escapes for ',', '=', '!' and '\\' in values.

Both parsers raise SelectorError with a message in the real server's words;
the caller turns it into a 400 BadRequest.
"""

import re


class SelectorError(ValueError):
    pass


# --- label selectors -------------------------------------------------------

_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def label_key_error(key):
    """Returns None if key is a valid label key, else a message."""
    if "/" in key:
        prefix, name = key.split("/", 1)
        if not prefix or len(prefix) > 253 or \
                not _DNS1123_SUBDOMAIN.match(prefix):
            return ("prefix part must be a lowercase RFC 1123 subdomain "
                    "(e.g. 'example.com')")
    else:
        name = key
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _QUALIFIED_NAME.match(name):
        return ("name part must consist of alphanumeric characters, '-', '_' "
                "or '.', and must start and end with an alphanumeric "
                "character")
    return None


def label_value_error(value):
    """Returns None if value is a valid label value, else a message."""
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not _LABEL_VALUE.match(value):
        return ("a valid label must be an empty string or consist of "
                "alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character")
    return None


_TOKEN = re.compile(r"\s*(==|!=|=|!|\(|\)|,|>|<|[^\s=!(),<>]+)")


def _tokens(text):
    pos = 0
    out = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise SelectorError("unable to parse requirement: invalid "
                                "character at %r" % text[pos:])
        out.append(m.group(1))
        pos = m.end()
        # trailing blanks
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


_OPERATORS = ("=", "==", "!=", "in", "notin", ">", "<")


class LabelSelector:
    """A parsed label selector: a list of (key, op, values) requirements.

    op is one of "=", "!=", "in", "notin", "exists", "!", "gt", "lt".
    An empty selector matches everything.
    """

    def __init__(self, requirements):
        self.requirements = requirements

    def empty(self):
        return not self.requirements

    def matches(self, labels):
        labels = labels or {}
        for key, op, values in self.requirements:
            present = key in labels
            value = labels.get(key)
            if op in ("=", "in"):
                if not present or value not in values:
                    return False
            elif op in ("!=", "notin"):
                if present and value in values:
                    return False
            elif op == "exists":
                if not present:
                    return False
            elif op == "!":
                if present:
                    return False
            elif op in ("gt", "lt"):
                if not present:
                    return False
                try:
                    n = int(value)
                except ValueError:
                    return False
                if op == "gt" and not n > values[0]:
                    return False
                if op == "lt" and not n < values[0]:
                    return False
        return True


def _check_key(key):
    err = label_key_error(key)
    if err:
        raise SelectorError("unable to parse requirement: key: Invalid "
                            "value: %r: %s" % (key, err))


def _check_value(value):
    err = label_value_error(value)
    if err:
        raise SelectorError("unable to parse requirement: values[0]: "
                            "Invalid value: %r: %s" % (value, err))


def parse_label_selector(text):
    """Parses a label selector string. Raises SelectorError."""
    text = text or ""
    toks = _tokens(text)
    reqs = []
    i = 0
    n = len(toks)

    def peek(k=0):
        return toks[i + k] if i + k < n else None

    while i < n:
        tok = toks[i]
        if tok == "!":
            key = peek(1)
            if key is None or key in ("=", "==", "!=", "(", ")", ",", "!"):
                raise SelectorError("unable to parse requirement: found "
                                    "'%s', expected: identifier" % key)
            _check_key(key)
            reqs.append((key, "!", ()))
            i += 2
        else:
            if tok in ("=", "==", "!=", "(", ")", ",", ">", "<"):
                raise SelectorError("unable to parse requirement: found "
                                    "'%s', expected: !, identifier, or 'end "
                                    "of string'" % tok)
            key = tok
            _check_key(key)
            op = peek(1)
            if op is None or op == ",":
                reqs.append((key, "exists", ()))
                i += 1
            elif op in ("=", "==", "!="):
                val = peek(2)
                if val is None or val == ",":
                    val = ""
                    i += 2
                else:
                    if val in ("=", "==", "!=", "(", ")", "!", ">", "<"):
                        raise SelectorError("unable to parse requirement: "
                                            "found '%s', expected: "
                                            "identifier" % val)
                    i += 3
                _check_value(val)
                reqs.append((key, "!=" if op == "!=" else "=", (val,)))
            elif op in ("in", "notin"):
                if peek(2) != "(":
                    raise SelectorError("unable to parse requirement: found "
                                        "'%s', expected: '('" % peek(2))
                i += 3
                values = []
                expect_value = True
                while True:
                    t = peek()
                    if t is None:
                        raise SelectorError("unable to parse requirement: "
                                            "found 'end of string', "
                                            "expected: ')'")
                    i += 1
                    if t == ")":
                        if expect_value and values:
                            values.append("")
                        break
                    if t == ",":
                        if expect_value:
                            values.append("")
                        expect_value = True
                        continue
                    if not expect_value:
                        raise SelectorError("unable to parse requirement: "
                                            "found '%s', expected: ',' or "
                                            "')'" % t)
                    _check_value(t)
                    values.append(t)
                    expect_value = False
                if not values:
                    raise SelectorError("unable to parse requirement: "
                                        "values: Invalid value: []: for "
                                        "'in', 'notin' operators, values set "
                                        "can't be empty")
                reqs.append((key, op, tuple(values)))
            elif op in (">", "<"):
                val = peek(2)
                try:
                    num = int(val)
                except (TypeError, ValueError):
                    raise SelectorError("unable to parse requirement: for "
                                        "'Gt', 'Lt' operators, the value must "
                                        "be an integer")
                reqs.append((key, "gt" if op == ">" else "lt", (num,)))
                i += 3
            else:
                raise SelectorError("unable to parse requirement: found "
                                    "'%s', expected: in, notin, =, ==, !=, "
                                    "gt, lt" % op)
        if i < n:
            if toks[i] != ",":
                raise SelectorError("found '%s', expected: ',' or 'end of "
                                    "string'" % toks[i])
            i += 1
            if i >= n:
                raise SelectorError("found 'end of string', expected: "
                                    "identifier")
    return LabelSelector(reqs)


# --- field selectors -------------------------------------------------------


class FieldSelector:
    """A parsed field selector: (field, op, value) terms, op "=" or "!="."""

    def __init__(self, terms):
        self.terms = terms

    def empty(self):
        return not self.terms

    def fields(self):
        return [t[0] for t in self.terms]

    def matches(self, getter):
        """getter(field) returns the object's value for field as a string."""
        for field, op, value in self.terms:
            actual = getter(field)
            if op == "=" and actual != value:
                return False
            if op == "!=" and actual == value:
                return False
        return True

    def exact_value(self, field):
        """The value required by a field=value term, or None."""
        for f, op, v in self.terms:
            if f == field and op == "=":
                return v
        return None


def _split_unescaped(text, sep):
    parts = []
    cur = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(value):
    out = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\":
            if i + 1 >= len(value):
                raise SelectorError("invalid field selector: trailing "
                                    "backslash in %r" % value)
            nxt = value[i + 1]
            if nxt not in "\\,=!":
                raise SelectorError("invalid field selector: invalid escape "
                                    "sequence \\%s" % nxt)
            out.append(nxt)
            i += 2
            continue
        if c in ",=":
            raise SelectorError("invalid field selector: unescaped %r in "
                                "value %r" % (c, value))
        out.append(c)
        i += 1
    return "".join(out)


def parse_field_selector(text):
    """Parses a field selector string. Raises SelectorError."""
    text = text or ""
    terms = []
    if text.strip() == "":
        return FieldSelector(terms)
    for part in _split_unescaped(text, ","):
        if part == "":
            continue
        for op in ("!=", "==", "="):
            idx = _find_unescaped(part, op)
            if idx >= 0:
                field = part[:idx].strip()
                value = _unescape(part[idx + len(op):])
                if not field:
                    raise SelectorError("invalid selector: '%s'; can't "
                                        "understand '%s'" % (text, part))
                terms.append((field, "!=" if op == "!=" else "=", value))
                break
        else:
            raise SelectorError("invalid selector: '%s'; can't understand "
                                "'%s'" % (text, part))
    return FieldSelector(terms)


def _find_unescaped(text, op):
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(op, i):
            return i
        i += 1
    return -1

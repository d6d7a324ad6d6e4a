"""Kubernetes label and field selectors (``listOptions.labelSelector`` / ``listOptions.fieldSelector``).

Label selectors: ``k=v``, ``k==v``, ``k!=v``, ``k in (a,b)``, ``k notin (a,b)``, ``k`` (exists), ``!k``,
and ``k>N`` / ``k<N`` (integer comparisons, as Kubernetes' ``labels.Parse``), joined by commas. Field
selectors: ``path=v``, ``path==v``, ``path!=v`` over ``metadata.name``, ``metadata.namespace``,
``metadata.uid`` and ``status.phase``, plus Argo Server's ``spec.startedAt>T`` / ``spec.startedAt<T``
(``server/utils/list_options.go:BuildListOptions``; matched against ``status.startedAt``). Argo's
``nameFilter`` (``Exact``, ``Contains``, ``Prefix``, ``NotEquals``) turns a ``metadata.name`` requirement into
the matching operator (:func:`apply_name_filter`). Malformed selectors raise
:class:`~argento.errors.SpecError` naming the list option.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from argento.errors import SpecError

LABEL_PATH = "listOptions.labelSelector"
FIELD_PATH = "listOptions.fieldSelector"

_KEY = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_SET = re.compile(r"^(!?)\s*([^\s!=()]+)\s+(in|notin)\s*\((.*)\)$")
_CMP = re.compile(r"^([^\s!=()]+)\s*(==|=|!=)\s*(.*)$")
_EXISTS = re.compile(r"^(!?)\s*([^\s!=()]+)$")
_ORDER = re.compile(r"^([^\s!=()<>]+)\s*([<>])\s*(.*)$")
_INT = re.compile(r"^[-+]?[0-9]+$")

FIELDS = ("metadata.name", "metadata.namespace", "metadata.uid", "status.phase")
#: Argo Server's time bounds on when a workflow started (``>``/``<`` only).
STARTED_AT = "spec.startedAt"
#: Argo's ``nameFilter`` values and the operator each gives ``metadata.name=X``.
NAME_FILTERS = {"Exact": "=", "Contains": "contains", "Prefix": "prefix", "NotEquals": "!="}


@dataclass(frozen=True)
class Requirement:
    """One label requirement; ``op`` is ``=``, ``!=``, ``in``, ``notin``, ``exists`` or ``!exists``."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in (">", "<"):
            if value is None or not _INT.match(value):
                return False
            return int(value) > int(self.values[0]) if self.op == ">" else int(value) < int(self.values[0])
        # Kubernetes: `!=` and `notin` also match objects that do not have the label.
        return not present or value not in self.values


@dataclass(frozen=True)
class FieldRequirement:
    """One field requirement: ``field`` is one of :data:`FIELDS` with ``op`` ``=``, ``!=``, ``contains`` or
    ``prefix``; or :data:`STARTED_AT` with ``>`` or ``<`` and an RFC 3339 UTC ``value``."""

    field: str
    op: str
    value: str

    def matches(self, resource: Mapping[str, Any]) -> bool:
        if self.field == STARTED_AT:
            started = str((resource.get("status") or {}).get("startedAt") or "")
            if not started:
                return False
            return started > self.value if self.op == ">" else started < self.value
        section, _, key = self.field.partition(".")
        actual = str(((resource.get(section) or {}).get(key)) or "")
        if self.op == "contains":
            return self.value in actual
        if self.op == "prefix":
            return actual.startswith(self.value)
        return (actual == self.value) == (self.op == "=")


def _split(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _check_key(key: str, text: str) -> None:
    if len(key) > 317 or not _KEY.match(key):
        raise SpecError(f"invalid label key {key!r} in selector {text!r}", path=LABEL_PATH)


def _check_value(value: str, text: str) -> None:
    if len(value) > 63 or not _VALUE.match(value):
        raise SpecError(f"invalid label value {value!r} in selector {text!r}", path=LABEL_PATH)


def parse_label_selector(text: str | None) -> list[Requirement]:
    """Parse a label selector; the empty selector matches everything."""
    if not text or not text.strip():
        return []
    out: list[Requirement] = []
    for part in _split(text):
        m = _SET.match(part)
        if m and not m.group(1):
            key, op = m.group(2), m.group(3)
            values = tuple(v.strip() for v in m.group(4).split(",") if v.strip())
            _check_key(key, text)
            for v in values:
                _check_value(v, text)
            if not values:
                raise SpecError(f"'{op}' needs at least one value in selector {text!r}", path=LABEL_PATH)
            out.append(Requirement(key, op, values))
            continue
        m = _CMP.match(part)
        if m:
            key, op, value = m.group(1), m.group(2), m.group(3).strip()
            _check_key(key, text)
            _check_value(value, text)
            out.append(Requirement(key, "!=" if op == "!=" else "=", (value,)))
            continue
        m = _ORDER.match(part)
        if m:
            key, op, value = m.group(1), m.group(2), m.group(3).strip()
            _check_key(key, text)
            if not _INT.match(value):
                raise SpecError(
                    f"for '{op}' operator, the value must be an integer in selector {text!r}", path=LABEL_PATH
                )
            out.append(Requirement(key, op, (value,)))
            continue
        m = _EXISTS.match(part)
        if m:
            _check_key(m.group(2), text)
            out.append(Requirement(m.group(2), "!exists" if m.group(1) else "exists"))
            continue
        raise SpecError(f"unable to parse requirement {part!r} of selector {text!r}", path=LABEL_PATH)
    return out


def parse_field_selector(text: str | None) -> list[FieldRequirement]:
    """Parse a field selector over :data:`FIELDS`."""
    if not text or not text.strip():
        return []
    out: list[FieldRequirement] = []
    for part in _split(text):
        if part.startswith(STARTED_AT) and part[len(STARTED_AT) : len(STARTED_AT) + 1] in ("<", ">"):
            op, value = part[len(STARTED_AT)], part[len(STARTED_AT) + 1 :].strip()
            out.append(FieldRequirement(STARTED_AT, op, _rfc3339(value)))
            continue
        m = _CMP.match(part)
        if not m:
            raise SpecError(f"invalid field selector requirement {part!r}", path=FIELD_PATH)
        field, op, value = m.group(1), m.group(2), m.group(3).strip()
        if field not in FIELDS:
            raise SpecError(
                f"field selector {field!r} is not supported (use one of {', '.join(FIELDS)})", path=FIELD_PATH
            )
        out.append(FieldRequirement(field, "!=" if op == "!=" else "=", value))
    return out


def _rfc3339(value: str) -> str:
    """``value`` (RFC 3339) as the store writes timestamps (UTC, second precision, ``Z``)."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SpecError(f"invalid time {value!r} for {STARTED_AT} (want RFC 3339)", path=FIELD_PATH) from None
    if moment.tzinfo is None:
        raise SpecError(f"invalid time {value!r} for {STARTED_AT} (want RFC 3339)", path=FIELD_PATH)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def apply_name_filter(requirements: list[FieldRequirement], name_filter: str | None) -> list[FieldRequirement]:
    """Argo's ``nameFilter`` applied to the ``metadata.name=X`` requirements (``!=`` keeps precedence)."""
    if not name_filter:
        return requirements
    op = NAME_FILTERS.get(name_filter)
    if op is None:
        raise SpecError(
            f"nameFilter {name_filter!r} is not supported (use one of {', '.join(NAME_FILTERS)})",
            path="nameFilter",
        )
    return [
        FieldRequirement(r.field, op, r.value) if r.field == "metadata.name" and r.op == "=" else r
        for r in requirements
    ]


def matches_labels(requirements: list[Requirement], labels: Mapping[str, str] | None) -> bool:
    """True if ``labels`` satisfy every requirement."""
    labels = labels or {}
    return all(r.matches(labels) for r in requirements)


def matches_fields(requirements: list[FieldRequirement], resource: Mapping[str, Any]) -> bool:
    """True if ``resource`` satisfies every field requirement."""
    return all(r.matches(resource) for r in requirements)


def validate_labels(labels: Any, path: str = "metadata.labels") -> dict[str, str]:
    """Kubernetes' rules for a label map (what the store can index); returns it as ``dict[str, str]``."""
    if labels is None:
        return {}
    if not isinstance(labels, dict):
        raise SpecError("labels must be an object of strings", path=path)
    out: dict[str, str] = {}
    for key, value in labels.items():
        if not isinstance(key, str) or len(key) > 317 or not _KEY.match(key):
            raise SpecError(f"invalid label key {key!r}", path=f"{path}.{key}")
        if not isinstance(value, str) or len(value) > 63 or not _VALUE.match(value):
            raise SpecError(
                f"invalid label value {value!r}: at most 63 characters of [A-Za-z0-9_.-], "
                "starting and ending with an alphanumeric character",
                path=f"{path}.{key}",
            )
        out[key] = value
    return out

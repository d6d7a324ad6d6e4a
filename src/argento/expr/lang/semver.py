"""Semantic versions and constraints for ``sprig.semverCompare``, after ``Masterminds/semver/v3``.

Versions are parsed leniently (``v1.2``, ``1``), as ``semver.NewVersion`` does. Constraints support ``||``
alternatives of comma- or space-separated comparisons: ``= != > < >= <= ~ ~> ^``, wildcards (``1.2.x``,
``*``), and hyphen ranges (``1.2 - 1.4.5``). A prerelease version only satisfies a range whose comparisons
mention a prerelease, as in Masterminds' v3.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_VERSION = re.compile(
    r"^v?(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:-(?P<pre>[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?(?:\+(?P<build>[0-9A-Za-z\-.]+))?$"
)
_PART = re.compile(
    r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z\-.]+))?(?:\+[0-9A-Za-z\-.]+)?$"
)
_COMPARISON = re.compile(r"^(=>|=<|>=|<=|!=|~>|[=<>~^])?\s*(.+)$")


class Version(NamedTuple):
    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()


def parse_version(text: str) -> Version:
    m = _VERSION.match(text.strip())
    if not m:
        raise ValueError("Invalid Semantic Version")
    pre = tuple(m.group("pre").split(".")) if m.group("pre") else ()
    return Version(int(m.group("major")), int(m.group("minor") or 0), int(m.group("patch") or 0), pre)


def _pre_key(pre: tuple[str, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre)


def compare(a: Version, b: Version) -> int:
    """-1, 0 or 1, with semver precedence (a prerelease sorts before its release)."""
    if a[:3] != b[:3]:
        return -1 if a[:3] < b[:3] else 1
    if a.pre == b.pre:
        return 0
    if not a.pre:
        return 1
    if not b.pre:
        return -1
    ka, kb = _pre_key(a.pre), _pre_key(b.pre)
    return -1 if ka < kb else (1 if ka > kb else 0)


class _Bound(NamedTuple):
    op: str  # one of = != > < >= <=
    version: Version


def _wild(text: str | None) -> bool:
    return text is None or text in ("x", "X", "*")


def _expand(op: str, text: str) -> list[_Bound]:
    """One comparison (``~1.2``, ``>=1.x``) as plain bounds."""
    m = _PART.match(text)
    if not m:
        raise ValueError(f"improper constraint: {op}{text}")
    major_s, minor_s, patch_s, pre_s = m.groups()
    pre = tuple(pre_s.split(".")) if pre_s else ()
    if _wild(major_s):
        return [] if op in ("", "=", ">=", "<=", "~", "~>", "^") else [_Bound("<", Version(0, 0, 0))]
    major = int(major_s)
    minor = 0 if _wild(minor_s) else int(minor_s)
    patch = 0 if _wild(patch_s) else int(patch_s)
    low = Version(major, minor, patch, pre)
    if _wild(minor_s):
        upper = Version(major + 1, 0, 0)
    elif _wild(patch_s):
        upper = Version(major, minor + 1, 0)
    else:
        upper = None
    if op in ("", "="):
        return [_Bound(">=", low), _Bound("<", upper)] if upper else [_Bound("=", low)]
    if op == "!=":
        return [_Bound("!=", low)] if not upper else [_Bound("!in", low), _Bound("!in", upper)]
    if op in ("~", "~>"):
        top = Version(major + 1, 0, 0) if _wild(minor_s) else Version(major, minor + 1, 0)
        return [_Bound(">=", low), _Bound("<", top)]
    if op == "^":
        if major > 0 or _wild(minor_s):
            top = Version(major + 1, 0, 0)
        elif minor > 0 or _wild(patch_s):
            top = Version(0, minor + 1, 0)
        else:
            top = Version(0, 0, patch + 1)
        return [_Bound(">=", low), _Bound("<", top)]
    if op == ">":
        return [_Bound(">=", upper)] if upper else [_Bound(">", low)]
    if op == "<":
        return [_Bound("<", low)]
    if op in (">=", "=>"):
        return [_Bound(">=", low)]
    if op in ("<=", "=<"):
        return [_Bound("<", upper)] if upper else [_Bound("<=", low)]
    raise ValueError(f"improper constraint: {op}{text}")


def _holds(bound: _Bound, v: Version) -> bool:
    c = compare(v, bound.version)
    return {"=": c == 0, "!=": c != 0, ">": c > 0, "<": c < 0, ">=": c >= 0, "<=": c <= 0}[bound.op]


def _group(text: str) -> list[list[_Bound]]:
    """Comparisons of one ``||`` alternative; each inner list must hold (``!=`` of a range is an OR)."""
    text = re.sub(r"\s*-\s+", " - ", text.strip())
    hyphen = re.fullmatch(r"(\S+) - (\S+)", text)
    if hyphen:
        return [[b] for b in _expand(">=", hyphen.group(1)) + _expand("<=", hyphen.group(2))]
    terms = [t for t in re.split(r"\s*,\s*|\s+(?=[=<>!~^v\d*xX])", text) if t]
    out: list[list[_Bound]] = []
    for term in terms:
        m = _COMPARISON.match(term)
        if not m:
            raise ValueError(f"improper constraint: {term}")
        bounds = _expand(m.group(1) or "", m.group(2).strip())
        if bounds and bounds[0].op == "!in":  # outside [low, upper)
            out.append([_Bound("<", bounds[0].version), _Bound(">=", bounds[1].version)])
        else:
            out.extend([b] for b in bounds)
    return out


def satisfies(constraint: str, version: str) -> bool:
    """``semver.NewConstraint(constraint).Check(semver.NewVersion(version))``; raises `ValueError`."""
    v = parse_version(version)
    if not constraint.strip():
        raise ValueError("improper constraint: ")
    for alternative in constraint.split("||"):
        group = _group(alternative)
        if v.pre and not any(b.version.pre and b.version[:3] == v[:3] for any_of in group for b in any_of):
            continue
        if all(any(_holds(b, v) for b in any_of) for any_of in group):
            return True
    return False

"""Go (RE2) regular expressions with Python's ``re``: one translator for ``when`` (``=~``) and expr-lang.

RE2 and Python's ``re`` agree on most syntax. This module rejects what RE2 rejects (lookaround,
backreferences, nested repetition), and rewrites what the two spell differently: ``\\z``, ``\\Q…\\E``,
``[[:alpha:]]``, octal escapes, ``\\x{…}``, ``(?<name>…)``, a literal ``[`` or leading ``]`` in a class, and
``$``, which is the end of the text in RE2 (Python's also matches before a final newline).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["GoRegexError", "compile_go_regex"]

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}  # fmt: skip


class GoRegexError(ValueError):
    """A pattern Go's regexp package refuses; the message is Go's (``error parsing regexp: …``)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"error parsing regexp: {message}")


@lru_cache(maxsize=1024)
def compile_go_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Go regexp: reject what RE2 rejects, translate what the two spell differently."""
    multiline = re.search(r"\(\?[a-zA-Z]*m", pattern) is not None
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            octal = re.match(r"[0-7]{1,3}", pattern[i + 1 : i + 4])
            if octal and (nxt == "0" or len(octal.group()) > 1):  # Go: \0, \12, \123 are octal escapes
                out.append(re.escape(chr(int(octal.group(), 8))))
                i += 1 + len(octal.group())
                continue
            if nxt in "123456789" or nxt in "ZGe":  # backreferences and Python-only escapes
                raise GoRegexError(f"invalid escape sequence: `\\{nxt}`")
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "Q":
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end
                out.append(re.escape(pattern[i + 2 : end]))
                i = end + 2
                continue
            elif nxt == "x" and pattern.startswith("{", i + 2):
                close = pattern.find("}", i + 3)
                digits = pattern[i + 3 : close] if close > 0 else ""
                if not re.fullmatch(r"[0-9A-Fa-f]{1,6}", digits) or int(digits, 16) > 0x10FFFF:
                    raise GoRegexError(
                        f"invalid escape sequence: `{pattern[i : close + 1 if close > 0 else n]}`"
                    )
                out.append(re.escape(chr(int(digits, 16))))
                i = close + 1
                continue
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if pattern.startswith("[:", i):
                close = pattern.find(":]", i + 2)
                name = pattern[i + 2 : close] if close > 0 else ""
                if name in _POSIX_CLASSES:
                    out.append(_POSIX_CLASSES[name])
                    i = close + 2
                    continue
            if ch == "[":
                out.append("\\[")  # literal in RE2; Python warns about possible set operations
                i += 1
                continue
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ] is literal in RE2
                out.append("\\]")
                i += 1
            continue
        elif ch == "$" and not multiline:
            out.append("\\Z")  # RE2's $ is the end of the text; Python's also matches before a final \n
            i += 1
            continue
        elif ch == "(" and pattern.startswith("(?", i):
            perl = re.match(r"\(\?(?:=|!|<=|<!|>|\(|#)", pattern[i:])
            if perl:
                raise GoRegexError(f"invalid or unsupported Perl syntax: `{perl.group()}`")
            if pattern.startswith("(?<", i):  # Go 1.22 named groups
                out.append("(?P<")
                i += 3
                continue
        elif ch in "*+?}" and pattern.startswith("+", i + 1):
            raise GoRegexError(f"invalid nested repetition operator: `{ch}+`")
        out.append(ch)
        i += 1
    try:
        compiled = re.compile("".join(out), re.ASCII)
    except (re.error, OverflowError, ValueError) as exc:
        raise GoRegexError(f"{exc}: `{pattern}`") from None
    return compiled

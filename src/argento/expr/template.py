"""Argo's ``{{…}}`` tags: finding them, substituting them, listing the ones left.

Mirrors Argo's ``util/template`` (``template.go``, ``simple_template.go``, ``expression_template.go``), which
runs valyala/fasttemplate over the JSON text of a template:

* A tag is the text between ``{{`` and the *next* ``}}``; an ``{{`` with no ``}}`` after it is an error
  (fasttemplate's ``Cannot find end tag``), whatever the values.
* ``{{name}}`` is a *simple* tag; the name is looked up with surrounding whitespace trimmed. ``{{=expr}}``
  (the ``=`` right after the braces) is an *expression* tag, evaluated with expr-lang.
* An unknown simple tag is written back unchanged when unresolved tags are allowed (Argo's
  ``allowUnresolved``, our ``strict=False``) and is the error ``failed to resolve {{name}}`` otherwise.
* Argo's "nested tag" rule: ``{{ {{x}}`` is one fasttemplate tag `` {{x``; when it is unknown but ``x`` is,
  the output is ``{{ `` followed by the value of ``x``.

Argo substitutes the JSON text of a template and JSON-escapes every value it inserts
(``strconv.Quote`` for simple tags, ``json.Marshal`` for expressions), then decodes the JSON again. Because the
escaping is undone by the decoding, working on the decoded structure and inserting raw values gives the same
strings, which is what :func:`substitute_obj` does: a value with quotes, newlines or backslashes arrives
unchanged. (One divergence on purpose: a value holding a control character such as ESC makes Argo produce
invalid JSON and fail the node; we insert it.)

Expression tags follow Argo 3.7's ``expressionReplace``: with unresolved tags allowed, an expression that
mentions ``item``, ``retries``, ``lastRetry.*``, ``workflow.status`` or ``workflow.failures`` while that
variable is absent is left for a later pass, and so is any expression that fails to compile, fails to run or
yields nil; in strict mode each of these is an error. A string result is inserted as is; any other result as
Go's compact ``json.Marshal`` text (``{{=1+1}}`` → ``2``, ``{{=1.0*3}}`` → ``3``, ``{{=true}}`` → ``true``,
``{{=[1,2]}}`` → ``[1,2]``).

Size: an expression's result may not be longer than ``max_bytes`` (the engine passes
ARGENTO_MAX_PARAMETER_BYTES, 256 KiB by default), and string-building functions refuse to build more before
they allocate it (``sprig.repeat(100000000, "a")`` made 100 MB per node). Unlike other failures this is an
error in every mode: leaving the tag unresolved would only postpone it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from argento.errors import ExpressionError

#: Default cap on an expression's result (``outputs.result``'s 256 kB; the engine passes its setting).
MAX_VALUE_BYTES = 256 * 1024

__all__ = ["Tag", "find_tags", "substitute", "substitute_obj", "unresolved_tags"]

_OPEN = "{{"
_CLOSE = "}}"
# Go's unicode.IsSpace, which strings.TrimSpace uses (Python's str.strip also strips \x1c-\x1f).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

# Variables that exist only in some passes (loop items, retries, exit handlers). Argo leaves an expression
# that mentions one of them unreplaced while it is missing, so that a later pass can resolve it
# (expression_template.go `variablesToCheck`; argo issues #5388, #10393, #15008).
_LATE_VARIABLES = (
    "item",
    "retries",
    "lastRetry.exitCode",
    "lastRetry.status",
    "lastRetry.duration",
    "lastRetry.message",
    "workflow.status",
    "workflow.failures",
)


@dataclass(frozen=True, slots=True)
class Tag:
    """One ``{{…}}`` tag of a string.

    ``expr`` is the trimmed name of a simple tag, or the expression source (after ``=``) of an expression tag;
    ``start``/``end`` delimit the whole tag (``text[start:end] == raw``).
    """

    kind: Literal["simple", "expression"]
    expr: str
    start: int
    end: int
    raw: str

    @property
    def content(self) -> str:
        """The text between the braces, untrimmed (what Argo's error messages show)."""
        return self.raw[2:-2]


class _UnclosedTag(Exception):
    def __init__(self, rest: str) -> None:
        super().__init__(rest)
        self.rest = rest


@lru_cache(maxsize=16384)
def _parse(text: str) -> tuple[tuple[str, ...], tuple[Tag, ...]]:
    """Split ``text`` into literal pieces and tags (``len(pieces) == len(tags) + 1``), fasttemplate's way.

    Cached per distinct string: the engine substitutes the same template strings for every node.
    """
    pieces: list[str] = []
    tags: list[Tag] = []
    pos = 0
    while True:
        start = text.find(_OPEN, pos)
        if start < 0:
            pieces.append(text[pos:])
            return tuple(pieces), tuple(tags)
        close = text.find(_CLOSE, start + 2)
        if close < 0:
            raise _UnclosedTag(text[start + 2 :])
        pieces.append(text[pos:start])
        content = text[start + 2 : close]
        end = close + 2
        if content.startswith("="):
            tags.append(Tag("expression", content[1:], start, end, text[start:end]))
        else:
            tags.append(Tag("simple", content.strip(_GO_SPACE), start, end, text[start:end]))
        pos = end


def _unclosed_error(text: str, exc: _UnclosedTag, path: str) -> ExpressionError:
    # fasttemplate: `Cannot find end tag="}}" in the template=... starting from ...`
    return ExpressionError(
        f'cannot find end tag "}}}}" in {json.dumps(text, ensure_ascii=False)} '
        f"starting from {json.dumps(exc.rest, ensure_ascii=False)}",
        path=path,
    )


def find_tags(text: str) -> list[Tag]:
    """All ``{{…}}`` tags of ``text``, in order. Raises :class:`ExpressionError` for an unclosed ``{{``."""
    if _OPEN not in text:
        return []
    try:
        return list(_parse(text)[1])
    except _UnclosedTag as exc:
        raise _unclosed_error(text, exc, "") from None


def substitute(
    text: str,
    values: Mapping[str, str],
    *,
    expr_env: Mapping[str, Any] | None = None,
    strict: bool = False,
    path: str = "",
    max_bytes: int = MAX_VALUE_BYTES,
) -> str:
    """Replace the tags of ``text`` with Argo's rules (see the module docstring).

    ``values`` maps simple tag names (``inputs.parameters.x``) to strings. ``expr_env`` is the expr-lang
    environment for ``{{=…}}`` tags; when ``None`` it is built from ``values`` (only if an expression tag is
    present). ``strict=True`` is Argo's ``allowUnresolved=false``. ``path`` names the field in errors;
    ``max_bytes`` caps an expression's result.
    """
    if _OPEN not in text:
        return text
    return _Substitution(values, expr_env, strict, max_bytes).text(text, path)


def substitute_obj(
    obj: Any,
    values: Mapping[str, str],
    *,
    expr_env: Mapping[str, Any] | None = None,
    strict: bool = False,
    path: str = "",
    max_bytes: int = MAX_VALUE_BYTES,
) -> Any:
    """Substitute every string of a JSON-like structure, dict keys included, as Argo does on its JSON text.

    Returns a new structure (lists and dicts are copied); other scalars are returned as they are.
    """
    return _Substitution(values, expr_env, strict, max_bytes).obj(obj, path)


def substitute_obj_left(
    obj: Any, values: Mapping[str, str], *, max_bytes: int = MAX_VALUE_BYTES
) -> tuple[Any, bool]:
    """`substitute_obj`, and whether any string of the result still holds ``{{`` (a tag left unresolved, or
    one a value brought in): when none does, a later pass over the result would change nothing."""
    sub = _Substitution(values, None, False, max_bytes)
    return sub.obj(obj, ""), sub.left


def unresolved_tags(obj: Any, path: str = "") -> list[tuple[str, Tag]]:
    """Every tag left in a JSON-like structure, with the field path of the string holding it (for lint).

    Paths look like ``spec.templates[2].container.args[0]``; a tag in a dict key is reported at the path of
    that entry. Raises :class:`ExpressionError` (with the path) for an unclosed ``{{``.
    """
    found: list[tuple[str, Tag]] = []
    for where, text in _strings(obj, path):
        if _OPEN in text:
            try:
                tags = _parse(text)[1]
            except _UnclosedTag as exc:
                raise _unclosed_error(text, exc, where) from None
            found.extend((where, tag) for tag in tags)
    return found


def _child(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


class _Key:
    """A dict key that is not a string, in a trail of `_Substitution._walk` (ints there are list indices)."""

    __slots__ = ("key",)

    def __init__(self, key: object) -> None:
        self.key = key


def _spell(base: str, trail: list[Any]) -> str:
    """The field path of ``base`` followed by the keys and indices of ``trail`` (as `_child` writes them)."""
    path = base
    for seg in trail:
        if seg.__class__ is int:
            path = f"{path}[{seg}]"
        else:
            path = _child(path, seg.key if isinstance(seg, _Key) else seg)
    return path


def _strings(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(obj, str):
        yield path, obj
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            where = _child(path, key)
            if isinstance(key, str):
                yield where, key
            yield from _strings(value, where)
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            yield from _strings(value, f"{path}[{i}]")


class _Substitution:
    """One substitution pass: the values, the lazily built expr-lang environment and the mode."""

    __slots__ = ("_env", "_env_built", "left", "max_bytes", "strict", "values")

    def __init__(
        self,
        values: Mapping[str, str],
        expr_env: Mapping[str, Any] | None,
        strict: bool,
        max_bytes: int = MAX_VALUE_BYTES,
    ) -> None:
        self.values = values
        self.strict = strict
        self.max_bytes = max_bytes
        self._env = expr_env
        self._env_built = expr_env is not None
        #: A string of the result still holds ``{{``.
        self.left = False

    @property
    def env(self) -> Mapping[str, Any]:
        if not self._env_built:
            from argento.expr.lang import build_env

            self._env = build_env(dict(self.values))
            self._env_built = True
        assert self._env is not None
        return self._env

    def obj(self, obj: Any, path: str) -> Any:
        return self._walk(obj, path, [])

    def _walk(self, obj: Any, base: str, trail: list[Any]) -> Any:
        # ``trail`` holds the keys and indices below ``base``; the field path is only spelled out for a
        # string that has a tag (most strings of a template have none, and the walk is per node).
        if isinstance(obj, str):
            return self.text(obj, _spell(base, trail)) if _OPEN in obj else obj
        if isinstance(obj, Mapping):
            out = {}
            for key, value in obj.items():
                if (
                    value.__class__ is str
                    and _OPEN not in value
                    and not (key.__class__ is str and _OPEN in key)
                ):
                    out[key] = value
                    continue
                trail.append(key if key.__class__ is str else _Key(key))
                if isinstance(key, str) and _OPEN in key:
                    key = self.text(key, _spell(base, trail))
                out[key] = self._walk(value, base, trail)
                trail.pop()
            return out
        if isinstance(obj, list | tuple):
            items = []
            for i, v in enumerate(obj):
                if v.__class__ is str and _OPEN not in v:
                    items.append(v)
                    continue
                trail.append(i)
                items.append(self._walk(v, base, trail))
                trail.pop()
            return items if isinstance(obj, list) else tuple(items)
        return obj

    def text(self, text: str, path: str) -> str:
        try:
            pieces, tags = _parse(text)
        except _UnclosedTag as exc:
            raise _unclosed_error(text, exc, path) from None
        out = [pieces[0]]
        for tag, piece in zip(tags, pieces[1:], strict=True):
            if tag.kind == "simple":
                out.append(self._simple(tag, path))
            else:
                out.append(self._expression(tag, path))
            out.append(piece)
        result = "".join(out)
        if _OPEN in result:
            self.left = True
        return result

    def _simple(self, tag: Tag, path: str) -> str:
        # simple_template.go `simpleReplace`
        values = self.values
        value = values.get(tag.expr, _MISSING)
        if value is _MISSING:
            content = tag.content
            index = content.rfind(_OPEN)
            if index > 0:
                nested = values.get(content[index + 2 :], _MISSING)
                if isinstance(nested, str):
                    return _OPEN + content[:index] + nested
            if self.strict:
                raise ExpressionError(f"failed to resolve {tag.raw}", path=path)
            return tag.raw
        if not isinstance(value, str):
            raise ExpressionError(f"failed to resolve {tag.raw} to string", path=path)
        return value

    def _expression(self, tag: Tag, path: str) -> str:
        # expression_template.go `expressionReplace` (Argo 3.7)
        source = tag.expr
        env = self.env
        allow = not self.strict
        if allow:
            for variable in _LATE_VARIABLES:
                if _mentions(source, variable) and not _has_var(env, variable):
                    return tag.raw
        from argento.expr.lang.errors import ExpressionTooLarge
        from argento.expr.lang.runtime import STRING_BUDGET

        budget = STRING_BUDGET.set(self.max_bytes)
        try:
            program = _compile(source)
            result = program.run(env)
        except ExpressionTooLarge as exc:  # not "unresolved": the same expression would fail again
            raise self._size_error(tag, path, exc.message) from None
        except Exception as exc:  # Argo: "any error can be unresolved"
            if allow:
                return tag.raw
            if isinstance(exc, ExpressionError):
                reason = exc.message
                missing = _UNKNOWN_NAME.match(reason)
                if missing:  # expressionReplaceStrict: the first identifier absent from the env
                    reason = f"{missing.group(1)} is missing"
            else:
                reason = str(exc) or type(exc).__name__
            raise ExpressionError(f"failed to evaluate expression: {reason}", path=path) from exc
        finally:
            STRING_BUDGET.reset(budget)
        if result is None:
            if allow:
                return tag.raw
            raise ExpressionError(f"failed to evaluate expression {_go_quote(source)}", path=path)
        if isinstance(result, str):
            return self._sized(result, tag, path)
        from argento.expr.lang import marshal_json

        try:
            return self._sized(marshal_json(result), tag, path)
        except ValueError as exc:
            if allow:
                return tag.raw
            raise ExpressionError(f"failed to marshal evaluated expression: {exc}", path=path) from exc

    def _sized(self, text: str, tag: Tag, path: str) -> str:
        limit = self.max_bytes
        if len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit:
            size = len(text.encode("utf-8", "surrogatepass"))
            raise self._size_error(tag, path, f"the result is {size} bytes, more than the {limit} allowed")
        return text

    def _size_error(self, tag: Tag, path: str, detail: str) -> ExpressionError:
        shown = tag.raw if len(tag.raw) <= 80 else tag.raw[:77] + "..."
        return ExpressionError(
            f"expression {shown} is too large: {detail} (ARGENTO_MAX_PARAMETER_BYTES)", path=path
        )


_MISSING: Any = object()
_UNKNOWN_NAME = re.compile(r'^unknown name "([^"]+)"')


class _CompileFailure:
    """A cached compile error, re-raised on every run (so a bad expression is compiled once)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error

    def run(self, env: Mapping[str, Any]) -> Any:
        raise self.error


@lru_cache(maxsize=4096)
def _compile(source: str) -> Any:
    from argento.expr.lang import compile_expr

    try:
        return compile_expr(source)
    except Exception as exc:
        return _CompileFailure(exc)


def _go_quote(text: str) -> str:
    """Go's ``%q`` for the common cases."""
    return json.dumps(text, ensure_ascii=False)


# --- Which variables an expression mentions (Argo's `hasVariableInExpression`) -----------------------------

_FALLBACK_TOKEN = re.compile(
    r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|`[^`]*`|[A-Za-z_$][A-Za-z0-9_$]*|\d+(?:\.\d+)?|\?\.|\.\.|\S"
)


def _lex(source: str) -> tuple[str, ...] | None:
    """Token signatures (kind and value) of an expr-lang source, or None when it does not lex."""
    try:
        from argento.expr.lang.lexer import tokenize
    except ImportError:  # pragma: no cover - the expr-lang package is part of argento
        return tuple(("s:" if t[0] in "\"'`" else "t:") + t for t in _FALLBACK_TOKEN.findall(source))
    try:
        return tuple(f"{tok.kind.name}:{tok.value}" for tok in tokenize(source) if tok.kind.name != "EOF")
    except Exception:
        return None


@lru_cache(maxsize=4096)
def _mentions(source: str, variable: str) -> bool:
    """Whether ``variable``'s tokens occur in ``source``'s tokens (so ``"item"`` in quotes does not count)."""
    if variable not in source:
        return False
    haystack = _lex(source)
    needle = _lex(variable)
    if not haystack or not needle:
        return False
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _has_var(env: Mapping[str, Any], variable: str) -> bool:
    """Argo's ``hasVarInEnv``: the flat key, or a walk through nested maps."""
    if variable in env:
        return True
    current: Any = env
    for part in variable.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return False
        current = current[part]
    return True

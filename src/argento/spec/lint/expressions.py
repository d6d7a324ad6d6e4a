"""Syntax checks of the expressions a manifest holds: ``{{…}}`` tags, expr-lang, govaluate ``when``, ``depends``.

The parsers live in :mod:`argento.expr`; they are imported lazily (``spec`` must not pay for them at import
time). Results are cached per lint run, since the same expression text repeats across a corpus.
Argo's own validator does not compile expressions (it leaves ``{{=…}}`` to run time); we do, because a
syntax error there can only ever fail the workflow.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from typing import Any

from argento.errors import ArgentoError

#: Placeholder for a ``{{…}}`` tag inside ``when`` before parsing (Argo substitutes first, then parses).
_PLACEHOLDER = "placeholder{}"
_DEPENDS_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z]+)?")


def _optional(module: str, attr: str) -> Callable[..., Any] | None:
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):  # the expr package is being built alongside; skip the check
        return None


class ExpressionChecker:
    """Parses expressions once per distinct text and says what is wrong with them (``None``: fine)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], Any] = {}

    # Each parser is imported when the first expression of its kind is checked: a manifest without
    # ``{{=…}}`` never loads expr-lang (``argento run`` lints before every run).
    @functools.cached_property
    def _find_tags(self) -> Callable[..., Any] | None:
        return _optional("argento.expr.template", "find_tags")

    @functools.cached_property
    def _compile(self) -> Callable[..., Any] | None:
        return _optional("argento.expr.lang", "compile_expr")

    @functools.cached_property
    def _parse_when(self) -> Callable[..., Any] | None:
        return _optional("argento.expr.govaluate", "parse_when")

    @functools.cached_property
    def _parse_depends(self) -> Callable[..., Any] | None:
        return _optional("argento.expr.depends", "parse_depends")

    def _cached(self, kind: str, text: str, fn: Callable[[str], Any]) -> Any:
        key = (kind, text)
        if key not in self._cache:
            self._cache[key] = fn(text)
        return self._cache[key]

    # -- {{…}} tags -------------------------------------------------------------------------------------------
    def tags(self, text: str) -> tuple[list[Any], str | None]:
        """The tags of ``text`` and the error that stopped the scan (an unclosed ``{{``)."""
        if "{{" not in text or self._find_tags is None:
            return [], None
        return self._cached("tags", text, self._tags)

    def _tags(self, text: str) -> tuple[list[Any], str | None]:
        assert self._find_tags is not None
        try:
            return list(self._find_tags(text)), None
        except ArgentoError as exc:
            return [], str(exc.message)

    # -- expr-lang -----------------------------------------------------------------------------------------
    def expr_error(self, source: str) -> str | None:
        """Why an expr-lang expression does not compile."""
        if self._compile is None or not source.strip():
            return None
        return self._cached("expr", source, self._expr)

    def _expr(self, source: str) -> str | None:
        assert self._compile is not None
        try:
            self._compile(source)
        except ArgentoError as exc:
            return exc.message
        return None

    # -- govaluate `when` -----------------------------------------------------------------------------------
    def when_error(self, text: str) -> str | None:
        """Why a ``when`` condition cannot be parsed once its tags are replaced by placeholders."""
        if self._parse_when is None or not text.strip():
            return None
        return self._cached("when", text, self._when)

    def _when(self, text: str) -> str | None:
        assert self._parse_when is not None
        tags, err = self.tags(text)
        if err:
            return err
        out, pos = [], 0
        for i, tag in enumerate(tags):
            out.append(text[pos : tag.start])
            out.append(_PLACEHOLDER.format(i))
            pos = tag.end
        out.append(text[pos:])
        try:
            self._parse_when("".join(out))
        except ArgentoError as exc:
            # govaluate's message quotes the substituted text; report the reason against what was written
            reason = (
                exc.message.split("': ", 1)[1] if exc.message.startswith("Invalid 'when'") else exc.message
            )
            return f"invalid when expression {text!r}: {reason}"
        return None

    # -- DAG `depends` --------------------------------------------------------------------------------------
    def depends(self, text: str) -> tuple[list[tuple[str, str | None]], str | None]:
        """``[(task, result or None), …]`` referenced by a ``depends`` expression, or the parse error."""
        return self._cached("depends", text, self._depends)

    def _depends(self, text: str) -> tuple[list[tuple[str, str | None]], str | None]:
        if self._parse_depends is not None:
            try:
                self._parse_depends(text)
            except ArgentoError as exc:
                return [], exc.message
        return _fallback_refs(text), None


def _fallback_refs(text: str) -> list[tuple[str, str | None]]:
    """``depends`` operands without the real parser: ``name`` or ``name.Result``."""
    refs: list[tuple[str, str | None]] = []
    for token in _DEPENDS_NAME.findall(text):
        name, _, result = token.partition(".")
        refs.append((name, result or None))
    return refs

"""Shared helpers of the fact suite: a manifest prefix, and lint verdicts in Argo's words."""

from __future__ import annotations

import textwrap

import pytest

VALIDATE = "workflow/validate/validate_test.go"


def wf(body: str, *, name: str = "facts", kind: str = "Workflow") -> str:
    """A manifest of ``kind`` whose ``spec`` is ``body`` (YAML, indented as under ``spec:``)."""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n"
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")
        + "\n"
    )


def errors(argo, text: str) -> list[str]:
    """Every lint error of ``text`` as ``path: message`` (Argo's errors name the field in the message)."""
    return [
        f"{p.path}: {p.message}" if p.path else p.message for p in argo.lint(text) if p.severity == "error"
    ]


def warnings(argo, text: str) -> list[str]:
    """Every lint warning of ``text`` as ``path: message``."""
    return [
        f"{p.path}: {p.message}" if p.path else p.message for p in argo.lint(text) if p.severity == "warning"
    ]


def rejected(argo, text: str, wording: str) -> None:
    """Argo rejects ``text`` with an error containing ``wording``; so must lint."""
    found = errors(argo, text)
    assert any(wording in e for e in found), f"no error contains {wording!r}: {found}"


def accepted(argo, text: str) -> None:
    """Argo accepts ``text``; lint reports no error."""
    found = errors(argo, text)
    assert found == [], found


def case(id: str, category: str, source: str, *values: object) -> object:
    """A ``pytest.param`` that is one fact."""
    return pytest.param(*values, id=id, marks=pytest.mark.fact(category, source))

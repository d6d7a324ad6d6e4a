"""Run every corpus workflow that can run here and compare with Argo's expected outcome (corpus.py).

Prints the passed / failed / skipped table; fails if any runnable example does not end as Argo's CI expects.
"""

from __future__ import annotations

import asyncio

import pytest
from argo_corpus import requires_corpus
from corpus import cases, run_all, table

pytestmark = [
    pytest.mark.conformance,
    requires_corpus,
]


def test_corpus_outcomes_match_argo(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = asyncio.run(run_all(cases()))
    with capsys.disabled():
        print("\n" + table(outcomes))
    failed = [f"{o.case.path}: {o.reason}" for o in outcomes if o.status == "failed"]
    assert not failed, "\n".join(failed)

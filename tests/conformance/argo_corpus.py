"""Where the Argo corpus is, for every suite that reads it (one answer, one skip reason).

The corpus is not part of this repository: it sits beside the checkout (``../shared/argo-corpus``), or where
``ARGENTO_ARGO_CORPUS`` points. A fresh clone has none; tests that need it skip with :data:`REASON` (unit
tests never need it: they carry their own small manifests).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("ARGENTO_ARGO_CORPUS") or REPO.parent / "shared" / "argo-corpus").resolve()
PRESENT = (CORPUS / "INDEX.tsv").is_file()
REASON = f"the Argo corpus is not at {CORPUS} (put it there or set ARGENTO_ARGO_CORPUS)"

#: ``@requires_corpus`` (or ``pytestmark = requires_corpus``): skip when the corpus is absent.
requires_corpus = pytest.mark.skipif(not PRESENT, reason=REASON)


def corpus_file(name: str) -> Path:
    """The corpus file ``name`` (``examples/artifact-passing.yaml``); skips the calling test if absent."""
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(REASON if not PRESENT else f"{name} is not in the Argo corpus at {CORPUS}")
    return path

"""Client tests talk to :class:`fake_argo.FakeArgo` through ``httpx.MockTransport``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_argo import FakeArgo

from argento.client import ArgoClient


@pytest.fixture
def fake() -> FakeArgo:
    """A fresh fake Argo Server."""
    return FakeArgo()


@pytest.fixture
def client(fake: FakeArgo) -> Iterator[ArgoClient]:
    """A client of ``fake`` in namespace ``argo``."""
    with ArgoClient("http://fake-argo:2746", transport=fake.transport) as c:
        yield c

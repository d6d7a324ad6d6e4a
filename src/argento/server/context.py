"""What every handler reaches through ``request.app.state.ctx``: the server's long-lived parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from argento.config import Settings
from argento.store import Store

if TYPE_CHECKING:
    from argento.server.auth import Auth
    from argento.server.cron import CronController
    from argento.server.events import EventDispatcher
    from argento.server.hub import Hub
    from argento.server.manager import WorkflowManager
    from argento.server.metrics import Metrics
    from argento.server.validate import Catalog


@dataclass
class Context:
    """The server's state, built once at start-up."""

    settings: Settings
    store: Store
    catalog: Catalog
    hub: Hub
    metrics: Metrics
    manager: WorkflowManager
    crons: CronController
    events: EventDispatcher
    auth: Auth
    openapi: dict[str, Any]


def ctx(request: Request) -> Context:
    """The server context of a request."""
    return request.app.state.ctx  # type: ignore[no-any-return]

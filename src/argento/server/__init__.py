"""``argento server``: Argo Server's REST API over the engine and the store (SPEC §2.7).

:func:`create_app` builds the ASGI app; :mod:`.manager` runs workflows in-process and commits every node
transition; :mod:`.cron`, :mod:`.events`, :mod:`.metrics` and :mod:`.auth` are the rest of the control
plane; :mod:`.routes` holds one module per Argo service.
"""

from argento.server.app import context_of, create_app, starlette_app

__all__ = ["context_of", "create_app", "starlette_app"]

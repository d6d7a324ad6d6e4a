"""Mutable aliases of a model (``iris:production``) kept as an append-only history log.

The log (``<store>/<name>/history.jsonl``, one JSON object per line) is the single source of truth: the
current aliases are the replay of the whole log, and "which version was production at time T" is the replay
of the entries written up to T. Nothing is ever rewritten, so the history cannot disagree with the state,
and a writer killed mid-append leaves at most a torn last line, which readers skip (see :mod:`.atomic`).

An entry records who moved which alias from which version to which, when, and why::

    {"time": "2026-11-26T15:30:12.123456+00:00", "alias": "production", "from": "v2", "to": "v3",
     "action": "tag", "user": "ana", "host": "build-7"}

``action`` is ``tag`` (set or move), ``untag`` (removed by a user) or ``delete`` (removed because the version
it pointed to was deleted with ``--force``); ``to`` is ``null`` for the last two.
"""

from __future__ import annotations

import getpass
import json
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argento.errors import NotFound, SpecError
from argento.registry.atomic import append_line, complete_lines

ACTIONS = ("tag", "untag", "delete")


def current_user() -> str:
    """The login name recorded in history entries when the caller names nobody."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry and no LOGNAME/USER (some containers)
        return "unknown"


def as_utc(when: datetime) -> datetime:
    """``when`` as an aware UTC datetime; a naive datetime is taken as local time."""
    return when.astimezone(UTC)


@dataclass(frozen=True)
class AliasEvent:
    """One entry of an alias history."""

    time: datetime
    alias: str
    from_version: str | None
    to_version: str | None
    action: str = "tag"
    user: str = ""
    host: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to the log and printed by ``argento models history -o json``."""
        return {
            "time": self.time.isoformat(),
            "alias": self.alias,
            "from": self.from_version,
            "to": self.to_version,
            "action": self.action,
            "user": self.user,
            "host": self.host,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AliasEvent:
        """Parse one log entry."""
        return cls(
            time=datetime.fromisoformat(data["time"]),
            alias=data["alias"],
            from_version=data.get("from"),
            to_version=data.get("to"),
            action=data.get("action", "tag"),
            user=data.get("user", ""),
            host=data.get("host", ""),
        )


class AliasLog:
    """The alias history of one model. Writers must hold the model's lock; readers need none."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name

    def events(self, alias: str | None = None) -> list[AliasEvent]:
        """All entries in the order they were written, optionally only those of one alias."""
        out: list[AliasEvent] = []
        for line in complete_lines(self.path):
            if not line.strip():
                continue
            try:
                event = AliasEvent.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError):  # a damaged line must not hide the rest of the history
                continue
            if alias is None or event.alias == alias:
                out.append(event)
        return out

    def current(self, until: datetime | None = None) -> dict[str, str]:
        """Alias → version now, or as it was at ``until`` (entries written at or before it)."""
        limit = as_utc(until) if until is not None else None
        state: dict[str, str] = {}
        for event in self.events():
            if limit is not None and event.time > limit:
                break  # the log is in write order and `append` keeps its times non-decreasing
            if event.to_version is None:
                state.pop(event.alias, None)
            else:
                state[event.alias] = event.to_version
        return dict(sorted(state.items()))

    def resolve(self, alias: str, until: datetime | None = None) -> str:
        """The version ``alias`` points to (now, or at ``until``); :class:`NotFound` when it points nowhere."""
        version = self.current(until).get(alias)
        if version is None:
            when = f" at {as_utc(until).isoformat()}" if until is not None else ""
            known = ", ".join(sorted({e.alias for e in self.events()}))
            hint = f" (aliases in its history: {known})" if known else ""
            raise NotFound(f"model {self.name!r} has no alias {alias!r}{when}{hint}")
        return version

    def append(
        self,
        alias: str,
        from_version: str | None,
        to_version: str | None,
        *,
        action: str = "tag",
        user: str | None = None,
        now: datetime | None = None,
    ) -> AliasEvent:
        """Record one change and return it (the caller holds the model's lock)."""
        if action not in ACTIONS:
            raise SpecError(f"alias action must be one of {', '.join(ACTIONS)}, not {action!r}")
        time = as_utc(now) if now is not None else datetime.now(UTC)
        last = self.events()
        if last and time < last[-1].time:  # keep the log's times non-decreasing even if the clock steps back
            time = last[-1].time
        event = AliasEvent(
            time=time,
            alias=alias,
            from_version=from_version,
            to_version=to_version,
            action=action,
            user=user or current_user(),
            host=socket.gethostname(),
        )
        append_line(self.path, json.dumps(event.to_dict(), separators=(",", ":")))
        return event

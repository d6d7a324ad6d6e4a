"""PostgreSQL's hot writes, one statement — one network round trip and one commit — each (issue 18 goal 4).

Through SQLAlchemy a write transaction waits on the server for its BEGIN, each statement and its COMMIT, and
the store is synchronous on the server's event loop ("commit, then act", see :mod:`argento.store.sql`), so
a workflow's 7 transactions waited 28 times. The writes every workflow makes — its creation, each node
transition, a log path, its final status with its archiving (`finish`) and other updates — go to psycopg
directly instead, on a pooled connection in autocommit mode, each as **one statement**: the statements of a
transaction become data-modifying CTEs of one ``INSERT``/``UPDATE``, which PostgreSQL runs atomically (all
or nothing, one commit). The call returns once that commit is done, as before: 6 round trips for a
one-step workflow instead of 28.

A workflow's JSON carries its ``metadata.resourceVersion``, which the same statement allocates: the JSON is
sent cut in two at that value (:func:`_cut`) and joined around the new version by the statement. Everything
else — reads, the other repositories, SQLite — stays on SQLAlchemy (:mod:`argento.store.sql_workflows`).
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json

from argento.errors import AlreadyExists, DiskFull, NotFound, SpecError, Unavailable
from argento.store.base import Resource, split_nodes
from argento.store.reserve import is_disk_full
from argento.store.sql_workflows import SqlWorkflows, _labels, archive_columns

#: The resource version the statement allocates (once per call; no row when ``cond`` is false).
_VERSION = (
    "v AS (UPDATE sequences SET value = value + 1 WHERE name = 'resource_version' {cond} RETURNING value)"
)


def _json(part: str, version: str) -> str:
    """A resource's JSON with the allocated ``version`` put where :func:`_cut` cut it."""
    return f"(%({part}_head)s::text || '\"' || {version} || '\"' || %({part}_tail)s::text)::json"


def _set_labels(table: str, guard: str, prefix: str = "") -> str:
    """CTEs making the labels of ``%(uid)s`` exactly ``%(<prefix>keys)s``/``%(<prefix>values)s`` when ``guard``
    holds. No row is deleted and inserted again: the sub-statements of one statement work on the same
    snapshot."""
    keys, values = f"%({prefix}keys)s", f"%({prefix}values)s"
    return f"""
    {table}_gone AS (DELETE FROM {table} WHERE uid = %(uid)s AND {guard} AND NOT (key = ANY({keys}::text[]))),
    {table}_set AS (
        INSERT INTO {table} (uid, key, value)
        SELECT %(uid)s, k, val FROM unnest({keys}::text[], {values}::text[]) AS l(k, val) WHERE {guard}
        ON CONFLICT (uid, key) DO UPDATE SET value = EXCLUDED.value)"""


_CREATE = f"""
WITH {_VERSION.format(cond="")},
w AS (
    INSERT INTO workflows (uid, namespace, name, phase, created_at, finished_at, resource_version, resource)
    SELECT %(uid)s, %(namespace)s, %(name)s, %(phase)s, %(created_at)s, %(finished_at)s, v.value,
        {_json("slim", "v.value")}
    FROM v RETURNING resource_version),
labels AS (
    INSERT INTO workflow_labels (uid, key, value)
    SELECT %(uid)s, k, val FROM unnest(%(keys)s::text[], %(values)s::text[]) AS l(k, val)),
new_nodes AS (
    INSERT INTO nodes (uid, node_id, phase, data)
    SELECT %(uid)s, i, p, d::json FROM unnest(%(ids)s::text[], %(phases)s::text[], %(datas)s::text[]) AS n(i, p, d))
SELECT resource_version FROM w"""

_UPDATE_CTES = f"""
WITH {_VERSION.format(cond="AND EXISTS (SELECT 1 FROM workflows WHERE uid = %(uid)s)")},
w AS (
    UPDATE workflows SET phase = %(phase)s, finished_at = %(finished_at)s, resource_version = v.value,
        resource = {_json("slim", "v.value")}
    FROM v WHERE uid = %(uid)s RETURNING v.value),
{_set_labels("workflow_labels", "EXISTS (SELECT 1 FROM w)")}"""

_UPDATE = f"{_UPDATE_CTES}\nSELECT value FROM w"

#: `update`, and archive the whole workflow with the version the update allocated.
_FINISH = f"""{_UPDATE_CTES},
archived AS (
    INSERT INTO archived_workflows (uid, namespace, name, phase, created_at, started_at, finished_at, resource)
    SELECT %(uid)s, %(namespace)s, %(name)s, %(phase)s, %(created_at)s, %(started_at)s, %(finished_at)s,
        {_json("whole", "w.value")}
    FROM w
    ON CONFLICT (uid) DO UPDATE SET namespace = EXCLUDED.namespace, name = EXCLUDED.name,
        phase = EXCLUDED.phase, created_at = EXCLUDED.created_at, started_at = EXCLUDED.started_at,
        finished_at = EXCLUDED.finished_at, resource = EXCLUDED.resource),
{_set_labels("archived_labels", "EXISTS (SELECT 1 FROM w)", prefix="archived_")}
SELECT value FROM w"""

_SAVE_NODE = """
INSERT INTO nodes (uid, node_id, phase, data) VALUES (%s, %s, %s, %s)
ON CONFLICT (uid, node_id) DO UPDATE SET phase = EXCLUDED.phase, data = EXCLUDED.data"""

_RECORD_LOG = """
INSERT INTO log_files (uid, pod_name, container, path) VALUES (%s, %s, %s, %s)
ON CONFLICT (uid, pod_name, container) DO UPDATE SET path = EXCLUDED.path"""

#: Stands for the resource version in the JSON text while it is cut (random: no value of a user's can match).
_MARK = f"argento-resource-version-{secrets.token_hex(16)}"


def _cut(resource: Resource) -> tuple[str, str]:
    """The resource's JSON text before and after its ``metadata.resourceVersion`` value (quotes excluded)."""
    marked = {**resource, "metadata": {**resource["metadata"], "resourceVersion": _MARK}}
    head, found, tail = json.dumps(marked).partition(f'"{_MARK}"')
    if not found:
        raise RuntimeError("the resource version mark is not in the resource's JSON")
    return head, tail


def _label_params(resource: Resource) -> dict[str, list[str]]:
    labels = _labels(resource)
    return {"keys": list(labels), "values": list(labels.values())}


def _update_params(workflow: Resource) -> dict[str, Any]:
    meta = workflow["metadata"]
    status = workflow.get("status") or {}
    slim_head, slim_tail = _cut(split_nodes(workflow)[0])
    return {
        "uid": meta["uid"],
        "phase": status.get("phase") or "",
        "finished_at": status.get("finishedAt"),
        "slim_head": slim_head,
        "slim_tail": slim_tail,
        **_label_params(workflow),
    }


def _archive_params(workflow: Resource) -> dict[str, Any]:
    return {**archive_columns(workflow), **_label_params(workflow)}


@contextlib.contextmanager
def direct(engine: sa.Engine) -> Iterator[psycopg.Cursor[Any]]:
    """A psycopg cursor in autocommit mode on a connection of the engine's pool (its idle ping included);
    driver errors become Argento's, as `SqlBase.tx` makes them."""
    try:
        pooled = engine.raw_connection()
    except sa.exc.DBAPIError as exc:  # connecting failed
        raise Unavailable(f"database unavailable: {str(exc.orig).splitlines()[0]}") from None
    conn: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            yield cur
    except psycopg.DataError as exc:
        raise SpecError(f"value not storable: {str(exc).splitlines()[0]}") from None
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        if not isinstance(exc, psycopg.OperationalError) and not conn.closed:
            raise  # a misuse, not a lost connection
        text = (str(exc) or type(exc).__name__).splitlines()[0]
        if is_disk_full(exc):
            raise DiskFull(f"cannot record state, disk full: {text}") from None
        raise Unavailable(f"database unavailable: {text}") from None
    finally:
        if conn.closed:
            pooled.invalidate()  # the connection was lost: the pool opens a new one
        else:
            with contextlib.suppress(psycopg.Error):
                conn.autocommit = False  # as SQLAlchemy expects its connections
        pooled.close()


class PgWorkflows(SqlWorkflows):
    """The live workflows on PostgreSQL: the writes a running workflow makes, one statement each."""

    def create(self, workflow: Resource) -> Resource:
        meta = workflow["metadata"]
        slim, nodes = split_nodes(workflow)
        status = workflow.get("status") or {}
        slim_head, slim_tail = _cut(slim)
        params = {
            "uid": meta["uid"],
            "namespace": meta["namespace"],
            "name": meta["name"],
            "phase": status.get("phase") or "",
            "created_at": meta["creationTimestamp"],
            "finished_at": status.get("finishedAt"),
            "slim_head": slim_head,
            "slim_tail": slim_tail,
            **_label_params(workflow),
            "ids": list(nodes),
            "phases": [n.get("phase", "") for n in nodes.values()],
            "datas": [json.dumps(n) for n in nodes.values()],
        }
        try:
            with direct(self.engine) as cur:
                version = cur.execute(_CREATE, params).fetchone()
        except psycopg.IntegrityError:
            raise AlreadyExists(f'workflows.argoproj.io "{meta["name"]}" already exists') from None
        assert version is not None
        meta["resourceVersion"] = str(version[0])
        return workflow

    def update(self, workflow: Resource) -> Resource:
        return self._versioned(_UPDATE, workflow, _update_params(workflow))

    def finish(self, workflow: Resource, archived: Resource) -> Resource:
        whole_head, whole_tail = _cut(archived)
        archive = _archive_params(archived)
        params = {
            **archive,
            **_update_params(workflow),
            "archived_keys": archive["keys"],
            "archived_values": archive["values"],
            "whole_head": whole_head,
            "whole_tail": whole_tail,
        }
        self._versioned(_FINISH, workflow, params)
        archived["metadata"]["resourceVersion"] = workflow["metadata"]["resourceVersion"]
        return workflow

    def _versioned(self, statement: str, workflow: Resource, params: dict[str, Any]) -> Resource:
        """Run an update of ``workflow`` that returns its new resource version (no row: it does not exist)."""
        meta = workflow["metadata"]
        with direct(self.engine) as cur:
            version = cur.execute(statement, params).fetchone()
        if version is None:
            raise NotFound(f'workflows.argoproj.io "{meta["name"]}" not found')
        meta["resourceVersion"] = str(version[0])
        return workflow

    def save_node(self, uid: str, node: dict[str, Any]) -> None:
        with direct(self.engine) as cur:
            cur.execute(_SAVE_NODE, (uid, node["id"], node.get("phase", ""), Json(node)))

    def record_log(self, uid: str, pod_name: str, container: str, path: str) -> None:
        with direct(self.engine) as cur:
            cur.execute(_RECORD_LOG, (uid, pod_name, container, path))

"""Workflows, their nodes and the archive on SQL.

A workflow row holds the resource without ``status.nodes``; ``save_node`` upserts one node row per
transition, which keeps the cost of a commit independent of the workflow's size.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from argento.errors import AlreadyExists, NotFound
from argento.store import schema
from argento.store.base import (
    COMPLETED_PHASES,
    ListQuery,
    Page,
    Resource,
    decode_continue,
    encode_continue,
    join_nodes,
    split_nodes,
)
from argento.store.selectors import STARTED_AT, FieldRequirement, Requirement
from argento.store.sql_base import SqlBase, upsert

_W = schema.workflows
_A = schema.archived_workflows
# Statements built once, executed with parameters: compiled once and cached by SQLAlchemy.
_INSERT_W = sa.insert(_W)
_INSERT_NODE = sa.insert(schema.nodes)
_INSERT_LABEL = sa.insert(schema.workflow_labels)
_INSERT_ARCHIVED_LABEL = sa.insert(schema.archived_labels)
_UPDATE_W = sa.update(_W).where(_W.c.uid == sa.bindparam("b_uid"))
_DELETE_LABELS = sa.delete(schema.workflow_labels).where(
    schema.workflow_labels.c.uid == sa.bindparam("b_uid")
)
_DELETE_ARCHIVED_LABELS = sa.delete(schema.archived_labels).where(
    schema.archived_labels.c.uid == sa.bindparam("b_uid")
)


def label_clause(labels_table: sa.Table, owner_uid: sa.ColumnElement[Any], req: Requirement) -> Any:
    """A label requirement as an EXISTS over the labels table (indexed on key, value)."""
    lab = labels_table.alias()
    base = sa.select(sa.literal(1)).where(lab.c.uid == owner_uid, lab.c.key == req.key)
    if req.op in ("exists", "!exists"):
        clause = sa.exists(base)
        return clause if req.op == "exists" else ~clause
    if req.op in (">", "<"):
        # Kubernetes compares as integers; a value that is not one never matches.
        number = sa.case(
            (lab.c.value.regexp_match("^[-+]?[0-9]+$"), sa.cast(lab.c.value, sa.BigInteger)), else_=None
        )
        bound = int(req.values[0])
        return sa.exists(base.where(number > bound if req.op == ">" else number < bound))
    clause = sa.exists(base.where(lab.c.value.in_(req.values)))
    return clause if req.op in ("=", "in") else ~clause


def field_clause(table: sa.Table, req: FieldRequirement) -> Any:
    if req.field == STARTED_AT:
        # The live table keeps no start time: a workflow starts when it is created (Running at once).
        column = table.c.started_at if "started_at" in table.c else table.c.created_at
        return column > req.value if req.op == ">" else column < req.value
    column = {
        "metadata.name": table.c.name,
        "metadata.namespace": table.c.namespace,
        "metadata.uid": table.c.uid,
        "status.phase": table.c.phase,
    }[req.field]
    if req.op == "contains":
        return column.contains(req.value, autoescape=True)
    if req.op == "prefix":
        return column.startswith(req.value, autoescape=True)
    return column == req.value if req.op == "=" else column != req.value


def _labels(resource: Resource) -> dict[str, str]:
    return {str(k): str(v) for k, v in ((resource.get("metadata") or {}).get("labels") or {}).items()}


def _paged(conn: sa.Connection, stmt: sa.Select[Any], query: ListQuery) -> tuple[list[Any], str]:
    offset = decode_continue(query.continue_token)
    if query.limit and query.limit > 0:
        rows = conn.execute(stmt.offset(offset).limit(query.limit + 1)).all()
        more = len(rows) > query.limit
        return rows[: query.limit], encode_continue(offset + query.limit) if more else ""
    return conn.execute(stmt.offset(offset) if offset else stmt).all(), ""


def _update(conn: sa.Connection, workflow: Resource) -> None:
    meta = workflow["metadata"]
    slim, _ = split_nodes(workflow)
    status = workflow.get("status") or {}
    meta["resourceVersion"] = str(SqlBase.next_version(conn))
    result = conn.execute(
        _UPDATE_W,
        {
            "b_uid": meta["uid"],
            "phase": status.get("phase") or "",
            "finished_at": status.get("finishedAt"),
            "resource_version": int(meta["resourceVersion"]),
            "resource": slim,
        },
    )
    if result.rowcount == 0:
        raise NotFound(f'workflows.argoproj.io "{meta["name"]}" not found')
    conn.execute(_DELETE_LABELS, {"b_uid": meta["uid"]})
    labels = _labels(workflow)
    if labels:
        conn.execute(_INSERT_LABEL, [{"uid": meta["uid"], "key": k, "value": v} for k, v in labels.items()])


def archive_columns(workflow: Resource) -> dict[str, Any]:
    """The columns of an archived workflow's row, but its JSON (both stores use them)."""
    meta = workflow["metadata"]
    status = workflow.get("status") or {}
    return {
        "uid": meta["uid"],
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "phase": status.get("phase") or "",
        "created_at": meta.get("creationTimestamp") or "",
        "started_at": status.get("startedAt"),
        "finished_at": status.get("finishedAt"),
    }


def _archive(conn: sa.Connection, workflow: Resource) -> None:
    meta = workflow["metadata"]
    conn.execute(_DELETE_ARCHIVED_LABELS, {"b_uid": meta["uid"]})
    upsert(conn, _A, {**archive_columns(workflow), "resource": workflow}, ["uid"])
    labels = _labels(workflow)
    if labels:
        conn.execute(
            _INSERT_ARCHIVED_LABEL, [{"uid": meta["uid"], "key": k, "value": v} for k, v in labels.items()]
        )


class SqlWorkflows(SqlBase):
    """The live workflows."""

    def create(self, workflow: Resource) -> Resource:
        meta = workflow["metadata"]
        slim, nodes = split_nodes(workflow)
        try:
            with self.tx() as conn:
                meta["resourceVersion"] = str(self.next_version(conn))
                status = workflow.get("status") or {}
                conn.execute(
                    _INSERT_W,
                    {
                        "uid": meta["uid"],
                        "namespace": meta["namespace"],
                        "name": meta["name"],
                        "phase": status.get("phase") or "",
                        "created_at": meta["creationTimestamp"],
                        "finished_at": status.get("finishedAt"),
                        "resource_version": int(meta["resourceVersion"]),
                        "resource": slim,
                    },
                )
                labels = _labels(workflow)
                if labels:
                    conn.execute(
                        _INSERT_LABEL, [{"uid": meta["uid"], "key": k, "value": v} for k, v in labels.items()]
                    )
                if nodes:
                    conn.execute(
                        _INSERT_NODE,
                        [
                            {"uid": meta["uid"], "node_id": nid, "phase": n.get("phase", ""), "data": n}
                            for nid, n in nodes.items()
                        ],
                    )
        except sa.exc.IntegrityError:
            raise AlreadyExists(f'workflows.argoproj.io "{meta["name"]}" already exists') from None
        return workflow

    def _one(self, where: Any, missing: str) -> Resource:
        with self.read() as conn:
            row = conn.execute(sa.select(_W.c.uid, _W.c.resource).where(where)).first()
            if row is None:
                raise NotFound(f'workflows.argoproj.io "{missing}" not found')
            nodes = self._nodes(conn, [row[0]]).get(row[0], {})
        return join_nodes(dict(row[1]), nodes)

    def get(self, namespace: str, name: str) -> Resource:
        return self._one(sa.and_(_W.c.namespace == namespace, _W.c.name == name), name)

    def get_by_uid(self, uid: str) -> Resource:
        return self._one(_W.c.uid == uid, uid)

    @staticmethod
    def _nodes(conn: sa.Connection, uids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        if not uids:
            return out
        n = schema.nodes
        rows = conn.execute(
            sa.select(n.c.uid, n.c.node_id, n.c.data).where(n.c.uid.in_(uids)).order_by(n.c.uid, n.c.node_id)
        )
        for uid, nid, data in rows:
            out.setdefault(uid, {})[nid] = data
        return out

    def list(self, query: ListQuery, *, with_nodes: bool = False) -> Page:
        stmt = sa.select(_W.c.uid, _W.c.resource)
        if query.namespace:
            stmt = stmt.where(_W.c.namespace == query.namespace)
        if query.name_prefix:
            stmt = stmt.where(_W.c.name.startswith(query.name_prefix, autoescape=True))
        for req in query.labels:
            stmt = stmt.where(label_clause(schema.workflow_labels, _W.c.uid, req))
        for freq in query.fields:
            stmt = stmt.where(field_clause(_W, freq))
        stmt = stmt.order_by(_W.c.created_at.desc(), _W.c.name)
        with self.read() as conn:
            rows, token = _paged(conn, stmt, query)
            nodes = self._nodes(conn, [r[0] for r in rows]) if with_nodes else {}
        return Page([join_nodes(dict(r[1]), nodes.get(r[0], {})) for r in rows], token)

    def update(self, workflow: Resource) -> Resource:
        with self.tx() as conn:
            _update(conn, workflow)
        return workflow

    def finish(self, workflow: Resource, archived: Resource) -> Resource:
        with self.tx() as conn:
            _update(conn, workflow)
            archived["metadata"]["resourceVersion"] = workflow["metadata"]["resourceVersion"]
            _archive(conn, archived)
        return workflow

    def delete(self, namespace: str, name: str) -> None:
        with self.tx() as conn:
            row = conn.execute(
                sa.select(_W.c.uid).where(_W.c.namespace == namespace, _W.c.name == name)
            ).first()
            if row is None:
                raise NotFound(f'workflows.argoproj.io "{name}" not found')
            for table in (schema.nodes, schema.workflow_labels, schema.log_files):
                conn.execute(sa.delete(table).where(table.c.uid == row[0]))
            conn.execute(sa.delete(_W).where(_W.c.uid == row[0]))

    def save_node(self, uid: str, node: dict[str, Any]) -> None:
        with self.tx() as conn:
            upsert(
                conn,
                schema.nodes,
                {"uid": uid, "node_id": node["id"], "phase": node.get("phase", ""), "data": node},
                ["uid", "node_id"],
            )

    def replace_nodes(self, uid: str, nodes: dict[str, Any]) -> None:
        n = schema.nodes
        with self.tx() as conn:
            conn.execute(sa.delete(n).where(n.c.uid == uid))
            if nodes:
                conn.execute(
                    sa.insert(n),
                    [
                        {"uid": uid, "node_id": k, "phase": v.get("phase", ""), "data": v}
                        for k, v in nodes.items()
                    ],
                )

    def get_nodes(self, uid: str) -> dict[str, Any]:
        with self.read() as conn:
            return self._nodes(conn, [uid]).get(uid, {})

    def page_nodes(
        self, namespace: str, name: str, after: str, limit: int
    ) -> tuple[str, list[tuple[str, dict[str, Any]]], bool]:
        n = schema.nodes
        with self.read() as conn:
            uid = conn.execute(
                sa.select(_W.c.uid).where(sa.and_(_W.c.namespace == namespace, _W.c.name == name))
            ).scalar()
            if uid is None:
                raise NotFound(f'workflows.argoproj.io "{name}" not found')
            stmt = sa.select(n.c.node_id, n.c.data).where(n.c.uid == uid)
            if after:
                stmt = stmt.where(n.c.node_id > after)
            rows = conn.execute(stmt.order_by(n.c.node_id).limit(limit + 1)).all()
        return uid, [(nid, data) for nid, data in rows[:limit]], len(rows) > limit

    def unfinished(self) -> list[Resource]:
        with self.read() as conn:
            rows = conn.execute(
                sa.select(_W.c.uid, _W.c.resource)
                .where(_W.c.phase.not_in(sorted(COMPLETED_PHASES)))
                .order_by(_W.c.created_at, _W.c.name)
            ).all()
            nodes = self._nodes(conn, [r[0] for r in rows])
        return [join_nodes(dict(r[1]), nodes.get(r[0], {})) for r in rows]

    def count_by_phase(self) -> dict[tuple[str, str], int]:
        """``{(namespace, phase): count}`` of the live workflows."""
        with self.read() as conn:
            rows = conn.execute(
                sa.select(_W.c.namespace, _W.c.phase, sa.func.count()).group_by(_W.c.namespace, _W.c.phase)
            ).all()
        return {(r[0], r[1]): int(r[2]) for r in rows}

    def record_log(self, uid: str, pod_name: str, container: str, path: str) -> None:
        with self.tx() as conn:
            upsert(
                conn,
                schema.log_files,
                {"uid": uid, "pod_name": pod_name, "container": container, "path": path},
                ["uid", "pod_name", "container"],
            )

    def log_files(self, uid: str) -> list[tuple[str, str, str]]:
        t = schema.log_files
        with self.read() as conn:
            rows = conn.execute(
                sa.select(t.c.pod_name, t.c.container, t.c.path).where(t.c.uid == uid).order_by(t.c.pod_name)
            ).all()
        return [(r[0], r[1], r[2]) for r in rows]


class SqlArchive(SqlBase):
    """Completed workflows (Argo's workflow archive)."""

    def archive(self, workflow: Resource) -> None:
        with self.tx() as conn:
            _archive(conn, workflow)

    def get(self, uid: str) -> Resource:
        with self.read() as conn:
            row = conn.execute(sa.select(_A.c.resource).where(_A.c.uid == uid)).first()
        if row is None:
            raise NotFound(f'archived workflow "{uid}" not found')
        return dict(row[0])

    def list(self, query: ListQuery) -> Page:
        stmt = sa.select(_A.c.resource)
        if query.namespace:
            stmt = stmt.where(_A.c.namespace == query.namespace)
        if query.name_prefix:
            stmt = stmt.where(_A.c.name.startswith(query.name_prefix, autoescape=True))
        for req in query.labels:
            stmt = stmt.where(label_clause(schema.archived_labels, _A.c.uid, req))
        for freq in query.fields:
            stmt = stmt.where(field_clause(_A, freq))
        stmt = stmt.order_by(_A.c.created_at.desc(), _A.c.name)
        with self.read() as conn:
            rows, token = _paged(conn, stmt, query)
        return Page([dict(r[0]) for r in rows], token)

    def delete(self, uid: str) -> None:
        with self.tx() as conn:
            conn.execute(sa.delete(schema.archived_labels).where(schema.archived_labels.c.uid == uid))
            result = conn.execute(sa.delete(_A).where(_A.c.uid == uid))
        if result.rowcount == 0:
            raise NotFound(f'archived workflow "{uid}" not found')

    def label_keys(self) -> list[str]:
        t = schema.archived_labels
        with self.read() as conn:
            return [r[0] for r in conn.execute(sa.select(t.c.key).distinct().order_by(t.c.key))]

    def label_values(self, key: str) -> list[str]:
        t = schema.archived_labels
        with self.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    sa.select(t.c.value).where(t.c.key == key).distinct().order_by(t.c.value)
                )
            ]

"""The tables of the store (SQLAlchemy Core), identical on SQLite and PostgreSQL.

A workflow is split in two: the ``workflows`` row holds the resource without ``status.nodes`` (plus indexed
columns for listing), and ``nodes`` holds one row per node so that a node transition is one small upsert,
committed before the engine acts on it (SPEC §2.6). Labels live in their own tables so that label selectors
are indexed lookups. Timestamps are RFC 3339 strings (``2024-05-01T10:00:00Z``), which sort as text.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: Applied schema versions (see :mod:`argento.store.migrations`).
migrations = sa.Table(
    "migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("applied_at", sa.String(32), nullable=False),
)

#: Named counters; ``resource_version`` is Kubernetes' cluster-wide ``metadata.resourceVersion``.
sequences = sa.Table(
    "sequences",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

workflows = sa.Table(
    "workflows",
    metadata,
    sa.Column("uid", sa.String(64), primary_key=True),
    sa.Column("namespace", sa.String(), nullable=False),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("phase", sa.String(32), nullable=False, default=""),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("finished_at", sa.String(32)),
    sa.Column("resource_version", sa.BigInteger, nullable=False),
    #: The resource without ``status.nodes``.
    sa.Column("resource", sa.JSON, nullable=False),
    sa.UniqueConstraint("namespace", "name", name="uq_workflows_namespace_name"),
    sa.Index("ix_workflows_namespace_created", "namespace", "created_at"),
    sa.Index("ix_workflows_phase", "phase"),
)

workflow_labels = sa.Table(
    "workflow_labels",
    metadata,
    sa.Column("uid", sa.String(64), sa.ForeignKey("workflows.uid", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String(), primary_key=True),
    sa.Column("value", sa.String(), nullable=False),
    sa.Index("ix_workflow_labels_key_value", "key", "value"),
)

nodes = sa.Table(
    "nodes",
    metadata,
    sa.Column("uid", sa.String(64), sa.ForeignKey("workflows.uid", ondelete="CASCADE"), primary_key=True),
    sa.Column("node_id", sa.String(), primary_key=True),
    sa.Column("phase", sa.String(32), nullable=False),
    #: Argo's ``NodeStatus`` JSON.
    sa.Column("data", sa.JSON, nullable=False),
)

#: Where the executor wrote each container's log (``<home>/runs/<wf>/<pod>/main.log``).
log_files = sa.Table(
    "log_files",
    metadata,
    sa.Column("uid", sa.String(64), sa.ForeignKey("workflows.uid", ondelete="CASCADE"), primary_key=True),
    sa.Column("pod_name", sa.String(), primary_key=True),
    sa.Column("container", sa.String(), primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
)

#: WorkflowTemplates, ClusterWorkflowTemplates (namespace ""), CronWorkflows, WorkflowEventBindings.
resources = sa.Table(
    "resources",
    metadata,
    sa.Column("kind", sa.String(64), primary_key=True),
    sa.Column("namespace", sa.String(), primary_key=True),
    sa.Column("name", sa.String(), primary_key=True),
    sa.Column("uid", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("resource_version", sa.BigInteger, nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("resource", sa.JSON, nullable=False),
)

archived_workflows = sa.Table(
    "archived_workflows",
    metadata,
    sa.Column("uid", sa.String(64), primary_key=True),
    sa.Column("namespace", sa.String(), nullable=False),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("phase", sa.String(32), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("started_at", sa.String(32)),
    sa.Column("finished_at", sa.String(32)),
    #: The whole workflow, ``status.nodes`` included.
    sa.Column("resource", sa.JSON, nullable=False),
    sa.Index("ix_archived_namespace_created", "namespace", "created_at"),
)

archived_labels = sa.Table(
    "archived_labels",
    metadata,
    sa.Column(
        "uid", sa.String(64), sa.ForeignKey("archived_workflows.uid", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(), primary_key=True),
    sa.Column("value", sa.String(), nullable=False),
    sa.Index("ix_archived_labels_key_value", "key", "value"),
)

#: Argo keeps its memoization cache in ConfigMaps; here one row per (namespace, cache, key).
memo_cache = sa.Table(
    "memo_cache",
    metadata,
    sa.Column("namespace", sa.String(), primary_key=True),
    sa.Column("cache", sa.String(), primary_key=True),
    sa.Column("key", sa.String(), primary_key=True),
    sa.Column("node_id", sa.String(), nullable=False),
    sa.Column("outputs", sa.JSON, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("saved_at", sa.Float, nullable=False),
)

#: API tokens: only a SHA-256 of the secret part is kept.
tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("revoked_at", sa.String(32)),
)

"""Re-run a finished workflow from a step: everything that does not depend on it keeps its recorded outputs.

A rerun is a new workflow from the same spec (Argo's resubmit) that starts with a :class:`RerunPlan`: the
original's reusable nodes, renamed into the new workflow, and the steps to run again (``--from``). While the
new workflow runs, ``execute_template`` asks :meth:`Reuse.lookup` before doing anything for a node; a node is
*reused* — inserted with its original phase, outputs, exit code and times, and not executed — iff

1. the original has a reusable node of that name: a Succeeded ``Pod`` (not a daemon), ``Retry`` (of pods),
   ``Suspend`` or ``HTTP`` node that is not an exit handler or a lifecycle hook;
2. it is not a ``--from`` node, and nothing upstream of it in the new graph is *tainted*: its parents (Argo's
   ``children`` edges point from a node to what runs after it, and from a Steps/DAG node to its content) are
   walked back; a leaf that ran in this workflow (was not reused) taints what follows it, a Skipped/Omitted
   leaf taints only when its outcome differs from the original's, a container taints its content when it is
   a ``--from`` node or is itself downstream of a tainted node;
3. its resolved inputs are the original's (parameter values and artifact locations; the workflow's own name
   and uid do not count as a change), its template uses no workflow parameter whose value changed, and —
   when it reads ``workflow.outputs`` — nothing has run yet.

So ``--from STEP`` runs STEP and everything downstream of it; a changed parameter runs the nodes whose
inputs or template it reaches, directly or through the outputs of nodes that ran again, and everything
downstream of those. Containers (Steps, DAG, groups) are always walked again: they cost nothing.

Reused nodes carry Argo's ``memoizationStatus`` with ``cacheName: argento-rerun`` and ``key: <original
workflow>/<original node id>`` — a field every Argo client already knows — and the UI marks them as reused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argento.engine.nodes import NodePhase, NodeStatus, NodeType, node_id
from argento.errors import Conflict, NotFound, SpecError
from argento.paths import safe_join

if TYPE_CHECKING:
    from argento.engine.call import Call
    from argento.engine.ports import RunContext
    from argento.engine.state import WorkflowState

#: ``memoizationStatus.cacheName`` of a node reused by a rerun.
RERUN_CACHE = "argento-rerun"
#: Annotations a rerun workflow carries (the label is Argo's resubmit label).
ANNOTATION_FROM = "workflows.argento.io/rerun-from"
ANNOTATION_OF = "workflows.argento.io/rerun-of"
LABEL_RESUBMITTED = "workflows.argoproj.io/resubmitted-from-workflow"
#: File of a rerun's plan in its run directory (a re-adopted rerun goes on reusing).
PLAN_FILE = "rerun-plan.json"

_REUSABLE = {"Pod", "Retry", "Suspend", "HTTP"}
_LEAVES = {
    NodeType.POD,
    NodeType.RETRY,
    NodeType.SUSPEND,
    NodeType.HTTP,
    NodeType.SKIPPED,
    NodeType.CONTAINER,
    NodeType.PLUGIN,
}


@dataclass
class RerunPlan:
    """The part of an original workflow a rerun may keep; JSON-able (``to_dict``/``from_dict``)."""

    origin: str
    new_name: str
    #: new node name -> the original node (renamed into the new workflow), for every reusable node
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: new node name -> nodes inserted with it (a Retry node's attempts, a containerSet's Container nodes)
    extra: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: new node name -> phase of the original's Skipped-type nodes (a changed outcome taints)
    skipped: dict[str, str] = field(default_factory=dict)
    #: new names of the ``--from`` nodes
    from_names: set[str] = field(default_factory=set)
    #: workflow parameters whose value differs from the original's
    changed_params: set[str] = field(default_factory=set)
    #: identity strings of the original (name, uid) that never count as a change
    identity: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "newName": self.new_name,
            "candidates": self.candidates,
            "extra": self.extra,
            "skipped": self.skipped,
            "from": sorted(self.from_names),
            "changedParameters": sorted(self.changed_params),
            "identity": self.identity,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RerunPlan:
        return cls(
            origin=d["origin"],
            new_name=d["newName"],
            candidates=d.get("candidates") or {},
            extra=d.get("extra") or {},
            skipped=d.get("skipped") or {},
            from_names=set(d.get("from") or []),
            changed_params=set(d.get("changedParameters") or []),
            identity=list(d.get("identity") or []),
        )


# ------------------------------------------------------------------------------------------------- planning
def find_nodes(workflow: dict[str, Any], selectors: Iterable[str]) -> list[dict[str, Any]]:
    """The original nodes ``--from`` names: by ID, node name or display name (every match of each).

    A Container node stands for its pod, a retry attempt for its Retry node: those are what a rerun runs.
    """
    nodes: dict[str, dict[str, Any]] = (workflow.get("status") or {}).get("nodes") or {}
    name = workflow["metadata"]["name"]
    parents: dict[str, str] = {}
    for nid, node in nodes.items():
        for child in node.get("children") or []:
            parents.setdefault(child, nid)
    found: dict[str, dict[str, Any]] = {}
    for sel in selectors:
        sel = str(sel).strip()
        matches = [
            n
            for n in nodes.values()
            if sel in (n.get("id"), n.get("name"), n.get("displayName")) or n.get("name") == f"{name}.{sel}"
        ]
        if not matches:
            raise NotFound(f'node "{sel}" not found in workflow "{name}"')
        for node in matches:
            parent = nodes.get(parents.get(node["id"], ""))
            while parent is not None and (
                node.get("type") == "Container"
                or (parent.get("type") == "Retry" and node["id"] in (parent.get("children") or []))
            ):
                node = parent
                parent = nodes.get(parents.get(node["id"], ""))
            found[node["id"]] = node
    return list(found.values())


def rename(name: str, old: str, new: str) -> str:
    """A node name of workflow ``old`` as a node name of workflow ``new``."""
    return new + name[len(old) :] if name.startswith(old) else name


def plan_rerun(
    original: dict[str, Any],
    new_workflow: dict[str, Any],
    *,
    from_: Iterable[str] = (),
) -> RerunPlan:
    """What ``new_workflow`` (named, parameters applied) keeps from the finished ``original``."""
    old = original["metadata"]["name"]
    new = new_workflow["metadata"]["name"]
    nodes: dict[str, dict[str, Any]] = (original.get("status") or {}).get("nodes") or {}
    plan = RerunPlan(origin=old, new_name=new)
    plan.identity = [s for s in (old, original["metadata"].get("uid", "")) if s]
    plan.from_names = {rename(n["name"], old, new) for n in find_nodes(original, from_)}
    plan.changed_params = changed_parameters(original, new_workflow)
    ids = {nid: node_id(new, rename(n["name"], old, new)) for nid, n in nodes.items()}
    for node in nodes.values():
        new_name = rename(node["name"], old, new)
        if node.get("type") == "Skipped":
            plan.skipped[new_name] = str(node.get("phase"))
        if not _reusable(node, nodes, old):
            continue
        # A pod's children are what ran after it (the new run links its own); a Retry node's are its
        # attempts and a containerSet pod's its Container nodes, which come along.
        kids = [
            nodes[c]
            for c in node.get("children") or []
            if c in nodes and (node.get("type") == "Retry" or nodes[c].get("type") == "Container")
        ]
        plan.candidates[new_name] = _renamed(node, ids, new_name, old, [ids[k["id"]] for k in kids])
        extra = [_renamed(k, ids, rename(k["name"], old, new), old, _containers(k, nodes, ids)) for k in kids]
        if extra:
            plan.extra[new_name] = extra
    return plan


def _reusable(node: dict[str, Any], nodes: dict[str, dict[str, Any]], workflow_name: str) -> bool:
    if node.get("type") not in _REUSABLE or node.get("phase") != "Succeeded" or node.get("daemoned"):
        return False
    if (node.get("nodeFlag") or {}).get("hooked") or ".onExit" in node.get("name", ""):
        return False
    if node.get("name", "").startswith(f"{workflow_name}.onExit"):
        return False
    if node.get("type") == "Retry":  # a retried pod; a retried Steps/DAG is walked again instead
        kids = [nodes.get(c) for c in node.get("children") or []]
        return bool(kids) and all(k is not None and k.get("type") == "Pod" for k in kids)
    return True


def _containers(node: dict[str, Any], nodes: dict[str, dict[str, Any]], ids: dict[str, str]) -> list[str]:
    return [ids[c] for c in node.get("children") or [] if nodes.get(c, {}).get("type") == "Container"]


def _renamed(
    node: dict[str, Any], ids: dict[str, str], new_name: str, origin: str, children: list[str]
) -> dict[str, Any]:
    """The original ``node`` as a node of the new workflow, marked as reused from ``origin``."""
    out = {k: v for k, v in node.items() if k not in ("children", "outboundNodes")}
    out["name"] = new_name
    out["id"] = ids[node["id"]]
    if node.get("boundaryID"):
        out["boundaryID"] = ids.get(node["boundaryID"], node["boundaryID"])
    if children:
        out["children"] = children
    out["memoizationStatus"] = {"hit": True, "key": f"{origin}/{node['id']}", "cacheName": RERUN_CACHE}
    return out


def changed_parameters(original: dict[str, Any], new_workflow: dict[str, Any]) -> set[str]:
    """Names of the workflow parameters whose values differ (or that were added or removed)."""

    def values(wf: dict[str, Any]) -> dict[str, str]:
        params = ((wf.get("spec") or {}).get("arguments") or {}).get("parameters") or []
        return {str(p.get("name")): json.dumps(p.get("value"), sort_keys=True) for p in params}

    a, b = values(original), values(new_workflow)
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


# ------------------------------------------------------------------------------------------------- running
class Reuse:
    """The running side of a :class:`RerunPlan` (``RunOptions.reuse``): decides, per node, reuse or run."""

    def __init__(self, plan: RerunPlan) -> None:
        self.plan = plan
        self.reused: set[str] = set()
        self._parents: dict[str, set[str]] = {}
        self._linked: dict[str, int] = {}
        self._state: WorkflowState | None = None
        self._taint: dict[str, bool] = {}
        self._params = [_param_ref(p) for p in sorted(plan.changed_params)]
        self._all_params = re.compile(r"workflow\.parameters(?:\s*}}|\s*\)|\.json\b)")
        #: names of the nodes that were reused, in order (what `argento rerun` reports)
        self.reused_names: list[str] = []

    def attach(self, state: WorkflowState) -> None:
        """Follow ``state``'s edges (parents are looked up by child)."""
        if self._state is state:
            return
        self._state = state
        for node in state.nodes.values():
            self._index(state, node)
        state.subscribe(self._index)

    def _index(self, state: WorkflowState, node: NodeStatus) -> None:
        seen = self._linked.get(node.id, 0)
        if len(node.children) > seen:
            for child in node.children[seen:]:
                self._parents.setdefault(child, set()).add(node.id)
            self._linked[node.id] = len(node.children)

    # -- the decision ------------------------------------------------------------------------------------
    def lookup(self, run: RunContext, call: Call, *, on_exit: bool) -> NodeStatus | None:
        """The reused node for ``call`` (inserted into the state), or None: the node runs."""
        self.attach(run.state)
        if on_exit or (call.node_flag or {}).get("hooked"):
            return None
        cand = self.plan.candidates.get(call.node_name)
        if cand is None or call.node_name in self.plan.from_names:
            return None
        if run.state.by_name(call.node_name) is not None:
            return None
        nid = run.state.id_of(call.node_name)
        if any(self.tainted(p) for p in self._parents.get(nid, ())):
            return None
        if self.changed(run, call, cand):
            return None
        return self._insert(run, cand)

    def tainted(self, nid: str) -> bool:
        """Whether what follows node ``nid`` (in the new workflow) must run again."""
        known = self._taint.get(nid)
        if known is not None:
            return known
        state = self._state
        node = state.nodes.get(nid) if state is not None else None
        if node is None:
            return False
        if node.name in self.plan.from_names:
            result = True
        elif node.type in _LEAVES:
            if nid in self.reused:
                result = False
            elif node.type is NodeType.SKIPPED and node.phase in (NodePhase.SKIPPED, NodePhase.OMITTED):
                result = self.plan.skipped.get(node.name) != str(node.phase)
            else:
                result = True
            if not node.fulfilled:
                return result  # not final yet: do not remember
        else:
            self._taint[nid] = False  # cycles cannot happen in Argo's graph; guard anyway
            result = any(self.tainted(p) for p in self._parents.get(nid, ()))
        self._taint[nid] = result
        return result

    def changed(self, run: RunContext, call: Call, cand: dict[str, Any]) -> bool:
        """Whether the node's resolved inputs or its template differ from the original's."""
        from argento.engine.call import inputs_of

        identities = [*self.plan.identity, run.name, run.workflow["metadata"].get("uid", "")]
        recorded = cand.get("inputs")
        if cand.get("type") == "Retry":  # a Retry node records no inputs; its attempts do
            attempts = self.plan.extra.get(cand["name"]) or [{}]
            recorded = attempts[-1].get("inputs")
        if _neutral(inputs_of(call.template), identities) != _neutral(recorded, identities):
            return True
        text = json.dumps(call.resolved.template, sort_keys=True)
        if self._params and (
            any(p.search(text) for p in self._params) or self._all_params.search(text) is not None
        ):
            return True
        return "workflow.outputs." in text and self._any_ran(run)

    def _any_ran(self, run: RunContext) -> bool:
        return any(
            n.type in (NodeType.POD, NodeType.HTTP, NodeType.SUSPEND) and n.id not in self.reused
            for n in run.state.nodes.values()
        )

    def _insert(self, run: RunContext, cand: dict[str, Any]) -> NodeStatus:
        state = run.state
        top = NodeStatus.from_dict(cand)
        extra = [NodeStatus.from_dict(c) for c in self.plan.extra.get(cand["name"], [])]
        for node in [*extra, top]:
            state.nodes[node.id] = node
            self.reused.add(node.id)
        for node in [*extra, top]:
            if node.type is NodeType.POD:
                self._link_logs(run, node)
            state.changed(node)
        self.reused_names.append(top.name)
        return top

    def _link_logs(self, run: RunContext, node: NodeStatus) -> None:
        """The pod directory of a reused pod points at the original's (its logs and files stay readable)."""
        origin = self.plan.origin
        old_name = rename(node.name, run.name, origin)
        old_dir = safe_join(run.settings.runs_dir, origin, _pod_name(origin, old_name, node.template_name))
        new_dir = run.run_dir / run.pod_name(node.name, node.template_name)
        try:
            if old_dir.is_dir() and not new_dir.exists():
                new_dir.parent.mkdir(parents=True, exist_ok=True)
                new_dir.symlink_to(old_dir.resolve(), target_is_directory=True)
        except OSError:  # best effort: the outputs are in the status either way
            pass


def _pod_name(workflow: str, node_name: str, template: str | None) -> str:
    from argento.engine.nodes import fnv1a_32

    prefix = f"{workflow}-{template}" if template else workflow
    return f"{prefix[:242]}-{fnv1a_32(node_name)}"


def _param_ref(name: str) -> re.Pattern[str]:
    """``workflow.parameters.NAME`` (tags, expressions) or ``workflow.parameters['NAME']`` (expr-lang)."""
    quoted = re.escape(name)
    return re.compile(rf"workflow\.parameters(?:\.{quoted}(?![\w-])|\[['\"]{quoted}['\"]\])")


def _neutral(value: Any, identities: list[str]) -> str:
    text = json.dumps(value or {}, sort_keys=True)
    for ident in sorted({i for i in identities if i}, key=len, reverse=True):
        text = text.replace(ident, "\x00wf\x00")
    return text


def check_from(selectors: Iterable[str], path: str = "from") -> list[str]:
    """``--from`` values: at least one, each a non-empty string."""
    out = [str(s).strip() for s in selectors]
    if not out:
        raise SpecError("at least one node to rerun from is required", path=path)
    for i, s in enumerate(out):
        if not s:
            raise SpecError("a node name, display name or ID is required", path=f"{path}[{i}]")
    return out


#: Labels the controller owns: not copied to the new workflow.
_CONTROLLER_LABELS = ("workflows.argoproj.io/phase", "workflows.argoproj.io/completed")


def rerun_workflow(
    original: dict[str, Any],
    *,
    from_: Iterable[str],
    parameters: Iterable[str] = (),
    name: str | None = None,
) -> tuple[dict[str, Any], RerunPlan]:
    """The new workflow of a rerun (named ``name``, else ``<original>-xxxxx``) and its plan.

    The workflow is Argo's resubmit of ``original`` (same spec, labels, annotations; ``-p`` parameters
    applied) plus Argo's ``resubmitted-from-workflow`` label and the rerun annotations.
    """
    from argento.engine.nodes import generate_name

    phase = (original.get("status") or {}).get("phase")
    if phase in (None, "", "Pending", "Running"):
        raise Conflict(f'workflow "{original["metadata"]["name"]}" has not finished: rerun it once it has')
    selectors = check_from(from_)
    params = list(parameters)
    if params:  # (argento.spec is imported only when needed: it loads every resource model)
        from argento.spec.submit import parse_parameter

        for i, item in enumerate(params):
            try:
                parse_parameter(item)
            except SpecError as exc:
                raise SpecError(exc.message, path=f"parameters[{i}]") from None
    meta = original["metadata"]
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k not in _CONTROLLER_LABELS}
    labels[LABEL_RESUBMITTED] = meta["name"]
    annotations = dict(meta.get("annotations") or {})
    annotations[ANNOTATION_OF] = meta["name"]
    annotations[ANNOTATION_FROM] = json.dumps(selectors)
    spec = {k: v for k, v in (original.get("spec") or {}).items() if k not in ("shutdown", "suspend")}
    new: dict[str, Any] = {
        "apiVersion": original.get("apiVersion", "argoproj.io/v1alpha1"),
        "kind": "Workflow",
        "metadata": {
            "name": name or generate_name(meta["name"] + "-"),
            "namespace": meta.get("namespace", ""),
            "labels": labels,
            "annotations": annotations,
        },
        "spec": json.loads(json.dumps(spec)),
    }
    if params:
        from argento.spec.submit import override_parameters

        override_parameters(new, params)
    return new, plan_rerun(original, new, from_=selectors)

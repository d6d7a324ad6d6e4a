// From Argo's `status.nodes` to the graph the page draws: edges follow `children` (Argo links the outbound
// nodes of a step or task to what comes next, so children alone give the whole DAG), and groups can be
// collapsed into one node:
//   - retries: a Retry node and its attempts `name(0)`, `name(1)`, …;
//   - DAG loops: a TaskGroup and its expanded items `name(0:a)`, `name(1:b)`, …;
//   - steps loops: the sibling items `name(i:item)` of one StepGroup (Argo has no node for them, so the
//     group gets a synthetic id `<stepgroup id>/<name>`).
// A collapsed group hides its members and everything inside them (nodes whose boundary chain reaches a
// member), and every edge is mapped to the visible representative of its ends.

const ITEM = /^(.*)\((\d+)(?::.*)?\)$/s; // `name(3:item)` (loop item) or `name(3)` (retry attempt)
const VIRTUAL = new Set(["Steps", "StepGroup", "DAG", "TaskGroup"]);
/** Loop groups with more members than this start collapsed. */
export const COLLAPSE_LOOPS_OVER = 8;

/** Whether a node type is drawn as a small connector rather than a box. */
export function isVirtual(type) {
  return VIRTUAL.has(type);
}

/** Count phases of `ids` in `nodes`: {Succeeded: 3, Running: 1}. */
function phaseCounts(nodes, ids) {
  const counts = {};
  for (const id of ids) {
    const p = nodes[id]?.phase || "Pending";
    counts[p] = (counts[p] || 0) + 1;
  }
  return counts;
}

/** The phase a group shows: running while any member runs, failed if any failed, else the majority. */
export function groupPhase(counts) {
  if (counts.Running || counts.Pending) return counts.Running ? "Running" : "Pending";
  if (counts.Error) return "Error";
  if (counts.Failed) return "Failed";
  if (counts.Succeeded) return "Succeeded";
  return Object.keys(counts)[0] || "Pending";
}

/** Find every collapsible group of a workflow's nodes. */
export function findGroups(nodes) {
  const groups = [];
  for (const node of Object.values(nodes)) {
    const children = (node.children || []).filter((id) => nodes[id]);
    if (node.type === "Retry" && children.length) {
      groups.push({ id: node.id, kind: "retry", anchor: node.id, members: children, synthetic: false });
    } else if (node.type === "TaskGroup" && children.length) {
      groups.push({ id: node.id, kind: "loop", anchor: node.id, members: children, synthetic: false });
    } else if (node.type === "StepGroup" && children.length > 1) {
      const byBase = new Map();
      for (const id of children) {
        const m = ITEM.exec(nodes[id].displayName || "");
        if (!m) continue;
        const list = byBase.get(m[1]) || [];
        list.push(id);
        byBase.set(m[1], list);
      }
      for (const [base, members] of byBase) {
        if (members.length > 1) {
          groups.push({ id: `${node.id}/${base}`, kind: "loop", anchor: node.id, members, synthetic: true, label: base, boundaryID: node.boundaryID });
        }
      }
    }
  }
  return groups;
}

/** Whether a group is collapsed: the user's toggle, else retries always and big loops. */
export function isCollapsed(group, toggles) {
  if (toggles.has(group.id)) return toggles.get(group.id);
  return group.kind === "retry" || group.members.length > COLLAPSE_LOOPS_OVER;
}

/**
 * Build the drawable graph.
 * @param {object} nodes  status.nodes
 * @param {Map<string, boolean>} toggles  group id → collapsed (user overrides)
 * @returns {{nodes: object[], edges: [number, number][], index: Map<string, number>, groups: Map<string, object>}}
 */
export function buildGraph(nodes, toggles = new Map()) {
  nodes = nodes || {};
  const groups = findGroups(nodes);
  const groupById = new Map(groups.map((g) => [g.id, g]));

  // Nodes inside a member: children by boundary.
  const inside = new Map();
  for (const node of Object.values(nodes)) {
    if (!node.boundaryID || node.boundaryID === node.id) continue;
    let list = inside.get(node.boundaryID);
    if (!list) inside.set(node.boundaryID, (list = []));
    list.push(node.id);
  }
  const closure = (members) => {
    const out = [...members];
    for (let i = 0; i < out.length; i++) for (const id of inside.get(out[i]) || []) out.push(id);
    return out;
  };

  // rep: hidden node id → the group id that stands for it. Bigger closures first so an outer group wins.
  const rep = new Map();
  const collapsed = groups.filter((g) => isCollapsed(g, toggles)).map((g) => ({ g, ids: closure(g.members) }));
  collapsed.sort((a, b) => b.ids.length - a.ids.length);
  for (const { g, ids } of collapsed) {
    if (rep.has(g.anchor) && g.synthetic) continue; // its StepGroup is itself hidden
    const target = rep.get(g.anchor) && !g.synthetic ? rep.get(g.anchor) : g.id;
    for (const id of ids) if (!rep.has(id)) rep.set(id, target);
  }
  const repOf = (id) => rep.get(id) ?? id;

  const out = [];
  const index = new Map();
  const add = (item) => {
    index.set(item.id, out.length);
    out.push(item);
  };
  // Keep Argo's order (start time, then id) so the layout's first ordering is stable across updates.
  const ordered = Object.values(nodes).sort((a, b) => (a.startedAt || "~").localeCompare(b.startedAt || "~") || a.id.localeCompare(b.id));
  for (const node of ordered) {
    if (rep.has(node.id)) continue;
    const g = groupById.get(node.id);
    const folded = g && isCollapsed(g, toggles);
    add({ id: node.id, label: node.displayName || node.name, phase: node.phase || "Pending", type: node.type, node,
      group: g ? { kind: g.kind, size: g.members.length, collapsed: folded, counts: phaseCounts(nodes, g.members) } : null });
  }
  for (const g of groups) {
    if (!g.synthetic || !isCollapsed(g, toggles) || rep.has(g.anchor) || index.has(g.id)) continue;
    const counts = phaseCounts(nodes, g.members);
    add({ id: g.id, label: g.label, phase: groupPhase(counts), type: "Loop", node: null,
      group: { kind: "loop", size: g.members.length, collapsed: true, counts, members: g.members } });
  }

  const seen = new Set();
  const edges = [];
  for (const node of ordered) {
    const from = index.get(repOf(node.id));
    if (from === undefined) continue;
    for (const child of node.children || []) {
      if (!nodes[child]) continue;
      const to = index.get(repOf(child));
      if (to === undefined || to === from) continue;
      const key = from * 1048576 + to;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push([from, to]);
    }
  }
  // The exit handler hangs off the root, as Argo UI draws it.
  const root = Object.values(nodes).find((n) => !n.boundaryID && index.has(n.id));
  for (const node of ordered) {
    if (root && node.id !== root.id && !node.boundaryID && /\.onExit$/.test(node.name || "") && index.has(node.id)) {
      edges.push([index.get(root.id), index.get(node.id)]);
    }
  }
  return { nodes: out, edges, index, groups: groupById };
}

/** A structural signature: the layout is redone only when it changes (phases alone just repaint). */
export function signature(graph) {
  let hash = graph.nodes.length * 31 + graph.edges.length;
  for (const n of graph.nodes) for (let i = 0; i < n.id.length; i++) hash = (hash * 33 + n.id.charCodeAt(i)) | 0;
  for (const [a, b] of graph.edges) hash = (hash * 33 + a * 7 + b) | 0;
  return hash;
}

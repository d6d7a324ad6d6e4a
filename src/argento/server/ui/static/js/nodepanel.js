// The side panel of a selected node: summary and timing, inputs and outputs (parameters, artifacts with
// download links), logs (Pod nodes); for a collapsed group, its members.
import { h, facts, link } from "./dom.js";
import { enc } from "./api.js";
import { phaseBadge, span, timeEl, duration, reuseOf } from "./format.js";
import { tabs, table } from "./ui.js";
import { logView, podName } from "./logs.js";
import { groupText } from "./graph/view.js";

/** Download URL of an artifact (Argo Server's /artifact-files/ route). */
export function artifactUrl(wf, nodeId, direction, name, { archived = false } = {}) {
  const m = wf.metadata;
  const where = archived ? `archived-workflows/${enc(m.uid)}` : `workflows/${enc(m.name)}`;
  return `/artifact-files/${enc(m.namespace)}/${where}/${enc(nodeId)}/${direction}/${enc(name)}`;
}

/** A parameter's value; an http(s) URL (e.g. the `mlflow-run-url` a tracked step reports) is a link. */
function paramValue(p) {
  const value = String(p.value ?? p.default ?? "");
  if (/^https?:\/\/\S+$/.test(value)) return h("a.value", { href: value, target: "_blank", rel: "noopener" }, value);
  return h("code.value", value);
}

function parameters(list) {
  return table([["Name", (p) => p.name], ["Value", paramValue]], list || [], { empty: "none" });
}

/** A download link that turns into a note when the server cannot serve the file (HEAD probe). */
function downloadLink(url) {
  const a = h("a", { href: url, download: "" }, "download");
  fetch(url, { method: "HEAD", credentials: "same-origin" }).then((r) => {
    if (!r.ok) a.replaceWith(h("span.muted", { title: `${url}: HTTP ${r.status}` }, "not downloadable"));
  }).catch(() => {});
  return a;
}

function artifacts(wf, node, direction, list, archived) {
  return table([
    ["Name", (a) => a.name],
    ["Where", (a) => h("code", a.s3 ? `s3://${a.s3.bucket || ""}/${a.s3.key || ""}` : a.key || a.path || "")],
    ["", (a) => node.phase === "Succeeded" || direction === "inputs"
      ? downloadLink(artifactUrl(wf, node.id, direction, a.name, { archived })) : ""],
  ], list || [], { empty: "none" });
}

/** Why the node did not run: kept by a rerun (link to the original) or a cache hit. */
function reused(node, ns) {
  const r = reuseOf(node);
  if (!r) return "";
  if (r.kind === "reused") {
    return h("span.reused", "kept from ", link(`/workflows/${enc(ns)}/${enc(r.from)}`, r.from), " (not run again)");
  }
  return h("span.reused", r.kind === "cached" ? `cache hit (${String(r.key).slice(0, 12)}…)` : `memoize hit (${r.cache} ${r.key})`);
}

function resources(node) {
  const r = node.resourcesDuration;
  if (!r) return "";
  return Object.entries(r).map(([k, v]) => `${v}s·${k}`).join(", ");
}

/**
 * @param {object} wf  the workflow
 * @param {object} item  graph node {id, node, group, …}
 * @param {{archived?: boolean, onExpand?: (groupId: string, memberId?: string) => void, onClose: () => void}} opts
 * @returns {{el: HTMLElement, close: () => void}}
 */
export function nodePanel(wf, item, { archived = false, onExpand = () => {}, onClose, onRerun = null }) {
  let logs = null;
  const node = item.node || {};
  const nodes = wf.status?.nodes || {};
  const ns = wf.metadata.namespace;
  // Argento's rerun: run this node and what depends on it again, reusing the rest (PUT …/rerun).
  const rerunnable = onRerun && item.node && !item.group && !["Steps", "StepGroup", "DAG", "TaskGroup"].includes(node.type);
  const header = h("header.panel-head",
    h("div", h("div.crumbs", item.type || node.type), h("h2", { title: node.name || item.label }, item.label)),
    rerunnable ? h("button.rerun", { type: "button", title: "Run this step and everything that depends on it again; reuse the rest", onclick: () => onRerun(node) }, "Rerun from here") : null,
    h("button.icon", { type: "button", "aria-label": "Close panel", onclick: onClose }, "×"));

  const summary = () => h("div",
    facts([
      ["Phase", phaseBadge(item.phase)],
      ["Message", node.message],
      ["Name", node.name && h("code", node.name)],
      ["ID", node.id && h("code", node.id)],
      ["Template", node.templateName || node.templateRef?.template],
      ["Pod", node.type === "Pod" ? h("code", podName(wf.metadata.name, node)) : ""],
      ["Started", node.startedAt && [timeEl(node.startedAt), " · ", new Date(node.startedAt).toLocaleString()]],
      ["Finished", node.finishedAt && [timeEl(node.finishedAt), " · ", new Date(node.finishedAt).toLocaleString()]],
      ["Duration", span(node.startedAt, node.finishedAt)],
      ["Estimated", node.estimatedDuration ? duration(node.estimatedDuration * 1000) : ""],
      ["Progress", node.progress],
      ["Exit code", node.outputs?.exitCode],
      ["Host", node.hostNodeName],
      ["Resources", resources(node)],
      ["Reused", reused(node, ns)],
      ["Memoized", node.memoizationStatus && !reuseOf(node) ? `${node.memoizationStatus.hit ? "hit" : "miss"} (${node.memoizationStatus.cacheName || ""} ${node.memoizationStatus.key})` : ""],
    ]),
    item.group ? groupBox() : null);

  const groupBox = () => {
    const members = item.group.members || (nodes[item.id]?.children || []);
    const rows = members.map((id) => nodes[id]).filter(Boolean);
    return h("div.group-box",
      h("h3", groupText(item.group)),
      h("button", { type: "button", onclick: () => onExpand(item.id) }, item.group.collapsed ? "Expand in graph" : "Collapse in graph"),
      table([["", (n) => phaseBadge(n.phase)], ["Name", (n) => n.displayName], ["Duration", (n) => span(n.startedAt, n.finishedAt)], ["Message", (n) => n.message || ""]],
        rows.slice(0, 500), { onRow: (n) => onExpand(item.id, n.id) }),
      rows.length > 500 ? h("p.muted", `…and ${rows.length - 500} more (see the list view)`) : null);
  };

  const io = () => h("div",
    h("h3", "Input parameters"), parameters(node.inputs?.parameters),
    h("h3", "Input artifacts"), artifacts(wf, node, "inputs", node.inputs?.artifacts, archived),
    h("h3", "Output parameters"), parameters(node.outputs?.parameters),
    node.outputs?.result !== undefined ? [h("h3", "Result"), h("pre.value", node.outputs.result)] : null,
    h("h3", "Output artifacts"), artifacts(wf, node, "outputs", node.outputs?.artifacts, archived));

  // A containerSet's Container node shows its own container's log, read from its pod (the boundary node).
  const isContainer = node.type === "Container" && nodes[node.boundaryID];
  const logsTab = () => {
    logs?.close();
    const pod = podName(wf.metadata.name, isContainer ? nodes[node.boundaryID] : node);
    const container = isContainer ? node.name.slice(nodes[node.boundaryID].name.length + 1) : "main";
    logs = logView(ns, wf.metadata.name, { pod, container, follow: !node.finishedAt, archived });
    return logs.el;
  };

  const spec = [["summary", "Summary", summary]];
  if (item.node) spec.push(["io", "Inputs/Outputs", io]);
  if (node.type === "Pod" || isContainer) spec.push(["logs", "Logs", logsTab]);
  const t = tabs(spec);
  const el = h("aside.panel", { "aria-label": "Node details", dataset: { node: item.id } }, header, t.el);
  return { el, select: (id) => t.select(id), close: () => logs?.close() };
}

// Workflows list: phase filters, label search, pagination (limit/continue) and live updates over SSE.
import { get, enc, itemsOf } from "../api.js";
import { h, replace, link, debounce } from "../dom.js";
import { PHASES, phaseBadge, span, timeEl, ts, failureMessage } from "../format.js";
import { setQuery } from "../router.js";
import { watch } from "../stream.js";
import { pageHeader, errorBox, chips, liveDot } from "../ui.js";
import { setNamespace } from "../session.js";
import { openSubmit } from "./submit.js";

const PHASE_LABEL = "workflows.argoproj.io/phase";
// Only what a row shows: a list of 5,000-node workflows must not ship their node maps.
const LIST_FIELDS = [
  "metadata", "items.metadata.name", "items.metadata.namespace", "items.metadata.uid",
  "items.metadata.creationTimestamp", "items.metadata.labels", "items.status.phase", "items.status.message",
  "items.status.startedAt", "items.status.finishedAt", "items.status.progress", "items.spec.suspend",
].join(",");
const WATCH_FIELDS = ["result.type", ...LIST_FIELDS.split(",").slice(1).map((f) => "result.object." + f.slice(6))].join(",");

/** The label selector of the filters. */
export function selectorOf(phases, labels) {
  const parts = [];
  if (phases.length) parts.push(`${PHASE_LABEL} in (${phases.join(",")})`);
  if (labels.trim()) parts.push(labels.trim());
  return parts.join(",");
}

export async function render(main, { namespace }, query) {
  setNamespace(namespace);
  const state = {
    phases: (query.get("phase") || "").split(",").filter(Boolean),
    labels: query.get("label") || "",
    limit: Number(query.get("limit")) || 50,
    pages: [""], // continue tokens of the pages seen so far; the last one is the current page
    next: "",
    rows: new Map(), // name → workflow
  };
  const live = liveDot();
  const tbody = h("tbody");
  const pager = h("div.pager");
  const count = h("span.muted");
  const labelBox = h("input.search", { type: "search", placeholder: "label selector, e.g. app=train,team!=ops", value: state.labels, spellcheck: false, "aria-label": "Label selector" });

  const phaseButtons = PHASES.map((phase) =>
    h("button.chip-toggle", { type: "button", "aria-pressed": String(state.phases.includes(phase)), dataset: { phase }, onclick: (ev) => {
      const on = !state.phases.includes(phase);
      state.phases = on ? [...state.phases, phase] : state.phases.filter((p) => p !== phase);
      ev.currentTarget.setAttribute("aria-pressed", String(on));
      reload();
    } }, phaseBadge(phase)));

  const reload = () => {
    state.pages = [""];
    setQuery({ phase: state.phases, label: state.labels, limit: state.limit === 50 ? "" : state.limit });
    load();
    restartWatch();
  };
  labelBox.addEventListener("input", debounce(() => {
    state.labels = labelBox.value;
    reload();
  }, 400));

  replace(main,
    pageHeader("Workflows", { sub: ["namespace ", h("b", namespace), " · ", live.el], actions: [
      h("button.primary", { type: "button", onclick: () => openSubmit(namespace) }, "+ Submit"),
    ] }),
    h("div.filters", h("div.phase-filters", phaseButtons), labelBox, count),
    h("table.grid.workflows", h("thead", h("tr", ["", "Name", "Started", "Finished", "Duration", "Progress", "Message"].map((t) => h("th", t)))), tbody),
    pager,
  );

  const rowOf = (wf) => {
    const m = wf.metadata || {};
    const s = wf.status || {};
    return h("tr.clickable", { dataset: { name: m.name }, onclick: (ev) => { if (!ev.target.closest("a")) ev.currentTarget.querySelector("a").click(); } },
      h("td.status", phaseBadge(s.phase, wf.spec?.suspend)),
      h("td", link(`/workflows/${enc(m.namespace || namespace)}/${enc(m.name)}`, m.name), " ",
        chips(Object.fromEntries(Object.entries(m.labels || {}).filter(([k]) => !k.startsWith("workflows.argoproj.io/"))), { onClick: (k, v) => {
          labelBox.value = `${k}=${v}`;
          state.labels = labelBox.value;
          reload();
        } })),
      h("td", timeEl(s.startedAt || m.creationTimestamp)),
      h("td", timeEl(s.finishedAt)),
      h("td", span(s.startedAt, s.finishedAt)),
      h("td", s.progress || ""),
      messageCell(wf));
  };

  // A failed workflow without status.message (a failed DAG: Argo leaves it empty) shows the message of the
  // step that failed first; the list does not load node maps, so those rows fetch theirs, once per run.
  const nodeMessages = new Map(); // uid → {text, node} (null while loading)
  const messageCell = (wf) => {
    const s = wf.status || {};
    const uid = wf.metadata?.uid || wf.metadata?.name;
    let found = { text: s.message || "", node: "" };
    if (!s.message && ["Failed", "Error"].includes(s.phase)) {
      if (!nodeMessages.has(uid)) {
        nodeMessages.set(uid, null);
        get(`/api/v1/workflows/${enc(wf.metadata.namespace || namespace)}/${enc(wf.metadata.name)}`, { fields: "status.phase,status.message,status.nodes" })
          .then((full) => { nodeMessages.set(uid, failureMessage(full.status || {})); redraw(); })
          .catch(() => nodeMessages.set(uid, { text: "", node: "" }));
      }
      found = nodeMessages.get(uid) || found;
    }
    const title = found.node ? `The workflow has no message; this is node ${found.node}'s` : found.text;
    return h("td.message", { title, dataset: { from: found.node ? "node" : "workflow" } }, found.text);
  };

  const draw = () => {
    const rows = [...state.rows.values()].sort((a, b) => (ts(b.metadata.creationTimestamp) || 0) - (ts(a.metadata.creationTimestamp) || 0) || b.metadata.name.localeCompare(a.metadata.name));
    if (!rows.length) replace(tbody, h("tr", h("td.empty", { colSpan: 7 }, state.phases.length || state.labels ? "No workflow matches these filters." : "No workflows yet. Submit one, or run `argento submit FILE`.")));
    else replace(tbody, rows.map(rowOf));
    const page = state.pages.length;
    replace(pager,
      h("button", { type: "button", disabled: page === 1, onclick: () => { state.pages.pop(); load(); } }, "‹ Newer"),
      h("span.muted", `page ${page}`),
      h("button", { type: "button", disabled: !state.next, onclick: () => { state.pages.push(state.next); load(); } }, "Older ›"),
      h("select", { "aria-label": "Page size", onchange: (ev) => { state.limit = Number(ev.target.value); reload(); } },
        [20, 50, 100, 500].map((n) => h("option", { value: n, selected: n === state.limit }, `${n} per page`))),
    );
    count.textContent = `${rows.length} shown`;
  };

  let loadSeq = 0;
  const load = async () => {
    const seq = ++loadSeq;
    try {
      const data = await get(`/api/v1/workflows/${enc(namespace)}`, {
        "listOptions.labelSelector": selectorOf(state.phases, state.labels),
        "listOptions.limit": state.limit,
        "listOptions.continue": state.pages[state.pages.length - 1],
        fields: LIST_FIELDS,
      });
      if (seq !== loadSeq) return;
      state.rows = new Map(itemsOf(data).map((wf) => [wf.metadata.name, wf]));
      state.next = data.metadata?.continue || "";
      draw();
    } catch (err) {
      if (seq === loadSeq) replace(tbody, h("tr", h("td", { colSpan: 7 }, errorBox(err))));
    }
  };

  // Live updates: rows of this page change in place; new workflows appear on the first page.
  const redraw = debounce(draw, 100);
  const onEvent = ({ type, object }) => {
    if (!object?.metadata) return;
    const name = object.metadata.name;
    if (type === "DELETED") {
      if (state.rows.delete(name)) redraw();
      return;
    }
    if (state.rows.has(name)) {
      state.rows.set(name, object);
      redraw();
    } else if (state.pages.length === 1) {
      const oldest = Math.min(...[...state.rows.values()].map((w) => ts(w.metadata.creationTimestamp) || 0));
      if (state.rows.size < state.limit || ts(object.metadata.creationTimestamp) >= oldest) {
        state.rows.set(name, object);
        if (state.rows.size > state.limit) {
          const sorted = [...state.rows.values()].sort((a, b) => ts(a.metadata.creationTimestamp) - ts(b.metadata.creationTimestamp));
          state.rows.delete(sorted[0].metadata.name);
        }
        redraw();
      }
    }
  };
  let stream = null;
  let poller = 0;
  const restartWatch = () => {
    stream?.close();
    clearInterval(poller);
    stream = watch(`/api/v1/workflow-events/${enc(namespace)}`,
      { "listOptions.labelSelector": selectorOf(state.phases, state.labels), fields: WATCH_FIELDS },
      onEvent,
      { onStatus: live.set, onFallback: () => { poller = setInterval(load, 5000); } });
  };

  await load();
  restartWatch();
  const ticker = setInterval(() => tbody.querySelectorAll("time").forEach((t) => { t.textContent = t.textContent && timeEl(t.getAttribute("datetime")).textContent; }), 10000);
  return () => {
    stream?.close();
    clearInterval(poller);
    clearInterval(ticker);
  };
}

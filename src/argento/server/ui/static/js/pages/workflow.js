// A workflow: header with phase and actions, the graph (or the virtualised node list), the node panel, and
// live updates over SSE. Also serves archived workflows (/archived-workflows/{ns}/{uid}) without live updates.
import { get, put, del, enc, itemsOf } from "../api.js";
import { h, replace, link, facts } from "../dom.js";
import { phaseBadge, span, timeEl, isFinished, reuseOf, failureMessage } from "../format.js";
import { navigate, setQuery } from "../router.js";
import { watch } from "../stream.js";
import { pageHeader, errorBox, chips, attempt, confirmAction, liveDot, toast } from "../ui.js";
import { buildGraph, signature, isCollapsed } from "../graph/model.js";
import { GraphView } from "../graph/view.js";
import { NodeList } from "../nodelist.js";
import { nodePanel } from "../nodepanel.js";
import { logView } from "../logs.js";
import { setNamespace } from "../session.js";

/** Beyond this many nodes the page opens on the list view (the graph is one click away). */
const LIST_FIRST_OVER = 20000;

/** Which actions a workflow allows now: [action, label, style]. */
export function actionsFor(wf, archived) {
  const s = wf.status || {};
  const running = !s.finishedAt && !isFinished(s.phase);
  const suspended = !!wf.spec?.suspend || Object.values(s.nodes || {}).some((n) => n.type === "Suspend" && n.phase === "Running");
  const out = [];
  if (["Failed", "Error"].includes(s.phase)) out.push(["retry", "Retry", "primary"]);
  out.push(["resubmit", "Resubmit"]);
  if (!archived && running) {
    if (suspended) out.push(["resume", "Resume", "primary"]);
    else out.push(["suspend", "Suspend"]);
    out.push(["stop", "Stop"], ["terminate", "Terminate", "danger"]);
  }
  out.push(["delete", "Delete", "danger"]);
  return out;
}

export async function render(main, params, query) {
  const archived = !!params.uid;
  const ns = params.namespace;
  setNamespace(ns);
  const timings = { start: performance.now() };
  // The page's debug handle (tests read it): which workflow it shows, its timings and, once drawn, its graph.
  window.argento = { timings, name: params.name || params.uid };
  let wf;
  try {
    wf = archived ? await get(`/api/v1/archived-workflows/${enc(params.uid)}`) : await get(`/api/v1/workflows/${enc(ns)}/${enc(params.name)}`);
  } catch (err) {
    if (!archived && err.status === 404) {
      // Gone from the live list: Argo UI falls back to the archive.
      const found = await get("/api/v1/archived-workflows", { namespace: ns, "listOptions.fieldSelector": `metadata.name=${params.name}` }).catch(() => null);
      const hit = itemsOf(found)[0];
      if (hit) return navigate(`/archived-workflows/${enc(ns)}/${enc(hit.metadata.uid)}`, { replace: true });
    }
    replace(main, pageHeader(params.name || params.uid), errorBox(err));
    return;
  }
  timings.data = performance.now();
  const name = wf.metadata.name;

  const state = { wf, selected: query.get("node") || query.get("nodeId") || null, view: query.get("view") || "", toggles: new Map(), sig: null, panel: null, panelKey: "" };
  const nodeCount = Object.keys(wf.status?.nodes || {}).length;
  if (!state.view) state.view = nodeCount > LIST_FIRST_OVER ? "list" : "graph";

  const live = liveDot();
  const headBox = h("div");
  const infoBox = h("div.wf-info");
  const summary = h("div.graph-summary", { "aria-live": "polite" });
  const graphHost = h("div.graph-host");
  const listHost = h("div.list-host");
  const otherHost = h("div.other-host");
  const panelHost = h("div.panel-host", { hidden: true });
  const viewButtons = ["graph", "list", "logs", "yaml"].map((v) =>
    h("button.seg", { type: "button", dataset: { view: v }, onclick: () => showView(v) }, { graph: "Graph", list: "List", logs: "Logs", yaml: "YAML" }[v]));
  const tools = h("div.graph-tools",
    h("button.icon", { type: "button", title: "Zoom in (+)", onclick: () => view.zoom(1.25) }, "+"),
    h("button.icon", { type: "button", title: "Zoom out (−)", onclick: () => view.zoom(0.8) }, "−"),
    h("button", { type: "button", title: "Fit (0)", onclick: () => view.fit() }, "Fit"),
    h("button", { type: "button", title: "Expand every loop and retry group", onclick: () => setAllGroups(false) }, "Expand all"),
    h("button", { type: "button", title: "Collapse loop and retry groups", onclick: () => setAllGroups(true) }, "Collapse all"));

  replace(main,
    headBox,
    infoBox,
    h("div.wf-toolbar", h("div.segmented", viewButtons), summary, tools),
    h("div.wf-body", h("div.wf-canvas", graphHost, listHost, otherHost), panelHost));

  const view = new GraphView(graphHost, {
    onSelect: (id) => selectNode(id),
    onToggle: (id) => toggleGroup(id),
    subtitle: (item) => {
      const n = item.node;
      if (!n) return "";
      const d = span(n.startedAt, n.finishedAt);
      return [reuseOf(n)?.kind || d, n.type === "Pod" ? n.templateName : n.type].filter(Boolean).join(" · ");
    },
  });
  window.argento.graph = view;
  const list = new NodeList((id) => selectNode(id));
  listHost.append(list.el);
  let listDirty = true;
  let graphDirty = true;

  let headKey = "";
  const durationEl = h("span.duration");
  function header() {
    const s = state.wf.status || {};
    const m = state.wf.metadata;
    durationEl.textContent = span(s.startedAt, s.finishedAt);
    const actions = actionsFor(state.wf, archived);
    const key = JSON.stringify([s.phase, s.progress, failureMessage(s).text, s.finishedAt, state.wf.spec?.suspend, actions, m.labels]);
    if (key === headKey) return; // only the running duration changed
    headKey = key;
    const crumbs = [link(`/${archived ? "archived-workflows" : "workflows"}/${enc(ns)}`, archived ? "Archive" : "Workflows"), ns];
    replace(headBox, pageHeader(m.name, {
      crumbs,
      sub: [phaseBadge(s.phase, state.wf.spec?.suspend), " ", s.progress ? `progress ${s.progress}` : "", " · ", durationEl, archived ? " · archived" : [" · ", live.el]],
      actions: actions.map(([action, label, cls]) =>
        h("button" + (cls ? "." + cls : ""), { type: "button", dataset: { action }, onclick: () => act(action) }, label)),
    }));
    headBox.querySelector(".badge").dataset.phase = s.phase || "";
    const params = state.wf.spec?.arguments?.parameters || [];
    replace(infoBox, facts([
      ["Started", s.startedAt && timeEl(s.startedAt)],
      ["Finished", s.finishedAt && timeEl(s.finishedAt)],
      ["Template", state.wf.spec?.workflowTemplateRef ? link(`/workflow-templates/${enc(ns)}/${enc(state.wf.spec.workflowTemplateRef.name)}`, state.wf.spec.workflowTemplateRef.name) : ""],
      ["Parameters", params.length ? h("span.chips", params.map((p) => h("span.chip", `${p.name}=${p.value ?? ""}`))) : ""],
      ["Rerun of", rerunOf(m)],
      ["Labels", chips(Object.fromEntries(Object.entries(m.labels || {}).filter(([k]) => !k.startsWith("workflows.argoproj.io/"))))],
      ["Message", failureMessage(s).text],
    ]));
  }

  // Argento's rerun annotations: the workflow it reran, and from which steps.
  function rerunOf(m) {
    const of = m.annotations?.["workflows.argento.io/rerun-of"];
    if (!of) return "";
    let from = [];
    try { from = JSON.parse(m.annotations["workflows.argento.io/rerun-from"] || "[]"); } catch { from = []; }
    const shown = from.map((f) => (String(f).startsWith(of + ".") ? String(f).slice(of.length + 1) : f));
    return h("span.rerun-of", link(`/workflows/${enc(ns)}/${enc(of)}`, of), shown.length ? ` from ${shown.join(", ")}` : "");
  }

  async function rerunFrom(node) {
    const m = state.wf.metadata;
    const result = await attempt(() => put(`/api/v1/workflows/${enc(m.namespace)}/${enc(m.name)}/rerun`, { name: m.name, namespace: m.namespace, from: [node.name] }));
    if (result === undefined) return;
    toast(`Rerun from ${node.displayName || node.name} as ${result.metadata.name}`);
    navigate(`/workflows/${enc(ns)}/${enc(result.metadata.name)}`);
  }

  function counts() {
    const c = {};
    for (const n of Object.values(state.wf.status?.nodes || {})) if (n.type === "Pod") c[n.phase] = (c[n.phase] || 0) + 1;
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    replace(summary, `${total} steps`, Object.entries(c).map(([p, k]) => [" · ", h("span.count." + "phase-" + p.toLowerCase(), `${k} ${p}`)]));
    summary.dataset.phases = JSON.stringify(c);
  }

  function drawGraph() {
    const graph = buildGraph(state.wf.status?.nodes, state.toggles);
    const sig = signature(graph);
    view.setGraph(graph, { relayout: sig !== state.sig });
    state.sig = sig;
    if (state.selected) view.select(state.selected);
    graphDirty = false;
    if (!timings.firstGraphPaint) {
      requestAnimationFrame(() => requestAnimationFrame(() => { timings.firstGraphPaint = view.stats.firstPaintAt - timings.start; timings.layoutMs = view.stats.layoutMs; }));
    }
  }

  function refresh() {
    header();
    counts();
    if (state.view === "graph") drawGraph();
    else graphDirty = true;
    if (state.view === "list") {
      list.setNodes(state.wf.status?.nodes);
      listDirty = false;
    } else listDirty = true;
    refreshPanel();
  }

  function showView(v) {
    state.view = v;
    setQuery({ view: v === "graph" ? "" : v });
    for (const b of viewButtons) b.classList.toggle("active", b.dataset.view === v);
    graphHost.hidden = v !== "graph";
    tools.hidden = v !== "graph";
    listHost.hidden = v !== "list";
    otherHost.hidden = v === "graph" || v === "list";
    if (v === "graph" && graphDirty) drawGraph();
    if (v === "graph") {
      view._fitCanvas();
      view.requestDraw(); // what changed while the graph was hidden
    }
    if (v === "list" && listDirty) {
      list.setNodes(state.wf.status?.nodes);
      listDirty = false;
    }
    otherLogs?.close();
    otherLogs = null;
    if (v === "logs") {
      otherLogs = logView(ns, name, { follow: !state.wf.status?.finishedAt, archived });
      replace(otherHost, otherLogs.el);
    } else if (v === "yaml") {
      const copy = { ...state.wf, status: { ...state.wf.status, nodes: undefined } };
      import("../resources.js").then(({ toYaml }) => toYaml(copy)).then((text) => {
        if (state.view === "yaml") replace(otherHost, h("pre.code.yaml", text));
      });
    }
  }
  let otherLogs = null;

  function itemOf(id) {
    const graph = view.graph;
    if (graph.index?.has(id)) return graph.nodes[graph.index.get(id)];
    const node = state.wf.status?.nodes?.[id];
    return node ? { id, label: node.displayName || node.name, phase: node.phase, type: node.type, node, group: null } : null;
  }

  function refreshPanel(force = false) {
    const id = state.selected;
    const item = id ? itemOf(id) : null;
    if (!item) {
      state.panel?.close();
      state.panel = null;
      replace(panelHost);
      panelHost.hidden = true;
      return;
    }
    const key = JSON.stringify([id, item.node, item.group]);
    if (!force && key === state.panelKey) return;
    const onLogs = state.panel && panelHost.querySelector(".tab.active")?.dataset.tab === "logs" && state.panelKey.startsWith(JSON.stringify([id]).slice(0, -1));
    if (onLogs && !force) return; // keep a following log stream open
    state.panelKey = key;
    state.panel?.close();
    const finished = !!state.wf.status?.finishedAt || isFinished(state.wf.status?.phase);
    state.panel = nodePanel(state.wf, item, {
      archived,
      onRerun: !archived && finished ? rerunFrom : null,
      onClose: () => selectNode(null),
      onExpand: (groupId, memberId) => {
        toggleGroup(groupId, memberId ? false : undefined);
        if (memberId) selectNode(memberId);
      },
    });
    panelHost.hidden = false;
    replace(panelHost, state.panel.el);
  }

  function selectNode(id) {
    state.selected = id;
    setQuery({ node: id || "" });
    view.select(id, { reveal: true });
    list.select(id);
    refreshPanel(true);
  }

  function toggleGroup(id, collapsed) {
    const g = view.graph.groups?.get(id) || buildGraph(state.wf.status?.nodes, state.toggles).groups.get(id);
    if (!g) return;
    state.toggles.set(id, collapsed ?? !isCollapsed(g, state.toggles));
    drawGraph();
    refreshPanel(true);
  }

  function setAllGroups(collapsed) {
    for (const g of view.graph.groups?.values() || []) state.toggles.set(g.id, collapsed);
    // groups hidden inside collapsed ones appear after the first pass
    drawGraph();
    for (const g of view.graph.groups?.values() || []) state.toggles.set(g.id, collapsed);
    drawGraph();
  }

  async function act(action) {
    const m = state.wf.metadata;
    const body = { name: m.name, namespace: m.namespace, uid: m.uid };
    if (["delete", "terminate", "stop"].includes(action) && !(await confirmAction(`${action[0].toUpperCase() + action.slice(1)} ${m.name}?`, action))) return;
    const path = archived ? `/api/v1/archived-workflows/${enc(m.uid)}` : `/api/v1/workflows/${enc(m.namespace)}/${enc(m.name)}`;
    const result = await attempt(() => (action === "delete" ? del(path, archived ? { namespace: m.namespace } : undefined) : put(`${path}/${action}`, body)));
    if (result === undefined) return;
    if (action === "delete") {
      toast(`Deleted ${m.name}`);
      navigate(archived ? `/archived-workflows/${enc(ns)}` : `/workflows/${enc(ns)}`);
    } else if (action === "resubmit" || (archived && action === "retry")) {
      toast(`${action === "retry" ? "Retrying" : "Resubmitted as"} ${result.metadata.name}`);
      navigate(`/workflows/${enc(result.metadata.namespace)}/${enc(result.metadata.name)}`);
    } else {
      toast(`${action[0].toUpperCase() + action.slice(1)}: ${m.name}`);
      if (result?.metadata) update(result);
    }
  }

  // Live updates, throttled: big workflows send big objects, and one repaint per burst is enough.
  let pendingWf = null;
  let timer = 0;
  let lastApply = 0;
  function update(next) {
    if (!next?.metadata || next.metadata.name !== name) return;
    const rv = next.metadata.resourceVersion;
    if (rv && rv === state.wf.metadata.resourceVersion && next.status?.phase === state.wf.status?.phase && Object.keys(next.status?.nodes || {}).length === Object.keys(state.wf.status?.nodes || {}).length) return;
    pendingWf = next;
    if (timer) return;
    const n = Object.keys(next.status?.nodes || {}).length;
    const every = n > 2000 ? 1000 : n > 300 ? 400 : 120;
    timer = setTimeout(() => {
      timer = 0;
      lastApply = performance.now();
      state.wf = pendingWf;
      pendingWf = null;
      refresh();
    }, Math.max(0, every - (performance.now() - lastApply)));
  }

  let stream = null;
  let poller = 0;
  if (!archived) {
    stream = watch(`/api/v1/workflow-events/${enc(ns)}`, { "listOptions.fieldSelector": `metadata.name=${name}` }, (ev) => {
      if (ev.type === "DELETED") {
        toast(`${name} was deleted`, "error");
        return;
      }
      update(ev.object);
    }, {
      onStatus: live.set,
      onFallback: () => {
        poller = setInterval(async () => update(await get(`/api/v1/workflows/${enc(ns)}/${enc(name)}`).catch(() => null)), 3000);
      },
    });
  }
  const ticker = setInterval(() => {
    if (state.wf.status?.finishedAt) return;
    header();
    if (state.view === "graph") view.invalidate(); // running nodes show their growing duration
  }, 1000);

  header();
  counts();
  showView(state.view);
  if (state.view === "graph" && graphDirty) drawGraph();
  if (state.selected) selectNode(state.selected);

  return () => {
    stream?.close();
    clearInterval(poller);
    clearInterval(ticker);
    clearTimeout(timer);
    otherLogs?.close();
    state.panel?.close();
    view.destroy();
  };
}

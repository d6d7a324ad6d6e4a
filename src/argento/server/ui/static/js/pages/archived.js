// Archived workflows: name prefix and phase filters, pagination; a row opens the archived workflow page.
import { get, enc, itemsOf } from "../api.js";
import { h, replace, link, debounce } from "../dom.js";
import { phaseBadge, span, timeEl, PHASES } from "../format.js";
import { pageHeader, errorBox, table } from "../ui.js";
import { namespace as currentNs, setNamespace } from "../session.js";
import { selectorOf } from "./workflows.js";

export async function render(main, params) {
  const ns = params.namespace || currentNs();
  setNamespace(ns);
  const state = { prefix: "", phase: "", pages: [""], next: "", limit: 50 };
  const body = h("div");
  const pager = h("div.pager");
  const prefix = h("input.search", { type: "search", placeholder: "name prefix", "aria-label": "Name prefix" });
  const phase = h("select", { "aria-label": "Phase", onchange: () => { state.phase = phase.value; state.pages = [""]; load(); } },
    h("option", { value: "" }, "all phases"), PHASES.filter((p) => p !== "Running" && p !== "Pending").map((p) => h("option", { value: p }, p)));
  prefix.addEventListener("input", debounce(() => { state.prefix = prefix.value.trim(); state.pages = [""]; load(); }, 300));

  const load = async () => {
    try {
      const data = await get("/api/v1/archived-workflows", {
        namespace: ns, namePrefix: state.prefix,
        "listOptions.labelSelector": selectorOf(state.phase ? [state.phase] : [], ""),
        "listOptions.limit": state.limit, "listOptions.continue": state.pages[state.pages.length - 1],
      });
      state.next = data.metadata?.continue || "";
      replace(body, table([
        ["", (w) => phaseBadge(w.status?.phase)],
        ["Name", (w) => link(`/archived-workflows/${enc(w.metadata.namespace)}/${enc(w.metadata.uid)}`, w.metadata.name)],
        ["Started", (w) => timeEl(w.status?.startedAt)],
        ["Finished", (w) => timeEl(w.status?.finishedAt)],
        ["Duration", (w) => span(w.status?.startedAt, w.status?.finishedAt)],
        ["Message", (w) => h("span.muted", w.status?.message || "")],
      ], itemsOf(data), { empty: "No archived workflows.", onRow: (w) => body.querySelector(`a[href$="${w.metadata.uid}"]`)?.click() }));
      replace(pager,
        h("button", { type: "button", disabled: state.pages.length === 1, onclick: () => { state.pages.pop(); load(); } }, "‹ Newer"),
        h("span.muted", `page ${state.pages.length}`),
        h("button", { type: "button", disabled: !state.next, onclick: () => { state.pages.push(state.next); load(); } }, "Older ›"));
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  replace(main, pageHeader("Archived workflows", { sub: ["namespace ", h("b", ns)] }), h("div.filters", prefix, phase), body, pager);
  await load();
}

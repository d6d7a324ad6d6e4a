// The node list for huge workflows: every node of status.nodes as a row, virtualised (only the rows in view
// exist in the DOM), filterable by text and phase, sorted by start time.
import { h, replace, debounce } from "./dom.js";
import { PHASES, phaseBadge, span, ts } from "./format.js";

const ROW = 30;
const OVERSCAN = 12;

export class NodeList {
  /** @param {(id: string) => void} onSelect */
  constructor(onSelect) {
    this.onSelect = onSelect;
    this.rows = [];
    this.all = [];
    this.selected = null;
    this.filter = "";
    this.phase = "";
    this.viewport = h("div.vlist", { role: "grid", "aria-label": "Nodes" });
    this.spacer = h("div.vlist-spacer");
    this.layer = h("div.vlist-rows");
    this.viewport.append(this.spacer, this.layer);
    this.count = h("span.muted");
    const search = h("input.search", { type: "search", placeholder: "filter nodes by name or template", "aria-label": "Filter nodes" });
    search.addEventListener("input", debounce(() => { this.filter = search.value.trim().toLowerCase(); this._apply(); }, 150));
    const phase = h("select", { "aria-label": "Phase", onchange: (ev) => { this.phase = ev.target.value; this._apply(); } },
      h("option", { value: "" }, "all phases"), [...PHASES, "Skipped", "Omitted"].map((p) => h("option", { value: p }, p)));
    this.el = h("div.nodelist",
      h("div.filters", search, phase, this.count),
      h("div.vlist-head", ["", "Name", "Type", "Template", "Started", "Duration", "Message"].map((t) => h("span", t))),
      this.viewport);
    this.viewport.addEventListener("scroll", () => this._paint(), { passive: true });
    this.viewport.addEventListener("click", (ev) => {
      const row = ev.target.closest("[data-id]");
      if (row) {
        this.selected = row.dataset.id;
        this._paint(true);
        this.onSelect(row.dataset.id);
      }
    });
  }

  /** Show the nodes of a workflow (keeps scroll position, filter and selection). */
  setNodes(nodes) {
    this.all = Object.values(nodes || {}).sort((a, b) => (ts(a.startedAt) || Infinity) - (ts(b.startedAt) || Infinity) || a.id.localeCompare(b.id));
    this._apply();
  }

  select(id) {
    this.selected = id;
    const i = this.rows.findIndex((n) => n.id === id);
    if (i >= 0) {
      const top = i * ROW;
      if (top < this.viewport.scrollTop || top > this.viewport.scrollTop + this.viewport.clientHeight - ROW) {
        this.viewport.scrollTop = top - this.viewport.clientHeight / 2;
      }
    }
    this._paint(true);
  }

  _apply() {
    const f = this.filter;
    this.rows = this.all.filter((n) => (!this.phase || n.phase === this.phase) &&
      (!f || (n.displayName || n.name || "").toLowerCase().includes(f) || (n.templateName || "").toLowerCase().includes(f)));
    this.spacer.style.height = this.rows.length * ROW + "px";
    this.count.textContent = `${this.rows.length} of ${this.all.length} nodes`;
    this._paint(true);
  }

  _paint(force = false) {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    if (!force && first === this._first && last === this._last) return;
    this._first = first;
    this._last = last;
    const out = [];
    for (let i = first; i < last; i++) {
      const n = this.rows[i];
      out.push(h("div.vrow" + (n.id === this.selected ? ".selected" : ""), { dataset: { id: n.id }, role: "row", style: { transform: `translateY(${i * ROW}px)` } },
        h("span", phaseBadge(n.phase)),
        h("span.name", { title: n.name }, n.displayName || n.name),
        h("span", n.type),
        h("span", n.templateName || n.templateRef?.template || ""),
        h("span", n.startedAt ? new Date(n.startedAt).toLocaleTimeString() : ""),
        h("span", span(n.startedAt, n.finishedAt)),
        h("span.message", { title: n.message || "" }, n.message || "")));
    }
    replace(this.layer, out);
  }
}

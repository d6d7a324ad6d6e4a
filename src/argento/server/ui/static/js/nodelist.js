// The node list for huge workflows: every node of status.nodes as a row, virtualised (only the rows in view
// exist in the DOM), filterable by text and phase, sorted by start time.
import { h, debounce } from "./dom.js";
import { PHASES, phaseClass, span, ts, reuseText } from "./format.js";

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
    this.all = Object.values(nodes || {}).sort((a, b) => (ts(a.startedAt) || Infinity) - (ts(b.startedAt) || Infinity) || (a.name || "").localeCompare(b.name || ""));
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

  // Rows are pooled: scrolling moves and refills the same few dozen elements instead of building new ones.
  _paint(force = false) {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    if (!force && first === this._first && last === this._last) return;
    this._first = first;
    this._last = last;
    const pool = (this.pool ||= []);
    while (pool.length < last - first) {
      const cells = Array.from({ length: 7 }, (_, i) => h(i === 1 ? "span.name" : i === 6 ? "span.message" : "span"));
      const badge = h("span.badge");
      cells[0].append(badge);
      const el = h("div.vrow", { role: "row" }, cells);
      pool.push({ el, cells, badge, id: null, key: "" });
      this.layer.append(el);
    }
    for (let k = 0; k < pool.length; k++) {
      const row = pool[k];
      const i = first + k;
      if (i >= last) {
        row.el.hidden = true;
        continue;
      }
      const n = this.rows[i];
      row.el.hidden = false;
      row.el.style.transform = `translateY(${i * ROW}px)`;
      row.el.classList.toggle("selected", n.id === this.selected);
      const key = `${n.id}|${n.phase}|${n.finishedAt}|${n.message}`;
      if (row.key === key) continue;
      row.key = key;
      row.el.dataset.id = n.id;
      row.badge.className = "badge " + phaseClass(n.phase);
      row.badge.textContent = n.phase || "Pending";
      const c = row.cells;
      c[1].textContent = n.displayName || n.name;
      c[1].title = n.name;
      c[2].textContent = n.type;
      c[3].textContent = n.templateName || n.templateRef?.template || "";
      c[4].textContent = n.startedAt ? new Date(n.startedAt).toLocaleTimeString() : "";
      c[5].textContent = span(n.startedAt, n.finishedAt);
      c[6].textContent = n.message || reuseText(n);
      c[6].title = n.message || reuseText(n);
    }
  }
}

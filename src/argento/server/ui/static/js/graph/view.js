// The graph on a <canvas>: nodes coloured by phase, edges as curves, zoom (wheel, buttons, keys) and pan
// (drag), click to select, double-click a group to collapse or expand it. Only what is on screen is drawn,
// and far out the nodes become plain coloured blocks without text, so a 5,000-node graph repaints in a few
// milliseconds. Drawing is coalesced into one animation frame.
import { isVirtual } from "./model.js";
import { layout } from "./layout.js";

export const COLORS = {
  Succeeded: "#18be94", Failed: "#e96d76", Error: "#c2404c", Running: "#0dadea", Pending: "#f0b429",
  Skipped: "#a3afc0", Omitted: "#a3afc0", Suspended: "#8c6fd6",
};
const BOX = { w: 196, h: 42 };
const DOT = { w: 18, h: 18 };
const TEXT_SCALE = 0.42; // below this zoom, no text
const MAX_LABEL = 26;

/** Colour of a graph node (a running Suspend node shows as suspended). */
export function colorOf(node) {
  if (node.type === "Suspend" && node.phase === "Running") return COLORS.Suspended;
  return COLORS[node.phase] || COLORS.Pending;
}

function sizeOf(node) {
  return isVirtual(node.type) && !node.group?.collapsed ? DOT : BOX;
}

function clip(text, max = MAX_LABEL) {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

export class GraphView {
  /**
   * @param {HTMLElement} host  element the canvas fills
   * @param {{onSelect?: (id: string|null) => void, onToggle?: (id: string) => void, subtitle?: (node) => string}} options
   */
  constructor(host, { onSelect = () => {}, onToggle = () => {}, subtitle = () => "" } = {}) {
    this.host = host;
    this.onSelect = onSelect;
    this.onToggle = onToggle;
    this.subtitle = subtitle;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "graph-canvas";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "Workflow graph");
    this.tip = document.createElement("div");
    this.tip.className = "graph-tip";
    host.append(this.canvas, this.tip);
    this.ctx = this.canvas.getContext("2d");
    this.graph = { nodes: [], edges: [] };
    this.pos = null;
    this.scale = 1;
    this.tx = 20;
    this.ty = 20;
    this.selected = null;
    this.frame = 0;
    this.stats = { draws: 0, lastDrawMs: 0, drawMs: [], layoutMs: 0, firstPaintAt: 0 };
    this._bind();
    this._resize = new ResizeObserver(() => this._fitCanvas());
    this._resize.observe(host);
    this._fitCanvas();
  }

  /** Show a new graph; the layout is recomputed only when `relayout` (structure changed). */
  setGraph(graph, { relayout = true } = {}) {
    const first = !this.pos;
    this.graph = graph;
    if (relayout || !this.pos || this.pos.x.length !== graph.nodes.length) {
      const t0 = performance.now();
      this.pos = layout(graph.nodes.length, graph.edges, (i) => sizeOf(graph.nodes[i]));
      this.stats.layoutMs = performance.now() - t0;
    }
    for (const node of graph.nodes) node.short = clip(node.label || node.id);
    // Until the user zooms or pans, a growing graph stays fitted to the view.
    if (first || (relayout && !this.userMoved)) this.fit();
    this.requestDraw();
  }

  /** Select a node by id (or null) and keep it on screen. */
  select(id, { reveal = false } = {}) {
    this.selected = id;
    if (reveal && id && this.graph.index?.has(id)) {
      const i = this.graph.index.get(id);
      const { x, y, w, h } = this.pos;
      const sx = (x[i] + w[i] / 2) * this.scale + this.tx;
      const sy = (y[i] + h[i] / 2) * this.scale + this.ty;
      if (sx < 0 || sy < 0 || sx > this.cw || sy > this.ch) {
        this.tx += this.cw / 2 - sx;
        this.ty += this.ch / 2 - sy;
      }
    }
    this.requestDraw();
  }

  /** Zoom to show the whole graph. */
  fit() {
    this.userMoved = false;
    if (!this.pos) return;
    const pad = 24;
    const labels = 70; // room for the labels under the connectors at both ends
    const { width, height } = this.pos;
    const s = Math.min((this.cw - 2 * pad) / Math.max(width + 2 * labels, 1), (this.ch - 2 * pad) / Math.max(height, 1), 1.1);
    this.scale = Math.max(0.02, s);
    this.tx = (this.cw - width * this.scale) / 2;
    this.ty = Math.max(pad, (this.ch - height * this.scale) / 2);
    this.requestDraw();
  }

  /** Zoom by `factor` around the screen point (cx, cy) (default: the centre). */
  zoom(factor, cx = this.cw / 2, cy = this.ch / 2) {
    this.userMoved = true;
    const s = Math.min(4, Math.max(0.02, this.scale * factor));
    const k = s / this.scale;
    this.tx = cx - (cx - this.tx) * k;
    this.ty = cy - (cy - this.ty) * k;
    this.scale = s;
    this.requestDraw();
  }

  /** Move the view by (dx, dy) screen pixels. */
  pan(dx, dy) {
    this.userMoved = true;
    this.tx += dx;
    this.ty += dy;
    this.requestDraw();
  }

  /** Screen position (relative to the canvas) of a node's centre, for tests and tooltips. */
  screenPos(id) {
    const i = this.graph.index?.get(id);
    if (i === undefined) return null;
    const { x, y, w, h } = this.pos;
    return { x: (x[i] + w[i] / 2) * this.scale + this.tx, y: (y[i] + h[i] / 2) * this.scale + this.ty };
  }

  /** The node under a screen point, or -1. */
  hit(sx, sy) {
    if (!this.pos) return -1;
    const wx = (sx - this.tx) / this.scale;
    const wy = (sy - this.ty) / this.scale;
    const { x, y, w, h } = this.pos;
    const slop = 4 / this.scale;
    for (let i = this.graph.nodes.length - 1; i >= 0; i--) {
      if (wx >= x[i] - slop && wx <= x[i] + w[i] + slop && wy >= y[i] - slop && wy <= y[i] + h[i] + slop) return i;
    }
    return -1;
  }

  requestDraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    this._resize.disconnect();
    this.canvas.remove();
    this.tip.remove();
  }

  _fitCanvas() {
    const dpr = window.devicePixelRatio || 1;
    this.cw = this.host.clientWidth || 800;
    this.ch = this.host.clientHeight || 500;
    this.canvas.width = Math.round(this.cw * dpr);
    this.canvas.height = Math.round(this.ch * dpr);
    this.canvas.style.width = this.cw + "px";
    this.canvas.style.height = this.ch + "px";
    this.dpr = dpr;
    // Until the user zooms or pans, the view keeps the whole graph in sight.
    if (!this.userMoved) this.fit();
    this.requestDraw();
  }

  draw() {
    const t0 = performance.now();
    const { ctx, graph, pos, scale } = this;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.cw, this.ch);
    if (!pos || !graph.nodes.length) return;
    ctx.setTransform(this.dpr * scale, 0, 0, this.dpr * scale, this.dpr * this.tx, this.dpr * this.ty);
    const { x, y, w, h } = pos;
    // The visible world rectangle, with a margin.
    const m = 40 / scale;
    const x0 = -this.tx / scale - m;
    const y0 = -this.ty / scale - m;
    const x1 = x0 + this.cw / scale + 2 * m;
    const y1 = y0 + this.ch / scale + 2 * m;
    const n = graph.nodes.length;
    const visible = new Uint8Array(n);
    for (let i = 0; i < n; i++) visible[i] = x[i] + w[i] >= x0 && x[i] <= x1 && y[i] + h[i] >= y0 && y[i] <= y1 ? 1 : 0;

    // Edges: one path, curves when near, straight lines far out.
    ctx.beginPath();
    const near = scale >= TEXT_SCALE;
    for (const [a, b] of graph.edges) {
      const ax = x[a] + w[a];
      const ay = y[a] + h[a] / 2;
      const bx = x[b];
      const by = y[b] + h[b] / 2;
      if ((ax < x0 && bx < x0) || (ax > x1 && bx > x1) || (ay < y0 && by < y0) || (ay > y1 && by > y1)) continue;
      ctx.moveTo(ax, ay);
      if (near) {
        const mx = (ax + bx) / 2;
        ctx.bezierCurveTo(mx, ay, mx, by, bx, by);
      } else ctx.lineTo(bx, by);
    }
    ctx.lineWidth = Math.max(1, 1.25 / scale) * (near ? 1 : 0.8);
    ctx.strokeStyle = near ? "#b3bdcc" : "rgba(150,163,184,0.55)";
    ctx.stroke();

    if (!near) this._drawBlocks(visible);
    else this._drawNodes(visible);

    if (this.selected && graph.index?.has(this.selected)) {
      const i = graph.index.get(this.selected);
      ctx.lineWidth = 3 / scale;
      ctx.strokeStyle = "#2f6fed";
      const r = isVirtual(graph.nodes[i].type) && !graph.nodes[i].group?.collapsed ? w[i] / 2 + 3 / scale : 8;
      roundRect(ctx, x[i] - 3 / scale, y[i] - 3 / scale, w[i] + 6 / scale, h[i] + 6 / scale, r);
      ctx.stroke();
    }
    const ms = performance.now() - t0;
    const stats = this.stats;
    stats.draws++;
    stats.lastDrawMs = ms;
    stats.drawMs.push(ms);
    if (stats.drawMs.length > 240) stats.drawMs.shift();
    if (!stats.firstPaintAt) stats.firstPaintAt = performance.now();
  }

  /** Far out: one filled rectangle per node, batched by colour. */
  _drawBlocks(visible) {
    const { ctx, graph, pos } = this;
    const byColor = new Map();
    graph.nodes.forEach((node, i) => {
      if (!visible[i]) return;
      const c = colorOf(node);
      let list = byColor.get(c);
      if (!list) byColor.set(c, (list = []));
      list.push(i);
    });
    const { x, y, w, h } = pos;
    for (const [color, list] of byColor) {
      ctx.fillStyle = color;
      ctx.beginPath();
      for (const i of list) ctx.rect(x[i], y[i], w[i], h[i]);
      ctx.fill();
    }
  }

  _drawNodes(visible) {
    const { ctx, graph, pos, scale } = this;
    const { x, y, w, h } = pos;
    const detail = scale >= 0.7;
    ctx.textBaseline = "middle";
    for (let i = 0; i < graph.nodes.length; i++) {
      if (!visible[i]) continue;
      const node = graph.nodes[i];
      const color = colorOf(node);
      if (isVirtual(node.type) && !node.group?.collapsed) {
        const r = w[i] / 2;
        ctx.beginPath();
        ctx.arc(x[i] + r, y[i] + r, r - 2, 0, Math.PI * 2);
        ctx.fillStyle = "#fff";
        ctx.fill();
        ctx.lineWidth = 3;
        ctx.strokeStyle = color;
        ctx.stroke();
        if (detail && node.type !== "StepGroup") {
          ctx.fillStyle = "#5b6679";
          ctx.font = "11px system-ui, sans-serif";
          ctx.textAlign = "center";
          ctx.fillText(clip(node.label, 22), x[i] + r, y[i] + h[i] + 9);
          ctx.textAlign = "left";
        }
        continue;
      }
      const group = node.group?.collapsed ? node.group : null;
      if (group) {
        // a stack of cards
        ctx.fillStyle = "#e9edf3";
        roundRect(ctx, x[i] + 6, y[i] - 6, w[i], h[i], 7);
        ctx.fill();
        roundRect(ctx, x[i] + 3, y[i] - 3, w[i], h[i], 7);
        ctx.fill();
      }
      ctx.fillStyle = "#fff";
      roundRect(ctx, x[i], y[i], w[i], h[i], 7);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#d5dbe5";
      ctx.stroke();
      ctx.fillStyle = color;
      roundRect(ctx, x[i], y[i], 6, h[i], [7, 0, 0, 7]);
      ctx.fill();
      // phase dot
      ctx.beginPath();
      ctx.arc(x[i] + 20, y[i] + h[i] / 2, 6, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = "#1d2433";
      ctx.font = "600 12.5px system-ui, sans-serif";
      const sub = group ? groupText(group) : this.subtitle(node);
      ctx.fillText(node.short, x[i] + 33, y[i] + (sub && detail ? 15 : h[i] / 2));
      if (sub && detail) {
        ctx.fillStyle = "#6b778c";
        ctx.font = "11px system-ui, sans-serif";
        ctx.fillText(clip(sub, 30), x[i] + 33, y[i] + 30);
      }
      if (group) {
        const label = "×" + group.size;
        ctx.font = "600 11px system-ui, sans-serif";
        const tw = label.length * 7 + 8;
        ctx.fillStyle = "#1f2a44";
        roundRect(ctx, x[i] + w[i] - tw - 6, y[i] + 6, tw, 16, 8);
        ctx.fill();
        ctx.fillStyle = "#fff";
        ctx.fillText(label, x[i] + w[i] - tw - 2, y[i] + 14.5);
      }
    }
  }

  _bind() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const r = c.getBoundingClientRect();
      const factor = Math.exp(-Math.sign(ev.deltaY) * Math.min(Math.abs(ev.deltaY), 120) / 400);
      this.zoom(factor, ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    c.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY, moved: false };
      c.setPointerCapture(ev.pointerId);
    });
    c.addEventListener("pointermove", (ev) => {
      const r = c.getBoundingClientRect();
      if (drag) {
        const dx = ev.clientX - drag.x;
        const dy = ev.clientY - drag.y;
        if (drag.moved || Math.abs(dx) + Math.abs(dy) > 3) {
          drag.moved = true;
          drag.x = ev.clientX;
          drag.y = ev.clientY;
          this.pan(dx, dy);
          c.classList.add("dragging");
        }
        return;
      }
      this._hover(ev.clientX - r.left, ev.clientY - r.top);
    });
    c.addEventListener("pointerup", (ev) => {
      c.classList.remove("dragging");
      const was = drag;
      drag = null;
      if (was && !was.moved) {
        const r = c.getBoundingClientRect();
        const i = this.hit(ev.clientX - r.left, ev.clientY - r.top);
        const id = i >= 0 ? this.graph.nodes[i].id : null;
        this.select(id);
        this.onSelect(id);
      }
    });
    c.addEventListener("pointerleave", () => { this.tip.style.display = "none"; });
    c.addEventListener("dblclick", (ev) => {
      const r = c.getBoundingClientRect();
      const i = this.hit(ev.clientX - r.left, ev.clientY - r.top);
      if (i >= 0 && this.graph.nodes[i].group) this.onToggle(this.graph.nodes[i].id);
    });
    c.addEventListener("keydown", (ev) => {
      const step = 60;
      const keys = {
        "+": () => this.zoom(1.25), "=": () => this.zoom(1.25), "-": () => this.zoom(0.8), "0": () => this.fit(),
        ArrowLeft: () => this.pan(step, 0), ArrowRight: () => this.pan(-step, 0),
        ArrowUp: () => this.pan(0, step), ArrowDown: () => this.pan(0, -step),
      };
      if (keys[ev.key]) {
        ev.preventDefault();
        keys[ev.key]();
      }
    });
  }

  _hover(sx, sy) {
    const i = this.hit(sx, sy);
    if (i < 0) {
      this.tip.style.display = "none";
      this.canvas.style.cursor = "";
      return;
    }
    const node = this.graph.nodes[i];
    this.canvas.style.cursor = "pointer";
    const parts = [node.label, node.phase];
    if (node.group) parts.push(groupText(node.group) + (node.group.collapsed ? " · double-click to expand" : " · double-click to collapse"));
    else if (node.node?.message) parts.push(node.node.message);
    this.tip.textContent = parts.filter(Boolean).join(" — ");
    this.tip.style.display = "block";
    this.tip.style.left = Math.min(sx + 14, this.cw - 260) + "px";
    this.tip.style.top = sy + 14 + "px";
  }
}

/** "12 items: 10 ✓ 1 ✗ 1 running" */
export function groupText(group) {
  const c = group.counts || {};
  const noun = group.kind === "retry" ? (group.size === 1 ? "attempt" : "attempts") : "items";
  const parts = [`${group.size} ${noun}`];
  if (c.Succeeded) parts.push(`${c.Succeeded} ✓`);
  if (c.Failed || c.Error) parts.push(`${(c.Failed || 0) + (c.Error || 0)} ✗`);
  if (c.Running) parts.push(`${c.Running} running`);
  return parts.join(" · ");
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, r);
}

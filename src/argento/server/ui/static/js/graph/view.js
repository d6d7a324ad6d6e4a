// The graph on a <canvas>: nodes coloured by phase, edges as curves, zoom (wheel, buttons, keys) and pan
// (drag), click to select, double-click a group to collapse or expand it. Only what is on screen is drawn,
// and far out the nodes become plain coloured blocks without text, so a 5,000-node graph repaints in a few
// milliseconds. Drawing is coalesced into one animation frame.
import { isVirtual } from "./model.js";
import { layout } from "./layout.js";
import { reuseOf, reuseText } from "../format.js";

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
    this.version = 0;
    this.cache = null;
    this.zooming = false;
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
    this.version++;
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
    // While zoom steps keep coming the cached picture is scaled; the sharp one is painted when they pause.
    this.zooming = true;
    clearTimeout(this._settle);
    this._settle = setTimeout(() => {
      this.zooming = false;
      this.requestDraw();
    }, 160);
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
    clearTimeout(this._settle);
    this._resize.disconnect();
    this.canvas.remove();
    this.tip.remove();
  }

  // Sizes the canvas to its host. Assigning a canvas's size clears it, so this happens only when the size
  // really changed, and the picture is then repainted at once, not on the next frame: the resize observer
  // reports after the frame's drawing, and a repaint deferred to the next frame left the first frame (or a
  // screenshot of a slow machine) with a blank canvas on every first load.
  _fitCanvas() {
    const dpr = window.devicePixelRatio || 1;
    const cw = this.host.clientWidth || 800;
    const ch = this.host.clientHeight || 500;
    const width = Math.round(cw * dpr);
    const height = Math.round(ch * dpr);
    if (cw === this.cw && ch === this.ch && dpr === this.dpr && this.canvas.width === width && this.canvas.height === height) return;
    this.cw = cw;
    this.ch = ch;
    this.dpr = dpr;
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.style.width = cw + "px";
    this.canvas.style.height = ch + "px";
    // Until the user zooms or pans, the view keeps the whole graph in sight.
    if (!this.userMoved) this.fit();
    this.drawNow();
  }

  /** Paint now (a pending frame's paint is dropped). */
  drawNow() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.draw();
  }

  /** Mark the picture stale (phases or durations changed) and repaint. */
  invalidate() {
    this.version++;
    this.requestDraw();
  }

  // Painting goes through a cached bitmap of the view plus a margin of half a screen on every side: a pan
  // only moves the bitmap (cheap even with software rasterisation), a zoom step scales it and the sharp
  // picture is painted once the zoom pauses. The selection outline is drawn on top, never cached.
  draw() {
    if (!this.host.offsetParent) return; // hidden (list view): painted when shown again
    const t0 = performance.now();
    const { ctx, graph, pos } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!pos || !graph.nodes.length) return;
    const c = this.cache;
    const same = c && c.version === this.version && c.cw === this.cw && c.ch === this.ch && c.dpr === this.dpr;
    let k = 1;
    if (same && c.scale === this.scale && Math.abs(this.tx - c.tx) <= c.mx && Math.abs(this.ty - c.ty) <= c.my) {
      // a pan inside the margin
    } else if (same && this.zooming) {
      k = this.scale / c.scale;
    } else {
      this._paintCache();
    }
    const cc = this.cache;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.imageSmoothingEnabled = k !== 1;
    ctx.drawImage(cc.canvas, this.tx - (cc.tx + cc.mx) * k, this.ty - (cc.ty + cc.my) * k, (this.cw + 2 * cc.mx) * k, (this.ch + 2 * cc.my) * k);
    this._drawSelection();
    const ms = performance.now() - t0;
    const stats = this.stats;
    stats.draws++;
    stats.lastDrawMs = ms;
    stats.drawMs.push(ms);
    if (stats.drawMs.length > 240) stats.drawMs.shift();
    if (!stats.firstPaintAt) stats.firstPaintAt = performance.now();
  }

  _drawSelection() {
    const { ctx, graph, scale } = this;
    if (!this.selected || !graph.index?.has(this.selected)) return;
    const { x, y, w, h } = this.pos;
    const i = graph.index.get(this.selected);
    ctx.setTransform(this.dpr * scale, 0, 0, this.dpr * scale, this.dpr * this.tx, this.dpr * this.ty);
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = "#2f6fed";
    const r = isVirtual(graph.nodes[i].type) && !graph.nodes[i].group?.collapsed ? w[i] / 2 + 3 / scale : 8;
    roundRect(ctx, x[i] - 3 / scale, y[i] - 3 / scale, w[i] + 6 / scale, h[i] + 6 / scale, r);
    ctx.stroke();
  }

  /** Paint the view and its margin into the cache bitmap at the current scale. */
  _paintCache() {
    const mx = Math.round(this.cw / 2);
    const my = Math.round(this.ch / 2);
    let c = this.cache;
    if (!c) c = this.cache = { canvas: document.createElement("canvas") };
    const width = Math.round((this.cw + 2 * mx) * this.dpr);
    const height = Math.round((this.ch + 2 * my) * this.dpr);
    if (c.canvas.width !== width || c.canvas.height !== height) {
      c.canvas.width = width;
      c.canvas.height = height;
      c.ctx = c.canvas.getContext("2d");
    }
    Object.assign(c, { version: this.version, scale: this.scale, tx: this.tx, ty: this.ty, mx, my, cw: this.cw, ch: this.ch, dpr: this.dpr });
    const ctx = c.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const scale = this.scale;
    ctx.setTransform(this.dpr * scale, 0, 0, this.dpr * scale, this.dpr * (this.tx + mx), this.dpr * (this.ty + my));
    const { graph } = this;
    const { x, y, w, h } = this.pos;
    // The world rectangle the bitmap covers.
    const x0 = -(this.tx + mx) / scale;
    const y0 = -(this.ty + my) / scale;
    const x1 = x0 + (this.cw + 2 * mx) / scale;
    const y1 = y0 + (this.ch + 2 * my) / scale;
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
        const m = (ax + bx) / 2;
        ctx.bezierCurveTo(m, ay, m, by, bx, by);
      } else ctx.lineTo(bx, by);
    }
    ctx.lineWidth = Math.max(1, 1.25 / scale) * (near ? 1 : 0.8);
    ctx.strokeStyle = near ? "#b3bdcc" : "rgba(150,163,184,0.55)";
    ctx.stroke();
    if (!near) this._drawBlocks(ctx, visible);
    else this._drawNodes(ctx, visible);
  }

  /** Far out: one filled rectangle per node, batched by colour. */
  _drawBlocks(ctx, visible) {
    const { graph, pos } = this;
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

  // Near: cards with text. Drawn in passes (all bodies, all outlines, stripes by colour, all titles, all
  // subtitles) so the canvas state — above all the font — changes a handful of times, not per node.
  _drawNodes(ctx, visible) {
    const { graph, pos, scale } = this;
    const { x, y, w, h } = pos;
    const detail = scale >= 0.7;
    const boxes = [];
    const dots = [];
    for (let i = 0; i < graph.nodes.length; i++) {
      if (!visible[i]) continue;
      const node = graph.nodes[i];
      (isVirtual(node.type) && !node.group?.collapsed ? dots : boxes).push(i);
    }
    const byColor = (list) => {
      const out = new Map();
      for (const i of list) {
        const c = colorOf(graph.nodes[i]);
        if (!out.has(c)) out.set(c, []);
        out.get(c).push(i);
      }
      return out;
    };

    // collapsed groups: a stack of cards behind
    const stacks = boxes.filter((i) => graph.nodes[i].group?.collapsed);
    if (stacks.length) {
      ctx.beginPath();
      for (const i of stacks) {
        ctx.roundRect(x[i] + 6, y[i] - 6, w[i], h[i], 7);
        ctx.roundRect(x[i] + 3, y[i] - 3, w[i], h[i], 7);
      }
      ctx.fillStyle = "#e9edf3";
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#d5dbe5";
      ctx.stroke();
    }
    ctx.beginPath();
    for (const i of boxes) ctx.roundRect(x[i], y[i], w[i], h[i], 7);
    ctx.fillStyle = "#fff";
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#d5dbe5";
    ctx.stroke();
    // nodes that did not run (kept by a rerun, or a cache hit): a dashed outline
    const kept = boxes.filter((i) => reuseOf(graph.nodes[i].node));
    if (kept.length) {
      ctx.beginPath();
      for (const i of kept) ctx.roundRect(x[i] + 1.5, y[i] + 1.5, w[i] - 3, h[i] - 3, 6);
      ctx.setLineDash([5, 3]);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#7a869a";
      ctx.stroke();
      ctx.setLineDash([]);
    }
    for (const [color, list] of byColor(boxes)) {
      ctx.beginPath();
      for (const i of list) {
        ctx.roundRect(x[i], y[i], 6, h[i], [7, 0, 0, 7]);
        ctx.moveTo(x[i] + 26, y[i] + h[i] / 2);
        ctx.arc(x[i] + 20, y[i] + h[i] / 2, 6, 0, Math.PI * 2);
      }
      ctx.fillStyle = color;
      ctx.fill();
    }
    // connectors (Steps, StepGroup, DAG, expanded groups)
    if (dots.length) {
      ctx.beginPath();
      for (const i of dots) {
        ctx.moveTo(x[i] + w[i] - 2, y[i] + w[i] / 2);
        ctx.arc(x[i] + w[i] / 2, y[i] + w[i] / 2, w[i] / 2 - 2, 0, Math.PI * 2);
      }
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.lineWidth = 3;
      for (const [color, list] of byColor(dots)) {
        ctx.beginPath();
        for (const i of list) {
          ctx.moveTo(x[i] + w[i] - 2, y[i] + w[i] / 2);
          ctx.arc(x[i] + w[i] / 2, y[i] + w[i] / 2, w[i] / 2 - 2, 0, Math.PI * 2);
        }
        ctx.strokeStyle = color;
        ctx.stroke();
      }
    }

    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    const subs = boxes.map((i) => {
      const node = graph.nodes[i];
      return detail ? (node.group?.collapsed ? groupText(node.group) : this.subtitle(node)) : "";
    });
    ctx.fillStyle = "#1d2433";
    ctx.font = "600 12.5px system-ui, sans-serif";
    boxes.forEach((i, k) => ctx.fillText(graph.nodes[i].short, x[i] + 33, y[i] + (subs[k] ? 15 : h[i] / 2)));
    if (detail) {
      ctx.fillStyle = "#6b778c";
      ctx.font = "11px system-ui, sans-serif";
      boxes.forEach((i, k) => { if (subs[k]) ctx.fillText(clip(subs[k], 30), x[i] + 33, y[i] + 30); });
      ctx.fillStyle = "#5b6679";
      ctx.textAlign = "center";
      for (const i of dots) {
        const node = graph.nodes[i];
        if (node.type !== "StepGroup") ctx.fillText(clip(node.label, 22), x[i] + w[i] / 2, y[i] + h[i] + 9);
      }
      ctx.textAlign = "left";
    }
    // the member count of collapsed groups
    if (stacks.length) {
      ctx.font = "600 11px system-ui, sans-serif";
      for (const i of stacks) {
        const label = "×" + graph.nodes[i].group.size;
        const tw = label.length * 7 + 8;
        ctx.fillStyle = "#1f2a44";
        ctx.beginPath();
        ctx.roundRect(x[i] + w[i] - tw - 6, y[i] + 6, tw, 16, 8);
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
    const parts = [node.label, node.phase, reuseText(node.node)];
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

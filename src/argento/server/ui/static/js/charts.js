// Small time-series line charts on <canvas> (no charting library): a few series, a y grid with unit labels,
// the last value of each series at the right edge.
import { h } from "./dom.js";
import { num } from "./format.js";

export const SERIES_COLORS = ["#2f6fed", "#f08c2e", "#18be94", "#b04fc8", "#e96d76", "#0dadea"];

/** A chart card: {el, draw(series)} where series = [{name, color, points: [[t ms, value]]}]. */
export function lineChart(title, { unit = "", digits = 1, min = 0 } = {}) {
  const canvas = h("canvas", { role: "img", "aria-label": title });
  const legend = h("div.legend");
  const el = h("div.chart", h("h3", title), canvas, legend);
  let last = [];
  const draw = (series = last) => {
    last = series;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 320;
    const hgt = canvas.clientHeight || 150;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    const pts = series.flatMap((s) => s.points.filter(([, v]) => Number.isFinite(v)));
    const left = 52;
    const right = 8;
    const top = 8;
    const bottom = 18;
    const pw = w - left - right;
    const ph = hgt - top - bottom;
    const t1 = pts.length ? Math.max(...pts.map(([t]) => t)) : Date.now();
    const t0 = pts.length ? Math.min(t1 - 60000, ...pts.map(([t]) => t)) : t1 - 60000;
    let vmax = pts.length ? Math.max(...pts.map(([, v]) => v)) : 1;
    if (vmax <= min) vmax = min + 1;
    const tick = niceCeil((vmax - min) / 4); // four round steps: 0, 5, 10, 15, 20
    vmax = min + 4 * tick;
    const X = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * pw;
    const Y = (v) => top + ph - ((v - min) / (vmax - min)) * ph;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.strokeStyle = "#e8ecf2";
    ctx.fillStyle = "#8a94a6";
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = min + tick * i;
      const y = Math.round(Y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(w - right, y);
      ctx.stroke();
      ctx.textAlign = "right";
      ctx.fillText(String(+v.toPrecision(3)) + unit, left - 6, y);
    }
    ctx.textAlign = "left";
    ctx.fillText(`${Math.round((t1 - t0) / 1000)}s`, left, hgt - 7);
    ctx.textAlign = "right";
    ctx.fillText("now", w - right, hgt - 7);
    for (const s of series) {
      const p = s.points.filter(([, v]) => Number.isFinite(v));
      if (!p.length) continue;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = "round";
      ctx.beginPath();
      p.forEach(([t, v], i) => (i ? ctx.lineTo(X(t), Y(v)) : ctx.moveTo(X(t), Y(v))));
      ctx.stroke();
      const [lt, lv] = p[p.length - 1];
      ctx.fillStyle = s.color;
      ctx.beginPath();
      ctx.arc(X(lt), Y(lv), 3, 0, Math.PI * 2);
      ctx.fill();
    }
    legend.replaceChildren(...series.map((s) => {
      const p = s.points.filter(([, v]) => Number.isFinite(v));
      const v = p.length ? p[p.length - 1][1] : NaN;
      return h("span", h("i", { style: { background: s.color } }), `${s.name} `, h("b", Number.isFinite(v) ? num(v, digits) + unit : "–"));
    }));
  };
  return { el, draw };
}

function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

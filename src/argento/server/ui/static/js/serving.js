// The deployment API (SPEC §3.6, /api/v1/deployments) as the pages use it, and the arithmetic on its
// cumulative per-variant counters: rates and the observed traffic split come from differences between polls.
import { get, post, put, del, enc, itemsOf } from "./api.js";
import { SERIES_COLORS } from "./charts.js";

export const API = "/api/v1/deployments";

export const listDeployments = async () => itemsOf(await get(API));
export const getDeployment = (name) => get(`${API}/${enc(name)}`);
export const setTraffic = (name, weights) => post(`${API}/${enc(name)}/traffic`, { weights });
export const promote = (name, variant) => post(`${API}/${enc(name)}/promote`, { variant });
export const rollback = (name, revision) => post(`${API}/${enc(name)}/rollback`, revision ? { revision } : {});
export const scale = (name, replicas, variant) => post(`${API}/${enc(name)}/scale`, { replicas, variant: variant || undefined });
export const update = (name, spec) => put(`${API}/${enc(name)}`, spec);
export const remove = (name) => del(`${API}/${enc(name)}`);

/** Badge class of a deployment phase. */
export function phaseClassOf(phase) {
  return { Available: "phase-succeeded", Progressing: "phase-running", Deleting: "phase-pending", Failed: "phase-failed", Degraded: "phase-failed" }[phase] || "phase-skipped";
}

/** Variants of a deployment with their configured share in percent and a colour. */
export function variantsOf(dep) {
  const variants = dep.spec?.variants || [];
  const traffic = dep.status?.traffic || {};
  const total = variants.reduce((a, v) => a + (v.name === dep.spec?.shadow ? 0 : Number(v.weight) || 0), 0);
  return variants.map((v, i) => ({
    ...v,
    share: traffic[v.name] ?? (total ? (100 * (Number(v.weight) || 0)) / total : 0),
    color: SERIES_COLORS[i % SERIES_COLORS.length],
    status: dep.status?.variants?.[v.name] || {},
  }));
}

/** Ready and desired replicas over all variants. */
export function replicaCounts(dep) {
  let ready = 0;
  let desired = 0;
  for (const v of Object.values(dep.status?.variants || {})) {
    ready += v.ready || 0;
    desired += v.desired || 0;
  }
  return { ready, desired };
}

/**
 * Keeps a window of samples of one deployment's per-variant counters and derives the charts' series:
 * request rate (req/s), error rate (%), latency percentiles (ms), and the observed split over the window.
 */
export class StatsHistory {
  constructor(windowMs = 5 * 60 * 1000) {
    this.windowMs = windowMs;
    this.samples = []; // {t, stats: {variant: {requests, errors, p50, p95, p99}}}
  }

  add(dep, t = Date.now()) {
    const stats = {};
    for (const s of dep.status?.stats || []) {
      if (s.shadow) continue;
      const l = s.latency_seconds || {};
      stats[s.variant] = { requests: s.requests || 0, errors: s.errors || 0, p50: l.p50, p95: l.p95, p99: l.p99 };
    }
    this.samples.push({ t, stats });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
  }

  /** [[t, value]] per variant for `metric` in "rate" | "errors" | "p50" | "p95" | "p99". */
  series(variant, metric) {
    const out = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1];
      const b = this.samples[i];
      const sa = a.stats[variant];
      const sb = b.stats[variant];
      if (!sb) continue;
      const dt = (b.t - a.t) / 1000;
      const dr = sb.requests - (sa?.requests || 0);
      const de = sb.errors - (sa?.errors || 0);
      let v;
      if (metric === "rate") v = dt > 0 ? Math.max(0, dr) / dt : NaN;
      else if (metric === "errors") v = dr > 0 ? (100 * Math.max(0, de)) / dr : 0;
      else v = sb[metric] == null ? NaN : sb[metric] * 1000;
      out.push([b.t, v]);
    }
    return out;
  }

  /** Each variant's share (%) of the requests answered over the last `recentMs` (all time if no history). */
  observedSplit(recentMs = 30000) {
    if (!this.samples.length) return {};
    const last = this.samples[this.samples.length - 1];
    const first = this.samples.find((s) => last.t - s.t <= recentMs) || this.samples[0];
    const counts = {};
    let total = 0;
    for (const [variant, s] of Object.entries(last.stats)) {
      const base = first === last ? 0 : first.stats[variant]?.requests || 0;
      counts[variant] = Math.max(0, s.requests - base);
      total += counts[variant];
    }
    if (!total && first !== last) return this.cumulativeSplit();
    return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, total ? (100 * v) / total : 0]));
  }

  cumulativeSplit() {
    const last = this.samples[this.samples.length - 1];
    const total = Object.values(last.stats).reduce((a, s) => a + s.requests, 0);
    return Object.fromEntries(Object.entries(last.stats).map(([k, s]) => [k, total ? (100 * s.requests) / total : 0]));
  }
}

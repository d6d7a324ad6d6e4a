// Formatting of times, durations and phases, the same everywhere.
import { h } from "./dom.js";

export const PHASES = ["Pending", "Running", "Succeeded", "Failed", "Error"];
const FINISHED = new Set(["Succeeded", "Failed", "Error", "Skipped", "Omitted"]);

/** Whether a workflow or node phase is final. */
export function isFinished(phase) {
  return FINISHED.has(phase);
}

/** CSS class of a phase: phase-running, phase-failed, … */
export function phaseClass(phase) {
  return "phase-" + String(phase || "pending").toLowerCase();
}

/** A coloured phase badge. */
export function phaseBadge(phase, suspended = false) {
  const label = suspended && phase === "Running" ? "Suspended" : phase || "Pending";
  return h("span.badge." + phaseClass(suspended && phase === "Running" ? "Suspended" : phase), label);
}

/** Milliseconds since the epoch of an RFC 3339 time, or NaN. */
export function ts(value) {
  return value ? Date.parse(value) : NaN;
}

/** "3s", "4m 05s", "2h 03m", "3d 4h". */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "";
  const s = Math.floor(ms / 1000);
  if (ms === 0) return "0s";
  if (s < 60) return ms < 10000 ? `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)}s` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
}

/** Duration between two RFC 3339 times (to now while running). */
export function span(startedAt, finishedAt) {
  const start = ts(startedAt);
  if (!Number.isFinite(start)) return "";
  const end = finishedAt ? ts(finishedAt) : Date.now();
  return duration(end - start);
}

/** "5s ago", "3h ago", "in 2m". */
export function ago(value) {
  const t = ts(value);
  if (!Number.isFinite(t)) return "";
  const d = Date.now() - t;
  if (d < 0) return "in " + duration(-d);
  if (d < 1000) return "just now";
  return (d < 60000 ? `${Math.floor(d / 1000)}s` : duration(d).split(" ")[0]) + " ago";
}

/** A <time> with the absolute time as tooltip and the relative one as text. */
export function timeEl(value) {
  if (!value) return "";
  return h("time", { datetime: value, title: new Date(value).toLocaleString() }, ago(value));
}

/** "1.2 kB" */
export function bytes(n) {
  if (!Number.isFinite(n)) return "";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n < 10 && i ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

/** Compact number: 1234 → "1.2k". */
export function num(n, digits = 1) {
  if (!Number.isFinite(n)) return "–";
  const a = Math.abs(n);
  if (a >= 1e6) return (n / 1e6).toFixed(digits) + "M";
  if (a >= 1e4) return (n / 1e3).toFixed(digits) + "k";
  if (a >= 100 || Number.isInteger(n)) return String(Math.round(n));
  return n.toFixed(digits + 1);
}

/**
 * Why a node did not run: {kind: "reused", from} (kept by a rerun, Argento's `argento-rerun` cache name),
 * {kind: "cached"} (a `--cache` hit) or {kind: "memoized"} (a `memoize` hit); null when it ran.
 */
export function reuseOf(node) {
  const m = node?.memoizationStatus;
  if (!m || !m.hit) return null;
  if (m.cacheName === "argento-rerun") return { kind: "reused", from: String(m.key || "").split("/")[0], key: m.key };
  return { kind: m.cacheName === "argento-cache" ? "cached" : "memoized", key: m.key, cache: m.cacheName };
}

/** "reused from wf-abc", "cached", "memoized" (empty when the node ran). */
export function reuseText(node) {
  const r = reuseOf(node);
  return !r ? "" : r.kind === "reused" ? `reused from ${r.from}` : r.kind;
}

/**
 * What a failed workflow's Message shows. Argo sets `status.message` from the entry node's message: a steps
 * template says which child failed, but a DAG node fails without one (controller/dag.go), so a failed DAG
 * workflow has none. Then the message of the step that failed first (`<node>: <its message>`) is shown, marked
 * as the node's. `nodes` may be absent (the list does not load them): then only `status.message`.
 * @returns {{text: string, node: string}} node: the display name the text came from ("" for status.message)
 */
export function failureMessage(status, nodes = status?.nodes) {
  if (status?.message || !["Failed", "Error"].includes(status?.phase) || !nodes) return { text: status?.message || "", node: "" };
  let first = null;
  for (const n of Object.values(nodes)) {
    if (!["Failed", "Error"].includes(n.phase) || !n.message || (n.children || []).length) continue;
    if (!first || String(n.finishedAt || "") < String(first.finishedAt || "")) first = n;
  }
  if (!first) return { text: "", node: "" };
  const name = first.displayName || first.name;
  return { text: `${name}: ${first.message}`, node: name };
}

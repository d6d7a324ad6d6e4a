// The model registry API (SPEC §3.1 over §2.7: /api/v1/models) as the pages use it. The answers are read
// loosely (a list of versions or of models; aliases as a map or on each version), so the pages keep working
// while the API settles.
import { get, enc, itemsOf, ApiError } from "./api.js";

export const API = "/api/v1/models";

/** Versions (model dicts) grouped by model name: [{name, versions, aliases, latest}]. */
export function groupModels(items) {
  const byName = new Map();
  for (const item of items) {
    if (Array.isArray(item.versions)) {
      byName.set(item.name, { name: item.name, versions: item.versions.map((v) => (typeof v === "string" ? { name: item.name, version: v } : v)), aliases: normaliseAliases(item.aliases, item.name) });
      continue;
    }
    const entry = byName.get(item.name) || { name: item.name, versions: [], aliases: {} };
    entry.versions.push(item);
    Object.assign(entry.aliases, normaliseAliases(item.aliases, item.name, item.version));
    byName.set(item.name, entry);
  }
  for (const entry of byName.values()) {
    entry.versions.sort((a, b) => String(b.created_at || b.version).localeCompare(String(a.created_at || a.version)));
    entry.latest = entry.versions[0];
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Aliases as {alias: version}: from a map, or from a version's list of alias names. */
export function normaliseAliases(aliases, name, version) {
  if (!aliases) return {};
  if (Array.isArray(aliases)) return Object.fromEntries(aliases.map((a) => [typeof a === "string" ? a : a.alias, typeof a === "string" ? version : a.version]));
  return { ...aliases };
}

export async function listModels() {
  return groupModels(itemsOf(await get(API), "models"));
}

/** One model with its versions, current aliases and alias history. */
export async function getModel(name) {
  const data = await get(`${API}/${enc(name)}`);
  let model;
  if (Array.isArray(data.versions) || Array.isArray(data.items)) model = groupModels(Array.isArray(data.items) ? data.items : [{ ...data, name }])[0];
  else model = groupModels([data])[0];
  if (!model) throw new ApiError(404, `model ${name} not found`);
  try {
    const history = await get(`${API}/${enc(name)}/history`);
    model.history = itemsOf(history, "events");
  } catch {
    model.history = data.history || [];
  }
  if (!Object.keys(model.aliases).length && model.history.length) {
    for (const e of [...model.history].sort((a, b) => String(a.time).localeCompare(String(b.time)))) {
      if (e.to) model.aliases[e.alias] = e.to;
      else delete model.aliases[e.alias];
    }
  }
  return model;
}

/** Numeric metrics of a version: metadata.metrics, else the numeric top-level metadata values. */
export function metricsOf(version) {
  const md = version.metadata || {};
  const source = md.metrics && typeof md.metrics === "object" ? md.metrics : md;
  return Object.entries(source).filter(([, v]) => typeof v === "number");
}

/** An MLflow run link for a version, if its metadata, labels or context name a run (`mlflow_run_id` as the
 * quickstart's train step saves it, `mlflow.run_id` as `import_mlflow` does, or a `runs:/` source). Without a
 * known experiment the link is MLflow's direct run page (`#/runs/<id>`), which finds the run's experiment. */
export function mlflowRunUrl(version, trackingUrl) {
  const md = version.metadata || {};
  const nested = md.mlflow && typeof md.mlflow === "object" ? md.mlflow : {};
  const all = { ...(version.context || {}), ...(version.labels || {}), ...md };
  const direct = all.mlflow_run_url || all["mlflow.run_url"] || nested.run_url;
  if (direct) return direct;
  let run = all.mlflow_run_id || all["mlflow.run_id"] || nested.run_id || all.run_id;
  const source = all.mlflow_source || nested.source || all.source || "";
  if (!run && typeof source === "string" && source.startsWith("runs:/")) run = source.slice(6).split("/")[0];
  const base = all.mlflow_tracking_uri || all["mlflow.tracking_uri"] || trackingUrl;
  if (!run || typeof run !== "string" || !base || !/^https?:/.test(base)) return "";
  const experiment = all.mlflow_experiment_id || all["mlflow.experiment_id"] || nested.experiment_id;
  const root = base.replace(/\/$/, "");
  return experiment ? `${root}/#/experiments/${enc(experiment)}/runs/${enc(run)}` : `${root}/#/runs/${enc(run)}`;
}

/** MLflow's URL from the server's info links (a link named like "MLflow"), or "". */
export async function trackingUrl() {
  try {
    const info = await get("/api/v1/info");
    return (info.links || []).find((l) => /mlflow/i.test(l.name || ""))?.url || info.mlflowUrl || info.mlflow_tracking_uri || "";
  } catch {
    return "";
  }
}

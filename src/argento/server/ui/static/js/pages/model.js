// One model: versions (framework, size, labels, aliases), the selected version's metadata, metrics and
// signatures, MLflow run links, and the alias history.
import { h, replace, link, facts } from "../dom.js";
import { timeEl, bytes } from "../format.js";
import { pageHeader, errorBox, notAvailable, table, chips, tabs } from "../ui.js";
import { getModel, metricsOf, mlflowRunUrl, trackingUrl, API } from "../registry.js";
import { aliasChips } from "./models.js";
import { yamlBlock } from "../resources.js";

export async function render(main, { name }, query) {
  let model;
  try {
    model = await getModel(name);
  } catch (err) {
    replace(main, pageHeader(name, { crumbs: [link("/models", "Models")] }), err.unavailable || err.status === 503 ? notAvailable("Models", API) : errorBox(err));
    return;
  }
  const mlflow = await trackingUrl();
  const aliasesOf = (version) => Object.entries(model.aliases).filter(([, v]) => v === version).map(([a]) => a);
  let selected = model.versions.find((v) => v.version === query.get("version")) || model.versions[0];
  const detail = h("div.section");
  const versionsBox = h("div.section");

  const drawVersions = () => replace(versionsBox, h("h2", "Versions"), table([
    ["Version", (v) => h("code", { style: { fontWeight: v === selected ? "700" : "400" } }, v.version)],
    ["Aliases", (v) => aliasChips(Object.fromEntries(aliasesOf(v.version).map((a) => [a, v.version])))],
    ["Framework", (v) => v.framework || ""],
    ["Size", (v) => bytes(v.size_bytes)],
    ["Labels", (v) => chips(v.labels)],
    ["Saved", (v) => timeEl(v.created_at)],
    ["MLflow", (v) => { const url = mlflowRunUrl(v, mlflow); return url ? h("a", { href: url, target: "_blank", rel: "noopener" }, "run ↗") : ""; }],
  ], model.versions, { onRow: (v) => { selected = v; history.replaceState(null, "", `?version=${encodeURIComponent(v.version)}`); drawVersions(); drawDetail(); }, rowClass: (v) => (v === selected ? "selected" : "") }));

  const drawDetail = () => {
    const v = selected || {};
    const metrics = metricsOf(v);
    const run = mlflowRunUrl(v, mlflow);
    const t = tabs([
      ["overview", "Overview", () => h("div",
        facts([
          ["Tag", h("code", v.tag || `${name}:${v.version}`)],
          ["Framework", v.framework],
          ["Saved", v.created_at && [timeEl(v.created_at), " · ", new Date(v.created_at).toLocaleString()]],
          ["Size", bytes(v.size_bytes)],
          ["Aliases", aliasesOf(v.version).join(", ")],
          ["Labels", chips(v.labels)],
          ["MLflow run", run ? h("a", { href: run, target: "_blank", rel: "noopener" }, "open in MLflow ↗") : ""],
        ]),
        h("h3", "Metrics"),
        metrics.length ? h("div.metrics", table([["Metric", ([k]) => k], ["Value", ([, x]) => h("b", Number.isInteger(x) ? String(x) : x.toPrecision(4))]], metrics)) : h("p.muted", "No numeric metadata."),
        h("h3", "Signatures"),
        table([["Method", ([k]) => h("code", k)], ["Batchable", ([, s]) => (s.batchable ? "yes" : "no")], ["Batch dim", ([, s]) => JSON.stringify(s.batch_dim ?? 0)]], Object.entries(v.signatures || {}), { empty: "none" }))],
      ["metadata", "Metadata", () => yamlBlock(v.metadata || {})],
    ]);
    replace(detail, h("h2", `Version ${v.version || ""}`), t.el);
  };

  const historyBox = h("div.section", h("h2", "Alias history"), table([
    ["When", (e) => timeEl(e.time)],
    ["Alias", (e) => h("span.alias", e.alias)],
    ["Change", (e) => [e.from ? h("code", e.from) : "–", " → ", e.to ? h("code", e.to) : "removed"]],
    ["Action", (e) => e.action || ""],
    ["By", (e) => [e.user, e.host].filter(Boolean).join("@")],
  ], [...(model.history || [])].sort((a, b) => String(b.time).localeCompare(String(a.time))), { empty: "No alias was ever set." }));

  replace(main,
    pageHeader(name, { crumbs: [link("/models", "Models")], sub: [`${model.versions.length} versions `, ...aliasChips(model.aliases)] }),
    versionsBox, h("div.two-col", detail, historyBox));
  drawVersions();
  drawDetail();
}

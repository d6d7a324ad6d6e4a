// One deployment: variants with editable weights (configured vs observed split), promote, replicas and their
// health, live charts per variant (request rate, error rate, latency percentiles), revisions with rollback,
// rollout (edit the spec: a rolling update), scale, delete. Polls every 2 s.
import { h, replace, link, facts } from "../dom.js";
import { enc } from "../api.js";
import { timeEl, num } from "../format.js";
import { navigate } from "../router.js";
import { pageHeader, errorBox, notAvailable, table, attempt, confirmAction, modal, toast } from "../ui.js";
import { lineChart } from "../charts.js";
import { editManifest, toYaml } from "../resources.js";
import * as serving from "../serving.js";
import { splitBar } from "./deployments.js";

const POLL_MS = 2000;

export async function render(main, { name }) {
  let dep;
  try {
    dep = await serving.getDeployment(name);
  } catch (err) {
    replace(main, pageHeader(name, { crumbs: [link("/serving", "Deployments")] }),
      err.unavailable || err.status === 503 ? notAvailable("Deployments", serving.API) : errorBox(err));
    return;
  }
  const history = new serving.StatsHistory();
  history.add(dep);

  const head = h("div");
  const traffic = h("div.section");
  const replicas = h("div.section");
  const revisions = h("div.section");
  const charts = {
    rate: lineChart("Request rate", { unit: "/s" }),
    errors: lineChart("Error rate", { unit: "%" }),
    p50: lineChart("Latency p50", { unit: " ms" }),
    p95: lineChart("Latency p95", { unit: " ms" }),
    p99: lineChart("Latency p99", { unit: " ms" }),
  };
  replace(main, head, traffic,
    h("div.section", h("h2", "Per-variant metrics"), h("div.charts", Object.values(charts).map((c) => c.el))),
    h("div.two-col", replicas, revisions));

  let editing = false; // while the user edits weights, polling does not overwrite the inputs

  function drawHead() {
    const { ready, desired } = serving.replicaCounts(dep);
    replace(head, pageHeader(dep.name, {
      crumbs: [link("/serving", "Deployments"), dep.namespace || ""],
      sub: [h("span.badge." + serving.phaseClassOf(dep.status?.phase), { dataset: { phase: dep.status?.phase || "" } }, dep.status?.phase || "Unknown"), " ",
        `revision ${dep.revision} · ${ready}/${desired} replicas ready · routing ${dep.spec?.routing?.mode || "random"}`,
        dep.status?.url ? [" · ", h("code", dep.status.url)] : "",
        // Degraded: replicas crash-loop; the reason names the last exit, the title holds its last log lines.
        dep.status?.message ? [h("br"), h("span.health-bad", { dataset: { reason: dep.status.reason || "" },
          title: Object.values(dep.status.variants || {}).flatMap((v) => v.last_exit?.log || []).join("\n") },
        `${dep.status.reason}: ${dep.status.message}`)] : ""],
      actions: [
        h("button", { type: "button", onclick: rollout, title: "Edit the spec: variants whose template changed roll over replica by replica" }, "Rollout"),
        h("button", { type: "button", onclick: () => doRollback() }, "Rollback"),
        h("button", { type: "button", onclick: doScale }, "Scale"),
        h("button.danger", { type: "button", onclick: doDelete }, "Delete"),
      ],
    }));
  }

  function drawTraffic() {
    if (editing) return;
    const variants = serving.variantsOf(dep);
    const observed = history.observedSplit(10000);
    const inputs = new Map();
    const rows = variants.map((v) => {
      const input = h("input.weight", { type: "number", min: 0, step: 1, value: v.weight ?? 0, "aria-label": `weight of ${v.name}`, dataset: { variant: v.name },
        onfocus: () => { editing = true; }, oninput: () => { editing = true; } });
      inputs.set(v.name, input);
      const st = v.status;
      const stats = (dep.status?.stats || []).find((s) => s.variant === v.name) || {};
      const l = stats.latency_seconds || {};
      return { v, input, st, stats, l };
    });
    const apply = async () => {
      const weights = Object.fromEntries([...inputs].map(([k, input]) => [k, Number(input.value) || 0]));
      const result = await attempt(() => serving.setTraffic(dep.name, weights), "Traffic split updated");
      editing = false;
      if (result) {
        dep = result.spec ? result : await serving.getDeployment(dep.name);
        drawAll();
      }
    };
    replace(traffic,
      h("h2", "Traffic"),
      h("div.muted", "configured"),
      splitBar(variants, { label: "configured split" }),
      h("div.muted", "observed (last 10 s)"),
      h("div.observed", splitBar(variants.map((v) => ({ ...v, share: observed[v.name] ?? 0 })), { label: "observed split" })),
      table([
        ["Variant", ({ v }) => h("span", h("i.swatch", { style: { background: v.color, display: "inline-block", width: "10px", height: "10px", borderRadius: "2px", marginRight: "6px" } }), h("b", v.name), v.name === dep.spec?.shadow ? " (shadow)" : "")],
        ["Bento", ({ v }) => h("code", v.bento || v.service || "")],
        ["Weight", ({ input }) => input],
        ["Share", ({ v }) => `${v.share.toFixed(1)} %`],
        ["Replicas", ({ st }) => `${st.ready ?? 0}/${st.desired ?? 0}${st.outdated ? ` (${st.outdated} outdated)` : ""}${st.restarts ? ` · ${st.restarts} restarts` : ""}`],
        ["Requests", ({ stats }) => num(stats.requests ?? NaN)],
        ["Errors", ({ stats }) => num(stats.errors ?? NaN)],
        ["p50 / p95 / p99", ({ l }) => [l.p50, l.p95, l.p99].map((x) => (x == null ? "–" : num(x * 1000) + " ms")).join(" / ")],
        ["", ({ v }) => variants.length > 1 ? h("button", { type: "button", dataset: { promote: v.name }, onclick: async () => {
          if (!(await confirmAction(`Send 100 % of the traffic to ${v.name} and retire the other variants?`, "Promote"))) return;
          const r = await attempt(() => serving.promote(dep.name, v.name), `Promoted ${v.name}`);
          if (r) refresh();
        } }, "Promote") : ""],
      ], rows),
      h("div.pager",
        h("button", { type: "button", onclick: () => { editing = false; drawTraffic(); } }, "Reset"),
        h("button.primary", { type: "button", dataset: { action: "apply-weights" }, onclick: apply }, "Apply weights")));
  }

  function drawReplicas() {
    replace(replicas, h("h2", "Replicas"), table([
      ["ID", (r) => h("code", r.id)],
      ["Variant", (r) => r.variant],
      ["Health", (r) => h(r.state === "ready" ? "span.health-ok" : "span.health-bad", r.state)],
      ["Endpoint", (r) => r.url ? h("code", r.url) : r.port ? `:${r.port}` : ""],
      ["In flight", (r) => String(r.inflight ?? "")],
      ["Restarts", (r) => String(r.restarts ?? 0)],
      ["PID", (r) => String(r.pid ?? "")],
    ], dep.status?.replicas || [], { empty: "No replicas running." }));
  }

  function drawRevisions() {
    const revs = [...(dep.revisions || [])].sort((a, b) => b.revision - a.revision);
    replace(revisions, h("h2", "Revisions"), table([
      ["#", (r) => h("b", String(r.revision))],
      ["Reason", (r) => r.reason || ""],
      ["Created", (r) => timeEl(r.created_at)],
      ["", (r) => r.revision === dep.revision ? h("span.muted", "current") : h("button", { type: "button", onclick: () => doRollback(r.revision) }, "Roll back")],
    ], revs, { empty: "No revisions." }),
    facts([["Created", timeEl(dep.created_at)], ["Updated", timeEl(dep.updated_at)]]));
  }

  function drawCharts() {
    const variants = serving.variantsOf(dep).filter((v) => v.name !== dep.spec?.shadow);
    for (const [metric, chart] of Object.entries(charts)) {
      chart.draw(variants.map((v) => ({ name: v.name, color: v.color, points: history.series(v.name, metric) })));
    }
  }

  function drawAll() {
    drawHead();
    drawTraffic();
    drawReplicas();
    drawRevisions();
    drawCharts();
  }

  async function refresh() {
    try {
      dep = await serving.getDeployment(name);
      history.add(dep);
      drawAll();
    } catch (err) {
      if (err.status === 404) {
        toast(`${name} was deleted`, "error");
        navigate("/serving");
      }
    }
  }

  async function rollout() {
    const spec = { ...dep.spec };
    await editManifest(`Rollout ${dep.name}`, toYaml(spec), async (doc) => {
      const r = await serving.update(dep.name, doc);
      toast("Rolling update started");
      refresh();
      return r;
    });
  }

  async function doRollback(revision) {
    const label = revision ? `revision ${revision}` : "the previous revision";
    if (!(await confirmAction(`Roll ${dep.name} back to ${label}?`, "Roll back"))) return;
    if ((await attempt(() => serving.rollback(dep.name, revision), `Rolling back to ${label}`)) !== undefined) refresh();
  }

  async function doScale() {
    const input = h("input", { type: "number", min: 0, value: dep.spec?.replicas ?? 1, "aria-label": "Replicas" });
    const variant = h("select", { "aria-label": "Variant" }, h("option", { value: "" }, "every variant"), serving.variantsOf(dep).map((v) => h("option", { value: v.name }, v.name)));
    const ok = await modal(`Scale ${dep.name}`, h("div.form-grid", h("label", "Replicas"), input, h("label", "Variant"), variant), [["Cancel", null], ["Scale", true, "primary"]]);
    if (ok && (await attempt(() => serving.scale(dep.name, Number(input.value), variant.value), "Scaling")) !== undefined) refresh();
  }

  async function doDelete() {
    if (!(await confirmAction(`Delete deployment ${dep.name}? Its replicas are drained and stopped.`, "Delete"))) return;
    if ((await attempt(() => serving.remove(dep.name), `Deleting ${dep.name}`)) !== undefined) navigate("/serving");
  }

  drawAll();
  const timer = setInterval(refresh, POLL_MS);
  const onResize = () => drawCharts();
  window.addEventListener("resize", onResize);
  return () => {
    clearInterval(timer);
    window.removeEventListener("resize", onResize);
  };
}

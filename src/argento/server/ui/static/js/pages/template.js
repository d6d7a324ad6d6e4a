// One WorkflowTemplate (or ClusterWorkflowTemplate): parameters, its manifest, its recent workflows; submit,
// edit, delete.
import { get, put, del, enc, itemsOf } from "../api.js";
import { h, replace, link, facts } from "../dom.js";
import { phaseBadge, timeEl, span } from "../format.js";
import { navigate } from "../router.js";
import { pageHeader, table, errorBox, attempt, confirmAction, tabs } from "../ui.js";
import { namespace as currentNs } from "../session.js";
import { openSubmit } from "./submit.js";
import { editManifest, toYaml, yamlBlock } from "../resources.js";
import { templatePaths } from "./templates.js";

export async function render(main, params) {
  const cluster = location.pathname.startsWith("/cluster-");
  const ns = params.namespace || currentNs();
  const paths = templatePaths(cluster, ns);
  const name = params.name;
  let tmpl;
  try {
    tmpl = await get(`${paths.api}/${enc(name)}`);
  } catch (err) {
    replace(main, pageHeader(name), errorBox(err));
    return;
  }
  const label = cluster ? "workflows.argoproj.io/cluster-workflow-template" : "workflows.argoproj.io/workflow-template";
  const runs = h("div", h("p.muted", "Loading…"));
  get(`/api/v1/workflows/${enc(ns)}`, { "listOptions.labelSelector": `${label}=${name}`, "listOptions.limit": 20, fields: "items.metadata,items.status.phase,items.status.startedAt,items.status.finishedAt,items.status.message" })
    .then((data) => replace(runs, table([
      ["", (w) => phaseBadge(w.status?.phase)],
      ["Name", (w) => link(`/workflows/${enc(w.metadata.namespace)}/${enc(w.metadata.name)}`, w.metadata.name)],
      ["Started", (w) => timeEl(w.status?.startedAt)],
      ["Duration", (w) => span(w.status?.startedAt, w.status?.finishedAt)],
    ], itemsOf(data), { empty: "Not run yet." })))
    .catch((err) => replace(runs, errorBox(err)));

  const edit = () => editManifest(`Edit ${name}`, toYaml(tmpl), async (doc) => {
    doc.metadata = { ...doc.metadata, resourceVersion: tmpl.metadata.resourceVersion };
    tmpl = await put(`${paths.api}/${enc(name)}`, cluster ? { template: doc } : { namespace: ns, template: doc });
    render(main, params);
    return tmpl;
  });
  const params_ = tmpl.spec?.arguments?.parameters || [];
  const t = tabs([
    ["overview", "Overview", () => h("div",
      facts([["Entrypoint", tmpl.spec?.entrypoint], ["Templates", (tmpl.spec?.templates || []).map((x) => x.name).join(", ")], ["Created", timeEl(tmpl.metadata.creationTimestamp)]]),
      h("h3", "Parameters"),
      table([["Name", (p) => p.name], ["Default", (p) => h("code.value", String(p.value ?? ""))], ["Enum", (p) => (p.enum || []).join(", ")], ["Description", (p) => p.description || ""]], params_, { empty: "none" }),
      h("h3", "Recent workflows"), runs)],
    ["yaml", "YAML", () => yamlBlock(tmpl)],
  ]);
  replace(main,
    pageHeader(name, {
      crumbs: [link(paths.page, cluster ? "Cluster templates" : "Workflow templates"), cluster ? "cluster" : ns],
      actions: [
        h("button.primary", { type: "button", onclick: () => openSubmit(ns, { template: name, cluster }) }, "Submit"),
        h("button", { type: "button", onclick: edit }, "Edit"),
        h("button.danger", { type: "button", onclick: async () => {
          if (!(await confirmAction(`Delete template ${name}?`, "Delete"))) return;
          if ((await attempt(() => del(`${paths.api}/${enc(name)}`), `Deleted ${name}`)) !== undefined) navigate(paths.page);
        } }, "Delete"),
      ],
    }),
    h("div.section", t.el));
}

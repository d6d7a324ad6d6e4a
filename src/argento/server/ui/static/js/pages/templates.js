// WorkflowTemplates of a namespace, or ClusterWorkflowTemplates: list, create from YAML, submit, delete.
import { post, del, enc, getPaged } from "../api.js";
import { h, replace, link } from "../dom.js";
import { timeEl } from "../format.js";
import { pageHeader, table, errorBox, attempt, confirmAction } from "../ui.js";
import { namespace as currentNs, setNamespace } from "../session.js";
import { openSubmit } from "./submit.js";
import { editManifest } from "../resources.js";

const EXAMPLE = `apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: say-hello
spec:
  entrypoint: main
  arguments:
    parameters: [{name: message, value: hello}]
  templates:
    - name: main
      inputs: {parameters: [{name: message}]}
      container: {image: busybox, command: [echo, "{{inputs.parameters.message}}"]}
`;

/** Base API path and page path of templates (namespaced or cluster-scoped). */
export function templatePaths(cluster, ns) {
  return cluster
    ? { api: "/api/v1/cluster-workflow-templates", page: "/cluster-workflow-templates" }
    : { api: `/api/v1/workflow-templates/${enc(ns)}`, page: `/workflow-templates/${enc(ns)}` };
}

export async function render(main, params) {
  const cluster = location.pathname.startsWith("/cluster-");
  const ns = params.namespace || currentNs();
  if (!cluster) setNamespace(ns);
  const paths = templatePaths(cluster, ns);
  const body = h("div");
  const load = async () => {
    try {
      const items = await getPaged(paths.api);
      items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      replace(body, table([
        ["Name", (t) => link(`${paths.page}/${enc(t.metadata.name)}`, t.metadata.name)],
        ["Entrypoint", (t) => t.spec?.entrypoint || ""],
        ["Parameters", (t) => (t.spec?.arguments?.parameters || []).map((p) => p.name).join(", ")],
        ["Created", (t) => timeEl(t.metadata.creationTimestamp)],
        ["", (t) => h("span.row-actions",
          h("button", { type: "button", onclick: () => openSubmit(ns, { template: t.metadata.name, cluster }) }, "Submit"), " ",
          h("button.danger", { type: "button", onclick: async () => {
            if (!(await confirmAction(`Delete template ${t.metadata.name}?`, "Delete"))) return;
            if ((await attempt(() => del(`${paths.api}/${enc(t.metadata.name)}`), `Deleted ${t.metadata.name}`)) !== undefined) load();
          } }, "Delete"))],
      ], items, { empty: cluster ? "No cluster workflow templates." : `No workflow templates in ${ns}. Create one, or run \`argento template create FILE\`.` }));
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  const create = () => editManifest(cluster ? "Create a cluster workflow template" : "Create a workflow template",
    EXAMPLE.replace("kind: WorkflowTemplate", cluster ? "kind: ClusterWorkflowTemplate" : "kind: WorkflowTemplate"),
    async (doc) => {
      const created = await post(paths.api, cluster ? { template: doc } : { namespace: ns, template: doc });
      load();
      return created;
    });
  replace(main,
    pageHeader(cluster ? "Cluster workflow templates" : "Workflow templates", {
      sub: cluster ? [link(`/workflow-templates/${enc(currentNs())}`, "namespaced templates")] : ["namespace ", h("b", ns), " · ", link("/cluster-workflow-templates", "cluster templates")],
      actions: [h("button.primary", { type: "button", onclick: create }, "+ Create")],
    }),
    body);
  await load();
}

// Submit a workflow: from pasted YAML/JSON (create), or from a WorkflowTemplate with its parameters (submit).
import { get, post, enc, itemsOf } from "../api.js";
import { h, replace } from "../dom.js";
import { navigate } from "../router.js";
import { modal, tabs, toast } from "../ui.js";

const EXAMPLE = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: say, arguments: {parameters: [{name: msg, value: A}]}}
          - {name: b, template: say, depends: a, arguments: {parameters: [{name: msg, value: B}]}}
    - name: say
      inputs: {parameters: [{name: msg}]}
      container:
        image: busybox
        command: [echo, "{{inputs.parameters.msg}}"]
`;

/** Parse a manifest the user typed (YAML or JSON); throws with the line of a YAML error. */
export async function parseManifest(text) {
  const { load } = await import("../../vendor/js-yaml.mjs"); // 100 kB: only when a manifest is submitted
  const doc = load(text);
  if (!doc || typeof doc !== "object") throw new Error("the manifest is empty");
  return doc;
}

/** The parameters of a template's `spec.arguments.parameters`, with defaults and enums. */
export function templateParameters(tmpl) {
  return (tmpl?.spec?.arguments?.parameters || []).map((p) => ({ name: p.name, value: p.value ?? p.default ?? "", enum: p.enum, description: p.description }));
}

/** A small form with one input per parameter; `read()` returns ["name=value", …]. */
export function parameterForm(params) {
  const inputs = params.map((p) => {
    const input = p.enum
      ? h("select", { name: p.name }, p.enum.map((v) => h("option", { value: v, selected: v === p.value }, v)))
      : h("input", { name: p.name, value: p.value, spellcheck: false });
    return [p, input];
  });
  const el = inputs.length
    ? h("div.form-grid", inputs.map(([p, input]) => [h("label", { title: p.description || "" }, p.name), input]))
    : h("p.muted", "This template takes no parameters.");
  return { el, read: () => inputs.map(([p, input]) => `${p.name}=${input.value}`) };
}

/** Open the submit dialog in `namespace`; `template` preselects a WorkflowTemplate. */
export async function openSubmit(namespace, { template = "", cluster = false } = {}) {
  const editor = h("textarea.code", { rows: 20, spellcheck: false, "aria-label": "Workflow manifest", value: EXAMPLE });
  const error = h("div.form-error");
  let fromTemplate = null;

  const yamlPane = () => h("div", h("p.muted", "Paste a Workflow as YAML or JSON."), editor);
  const templatePane = () => {
    const box = h("div", h("p.muted", "Loading templates…"));
    (async () => {
      let list = [];
      try {
        const [ns, cl] = await Promise.all([
          get(`/api/v1/workflow-templates/${enc(namespace)}`),
          get("/api/v1/cluster-workflow-templates").catch(() => ({ items: [] })),
        ]);
        list = [
          ...itemsOf(ns).map((t) => ({ kind: "WorkflowTemplate", t })),
          ...itemsOf(cl).map((t) => ({ kind: "ClusterWorkflowTemplate", t })),
        ];
      } catch (err) {
        replace(box, h("p.form-error", err.message));
        return;
      }
      if (!list.length) {
        replace(box, h("p.muted", `No templates in ${namespace}. Create one with \`argento template create FILE\`.`));
        return;
      }
      const select = h("select", { "aria-label": "Template" }, list.map(({ kind, t }, i) =>
        h("option", { value: i, selected: t.metadata.name === template && (kind === "ClusterWorkflowTemplate") === cluster }, `${t.metadata.name}${kind === "ClusterWorkflowTemplate" ? " (cluster)" : ""}`)));
      const entry = h("input", { placeholder: "entrypoint (default of the template)", spellcheck: false });
      const paramsBox = h("div");
      const pick = () => {
        const { kind, t } = list[Number(select.value)];
        const form = parameterForm(templateParameters(t));
        replace(paramsBox, form.el);
        fromTemplate = { kind, name: t.metadata.name, form, entry };
      };
      select.addEventListener("change", pick);
      pick();
      replace(box, h("div.form-grid", h("label", "Template"), select, h("label", "Entrypoint"), entry), h("h3", "Parameters"), paramsBox);
    })();
    return box;
  };

  const t = tabs([["yaml", "YAML", yamlPane], ["template", "From template", templatePane]], template ? "template" : "yaml");
  const submit = async () => {
    error.textContent = "";
    try {
      let wf;
      if (t.current === "template") {
        if (!fromTemplate) throw new Error("choose a template");
        wf = await post(`/api/v1/workflows/${enc(namespace)}/submit`, {
          namespace, resourceKind: fromTemplate.kind, resourceName: fromTemplate.name,
          submitOptions: { parameters: fromTemplate.form.read(), entryPoint: fromTemplate.entry.value.trim() || undefined },
        });
      } else {
        const doc = await parseManifest(editor.value);
        wf = await post(`/api/v1/workflows/${enc(namespace)}`, { namespace, workflow: doc });
      }
      toast(`Submitted ${wf.metadata.name}`);
      navigate(`/workflows/${enc(wf.metadata.namespace || namespace)}/${enc(wf.metadata.name)}`);
      return true;
    } catch (err) {
      error.textContent = err.message || String(err);
      return undefined; // keep the dialog open
    }
  };
  return modal("Submit a workflow", h("div", t.el, error), [["Cancel", null], ["Submit", submit, "primary"]], { wide: true });
}

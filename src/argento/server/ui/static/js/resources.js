// Shared pieces of the resource pages (templates, cron workflows): a YAML editor dialog for create/update
// and a read-only YAML view.
import { h } from "./dom.js";
import { modal } from "./ui.js";
import { dump, load } from "../vendor/js-yaml.mjs";

/** A resource as YAML text (status and noisy metadata left out). */
export function toYaml(obj) {
  const copy = JSON.parse(JSON.stringify(obj));
  if (copy.metadata) for (const key of ["managedFields", "resourceVersion", "uid", "generation"]) delete copy.metadata[key];
  return dump(copy, { lineWidth: 120, noRefs: true });
}

/** A read-only YAML block. */
export function yamlBlock(obj) {
  return h("pre.code.yaml", toYaml(obj));
}

/**
 * Ask for a manifest in a dialog and hand the parsed object to `save` (which throws to keep the dialog open).
 * Resolves with what `save` returned, or null when cancelled.
 */
export function editManifest(title, text, save) {
  const editor = h("textarea.code", { rows: 22, spellcheck: false, "aria-label": "Manifest", value: text });
  const error = h("div.form-error");
  const ok = async () => {
    error.textContent = "";
    try {
      const doc = load(editor.value);
      if (!doc || typeof doc !== "object") throw new Error("the manifest is empty");
      return await save(doc);
    } catch (err) {
      error.textContent = err.message || String(err);
      return undefined;
    }
  };
  return modal(title, h("div", editor, error), [["Cancel", null], ["Save", ok, "primary"]], { wide: true });
}

// Models of the registry: one card per model with its latest version, framework and aliases.
import { h, replace, link } from "../dom.js";
import { enc } from "../api.js";
import { timeEl, bytes } from "../format.js";
import { pageHeader, errorBox, notAvailable } from "../ui.js";
import { listModels, API } from "../registry.js";

/** Alias chips: production → v3. */
export function aliasChips(aliases) {
  return Object.entries(aliases || {}).map(([a, v]) => h("span.alias", { title: `${a} → ${v}` }, `${a} → ${v}`));
}

export async function render(main) {
  const body = h("div", h("p.muted", "Loading…"));
  replace(main, pageHeader("Models", { sub: "The model store: versions, aliases and metrics" }), body);
  let models;
  try {
    models = await listModels();
  } catch (err) {
    replace(body, err.unavailable || err.status === 503 ? notAvailable("Models", API) : errorBox(err));
    return;
  }
  if (!models.length) {
    replace(body, h("div.empty", "No models yet. Save one with ", h("code", "argento.models.save(name, obj)"), "."));
    return;
  }
  replace(body, h("div.cards", models.map((m) => {
    const v = m.latest || {};
    return h("div.card.clickable", { dataset: { name: m.name }, onclick: (ev) => { if (!ev.target.closest("a")) ev.currentTarget.querySelector("a").click(); } },
      h("h2", link(`/models/${enc(m.name)}`, m.name)),
      h("div.muted", `${m.versions.length} version${m.versions.length === 1 ? "" : "s"} · latest `, h("code", v.version || "?"), v.framework ? ` · ${v.framework}` : "", v.size_bytes ? ` · ${bytes(v.size_bytes)}` : ""),
      h("div", { style: { margin: "8px 0 2px", display: "flex", gap: "6px", flexWrap: "wrap" } }, aliasChips(m.aliases)),
      v.created_at ? h("div.muted", "saved ", timeEl(v.created_at)) : null);
  })));
}

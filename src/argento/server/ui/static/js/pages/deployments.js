// Deployments: one card per deployment with phase, replicas, the traffic split and its URL.
import { h, replace, link } from "../dom.js";
import { enc } from "../api.js";
import { pageHeader, errorBox, notAvailable } from "../ui.js";
import { listDeployments, phaseClassOf, variantsOf, replicaCounts, API } from "../serving.js";

/** The configured split as a bar of coloured segments. */
export function splitBar(parts, { label = "configured split" } = {}) {
  return h("div.split", { role: "img", "aria-label": label + ": " + parts.map((p) => `${p.name} ${Math.round(p.share)}%`).join(", ") },
    parts.filter((p) => p.share > 0).map((p) => h("div", { style: { flexGrow: String(p.share), background: p.color }, title: `${p.name}: ${p.share.toFixed(1)}%`, dataset: { variant: p.name, share: p.share.toFixed(1) } },
      `${p.name} ${Math.round(p.share)}%`)));
}

export async function render(main) {
  const body = h("div", h("p.muted", "Loading…"));
  replace(main, pageHeader("Deployments", { sub: "Models served behind the gateway, with replicas and traffic split" }), body);
  const load = async () => {
    let items;
    try {
      items = await listDeployments();
    } catch (err) {
      replace(body, err.unavailable || err.status === 503 ? notAvailable("Deployments", API) : errorBox(err));
      return false;
    }
    if (!items.length) {
      replace(body, h("div.empty", "No deployments yet. Deploy a bento with ", h("code", "argento deploy BENTO --name NAME"), "."));
      return true;
    }
    replace(body, h("div.cards", items.map((d) => {
      const { ready, desired } = replicaCounts(d);
      const variants = variantsOf(d);
      return h("div.card.clickable", { dataset: { name: d.name }, onclick: (ev) => { if (!ev.target.closest("a")) ev.currentTarget.querySelector("a").click(); } },
        h("h2", link(`/serving/${enc(d.name)}`, d.name)),
        h("div", h("span.badge." + phaseClassOf(d.status?.phase), d.status?.phase || "Unknown"), " ",
          h("span.muted", `revision ${d.revision ?? d.status?.revision ?? "?"} · ${ready}/${desired} replicas ready`)),
        splitBar(variants),
        h("div.legend", variants.map((v) => h("span", h("i", { style: { background: v.color } }), `${v.name}: ${v.bento || v.service || ""}`))),
        d.status?.url ? h("div.muted", h("code", d.status.url)) : null);
    })));
    return true;
  };
  if (!(await load())) return;
  const timer = setInterval(load, 3000);
  return () => clearInterval(timer);
}

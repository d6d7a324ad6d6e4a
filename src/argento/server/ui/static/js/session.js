// Per-browser state: the namespace the user works in (remembered), and the server's default.
const KEY = "argento.namespace";

/** The current namespace: from the URL of a namespaced page, else the remembered one, else "argo". */
export function namespace() {
  const parts = location.pathname.split("/");
  if (["workflows", "workflow-templates", "cron-workflows", "archived-workflows"].includes(parts[1]) && parts[2]) {
    return decodeURIComponent(parts[2]);
  }
  return localStorage.getItem(KEY) || "argo";
}

/** Remember `ns` and show it in the namespace box. */
export function setNamespace(ns) {
  if (!ns) return;
  localStorage.setItem(KEY, ns);
  const box = document.getElementById("namespace");
  if (box && box.value !== ns) box.value = ns;
}

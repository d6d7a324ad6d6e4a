// History-API router. A page module exports `render(main, params, query)` returning an optional cleanup
// function (closing streams, timers) that runs before the next page renders.

const routes = [];
let cleanup = null;
let renderSeq = 0;

/** Register a page: pattern like "/workflows/:namespace/:name", loader returning the page module. */
export function route(pattern, loader, section = pattern.split("/")[1]) {
  const keys = [];
  const re = new RegExp(
    "^" + pattern.replace(/:(\w+)/g, (_, k) => (keys.push(k), "([^/]+)")).replace(/\/$/, "") + "/?$",
  );
  routes.push({ re, keys, loader, section });
}

/** Navigate inside the app (no reload). */
export function navigate(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  return render();
}

/** Change the query string of the current page without re-rendering it. */
export function setQuery(params) {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length)) url.searchParams.delete(k);
    else url.searchParams.set(k, Array.isArray(v) ? v.join(",") : v);
  }
  history.replaceState(null, "", url.pathname + url.search);
}

/** Render the page of the current URL into #main. */
export async function render() {
  const seq = ++renderSeq;
  const main = document.getElementById("main");
  if (cleanup) {
    try {
      cleanup();
    } catch (err) {
      console.error(err);
    }
    cleanup = null;
  }
  const path = decodeURI(location.pathname);
  for (const r of routes) {
    const m = path.match(r.re);
    if (!m) continue;
    const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
    document.querySelectorAll("#nav a[data-section]").forEach((a) => {
      a.classList.toggle("active", a.dataset.section === r.section);
    });
    const page = await r.loader();
    if (seq !== renderSeq) return; // a newer navigation won
    main.replaceChildren();
    main.scrollTop = 0;
    const result = await page.render(main, params, new URLSearchParams(location.search));
    if (seq !== renderSeq) {
      if (typeof result === "function") result();
      return;
    }
    cleanup = typeof result === "function" ? result : null;
    return;
  }
  main.replaceChildren(Object.assign(document.createElement("p"), { className: "pad", textContent: "Page not found." }));
}

/** Start: intercept in-app links and back/forward. */
export function start() {
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-link]");
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    navigate(a.getAttribute("href"));
  });
  window.addEventListener("popstate", () => render());
  return render();
}

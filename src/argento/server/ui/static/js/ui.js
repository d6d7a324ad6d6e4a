// Shared widgets: toasts, modal dialogs, tabs, tables, page headers, "not available" and error states.
import { h, replace } from "./dom.js";

/** Show a transient message. kind: "ok" | "error". */
export function toast(message, kind = "ok") {
  const el = h("div.toast." + kind, message);
  document.getElementById("toasts").append(el);
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 3500);
}

/** Run an async action, toasting its error; returns its result or undefined. */
export async function attempt(fn, okMessage) {
  try {
    const result = await fn();
    if (okMessage) toast(okMessage);
    return result;
  } catch (err) {
    toast(err.message || String(err), "error");
    return undefined;
  }
}

/** A modal dialog; `body` is an element; resolves with the clicked button's value (or null). */
export function modal(title, body, buttons = [["Close", null]], { wide = false } = {}) {
  return new Promise((resolve) => {
    const dialog = h("dialog.modal" + (wide ? ".wide" : ""));
    const close = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const actions = buttons.map(([label, value, cls]) =>
      h("button" + (cls ? "." + cls : ""), { type: "button", onclick: async () => {
        if (typeof value === "function") {
          const result = await value();
          if (result !== undefined) close(result);
        } else close(value);
      } }, label),
    );
    dialog.append(h("header", h("h2", title), h("button.icon", { type: "button", "aria-label": "Close", onclick: () => close(null) }, "×")),
      h("div.modal-body", body), h("footer", actions));
    dialog.addEventListener("cancel", (ev) => {
      ev.preventDefault();
      close(null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Ask before a destructive action. */
export async function confirmAction(question, label = "Confirm") {
  return (await modal("Are you sure?", h("p", question), [["Cancel", false], [label, true, "danger"]])) === true;
}

/** A page header: title, subtitle and right-aligned actions. */
export function pageHeader(title, { sub, actions = [], crumbs = [] } = {}) {
  return h(
    "header.page-head",
    h("div", crumbs.length ? h("div.crumbs", crumbs.flatMap((c, i) => (i ? [" / ", c] : [c]))) : null, h("h1", title), sub ? h("div.sub", sub) : null),
    h("div.actions", actions),
  );
}

/** Tabs: [[id, label, renderFn]]; returns {el, select(id)}. */
export function tabs(spec, initial) {
  const bar = h("div.tabs", { role: "tablist" });
  const body = h("div.tab-body");
  const buttons = new Map();
  let current = null;
  const select = (id) => {
    current = id;
    for (const [key, btn] of buttons) btn.classList.toggle("active", key === id);
    const item = spec.find(([key]) => key === id);
    replace(body, item ? item[2]() : "");
  };
  for (const [id, label] of spec) {
    const btn = h("button.tab", { type: "button", role: "tab", dataset: { tab: id }, onclick: () => select(id) }, label);
    buttons.set(id, btn);
    bar.append(btn);
  }
  select(initial || spec[0][0]);
  return { el: h("div", bar, body), select, get current() { return current; } };
}

/** A simple table: columns [[header, cell(row)]], rows; onRow(row) makes rows clickable. */
export function table(columns, rows, { onRow, empty = "Nothing here yet.", rowClass } = {}) {
  if (!rows.length) return h("div.empty", empty);
  return h(
    "table.grid",
    h("thead", h("tr", columns.map(([head]) => h("th", head)))),
    h("tbody", rows.map((row) =>
      h("tr" + (onRow ? ".clickable" : ""), { class: rowClass ? rowClass(row) : undefined, onclick: onRow ? (ev) => { if (!ev.target.closest("a,button,input")) onRow(row); } : undefined },
        columns.map(([, cell]) => h("td", cell(row)))),
    )),
  );
}

/** The state shown when an API this page needs is not on this server yet. */
export function notAvailable(what, path) {
  return h("div.notice",
    h("h2", `${what} are not available on this server`),
    h("p", "The server does not answer ", h("code", path), ". Update argento (the API may not be enabled in this version)."));
}

/** An error box for a failed load. */
export function errorBox(err) {
  return h("div.notice.error", h("h2", err.status === 404 ? "Not found" : "Could not load"), h("p", err.message || String(err)));
}

/** Key/value chips for labels. */
export function chips(obj, { onClick } = {}) {
  const entries = Object.entries(obj || {});
  if (!entries.length) return "";
  return h("span.chips", entries.map(([k, v]) =>
    h("span.chip", { title: `${k}=${v}`, onclick: onClick ? () => onClick(k, v) : undefined, class: onClick ? "clickable" : undefined }, `${k}=${v}`)));
}

/** Live-status dot: connecting / live / reconnecting / polling. */
export function liveDot() {
  const el = h("span.live", { title: "Live updates" }, "connecting");
  return {
    el,
    set(state) {
      el.dataset.state = state;
      el.textContent = { live: "live", connecting: "connecting", reconnecting: "reconnecting", polling: "polling" }[state] || state;
    },
  };
}

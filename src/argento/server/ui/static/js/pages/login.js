// Login (client auth mode): the token is kept as the `authorization` cookie ("Bearer <token>"), which the
// browser then sends with every request of the UI, streams included.
import { h, replace } from "../dom.js";

/** Store the token for this origin (a session cookie unless `remember`). */
export function saveToken(token, remember) {
  const value = encodeURIComponent(`Bearer ${token.replace(/^Bearer\s+/i, "").trim()}`);
  const age = remember ? `; max-age=${30 * 24 * 3600}` : "";
  document.cookie = `authorization=${value}; path=/; SameSite=Strict${age}`;
}

export function render(main, _params, query) {
  document.body.classList.add("bare");
  const input = h("input", { type: "password", name: "token", placeholder: "token", autocomplete: "current-password", "aria-label": "Token", required: true });
  const remember = h("input", { type: "checkbox", name: "remember" });
  const error = h("div.form-error", { role: "alert" });
  const submit = async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    saveToken(input.value, remember.checked);
    const resp = await fetch("/api/v1/userinfo", { credentials: "same-origin" });
    if (resp.status === 401) {
      document.cookie = "authorization=; path=/; max-age=0; SameSite=Strict";
      error.textContent = "This token is not valid. Create one on the server with: argento auth token create";
      return;
    }
    const back = query.get("redirect");
    location.assign(back && back.startsWith("/") && !back.startsWith("//") ? back : "/workflows");
  };
  replace(main, h("form.login", { onsubmit: submit },
    h("h1", "Sign in to Argento"),
    h("p.muted", "This server requires a token. Create one on the server with ", h("code", "argento auth token create"), "."),
    input,
    h("label.check", remember, " remember on this browser"),
    h("div", { style: { height: "12px" } }),
    h("button.primary", { type: "submit" }, "Sign in"),
    error));
  input.focus();
  return () => document.body.classList.remove("bare");
}

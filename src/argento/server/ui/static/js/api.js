// HTTP to the server. Authentication is the `authorization` cookie (set by the login page), which the browser
// sends with every same-origin request; a 401 sends the user back to the login page. Requests that change
// something carry the server's anti-CSRF token (the `argento-csrf` cookie, readable only by this origin) as
// the X-CSRF-Token header; the server refuses cookie-authenticated changes without it.

/** An Argo error answer: {code, message} with the HTTP status. */
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }

  /** True when the endpoint itself does not exist on this server (not a missing object). */
  get unavailable() {
    return (this.status === 404 || this.status === 405) && /^(no such path|not found$|method)/i.test(this.message);
  }
}

/** Query string from an object; arrays repeat the key; empty values are left out. */
export function qs(params) {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === "") continue;
    for (const item of Array.isArray(v) ? v : [v]) out.append(k, String(item));
  }
  const s = out.toString();
  return s ? "?" + s : "";
}

/** Send the user to the login page, coming back here afterwards. */
export function toLogin() {
  if (location.pathname === "/login") return;
  const back = location.pathname + location.search;
  location.assign("/login" + qs({ redirect: back }));
}

/** The anti-CSRF token the server handed out (empty in `server` auth mode, where there is no session). */
export function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("argento-csrf="));
  return found ? decodeURIComponent(found.slice("argento-csrf=".length)) : "";
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** fetch() that throws ApiError on non-2xx answers (and redirects to login on 401). */
export async function raw(method, path, { query, body, signal, headers } = {}) {
  const send = () => {
    const init = { method, signal, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    const token = SAFE.has(method) ? "" : csrfToken();
    if (token) init.headers["X-CSRF-Token"] = token;
    return fetch(path + qs(query), init);
  };
  let resp = await send();
  // A server restart makes a new token: the refusal carries it (Set-Cookie), so one retry is enough.
  if (resp.status === 403 && !SAFE.has(method) && /CSRF/.test(await resp.clone().text())) {
    resp = await send();
  }
  if (resp.ok) return resp;
  let message = resp.statusText;
  let code;
  try {
    const data = await resp.json();
    message = data.message || data.detail || data.error || message;
    code = data.code;
  } catch {
    /* not JSON */
  }
  if (resp.status === 401) toLogin();
  throw new ApiError(resp.status, message, code);
}

/** JSON of a request. */
export async function request(method, path, options) {
  const resp = await raw(method, path, options);
  const text = await resp.text();
  return text ? JSON.parse(text) : {};
}

export const get = (path, query, options) => request("GET", path, { ...options, query });
export const post = (path, body, options) => request("POST", path, { ...options, body });
export const put = (path, body, options) => request("PUT", path, { ...options, body });
export const del = (path, query, options) => request("DELETE", path, { ...options, query });

/** Every item of a Kubernetes list, fetched `pageSize` at a time (limit/continue), so no answer is huge. */
export async function getPaged(path, query = {}, pageSize = 100) {
  const items = [];
  let token = "";
  do {
    const data = await get(path, { ...query, "listOptions.limit": pageSize, "listOptions.continue": token });
    items.push(...itemsOf(data));
    token = data?.metadata?.continue || "";
  } while (token);
  return items;
}

/** `items` of a list answer, whatever the server calls it (Kubernetes lists, plain arrays). */
export function itemsOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const key of ["items", ...keys]) if (Array.isArray(data?.[key])) return data[key];
  return [];
}

const enc = encodeURIComponent;
export { enc };

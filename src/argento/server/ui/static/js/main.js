// Entry point: the route table, the namespace box and the signed-in user.
import { route, start, navigate } from "./router.js";
import { get } from "./api.js";
import { h, replace } from "./dom.js";
import { setNamespace, namespace } from "./session.js";

const page = (name) => () => import(`./pages/${name}.js`);

route("/login", page("login"), "login");
route("/", () => ({ render: () => navigate(`/workflows/${namespace()}`, { replace: true }) }), "workflows");
route("/workflows", () => ({ render: () => navigate(`/workflows/${namespace()}${location.search}`, { replace: true }) }), "workflows");
route("/workflows/:namespace", page("workflows"));
route("/workflows/:namespace/:name", page("workflow"));
route("/workflow-templates", page("templates"));
route("/workflow-templates/:namespace", page("templates"));
route("/workflow-templates/:namespace/:name", page("template"));
route("/cluster-workflow-templates", page("templates"), "workflow-templates");
route("/cluster-workflow-templates/:name", page("template"), "workflow-templates");
route("/cron-workflows", page("crons"));
route("/cron-workflows/:namespace", page("crons"));
route("/cron-workflows/:namespace/:name", page("cron"));
route("/archived-workflows", page("archived"));
route("/archived-workflows/:namespace", page("archived"));
route("/archived-workflows/:namespace/:uid", page("workflow"));
route("/models", page("models"));
route("/models/:name", page("model"));
route("/serving", page("deployments"));
route("/serving/:name", page("deployment"));

async function showUser() {
  const el = document.getElementById("user");
  try {
    const info = await get("/api/v1/userinfo");
    if (info.subject) {
      replace(el, h("span", { title: "Signed in" }, info.subject), " ",
        h("button.link", { type: "button", onclick: () => {
          document.cookie = "authorization=; path=/; max-age=0; SameSite=Strict";
          location.assign("/login");
        } }, "sign out"));
    }
  } catch {
    /* not signed in, or server mode: nothing to show */
  }
}

const box = document.getElementById("namespace");
box.value = namespace();
box.addEventListener("change", () => {
  setNamespace(box.value.trim());
  const parts = location.pathname.split("/");
  // Pages scoped by namespace follow the box.
  if (["workflows", "workflow-templates", "cron-workflows", "archived-workflows"].includes(parts[1])) {
    navigate(`/${parts[1]}/${namespace()}`);
  }
});

if (location.pathname !== "/login") showUser();
start();

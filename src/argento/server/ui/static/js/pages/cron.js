// One CronWorkflow: schedules and next runs, status, its workflows, the manifest; suspend/resume, submit now,
// edit, delete.
import { get, post, put, del, enc, itemsOf } from "../api.js";
import { h, replace, link, facts } from "../dom.js";
import { phaseBadge, timeEl, span } from "../format.js";
import { navigate } from "../router.js";
import { pageHeader, table, errorBox, attempt, confirmAction, tabs, toast } from "../ui.js";
import { editManifest, toYaml, yamlBlock } from "../resources.js";
import { schedulesOf, upcoming, suspendButton } from "./crons.js";

export async function render(main, params) {
  const { namespace: ns, name } = params;
  const api = `/api/v1/cron-workflows/${enc(ns)}/${enc(name)}`;
  let cron;
  try {
    cron = await get(api);
  } catch (err) {
    replace(main, pageHeader(name), errorBox(err));
    return;
  }
  const again = () => render(main, params);
  const runs = h("div", h("p.muted", "Loading…"));
  get(`/api/v1/workflows/${enc(ns)}`, { "listOptions.labelSelector": `workflows.argoproj.io/cron-workflow=${name}`, "listOptions.limit": 20, fields: "items.metadata,items.status.phase,items.status.startedAt,items.status.finishedAt" })
    .then((data) => replace(runs, table([
      ["", (w) => phaseBadge(w.status?.phase)],
      ["Name", (w) => link(`/workflows/${enc(ns)}/${enc(w.metadata.name)}`, w.metadata.name)],
      ["Started", (w) => timeEl(w.status?.startedAt)],
      ["Duration", (w) => span(w.status?.startedAt, w.status?.finishedAt)],
    ], itemsOf(data), { empty: "No runs yet." })))
    .catch((err) => replace(runs, errorBox(err)));
  const s = cron.spec || {};
  const t = tabs([
    ["overview", "Overview", () => h("div",
      facts([
        ["Schedules", h("code", schedulesOf(cron).join("  ·  "))],
        ["Timezone", s.timezone || "server time"],
        ["State", s.suspend ? h("span.badge.phase-suspended", "Suspended") : h("span.badge.phase-running", "Active")],
        ["Concurrency", s.concurrencyPolicy || "Allow"],
        ["Starting deadline", s.startingDeadlineSeconds ? `${s.startingDeadlineSeconds}s` : ""],
        ["History", `${s.successfulJobsHistoryLimit ?? 3} succeeded · ${s.failedJobsHistoryLimit ?? 1} failed`],
        ["Last scheduled", timeEl(cron.status?.lastScheduledTime)],
        ["When", s.when ? h("code", s.when) : ""],
      ]),
      h("h3", "Next runs"),
      s.suspend ? h("p.muted", "Suspended: no runs until resumed.") : h("ul.runs", upcoming(cron, 5).map((d) => h("li", d.toLocaleString(), " · ", timeEl(d.toISOString())))),
      h("h3", "Workflows"), runs)],
    ["yaml", "YAML", () => yamlBlock(cron)],
  ]);
  replace(main,
    pageHeader(name, {
      crumbs: [link(`/cron-workflows/${enc(ns)}`, "Cron workflows"), ns],
      actions: [
        h("button.primary", { type: "button", onclick: async () => {
          const wf = await attempt(() => post(`/api/v1/workflows/${enc(ns)}/submit`, { namespace: ns, resourceKind: "CronWorkflow", resourceName: name }));
          if (wf) {
            toast(`Submitted ${wf.metadata.name}`);
            navigate(`/workflows/${enc(ns)}/${enc(wf.metadata.name)}`);
          }
        } }, "Submit now"),
        suspendButton(ns, cron, again),
        h("button", { type: "button", onclick: () => editManifest(`Edit ${name}`, toYaml(cron), async (doc) => {
          doc.metadata = { ...doc.metadata, resourceVersion: cron.metadata.resourceVersion };
          const saved = await put(api, { namespace: ns, cronWorkflow: doc });
          again();
          return saved;
        }) }, "Edit"),
        h("button.danger", { type: "button", onclick: async () => {
          if (!(await confirmAction(`Delete cron workflow ${name}?`, "Delete"))) return;
          if ((await attempt(() => del(api), `Deleted ${name}`)) !== undefined) navigate(`/cron-workflows/${enc(ns)}`);
        } }, "Delete"),
      ],
    }),
    h("div.section", t.el));
}

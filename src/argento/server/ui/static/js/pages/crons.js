// CronWorkflows of a namespace: schedule, next runs, last run, suspend/resume, create, delete.
import { post, put, del, enc, getPaged } from "../api.js";
import { h, replace, link } from "../dom.js";
import { timeEl } from "../format.js";
import { pageHeader, table, errorBox, attempt, confirmAction } from "../ui.js";
import { namespace as currentNs, setNamespace } from "../session.js";
import { editManifest } from "../resources.js";
import { nextRuns } from "../cron.js";

const EXAMPLE = `apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly
spec:
  schedules: ["0 2 * * *"]
  timezone: UTC
  concurrencyPolicy: Replace
  workflowSpec:
    entrypoint: main
    templates:
      - name: main
        container: {image: busybox, command: [echo, nightly]}
`;

/** Schedules of a CronWorkflow (Argo has `schedule` and, since 3.6, `schedules`). */
export function schedulesOf(cron) {
  const s = cron.spec || {};
  return [...(s.schedules || []), ...(s.schedule ? [s.schedule] : [])];
}

/** The next `count` runs over every schedule, soonest first; [] when suspended or unparsable. */
export function upcoming(cron, count = 3) {
  if (cron.spec?.suspend) return [];
  const runs = [];
  for (const schedule of schedulesOf(cron)) {
    try {
      runs.push(...nextRuns(schedule, { tz: cron.spec?.timezone || "", count, last: cron.status?.lastScheduledTime }));
    } catch {
      /* shown as-is */
    }
  }
  return runs.sort((a, b) => a - b).slice(0, count);
}

/** Suspend or resume button of a cron. */
export function suspendButton(ns, cron, after) {
  const suspended = !!cron.spec?.suspend;
  return h("button", { type: "button", onclick: async () => {
    const action = suspended ? "resume" : "suspend";
    const ok = await attempt(() => put(`/api/v1/cron-workflows/${enc(ns)}/${enc(cron.metadata.name)}/${action}`, { namespace: ns, name: cron.metadata.name }), `${action === "resume" ? "Resumed" : "Suspended"} ${cron.metadata.name}`);
    if (ok !== undefined) after();
  } }, suspended ? "Resume" : "Suspend");
}

export async function render(main, params) {
  const ns = params.namespace || currentNs();
  setNamespace(ns);
  const body = h("div");
  const load = async () => {
    try {
      const items = await getPaged(`/api/v1/cron-workflows/${enc(ns)}`);
      items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      replace(body, table([
        ["Name", (c) => link(`/cron-workflows/${enc(ns)}/${enc(c.metadata.name)}`, c.metadata.name)],
        ["Schedule", (c) => h("code", schedulesOf(c).join("  ·  ")), ],
        ["Timezone", (c) => c.spec?.timezone || "server"],
        ["Next runs", (c) => c.spec?.suspend ? h("span.badge.phase-suspended", "Suspended") : h("span", upcoming(c).map((d) => timeEl(d.toISOString())).flatMap((el, i) => (i ? [", ", el] : [el])))],
        ["Last run", (c) => timeEl(c.status?.lastScheduledTime)],
        ["Active", (c) => String((c.status?.active || []).length)],
        ["", (c) => h("span.row-actions", suspendButton(ns, c, load), " ",
          h("button.danger", { type: "button", onclick: async () => {
            if (!(await confirmAction(`Delete cron workflow ${c.metadata.name}?`, "Delete"))) return;
            if ((await attempt(() => del(`/api/v1/cron-workflows/${enc(ns)}/${enc(c.metadata.name)}`), `Deleted ${c.metadata.name}`)) !== undefined) load();
          } }, "Delete"))],
      ], items, { empty: `No cron workflows in ${ns}. Create one, or run \`argento cron create FILE\`.` }));
    } catch (err) {
      replace(body, errorBox(err));
    }
  };
  const create = () => editManifest("Create a cron workflow", EXAMPLE, async (doc) => {
    const created = await post(`/api/v1/cron-workflows/${enc(ns)}`, { namespace: ns, cronWorkflow: doc });
    load();
    return created;
  });
  replace(main,
    pageHeader("Cron workflows", { sub: ["namespace ", h("b", ns)], actions: [h("button.primary", { type: "button", onclick: create }, "+ Create")] }),
    body);
  await load();
  const timer = setInterval(load, 15000);
  return () => clearInterval(timer);
}

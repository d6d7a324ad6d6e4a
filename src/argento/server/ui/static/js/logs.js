// Logs of a pod (or of every pod of a workflow), streamed from Argo's log endpoint; "follow" keeps the
// stream open until the workflow ends. Lines are appended in batches, one per animation frame, and the view
// keeps the last MAX_LINES so a chatty step cannot exhaust the page. The server sends the lines of all pods
// in the order they were written; a line the step wrote to stderr (`"stream": "stderr"`) is marked.
import { h } from "./dom.js";
import { enc } from "./api.js";
import { streamOnce } from "./stream.js";

const MAX_LINES = 20000;

/** FNV-1a 32-bit of a string (Argo's node IDs and v2 pod names). */
export function fnv1a32(text) {
  let hash = 0x811c9dc5;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Argo's pod name of a Pod node (v2 naming: `<workflow>-<template>-<fnv32(node name)>`). */
export function podName(workflowName, node) {
  if (node.name === workflowName) return workflowName;
  const template = node.templateName || node.templateRef?.template;
  const prefix = template ? `${workflowName}-${template}` : workflowName;
  return `${prefix.slice(0, 242)}-${fnv1a32(node.name)}`;
}

/** A log viewer element streaming `/api/v1/workflows/{ns}/{name}/log`. */
export function logView(namespace, workflow, { pod = "", follow = true, container = "main", archived = false } = {}) {
  const pre = h("pre.logs", { tabIndex: 0, "aria-label": "Logs" });
  const status = h("span.muted");
  const followBox = h("input", { type: "checkbox", checked: follow });
  const stampBox = h("input", { type: "checkbox" });
  const grep = h("input.search", { type: "search", placeholder: "grep (regular expression)", spellcheck: false, "aria-label": "Filter log lines" });
  let controller = null;
  let pending = [];
  let lines = 0;
  let frame = 0;
  let stick = true;

  pre.addEventListener("scroll", () => {
    stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
  });
  const flush = () => {
    frame = 0;
    if (!pending.length) return;
    // runs of stdout lines are one text node; each stderr line is a marked span
    const fragment = document.createDocumentFragment();
    let run = "";
    for (const [text, stderr] of pending) {
      if (!stderr) {
        run += text;
        continue;
      }
      if (run) fragment.append(document.createTextNode(run));
      run = "";
      fragment.append(h("span.stderr", { title: "stderr" }, text));
    }
    if (run) fragment.append(document.createTextNode(run));
    pre.append(fragment);
    lines += pending.length;
    pending = [];
    if (lines > MAX_LINES) {
      // keep the tail: drop the oldest text nodes
      while (lines > MAX_LINES * 0.8 && pre.firstChild) {
        lines -= (pre.firstChild.textContent.match(/\n/g) || []).length;
        pre.firstChild.remove();
      }
    }
    if (stick) pre.scrollTop = pre.scrollHeight;
  };
  const start = async () => {
    controller?.abort();
    controller = new AbortController();
    pre.replaceChildren();
    lines = 0;
    status.textContent = followBox.checked ? "following…" : "loading…";
    const query = {
      podName: pod || undefined,
      "logOptions.container": container,
      "logOptions.follow": followBox.checked ? "true" : undefined,
      "logOptions.timestamps": stampBox.checked ? "true" : undefined,
      grep: grep.value || undefined,
    };
    const multi = !pod;
    let count = 0;
    try {
      await streamOnce(`/api/v1/workflows/${enc(namespace)}/${enc(workflow)}/log`, query, (entry) => {
        count++;
        pending.push([(multi ? `${entry.podName}: ` : "") + (entry.content ?? "") + "\n", entry.stream === "stderr"]);
        if (!frame) frame = requestAnimationFrame(flush);
      }, controller.signal);
      flush();
      status.textContent = count ? `${count} lines · end of log` : archived ? "No logs (archived workflow)." : "No log lines.";
    } catch (err) {
      if (err.name === "AbortError") return;
      flush();
      status.textContent = "Logs unavailable: " + err.message;
    }
  };
  followBox.addEventListener("change", start);
  stampBox.addEventListener("change", start);
  grep.addEventListener("change", start);
  const el = h("div.logview",
    h("div.logbar", h("label.check", followBox, " follow"), h("label.check", stampBox, " timestamps"), grep, status),
    pre);
  start();
  return { el, close: () => controller?.abort() };
}

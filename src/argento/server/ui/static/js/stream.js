// Server streams (Argo's watch and log endpoints) read as Server-Sent Events with fetch(), so the cookie is
// sent, a 401 is seen (EventSource hides it) and a stream can be aborted. A watch reconnects with backoff;
// after repeated failures it tells the caller to fall back to polling.
import { raw } from "./api.js";

/** Read an SSE response body, calling onData(parsed JSON of each `data:`), until it ends or is aborted. */
async function readEvents(resp, onData) {
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let data = "";
      let type = "message";
      for (const line of block.split("\n")) {
        if (line.startsWith("data:")) data += line.slice(line[5] === " " ? 6 : 5);
        else if (line.startsWith("event:")) type = line.slice(6).trim();
      }
      if (!data) continue; // heartbeat comment
      const parsed = JSON.parse(data);
      if (type === "error" || parsed.error) throw new Error(parsed.error?.message || "stream error");
      onData(parsed.result ?? parsed);
    }
  }
}

/** One stream: resolves when the server ends it. */
export async function streamOnce(path, query, onResult, signal, onOpen = () => {}) {
  const resp = await raw("GET", path, { query, signal, headers: { Accept: "text/event-stream" } });
  onOpen();
  await readEvents(resp, onResult);
}

/**
 * Watch a stream for as long as the page wants it: reconnects (1 s, 2 s, … 10 s) when it drops.
 * `onStatus("live" | "reconnecting" | "polling")`; after 3 failures in a row without a single event the
 * caller is told "polling" and `onFallback()` is called (the page then polls), and the watch keeps retrying
 * in the background every 10 s.
 */
export function watch(path, query, onResult, { onStatus = () => {}, onFallback = () => {} } = {}) {
  const controller = new AbortController();
  let failures = 0;
  let stopped = false;
  (async () => {
    while (!stopped) {
      let got = false;
      try {
        onStatus(failures ? "reconnecting" : "connecting");
        await streamOnce(
          path,
          typeof query === "function" ? query() : query,
          (result) => {
            got = true;
            onResult(result);
          },
          controller.signal,
          () => {
            failures = 0;
            onStatus("live");
          },
        );
      } catch (err) {
        if (stopped || err.name === "AbortError") return;
        if (err.status === 401 || err.status === 403) return;
      }
      if (stopped) return;
      if (!got) failures++;
      got = false;
      if (failures === 3) {
        onStatus("polling");
        onFallback();
      }
      await new Promise((r) => setTimeout(r, Math.min(10000, 1000 * 2 ** Math.min(failures, 4))));
    }
  })();
  return {
    close() {
      stopped = true;
      controller.abort();
    },
  };
}

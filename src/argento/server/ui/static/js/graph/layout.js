// Layered left-to-right layout (Sugiyama-lite), linear-ish in the graph size so 5,000 nodes lay out in tens
// of milliseconds:
//   1. layers by longest path from the sources (Kahn's order; a cycle, which Argo never produces, is cut);
//   2. order inside a layer by a DFS from the roots, then barycenter sweeps (down by predecessors, up by
//      successors) to untangle crossings;
//   3. y: each node wants the mean y of its predecessors; a layer is packed in order without overlap and
//      shifted as a whole to sit on its predecessors' centre;
//   4. x: layers side by side, each as wide as its widest node.

export const GAP_X = 56;
export const GAP_Y = 14;
const SWEEPS = 4;

/**
 * @param {number} n  node count
 * @param {[number, number][]} edges
 * @param {(i: number) => {w: number, h: number}} size
 * @returns {{x: Float64Array, y: Float64Array, w: Float64Array, h: Float64Array, layer: Int32Array, width: number, height: number}}
 */
export function layout(n, edges, size) {
  const w = new Float64Array(n);
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = size(i);
    w[i] = s.w;
    h[i] = s.h;
  }
  const succ = Array.from({ length: n }, () => []);
  const pred = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) {
    succ[a].push(b);
    pred[b].push(a);
  }

  // 1. longest-path layering over a topological order.
  const indeg = new Int32Array(n);
  for (const [, b] of edges) indeg[b]++;
  const order = [];
  for (let i = 0; i < n; i++) if (!indeg[i]) order.push(i);
  const layer = new Int32Array(n);
  const placed = new Uint8Array(n);
  for (let k = 0; k < order.length || order.length < n; k++) {
    if (k === order.length) {
      // a cycle: take the first node not placed yet
      let i = 0;
      while (placed[i]) i++;
      indeg[i] = 0;
      order.push(i);
    }
    const v = order[k];
    placed[v] = 1;
    for (const s of succ[v]) {
      if (placed[s]) continue;
      if (layer[v] + 1 > layer[s]) layer[s] = layer[v] + 1;
      if (--indeg[s] === 0) order.push(s);
    }
  }
  let depth = 0;
  for (let i = 0; i < n; i++) if (layer[i] > depth) depth = layer[i];
  // Pull sources right, next to their first successor, so a late root is not stranded in layer 0.
  for (let i = 0; i < n; i++) {
    if (!pred[i].length && succ[i].length) {
      let min = Infinity;
      for (const s of succ[i]) if (layer[s] < min) min = layer[s];
      layer[i] = Math.max(0, min - 1);
    }
  }

  // 2. initial order: DFS from the roots in input order.
  const layers = Array.from({ length: depth + 1 }, () => []);
  const visited = new Uint8Array(n);
  const stack = [];
  for (let r = 0; r < n; r++) {
    if (pred[r].length || visited[r]) continue;
    stack.push(r);
    while (stack.length) {
      const v = stack.pop();
      if (visited[v]) continue;
      visited[v] = 1;
      layers[layer[v]].push(v);
      for (let j = succ[v].length - 1; j >= 0; j--) if (!visited[succ[v][j]]) stack.push(succ[v][j]);
    }
  }
  for (let i = 0; i < n; i++) if (!visited[i]) layers[layer[i]].push(i);

  const pos = new Float64Array(n);
  const setPos = (L) => L.forEach((v, i) => { pos[v] = i / Math.max(1, L.length - 1); });
  layers.forEach(setPos);
  const key = new Float64Array(n);
  const sweep = (L, neighbours) => {
    for (const v of L) {
      const ns = neighbours[v];
      if (!ns.length) {
        key[v] = pos[v];
        continue;
      }
      let sum = 0;
      for (const u of ns) sum += pos[u];
      key[v] = sum / ns.length;
    }
    L.sort((a, b) => key[a] - key[b] || pos[a] - pos[b]);
    setPos(L);
  };
  for (let it = 0; it < SWEEPS; it++) {
    for (let l = 1; l <= depth; l++) sweep(layers[l], pred);
    for (let l = depth - 1; l >= 0; l--) sweep(layers[l], succ);
  }

  // 3. y by predecessors' centre, packed without overlap.
  const y = new Float64Array(n);
  for (let l = 0; l <= depth; l++) {
    const L = layers[l];
    if (!L.length) continue;
    let shiftSum = 0;
    let wanted = 0;
    let prevBottom = -Infinity;
    for (const v of L) {
      let desired;
      if (pred[v].length) {
        let sum = 0;
        for (const u of pred[v]) sum += y[u];
        desired = sum / pred[v].length;
      } else {
        desired = prevBottom === -Infinity ? 0 : prevBottom + GAP_Y + h[v] / 2;
      }
      const top = Math.max(desired - h[v] / 2, prevBottom === -Infinity ? -Infinity : prevBottom + GAP_Y);
      y[v] = top + h[v] / 2;
      prevBottom = top + h[v];
      if (pred[v].length) {
        shiftSum += desired - y[v];
        wanted++;
      }
    }
    if (wanted) {
      const shift = shiftSum / wanted;
      for (const v of L) y[v] += shift;
    }
  }

  // 4. x by layer.
  const x = new Float64Array(n);
  let left = 0;
  for (let l = 0; l <= depth; l++) {
    let width = 0;
    for (const v of layers[l]) if (w[v] > width) width = w[v];
    for (const v of layers[l]) x[v] = left + (width - w[v]) / 2;
    left += width + GAP_X;
  }

  // Normalise to start at (0, 0).
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minY = Math.min(minY, y[i] - h[i] / 2);
    maxY = Math.max(maxY, y[i] + h[i] / 2);
  }
  for (let i = 0; i < n; i++) y[i] -= minY + h[i] / 2; // y becomes the top edge
  return { x, y, w, h, layer, width: Math.max(0, left - GAP_X), height: n ? maxY - minY : 0 };
}

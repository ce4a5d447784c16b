/**
 * What two V8 heap snapshots of one process (bench/heap-probe.ts takes them) differ by, per unit
 * of load. Objects are matched by their snapshot id (stable within a process), and each object
 * that is new in AFTER is grouped by what it is: a closure by its function and source line, a
 * context by the variables it holds, an object by its constructor and first properties, a string
 * or array by what holds it. Prints count and self size per unit, largest first.
 *
 *   node --import tsx bench/heap-diff.ts BEFORE AFTER [per=1] [top=60]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]]; location_fields: string[] } };
  nodes: number[];
  edges: number[];
  locations: number[];
  strings: string[];
}

function load(file: string): Snapshot {
  return JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
}

const [beforeFile, afterFile, perArg, topArg] = process.argv.slice(2);
const per = Number(perArg ?? 1);
const top = Number(topArg ?? 60);

const beforeIds = new Set<number>();
{
  const b = load(beforeFile);
  const w = b.snapshot.meta.node_fields.length;
  const iId = b.snapshot.meta.node_fields.indexOf('id');
  for (let i = 0; i < b.nodes.length; i += w) beforeIds.add(b.nodes[i + iId]);
}

const s = load(afterFile);
const nf = s.snapshot.meta.node_fields;
const ef = s.snapshot.meta.edge_fields;
const W = nf.length;
const EW = ef.length;
const nodeTypes = s.snapshot.meta.node_types[0];
const edgeTypes = s.snapshot.meta.edge_types[0];
const [iType, iName, iId, iSize, iEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => nf.indexOf(f));
const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f));
const count = s.nodes.length / W;
const firstEdge = new Uint32Array(count + 1);
for (let n = 0, e = 0; n < count; n++) {
  firstEdge[n] = e;
  e += s.nodes[n * W + iEdges] * EW;
  firstEdge[n + 1] = e;
}
const type = (n: number) => nodeTypes[s.nodes[n * W + iType]];
const name = (n: number) => s.strings[s.nodes[n * W + iName]];
const edgeName = (e: number) => {
  const t = edgeTypes[s.edges[e + eType]];
  return t === 'element' || t === 'hidden' ? `[${s.edges[e + eName]}]` : s.strings[s.edges[e + eName]];
};
function* edgesOf(n: number): Generator<{ t: string; name: string; to: number }> {
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EW) yield { t: edgeTypes[s.edges[e + eType]], name: edgeName(e), to: s.edges[e + eTo] / W };
}
const isNew = new Uint8Array(count);
for (let n = 0; n < count; n++) if (!beforeIds.has(s.nodes[n * W + iId])) isNew[n] = 1;

// One retainer per new node (a strong edge, from any node), to say what holds strings and arrays.
const retainer = new Int32Array(count).fill(-1);
const retainerEdge = new Array<string>(count);
for (let n = 0; n < count; n++) {
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EW) {
    const to = s.edges[e + eTo] / W;
    const t = edgeTypes[s.edges[e + eType]];
    if (!isNew[to] || retainer[to] !== -1 || t === 'weak' || t === 'shortcut') continue;
    retainer[to] = n;
    retainerEdge[to] = edgeName(e);
  }
}

// Closures' source lines.
const line = new Map<number, string>();
{
  const lf = s.snapshot.meta.location_fields;
  const LW = lf.length;
  const [lObj, lLine] = ['object_index', 'line'].map((f) => lf.indexOf(f));
  for (let i = 0; i < s.locations.length; i += LW) line.set(s.locations[i + lObj] / W, String(s.locations[i + lLine] + 1));
}
function scriptOf(closure: number): string {
  for (const e of edgesOf(closure)) {
    if (e.name !== 'shared') continue;
    for (const f of edgesOf(e.to)) {
      if (f.name !== 'script') continue;
      for (const g of edgesOf(f.to))
        if (g.name === 'name')
          return name(g.to)
            .replace(/^.*\/node_modules\//, '')
            .replace(/^.*\/(frontend|packages)\//, '$1/');
    }
  }
  return '?';
}
const short = (x: string) => (x.length > 140 ? `${x.slice(0, 140)}…` : x);
function describe(n: number): string {
  const t = type(n);
  if (t === 'closure') {
    const where = scriptOf(n);
    if (where !== '?') return `closure ${name(n) || '(anon)'} @ ${where}:${line.get(n) ?? '?'}`;
  }
  if (t === 'object' && name(n) === 'Generator') {
    const fn = [...edgesOf(n)].find((e) => e.name === 'function');
    return `Generator of ${fn ? describe(fn.to) : '?'}`;
  }
  if (t === 'object' && name(n) === 'system / Context') {
    const vars = [...edgesOf(n)].filter((e) => e.t === 'context').map((e) => e.name);
    return `context {${vars.join(', ')}}`;
  }
  if (t === 'object' && (name(n) === 'Promise' || name(n) === 'system / PromiseReaction'))
    return `${name(n)} in ${short(describeHolder(retainer[n] === -1 ? n : retainer[n]))}.${retainerEdge[n]}`;
  if (t === 'object' || t === 'native') {
    const props = [...edgesOf(n)].filter((e) => e.t === 'property').map((e) => e.name);
    return `${t} ${name(n)}${name(n) === 'Object' || name(n) === 'Array' ? ` {${props.slice(0, 6).join(', ')}}` : ''}`;
  }
  const r = retainer[n];
  const holder = r === -1 ? 'nothing' : `${type(r) === 'object' || type(r) === 'closure' ? describeHolder(r) : type(r)}.${retainerEdge[n]}`;
  if (t === 'string' || t === 'concatenated string' || t === 'sliced string') return `string in ${short(holder)}`;
  return `(${t}) ${name(n).slice(0, 30)} in ${short(holder)}`;
}

/** A holder, one level: closures and generators by function, contexts by variables, others by constructor. */
function describeHolder(n: number, depth = 0): string {
  const t = type(n);
  if (t === 'closure') return `closure ${name(n) || '(anon)'} @ ${scriptOf(n)}:${line.get(n) ?? '?'}`;
  if (name(n) === 'Generator') {
    const fn = [...edgesOf(n)].find((e) => e.name === 'function');
    return `Generator(${fn ? describeHolder(fn.to) : '?'})`;
  }
  if (name(n) === 'system / Context')
    return `context {${[...edgesOf(n)]
      .filter((e) => e.t === 'context')
      .map((e) => e.name)
      .join(', ')}}`;
  const r = retainer[n];
  if (depth < 2 && r !== -1 && (name(n) === 'Promise' || name(n).startsWith('system /') || name(n) === 'Object' || name(n) === 'Array'))
    return `${name(n)}<${describeHolder(r, depth + 1)}.${retainerEdge[n]}>`;
  return name(n);
}

// RETAINERS=<substring>: every edge into the first new object matching it.
if (process.env.RETAINERS) {
  let target = -1;
  for (let n = 0; n < count && target === -1; n++) if (isNew[n] && describe(n).includes(process.env.RETAINERS)) target = n;
  for (let n = 0; n < count; n++) for (const e of edgesOf(n)) if (e.to === target) console.log(`retained by ${e.t} .${e.name} of ${short(describeHolder(n))}`);
}

const groups = new Map<string, { count: number; size: number }>();
let total = 0;
for (let n = 0; n < count; n++) {
  if (!isNew[n]) continue;
  const key = describe(n);
  const g = groups.get(key) ?? { count: 0, size: 0 };
  g.count++;
  g.size += s.nodes[n * W + iSize];
  total += s.nodes[n * W + iSize];
  groups.set(key, g);
}
const rows = [...groups].sort((a, b) => b[1].size - a[1].size);
console.log(`new objects' self size per unit: ${(total / per / 1024).toFixed(2)} KB`);
for (const [key, g] of rows.slice(0, top)) console.log(`${(g.size / per).toFixed(0).padStart(6)} B ${(g.count / per).toFixed(2).padStart(6)}×  ${key}`);

// Dominator tree (Cooper, Harvey and Kennedy's iterative algorithm over strong edges from the
// root), then the new objects' retained sizes: each new subtree hanging from an old object, by
// what its top object is, and one level below it.
{
  const order = new Int32Array(count).fill(-1); // post-order number
  const byOrder = new Int32Array(count);
  let k = 0;
  const stack: number[] = [0];
  const edgeAt = new Uint32Array(count);
  const seen = new Uint8Array(count);
  seen[0] = 1;
  for (let n = 0; n < count; n++) edgeAt[n] = firstEdge[n];
  const strong = (e: number) => {
    const t = edgeTypes[s.edges[e + eType]];
    return t !== 'weak' && t !== 'shortcut';
  };
  while (stack.length) {
    const n = stack[stack.length - 1];
    if (edgeAt[n] < firstEdge[n + 1]) {
      const e = edgeAt[n];
      edgeAt[n] += EW;
      const to = s.edges[e + eTo] / W;
      if (strong(e) && !seen[to]) {
        seen[to] = 1;
        stack.push(to);
      }
    } else {
      stack.pop();
      order[n] = k;
      byOrder[k++] = n;
    }
  }
  // Predecessors (strong edges from reachable nodes).
  const predCount = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) {
    if (order[n] < 0) continue;
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EW) if (strong(e)) predCount[s.edges[e + eTo] / W + 1]++;
  }
  for (let n = 0; n < count; n++) predCount[n + 1] += predCount[n];
  const preds = new Uint32Array(predCount[count]);
  const fill = predCount.slice();
  for (let n = 0; n < count; n++) {
    if (order[n] < 0) continue;
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EW) if (strong(e)) preds[fill[s.edges[e + eTo] / W]++] = n;
  }
  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (order[a] < order[b]) a = idom[a];
      while (order[b] < order[a]) b = idom[b];
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = k - 2; i >= 0; i--) {
      const n = byOrder[i];
      let d = -1;
      for (let p = predCount[n]; p < predCount[n + 1]; p++) {
        const q = preds[p];
        if (idom[q] === -1 || order[q] < 0) continue;
        d = d === -1 ? q : intersect(q, d);
      }
      if (d !== -1 && idom[n] !== d) {
        idom[n] = d;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(count);
  for (let i = 0; i < k; i++) {
    const n = byOrder[i];
    retained[n] += s.nodes[n * W + iSize];
    if (n !== 0) retained[idom[n]] += retained[n];
  }
  const tops = new Map<string, { count: number; size: number; children: Map<string, { count: number; size: number }> }>();
  let sum = 0;
  for (let n = 0; n < count; n++) {
    if (!isNew[n] || order[n] < 0 || isNew[idom[n]]) continue;
    const holder = idom[n];
    const key = `${describe(n)}  <- ${short(describeHolder(holder))}`;
    const g = tops.get(key) ?? { count: 0, size: 0, children: new Map() };
    g.count++;
    g.size += retained[n];
    sum += retained[n];
    tops.set(key, g);
  }
  // Children one level down of the biggest groups.
  const childOf = new Map<number, number[]>();
  for (let n = 0; n < count; n++) if (isNew[n] && order[n] >= 0 && isNew[idom[n]]) (childOf.get(idom[n]) ?? childOf.set(idom[n], []).get(idom[n])!).push(n);
  for (let n = 0; n < count; n++) {
    if (!isNew[n] || order[n] < 0 || isNew[idom[n]]) continue;
    const g = tops.get(`${describe(n)}  <- ${short(describeHolder(idom[n]))}`)!;
    for (const c of childOf.get(n) ?? []) {
      const ck = describe(c);
      const cg = g.children.get(ck) ?? { count: 0, size: 0 };
      cg.count++;
      cg.size += retained[c];
      g.children.set(ck, cg);
    }
  }
  // DRILL=<substring>: one instance of the first matching top object, its dominator subtree to depth 5.
  const drill = process.env.DRILL;
  if (drill) {
    // The largest instance (DRILL_NTH=k: the k-th largest).
    const matches = [...Array(count).keys()]
      .filter((n) => isNew[n] && order[n] >= 0 && !isNew[idom[n]] && describe(n).includes(drill))
      .sort((a, b) => retained[b] - retained[a]);
    const first = matches[Number(process.env.DRILL_NTH ?? 0)];
    const print = (n: number, depth: number, via: string) => {
      console.log(`${'  '.repeat(depth)}${retained[n].toFixed(0)} B  ${via} ${describe(n)}`);
      if (depth >= Number(process.env.DEPTH ?? 6)) return;
      const kids = (childOf.get(n) ?? []).sort((a, b) => retained[b] - retained[a]);
      for (const c of kids.slice(0, 8)) {
        const e = [...edgesOf(n)].find((x) => x.to === c);
        if (retained[c] >= 40) print(c, depth + 1, e ? `.${e.name}` : '(indirect)');
      }
    };
    if (first !== undefined) print(first, 0, '');
  }
  console.log(`\nretained by new subtrees per unit: ${(sum / per / 1024).toFixed(2)} KB`);
  for (const [key, g] of [...tops].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    console.log(`${(g.size / per).toFixed(0).padStart(6)} B ${(g.count / per).toFixed(2).padStart(6)}×  ${key}`);
    for (const [ck, cg] of [...g.children].sort((a, b) => b[1].size - a[1].size).slice(0, 12))
      if (cg.size / per >= 40) console.log(`        ${(cg.size / per).toFixed(0).padStart(6)} B ${(cg.count / per).toFixed(2).padStart(6)}×  ${ck}`);
  }
}

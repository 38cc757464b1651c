/**
 * Layout speed of the panel's lineage: the layered layout (src/graph/layout.ts, with sibling
 * clustering) against dagre (dagre-d3-es, what the panel used before) on the same generated
 * lineages (chains, sweeps of 20-50 siblings, merges), in one run. Prints medians of 5.
 *
 *     jlpm bench:layout
 */
import { layout as dagreLayout } from 'dagre-d3-es/src/dagre/index.js';
import { Graph } from 'dagre-d3-es/src/graphlib/index.js';

import { generateLineage } from '../src/__tests__/generateLineage';
import { computeLayout, lineageToLayoutInput } from '../src/graph/layout';
import { buildLineageView, layoutLineageView } from '../src/graph/lineageView';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, runs: number): number {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

function dagre(payload: ReturnType<typeof generateLineage>): void {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 40 });
  for (const n of lineageToLayoutInput(payload).nodes) {
    g.setNode(n.id, { width: 196, height: 68 });
  }
  payload.edges.forEach((e, i) => g.setEdge(e.parent, e.child, { width: 0, height: 0 }, String(i)));
  dagreLayout(g, {});
}

const none = {
  filter: { text: '' },
  collapsed: new Set<string>(),
  expanded: new Set<string>(),
  keep: new Set<string>()
};
console.log('versions  drawn  layered+clusters  layered(all)  dagre(all)  dagre/layered');
for (const count of [500, 1000, 10000]) {
  const payload = generateLineage(count, 7);
  const view = buildLineageView(payload, none);
  const runs = count > 1000 ? 3 : 5;
  const clustered = time(() => layoutLineageView(buildLineageView(payload, none)), runs);
  const all = time(() => computeLayout(lineageToLayoutInput(payload)), runs);
  const d = count <= 1000 ? time(() => dagre(payload), count > 500 ? 1 : 3) : NaN;
  console.log(
    `${String(count).padStart(8)}  ${String(view.nodes.length).padStart(5)}  ${clustered.toFixed(1).padStart(13)} ms` +
      `  ${all.toFixed(1).padStart(9)} ms  ${Number.isNaN(d) ? '   (skipped)' : d.toFixed(0).padStart(8) + ' ms'}` +
      `  ${Number.isNaN(d) ? '' : (d / all).toFixed(0) + 'x'}`
  );
}

/**
 * Unit tests of the view state (clusters, collapse, filter), the layered layout at scale,
 * selection, arrow navigation and viewport arithmetic: pure modules, no DOM.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { computeLayout, longestPathRanks, treeColumns } from '../graph/layout';
import {
  buildLineageView,
  clusterId,
  filterPredicate,
  IViewState,
  layoutLineageView,
  NODE_HEIGHT
} from '../graph/lineageView';
import { neighbour } from '../graph/navigation';
import { clickSelection, pruneSelection } from '../graph/selection';
import { centerOn, fitTransform, isInView, panBy, visibleRect, zoomAt } from '../graph/viewport';
import { IGraphNode, IGraphPayload, IParentRef, Relation } from '../tokens';
import { generateLineage } from './generateLineage';

function v(
  id: string,
  parents: [string, Relation][] = [],
  extra: Partial<IGraphNode> = {}
): IGraphNode {
  const refs: IParentRef[] = parents.map(([p, relation]) => ({ id: p, name: p, relation }));
  return {
    id,
    name: id,
    model_type: 'mlm',
    parents: refs,
    relation: refs[0]?.relation ?? null,
    created: '2026-12-01T00:00:00Z',
    author: 't',
    message: '',
    tags: [],
    num_parameters: 1,
    num_tensors: 1,
    stored_bytes: 1,
    raw_bytes: 1,
    test_status: 'none',
    lossy: false,
    ...extra
  };
}

function payloadOf(nodes: IGraphNode[]): IGraphPayload {
  return {
    revision: 1,
    nodes,
    edges: nodes.flatMap(n =>
      n.parents.map(p => ({ parent: p.id, child: n.id, relation: p.relation }))
    )
  };
}

const none: IViewState = {
  filter: { text: '' },
  collapsed: new Set(),
  expanded: new Set(),
  keep: new Set()
};

// base -> ft -> {s0..s9 leaves}, ft -> deep -> deeper; base -> v2 (tag best, fails tests)
const sweep = Array.from({ length: 10 }, (_, i) => v(`s${i}`, [['ft', 'finetune']]));
const family = payloadOf([
  v('base'),
  v('ft', [['base', 'finetune']], { model_type: 'classifier' }),
  ...sweep,
  v('deep', [['ft', 'prune']]),
  v('deeper', [['deep', 'quantize']]),
  v('v2', [['base', 'version']], { tags: ['best'], test_status: 'fail' })
]);

describe('buildLineageView', () => {
  it('clusters a sweep of leaf siblings into one node with one edge', () => {
    const view = buildLineageView(family, none);
    const cluster = view.nodes.find(n => n.kind === 'cluster')!;
    assert.equal(cluster.id, clusterId('ft'));
    assert.deepEqual(
      cluster.members,
      sweep.map(s => s.id)
    );
    assert.equal(view.nodes.length, 5 + 1);
    assert.equal(view.edges.filter(e => e.target === cluster.id).length, 1);
    assert.equal(view.clusterOf.get('s3'), cluster.id);
  });

  it('expands a cluster, keeps selected and matching versions out of it', () => {
    assert.equal(
      buildLineageView(family, { ...none, expanded: new Set([clusterId('ft')]) }).nodes.length,
      15
    );
    const kept = buildLineageView(family, { ...none, keep: new Set(['s4']) });
    assert.ok(kept.nodes.some(n => n.id === 's4'));
    assert.equal(kept.nodes.find(n => n.kind === 'cluster')!.members.length, 9);
    const small = payloadOf([
      v('a'),
      ...Array.from({ length: 6 }, (_, i) => v(`c${i}`, [['a', 'finetune']]))
    ]);
    assert.equal(buildLineageView(small, none).nodes.filter(n => n.kind === 'cluster').length, 0);
  });

  it('collapses a subtree and counts what it hides', () => {
    const view = buildLineageView(family, { ...none, collapsed: new Set(['ft']) });
    assert.deepEqual(
      view.nodes.map(n => n.id),
      ['base', 'ft', 'v2']
    );
    assert.equal(view.nodes.find(n => n.id === 'ft')!.hidden, 12);
    assert.deepEqual(
      view.edges.map(e => e.target),
      ['ft', 'v2']
    );
  });

  it('dims what the filter does not match and lists the matches', () => {
    const view = buildLineageView(family, { ...none, filter: { text: 'tag:best' } });
    assert.deepEqual(view.matches, ['v2']);
    assert.equal(view.nodes.find(n => n.id === 'v2')!.match, true);
    assert.equal(view.nodes.find(n => n.id === 'base')!.match, false);
    assert.deepEqual(buildLineageView(family, { ...none, filter: { text: 'test:fail' } }).matches, [
      'v2'
    ]);
    assert.deepEqual(
      buildLineageView(family, { ...none, filter: { text: 'type:class' } }).matches,
      ['ft']
    );
    assert.deepEqual(buildLineageView(family, { ...none, filter: { text: 'DEEP' } }).matches, [
      'deep',
      'deeper'
    ]);
    assert.equal(filterPredicate({ text: '  ' }), null);
  });

  it('lays every node out at one readable size', () => {
    const layout = layoutLineageView(buildLineageView(family, none));
    assert.ok(layout.nodes.every(n => n.height === NODE_HEIGHT));
  });
});

describe('layered layout', () => {
  it('ranks by longest path (a merge goes below both parents)', () => {
    // 0 -> 1 -> 2, 0 -> 3, {2, 3} -> 4
    assert.deepEqual(longestPathRanks(5, [[], [0], [1], [0], [2, 3]]), [0, 1, 2, 1, 3]);
  });

  it('gives subtrees disjoint columns, parents centred over children', () => {
    // 0 -> {1, 2}; 1 -> {3, 4}
    const cols = treeColumns([-1, 0, 0, 1, 1]);
    assert.deepEqual(cols, [1.25, 0.5, 2, 0, 1]);
  });

  it('keeps 1,000 and 10,000 generated versions apart, parents above children, quickly', () => {
    for (const count of [1000, 10000]) {
      const payload = generateLineage(count, 7);
      assert.equal(payload.nodes.length, count);
      const t0 = Date.now();
      const view = buildLineageView(payload, none);
      const layout = layoutLineageView(view);
      const ms = Date.now() - t0;
      assert.ok(ms < 2000, `${count} versions laid out in ${ms} ms`);
      const at = new Map(layout.nodes.map(n => [n.id, n]));
      for (const e of layout.edges) {
        assert.ok(at.get(e.source)!.y < at.get(e.target)!.y, 'edges go down');
      }
      const seen = new Set<string>();
      for (const n of layout.nodes) {
        const key = `${n.x},${n.y}`;
        assert.ok(!seen.has(key), 'no two nodes share a place');
        seen.add(key);
      }
      // clustering keeps sweeps from widening the drawing
      assert.ok(view.nodes.length < count * 0.7, `${view.nodes.length} drawn of ${count}`);
    }
  });

  it('survives a 10,000-long chain (no recursion)', () => {
    const nodes = [{ id: 'n0', label: 'n0' }];
    const edges = [];
    for (let i = 1; i < 10000; i++) {
      nodes.push({ id: `n${i}`, label: `n${i}` });
      edges.push({ source: `n${i - 1}`, target: `n${i}` });
    }
    const layout = computeLayout({ nodes, edges });
    assert.equal(layout.nodes[9999].rank, 9999);
    assert.equal(layout.nodes[9999].x, layout.nodes[0].x);
  });
});

describe('selection', () => {
  it('click replaces, modifier-click adds a second or removes', () => {
    assert.deepEqual(clickSelection(['a'], 'b', false), ['b']);
    assert.deepEqual(clickSelection(['a'], 'b', true), ['a', 'b']);
    assert.deepEqual(clickSelection(['a', 'b'], 'c', true), ['a', 'c']);
    assert.deepEqual(clickSelection(['a', 'b'], 'b', true), ['a']);
    assert.deepEqual(clickSelection([], 'x', true), ['x']);
    assert.deepEqual(
      pruneSelection(['a', 'gone'], id => id === 'a'),
      ['a']
    );
  });
});

describe('arrow navigation', () => {
  const layout = layoutLineageView(
    buildLineageView(family, { ...none, expanded: new Set([clusterId('ft')]) })
  );
  it('moves to parents, children and rank neighbours', () => {
    assert.equal(neighbour(layout, 'ft', 'up'), 'base');
    assert.equal(neighbour(layout, 'deep', 'down'), 'deeper');
    const down = neighbour(layout, 'base', 'down');
    assert.ok(down === 'ft' || down === 'v2');
    assert.equal(neighbour(layout, 'ft', 'right'), 'v2');
    assert.equal(neighbour(layout, 'v2', 'left'), 'ft');
    assert.equal(neighbour(layout, 'base', 'up'), null);
    assert.equal(neighbour(layout, 'missing', 'up'), 'base');
  });
});

describe('viewport', () => {
  it('zooms about a fixed point and pans', () => {
    const t = zoomAt({ x: 0, y: 0, k: 1 }, 2, 100, 50);
    assert.deepEqual(t, { k: 2, x: -100, y: -50 });
    assert.deepEqual(panBy(t, 5, -5), { k: 2, x: -95, y: -55 });
    assert.equal(zoomAt(t, 1e6, 0, 0).k, 3); // clamped
  });

  it('fits without magnifying, centres and reports the visible rectangle', () => {
    const view = { width: 400, height: 300 };
    const fit = fitTransform({ x: 0, y: 0, width: 4000, height: 100 }, view, 0);
    assert.equal(fit.k, 0.1);
    assert.equal(fitTransform({ x: 0, y: 0, width: 10, height: 10 }, view).k, 1);
    const c = centerOn({ x: 0, y: 0, k: 2 }, 50, 50, view);
    assert.deepEqual(c, { k: 2, x: 100, y: 50 });
    const r = visibleRect(c, view);
    assert.deepEqual(r, { x: -50, y: -25, width: 200, height: 150 });
    assert.ok(isInView(c, view, { x: 40, y: 40, width: 20, height: 20 }));
    assert.ok(!isInView(c, view, { x: 200, y: 40, width: 20, height: 20 }));
  });
});

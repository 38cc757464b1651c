/**
 * Unit tests of the pure layout module (no DOM): run by `jlpm test` with node's test runner
 * on an esbuild bundle.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { computeLayout, estimateNodeSize, lineageToLayoutInput } from '../graph/layout';
import { IGraphNode, IGraphPayload, IParentRef } from '../tokens';

function node(
  id: string,
  name: string,
  model_type: string | null,
  parents: IParentRef[] = []
): IGraphNode {
  return {
    id,
    name,
    model_type,
    parents,
    relation: parents.length ? parents[0].relation : null,
    created: '2026-11-22T00:00:00Z',
    author: 'test',
    message: '',
    tags: [],
    num_parameters: 10,
    num_tensors: 2,
    stored_bytes: 20,
    raw_bytes: 40,
    test_status: 'none',
    lossy: false
  };
}

const payload: IGraphPayload = {
  revision: 3,
  nodes: [
    node('a', 'base-model', 'mlm'),
    node('b', 'fine-tuned', 'classifier', [{ id: 'a', name: 'base-model', relation: 'finetune' }]),
    node('c', 'quantized-int8', null, [{ id: 'b', name: 'fine-tuned', relation: 'quantize' }]),
    node('d', 'merged', 'classifier', [
      { id: 'b', name: 'fine-tuned', relation: 'merge' },
      { id: 'c', name: 'quantized-int8', relation: 'merge' }
    ])
  ],
  edges: [
    { parent: 'a', child: 'b', relation: 'finetune' },
    { parent: 'b', child: 'c', relation: 'quantize' },
    { parent: 'b', child: 'd', relation: 'merge' },
    { parent: 'c', child: 'd', relation: 'merge' }
  ]
};

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map(item => [item.id, item]));
}

describe('lineageToLayoutInput', () => {
  it('maps versions to labelled nodes and edges to relation-labelled edges', () => {
    const input = lineageToLayoutInput(payload);
    assert.deepEqual(
      input.nodes.map(n => [n.id, n.label, n.sublabel]),
      [
        ['a', 'base-model', 'mlm'],
        ['b', 'fine-tuned', 'classifier'],
        ['c', 'quantized-int8', undefined],
        ['d', 'merged', 'classifier']
      ]
    );
    assert.deepEqual(input.edges[0], { source: 'a', target: 'b', label: 'finetune' });
    assert.equal(input.edges.length, 4);
  });
});

describe('computeLayout', () => {
  const layout = computeLayout(lineageToLayoutInput(payload));
  const nodes = byId(layout.nodes);

  it('places every node and routes every edge', () => {
    assert.equal(layout.nodes.length, 4);
    assert.equal(layout.edges.length, 4);
    for (const edge of layout.edges) {
      assert.ok(edge.points.length >= 2, `edge ${edge.source}->${edge.target} has a route`);
    }
  });

  it('puts parents above children (top-bottom ranks)', () => {
    for (const edge of payload.edges) {
      const parent = nodes.get(edge.parent)!;
      const child = nodes.get(edge.child)!;
      assert.ok(parent.y < child.y, `${edge.parent} above ${edge.child}`);
    }
  });

  it('keeps nodes inside the drawing and apart from each other', () => {
    for (const n of layout.nodes) {
      assert.ok(n.x - n.width / 2 >= 0 && n.x + n.width / 2 <= layout.width, `${n.id} fits x`);
      assert.ok(n.y - n.height / 2 >= 0 && n.y + n.height / 2 <= layout.height, `${n.id} fits y`);
    }
    const list = layout.nodes;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i];
        const b = list[j];
        const apart =
          Math.abs(a.x - b.x) >= (a.width + b.width) / 2 ||
          Math.abs(a.y - b.y) >= (a.height + b.height) / 2;
        assert.ok(apart, `${a.id} and ${b.id} do not overlap`);
      }
    }
  });

  it('starts each edge at its source and ends it at its target', () => {
    for (const edge of layout.edges) {
      const source = nodes.get(edge.source)!;
      const target = nodes.get(edge.target)!;
      const first = edge.points[0];
      const last = edge.points[edge.points.length - 1];
      assert.ok(Math.abs(first.y - (source.y + source.height / 2)) < 1, 'leaves the bottom border');
      assert.ok(Math.abs(last.y - (target.y - target.height / 2)) < 1, 'enters the top border');
    }
  });

  it('sizes nodes from their labels', () => {
    const short = estimateNodeSize({ id: 'x', label: 'a' });
    const long = estimateNodeSize({ id: 'y', label: 'a-much-longer-version-name' });
    assert.ok(long.width > short.width);
    assert.equal(
      nodes.get('c')!.width,
      estimateNodeSize({ id: 'c', label: 'quantized-int8' }).width
    );
    assert.deepEqual(estimateNodeSize({ id: 'z', label: 'q', width: 99, height: 50 }), {
      width: 99,
      height: 50
    });
  });

  it('lays out left-right when asked', () => {
    const lr = computeLayout(lineageToLayoutInput(payload), { rankdir: 'LR' });
    const lrNodes = byId(lr.nodes);
    assert.ok(lrNodes.get('a')!.x < lrNodes.get('b')!.x);
  });

  it('drops edges whose ends are missing and handles an empty graph', () => {
    const partial = computeLayout({
      nodes: [{ id: 'a', label: 'a' }],
      edges: [{ source: 'a', target: 'gone' }]
    });
    assert.equal(partial.nodes.length, 1);
    assert.equal(partial.edges.length, 0);
    const empty = computeLayout({ nodes: [], edges: [] });
    assert.deepEqual([empty.nodes.length, empty.edges.length], [0, 0]);
  });

  it('is deterministic', () => {
    const again = computeLayout(lineageToLayoutInput(payload));
    assert.deepEqual(again, layout);
  });
});

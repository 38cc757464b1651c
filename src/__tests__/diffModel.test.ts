/** Unit tests of the diff view's pure helpers and the cascade metric rows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { diffMark, sortParams, summaryCounts, topChanges } from '../diff/diffModel';
import { IDiffNode, IDiffParam, IModelDiff } from '../tokens';

function param(
  name: string,
  status: IDiffParam['status'],
  relative: number | null,
  numel = 10
): IDiffParam {
  return {
    a: name,
    b: name,
    status,
    shape_a: [numel],
    shape_b: [numel],
    numel,
    relative,
    fraction_changed: relative === null ? null : 1,
    dtype_a: 'float32',
    dtype_b: 'float32',
    l2: relative,
    rank: null,
    rank_exact: null
  };
}

function dnode(id: string, status: IDiffNode['status'], changes: string[] = []): IDiffNode {
  const layer = { name: id, type: 'Linear', kind: 'module' as const, attrs: {}, params: {} };
  return { id, status, kind: 'module', a: layer, b: layer, changes };
}

describe('diffMark', () => {
  it('marks weight-only changes apart from structural ones', () => {
    assert.equal(diffMark(dnode('a', 'changed', ['weight values', 'bias values'])), 'weights');
    assert.equal(
      diffMark(dnode('b', 'changed', ['out_features 4 -> 8', 'weight shape (4,) -> (8,)'])),
      'changed'
    );
    assert.equal(diffMark(dnode('c', 'added')), 'added');
    assert.equal(diffMark(dnode('d', 'removed')), 'removed');
    assert.equal(diffMark(dnode('e', 'same')), 'same');
  });
});

describe('parameter table', () => {
  const params = [
    param('x', 'changed', 0.5),
    param('y', 'same', 0),
    param('z', 'changed', 2),
    param('w', 'added', null, 99)
  ];
  it('sorts by relative change (largest first) and by name', () => {
    assert.deepEqual(
      sortParams(params, 'relative', true).map(p => p.a),
      ['z', 'x', 'y', 'w']
    );
    assert.deepEqual(
      sortParams(params, 'name', false).map(p => p.a),
      ['w', 'x', 'y', 'z']
    );
    assert.deepEqual(
      sortParams(params, 'numel', true).map(p => p.a),
      ['w', 'x', 'y', 'z']
    );
  });
  it('summarises the top changes and counts', () => {
    assert.deepEqual(
      topChanges(params, 1).map(p => p.a),
      ['z']
    );
    const diff = {
      nodes: [dnode('a', 'changed', ['weight values']), dnode('b', 'same'), dnode('c', 'added')],
      params
    } as unknown as IModelDiff;
    assert.deepEqual(summaryCounts(diff), {
      same: 1,
      removed: 0,
      added: 1,
      weights: 1,
      changed: 0,
      params: 3
    });
  });
});

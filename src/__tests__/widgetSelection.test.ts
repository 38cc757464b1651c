/** Unit tests of the lineage widget's selection bridge, names <-> ids (no DOM). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { clickSelection } from '../graph/selection';
import { idsForNames, namesForIds } from '../widget/selection';

const nodes = [
  { id: 'a1b2', name: 'base' },
  { id: 'c3d4', name: 'ft-a' },
  { id: 'e5f6', name: 'half' }
];

describe('widget selection bridge', () => {
  it('maps names to ids and back, in order', () => {
    assert.deepEqual(idsForNames(nodes, ['half', 'base']), ['e5f6', 'a1b2']);
    assert.deepEqual(namesForIds(nodes, ['e5f6', 'a1b2']), ['half', 'base']);
  });

  it('skips names and ids not in the drawing (clusters, removed versions)', () => {
    assert.deepEqual(idsForNames(nodes, ['gone', 'ft-a']), ['c3d4']);
    assert.deepEqual(namesForIds(nodes, ['cluster:x', 'c3d4']), ['ft-a']);
  });

  it('gives the panel click rule in names: click selects one, Shift-click adds', () => {
    let ids = clickSelection([], 'a1b2', false);
    ids = clickSelection(ids, 'c3d4', true);
    assert.deepEqual(namesForIds(nodes, ids), ['base', 'ft-a']);
    assert.deepEqual(namesForIds(nodes, clickSelection(ids, 'e5f6', false)), ['half']);
  });
});

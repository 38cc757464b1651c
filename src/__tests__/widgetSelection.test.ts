/** Unit tests of the lineage widget's selection rule (no DOM). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { toggleSelection } from '../widget/selection';

describe('toggleSelection', () => {
  it('adds a name in click order and removes it on a second click', () => {
    let selected = toggleSelection([], 'base');
    selected = toggleSelection(selected, 'ft-a');
    assert.deepEqual(selected, ['base', 'ft-a']);
    assert.deepEqual(toggleSelection(selected, 'base'), ['ft-a']);
  });

  it('does not change its input', () => {
    const before = ['base'];
    toggleSelection(before, 'ft-a');
    assert.deepEqual(before, ['base']);
  });
});

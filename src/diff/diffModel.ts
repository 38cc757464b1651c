/**
 * Pure helpers of the diff view: the drawing class of a module, the parameter table's
 * sorting, and the summary's top changes. No DOM, unit-tested.
 */
import { ILayoutInput } from '../graph/layout';
import { IDiffNode, IDiffParam, IModelDiff } from '../tokens';

/** How a module is drawn: unchanged plain, removed, added, changed weights, changed structure. */
export type DiffMark = 'same' | 'removed' | 'added' | 'weights' | 'changed';

/** A changed module whose only change is its weights is marked 'weights', not removed + added. */
export function diffMark(node: IDiffNode): DiffMark {
  if (node.status !== 'changed') {
    return node.status;
  }
  const structural = node.changes.filter(c => !/ values$/.test(c));
  return structural.length ? 'changed' : 'weights';
}

/** Name of a parameter row (model-2 name, else model-1). */
export function paramName(p: IDiffParam): string {
  return p.b ?? p.a ?? '';
}

export type ParamSortKey = 'name' | 'status' | 'numel' | 'relative' | 'fraction';

function keyOf(p: IDiffParam, key: ParamSortKey): number | string {
  switch (key) {
    case 'name':
      return paramName(p);
    case 'status':
      return p.status;
    case 'numel':
      return p.numel;
    case 'relative':
      return p.relative ?? -1;
    case 'fraction':
      return p.fraction_changed ?? -1;
  }
}

/** Parameters sorted by `key` (descending when `descending`), ties by name. Stable. */
export function sortParams(
  params: IDiffParam[],
  key: ParamSortKey,
  descending: boolean
): IDiffParam[] {
  const sign = descending ? -1 : 1;
  return [...params].sort((x, y) => {
    const a = keyOf(x, key);
    const b = keyOf(y, key);
    if (a < b) {
      return -sign;
    }
    if (a > b) {
      return sign;
    }
    return paramName(x) < paramName(y) ? -1 : paramName(x) > paramName(y) ? 1 : 0;
  });
}

/** The `n` parameters with the largest relative change. */
export function topChanges(params: IDiffParam[], n = 5): IDiffParam[] {
  return sortParams(
    params.filter(p => p.status === 'changed' && (p.relative ?? 0) > 0),
    'relative',
    true
  ).slice(0, n);
}

/** Counts for the summary line. */
export function summaryCounts(
  diff: IModelDiff
): { [mark in DiffMark]: number } & { params: number } {
  const counts = { same: 0, removed: 0, added: 0, weights: 0, changed: 0, params: 0 };
  diff.nodes.forEach(n => counts[diffMark(n)]++);
  counts.params = diff.params.filter(p => p.status !== 'same').length;
  return counts;
}

/** The layout input of a diff's module graph (label: module name, sublabel: type). */
export function diffLayoutInput(diff: IModelDiff): ILayoutInput {
  return {
    nodes: diff.nodes.map(n => {
      const side = n.b ?? n.a;
      return { id: n.id, label: side?.name || n.id, sublabel: side?.type };
    }),
    edges: diff.edges.map(e => ({ source: e.source, target: e.target }))
  };
}

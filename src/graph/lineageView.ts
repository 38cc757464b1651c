/**
 * What the panel draws of a lineage: a pure function of the graph payload and the view
 * state (filter, collapsed subtrees, expanded clusters), then laid out.
 *
 * - Filter: nodes that do not match stay drawn (the lineage keeps its shape) but dimmed;
 *   the matches are listed so the panel can jump to them.
 * - Collapse: a collapsed version hides every descendant and counts them.
 * - Clustering: when a version has more than `clusterThreshold` leaf children with no other
 *   parent (a sweep of fine-tunes), they become one expandable cluster node. Selected
 *   versions and filter matches are never hidden in a cluster.
 */
import { IGraphNode, IGraphPayload, Relation } from '../tokens';
import { computeLayout, ILayout } from './layout';

/** Size of a version node: large enough for name, type/size line and badges at zoom 1. */
export const NODE_WIDTH = 196;
export const NODE_HEIGHT = 68;

/** Children beyond this count (leaves, one parent) are clustered. */
export const CLUSTER_THRESHOLD = 6;

export interface ILineageFilter {
  /** Free text: matches name, model type or tag; `type:x`, `tag:x`, `test:pass|fail|none` narrow it. */
  text: string;
}

export interface IViewState {
  filter: ILineageFilter;
  /** Versions whose descendants are hidden. */
  collapsed: ReadonlySet<string>;
  /** Cluster ids (`cluster:<parent id>`) shown expanded. */
  expanded: ReadonlySet<string>;
  /** Versions never hidden in a cluster (the selection). */
  keep: ReadonlySet<string>;
  clusterThreshold?: number;
}

export interface IViewNode {
  /** A version id, or `cluster:<parent id>`. */
  id: string;
  kind: 'version' | 'cluster';
  version: IGraphNode | null;
  /** The versions a cluster stands for. */
  members: string[];
  /** Descendants hidden by collapsing this version. */
  hidden: number;
  /** Passes the filter (always true without one). */
  match: boolean;
}

export interface IViewEdge {
  source: string;
  target: string;
  relation: Relation;
}

export interface ILineageView {
  nodes: IViewNode[];
  edges: IViewEdge[];
  /** Ids of the versions matching the filter, in payload order (empty without a filter). */
  matches: string[];
  /** Version id -> the cluster it is drawn in. */
  clusterOf: Map<string, string>;
}

/** A predicate from the filter text; null when the filter is empty. */
export function filterPredicate(filter: ILineageFilter): ((n: IGraphNode) => boolean) | null {
  const terms = filter.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.length) {
    return null;
  }
  return (n: IGraphNode) =>
    terms.every(term => {
      const [key, ...rest] = term.split(':');
      const value = rest.join(':');
      if (rest.length && key === 'type') {
        return (n.model_type ?? '').toLowerCase().includes(value);
      }
      if (rest.length && key === 'tag') {
        return n.tags.some(t => t.toLowerCase().includes(value));
      }
      if (rest.length && (key === 'test' || key === 'status')) {
        return n.test_status === value;
      }
      return (
        n.name.toLowerCase().includes(term) ||
        (n.model_type ?? '').toLowerCase().includes(term) ||
        n.tags.some(t => t.toLowerCase().includes(term))
      );
    });
}

export function clusterId(parent: string): string {
  return `cluster:${parent}`;
}

/** The nodes and edges to draw for `payload` under `state`. */
export function buildLineageView(
  payload: Pick<IGraphPayload, 'nodes' | 'edges'>,
  state: IViewState
): ILineageView {
  const threshold = state.clusterThreshold ?? CLUSTER_THRESHOLD;
  const byId = new Map(payload.nodes.map(n => [n.id, n]));
  const children = new Map<string, string[]>();
  const parents = new Map<string, string[]>();
  for (const e of payload.edges) {
    if (!byId.has(e.parent) || !byId.has(e.child)) {
      continue;
    }
    (children.get(e.parent) ?? children.set(e.parent, []).get(e.parent)!).push(e.child);
    (parents.get(e.child) ?? parents.set(e.child, []).get(e.child)!).push(e.parent);
  }
  const predicate = filterPredicate(state.filter);
  const matches = predicate ? payload.nodes.filter(predicate).map(n => n.id) : [];
  const matchSet = new Set(matches);

  // collapse: hide every descendant of a collapsed version
  const hidden = new Set<string>();
  const hiddenCount = new Map<string, number>();
  for (const root of state.collapsed) {
    if (!byId.has(root) || hidden.has(root)) {
      continue;
    }
    const stack = [...(children.get(root) ?? [])];
    let count = 0;
    while (stack.length) {
      const id = stack.pop()!;
      if (hidden.has(id) || id === root) {
        continue;
      }
      hidden.add(id);
      count++;
      stack.push(...(children.get(id) ?? []));
    }
    hiddenCount.set(root, count);
  }

  // clusters: leaf children with one parent, beyond the threshold
  const clusterOf = new Map<string, string>();
  const clusterMembers = new Map<string, string[]>();
  for (const [parent, kids] of children) {
    if (hidden.has(parent)) {
      continue;
    }
    const cid = clusterId(parent);
    if (state.expanded.has(cid)) {
      continue;
    }
    const leaves = kids.filter(
      k =>
        !hidden.has(k) &&
        !(children.get(k)?.length ?? 0) &&
        (parents.get(k)?.length ?? 0) === 1 &&
        !state.keep.has(k) &&
        !matchSet.has(k)
    );
    if (leaves.length > threshold) {
      clusterMembers.set(cid, leaves);
      leaves.forEach(k => clusterOf.set(k, cid));
    }
  }

  const nodes: IViewNode[] = [];
  for (const n of payload.nodes) {
    if (hidden.has(n.id)) {
      continue;
    }
    const cid = clusterOf.get(n.id);
    if (cid !== undefined) {
      const members = clusterMembers.get(cid)!;
      if (members[0] === n.id) {
        nodes.push({
          id: cid,
          kind: 'cluster',
          version: null,
          members,
          hidden: 0,
          match: !predicate
        });
      }
      continue;
    }
    nodes.push({
      id: n.id,
      kind: 'version',
      version: n,
      members: [],
      hidden: hiddenCount.get(n.id) ?? 0,
      match: !predicate || matchSet.has(n.id)
    });
  }

  const edges: IViewEdge[] = [];
  const seen = new Set<string>();
  for (const e of payload.edges) {
    if (hidden.has(e.parent) || hidden.has(e.child) || !byId.has(e.parent)) {
      continue;
    }
    const source = clusterOf.get(e.parent) ?? e.parent;
    const target = clusterOf.get(e.child) ?? e.child;
    const key = `${source}\0${target}`;
    if (seen.has(key) || !byId.has(e.child)) {
      continue;
    }
    seen.add(key);
    edges.push({ source, target, relation: e.relation });
  }
  return { nodes, edges, matches, clusterOf };
}

/** The layout of a view: every node at the same readable size, ranks top to bottom. */
export function layoutLineageView(view: ILineageView): ILayout {
  return computeLayout(
    {
      nodes: view.nodes.map(n => ({
        id: n.id,
        label: n.version ? n.version.name : `${n.members.length} versions`,
        width: NODE_WIDTH,
        height: NODE_HEIGHT
      })),
      edges: view.edges.map(e => ({ source: e.source, target: e.target, label: e.relation }))
    },
    { nodesep: 24, ranksep: 44, margin: 24 }
  );
}

/**
 * Layout of a lineage DAG: a pure function (no DOM), kept apart from drawing (`render.ts`,
 * `lineageCanvas.ts`) so it can be unit-tested in node.
 *
 * The algorithm is a layered layout made for model lineages, which are trees with a few
 * merge edges. It runs in O(nodes + edges), so 10,000 versions take milliseconds (dagre
 * took ~25 s for 1,000 in a published measurement):
 *
 * 1. rank: the longest path from a root (every edge goes down at least one rank);
 * 2. a spanning tree: each node hangs under its first parent (merges keep their other
 *    parents as extra edges);
 * 3. columns: the leaves of the spanning tree take consecutive columns in depth-first
 *    order, and each inner node sits at the middle of its children's columns. Subtrees
 *    own disjoint column intervals, so two nodes of one rank are always >= 1 column apart;
 * 4. edges leave the bottom (right, for LR) border of the parent and enter the top (left)
 *    border of the child through two bend points, drawn as a smooth curve.
 */

/** A node to place; `width`/`height` default to an estimate from the label. */
export interface ILayoutNodeInput {
  id: string;
  label: string;
  /** Second, smaller line under the label (e.g. the model type). */
  sublabel?: string;
  width?: number;
  height?: number;
}

/** A directed edge to route, drawn with an optional label (the relation). */
export interface ILayoutEdgeInput {
  source: string;
  target: string;
  label?: string;
}

export interface ILayoutInput {
  nodes: ILayoutNodeInput[];
  edges: ILayoutEdgeInput[];
}

export interface ILayoutOptions {
  /** Direction of the ranks: top-bottom (default) or left-right. */
  rankdir?: 'TB' | 'LR';
  /** Gap between the nodes of one rank. */
  nodesep?: number;
  /** Gap between ranks. */
  ranksep?: number;
  /** Margin around the whole drawing. */
  margin?: number;
}

export interface IPoint {
  x: number;
  y: number;
}

/** A placed node; (x, y) is its centre. */
export interface ILayoutNode extends ILayoutNodeInput {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Its rank (0 for roots). */
  rank: number;
}

/** A routed edge: a polyline from the source's border to the target's border. */
export interface ILayoutEdge extends ILayoutEdgeInput {
  points: IPoint[];
  /** Where the label goes (the middle of the edge). */
  labelPosition: IPoint;
}

export interface ILayout {
  width: number;
  height: number;
  nodes: ILayoutNode[];
  edges: ILayoutEdge[];
}

/** Average glyph width of the 12px UI font, for sizing nodes without measuring text. */
const CHAR_WIDTH = 7;
const NODE_PADDING_X = 12;
const LINE_HEIGHT = 16;
const NODE_PADDING_Y = 8;

/** An estimate of a node's box from its label lines. */
export function estimateNodeSize(node: ILayoutNodeInput): { width: number; height: number } {
  const chars = Math.max(node.label.length, node.sublabel ? node.sublabel.length * 0.85 : 0);
  const lines = node.sublabel ? 2 : 1;
  return {
    width: node.width ?? Math.max(40, Math.ceil(chars * CHAR_WIDTH) + 2 * NODE_PADDING_X),
    height: node.height ?? lines * LINE_HEIGHT + 2 * NODE_PADDING_Y
  };
}

/** Ranks by longest path from a root (Kahn's order); nodes on a cycle get rank 0. */
export function longestPathRanks(count: number, parentsOf: number[][]): number[] {
  const childrenOf: number[][] = Array.from({ length: count }, () => []);
  const indegree = new Array<number>(count).fill(0);
  parentsOf.forEach((parents, child) => {
    for (const p of parents) {
      childrenOf[p].push(child);
      indegree[child]++;
    }
  });
  const rank = new Array<number>(count).fill(0);
  const queue: number[] = [];
  indegree.forEach((d, i) => d === 0 && queue.push(i));
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head];
    for (const c of childrenOf[u]) {
      rank[c] = Math.max(rank[c], rank[u] + 1);
      if (--indegree[c] === 0) {
        queue.push(c);
      }
    }
  }
  return rank;
}

/**
 * Columns (in units of one slot) of a forest given by `treeParent` (-1 for a root): leaves
 * take consecutive slots in depth-first order, inner nodes the middle of their children.
 * Iterative, so a 10,000-long chain does not overflow the stack.
 */
export function treeColumns(treeParent: number[]): number[] {
  const count = treeParent.length;
  const kids: number[][] = Array.from({ length: count }, () => []);
  const roots: number[] = [];
  treeParent.forEach((p, i) => (p < 0 ? roots.push(i) : kids[p].push(i)));
  const column = new Array<number>(count).fill(0);
  let next = 0;
  // explicit stack of [node, next child index]
  const stack: [number, number][] = [];
  for (const root of roots) {
    stack.push([root, 0]);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [u, i] = top;
      if (i < kids[u].length) {
        top[1]++;
        stack.push([kids[u][i], 0]);
        continue;
      }
      stack.pop();
      if (kids[u].length === 0) {
        column[u] = next++;
      } else {
        column[u] = (column[kids[u][0]] + column[kids[u][kids[u].length - 1]]) / 2;
      }
    }
  }
  return column;
}

/**
 * Place the nodes and route the edges of a DAG.
 *
 * Edges whose ends are not among the nodes are dropped (a partial payload must not
 * break the drawing). The result is deterministic for a given input order.
 */
export function computeLayout(input: ILayoutInput, options: ILayoutOptions = {}): ILayout {
  const margin = options.margin ?? 10;
  const nodesep = options.nodesep ?? 30;
  const ranksep = options.ranksep ?? 40;
  const lr = options.rankdir === 'LR';
  const index = new Map<string, number>();
  input.nodes.forEach((n, i) => index.set(n.id, i));
  const edges = input.edges.filter(
    e => index.has(e.source) && index.has(e.target) && e.source !== e.target
  );
  const count = input.nodes.length;
  const parentsOf: number[][] = Array.from({ length: count }, () => []);
  for (const e of edges) {
    parentsOf[index.get(e.target)!].push(index.get(e.source)!);
  }
  const rank = longestPathRanks(count, parentsOf);
  // the tree parent: the first parent of a lower rank (always true unless on a cycle)
  const treeParent = parentsOf.map((ps, i) => ps.find(p => rank[p] < rank[i]) ?? -1);
  const column = treeColumns(treeParent);
  const sizes = input.nodes.map(estimateNodeSize);

  // the extent of a slot across ranks and of each rank along them
  let slot = 0;
  const rankExtent: number[] = [];
  sizes.forEach((s, i) => {
    slot = Math.max(slot, lr ? s.height : s.width);
    rankExtent[rank[i]] = Math.max(rankExtent[rank[i]] ?? 0, lr ? s.width : s.height);
  });
  const rankStart: number[] = [];
  let offset = margin;
  for (let r = 0; r < rankExtent.length; r++) {
    rankStart[r] = offset;
    offset += (rankExtent[r] ?? 0) + ranksep;
  }
  const across = (c: number): number => margin + slot / 2 + c * (slot + nodesep);

  let maxX = 0;
  let maxY = 0;
  const nodes: ILayoutNode[] = input.nodes.map((node, i) => {
    const along = rankStart[rank[i]] + (rankExtent[rank[i]] ?? 0) / 2;
    const x = lr ? along : across(column[i]);
    const y = lr ? across(column[i]) : along;
    maxX = Math.max(maxX, x + sizes[i].width / 2);
    maxY = Math.max(maxY, y + sizes[i].height / 2);
    return { ...node, x, y, width: sizes[i].width, height: sizes[i].height, rank: rank[i] };
  });

  const routed: ILayoutEdge[] = edges.map(edge => {
    const s = nodes[index.get(edge.source)!];
    const t = nodes[index.get(edge.target)!];
    let points: IPoint[];
    if (lr) {
      const x0 = s.x + s.width / 2;
      const x1 = t.x - t.width / 2;
      const mid = Math.max(x0, x1 - ranksep / 2);
      points = [
        { x: x0, y: s.y },
        { x: mid, y: s.y },
        { x: mid, y: t.y },
        { x: x1, y: t.y }
      ];
    } else {
      const y0 = s.y + s.height / 2;
      const y1 = t.y - t.height / 2;
      const mid = Math.max(y0, y1 - ranksep / 2);
      points = [
        { x: s.x, y: y0 },
        { x: s.x, y: mid },
        { x: t.x, y: mid },
        { x: t.x, y: y1 }
      ];
    }
    const labelPosition = lr
      ? { x: (points[1].x + points[3].x) / 2, y: t.y }
      : { x: (s.x + t.x) / 2, y: (points[1].y + points[3].y) / 2 };
    return { ...edge, points, labelPosition };
  });

  return {
    width: Math.max(2 * margin, maxX + margin),
    height: Math.max(2 * margin, maxY + margin),
    nodes,
    edges: routed
  };
}

/** The layout input for a `GET mgit/api/graph` payload: nodes by name, edges by relation. */
export function lineageToLayoutInput(payload: {
  nodes: { id: string; name: string; model_type: string | null }[];
  edges: { parent: string; child: string; relation: string }[];
}): ILayoutInput {
  return {
    nodes: payload.nodes.map(n => ({
      id: n.id,
      label: n.name,
      sublabel: n.model_type ?? undefined
    })),
    edges: payload.edges.map(e => ({ source: e.parent, target: e.child, label: e.relation }))
  };
}

/**
 * Layout of the lineage DAG: a pure function (dagre, no DOM), kept apart from drawing
 * (`render.ts`) so it can be unit-tested in node.
 */
import { layout as dagreLayout } from 'dagre-d3-es/src/dagre/index.js';
import { Graph } from 'dagre-d3-es/src/graphlib/index.js';

import { IGraphPayload } from '../tokens';

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
  /** Horizontal gap between nodes of one rank. */
  nodesep?: number;
  /** Vertical gap between ranks. */
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

interface INodeLabel {
  width: number;
  height: number;
  x?: number;
  y?: number;
}

interface IEdgeLabel {
  width: number;
  height: number;
  labelpos: string;
  points?: IPoint[];
  x?: number;
  y?: number;
}

interface IGraphLabel extends ILayoutOptions {
  width?: number;
  height?: number;
  marginx?: number;
  marginy?: number;
}

/**
 * Place the nodes and route the edges of a DAG.
 *
 * Edges whose ends are not among the nodes are dropped (a partial payload must not
 * break the drawing). The result is deterministic for a given input order.
 */
export function computeLayout(input: ILayoutInput, options: ILayoutOptions = {}): ILayout {
  const margin = options.margin ?? 10;
  const g = new Graph<IGraphLabel, INodeLabel, IEdgeLabel>({ multigraph: true });
  g.setGraph({
    rankdir: options.rankdir ?? 'TB',
    nodesep: options.nodesep ?? 30,
    ranksep: options.ranksep ?? 40,
    marginx: margin,
    marginy: margin
  });
  const ids = new Set<string>();
  for (const node of input.nodes) {
    ids.add(node.id);
    g.setNode(node.id, estimateNodeSize(node));
  }
  const edges = input.edges.filter(e => ids.has(e.source) && ids.has(e.target));
  edges.forEach((edge, i) => {
    const labelWidth = edge.label ? edge.label.length * 6 + 4 : 0;
    g.setEdge(
      edge.source,
      edge.target,
      { width: labelWidth, height: edge.label ? 14 : 0, labelpos: 'c' },
      String(i)
    );
  });

  dagreLayout(g, {});

  const nodes: ILayoutNode[] = input.nodes.map(node => {
    const placed = g.node(node.id) as INodeLabel;
    return {
      ...node,
      x: placed.x ?? 0,
      y: placed.y ?? 0,
      width: placed.width,
      height: placed.height
    };
  });
  const routed: ILayoutEdge[] = edges.map((edge, i) => {
    const label = g.edge(edge.source, edge.target, String(i)) as IEdgeLabel;
    const points = (label.points ?? []).map(p => ({ x: p.x, y: p.y }));
    const middle = points[Math.floor(points.length / 2)] ?? { x: 0, y: 0 };
    return {
      ...edge,
      points,
      labelPosition: { x: label.x ?? middle.x, y: label.y ?? middle.y }
    };
  });
  const graph = g.graph() ?? {};
  return {
    width: graph.width ?? 2 * margin,
    height: graph.height ?? 2 * margin,
    nodes,
    edges: routed
  };
}

/** The layout input for a `GET mgit/api/graph` payload: nodes by name, edges by relation. */
export function lineageToLayoutInput(
  payload: Pick<IGraphPayload, 'nodes' | 'edges'>
): ILayoutInput {
  return {
    nodes: payload.nodes.map(n => ({
      id: n.id,
      label: n.name,
      sublabel: n.model_type ?? undefined
    })),
    edges: payload.edges.map(e => ({ source: e.parent, target: e.child, label: e.relation }))
  };
}

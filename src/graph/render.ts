/**
 * Drawing of a computed layout with d3 (SVG). Used by the sidebar and the notebook widget.
 */
import { curveBasis, line, select, Selection } from 'd3';

import { ILayout, ILayoutNode } from './layout';

export interface IRenderOptions {
  /** Called with a node's id when the user clicks it. */
  onNodeClick?: (id: string) => void;
  /** Extra CSS classes of a node (e.g. its diff status). */
  nodeClass?: (id: string) => string;
}

let markerCount = 0;

/**
 * Replace the content of `host` with an SVG drawing of `layout`.
 *
 * Nodes are `g.node` groups (a rect plus label lines), edges are `g.edgePath` groups
 * (a path ending in an arrow) with `g.edgeLabel` text for their relation.
 */
export function renderLayout(
  host: HTMLElement,
  layout: ILayout,
  options: IRenderOptions = {}
): SVGSVGElement {
  host.textContent = '';
  host.classList.add('mgit-Lineage');
  const markerId = `mgit-arrow-${++markerCount}`;
  const svg = select(host)
    .append('svg')
    .attr('width', layout.width)
    .attr('height', layout.height)
    .attr('viewBox', `0 0 ${layout.width} ${layout.height}`)
    .attr('role', 'img')
    .attr('aria-label', `lineage graph: ${layout.nodes.length} versions`);

  svg
    .append('defs')
    .append('marker')
    .attr('id', markerId)
    .attr('viewBox', '0 0 10 10')
    .attr('refX', 9)
    .attr('refY', 5)
    .attr('markerWidth', 8)
    .attr('markerHeight', 6)
    .attr('orient', 'auto')
    .append('path')
    .attr('class', 'mgit-arrowhead')
    .attr('d', 'M 0 0 L 10 5 L 0 10 z');

  const path = line<{ x: number; y: number }>()
    .x(p => p.x)
    .y(p => p.y)
    .curve(curveBasis);

  const edges = svg.append('g').attr('class', 'edgePaths');
  for (const edge of layout.edges) {
    edges
      .append('g')
      .attr('class', 'edgePath')
      .attr('data-source', edge.source)
      .attr('data-target', edge.target)
      .append('path')
      .attr('d', path(edge.points) ?? '')
      .attr('marker-end', `url(#${markerId})`);
  }

  const labels = svg.append('g').attr('class', 'edgeLabels');
  for (const edge of layout.edges) {
    if (!edge.label) {
      continue;
    }
    labels
      .append('g')
      .attr('class', 'edgeLabel')
      .attr('transform', `translate(${edge.labelPosition.x},${edge.labelPosition.y})`)
      .append('text')
      .attr('text-anchor', 'middle')
      .attr('dominant-baseline', 'central')
      .text(edge.label);
  }

  const nodes = svg.append('g').attr('class', 'nodes');
  for (const node of layout.nodes) {
    drawNode(nodes.append('g'), node, options);
  }
  return svg.node() as SVGSVGElement;
}

function drawNode(
  group: Selection<SVGGElement, unknown, null, undefined>,
  node: ILayoutNode,
  options: IRenderOptions
): void {
  group
    .attr('class', 'node' + (options.nodeClass ? ' ' + options.nodeClass(node.id) : ''))
    .attr('data-id', node.id)
    .attr('transform', `translate(${node.x},${node.y})`);
  group.append('title').text(node.sublabel ? `${node.label} (${node.sublabel})` : node.label);
  group
    .append('rect')
    .attr('x', -node.width / 2)
    .attr('y', -node.height / 2)
    .attr('width', node.width)
    .attr('height', node.height)
    .attr('rx', 4)
    .attr('ry', 4);
  const text = group.append('text').attr('text-anchor', 'middle');
  if (node.sublabel) {
    text.append('tspan').attr('x', 0).attr('y', -3).text(node.label);
    text
      .append('tspan')
      .attr('class', 'mgit-node-type')
      .attr('x', 0)
      .attr('y', 11)
      .text(node.sublabel);
  } else {
    text.attr('dominant-baseline', 'central').text(node.label);
  }
  if (options.onNodeClick) {
    const onClick = options.onNodeClick;
    group.style('cursor', 'pointer').on('click', () => onClick(node.id));
  }
}

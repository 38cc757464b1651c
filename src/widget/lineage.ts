/**
 * The anywidget front of `mgit_lab.widget.LineageWidget`.
 *
 * Draws the `graph` traitlet with the panel's own layout and renderer (`src/graph/`), adds
 * pan and zoom, and keeps the `selected` traitlet (version names) in step with the nodes:
 * a click toggles a node, a change from Python re-highlights. Bundled by esbuild (with d3,
 * dagre-d3-es and the CSS) into `mgit_lab/static/lineage.js`.
 */
import '../../style/base.css';
import './widget.css';
import { select, zoom, zoomIdentity, ZoomTransform } from 'd3';

import { computeLayout, lineageToLayoutInput } from '../graph/layout';
import { renderLayout } from '../graph/render';
import { IGraphPayload } from '../tokens';
import { toggleSelection } from './selection';

type Graph = Partial<IGraphPayload> | null;

interface IModel {
  get(name: 'graph'): Graph;
  get(name: 'selected'): string[];
  set(name: 'selected', value: string[]): void;
  save_changes(): void;
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
}

/** Tallest drawing area before the graph is scaled down or panned. */
const MAX_HEIGHT = 480;

function highlight(el: HTMLElement, graph: Graph, selected: string[]): void {
  const names = new Map((graph?.nodes ?? []).map(n => [n.id, n.name]));
  const chosen = new Set(selected);
  el.querySelectorAll<SVGGElement>('g.node').forEach(node => {
    const name = names.get(node.dataset.id ?? '') ?? '';
    node.classList.toggle('mgit-selected', chosen.has(name));
    node.setAttribute('aria-selected', chosen.has(name) ? 'true' : 'false');
  });
  const status = el.querySelector('.mgit-LineageWidget-status');
  if (status) {
    status.textContent = selected.length
      ? `selected: ${selected.join(', ')}`
      : 'click versions to select them (w.selected)';
  }
}

function draw(el: HTMLElement, model: IModel, keep: { transform: ZoomTransform }): void {
  const graph = model.get('graph');
  const nodes = graph?.nodes ?? [];
  const edges = graph?.edges ?? [];
  el.textContent = '';
  if (nodes.length === 0) {
    el.textContent = 'No model versions to show.';
    return;
  }
  const names = new Map(nodes.map(n => [n.id, n.name]));
  const canvas = document.createElement('div');
  canvas.className = 'mgit-LineageWidget-canvas';
  const status = document.createElement('div');
  status.className = 'mgit-LineageWidget-status';
  el.append(canvas, status);

  const layout = computeLayout(lineageToLayoutInput({ nodes, edges }));
  const svgNode = renderLayout(canvas, layout, {
    onNodeClick: id => {
      const name = names.get(id);
      if (name !== undefined) {
        model.set('selected', toggleSelection(model.get('selected') ?? [], name));
        model.save_changes();
      }
    }
  });
  // pan and zoom: move everything the renderer drew into one transformed group
  const svg = select(svgNode);
  const height = Math.min(layout.height, MAX_HEIGHT);
  // inline size: the shared CSS gives the panel's svg `height: auto`, which would stretch a
  // small graph to the output's full width; here the viewBox is fitted into this box instead
  svg
    .attr('width', '100%')
    .attr('height', height)
    .attr('preserveAspectRatio', 'xMidYMin meet')
    .style('width', '100%')
    .style('height', `${height}px`);
  const view = svg.append('g').attr('class', 'mgit-zoom');
  Array.from(svgNode.childNodes)
    .filter(child => child !== view.node() && (child as Element).tagName !== 'defs')
    .forEach(child => view.node()?.appendChild(child));
  const behaviour = zoom<SVGSVGElement, unknown>()
    .scaleExtent([0.2, 4])
    .on('zoom', event => {
      keep.transform = event.transform;
      view.attr('transform', event.transform.toString());
    });
  svg.call(behaviour).on('dblclick.zoom', null);
  svg.call(behaviour.transform, keep.transform);
  highlight(el, graph, model.get('selected') ?? []);
}

export default {
  render({ model, el }: { model: IModel; el: HTMLElement }): () => void {
    el.classList.add('mgit-LineageWidget');
    const keep = { transform: zoomIdentity };
    const redraw = (): void => draw(el, model, keep);
    const rehighlight = (): void => highlight(el, model.get('graph'), model.get('selected') ?? []);
    redraw();
    model.on('change:graph', redraw);
    model.on('change:selected', rehighlight);
    return () => {
      model.off('change:graph', redraw);
      model.off('change:selected', rehighlight);
    };
  }
};

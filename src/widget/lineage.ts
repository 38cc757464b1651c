/**
 * The anywidget front of `mgit_lab.widget.LineageWidget`: draws the `graph` traitlet.
 * Bundled by esbuild (with d3, dagre-d3-es and the CSS) into `mgit_lab/static/lineage.js`.
 */
import '../../style/base.css';
import { computeLayout, lineageToLayoutInput } from '../graph/layout';
import { renderLayout } from '../graph/render';
import { IGraphPayload } from '../tokens';

interface IModel {
  get(name: 'graph'): Partial<IGraphPayload> | null;
  on(event: 'change:graph', callback: () => void): void;
  off(event: 'change:graph', callback: () => void): void;
}

function draw(el: HTMLElement, graph: Partial<IGraphPayload> | null): void {
  const nodes = graph?.nodes ?? [];
  const edges = graph?.edges ?? [];
  if (nodes.length === 0) {
    el.textContent = 'No model versions to show.';
    return;
  }
  renderLayout(el, computeLayout(lineageToLayoutInput({ nodes, edges })));
}

export default {
  render({ model, el }: { model: IModel; el: HTMLElement }): () => void {
    el.classList.add('mgit-LineageWidget');
    const update = (): void => draw(el, model.get('graph'));
    update();
    model.on('change:graph', update);
    return () => model.off('change:graph', update);
  }
};

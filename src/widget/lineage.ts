/**
 * The anywidget front of `mgit_lab.widget.LineageWidget`.
 *
 * Draws the `graph` traitlet through the panel's own entry point, `drawLineage`
 * (`src/graph/drawLineage.ts`): the same nodes, badges (tests, tags, lossy, stored size),
 * relation-styled edges, pan, zoom, minimap and keyboard as the sidebar. The `selected`
 * traitlet (version names) follows the drawing both ways, with the panel's click rule: a
 * click selects one version, Shift/Ctrl/Cmd-click adds a second one (or removes it).
 * Bundled by esbuild (with the CSS) into `mgit_lab/static/lineage.js`.
 */
import '../../style/base.css';
import './widget.css';

import { drawLineage, ILineageDrawing } from '../graph/drawLineage';
import { IGraphPayload } from '../tokens';
import { idsForNames, namesForIds } from './selection';

type Graph = Partial<IGraphPayload> | null;

interface IModel {
  get(name: 'graph'): Graph;
  get(name: 'selected'): string[];
  set(name: 'selected', value: string[]): void;
  save_changes(): void;
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
}

/** Height bounds of the drawing area (a taller graph is panned and zoomed inside it). */
const MIN_HEIGHT = 160;
const MAX_HEIGHT = 480;

const HINT = 'click a version to select it, Shift/Ctrl-click to add a second (w.selected)';

export default {
  render({ model, el }: { model: IModel; el: HTMLElement }): () => void {
    el.classList.add('mgit-LineageWidget');
    const host = document.createElement('div');
    host.className = 'mgit-LineageWidget-canvas';
    const status = document.createElement('div');
    status.className = 'mgit-LineageWidget-status';
    let drawing: ILineageDrawing | null = null;
    let placed = false;

    const nodes = () => model.get('graph')?.nodes ?? [];
    const showSelection = (): void => {
      const selected = model.get('selected') ?? [];
      drawing?.setSelected(idsForNames(nodes(), selected));
      status.textContent = selected.length ? `selected: ${selected.join(', ')}` : HINT;
    };
    const redraw = (): void => {
      const graph = model.get('graph');
      const payload = { nodes: graph?.nodes ?? [], edges: graph?.edges ?? [] };
      if (payload.nodes.length === 0) {
        drawing?.dispose();
        drawing = null;
        el.textContent = 'No model versions to show.';
        return;
      }
      if (drawing) {
        drawing.update(payload);
      } else {
        el.textContent = '';
        el.append(host, status);
        drawing = drawLineage(host, payload, {
          selected: idsForNames(payload.nodes, model.get('selected') ?? []),
          onSelect: ids => {
            model.set('selected', namesForIds(nodes(), ids));
            model.save_changes();
          }
        });
      }
      const height = (drawing.canvas.layout?.height ?? 0) + 48;
      host.style.height = `${Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, height))}px`;
      showSelection();
    };
    // the output may be attached (and get a width) after render: place the graph then, once
    const sizes = new ResizeObserver(() => {
      if (!placed && drawing && host.clientWidth > 0) {
        placed = true;
        drawing.canvas.showStart();
      }
    });
    sizes.observe(host);

    redraw();
    model.on('change:graph', redraw);
    model.on('change:selected', showSelection);
    return () => {
      model.off('change:graph', redraw);
      model.off('change:selected', showSelection);
      sizes.disconnect();
      drawing?.dispose();
    };
  }
};

/**
 * The drawing entry point shared by the sidebar and the notebook widget.
 *
 *     drawLineage(host: HTMLElement, graph: IGraphPayload-like, options?: {
 *       selected?: string[];                 // version ids drawn selected
 *       onSelect?: (ids: string[]) => void;  // called with the new selection on click
 *     }): ILineageDrawing
 *
 * It fills `host` with an interactive, virtualised drawing (pan, zoom, minimap, keyboard),
 * clusters large sweeps of siblings, and returns a handle to update or dispose of it.
 * `host` should have a height (the drawing fills it).
 */
import { IGraphPayload } from '../tokens';
import { LineageCanvas } from './lineageCanvas';
import { buildLineageView, ILineageView, layoutLineageView } from './lineageView';
import { neighbour } from './navigation';
import { clickSelection } from './selection';

export interface IDrawLineageOptions {
  selected?: string[];
  onSelect?: (ids: string[]) => void;
}

export interface ILineageDrawing {
  readonly canvas: LineageCanvas;
  /** Redraw with a new payload, keeping zoom and selection. */
  update(graph: Pick<IGraphPayload, 'nodes' | 'edges'>): void;
  setSelected(ids: string[]): void;
  dispose(): void;
}

export function drawLineage(
  host: HTMLElement,
  graph: Pick<IGraphPayload, 'nodes' | 'edges'>,
  options: IDrawLineageOptions = {}
): ILineageDrawing {
  let payload = graph;
  let selected = [...(options.selected ?? [])];
  const expanded = new Set<string>();
  let view: ILineageView;
  const redraw = (): void => {
    view = buildLineageView(payload, {
      filter: { text: '' },
      collapsed: new Set(),
      expanded,
      keep: new Set(selected)
    });
    canvas.setGraph(view, layoutLineageView(view));
    canvas.setSelection(selected);
  };
  const select = (ids: string[]): void => {
    selected = ids;
    canvas.setSelection(ids);
    options.onSelect?.(ids);
  };
  const canvas = new LineageCanvas({
    onNodeClick: (id, additive) => {
      if (id.startsWith('cluster:')) {
        expanded.add(id);
        redraw();
        return;
      }
      select(clickSelection(selected, id, additive));
    },
    onNodeOpen: id => {
      if (id.startsWith('cluster:')) {
        expanded.add(id);
        redraw();
      }
    },
    onContextMenu: () => undefined,
    onArrow: (focus, key) => {
      const layout = canvas.layout;
      if (layout) {
        canvas.setFocus(
          focus ? (neighbour(layout, focus, key) ?? focus) : (layout.nodes[0]?.id ?? null)
        );
      }
    }
  });
  host.textContent = '';
  host.append(canvas.node);
  redraw();
  requestAnimationFrame(() => canvas.showStart());
  return {
    canvas,
    update(next) {
      payload = next;
      redraw();
    },
    setSelected(ids) {
      selected = [...ids];
      canvas.setSelection(selected);
    },
    dispose() {
      canvas.dispose();
    }
  };
}

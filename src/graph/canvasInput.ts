/**
 * Pointer, wheel and keyboard input of the lineage canvas: click/Shift-click, double-click,
 * context menu, wheel zoom (Shift+wheel pans), drag to pan, minimap drag, arrow keys, Enter,
 * Space, the context-menu key and +/-. Translates events into canvas calls and handler calls.
 */
import { ILayout } from './layout';
import { minimapToGraph } from './minimap';
import { centerOn, ITransform, panBy, zoomAt } from './viewport';

export interface ILineageCanvasHandlers {
  /** A node was clicked (`additive`: Shift/Ctrl/Cmd held). */
  onNodeClick(id: string, additive: boolean): void;
  /** A node was double-clicked, or Enter pressed on it. */
  onNodeOpen(id: string): void;
  /** Right-click (or the context-menu key) on a node, at client coordinates. */
  onContextMenu(id: string, clientX: number, clientY: number): void;
  /** Arrow key pressed with `focusId` focused. */
  onArrow(focusId: string | null, key: 'up' | 'down' | 'left' | 'right'): void;
}

/** What the input needs of the canvas (LineageCanvas provides it). */
export interface ICanvasInputTarget {
  readonly node: HTMLDivElement;
  readonly svg: SVGSVGElement;
  readonly minimap: HTMLCanvasElement;
  readonly handlers: ILineageCanvasHandlers;
  readonly transform: ITransform;
  readonly layout: ILayout | null;
  readonly focusId: string | null;
  viewSize(): { width: number; height: number };
  setTransform(t: ITransform): void;
  zoomBy(factor: number): void;
  nodeElement(id: string): SVGGElement | undefined;
  markFocused(id: string): void;
}

function nodeIdOf(target: EventTarget | null): string | null {
  const el = (target as Element | null)?.closest?.('g[data-id][role="option"]');
  return el ? el.getAttribute('data-id') : null;
}

/** Listen to the canvas's elements for the lifetime of the canvas. */
export function bindCanvasInput(canvas: ICanvasInputTarget): void {
  let dragged = false;

  const svg = canvas.svg;
  svg.addEventListener('click', event => {
    if (dragged) {
      return;
    }
    const id = nodeIdOf(event.target);
    if (id) {
      canvas.markFocused(id);
      canvas.handlers.onNodeClick(id, event.shiftKey || event.ctrlKey || event.metaKey);
    }
  });
  svg.addEventListener('dblclick', event => {
    const id = nodeIdOf(event.target);
    if (id) {
      canvas.handlers.onNodeOpen(id);
    }
  });
  svg.addEventListener('contextmenu', event => {
    const id = nodeIdOf(event.target);
    if (id) {
      event.preventDefault();
      event.stopPropagation();
      canvas.handlers.onContextMenu(id, event.clientX, event.clientY);
    }
  });
  svg.addEventListener(
    'wheel',
    event => {
      event.preventDefault();
      const rect = svg.getBoundingClientRect();
      if (event.ctrlKey || event.metaKey || !event.shiftKey) {
        const factor = Math.exp(-event.deltaY * (event.deltaMode === 1 ? 0.05 : 0.0015));
        canvas.setTransform(
          zoomAt(canvas.transform, factor, event.clientX - rect.left, event.clientY - rect.top)
        );
      } else {
        canvas.setTransform(panBy(canvas.transform, -event.deltaY, -event.deltaX));
      }
    },
    { passive: false }
  );
  let start: { x: number; y: number; t: ITransform } | null = null;
  svg.addEventListener('pointerdown', event => {
    if (event.button !== 0) {
      return;
    }
    start = { x: event.clientX, y: event.clientY, t: canvas.transform };
    dragged = false;
  });
  svg.addEventListener('pointermove', event => {
    if (!start) {
      return;
    }
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) {
      return;
    }
    if (!dragged) {
      dragged = true;
      svg.setPointerCapture(event.pointerId);
      canvas.node.classList.add('mgit-mod-panning');
    }
    canvas.setTransform(panBy(start.t, dx, dy));
  });
  const end = (event: PointerEvent): void => {
    if (start && dragged && svg.hasPointerCapture(event.pointerId)) {
      svg.releasePointerCapture(event.pointerId);
    }
    start = null;
    canvas.node.classList.remove('mgit-mod-panning');
    // let the click that ends a drag pass without selecting
    setTimeout(() => (dragged = false), 0);
  };
  svg.addEventListener('pointerup', end);
  svg.addEventListener('pointercancel', end);

  const minimapMove = (event: PointerEvent): void => {
    if (!canvas.layout) {
      return;
    }
    const r = canvas.minimap.getBoundingClientRect();
    const p = minimapToGraph(
      canvas.minimap,
      canvas.layout,
      event.clientX - r.left,
      event.clientY - r.top
    );
    canvas.setTransform(centerOn(canvas.transform, p.x, p.y, canvas.viewSize()));
  };
  canvas.minimap.addEventListener('pointerdown', event => {
    canvas.minimap.setPointerCapture(event.pointerId);
    minimapMove(event);
  });
  canvas.minimap.addEventListener('pointermove', event => {
    if (canvas.minimap.hasPointerCapture(event.pointerId)) {
      minimapMove(event);
    }
  });

  canvas.node.addEventListener('keydown', event => {
    const keys: { [key: string]: 'up' | 'down' | 'left' | 'right' } = {
      ArrowUp: 'up',
      ArrowDown: 'down',
      ArrowLeft: 'left',
      ArrowRight: 'right'
    };
    if (keys[event.key]) {
      event.preventDefault();
      canvas.handlers.onArrow(canvas.focusId, keys[event.key]);
    } else if (event.key === 'Enter' && canvas.focusId) {
      event.preventDefault();
      canvas.handlers.onNodeOpen(canvas.focusId);
    } else if ((event.key === ' ' || event.key === 'Spacebar') && canvas.focusId) {
      event.preventDefault();
      canvas.handlers.onNodeClick(canvas.focusId, event.shiftKey || event.ctrlKey);
    } else if (
      (event.key === 'ContextMenu' || (event.shiftKey && event.key === 'F10')) &&
      canvas.focusId
    ) {
      event.preventDefault();
      const el = canvas.nodeElement(canvas.focusId);
      const r = (el ?? canvas.node).getBoundingClientRect();
      canvas.handlers.onContextMenu(canvas.focusId, r.left + r.width / 2, r.top + r.height / 2);
    } else if (event.key === '+' || event.key === '=') {
      canvas.zoomBy(1.25);
    } else if (event.key === '-') {
      canvas.zoomBy(0.8);
    }
  });
}

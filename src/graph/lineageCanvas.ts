/**
 * The interactive drawing of a lineage view: SVG nodes with badges, relation-styled edges,
 * pan (drag), zoom (wheel, buttons), fit, zoom to selection, a minimap, and keyboard focus.
 *
 * Drawing is virtualised: only the nodes and edges inside the visible area (plus a margin)
 * exist in the DOM, so panning over 10,000 versions touches a few dozen elements per frame.
 * Pan and zoom change one transform attribute; the visible set is updated once per frame.
 *
 * ARIA: the canvas is a `listbox` (multi-selectable) whose options are the drawn nodes; the
 * focused node is its `aria-activedescendant`.
 */
import { bindCanvasInput, ILineageCanvasHandlers } from './canvasInput';
import { ILayout, ILayoutEdge, ILayoutNode } from './layout';
import { ILineageView, IViewNode } from './lineageView';
import { drawMinimap } from './minimap';
import { drawNodeContent, nodeLabel } from './nodeDrawing';
import {
  centerOn,
  fitTransform,
  IRect,
  isInView,
  ITransform,
  intersects,
  visibleRect,
  zoomAt
} from './viewport';

const SVG_NS = 'http://www.w3.org/2000/svg';

export type { ILineageCanvasHandlers };

/** Element id of a node (valid in HTML for any version id). */
export function nodeElementId(id: string): string {
  return 'mgit-node-' + id.replace(/[^A-Za-z0-9_-]/g, c => '_' + c.charCodeAt(0).toString(16));
}

export class LineageCanvas {
  readonly node: HTMLDivElement;

  constructor(private _handlers: ILineageCanvasHandlers) {
    this.node = document.createElement('div');
    this.node.className = 'mgit-LineageCanvas mgit-Lineage';
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'listbox');
    this.node.setAttribute('aria-multiselectable', 'true');
    this.node.setAttribute('aria-label', 'Model lineage graph');
    this._svg = document.createElementNS(SVG_NS, 'svg');
    this._svg.setAttribute('role', 'presentation');
    this._svg.classList.add('mgit-LineageCanvas-svg');
    const defs = document.createElementNS(SVG_NS, 'defs');
    defs.innerHTML =
      '<marker id="mgit-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" ' +
      'markerHeight="6" orient="auto"><path class="mgit-arrowhead" d="M 0 0 L 10 5 L 0 10 z"/></marker>';
    this._svg.append(defs);
    this._viewport = document.createElementNS(SVG_NS, 'g');
    this._viewport.setAttribute('class', 'mgit-viewport');
    this._viewport.setAttribute('role', 'presentation');
    this._edgeLayer = this._layer('edgePaths');
    this._labelLayer = this._layer('edgeLabels');
    this._nodeLayer = this._layer('nodes');
    this._viewport.append(this._edgeLayer, this._labelLayer, this._nodeLayer);
    this._svg.append(this._viewport);
    this._minimap = document.createElement('canvas');
    this._minimap.className = 'mgit-LineageCanvas-minimap';
    this._minimap.width = 132;
    this._minimap.height = 90;
    this._minimap.setAttribute('aria-hidden', 'true');
    this.node.append(this._svg, this._minimap);
    bindCanvasInput(this);
    // the view shrinks when the details pane opens: keep the focused node visible
    this._resizeObserver = new ResizeObserver(() => {
      this.resized();
      if (this._focus && this._nodesById.has(this._focus)) {
        this.revealNode(this._focus);
      }
    });
    this._resizeObserver.observe(this.node);
  }

  /** The current pan/zoom transform. */
  get transform(): ITransform {
    return { ...this._t };
  }

  /** The layout on display. */
  get layout(): ILayout | null {
    return this._layout;
  }

  /** The focused node (keyboard), or null. */
  get focusId(): string | null {
    return this._focus;
  }

  /** Number of node elements in the DOM (the virtualised subset). */
  get drawnNodeCount(): number {
    return this._drawnNodes.size;
  }

  /**
   * Show `view` laid out as `layout`. The transform is kept (a refresh does not move the
   * drawing); call `fit()` or `centerOnNode()` to move.
   */
  setGraph(view: ILineageView, layout: ILayout): void {
    this._view = new Map(view.nodes.map(n => [n.id, n]));
    this._layout = layout;
    this._nodesById = new Map(layout.nodes.map(n => [n.id, n]));
    this._edgeBoxes = layout.edges.map(edgeBox);
    this._nodeLayer.textContent = '';
    this._edgeLayer.textContent = '';
    this._labelLayer.textContent = '';
    this._drawnNodes.clear();
    this._drawnEdges.clear();
    this._minimapStale = true;
    this.node.setAttribute('aria-label', `Model lineage graph: ${view.nodes.length} nodes`);
    this._schedule();
  }

  /** Mark `ids` selected (and nothing else). */
  setSelection(ids: readonly string[]): void {
    this._selected = new Set(ids);
    this._minimapStale = true;
    this._schedule();
    for (const [id, el] of this._drawnNodes) {
      this._applyState(id, el);
    }
  }

  /** Move the keyboard focus to `id` and scroll it into view when needed. */
  setFocus(id: string | null): void {
    this._focus = id;
    for (const [nid, el] of this._drawnNodes) {
      this._applyState(nid, el);
    }
    if (id && this._nodesById.has(id)) {
      this.revealNode(id);
    }
    this._updateActiveDescendant();
  }

  /** Zoom by `factor` around the view's centre. */
  zoomBy(factor: number): void {
    const { width, height } = this._size();
    this._setTransform(zoomAt(this._t, factor, width / 2, height / 2));
  }

  /** Show the whole graph (never magnified beyond 1). */
  fit(): void {
    if (!this._layout) {
      return;
    }
    const { width, height } = this._layout;
    this._setTransform(fitTransform({ x: 0, y: 0, width, height }, this._size()));
  }

  /** Fit the nodes `ids` into the view (at most at scale 1). */
  zoomTo(ids: readonly string[]): void {
    const boxes = ids.map(id => this._nodesById.get(id)).filter(Boolean) as ILayoutNode[];
    if (!boxes.length) {
      return;
    }
    const x0 = Math.min(...boxes.map(b => b.x - b.width / 2));
    const y0 = Math.min(...boxes.map(b => b.y - b.height / 2));
    const x1 = Math.max(...boxes.map(b => b.x + b.width / 2));
    const y1 = Math.max(...boxes.map(b => b.y + b.height / 2));
    this._setTransform(
      fitTransform({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, this._size(), 40)
    );
  }

  /** Start view: scale 1, the first root near the top (readable at any graph size). */
  showStart(): void {
    const first = this._layout?.nodes[0];
    if (!first) {
      return;
    }
    const size = this._size();
    if (this._layout && this._layout.width <= size.width && this._layout.height <= size.height) {
      this._setTransform({ k: 1, x: (size.width - this._layout.width) / 2, y: 0 });
      return;
    }
    const t = centerOn({ x: 0, y: 0, k: 1 }, first.x, first.y, size);
    this._setTransform({ ...t, y: 24 - (first.y - first.height / 2) });
  }

  /** Pan (at the current scale) so that node `id` is inside the view, if it is not. */
  revealNode(id: string): void {
    const n = this._nodesById.get(id);
    if (!n) {
      return;
    }
    const box = { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
    const size = this._size();
    if (!isInView(this._t, size, box, 8)) {
      this._setTransform(centerOn(this._t, n.x, n.y, size));
    }
  }

  /** Redraw after the host changed size. */
  resized(): void {
    this._minimapStale = true;
    this._schedule();
  }

  dispose(): void {
    this._resizeObserver.disconnect();
    if (this._frame) {
      cancelAnimationFrame(this._frame);
    }
    this.node.remove();
  }

  // ---------------------------------------------------------------- drawing

  private _layer(cls: string): SVGGElement {
    const g = document.createElementNS(SVG_NS, 'g');
    g.setAttribute('class', cls);
    g.setAttribute('role', 'presentation');
    return g;
  }

  private _size(): { width: number; height: number } {
    return {
      width: this.node.clientWidth || 300,
      height: this.node.clientHeight || 400
    };
  }

  private _setTransform(t: ITransform): void {
    this._t = t;
    this._viewport.setAttribute('transform', `translate(${t.x},${t.y}) scale(${t.k})`);
    // while the view moves, draw cheaper (no dashes, fast shapes); full quality when it rests
    this.node.classList.add('mgit-mod-moving');
    clearTimeout(this._restTimer);
    this._restTimer = setTimeout(() => this.node.classList.remove('mgit-mod-moving'), 150);
    this._schedule();
  }

  private _schedule(): void {
    if (!this._frame) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this._update();
      });
    }
  }

  /** Bring the DOM in line with the visible area: add what came into view, drop what left. */
  private _update(): void {
    this._viewport.setAttribute(
      'transform',
      `translate(${this._t.x},${this._t.y}) scale(${this._t.k})`
    );
    this.node.classList.toggle('mgit-mod-far', this._t.k < 0.45);
    const layout = this._layout;
    if (!layout) {
      return;
    }
    const size = this._size();
    const area = visibleRect(this._t, size, 200);
    const wanted = new Set<string>();
    for (const n of layout.nodes) {
      if (
        intersects(area, {
          x: n.x - n.width / 2,
          y: n.y - n.height / 2,
          width: n.width,
          height: n.height
        })
      ) {
        wanted.add(n.id);
        if (!this._drawnNodes.has(n.id)) {
          const el = this._drawNode(n);
          this._drawnNodes.set(n.id, el);
        }
      }
    }
    for (const [id, el] of this._drawnNodes) {
      if (!wanted.has(id)) {
        el.remove();
        this._drawnNodes.delete(id);
      }
    }
    const wantedEdges = new Set<number>();
    layout.edges.forEach((e, i) => {
      if (intersects(area, this._edgeBoxes[i])) {
        wantedEdges.add(i);
        if (!this._drawnEdges.has(i)) {
          this._drawnEdges.set(i, this._drawEdge(e));
        }
      }
    });
    for (const [i, els] of this._drawnEdges) {
      if (!wantedEdges.has(i)) {
        els.forEach(el => el.remove());
        this._drawnEdges.delete(i);
      }
    }
    this._updateActiveDescendant();
    this._renderMinimap(size);
  }

  private _drawNode(n: ILayoutNode): SVGGElement {
    const g = document.createElementNS(SVG_NS, 'g');
    const view = this._view.get(n.id);
    g.setAttribute('transform', `translate(${n.x},${n.y})`);
    g.setAttribute('data-id', n.id);
    g.id = nodeElementId(n.id);
    g.setAttribute('role', 'option');
    if (view) {
      drawNodeContent(g, view, n.width, n.height);
      g.setAttribute('aria-label', nodeLabel(view));
    }
    this._applyState(n.id, g);
    this._nodeLayer.append(g);
    return g;
  }

  private _applyState(id: string, el: SVGGElement): void {
    const selected = this._selected.has(id);
    el.classList.toggle('mgit-mod-selected', selected);
    el.classList.toggle('mgit-mod-focused', this._focus === id);
    el.setAttribute('aria-selected', selected ? 'true' : 'false');
  }

  private _drawEdge(e: ILayoutEdge): SVGElement[] {
    const g = document.createElementNS(SVG_NS, 'g');
    g.setAttribute('class', `edgePath mgit-rel-${e.label ?? 'none'}`);
    g.setAttribute('data-source', e.source);
    g.setAttribute('data-target', e.target);
    const path = document.createElementNS(SVG_NS, 'path');
    const [a, b, c, d] = e.points;
    path.setAttribute(
      'd',
      e.points.length === 4
        ? `M${a.x},${a.y} C${b.x},${b.y} ${c.x},${c.y} ${d.x},${d.y}`
        : 'M' + e.points.map(p => `${p.x},${p.y}`).join(' L')
    );
    path.setAttribute('marker-end', 'url(#mgit-arrow)');
    g.append(path);
    this._edgeLayer.append(g);
    const out: SVGElement[] = [g];
    if (e.label) {
      const label = document.createElementNS(SVG_NS, 'g');
      label.setAttribute('class', `edgeLabel mgit-rel-${e.label}`);
      label.setAttribute('transform', `translate(${e.labelPosition.x},${e.labelPosition.y})`);
      const text = document.createElementNS(SVG_NS, 'text');
      text.setAttribute('text-anchor', 'middle');
      text.setAttribute('dominant-baseline', 'central');
      text.textContent = e.label;
      label.append(text);
      this._labelLayer.append(label);
      out.push(label);
    }
    return out;
  }

  private _updateActiveDescendant(): void {
    if (this._focus && this._drawnNodes.has(this._focus)) {
      this.node.setAttribute('aria-activedescendant', nodeElementId(this._focus));
    } else {
      this.node.removeAttribute('aria-activedescendant');
    }
  }

  private _renderMinimap(size: { width: number; height: number }): void {
    const layout = this._layout;
    // only for graphs well beyond the view: a small graph needs no overview covering it
    const show = !!layout && (layout.width > size.width * 2 || layout.height > size.height * 2);
    this._minimap.hidden = !show;
    if (!show || !layout) {
      return;
    }
    drawMinimap(
      this._minimap,
      layout,
      visibleRect(this._t, size),
      this._selected,
      this._minimapStale
    );
    this._minimapStale = false;
  }

  // ---------------------------------------------------------------- input (canvasInput.ts)

  /** The SVG element (input target). */
  get svg(): SVGSVGElement {
    return this._svg;
  }

  /** The minimap canvas (input target). */
  get minimap(): HTMLCanvasElement {
    return this._minimap;
  }

  get handlers(): ILineageCanvasHandlers {
    return this._handlers;
  }

  /** The size of the view in pixels. */
  viewSize(): { width: number; height: number } {
    return this._size();
  }

  /** Apply a pan/zoom transform. */
  setTransform(t: ITransform): void {
    this._setTransform(t);
  }

  /** The drawn element of node `id`, if it is in the DOM. */
  nodeElement(id: string): SVGGElement | undefined {
    return this._drawnNodes.get(id);
  }

  /** Remember `id` as focused without scrolling (a click already shows it). */
  markFocused(id: string): void {
    this._focus = id;
  }

  private _svg: SVGSVGElement;
  private _viewport: SVGGElement;
  private _edgeLayer: SVGGElement;
  private _labelLayer: SVGGElement;
  private _nodeLayer: SVGGElement;
  private _minimap: HTMLCanvasElement;
  private _minimapStale = true;
  private _t: ITransform = { x: 0, y: 0, k: 1 };
  private _layout: ILayout | null = null;
  private _view = new Map<string, IViewNode>();
  private _nodesById = new Map<string, ILayoutNode>();
  private _edgeBoxes: IRect[] = [];
  private _drawnNodes = new Map<string, SVGGElement>();
  private _drawnEdges = new Map<number, SVGElement[]>();
  private _selected = new Set<string>();
  private _focus: string | null = null;
  private _resizeObserver: ResizeObserver;
  private _frame = 0;
  private _restTimer: ReturnType<typeof setTimeout> | undefined = undefined;
}

function edgeBox(e: ILayoutEdge): IRect {
  const xs = e.points.map(p => p.x);
  const ys = e.points.map(p => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x: x - 2, y: y - 2, width: Math.max(...xs) - x + 4, height: Math.max(...ys) - y + 4 };
}

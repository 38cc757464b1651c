/**
 * The minimap: every node of the layout as a dot on a small canvas, with the visible area
 * outlined. The node layer is cached and repainted only when the graph changes.
 */
import { ILayout } from './layout';
import { IRect } from './viewport';

const cache = new WeakMap<HTMLCanvasElement, HTMLCanvasElement>();

function scaleOf(
  canvas: HTMLCanvasElement,
  layout: ILayout
): { s: number; ox: number; oy: number } {
  const s = Math.min(
    canvas.width / Math.max(1, layout.width),
    canvas.height / Math.max(1, layout.height)
  );
  return {
    s,
    ox: (canvas.width - layout.width * s) / 2,
    oy: (canvas.height - layout.height * s) / 2
  };
}

function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

/** Paint the minimap of `layout` with `visible` (graph coordinates) outlined. */
export function drawMinimap(
  canvas: HTMLCanvasElement,
  layout: ILayout,
  visible: IRect,
  selected: ReadonlySet<string>,
  stale: boolean
): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) {
    return;
  }
  const { s, ox, oy } = scaleOf(canvas, layout);
  let layer = cache.get(canvas);
  if (!layer || stale) {
    layer = layer ?? document.createElement('canvas');
    layer.width = canvas.width;
    layer.height = canvas.height;
    const lctx = layer.getContext('2d')!;
    lctx.clearRect(0, 0, layer.width, layer.height);
    lctx.fillStyle = cssVar(canvas, '--jp-ui-font-color2', '#666');
    const accent = cssVar(canvas, '--jp-brand-color1', '#1976d2');
    for (const n of layout.nodes) {
      lctx.fillStyle = selected.has(n.id) ? accent : cssVar(canvas, '--jp-ui-font-color2', '#666');
      lctx.fillRect(
        ox + (n.x - n.width / 2) * s,
        oy + (n.y - n.height / 2) * s,
        Math.max(1, n.width * s),
        Math.max(1, n.height * s)
      );
    }
    cache.set(canvas, layer);
  }
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(layer, 0, 0);
  ctx.strokeStyle = cssVar(canvas, '--jp-brand-color1', '#1976d2');
  ctx.lineWidth = 1.5;
  ctx.strokeRect(ox + visible.x * s, oy + visible.y * s, visible.width * s, visible.height * s);
}

/** The graph point under minimap pixel (px, py). */
export function minimapToGraph(
  canvas: HTMLCanvasElement,
  layout: ILayout,
  px: number,
  py: number
): { x: number; y: number } {
  const r = canvas.getBoundingClientRect();
  const fx = canvas.width / Math.max(1, r.width);
  const fy = canvas.height / Math.max(1, r.height);
  const { s, ox, oy } = scaleOf(canvas, layout);
  return { x: (px * fx - ox) / s, y: (py * fy - oy) / s };
}

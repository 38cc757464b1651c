/**
 * Pan and zoom as pure arithmetic on a transform (screen = graph * k + (x, y)), so the
 * drawing code only applies what these functions return.
 */

/** A pan/zoom transform: a graph point p is drawn at p * k + (x, y). */
export interface ITransform {
  x: number;
  y: number;
  k: number;
}

export interface IRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ISize {
  width: number;
  height: number;
}

/** Zoom limits: far enough out for an overview, never so far in that a node fills the panel. */
export const MIN_SCALE = 0.05;
export const MAX_SCALE = 3;

export const IDENTITY: ITransform = { x: 0, y: 0, k: 1 };

function clampScale(k: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, k));
}

/** Zoom by `factor` keeping the screen point (px, py) over the same graph point. */
export function zoomAt(t: ITransform, factor: number, px: number, py: number): ITransform {
  const k = clampScale(t.k * factor);
  const gx = (px - t.x) / t.k;
  const gy = (py - t.y) / t.k;
  return { k, x: px - gx * k, y: py - gy * k };
}

/** Move the drawing by (dx, dy) screen pixels. */
export function panBy(t: ITransform, dx: number, dy: number): ITransform {
  return { k: t.k, x: t.x + dx, y: t.y + dy };
}

/**
 * The transform showing all of `bounds` in `view` with `padding` pixels around it, at a
 * scale no larger than `maxScale` (fit never magnifies a small graph).
 */
export function fitTransform(bounds: IRect, view: ISize, padding = 16, maxScale = 1): ITransform {
  const w = Math.max(1, bounds.width);
  const h = Math.max(1, bounds.height);
  const k = clampScale(
    Math.min(maxScale, (view.width - 2 * padding) / w, (view.height - 2 * padding) / h)
  );
  return {
    k,
    x: (view.width - w * k) / 2 - bounds.x * k,
    y: (view.height - h * k) / 2 - bounds.y * k
  };
}

/** The transform that keeps scale `t.k` and puts graph point (gx, gy) at the view's centre. */
export function centerOn(t: ITransform, gx: number, gy: number, view: ISize): ITransform {
  return { k: t.k, x: view.width / 2 - gx * t.k, y: view.height / 2 - gy * t.k };
}

/** The graph-space rectangle visible in `view`, grown by `margin` screen pixels each side. */
export function visibleRect(t: ITransform, view: ISize, margin = 0): IRect {
  return {
    x: (-t.x - margin) / t.k,
    y: (-t.y - margin) / t.k,
    width: (view.width + 2 * margin) / t.k,
    height: (view.height + 2 * margin) / t.k
  };
}

/** Whether two rectangles overlap. */
export function intersects(a: IRect, b: IRect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Whether the graph rectangle `r` lies entirely inside the view (with `margin` pixels to spare). */
export function isInView(t: ITransform, view: ISize, r: IRect, margin = 0): boolean {
  const v = visibleRect(t, view, -margin);
  return (
    r.x >= v.x && r.y >= v.y && r.x + r.width <= v.x + v.width && r.y + r.height <= v.y + v.height
  );
}

/**
 * The content of one lineage node (SVG): a box with a model-type colour stripe, the name,
 * a line with type and stored size, tags, a test-status badge, a lossy marker and a
 * "+N hidden" note for collapsed subtrees; or a cluster node standing for many siblings.
 */
import { IViewNode } from './lineageView';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Number of model-type colours (CSS classes `mgit-type-0` ... `mgit-type-6`). */
export const TYPE_COLOURS = 7;

/** A stable colour index for a model type (-1 for none). */
export function typeColour(modelType: string | null): number {
  if (!modelType) {
    return -1;
  }
  let h = 0;
  for (let i = 0; i < modelType.length; i++) {
    h = (h * 31 + modelType.charCodeAt(i)) >>> 0;
  }
  return h % TYPE_COLOURS;
}

/** Bytes as a short human figure (1.2 MB). */
export function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** A text cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

const STATUS_TEXT: { [s: string]: string } = {
  pass: 'tests pass',
  fail: 'tests fail',
  none: 'tests not run'
};

/** The accessible name of a node: everything its badges show, in words. */
export function nodeLabel(node: IViewNode): string {
  const v = node.version;
  if (!v) {
    return `cluster of ${node.members.length} sibling versions, press Enter to expand`;
  }
  const parts = [v.name, v.model_type ?? 'no model type', STATUS_TEXT[v.test_status] ?? ''];
  if (v.tags.length) {
    parts.push(`tags ${v.tags.join(', ')}`);
  }
  if (v.lossy) {
    parts.push('lossy');
  }
  parts.push(`stores ${humanBytes(v.stored_bytes)}`);
  if (node.hidden) {
    parts.push(`${node.hidden} descendants hidden`);
  }
  return parts.join(', ');
}

function el<K extends keyof SVGElementTagNameMap>(
  parent: SVGElement,
  tag: K,
  attrs: { [name: string]: string | number },
  text?: string
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    e.setAttribute(k, String(v));
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  parent.append(e);
  return e;
}

/** Fill the (empty) group `g`, centred at 0,0, with the drawing of `node`. */
export function drawNodeContent(g: SVGGElement, node: IViewNode, w: number, h: number): void {
  const left = -w / 2;
  const top = -h / 2;
  const v = node.version;
  if (!v) {
    g.setAttribute('class', 'node mgit-node mgit-cluster');
    el(g, 'rect', {
      class: 'mgit-node-box mgit-cluster-back',
      x: left + 6,
      y: top - 6,
      width: w,
      height: h,
      rx: 6
    });
    el(g, 'rect', { class: 'mgit-node-box', x: left, y: top, width: w, height: h, rx: 6 });
    el(
      g,
      'text',
      { class: 'mgit-node-name', x: left + 12, y: top + 24 },
      `${node.members.length} sibling versions`
    );
    el(
      g,
      'text',
      { class: 'mgit-node-sub', x: left + 12, y: top + 44 },
      'cluster · click to expand'
    );
    return;
  }
  const colour = typeColour(v.model_type);
  g.setAttribute(
    'class',
    `node mgit-node mgit-test-${v.test_status}` +
      (colour >= 0 ? ` mgit-type-${colour}` : ' mgit-type-none') +
      (node.match ? '' : ' mgit-mod-dim')
  );
  el(g, 'rect', { class: 'mgit-node-box', x: left, y: top, width: w, height: h, rx: 6 });
  el(g, 'rect', { class: 'mgit-node-stripe', x: left, y: top, width: 6, height: h, rx: 3 });
  el(g, 'title', {}, nodeLabel(node));
  el(g, 'text', { class: 'mgit-node-name', x: left + 14, y: top + 20 }, truncate(v.name, 21));
  el(
    g,
    'text',
    { class: 'mgit-node-sub', x: left + 14, y: top + 38 },
    `${truncate(v.model_type ?? '—', 14)} · ${humanBytes(v.stored_bytes)}`
  );
  const tags = v.tags.length ? v.tags.map(t => '#' + t).join(' ') : '';
  const extra = node.hidden ? `+${node.hidden} hidden` : '';
  if (tags || extra) {
    el(
      g,
      'text',
      { class: 'mgit-node-tags', x: left + 14, y: top + 57 },
      truncate([tags, extra].filter(Boolean).join('  '), 26)
    );
  }
  // test status badge, top right
  const badge = el(g, 'g', {
    class: `mgit-badge mgit-badge-${v.test_status}`,
    transform: `translate(${w / 2 - 14},${top + 14})`
  });
  el(badge, 'circle', { r: 8 });
  el(
    badge,
    'text',
    { 'text-anchor': 'middle', 'dominant-baseline': 'central' },
    v.test_status === 'pass' ? '✓' : v.test_status === 'fail' ? '✗' : '–'
  );
  if (v.lossy) {
    const lossy = el(g, 'g', {
      class: 'mgit-badge-lossy',
      transform: `translate(${w / 2 - 14},${top + 36})`
    });
    el(lossy, 'rect', { x: -9, y: -7, width: 18, height: 14, rx: 3 });
    el(lossy, 'text', { 'text-anchor': 'middle', 'dominant-baseline': 'central' }, '≈');
  }
}

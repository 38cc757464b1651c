/**
 * Arrow-key movement between the nodes of a laid-out graph: pure geometry over the layout.
 * Up goes to the nearest node of the rank above that is a parent (else the nearest node
 * above), Down to a child (else the nearest below), Left/Right to the neighbour in the rank.
 */
import { ILayout, ILayoutNode } from './layout';

export type Direction = 'up' | 'down' | 'left' | 'right';

/** The node to move to from `fromId` in `direction`, or null when there is none. */
export function neighbour(layout: ILayout, fromId: string, direction: Direction): string | null {
  const from = layout.nodes.find(n => n.id === fromId);
  if (!from) {
    return layout.nodes[0]?.id ?? null;
  }
  const nearest = (candidates: ILayoutNode[]): string | null => {
    let best: ILayoutNode | null = null;
    let bestScore = Infinity;
    for (const c of candidates) {
      const score = Math.abs(c.x - from.x) + Math.abs(c.y - from.y) * 0.01;
      if (score < bestScore) {
        best = c;
        bestScore = score;
      }
    }
    return best ? best.id : null;
  };
  if (direction === 'left' || direction === 'right') {
    const sameRank = layout.nodes.filter(n => n.rank === from.rank && n.id !== from.id);
    const side = sameRank.filter(n => (direction === 'left' ? n.x < from.x : n.x > from.x));
    return nearest(side);
  }
  const linked = new Set(
    layout.edges
      .filter(e => (direction === 'up' ? e.target === fromId : e.source === fromId))
      .map(e => (direction === 'up' ? e.source : e.target))
  );
  const linkedNodes = layout.nodes.filter(n => linked.has(n.id));
  if (linkedNodes.length) {
    return nearest(linkedNodes);
  }
  const beyond = layout.nodes.filter(n =>
    direction === 'up' ? n.rank < from.rank : n.rank > from.rank
  );
  const closestRank = beyond.reduce(
    (r, n) => (direction === 'up' ? Math.max(r, n.rank) : Math.min(r, n.rank)),
    direction === 'up' ? -Infinity : Infinity
  );
  return nearest(beyond.filter(n => n.rank === closestRank));
}

/**
 * The lineage widget's selection bridge (pure, unit-tested): Python's `selected` holds version
 * names, the shared drawing (`drawLineage`) selects version ids. The click rule itself is the
 * panel's (`src/graph/selection.ts`): a click selects one version, Shift/Ctrl/Cmd-click adds
 * a second one (or removes it).
 */
export interface INamedNode {
  id: string;
  name: string;
}

/** Ids of the versions named `names` (names not in the drawing are skipped). */
export function idsForNames(nodes: readonly INamedNode[], names: readonly string[]): string[] {
  const byName = new Map(nodes.map(n => [n.name, n.id]));
  return pick(names, byName);
}

/** Names of the versions with ids `ids`, in order (clusters and unknown ids skipped). */
export function namesForIds(nodes: readonly INamedNode[], ids: readonly string[]): string[] {
  const byId = new Map(nodes.map(n => [n.id, n.name]));
  return pick(ids, byId);
}

function pick(keys: readonly string[], table: Map<string, string>): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const value = table.get(key);
    if (value !== undefined) {
      out.push(value);
    }
  }
  return out;
}

/**
 * The panel's selection of versions: an ordered list of at most two ids (the first is the
 * "current" version; a second one, picked with Shift/Ctrl-click, is what diff and merge
 * compare it with). Pure, so it is unit-tested without a DOM.
 */

/** The selection after a click on `id`; `additive` is Shift/Ctrl/Cmd held. */
export function clickSelection(
  current: readonly string[],
  id: string,
  additive: boolean
): string[] {
  if (!additive) {
    return [id];
  }
  if (current.includes(id)) {
    return current.filter(x => x !== id);
  }
  if (current.length === 0) {
    return [id];
  }
  return [current[0], id];
}

/** The selection restricted to ids that still exist (after a refresh, a removal). */
export function pruneSelection(
  current: readonly string[],
  exists: (id: string) => boolean
): string[] {
  return current.filter(exists);
}

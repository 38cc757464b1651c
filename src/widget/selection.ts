/** Selection rule of the lineage widget (pure, unit-tested): a click toggles one name. */
export function toggleSelection(selected: readonly string[], name: string): string[] {
  return selected.includes(name) ? selected.filter(n => n !== name) : [...selected, name];
}

/** What a selection means to copy: a folder selected with things inside it copies them once, as part of the folder. */

interface Selected {
  path: string;
  kind: string;
}

/** The items not inside another selected folder (nor selected twice), in their order. */
export function outermostItems<T extends Selected>(items: readonly T[]): T[] {
  const folders = items.filter(i => i.kind === 'dir').map(i => ({ path: i.path, prefix: i.path.endsWith('/') ? i.path : `${i.path}/` }));
  const seen = new Set<string>();
  return items.filter(item => {
    if (seen.has(item.path)) return false;
    seen.add(item.path);
    return !folders.some(folder => item.path !== folder.path && item.path.startsWith(folder.prefix));
  });
}

/** What a selection means to copy: a folder selected with things inside it copies them once, as part of the folder. */
import type { Side } from './constants';
import type { DraggedItem } from './tree/dragPayload';
import type { EntryNode } from './tree/nodes';

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

/** The entries a command acts on: those of the first entry's view, without what a selected folder already holds. */
export function selectionOf(nodes: readonly EntryNode[]): { side: Side; nodes: EntryNode[]; items: DraggedItem[] } | undefined {
  const first = nodes[0];
  if (!first) return undefined;
  const sameView = nodes.filter(n => n.side === first.side);
  const kept = new Set(outermostItems(sameView.map(n => ({ path: n.path, kind: n.entry.kind }))).map(i => i.path));
  const chosen = sameView.filter(n => kept.delete(n.path));
  return { side: first.side, nodes: chosen, items: chosen.map(n => ({ path: n.path, kind: n.entry.kind, size: n.entry.size })) };
}

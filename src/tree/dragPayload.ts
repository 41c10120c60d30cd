/**
 * What a drag between the two site views carries, and how a drop reads it back. No `vscode` here.
 *
 * Measured in a real UI drag (../shared/FXP-NOTES.md): our MIME type may arrive twice, an empty
 * placeholder first and the JSON string second, next to VS Code's own
 * `application/vnd.code.tree.<viewid>` item ({ id, itemHandles }). So: read every item, skip empty
 * values, accept a string or an object.
 */
import type { Side } from '../constants';
import type { EntryKind } from '../fxp';

export interface DraggedItem {
  path: string;
  kind: EntryKind;
  size: number;
}

export interface DragPayload {
  side: Side;
  items: DraggedItem[];
}

/** VS Code's own tree drag item. */
export interface TreeHandles {
  viewId: string;
  handles: string[];
}

export interface DropValue {
  mime: string;
  value: unknown;
}

const KINDS: readonly EntryKind[] = ['file', 'dir', 'link'];

function asObject(value: unknown): Record<string, unknown> | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    if (!value.trim()) return undefined;
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined;
}

function asPayload(value: unknown): DragPayload | undefined {
  const obj = asObject(value);
  if (!obj || (obj.side !== 'A' && obj.side !== 'B') || !Array.isArray(obj.items)) return undefined;
  const items: DraggedItem[] = [];
  for (const raw of obj.items) {
    const item = asObject(raw);
    if (!item || typeof item.path !== 'string' || !item.path || !KINDS.includes(item.kind as EntryKind)) return undefined;
    items.push({ path: item.path, kind: item.kind as EntryKind, size: typeof item.size === 'number' ? item.size : 0 });
  }
  return items.length ? { side: obj.side, items } : undefined;
}

function asHandles(mime: string, value: unknown): TreeHandles | undefined {
  const obj = asObject(value);
  if (!obj || !Array.isArray(obj.itemHandles)) return undefined;
  const handles = obj.itemHandles.filter((h): h is string => typeof h === 'string' && h.length > 0);
  const viewId = typeof obj.id === 'string' ? obj.id : mime.slice(mime.lastIndexOf('.tree.') + '.tree.'.length);
  return handles.length ? { viewId, handles } : undefined;
}

export function encodePayload(payload: DragPayload): string {
  return JSON.stringify(payload);
}

/**
 * Reads the drop: our payload when one of its copies is usable, else VS Code's tree handles.
 * `treeMimes` are the `application/vnd.code.tree.*` types of our views.
 */
export function readDrop(values: readonly DropValue[], payloadMime: string, treeMimes: readonly string[]): { payload?: DragPayload; handles?: TreeHandles } {
  for (const { mime, value } of values) {
    if (mime !== payloadMime) continue;
    const payload = asPayload(value);
    if (payload) return { payload };
  }
  for (const { mime, value } of values) {
    if (!treeMimes.includes(mime)) continue;
    const handles = asHandles(mime, value);
    if (handles) return { handles };
  }
  return {};
}

/** A tree item handle to the node id it was made from: VS Code prefixes ids it was given with "1/". */
export function handleToNodeId(handle: string): string {
  return handle.replace(/^\d+\//, '');
}

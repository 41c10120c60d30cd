import * as vscode from 'vscode';
import { remoteUri } from '../comparison';
import { CONTEXT_VALUES, type Side } from '../constants';
import type { Entry } from '../fxp';
import { formatBytes } from '../format';

/** A file, folder or link on a site. */
export interface EntryNode {
  type: 'entry';
  side: Side;
  path: string;
  entry: Entry;
}

/** Shown instead of a folder's children when listing it failed, or for a notice about a listing. */
export interface MessageNode {
  type: 'error' | 'notice';
  side: Side;
  /** The folder the message is about. */
  folder: string;
  message: string;
  detail?: string;
}

export type SiteNode = EntryNode | MessageNode;

export function isEntryNode(node: unknown): node is EntryNode {
  return typeof node === 'object' && node !== null && (node as EntryNode).type === 'entry';
}

export function isMessageNode(node: unknown): node is MessageNode {
  const type = typeof node === 'object' && node !== null ? (node as MessageNode).type : undefined;
  return (type === 'error' || type === 'notice') && ((node as MessageNode).side === 'A' || (node as MessageNode).side === 'B');
}

/** Tree item ids: stable per view and path, so VS Code keeps expansion and selection across refreshes. */
export function nodeId(side: Side, path: string): string {
  return `${side}:${path}`;
}

const CONTEXT_BY_KIND = { file: CONTEXT_VALUES.file, dir: CONTEXT_VALUES.folder, link: CONTEXT_VALUES.link } as const;
const ICON_BY_KIND = { file: 'file', dir: 'folder', link: 'file-symlink-file' } as const;

function formatDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function entryItem(node: EntryNode): vscode.TreeItem {
  const { entry } = node;
  const item = new vscode.TreeItem(entry.name,
    entry.kind === 'dir' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = nodeId(node.side, node.path);
  // For the decorations of "Compare Folders" (the label stays the name).
  item.resourceUri = remoteUri(node.side, node.path);
  item.contextValue = CONTEXT_BY_KIND[entry.kind];
  item.iconPath = new vscode.ThemeIcon(ICON_BY_KIND[entry.kind]);
  const description: string[] = [];
  if (entry.kind !== 'dir') description.push(formatBytes(entry.size));
  if (entry.modified) description.push(formatDate(entry.modified));
  item.description = description.join(' · ');
  const tooltip = new vscode.MarkdownString();
  tooltip.appendMarkdown('**');
  tooltip.appendText(node.path);
  tooltip.appendMarkdown('**\n\n');
  const lines = [
    entry.kind === 'dir' ? 'Folder' : entry.kind === 'link' ? `Link${entry.target ? ` → ${entry.target}` : ''}` : `${entry.size.toLocaleString('en')} bytes`,
    entry.modified ? `Modified ${entry.modified.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : undefined,
    entry.permissions ? `Permissions ${entry.permissions}` : undefined,
  ].filter((l): l is string => l !== undefined);
  tooltip.appendText(lines.join('\n'));
  item.tooltip = tooltip;
  if (entry.kind === 'dir') {
    item.accessibilityInformation = { label: `Folder ${entry.name}` };
  }
  return item;
}

export function messageItem(node: MessageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
  item.id = `${nodeId(node.side, node.folder)}#${node.type}`;
  item.contextValue = node.type === 'error' ? CONTEXT_VALUES.error : CONTEXT_VALUES.notice;
  item.iconPath = new vscode.ThemeIcon(node.type === 'error' ? 'error' : 'info',
    node.type === 'error' ? new vscode.ThemeColor('list.errorForeground') : undefined);
  item.tooltip = node.detail ?? node.message;
  return item;
}

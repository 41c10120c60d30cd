import * as vscode from 'vscode';
import { REMOTE_SCHEME, SIDES, type Side } from './constants';
import { resolvePath, type CompareEntry, type CompareReport, type CompareStatus } from './fxp';
import type { PairState } from './pairState';

/** A tree item's resource: fxp-remote://a/path (the side, then the path on that side's site). */
export function remoteUri(side: Side, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: REMOTE_SCHEME, authority: side.toLowerCase(), path });
}

interface Look {
  badge: string;
  color: string;
  tooltip: string;
}

const ADDED = 'gitDecoration.untrackedResourceForeground';
const CHANGED = 'gitDecoration.modifiedResourceForeground';
const CONFLICT = 'gitDecoration.conflictingResourceForeground';

/** How an entry looks on one side; undefined when that side shows nothing for it. */
export function decorationFor(entry: Pick<CompareEntry, 'status' | 'detail'>, side: Side): Look | undefined {
  const other = side === 'A' ? 'B' : 'A';
  const status: CompareStatus = entry.status;
  switch (status) {
    case 'same': return undefined;
    case 'only-in-a':
    case 'only-in-b':
      return (status === 'only-in-a') === (side === 'A') ? { badge: side, color: ADDED, tooltip: `Only on Site ${side}` } : undefined;
    case 'newer-in-a':
    case 'newer-in-b': {
      const newer = (status === 'newer-in-a') === (side === 'A');
      return { badge: newer ? 'N' : 'O', color: CHANGED, tooltip: `${newer ? 'Newer' : 'Older'} than on Site ${other} (${entry.detail})` };
    }
    case 'kind-differs': return { badge: '!', color: CONFLICT, tooltip: `A file on one site, a folder on the other (${entry.detail})` };
    default: return { badge: '≠', color: CHANGED, tooltip: `Differs from Site ${other}: ${entry.detail}` };
  }
}

/**
 * The last "Compare Folders" result, shown in both views as decorations (a badge and a colour on each
 * entry that differs). Dropped when either view shows another site.
 */
export class Comparison implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private looks = new Map<string, Look>();
  private current: { report: CompareReport; sites: Record<Side, string> } | undefined;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly state: PairState) {
    this.disposables.push(
      vscode.window.registerFileDecorationProvider(this),
      state.onDidChange(() => {
        if (this.current && SIDES.some(side => this.state.get(side)?.site.name !== this.current!.sites[side])) this.clear();
      }),
    );
  }

  get report(): CompareReport | undefined {
    return this.current?.report;
  }

  /** Shows a comparison of `folders.A` on Site A with `folders.B` on Site B. */
  show(report: CompareReport, folders: Record<Side, string>): void {
    const sites = { A: this.state.require('A').site.name, B: this.state.require('B').site.name };
    const looks = new Map<string, Look>();
    for (const entry of report.entries) {
      for (const side of SIDES) {
        const look = decorationFor(entry, side);
        if (look) looks.set(remoteUri(side, resolvePath(folders[side], entry.path)).toString(), look);
      }
    }
    const before = [...this.looks.keys()];
    this.looks = looks;
    this.current = { report, sites };
    this.changed.fire([...new Set([...before, ...looks.keys()])].map(u => vscode.Uri.parse(u)));
  }

  clear(): void {
    const before = [...this.looks.keys()];
    this.looks = new Map();
    this.current = undefined;
    this.changed.fire(before.map(u => vscode.Uri.parse(u)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== REMOTE_SCHEME) return undefined;
    const look = this.looks.get(uri.toString());
    if (!look) return undefined;
    return new vscode.FileDecoration(look.badge, look.tooltip, new vscode.ThemeColor(look.color));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

import { readFileSync } from 'fs';
import { isAbsolute, join } from 'path';
import * as vscode from 'vscode';
import { CONFIG_SECTION, CONTEXT_KEYS, SETTINGS } from './constants';
import type { Log } from './log';
import {
  insertAfterName, mergeByName, parsePairs, parseSites, renameSiteInPairs, upsertByName,
  type PairConfig, type PairEntry, type SettingOrigin, type SiteConfig, type SiteEntry,
} from './siteConfig';

const TARGETS: Record<SettingOrigin, vscode.ConfigurationTarget> = {
  user: vscode.ConfigurationTarget.Global,
  workspace: vscode.ConfigurationTarget.Workspace,
  workspaceFolder: vscode.ConfigurationTarget.WorkspaceFolder,
};

interface Snapshot {
  sites: SiteEntry[];
  pairs: PairEntry[];
  problems: string[];
  /** Workspace values left out because the workspace is not trusted. */
  ignoredUntrusted: boolean;
}

/**
 * The one typed way to read and write `fxp.sites` and `fxp.sitePairs`. User, workspace and folder values
 * are merged by name. In an untrusted workspace only user settings count: a cloned repository can never
 * make us connect to a host of its choosing.
 */
export class Settings implements vscode.Disposable {
  private snapshot: Snapshot = { sites: [], pairs: [], problems: [], ignoredUntrusted: false };
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private reportedProblems = '';

  constructor(private readonly log: Log) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration(e => {
        if (e.affectsConfiguration(CONFIG_SECTION)) this.reload();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()),
    );
    this.reload();
  }

  get sites(): readonly SiteEntry[] {
    return this.snapshot.sites;
  }

  get pairs(): readonly PairEntry[] {
    return this.snapshot.pairs;
  }

  /** The workspace is untrusted: sites and pairs in its settings (VS Code does not say whether there are any) are ignored. */
  get ignoredUntrusted(): boolean {
    return this.snapshot.ignoredUntrusted;
  }

  /** One sentence per invalid entry, naming the setting, the entry and the field. */
  get problems(): readonly string[] {
    return this.snapshot.problems;
  }

  site(name: string): SiteEntry | undefined {
    return this.snapshot.sites.find(s => s.site.name === name);
  }

  pair(name: string): PairEntry | undefined {
    return this.snapshot.pairs.find(p => p.pair.name === name);
  }

  reload(): void {
    const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
    const trusted = vscode.workspace.isTrusted;
    const scopes = (key: string): [SettingOrigin, unknown][] => {
      const inspected = config.inspect<unknown>(key);
      const out: [SettingOrigin, unknown][] = [['user', inspected?.globalValue]];
      if (trusted) out.push(['workspace', inspected?.workspaceValue], ['workspaceFolder', inspected?.workspaceFolderValue]);
      return out;
    };
    const problems: string[] = [];
    const siteScopes = scopes(SETTINGS.sites).map(([origin, raw]) => {
      const parsed = parseSites(raw, origin);
      problems.push(...parsed.problems);
      return parsed.entries;
    });
    const sites = mergeByName(siteScopes, e => e.site.name);
    for (const entry of sites) this.loadCa(entry, problems);
    const names = new Set(sites.map(s => s.site.name));
    const pairScopes = scopes(SETTINGS.sitePairs).map(([origin, raw]) => {
      const parsed = parsePairs(raw, origin, names);
      problems.push(...parsed.problems);
      return parsed.entries;
    });
    // VS Code hides restricted settings' workspace values from inspect() while untrusted, so whether the
    // workspace names any cannot be known here: any untrusted workspace gets the note.
    const ignoredUntrusted = !trusted && (vscode.workspace.workspaceFolders?.length ?? 0) + (vscode.workspace.workspaceFile ? 1 : 0) > 0;
    this.snapshot = { sites, pairs: mergeByName(pairScopes, e => e.pair.name), problems, ignoredUntrusted };
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.untrustedSitesIgnored, ignoredUntrusted);
    this.reportProblems();
    this.changed.fire();
  }

  private loadCa(entry: SiteEntry, problems: string[]): void {
    const file = entry.config.caFile;
    if (!file) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const path = isAbsolute(file) || !folder ? file : join(folder, file);
    try {
      entry.site.ca = [readFileSync(path, 'utf8')];
    } catch (err) {
      problems.push(`fxp.sites ("${entry.site.name}"): "caFile" ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); give the path of a PEM file.`);
    }
  }

  private reportProblems(): void {
    const text = this.snapshot.problems.join('\n');
    if (text === this.reportedProblems) return;
    this.reportedProblems = text;
    if (!text) return;
    for (const problem of this.snapshot.problems) this.log.warn(`Settings: ${problem}`);
    const first = this.snapshot.problems[0]!;
    const more = this.snapshot.problems.length > 1 ? ` (and ${this.snapshot.problems.length - 1} more; see the log)` : '';
    void vscode.window.showWarningMessage(`FXP settings: ${first}${more}`, 'Open Settings', 'Show Log').then(choice => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettingsJson');
      if (choice === 'Show Log') this.log.show();
    });
  }

  /** Where new entries go: the workspace when a folder is open, else the user's settings. */
  defaultOrigin(): SettingOrigin {
    return vscode.workspace.workspaceFolders?.length ? 'workspace' : 'user';
  }

  async writeSite(origin: SettingOrigin, name: string, config: SiteConfig | undefined): Promise<void> {
    await this.write(SETTINGS.sites, origin, name, config);
  }

  async writePair(origin: SettingOrigin, name: string, pair: PairConfig | undefined): Promise<void> {
    await this.write(SETTINGS.sitePairs, origin, name, pair);
  }

  /**
   * Renames a site and every pair naming it, in every scope, keeping each entry as written. The new entry
   * is added before the old one goes, so no pair ever names a missing site (which would drop the pair).
   */
  async renameSite(origin: SettingOrigin, original: string, config: SiteConfig): Promise<void> {
    await this.update(SETTINGS.sites, origin, list => insertAfterName(list, original, config));
    for (const scope of Object.keys(TARGETS) as SettingOrigin[]) {
      const pairs = this.raw(SETTINGS.sitePairs, scope);
      const renamed = renameSiteInPairs(pairs, original, config.name);
      if (renamed) await this.update(SETTINGS.sitePairs, scope, () => renamed);
    }
    await this.writeSite(origin, original, undefined);
  }

  private async write(key: string, origin: SettingOrigin, name: string, entry: { name: string } | undefined): Promise<void> {
    await this.update(key, origin, list => upsertByName(list, name, entry));
  }

  private raw(key: string, origin: SettingOrigin): unknown[] {
    const inspected = vscode.workspace.getConfiguration(CONFIG_SECTION).inspect<unknown[]>(key);
    const current = origin === 'user' ? inspected?.globalValue : origin === 'workspace' ? inspected?.workspaceValue : inspected?.workspaceFolderValue;
    return Array.isArray(current) ? current : [];
  }

  private async update(key: string, origin: SettingOrigin, change: (list: unknown[]) => unknown[]): Promise<void> {
    const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
    await config.update(key, change(this.raw(key, origin)), TARGETS[origin]);
    this.reload();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

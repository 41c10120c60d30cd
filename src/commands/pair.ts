/** Open/Save Site Pair, Connect/Disconnect, Swap, Refresh, folders, Diagnose. */
import * as vscode from 'vscode';
import { CONTAINER, SIDES, type Side } from '../constants';
import { doctor, parentPath, type DoctorReport, type Site } from '../fxp';
import { sideLabel } from '../pairState';
import { NO_MUTUAL_AUTHENTICATION, type ProtectionSummary } from '../protection';
import type { Services } from '../services';
import { isEntryNode, isMessageNode } from '../tree/nodes';
import { isSide, pickSide, pickSite, required } from './pick';

/** Logs in (asking for the password if needed), then shows the site in the view. */
export async function openSite(s: Services, side: Side, site: Site, folder?: string): Promise<void> {
  const home = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `FXP: connecting to ${site.name}` },
    () => s.engine.home(site),
  );
  s.state.set(side, { site, folder: folder || home });
  s.log.info(`${sideLabel(side)}: ${site.name} ${folder || home}`);
  await vscode.commands.executeCommand(`workbench.view.extension.${CONTAINER}`);
}

export async function openSitePair(s: Services, arg: unknown): Promise<void> {
  let name: string | undefined = typeof arg === 'string' ? arg : undefined;
  if (name === undefined) {
    const choose = '$(add) Choose two sites…';
    const items = [
      ...s.settings.pairs.map(({ pair }) => ({ label: pair.name, description: `${pair.siteA} ⇄ ${pair.siteB}`, detail: pair.relay && pair.relay !== 'ask' ? `relay: ${pair.relay}` : undefined })),
      { label: choose, description: 'not saved; "Save Site Pair to Workspace…" keeps it' },
    ];
    name = required(await s.prompts.pick(items, { title: 'FXP: Open Site Pair', placeHolder: 'Site pair (fxp.sitePairs)' })).label;
    if (name === choose) {
      const a = await pickSite(s, 'Site A (drag from here…)');
      const b = await pickSite(s, 'Site B (…to here, or the other way)');
      await openSite(s, 'A', a.site);
      await openSite(s, 'B', b.site);
      return;
    }
  }
  const entry = s.settings.pair(name);
  if (!entry) throw new Error(s.settings.ignoredUntrusted
    ? `There is no site pair named "${name}" in your user settings. This workspace is not trusted, so the sites and pairs in its settings are ignored: trust it (Workspaces: Manage Workspace Trust) to use them.`
    : `There is no site pair named "${name}" in fxp.sitePairs.`);
  const { pair } = entry;
  const a = s.settings.site(pair.siteA);
  const b = s.settings.site(pair.siteB);
  if (!a || !b) throw new Error(`Site pair "${pair.name}" names a site missing from fxp.sites ("${!a ? pair.siteA : pair.siteB}").`);
  await openSite(s, 'A', a.site, pair.folderA);
  await openSite(s, 'B', b.site, pair.folderB);
  s.state.pairName = pair.name;
}

export async function saveSitePair(s: Services): Promise<void> {
  const a = s.state.require('A');
  const b = s.state.require('B');
  if (!vscode.workspace.workspaceFolders?.length) throw new Error('Open a folder or workspace first: site pairs are saved in its settings (.vscode/settings.json).');
  for (const state of [a, b]) {
    if (!s.settings.site(state.site.name)) throw new Error(`Site "${state.site.name}" is not in fxp.sites; add it first ("FXP: Add Site…").`);
  }
  const name = required(await vscode.window.showInputBox({
    title: 'FXP: Save Site Pair to Workspace', prompt: 'Name of the pair',
    value: s.state.pairName ?? `${a.site.name} ⇄ ${b.site.name}`, ignoreFocusOut: true,
    validateInput: v => v.trim() ? undefined : 'A name is needed.',
  })).trim();
  // Saving over a pair keeps its other settings (data protection, exists-rule, exclude, parallel).
  const existing = s.settings.pair(name);
  await s.settings.writePair('workspace', name, {
    ...(existing?.origin === 'workspace' ? existing.pair : {}),
    name, siteA: a.site.name, siteB: b.site.name, folderA: a.folder, folderB: b.folder, relay: s.state.relayChoice(),
  });
  s.state.pairName = name;
  void vscode.window.showInformationMessage(`Saved site pair "${name}" in the workspace settings (fxp.sitePairs). Passwords are not in it.`);
}

export async function connect(s: Services, arg: unknown): Promise<void> {
  const side = isSide(arg) ? arg : await pickSide(s, 'Which view?');
  const entry = await pickSite(s, `Site to show in ${sideLabel(side)}`);
  await openSite(s, side, entry.site);
}

export async function disconnect(s: Services, arg: unknown): Promise<void> {
  const side = isSide(arg) ? arg : isEntryNode(arg) ? arg.side
    : await pickSide(s, 'Disconnect which view?', side => s.state.get(side) !== undefined);
  const state = s.state.get(side);
  if (!state) return;
  s.state.set(side, undefined);
  s.log.info(`${sideLabel(side)}: disconnected from ${state.site.name}`);
}

export function swapSites(s: Services): void {
  s.state.swap();
}

export function refresh(s: Services, arg: unknown): void {
  if (isEntryNode(arg)) {
    s.trees[arg.side].refresh(arg.entry.kind === 'dir' ? arg.path : parentPath(arg.path));
    return;
  }
  // The inline Refresh of a "Cannot list" row: that folder, in that view.
  if (isMessageNode(arg)) {
    s.trees[arg.side].refresh(arg.folder);
    return;
  }
  for (const side of isSide(arg) ? [arg] : (SIDES)) s.trees[side].refresh();
}

export function parentFolder(s: Services, side: Side): void {
  const { folder } = s.state.require(side);
  s.state.setFolder(side, parentPath(folder));
}

export function openFolder(s: Services, arg: unknown): void {
  if (!isEntryNode(arg) || arg.entry.kind !== 'dir') return;
  s.state.setFolder(arg.side, arg.path);
}

export async function diagnose(s: Services): Promise<DoctorReport> {
  const a = s.state.require('A');
  const b = s.state.require('B');
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `FXP: diagnosing ${a.site.name} ⇄ ${b.site.name} (a 64 KiB probe file each way)` },
    () => doctor(s.engine, a.site, b.site, { a: a.folder, b: b.folder }),
  );
  for (const line of report.summary) s.log.info(`Diagnose: ${line}`);
  const protection = s.protection.summary();
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: renderReport(report, a.site, b.site, protection) });
  await vscode.window.showTextDocument(doc, { preview: true });
  return report;
}

function renderReport(report: DoctorReport, a: Site, b: Site, protection: ProtectionSummary | undefined): string {
  const lines = [`# FXP diagnosis: ${a.name} ⇄ ${b.name}`, '', '## Sites', ''];
  for (const site of report.sites) {
    lines.push(`- **${site.site}**: ${site.ok ? `connected${site.server ? ` (${site.server})` : ''}${site.tls ? ', TLS' : ''}` : `cannot connect: ${site.error?.message ?? ''}`}`);
    if (site.welcome) lines.push(`  - welcome: \`${site.welcome}\``);
    if (site.features?.length) lines.push(`  - features: ${site.features.join(', ')}`);
  }
  if (report.directions.length) {
    lines.push('', '## Directions', '', '| from | to | passive side | result |', '|---|---|---|---|');
    for (const d of report.directions) {
      const passive = d.orientation === 'dst-passive' ? d.to : d.from;
      lines.push(`| ${d.from} | ${d.to} | ${passive} | ${d.ok ? '✅ ' : '❌ '}${d.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    }
  }
  lines.push('', '## Data protection', '');
  if (protection) lines.push(`**${protection.label}**`, '', ...protection.lines.map(l => `- ${l}`));
  if (!protection?.lines.includes(NO_MUTUAL_AUTHENTICATION)) lines.push(`- ${NO_MUTUAL_AUTHENTICATION}`);
  lines.push('', '## Summary', '', ...report.summary.map(l => `- ${l}`), '',
    'FXP copies go from server to server. When every direction fails, copies can be relayed through this machine if the site pair allows it (fxp.sitePairs › relay, fxp.sites › fxpPolicy).', '');
  return lines.join('\n');
}

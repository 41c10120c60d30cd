import * as vscode from 'vscode';
import { COMMANDS, PROTECTION_ITEM, SIDES } from './constants';
import { ClearDataNotice } from './clearDataNotice';
import type { ExtensionEngine, TlsCapabilities } from './extensionEngine';
import type { CopyResult, DataProtection, Site } from './fxp';
import type { Log } from './log';
import type { PairState } from './pairState';
import type { Prompts } from './prompts';
import {
  expectedProtection, hasTls, NO_MUTUAL_AUTHENTICATION, pairProtection, type LastCopy, type ProtectionState, type ProtectionSummary,
} from './protection';

const ICONS: Record<ProtectionState, string> = { encrypted: '$(lock)', clear: '$(unlock)', unknown: '$(shield)', blocked: '$(warning)' };

const capsKey = (site: Site) => JSON.stringify([site.host, site.port, site.security, site.user]);
const pairKey = (x: string, y: string) => [x, y].sort().join('\0');

/**
 * The open pair's data protection at a glance: a status bar item ("TLS FXP (SSCN)", "clear data",
 * "relay (TLS)") whose tooltip explains it, from the sites' TLS, what their servers offer once connected,
 * the pair's policy, and the channel of the last copy between them. Says once per session, at the first
 * TLS FXP copy, that the two servers do not authenticate each other; and before the first copy of a pair
 * whose file data will cross unencrypted, that it will.
 */
export class ProtectionStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly caps = new Map<string, TlsCapabilities>();
  private readonly probing = new Map<string, Promise<TlsCapabilities | undefined>>();
  private readonly last = new Map<string, LastCopy>();
  private toldAboutAuthentication = false;
  private tooltipText = '';
  private readonly disposables: vscode.Disposable[] = [];
  private readonly clearData: ClearDataNotice;

  constructor(
    private readonly state: PairState,
    private readonly engine: ExtensionEngine,
    private readonly prompts: Prompts,
    private readonly log: Log,
    settingsChanged: vscode.Event<void>,
    workspaceState: vscode.Memento,
  ) {
    this.clearData = new ClearDataNotice(workspaceState, prompts, log);
    this.item = vscode.window.createStatusBarItem(PROTECTION_ITEM, vscode.StatusBarAlignment.Left, 9);
    this.item.name = 'FXP data protection';
    this.item.command = COMMANDS.diagnose;
    this.disposables.push(
      this.item,
      state.onDidChange(() => {
        this.update();
        this.probe();
      }),
      state.onDidChangePair(() => this.update()),
      settingsChanged(() => this.update()),
      engine.onDidCopy(result => this.copied(result)),
    );
    this.update();
  }

  /** The open pair's protection; undefined unless both views show a site. */
  summary(): ProtectionSummary | undefined {
    const a = this.state.get('A')?.site;
    const b = this.state.get('B')?.site;
    if (!a || !b) return undefined;
    const { dataProtection, relay } = this.state.options();
    return pairProtection({
      a, b, policy: dataProtection, relay,
      caps: { a: this.caps.get(capsKey(a)), b: this.caps.get(capsKey(b)) },
      last: this.last.get(pairKey(a.name, b.name)),
    });
  }

  /**
   * Before a copy from `source`: for each destination whose file data will cross the network unencrypted
   * (plain FTP, or clear-data FXP the policy allows), the user is told once per pair and session.
   */
  async beforeCopy(source: Site, destinations: readonly Site[], policy: DataProtection): Promise<void> {
    for (const destination of destinations) {
      const [a, b] = await Promise.all([this.capabilitiesOf(source), this.capabilitiesOf(destination)]);
      const expected = expectedProtection({ a: source, b: destination, policy, relay: 'ask', caps: { a, b } });
      if (expected.state === 'clear') this.clearData.tell(source, destination, expected);
    }
  }

  /** SSCN/CPSV of a TLS site, asked for once (undefined: plain FTP, or the login failed: the copy will say why). */
  private capabilitiesOf(site: Site): Promise<TlsCapabilities | undefined> {
    if (!hasTls(site)) return Promise.resolve(undefined);
    const key = capsKey(site);
    const known = this.caps.get(key);
    if (known) return Promise.resolve(known);
    let asking = this.probing.get(key);
    if (!asking) {
      asking = this.engine.capabilities(site).then(caps => {
        this.caps.set(key, caps);
        return caps;
      }, () => undefined).finally(() => this.probing.delete(key));
      this.probing.set(key, asking);
    }
    return asking;
  }

  /** The status bar item's text and tooltip (tests read them). */
  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return this.tooltipText;
  }

  private update(): void {
    const summary = this.summary();
    if (!summary) {
      this.item.hide();
      return;
    }
    const a = this.state.get('A')!.site.name;
    const b = this.state.get('B')!.site.name;
    this.item.text = `${ICONS[summary.state]} FXP: ${summary.label}`;
    const title = `Data between ${a} and ${b}: ${summary.label}`;
    const click = 'Click: Diagnose Site Pair.';
    this.tooltipText = [title, ...summary.lines, click].join('\n\n');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown('**');
    tooltip.appendText(title);
    tooltip.appendMarkdown('**\n\n');
    for (const line of [...summary.lines, click]) {
      tooltip.appendText(line);
      tooltip.appendMarkdown('\n\n');
    }
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: `FXP data protection: ${summary.label}` };
    this.item.show();
  }

  /** Reads SSCN/CPSV of both TLS sites from a logged-in connection (the views log in anyway). */
  private probe(): void {
    for (const side of SIDES) {
      const site = this.state.get(side)?.site;
      if (site && hasTls(site) && !this.caps.has(capsKey(site))) void this.capabilitiesOf(site).then(caps => caps && this.update());
    }
  }

  private copied(result: CopyResult): void {
    const from = result.source.site;
    const to = result.destination.site;
    this.last.set(pairKey(from, to), { from, to, channel: result.channel, encrypted: result.encrypted, at: new Date() });
    this.update();
    if (!this.toldAboutAuthentication && result.channel.startsWith('TLS FXP')) {
      this.toldAboutAuthentication = true;
      const text = `FXP: ${from} → ${to} went by ${result.channel}: the file data was encrypted between the servers. ${NO_MUTUAL_AUTHENTICATION}`;
      this.log.info(text);
      void this.prompts.message('info', text);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

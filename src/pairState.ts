import * as vscode from 'vscode';
import { CONNECTED_KEY, SIDES, type Side } from './constants';
import type { FxpEngine, Site } from './fxp';
import type { Settings } from './settings';
import { pairOptions, type PairOptions, type RelayChoice } from './siteConfig';

export interface SideState {
  site: Site;
  /** The folder the view shows at its top level. */
  folder: string;
}

export function otherSide(side: Side): Side {
  return side === 'A' ? 'B' : 'A';
}

export function sideLabel(side: Side): string {
  return `Site ${side}`;
}

/**
 * What the two views show: a site and a folder each, and the open pair's relay choice.
 * Keeps the `fxp.siteX.connected` context keys in step.
 */
export class PairState implements vscode.Disposable {
  private readonly sides: Record<Side, SideState | undefined> = { A: undefined, B: undefined };
  private openPairName: string | undefined;
  /** Relay answers for pairs not saved in settings, for this session. */
  private readonly sessionRelay = new Map<string, RelayChoice>();
  private readonly changed = new vscode.EventEmitter<Side>();
  readonly onDidChange = this.changed.event;
  private readonly pairChanged = new vscode.EventEmitter<void>();
  /** The views now show another saved pair, or none (its settings apply from now on). */
  readonly onDidChangePair = this.pairChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.pairChanged];

  constructor(private readonly settings: Settings, private readonly engine: FxpEngine) {
    for (const side of SIDES) void this.setContext(side);
    this.disposables.push(settings.onDidChange(() => this.followSettings()));
  }

  /** Name of the saved pair the views were opened from, if any. */
  get pairName(): string | undefined {
    return this.openPairName;
  }

  set pairName(name: string | undefined) {
    if (name === this.openPairName) return;
    this.openPairName = name;
    this.pairChanged.fire();
  }

  get(side: Side): SideState | undefined {
    return this.sides[side];
  }

  /** A site open in either view, by name. */
  siteNamed(name: string): Site | undefined {
    return [this.sides.A, this.sides.B].find(s => s?.site.name === name)?.site;
  }

  require(side: Side): SideState {
    const state = this.sides[side];
    if (!state) throw new Error(`${sideLabel(side)} has no site open. Run "FXP: Open Site Pair…" or "FXP: Connect".`);
    return state;
  }

  set(side: Side, state: SideState | undefined): void {
    const before = this.sides[side];
    this.sides[side] = state;
    if (!state || state.site.name !== before?.site.name) this.pairName = undefined;
    if (before && !this.inUse(before.site)) this.engine.disconnect(before.site);
    void this.setContext(side);
    this.changed.fire(side);
  }

  setFolder(side: Side, folder: string): void {
    const state = this.require(side);
    this.sides[side] = { ...state, folder };
    this.changed.fire(side);
  }

  openPair(name: string | undefined, a: SideState, b: SideState): void {
    this.set('A', a);
    this.set('B', b);
    this.pairName = name;
  }

  swap(): void {
    const { A, B } = this.sides;
    this.sides.A = B;
    this.sides.B = A;
    for (const side of SIDES) {
      void this.setContext(side);
      this.changed.fire(side);
    }
  }

  /** The transfer settings of the pair now open: its settings entry, or the defaults for an unsaved pair. */
  options(): PairOptions {
    const saved = this.pairName ? this.settings.pair(this.pairName) : undefined;
    return { ...pairOptions(saved?.pair), relay: this.relayChoice() };
  }

  /** The relay choice of the pair now open: from its settings entry, or what the user said this session. */
  relayChoice(): RelayChoice {
    const saved = this.pairName ? this.settings.pair(this.pairName) : undefined;
    if (saved) return saved.pair.relay ?? 'ask';
    return this.sessionRelay.get(this.sessionKey()) ?? 'ask';
  }

  async setRelayChoice(choice: RelayChoice): Promise<void> {
    const saved = this.pairName ? this.settings.pair(this.pairName) : undefined;
    if (saved) {
      await this.settings.writePair(saved.origin, saved.pair.name, { ...saved.pair, relay: choice });
    } else {
      this.sessionRelay.set(this.sessionKey(), choice);
    }
  }

  private sessionKey(): string {
    return [this.sides.A?.site.name ?? '', this.sides.B?.site.name ?? ''].sort().join('\u0000');
  }

  private inUse(site: Site): boolean {
    return Object.values(this.sides).some(s => s?.site.name === site.name);
  }

  /** A site edited or removed in settings: the view follows (and drops connections made with the old values). */
  private followSettings(): void {
    for (const side of SIDES) {
      const state = this.sides[side];
      if (!state) continue;
      const entry = this.settings.site(state.site.name);
      if (!entry) continue; // opened ad hoc or removed: keep showing what the user opened
      if (JSON.stringify(entry.site) !== JSON.stringify(state.site)) {
        this.engine.disconnect(state.site);
        this.set(side, { site: entry.site, folder: state.folder });
      }
    }
  }

  private async setContext(side: Side): Promise<void> {
    await vscode.commands.executeCommand('setContext', CONNECTED_KEY[side], this.sides[side] !== undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

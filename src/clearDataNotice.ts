import type * as vscode from 'vscode';
import { WORKSPACE_STATE_KEYS } from './constants';
import { credentialKey, type Site } from './fxp';
import type { Log } from './log';
import type { Prompts } from './prompts';
import { hasTls, type ProtectionSummary } from './protection';

export const DONT_SHOW_FOR_PAIR = 'Don\'t Show Again for This Pair';

/** The pair as the servers know it (never a name a workspace can point elsewhere): "ftp://u@h:21 ⇄ ftps://v@k:21". */
function pairKey(a: Site, b: Site): string {
  return [credentialKey(a), credentialKey(b)].sort().join(' ⇄ ');
}

/**
 * Says before the first copy of a pair in a session that its file data will cross the network
 * unencrypted (plain FTP, or clear-data FXP the pair allows). Not modal; "Don't Show Again for This Pair"
 * is kept in the workspace's state, and the log says it every session all the same.
 */
export class ClearDataNotice {
  private readonly told = new Set<string>();

  constructor(private readonly memento: vscode.Memento, private readonly prompts: Prompts, private readonly log: Log) {}

  /** True when the notice was shown now. */
  tell(from: Site, to: Site, summary: ProtectionSummary): boolean {
    const key = pairKey(from, to);
    if (this.told.has(key)) return false;
    this.told.add(key);
    const plain = [from, to].filter(site => !hasTls(site)).map(site => site.name);
    const why = plain.length
      ? `${plain.join(' and ')} ${plain.length > 1 ? 'have' : 'has'} no TLS set up (fxp.sites › security).`
      : `${summary.lines[0]} This pair allows clear data (fxp.sitePairs › dataProtection).`;
    const text = `Copying from ${from.name} to ${to.name}: the file data will cross the network UNENCRYPTED (${summary.label}). ${why}`;
    const silenced = this.silenced().includes(key);
    this.log.warn(`${text}${silenced ? ' (This notice is turned off for this pair in this workspace.)' : ''}`);
    if (silenced) return false;
    void this.prompts.message('warning', text, {}, DONT_SHOW_FOR_PAIR).then(async choice => {
      if (choice !== DONT_SHOW_FOR_PAIR) return;
      await this.memento.update(WORKSPACE_STATE_KEYS.clearDataNoticeOff, [...new Set([...this.silenced(), key])]);
      this.log.info(`The notice about unencrypted data is off for ${key} in this workspace; the status bar still says it.`);
    });
    return true;
  }

  /** Pairs whose notice the user turned off in this workspace. */
  silenced(): string[] {
    return this.memento.get<string[]>(WORKSPACE_STATE_KEYS.clearDataNoticeOff) ?? [];
  }
}

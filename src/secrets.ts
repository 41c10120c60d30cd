import { createHash } from 'crypto';
import * as vscode from 'vscode';
import { cancelledError, credentialKey, isFxpError, type Site } from './fxp';
import { SECRET_PREFIX } from './constants';
import type { Log } from './log';
import type { Prompts } from './prompts';

type CredentialSite = Pick<Site, 'name' | 'user' | 'host' | 'port' | 'security' | 'verifyCertificate' | 'ca'>;

/**
 * `ftp[s]://user@host:port`, and for a TLS site that weakens the certificate check (verification off, or extra
 * CAs) a mark of that: a workspace that turns verification off for a server, or adds its own CA, can never get
 * the password kept for the verified server sent over a connection an impostor could have answered.
 */
export function secretKey(site: CredentialSite): string {
  return SECRET_PREFIX + credentialKey(site) + trustScope(site);
}

function trustScope(site: CredentialSite): string {
  if (site.security === 'none') return '';
  if (site.verifyCertificate === false) return '#unverified';
  if (site.ca?.length) return `#ca=${createHash('sha256').update([...site.ca].sort().join('\n')).digest('hex').slice(0, 16)}`;
  return '';
}

/** How the password prompt names the site: its credential, and a warning when its certificate is not checked. */
function promptName(site: CredentialSite): string {
  return credentialKey(site) + (site.security !== 'none' && site.verifyCertificate === false ? ' (certificate NOT verified: fxp.sites › verifyCertificate is false)' : '');
}

const REMEMBER = 'Remember in VS Code\'s secret storage';
const SESSION_ONLY = 'Only until VS Code closes';

/**
 * Passwords: kept in SecretStorage (when the user says so) or in memory for this session, keyed by
 * `ftp[s]://user@host:port`, never by the site's name: a workspace that points a known site name at
 * another host gets asked, not given the stored password. Never written to settings or the log.
 */
export class Passwords {
  private readonly session = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();
  /** Keys whose stored password was refused by the server: ask again instead of reusing it. */
  private readonly refused = new Set<string>();

  /** `prompts`: where the password and the remember question are asked (the tests answer there); else VS Code's own boxes. */
  constructor(private readonly secrets: vscode.SecretStorage, private readonly log: Log, private readonly prompts?: Prompts) {}

  /** The engine's password callback. Concurrent connects to one site share one prompt. */
  get(site: CredentialSite): Promise<string> {
    const key = secretKey(site);
    const known = this.session.get(key);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.lookupOrAsk(site, key).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async lookupOrAsk(site: CredentialSite, key: string): Promise<string> {
    if (!this.refused.has(key)) {
      const stored = await this.secrets.get(key);
      if (stored !== undefined) {
        this.remember(key, stored);
        return stored;
      }
    }
    const again = this.refused.has(key);
    const box: vscode.InputBoxOptions = {
      title: `FXP: password for ${site.name}`,
      prompt: `${again ? 'The server refused the last password. ' : ''}Password for ${promptName(site)}`,
      password: true,
      ignoreFocusOut: true,
    };
    const password = this.prompts ? await this.prompts.input(box) : await vscode.window.showInputBox(box);
    if (password === undefined) throw cancelledError(site.name);
    const question: vscode.QuickPickOptions = {
      title: `FXP: remember the password for ${site.name}?`,
      placeHolder: 'Passwords are never written to settings files.',
      ignoreFocusOut: true,
    };
    const choice = this.prompts
      ? (await this.prompts.pick([REMEMBER, SESSION_ONLY].map(label => ({ label })), question))?.label
      : await vscode.window.showQuickPick([REMEMBER, SESSION_ONLY], question);
    this.refused.delete(key);
    if (choice === REMEMBER) await this.store(site, password);
    else this.remember(key, password);
    return password;
  }

  private remember(key: string, password: string): void {
    this.log.addSecret(password);
    this.session.set(key, password);
  }

  /** Keeps a password in SecretStorage (and for this session). */
  async store(site: CredentialSite, password: string): Promise<void> {
    const key = secretKey(site);
    await this.secrets.store(key, password);
    this.remember(key, password);
    this.log.info(`Password for ${credentialKey(site)} kept in VS Code's secret storage.`);
  }

  /** Uses a password for this session only, without storing it (the demo's helper extension pre-fills its sites). */
  useForSession(site: CredentialSite, password: string): void {
    this.remember(secretKey(site), password);
  }

  async isStored(site: CredentialSite): Promise<boolean> {
    return (await this.secrets.get(secretKey(site))) !== undefined;
  }

  /** Removes the password from SecretStorage and from this session. */
  async forget(site: CredentialSite): Promise<boolean> {
    const key = secretKey(site);
    const had = (await this.secrets.get(key)) !== undefined || this.session.has(key);
    await this.secrets.delete(key);
    this.session.delete(key);
    this.refused.delete(key);
    return had;
  }

  /** A login failure: do not use the same password again without asking. */
  noteError(err: unknown, siteByName: (name: string) => CredentialSite | undefined): void {
    if (!isFxpError(err, 'LOGIN_FAILED') || !err.site) return;
    const site = siteByName(err.site);
    if (!site) return;
    const key = secretKey(site);
    this.session.delete(key);
    this.refused.add(key);
  }
}

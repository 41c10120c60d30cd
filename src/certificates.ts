import * as vscode from 'vscode';
import { STATE_KEYS } from './constants';
import type { CertificateInfo, FxpError, Site } from './fxp';
import { normalizeFingerprint } from './fxp';
import type { Log } from './log';
import type { Prompts } from './prompts';

/** One certificate the user trusted for a server. */
export interface PinnedCertificate {
  fingerprint256: string;
  subject: string;
  issuer: string;
  validTo: string;
  /** The site it was trusted from (its name then). */
  site: string;
  trustedAt: string;
}

/** Pinned certificates by server ("host:port"), as kept in globalState. */
type Store = Record<string, PinnedCertificate[]>;

export const TRUST = 'Trust This Certificate';
export const SHOW = 'Show Certificate';
export const TRUST_NEW = 'Trust New Certificate';
export const REPLACE = 'Replace and Trust';

/** The server a certificate belongs to: host and port, whatever the site is called and whoever logs in. */
export function serverKey(site: Pick<Site, 'host' | 'port'>): string {
  return `${site.host.includes(':') ? `[${site.host}]` : site.host}:${site.port}`;
}

const REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'it is signed by a self-signed authority that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'it is signed by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'it is signed by an unknown authority',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it was issued for another host name',
};

export function reasonText(reason: string): string {
  return REASONS[reason] ? `${REASONS[reason]} (${reason})` : reason;
}

/** Subject, issuer, validity and SHA-256 fingerprint, one per line. */
export function certificateLines(cert: CertificateInfo): string[] {
  return [
    `Subject: ${cert.subject || '(none)'}`,
    `Issuer: ${cert.issuer || '(none)'}`,
    `Valid from ${cert.validFrom} to ${cert.validTo}`,
    `SHA-256 fingerprint: ${cert.fingerprint256}`,
  ];
}

/**
 * Certificates the user trusted, pinned per server by their SHA-256 fingerprint, kept in VS Code's global
 * state (never in a workspace, so a cloned repository cannot pin a certificate for you). A refused
 * certificate is asked about once, however many connections hit it at the same time.
 */
export class CertificateTrust implements vscode.Disposable {
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento, private readonly prompts: Prompts, private readonly log: Log) {}

  private get store(): Store {
    return this.memento.get<Store>(STATE_KEYS.trustedCertificates) ?? {};
  }

  /** The fingerprints pinned for this site's server. */
  pinned(site: Pick<Site, 'host' | 'port'>): string[] {
    return (this.store[serverKey(site)] ?? []).map(c => c.fingerprint256);
  }

  /** Every pinned certificate by server. */
  entries(): { server: string; certificates: PinnedCertificate[] }[] {
    return Object.entries(this.store).map(([server, certificates]) => ({ server, certificates }));
  }

  /** Pins a certificate for the site's server; `replace` drops the ones pinned before (a changed certificate). */
  async pin(site: Site, cert: Pick<CertificateInfo, 'fingerprint256' | 'subject' | 'issuer' | 'validTo'>, replace = false): Promise<void> {
    const key = serverKey(site);
    const store = this.store;
    const fingerprint256 = normalizeFingerprint(cert.fingerprint256);
    const kept = replace ? [] : (store[key] ?? []).filter(c => c.fingerprint256 !== fingerprint256);
    store[key] = [...kept, { fingerprint256, subject: cert.subject, issuer: cert.issuer, validTo: cert.validTo, site: site.name, trustedAt: new Date().toISOString() }];
    await this.memento.update(STATE_KEYS.trustedCertificates, store);
    this.log.info(`Certificate ${fingerprint256} trusted for ${key} (site "${site.name}")${replace ? ', replacing the one trusted before' : ''}.`);
    this.changed.fire();
  }

  /** Forgets every certificate pinned for these servers; returns how many. */
  async forget(servers: readonly string[]): Promise<number> {
    const store = this.store;
    let count = 0;
    for (const server of servers) {
      count += store[server]?.length ?? 0;
      delete store[server];
    }
    await this.memento.update(STATE_KEYS.trustedCertificates, store);
    this.log.info(`Forgot ${count} trusted certificate(s) of ${servers.join(', ') || 'no server'}.`);
    this.changed.fire();
    return count;
  }

  /** The engine's question when a server's certificate is refused: true when the user trusts it now. */
  refused(site: Site, error: FxpError): Promise<boolean> {
    const cert = error.certificate;
    if (!cert) return Promise.resolve(false);
    // Trusted meanwhile (another connection's question, answered while this one was connecting): no new question.
    if (this.pinned(site).includes(normalizeFingerprint(cert.fingerprint256))) return Promise.resolve(true);
    const key = `${error.code}|${serverKey(site)}|${normalizeFingerprint(cert.fingerprint256)}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = (error.code === 'CERT_CHANGED' ? this.askChanged(site, cert) : this.askUntrusted(site, cert)).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async askUntrusted(site: Site, cert: CertificateInfo): Promise<boolean> {
    const server = serverKey(site);
    this.log.warn(`${site.name}: the certificate of ${server} is not trusted: ${reasonText(cert.reason)}. ${certificateLines(cert).join('; ')}`);
    const choice = await this.prompts.message('warning',
      `${site.name} (${server}): the server's certificate is not trusted, because ${reasonText(cert.reason)}. Trust it for this server?`,
      {
        modal: true,
        detail: [
          ...certificateLines(cert), '',
          'Trust it only if this fingerprint is the one the server\'s administrator gave you.',
          `FXP then pins it for ${server} (in VS Code's global storage, not in the workspace) and from then on accepts this certificate there and refuses any other.`,
        ].join('\n'),
      },
      TRUST);
    if (choice !== TRUST) {
      this.log.info(`${site.name}: certificate ${cert.fingerprint256} not trusted (your choice).`);
      return false;
    }
    await this.pin(site, cert);
    return true;
  }

  private async askChanged(site: Site, cert: CertificateInfo): Promise<boolean> {
    const server = serverKey(site);
    const before = this.pinned(site);
    const warning = 'This can mean that someone is intercepting the connection between you and the server, or that the server\'s certificate was renewed. '
      + 'Ask the server\'s administrator for the new fingerprint before trusting it: if it was not renewed, your password and files would go to whoever intercepts.';
    this.log.warn(`${site.name}: ${server} presented a different certificate (${cert.fingerprint256}) from the one you trusted (${before.join(', ')}); connection refused.`);
    const choice = await this.prompts.message('warning',
      `${site.name} (${server}) presented a DIFFERENT certificate from the one you trusted. The connection was refused.`,
      { modal: true, detail: [...certificateLines(cert), '', `Trusted until now: ${before.join(', ')}`, '', warning].join('\n') },
      SHOW, TRUST_NEW);
    if (choice === SHOW) {
      await this.show(site, cert, before, warning);
      return false;
    }
    if (choice !== TRUST_NEW) return false;
    const confirm = await this.prompts.message('warning', `Replace the trusted certificate of ${server} with the new one?`, {
      modal: true,
      detail: `Only if the server's administrator confirmed this SHA-256 fingerprint:\n${cert.fingerprint256}\n\n${warning}`,
    }, REPLACE);
    if (confirm !== REPLACE) return false;
    await this.pin(site, cert, true);
    return true;
  }

  private async show(site: Site, cert: CertificateInfo, before: string[], warning: string): Promise<void> {
    const content = [
      `# Certificate of ${serverKey(site)} (site "${site.name}")`, '',
      '## Presented now (refused)', '', ...certificateLines(cert).map(l => `- ${l}`), `- Why not trusted by the system: ${reasonText(cert.reason)}`, '',
      '## Trusted until now', '', ...before.map(fp => `- SHA-256 fingerprint: ${fp}`), '',
      warning, '', `To trust the new certificate, connect again and choose "${TRUST_NEW}", or run "FXP: Forget Trusted Certificates…" and connect again.`, '',
    ].join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    this.changed.dispose();
  }
}

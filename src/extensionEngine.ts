/**
 * The engine as the extension uses it: certificates pinned by the user are added to every connection
 * (and a refused certificate can be trusted and the connection retried), and every finished copy is
 * reported (its channel: TLS FXP, clear data, relay). No `vscode` here.
 */
import {
  FxpEngine, isFxpError, type CopyOptions, type CopyResult, type EngineOptions, type FtpConnection, type FxpError, type Site,
} from './fxp';

export interface CertificateHooks {
  /** SHA-256 fingerprints the user trusted for this site's server. */
  pinned(site: Site): readonly string[];
  /** The server's certificate was refused (CERT_UNTRUSTED, CERT_CHANGED): true when the user trusts it now. */
  refused(site: Site, error: FxpError): Promise<boolean>;
}

/** What a logged-in connection says about a site's TLS. */
export interface TlsCapabilities {
  tls: boolean;
  sscn: boolean;
  cpsv: boolean;
}

export interface Listener<T> {
  (value: T): void;
}

/** A certificate refusal is asked about at most this often per connection attempt (untrusted, then changed). */
const TRUST_ROUNDS = 2;

export class ExtensionEngine extends FxpEngine {
  private readonly copyListeners = new Set<Listener<CopyResult>>();

  constructor(options: EngineOptions, private readonly certificates?: CertificateHooks) {
    super(options);
  }

  /** The site with the user's pinned fingerprints, as the engine's TLS check reads them. */
  withPins(site: Site): Site {
    const pinned = this.certificates?.pinned(site) ?? [];
    if (pinned.length === 0) return site;
    return { ...site, trustedFingerprints: [...new Set([...(site.trustedFingerprints ?? []), ...pinned])] };
  }

  override async connect(site: Site, signal?: AbortSignal): Promise<FtpConnection> {
    for (let round = 0; ; round++) {
      try {
        return await super.connect(this.withPins(site), signal);
      } catch (err) {
        const certificate = isFxpError(err, 'CERT_UNTRUSTED') || isFxpError(err, 'CERT_CHANGED');
        if (!certificate || !this.certificates || round >= TRUST_ROUNDS || signal?.aborted) throw err;
        if (!(await this.certificates.refused(site, err))) throw err;
      }
    }
  }

  override async copyFile(src: Site, srcPath: string, dst: Site, dstPath: string, options: CopyOptions): Promise<CopyResult> {
    const result = await super.copyFile(src, srcPath, dst, dstPath, options);
    for (const listener of this.copyListeners) listener(result);
    return result;
  }

  /** Every copy that succeeded, with its channel; folder jobs copy through here too. */
  onDidCopy(listener: Listener<CopyResult>): { dispose(): void } {
    this.copyListeners.add(listener);
    return { dispose: () => this.copyListeners.delete(listener) };
  }

  /**
   * TLS, SSCN and CPSV of a site, read from a pooled logged-in connection (opened if none is idle).
   * The engine has no call for this yet; it is what the TLS FXP ladder decides by.
   */
  capabilities(site: Site, signal?: AbortSignal): Promise<TlsCapabilities> {
    return this.withConnection(site, 'browse', async conn => ({ tls: conn.isTls, sscn: conn.caps.sscn, cpsv: conn.caps.cpsv }), signal);
  }
}

/** The engine's copy events when it has them (the extension's engine does; a plain engine in unit tests does not). */
export function copyEvents(engine: FxpEngine): Pick<ExtensionEngine, 'onDidCopy'> | undefined {
  const events = engine as Partial<Pick<ExtensionEngine, 'onDidCopy'>>;
  return typeof events.onDidCopy === 'function' ? (events as Pick<ExtensionEngine, 'onDidCopy'>) : undefined;
}

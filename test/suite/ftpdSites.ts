/**
 * In-process FTP servers (test/ftpd) as sites of the extension: for TLS, certificates, throttled copies
 * and fault injection, which the packaged servers of the harness cannot do.
 */
import { execFileSync } from 'child_process';
import { X509Certificate } from 'crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import type { Site } from '../../src/fxp';
import type { ExtensionApi } from '../../src/services';
import type { SiteConfig } from '../../src/siteConfig';
import { startFtpd, type FtpdOptions, type FtpdServer } from '../ftpd/server';
import { waitFor } from './host';
import { IN_PROCESS_PASSWORD } from './hostFixtures';

export interface FtpdSite {
  name: string;
  root: string;
  server: FtpdServer;
  site: Site;
  /** Protocol transcript lines of the server ("[n] > STOR /x"), when asked for. */
  transcript: string[];
}

export interface Certificate {
  key: Buffer;
  cert: Buffer;
  /** SHA-256, upper-case hex pairs joined by ':' (as the engine reports it). */
  fingerprint: string;
}

/** A throwaway self-signed certificate for `host` (openssl, as test/ftpd's own tests make them). */
export function makeCertificate(dir: string, name: string, host: string): Certificate {
  mkdirSync(dir, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', `subjectAltName=IP:${host}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, `${name}.crt`));
  return { key: readFileSync(join(dir, `${name}.key`)), cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}

export interface SiteOptions extends Partial<Omit<FtpdOptions, 'host' | 'root' | 'users'>> {
  /** Settings of the site besides name, host, port and user. */
  config?: Partial<SiteConfig>;
  /** Keep the server's transcript in `transcript`. */
  record?: boolean;
}

const PASSWORD = IN_PROCESS_PASSWORD;

/** Starts a server on `host` (any free port), adds it to the workspace's fxp.sites and keeps its password. */
export async function startSite(fxp: ExtensionApi, name: string, host: string, opts: SiteOptions = {}): Promise<FtpdSite> {
  const root = mkdtempSync(join(tmpdir(), 'fxp-suite-'));
  const transcript: string[] = [];
  const { config, record, ...server } = opts;
  const ftpd = await startFtpd({ allowFxp: true, ...server, host, port: opts.port ?? 0, root, users: { u: PASSWORD }, log: record ? line => transcript.push(line) : undefined });
  await fxp.settings.writeSite('workspace', name, { name, host, port: ftpd.port, user: 'u', ...config });
  const entry = await waitFor(`site "${name}" in the settings`, () => {
    const found = fxp.settings.site(name);
    return found?.site.port === ftpd.port ? found : undefined;
  });
  await fxp.passwords.store(entry.site, PASSWORD);
  return { name, root, server: ftpd, site: entry.site, transcript };
}

/** Closes the servers, removes their sites (and any pair naming them) from the settings, deletes their folders. */
export async function stopSites(fxp: ExtensionApi, sites: FtpdSite[], pairs: string[] = []): Promise<void> {
  for (const side of ['A', 'B'] as const) {
    if (sites.some(s => fxp.state.get(side)?.site.name === s.name)) fxp.state.set(side, undefined);
  }
  for (const pair of pairs) await fxp.settings.writePair('workspace', pair, undefined);
  for (const s of sites.splice(0)) {
    fxp.engine.disconnect(s.site);
    await fxp.settings.writeSite('workspace', s.name, undefined);
    await s.server.close();
    rmSync(s.root, { recursive: true, force: true });
  }
}

/** Writes a file under a server's root; `mtime` (seconds) sets its modification time. */
export function put(site: FtpdSite, path: string, data: Buffer | string, mtime?: number): void {
  const disk = join(site.root, path);
  mkdirSync(dirname(disk), { recursive: true });
  writeFileSync(disk, data);
  if (mtime !== undefined) utimesSync(disk, mtime, mtime);
}

export function disk(site: FtpdSite, path: string): Buffer {
  return readFileSync(join(site.root, path));
}

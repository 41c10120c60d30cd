import { isIP } from 'net';
import { FxpError } from './errors';

export type Security = 'none' | 'explicit' | 'implicit';
/**
 * How to treat the address in a PASV reply before handing it to the other server:
 * auto (default) and control: a reply naming another host than the server's control address is replaced by that
 * address (NAT, or a hostile server pointing elsewhere); reply: trust the reply (servers that must reach each
 * other at a LAN address the client does not use).
 */
export type PassiveAddressPolicy = 'auto' | 'control' | 'reply';
export type FxpPolicy = 'fxp-only' | 'fxp-then-relay' | 'relay-only';

export interface Site {
  /** Display name used in every message and log line. */
  name: string;
  host: string;
  port: number;
  user: string;
  security: Security;
  passiveAddress: PassiveAddressPolicy;
  fxpPolicy: FxpPolicy;
  /** Most control connections the engine opens to this site at once (browse + transfers). */
  connectionLimit: number;
  /** TLS: extra trusted CA certificates (PEM) and pinned SHA-256 certificate fingerprints. */
  ca?: string[];
  trustedFingerprints?: string[];
  /** Verify the server certificate (default true). */
  verifyCertificate?: boolean;
}

export const SITE_DEFAULTS = {
  port: 21,
  user: 'anonymous',
  security: 'none' as Security,
  passiveAddress: 'auto' as PassiveAddressPolicy,
  fxpPolicy: 'fxp-then-relay' as FxpPolicy,
  connectionLimit: 4,
};

const SECURITIES: readonly Security[] = ['none', 'explicit', 'implicit'];
const PASSIVE_POLICIES: readonly PassiveAddressPolicy[] = ['auto', 'control', 'reply'];
const FXP_POLICIES: readonly FxpPolicy[] = ['fxp-only', 'fxp-then-relay', 'relay-only'];

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function isValidHost(host: string): boolean {
  if (host.includes(':')) return isIP(host) === 6;
  // All-numeric names are addresses or nothing: "1.2.3" would otherwise resolve as 1.2.0.3.
  if (/^[\d.]+$/.test(host)) return IPV4_RE.test(host);
  return host.length <= 253 && HOST_RE.test(host);
}

/** Fills defaults and checks every field; throws INVALID_INPUT naming the field and the fix. */
export function makeSite(input: Partial<Site> & { host: string }, name?: string): Site {
  const label = name ?? input.name ?? input.host;
  const fail = (field: string, why: string): never => {
    throw new FxpError('INVALID_INPUT', `Site ${JSON.stringify(label)}: ${field} ${why}`, { site: label });
  };
  const host = String(input.host ?? '').trim().replace(/^\[(.*)\]$/, '$1');
  if (!host) fail('host', 'is empty. Enter a host name or IP address, e.g. ftp.example.com.');
  if (!isValidHost(host)) fail('host', `${JSON.stringify(host)} is not a valid host name or IP address.`);
  const port = input.port ?? (input.security === 'implicit' ? 990 : SITE_DEFAULTS.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail('port', `${String(port)} is not a port number (1-65535).`);
  const user = input.user ?? SITE_DEFAULTS.user;
  if (!user || /[\r\n\0]/.test(user)) fail('user', 'is empty or contains control characters.');
  const security = input.security ?? SITE_DEFAULTS.security;
  if (!SECURITIES.includes(security)) fail('security', `must be one of ${SECURITIES.join(', ')}.`);
  const passiveAddress = input.passiveAddress ?? SITE_DEFAULTS.passiveAddress;
  if (!PASSIVE_POLICIES.includes(passiveAddress)) fail('passiveAddress', `must be one of ${PASSIVE_POLICIES.join(', ')}.`);
  const fxpPolicy = input.fxpPolicy ?? SITE_DEFAULTS.fxpPolicy;
  if (!FXP_POLICIES.includes(fxpPolicy)) fail('fxpPolicy', `must be one of ${FXP_POLICIES.join(', ')}.`);
  const connectionLimit = input.connectionLimit ?? SITE_DEFAULTS.connectionLimit;
  if (!Number.isInteger(connectionLimit) || connectionLimit < 1 || connectionLimit > 64) {
    fail('connectionLimit', 'must be a whole number from 1 to 64.');
  }
  return {
    name: label,
    host,
    port,
    user,
    security,
    passiveAddress,
    fxpPolicy,
    connectionLimit,
    ca: input.ca,
    trustedFingerprints: input.trustedFingerprints,
    verifyCertificate: input.verifyCertificate,
  };
}

/** Key under which a password is kept: binds it to user, host, port and protocol, not to a display name. */
export function credentialKey(site: Pick<Site, 'user' | 'host' | 'port' | 'security'>): string {
  const scheme = site.security === 'none' ? 'ftp' : 'ftps';
  const host = site.host.includes(':') ? `[${site.host}]` : site.host;
  return `${scheme}://${site.user}@${host}:${site.port}`;
}

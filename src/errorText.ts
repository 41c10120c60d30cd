/**
 * Turns any error into what the user reads: the engine's own paragraph (site, command, server reply, fix)
 * plus the setting most likely to change. No `vscode` here.
 */
import { isFxpError, type FxpError, type FxpErrorCode } from './fxp';

export interface Explanation {
  message: string;
  /** FXP itself failed: offer "Diagnose". */
  diagnose: boolean;
}

const FXP_CODES: ReadonlySet<FxpErrorCode> = new Set([
  'FXP_REFUSED_ACTIVE', 'FXP_REFUSED_PASSIVE', 'FXP_UNSAFE_ADDRESS', 'FXP_ADDRESS_FAMILY', 'FXP_DATA_CONNECTION', 'FXP_IMPOSSIBLE', 'RELAY_NOT_ALLOWED',
]);

function settingHint(err: FxpError): string | undefined {
  const site = err.site ? `site "${err.site}"` : 'the site';
  switch (err.code) {
    case 'LOGIN_FAILED':
      return `Check "user" of ${site} in fxp.sites; FXP asks for the password again on the next connect ("FXP: Forget Password" removes a stored one).`;
    case 'CONNECT_FAILED':
    case 'TIMEOUT':
    case 'CONNECTION_LOST':
      return `Check "host", "port" and "security" of ${site} in fxp.sites.`;
    case 'FXP_REFUSED_ACTIVE':
    case 'FXP_REFUSED_PASSIVE':
    case 'FXP_DATA_CONNECTION':
    case 'FXP_IMPOSSIBLE':
    case 'RELAY_NOT_ALLOWED':
      return 'Settings: "fxpPolicy" of each site in fxp.sites and "relay" of the pair in fxp.sitePairs decide whether a refused FXP may be relayed through this machine. "Diagnose" tests every direction.';
    case 'FXP_UNSAFE_ADDRESS':
      return `Setting: "passiveAddress" of ${site} in fxp.sites (auto, control or reply).`;
    case 'FXP_ADDRESS_FAMILY':
      return 'Both servers must be reachable over the same address family: use IPv4 (or IPv6) host names for both sites in fxp.sites.';
    case 'INVALID_INPUT':
      return 'Fix the entry in fxp.sites or fxp.sitePairs (settings.json), or use "FXP: Edit Site…".';
    default:
      return undefined;
  }
}

export function isCancellation(err: unknown): boolean {
  return isFxpError(err, 'CANCELLED') || (err instanceof Error && err.name === 'Canceled');
}

/** undefined for cancellations, which stay silent. */
export function explain(err: unknown): Explanation | undefined {
  if (isCancellation(err)) return undefined;
  if (!isFxpError(err)) {
    return { message: err instanceof Error ? err.message : String(err), diagnose: false };
  }
  const parts = [err.describe()];
  const hint = settingHint(err);
  if (hint && !parts[0]!.includes(hint)) parts.push(hint);
  if (err.partial) {
    parts.push(`An incomplete file remains on ${err.partial.site}: ${err.partial.path}${err.partial.bytes !== undefined ? ` (${err.partial.bytes} bytes)` : ''}.`);
  }
  return { message: parts.join(' '), diagnose: FXP_CODES.has(err.code) };
}

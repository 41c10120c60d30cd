/**
 * How a site pair's file data is protected between the servers, in words: what the pair can do before
 * any copy (the sites' TLS, SSCN/CPSV once known, the pair's policy) and what the last copy did.
 * No `vscode` here.
 */
import { planAttempts, type DataProtection, type Site } from './fxp';
import type { TlsCapabilities } from './extensionEngine';
import type { RelayChoice } from './siteConfig';

export const NO_MUTUAL_AUTHENTICATION = 'TLS FXP encrypts the file data between the two servers against eavesdropping, '
  + 'but the two servers do not authenticate each other (SSCN and CPSV have no way to): it does not protect against a man in the middle between them.';

export type ProtectionState = 'encrypted' | 'clear' | 'unknown' | 'blocked';

export interface ProtectionSummary {
  /** Short, at a glance: "TLS FXP (SSCN)", "clear data", "relay (TLS)", "plain FTP". */
  label: string;
  state: ProtectionState;
  /** Sentences for a tooltip or a report. */
  lines: string[];
}

/** The last copy between the two sites of a pair. */
export interface LastCopy {
  from: string;
  to: string;
  /** The engine's channel: "TLS FXP (SSCN, passive side TLS client)", "clear data", "relay over TLS", "relay (clear)". */
  channel: string;
  encrypted: boolean;
  at: Date;
}

export interface PairFacts {
  a: Site;
  b: Site;
  policy: DataProtection;
  relay: RelayChoice;
  /** From logged-in connections, when known. */
  caps?: { a?: TlsCapabilities; b?: TlsCapabilities };
  last?: LastCopy;
}

/** "TLS FXP (SSCN, passive side TLS client)" -> "TLS FXP (SSCN)", "relay over TLS" -> "relay (TLS)". */
export function shortChannel(channel: string): string {
  const tls = /^TLS FXP \((\w+)/.exec(channel);
  if (tls) return `TLS FXP (${tls[1]})`;
  if (channel === 'relay over TLS') return 'relay (TLS)';
  return channel;
}

export function hasTls(site: Site): boolean {
  return site.security !== 'none';
}

/** Data crossed the network unencrypted although both sites speak TLS: the user must be told plainly. */
export function isClearBetweenTls(channel: string, a: Site, b: Site): boolean {
  return channel === 'clear data' && hasTls(a) && hasTls(b);
}

const POLICY_TEXT: Record<DataProtection, string> = {
  required: 'required: every byte encrypted (TLS FXP, else relay over TLS), never clear data',
  preferred: 'preferred: TLS FXP when both sites speak TLS, never downgraded to clear data between TLS sites',
  'clear-allowed': 'clear-allowed: TLS FXP, else clear-data FXP (file data unencrypted between the servers), else relay',
};

/** What the pair can do before any copy. */
export function expectedProtection(facts: PairFacts): ProtectionSummary {
  const { a, b, policy } = facts;
  const policyLine = `Data protection of this pair: ${POLICY_TEXT[policy]} (fxp.sitePairs › dataProtection).`;
  const plain = [a, b].filter(s => !hasTls(s));
  if (plain.length > 0) {
    const names = plain.map(s => s.name).join(' and ');
    if (policy === 'required') {
      return { label: 'TLS required, not possible', state: 'blocked', lines: [`${names} ${plain.length > 1 ? 'have' : 'has'} no TLS, and this pair requires encrypted data: copies will fail.`, policyLine] };
    }
    return {
      label: plain.length === 2 ? 'plain FTP' : 'clear data', state: 'clear',
      lines: [`${names} ${plain.length > 1 ? 'use' : 'uses'} plain FTP: file data crosses the network unencrypted.`, policyLine],
    };
  }
  const capsA = facts.caps?.a;
  const capsB = facts.caps?.b;
  if (!capsA || !capsB) {
    return {
      label: 'TLS sites', state: 'unknown',
      lines: ['Both sites use TLS. Whether TLS FXP works depends on SSCN or CPSV on one server; known once both are connected.', policyLine, NO_MUTUAL_AUTHENTICATION],
    };
  }
  const first = planAttempts(capsA, capsB, policy, true, ['dst-passive', 'src-passive'])[0];
  if (first?.channel.kind === 'tls') {
    const who = [capsA.sscn || capsA.cpsv ? a.name : '', capsB.sscn || capsB.cpsv ? b.name : ''].filter(Boolean).join(' and ');
    return {
      label: `TLS FXP (${first.channel.method.toUpperCase()})`, state: 'encrypted',
      lines: [`Both sites use TLS and ${who} can act as TLS client on the data connection: file data is encrypted between the servers.`, policyLine, NO_MUTUAL_AUTHENTICATION],
    };
  }
  const noRole = `Neither ${a.name} nor ${b.name} has SSCN or CPSV, so the servers cannot encrypt the data connection between them.`;
  if (first) {
    return { label: 'clear data', state: 'clear', lines: [noRole, 'This pair allows clear data: file data crosses the network unencrypted between the servers.', policyLine] };
  }
  if (facts.relay === 'never') {
    return { label: 'no TLS FXP', state: 'blocked', lines: [noRole, 'Relay is off for this pair, so copies will fail.', policyLine] };
  }
  return {
    label: 'relay (TLS)', state: 'encrypted',
    lines: [noRole, 'Copies go through this machine over TLS instead (relay), when you allow it.', policyLine],
  };
}

/** The pair's protection at a glance: the last copy's channel when there was one, else what the pair can do. */
export function pairProtection(facts: PairFacts): ProtectionSummary {
  const expected = expectedProtection(facts);
  const last = facts.last;
  if (!last) return expected;
  const lines = [`Last copy (${last.from} → ${last.to}, ${last.at.toLocaleTimeString()}): ${last.channel}.`];
  if (isClearBetweenTls(last.channel, facts.a, facts.b)) lines.push('Its file data crossed the network UNENCRYPTED between the two TLS servers.');
  const plainFtp = !hasTls(facts.a) && !hasTls(facts.b);
  return {
    // Between two plain-FTP sites every copy is clear: "plain FTP" says why.
    label: plainFtp ? expected.label : shortChannel(last.channel),
    state: last.encrypted ? 'encrypted' : 'clear',
    lines: [...lines, ...expected.lines.filter(l => !lines.includes(l))],
  };
}

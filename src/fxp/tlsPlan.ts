import type { Orientation } from './fxpAttempt';

/**
 * Data protection policy of a site pair:
 * required: every data byte encrypted (TLS FXP, else relay over TLS);
 * preferred: TLS FXP when both sites speak TLS, never silently downgraded to clear FXP;
 * clear-allowed: TLS FXP, then clear-data FXP (PROT C), then relay.
 */
export type DataProtection = 'required' | 'preferred' | 'clear-allowed';

/** How the data connection of one FXP attempt is protected. */
export type DataChannel =
  | { kind: 'clear' }
  /** PROT P on both; `client` is the side that acts as TLS client. */
  | { kind: 'tls'; client: 'passive' | 'active'; method: 'cpsv' | 'sscn' };

export interface PlannedAttempt {
  orientation: Orientation;
  channel: DataChannel;
}

export interface SideTls {
  /** Control connection is TLS (AUTH TLS or implicit). */
  tls: boolean;
  sscn: boolean;
  cpsv: boolean;
}

export function describeChannel(channel: DataChannel): string {
  if (channel.kind === 'clear') return 'clear data';
  return `TLS FXP (${channel.method.toUpperCase()}, ${channel.client} side TLS client)`;
}

/** TLS roles possible in one orientation, best first: the passive side as client (CPSV, then SSCN), then the active side (SSCN). */
export function tlsRoles(passive: SideTls, active: SideTls, ipv4: boolean): DataChannel[] {
  const roles: DataChannel[] = [];
  if (passive.cpsv && ipv4) roles.push({ kind: 'tls', client: 'passive', method: 'cpsv' });
  else if (passive.sscn) roles.push({ kind: 'tls', client: 'passive', method: 'sscn' });
  if (active.sscn) roles.push({ kind: 'tls', client: 'active', method: 'sscn' });
  return roles;
}

/**
 * The FXP ladder for one pair: per orientation, each TLS role; then clear data where the policy allows it.
 * Relay is the caller's last step. An empty list means FXP cannot meet the policy.
 */
export function planAttempts(
  src: SideTls, dst: SideTls, policy: DataProtection, ipv4: boolean, orientations: Orientation[],
): PlannedAttempt[] {
  const bothTls = src.tls && dst.tls;
  const plan: PlannedAttempt[] = [];
  if (bothTls) {
    for (const orientation of orientations) {
      const [passive, active] = orientation === 'dst-passive' ? [dst, src] : [src, dst];
      for (const channel of tlsRoles(passive, active, ipv4)) plan.push({ orientation, channel });
    }
  }
  const clearAllowed = bothTls ? policy === 'clear-allowed' : policy !== 'required';
  if (clearAllowed) for (const orientation of orientations) plan.push({ orientation, channel: { kind: 'clear' } });
  return plan;
}

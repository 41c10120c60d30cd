import { isIP } from 'net';
import type { HostPort } from './parse';
import type { PassiveAddressPolicy } from './site';

/** Strips the IPv4-mapped prefix a dual-stack socket reports ("::ffff:1.2.3.4"). */
export function normalizeAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

export function addressFamily(address: string): 4 | 6 {
  return isIP(normalizeAddress(address)) === 6 ? 6 : 4;
}

/** Private, loopback, link-local, CGNAT, unspecified or otherwise not routable on the internet. */
export function isPrivateOrUnroutable(address: string): boolean {
  const a = normalizeAddress(address);
  if (isIP(a) === 4) {
    const [o1, o2] = a.split('.').map(Number) as [number, number];
    return o1 === 0 || o1 === 10 || o1 === 127 || (o1 === 169 && o2 === 254) || (o1 === 172 && o2 >= 16 && o2 <= 31)
      || (o1 === 192 && o2 === 168) || (o1 === 100 && o2 >= 64 && o2 <= 127) || o1 >= 224;
  }
  if (isIP(a) === 6) {
    const l = a.toLowerCase();
    return l === '::' || l === '::1' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe80');
  }
  return true;
}

/** Unspecified, broadcast and multicast addresses: nothing a server should ever be told to connect to. */
export function isNeverATarget(address: string): boolean {
  const a = normalizeAddress(address);
  if (isIP(a) === 4) {
    const first = Number(a.split('.')[0]);
    return first === 0 || first >= 224;
  }
  const l = a.toLowerCase();
  return isIP(a) !== 6 || l === '::' || l.startsWith('ff');
}

export interface PassiveTargetInput {
  policy: PassiveAddressPolicy;
  /** Host:port from the passive server's PASV reply (EPSV has no host: pass the control address). */
  reply: HostPort;
  /** The passive server's address as our control socket sees it. */
  passiveControlAddress: string;
  /** The active (other) server's address as our control socket sees it. */
  activeControlAddress: string;
}

export interface PassiveTarget extends HostPort {
  /** Why the host was chosen; logged with the attempt. */
  reason: string;
}

export const LOWEST_DATA_PORT = 1024;

/**
 * Decides the address the active server is told to connect to: the passive server's control address,
 * or (policy `reply` only) the host its reply names. Nothing typed by a user can reach PORT/EPRT.
 * Returns a reason when the target is refused for safety.
 */
export function choosePassiveTarget(input: PassiveTargetInput): PassiveTarget | { refused: string } {
  const control = normalizeAddress(input.passiveControlAddress);
  const replyHost = normalizeAddress(input.reply.host);
  if (input.reply.port < LOWEST_DATA_PORT) {
    return { refused: `the passive server offered port ${input.reply.port}; ports below ${LOWEST_DATA_PORT} are never forwarded` };
  }
  let host: string;
  let reason: string;
  if (replyHost === control) {
    host = control;
    reason = 'reply address equals control address';
  } else if (input.policy === 'reply') {
    if (isNeverATarget(replyHost)) return { refused: `the passive server offered ${replyHost}, which is no host to connect to` };
    host = replyHost;
    reason = `reply address ${replyHost} trusted (policy: reply)`;
  } else {
    // auto and control: the reply names another host (NAT, or a server pointing elsewhere): never forward it.
    host = control;
    reason = `reply address ${replyHost} replaced by the server's own address ${control} (${input.policy === 'control' ? 'policy: control'
      : isPrivateOrUnroutable(replyHost) ? 'private address behind NAT' : 'a third host is never forwarded'})`;
  }
  return { host, port: input.reply.port, reason };
}

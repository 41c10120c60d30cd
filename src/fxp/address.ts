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
 * Decides the address the active server is told to connect to. Only ever the passive server's
 * own reply or its control address: nothing typed by a user can reach PORT/EPRT.
 * Returns an error string when the target is refused for safety.
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
  } else if (input.policy === 'control') {
    host = control;
    reason = `reply address ${replyHost} replaced by control address (policy: control)`;
  } else if (input.policy === 'reply') {
    host = replyHost;
    reason = `reply address ${replyHost} trusted (policy: reply)`;
  } else {
    const replyPrivate = isPrivateOrUnroutable(replyHost);
    const bothPrivate = isPrivateOrUnroutable(control) && isPrivateOrUnroutable(input.activeControlAddress);
    if (replyPrivate && !bothPrivate) {
      host = control;
      reason = `private reply address ${replyHost} replaced by control address ${control} (NAT)`;
    } else if (!replyPrivate && replyHost !== control) {
      // A public address that is not the server we talk to: a third host. Never forwarded in auto mode.
      host = control;
      reason = `reply address ${replyHost} is not the server's own address; using control address ${control}`;
    } else {
      host = replyHost;
      reason = `private reply address ${replyHost} kept: both servers are on private networks`;
    }
  }
  if (addressFamily(host) !== addressFamily(input.activeControlAddress)) {
    // Still allowed: servers may be dual-stack. The caller picks EPRT for IPv6 hosts.
  }
  return { host, port: input.reply.port, reason };
}

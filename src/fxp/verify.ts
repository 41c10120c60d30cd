import type { FtpConnection } from './connection';
import { parseHashReply, type HashAlgorithm } from './parse';

export type VerificationMethod = HashAlgorithm | 'SIZE' | 'none';

export interface Verification {
  method: VerificationMethod;
  ok: boolean;
  source?: string;
  destination?: string;
  detail: string;
}

const PREFERENCE: HashAlgorithm[] = ['SHA-256', 'SHA-1', 'MD5', 'CRC32'];
const XCOMMAND: Record<HashAlgorithm, string> = { 'SHA-256': 'XSHA256', 'SHA-1': 'XSHA1', MD5: 'XMD5', CRC32: 'XCRC' };

type HashWay = { alg: HashAlgorithm; kind: 'HASH' | 'X' };

function commonHash(a: FtpConnection, b: FtpConnection): { a: HashWay; b: HashWay } | undefined {
  for (const alg of PREFERENCE) {
    const wayA: HashWay | undefined = a.caps.hash.includes(alg) ? { alg, kind: 'HASH' } : a.caps.xhash.includes(alg) ? { alg, kind: 'X' } : undefined;
    const wayB: HashWay | undefined = b.caps.hash.includes(alg) ? { alg, kind: 'HASH' } : b.caps.xhash.includes(alg) ? { alg, kind: 'X' } : undefined;
    if (wayA && wayB) return { a: wayA, b: wayB };
  }
  return undefined;
}

async function hashOf(conn: FtpConnection, path: string, way: HashWay): Promise<string | undefined> {
  if (way.kind === 'HASH') {
    const opts = await conn.raw(`OPTS HASH ${way.alg}`);
    if (opts.code !== 200) return undefined;
    const reply = await conn.raw(`HASH ${path}`);
    if (reply.code !== 213) return undefined;
    return parseHashReply(reply.text);
  }
  const reply = await conn.raw(`${XCOMMAND[way.alg]} ${path}`);
  if (reply.code < 200 || reply.code >= 300) return undefined;
  return parseHashReply(reply.text);
}

/** Compares the copy with its source: a hash both servers compute, else SIZE on both. */
/**
 * Like Promise.all for commands on two connections, but it waits for both: a connection must never go back to
 * its pool while its command is still running.
 */
export async function settleBoth<A, B>(work: [A | Promise<A>, B | Promise<B>]): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled(work);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

export async function verifyCopy(src: FtpConnection, srcPath: string, dst: FtpConnection, dstPath: string, knownSourceSize?: number): Promise<Verification> {
  const common = commonHash(src, dst);
  if (common) {
    try {
      const [a, b] = await settleBoth([hashOf(src, srcPath, common.a), hashOf(dst, dstPath, common.b)]);
      if (a && b) {
        return { method: common.a.alg, ok: a === b, source: a, destination: b, detail: a === b ? `${common.a.alg} match` : `${common.a.alg} differs: ${a} vs ${b}` };
      }
    } catch {
      // A hash reply we cannot parse: fall through to SIZE, which every server here answers.
    }
  }
  const [a, b] = await settleBoth([knownSourceSize ?? src.size(srcPath), dst.size(dstPath)]);
  if (a === undefined || b === undefined) {
    return { method: 'none', ok: false, detail: `SIZE not answered (source ${a ?? '?'}, destination ${b ?? '?'})` };
  }
  return { method: 'SIZE', ok: a === b, source: String(a), destination: String(b), detail: a === b ? `${a} bytes on both` : `source ${a} bytes, destination ${b} bytes` };
}

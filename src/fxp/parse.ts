/** Pure parsers and formatters for the replies and arguments FXP depends on. */

export interface HostPort {
  host: string;
  port: number;
}

export class ParseError extends Error {
  constructor(what: string, text: string) {
    super(`Cannot parse ${what} reply: ${JSON.stringify(text.slice(0, 200))}`);
    this.name = 'ParseError';
  }
}

const byte = (s: string): number | undefined => {
  if (!/^\d{1,3}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 255 ? n : undefined;
};

/** "227 Entering Passive Mode (127,0,0,2,117,95)." and the variants servers send (with or without parentheses). */
export function parsePasv(text: string): HostPort {
  const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(text.split('\n')[0] ?? '');
  if (!m) throw new ParseError('PASV', text);
  const parts = m.slice(1).map(byte);
  if (parts.some(p => p === undefined)) throw new ParseError('PASV', text);
  const [a, b, c, d, p1, p2] = parts as number[];
  const port = p1! * 256 + p2!;
  if (port === 0) throw new ParseError('PASV', text);
  return { host: `${a}.${b}.${c}.${d}`, port };
}

/** "229 Entering Extended Passive Mode (|||30212|)"; the delimiter is any printable char repeated. */
export function parseEpsv(text: string): number {
  const m = /\(([!-~])\1\1(\d{1,5})\1\)/.exec(text.split('\n')[0] ?? '');
  if (!m) throw new ParseError('EPSV', text);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new ParseError('EPSV', text);
  return port;
}

export function formatPort(target: HostPort): string {
  const octets = target.host.split('.');
  if (octets.length !== 4 || octets.some(o => byte(o) === undefined)) {
    throw new Error(`PORT needs an IPv4 address, got ${target.host}`);
  }
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw new Error(`Bad port ${target.port}`);
  return `PORT ${octets.join(',')},${Math.floor(target.port / 256)},${target.port % 256}`;
}

export function formatEprt(target: HostPort): string {
  const v6 = target.host.includes(':');
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw new Error(`Bad port ${target.port}`);
  return `EPRT |${v6 ? 2 : 1}|${target.host}|${target.port}|`;
}

export type HashAlgorithm = 'SHA-256' | 'SHA-1' | 'MD5' | 'CRC32';

export interface Capabilities {
  epsv: boolean;
  eprt: boolean;
  mlsd: boolean;
  size: boolean;
  mdtm: boolean;
  restStream: boolean;
  pret: boolean;
  sscn: boolean;
  cpsv: boolean;
  utf8: boolean;
  authTls: boolean;
  /** Algorithms offered by the HASH command (RFC draft-bryan-ftpext-hash). */
  hash: HashAlgorithm[];
  /** X-commands: XSHA256, XSHA1, XMD5, XCRC. */
  xhash: HashAlgorithm[];
  /** Every FEAT line, upper-cased keyword -> parameters. */
  raw: Map<string, string>;
}

export function emptyCapabilities(): Capabilities {
  return {
    epsv: false, eprt: false, mlsd: false, size: false, mdtm: false, restStream: false, pret: false,
    sscn: false, cpsv: false, utf8: false, authTls: false, hash: [], xhash: [], raw: new Map(),
  };
}

const HASH_NAMES: Record<string, HashAlgorithm> = {
  'SHA-256': 'SHA-256', SHA256: 'SHA-256', 'SHA-1': 'SHA-1', SHA1: 'SHA-1', MD5: 'MD5', CRC32: 'CRC32', CRC: 'CRC32',
};
const XHASH: Record<string, HashAlgorithm> = { XSHA256: 'SHA-256', XSHA1: 'SHA-1', XMD5: 'MD5', XCRC: 'CRC32' };

/** Parses a FEAT reply (211- block). A 5xx or single-line reply means no extensions. */
export function parseFeat(code: number, text: string): Capabilities {
  const caps = emptyCapabilities();
  if (code < 200 || code >= 300) return caps;
  const lines = text.split('\n').slice(1, -1);
  for (const line of lines) {
    const trimmed = line.trim();
    if (!trimmed || /^\d\d\d[ -]/.test(trimmed)) continue;
    const sp = trimmed.indexOf(' ');
    const key = (sp < 0 ? trimmed : trimmed.slice(0, sp)).toUpperCase();
    const params = sp < 0 ? '' : trimmed.slice(sp + 1).trim();
    caps.raw.set(key, params);
    switch (key) {
      case 'EPSV': caps.epsv = true; break;
      case 'EPRT': caps.eprt = true; break;
      case 'MLST': case 'MLSD': caps.mlsd = true; break;
      case 'SIZE': caps.size = true; break;
      case 'MDTM': caps.mdtm = true; break;
      case 'REST': if (/STREAM/i.test(params)) caps.restStream = true; break;
      case 'PRET': caps.pret = true; break;
      case 'SSCN': caps.sscn = true; break;
      case 'CPSV': caps.cpsv = true; break;
      case 'UTF8': caps.utf8 = true; break;
      case 'AUTH': if (/\bTLS\b/i.test(params)) caps.authTls = true; break;
      case 'HASH':
        for (const name of params.split(';')) {
          const alg = HASH_NAMES[name.replace(/\*$/, '').trim().toUpperCase()];
          if (alg && !caps.hash.includes(alg)) caps.hash.push(alg);
        }
        break;
      default: {
        const alg = XHASH[key];
        if (alg && !caps.xhash.includes(alg)) caps.xhash.push(alg);
      }
    }
  }
  return caps;
}

/** "213 SHA-256 0-1023 abcdef... file" -> hex; "250 abcdef" / "213 abcdef" for X-commands. */
export function parseHashReply(text: string): string {
  const line = (text.split('\n').find(l => /^2\d\d /.test(l)) ?? text).slice(4).trim();
  const hashMatch = /^(?:[A-Za-z0-9-]+ )?(?:\d+-\d* )?([0-9A-Fa-f]{8,128})\b/.exec(line);
  if (!hashMatch) throw new ParseError('hash', text);
  return hashMatch[1]!.toLowerCase();
}

export function parseSizeReply(text: string): number {
  const m = /^213 (\d+)\s*$/.exec(text.trim());
  const size = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(size)) throw new ParseError('SIZE', text);
  return size;
}

/** "213 20240102030405[.sss]" -> Date (UTC). */
export function parseMdtmReply(text: string): Date {
  const m = /^213 (\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d{1,3}))?\s*$/.exec(text.trim());
  if (!m) throw new ParseError('MDTM', text);
  const [, y, mo, d, h, mi, s, ms] = m;
  return new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, ms ? Number(ms.padEnd(3, '0')) : 0));
}

/** Parses the 257 reply of PWD/MKD: the path in quotes, with "" meaning a literal quote. */
export function parsePwdReply(text: string): string {
  const m = /^257 "((?:[^"]|"")*)"/.exec(text);
  if (!m) throw new ParseError('PWD', text);
  return m[1]!.replace(/""/g, '"');
}

import { randomBytes } from 'crypto';
import type { FtpConnection } from './connection';
import type { FxpEngine } from './engine';
import { FxpError, isFxpError } from './errors';
import type { Orientation } from './fxpAttempt';
import { fxpAttempt } from './fxpAttempt';
import { joinPath } from './listing';
import type { Site } from './site';
import { verifyCopy } from './verify';
import { addressFamily } from './address';
import { describeChannel, planAttempts, type DataChannel } from './tlsPlan';

export interface SiteReport {
  site: string;
  ok: boolean;
  server?: string;
  welcome?: string;
  tls: boolean;
  features?: string[];
  error?: ReturnType<FxpError['toJSON']>;
}

export interface DirectionReport {
  from: string;
  to: string;
  orientation: Orientation;
  /** "TLS FXP (SSCN, ...)" or "clear data". */
  channel: string;
  ok: boolean;
  detail: string;
  error?: ReturnType<FxpError['toJSON']>;
}

export interface DoctorReport {
  sites: SiteReport[];
  directions: DirectionReport[];
  /** One line per finding, for people. */
  summary: string[];
}

const PROBE_BYTES = 64 * 1024;

/**
 * Tries FXP both ways in both orientations with a probe file it creates and removes,
 * and says what works and why the rest does not.
 */
export async function doctor(engine: FxpEngine, a: Site, b: Site, dirs: { a?: string; b?: string } = {}, timeouts = { skewTimeoutMs: 8_000, preliminaryTimeoutMs: 15_000, abortGraceMs: 2_000 }): Promise<DoctorReport> {
  const report: DoctorReport = { sites: [], directions: [], summary: [] };
  const conns = new Map<Site, FtpConnection>();
  try {
    for (const site of [a, b]) {
      try {
        const conn = await engine.connect(site);
        conns.set(site, conn);
        report.sites.push({
          site: site.name, ok: true, server: conn.make, welcome: conn.welcome.split('\n')[0], tls: conn.isTls,
          features: [...conn.caps.raw.keys()],
        });
      } catch (err) {
        const e = isFxpError(err) ? err : new FxpError('CONNECT_FAILED', String(err), { site: site.name });
        report.sites.push({ site: site.name, ok: false, tls: false, error: e.toJSON() });
        report.summary.push(`${site.name}: cannot connect: ${e.describe()}`);
      }
    }
    if (conns.size < 2) return report;
    const tag = randomBytes(4).toString('hex');
    const probe = randomBytes(PROBE_BYTES);
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const src = conns.get(from)!;
      const fromDir = (from === a ? dirs.a : dirs.b) ?? await src.pwd();
      const toDir = (to === a ? dirs.a : dirs.b) ?? await conns.get(to)!.pwd();
      const srcPath = joinPath(fromDir, `.fxp-doctor-${tag}-src`);
      const dstPath = joinPath(toDir, `.fxp-doctor-${tag}-dst`);
      await engine.upload(from, srcPath, probe);
      try {
        const c1 = await fresh(engine, conns, from);
        const c2 = await fresh(engine, conns, to);
        const ipv4 = addressFamily(c1.peerAddress) === 4 && addressFamily(c2.peerAddress) === 4;
        const side = (c: FtpConnection) => ({ tls: c.isTls, sscn: c.caps.sscn, cpsv: c.caps.cpsv });
        for (const { orientation, channel } of planAttempts(side(c1), side(c2), 'clear-allowed', ipv4, ['dst-passive', 'src-passive'])) {
          report.directions.push(await probeDirection(engine, conns, from, to, srcPath, dstPath, orientation, channel, timeouts));
        }
      } finally {
        await engine.deleteFile(from, srcPath).catch(() => undefined);
      }
    }
    for (const d of report.directions) {
      report.summary.push(`${d.from} -> ${d.to}, ${d.orientation === 'dst-passive' ? `${d.to} passive` : `${d.from} passive`}, ${d.channel}: ${d.ok ? 'FXP works' : d.detail}`);
    }
    return report;
  } finally {
    for (const conn of conns.values()) conn.close();
  }
}

async function probeDirection(
  engine: FxpEngine, conns: Map<Site, FtpConnection>, from: Site, to: Site, srcPath: string, dstPath: string,
  orientation: Orientation, channel: DataChannel, timeouts: { skewTimeoutMs: number; preliminaryTimeoutMs: number; abortGraceMs: number },
): Promise<DirectionReport> {
  const base = { from: from.name, to: to.name, orientation, channel: describeChannel(channel) };
  const src = await fresh(engine, conns, from);
  const dst = await fresh(engine, conns, to);
  const outcome = await fxpAttempt(src, dst, srcPath, dstPath, orientation, {
    logger: engine.logger, restartAt: 0, append: false, ...timeouts, channel,
  });
  let result: DirectionReport;
  if (outcome.ok) {
    const v = await verifyCopy(src, srcPath, dst, dstPath);
    result = v.ok ? { ...base, ok: true, detail: `FXP works (verified by ${v.method})` } : { ...base, ok: false, detail: `copy reported done but ${v.detail}` };
  } else {
    const e = outcome.error!;
    result = { ...base, ok: false, detail: e.describe(), error: e.toJSON() };
  }
  const cleaner = await fresh(engine, conns, to);
  await cleaner.raw(`DELE ${dstPath}`).catch(() => undefined);
  return result;
}

/** A connection destroyed by a failed probe is replaced before the next probe. */
async function fresh(engine: FxpEngine, conns: Map<Site, FtpConnection>, site: Site): Promise<FtpConnection> {
  const conn = conns.get(site)!;
  if (!conn.closed) return conn;
  const again = await engine.connect(site);
  conns.set(site, again);
  return again;
}

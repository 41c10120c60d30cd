import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as vscode from 'vscode';
import { ClearDataNotice, DONT_SHOW_FOR_PAIR } from '../../src/clearDataNotice';
import { COMMANDS, WORKSPACE_STATE_KEYS } from '../../src/constants';
import { credentialKey } from '../../src/fxp';
import type { PromptRequest } from '../../src/prompts';
import { expectedProtection } from '../../src/protection';
import type { PairConfig } from '../../src/siteConfig';
import type { TransferReport } from '../../src/transfers';
import type { CopyRequest } from '../../src/tree/dragAndDrop';
import { disk, makeCertificate, put, startSite, stopSites, type FtpdSite } from './ftpdSites';
import { logFile, read, useExtension, waitFor } from './host';

/** Two pairs of in-process FTPS servers: one where a server can be TLS client (SSCN, CPSV), one where neither can. */
describe('data protection between TLS sites', () => {
  const extension = useExtension();
  const sites: FtpdSite[] = [];
  const pairs = ['tls pair', 'clear pair'];
  let dir: string;

  before(async () => {
    const fxp = extension();
    dir = mkdtempSync(join(tmpdir(), 'fxp-protection-'));
    const cert = makeCertificate(dir, 'protection', '127.0.0.38');
    const tls = { key: cert.key, cert: cert.cert };
    const config = { security: 'explicit' as const };
    const noRole = { sscn: false, cpsv: false };
    sites.push(
      await startSite(fxp, 'tls a', '127.0.0.38', { tls, config }),
      await startSite(fxp, 'tls b', '127.0.0.39', { tls, config }),
      await startSite(fxp, 'tls-only a', '127.0.0.38', { tls, config, features: noRole }),
      await startSite(fxp, 'tls-only b', '127.0.0.39', { tls, config, features: noRole }),
    );
    for (const s of sites) await fxp.certificates.pin(s.site, { fingerprint256: cert.fingerprint, subject: 'CN=protection', issuer: 'CN=protection', validTo: '' });
  });

  after(async () => {
    const fxp = extension();
    fxp.prompts.answerWith(undefined);
    await fxp.certificates.forget(fxp.certificates.entries().map(e => e.server));
    await stopSites(fxp, sites, pairs);
    rmSync(dir, { recursive: true, force: true });
  });

  async function openPair(pair: PairConfig): Promise<void> {
    const fxp = extension();
    await fxp.settings.writePair('workspace', pair.name, pair);
    await waitFor(`pair "${pair.name}"`, () => fxp.settings.pair(pair.name));
    await vscode.commands.executeCommand(COMMANDS.openSitePair, pair.name);
  }

  async function copy(file: string): Promise<TransferReport> {
    const fxp = extension();
    const [a, b] = [fxp.state.require('A').site.name, fxp.state.require('B').site.name].map(name => sites.find(s => s.name === name)!);
    const data = randomBytes(200_000);
    put(a!, `/${file}`, data);
    const request: CopyRequest = { kind: 'copyRequest', from: 'A', items: [{ path: `/${file}`, kind: 'file', size: data.length }], to: 'B', folder: '/' };
    const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToOtherSite, request);
    assert.ok(report, 'the copy completed');
    assert.ok(disk(b!, `/${file}`).equals(data), 'byte-exact');
    return report;
  }

  it('reads dataProtection, exists, exclude and parallel of a pair, and explains invalid values', async () => {
    const fxp = extension();
    const pair: PairConfig = { name: 'tls pair', siteA: 'tls a', siteB: 'tls b', folderA: '/', folderB: '/', dataProtection: 'required', exists: 'skip', exclude: ['*.tmp'], parallel: 2 };
    await fxp.settings.writePair('workspace', pair.name, pair);
    const entry = await waitFor('the pair', () => fxp.settings.pair('tls pair'));
    assert.deepStrictEqual(entry.pair, { ...pair, relay: 'ask' });
    fxp.state.pairName = undefined;
    assert.deepStrictEqual(fxp.state.options(), { relay: 'ask', dataProtection: 'preferred', exists: 'ask', exclude: [], parallel: 4 }, 'an unsaved pair has the defaults');

    const config = vscode.workspace.getConfiguration('fxp');
    const original = config.inspect<unknown[]>('sitePairs')!.workspaceValue as unknown[];
    try {
      await config.update('sitePairs', [...original, { name: 'bad', siteA: 'tls a', siteB: 'tls b', dataProtection: 'maybe', parallel: 0 }], vscode.ConfigurationTarget.Workspace);
      const problems = await waitFor('the problem', () => (fxp.settings.problems.length ? fxp.settings.problems : undefined));
      assert.match(problems[0]!, /fxp\.sitePairs\[\d+\] \("bad"\) in workspace settings: "dataProtection" must be one of required, preferred, clear-allowed\./);
    } finally {
      await config.update('sitePairs', original, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the problems to clear', () => fxp.settings.problems.length === 0);
  });

  it('copies between TLS sites by TLS FXP, shows it on the pair, and says once that the servers do not authenticate each other', async () => {
    const fxp = extension();
    fxp.prompts.answerWith(() => undefined);
    await openPair({ name: 'tls pair', siteA: 'tls a', siteB: 'tls b', folderA: '/', folderB: '/', dataProtection: 'required' });
    const before = await waitFor('the TLS capabilities of both sites', () => (fxp.protection.summary()?.state === 'encrypted' ? fxp.protection.summary() : undefined));
    assert.strictEqual(before.label, 'TLS FXP (CPSV)');
    assert.match(fxp.protection.tooltip, /do not authenticate each other/);

    const report = await copy('secret.bin');
    assert.strictEqual(report.copied[0]!.mode, 'fxp');
    assert.match(report.copied[0]!.channel!, /^TLS FXP \(CPSV, passive side TLS client\)$/);
    assert.strictEqual(report.copied[0]!.encrypted, true);
    assert.strictEqual(fxp.protection.text, '$(lock) FXP: TLS FXP (CPSV)');
    assert.match(fxp.protection.tooltip, /Last copy \(tls a → tls b, .*\): TLS FXP \(CPSV, passive side TLS client\)/);
    const notices = fxp.prompts.shown.filter(r => r.kind === 'message' && /do not authenticate each other/.test(r.message));
    assert.strictEqual(notices.length, 1, 'said once');
    await copy('secret2.bin');
    assert.strictEqual(fxp.prompts.shown.filter(r => r.kind === 'message' && /do not authenticate each other/.test(r.message)).length, 1, 'and only once');
  });

  it('uses clear-data FXP only where the pair allows it, and says plainly that the data crossed unencrypted', async () => {
    const fxp = extension();
    fxp.prompts.answerWith(() => undefined);
    await openPair({ name: 'clear pair', siteA: 'tls-only a', siteB: 'tls-only b', folderA: '/', folderB: '/', dataProtection: 'clear-allowed', relay: 'never' });
    const before = await waitFor('the TLS capabilities of both sites', () => (fxp.protection.summary()?.state === 'clear' ? fxp.protection.summary() : undefined));
    assert.strictEqual(before.label, 'clear data');
    assert.match(before.lines.join(' '), /Neither tls-only a nor tls-only b has SSCN or CPSV/);

    const report = await copy('open.bin');
    assert.strictEqual(report.copied[0]!.channel, 'clear data');
    assert.strictEqual(report.copied[0]!.encrypted, false);
    assert.strictEqual(report.copied[0]!.clearBetweenTls, true);
    assert.strictEqual(fxp.protection.text, '$(unlock) FXP: clear data');
    const warning = fxp.prompts.shown.find(r => r.kind === 'message' && r.severity === 'warning' && /crossed the network UNENCRYPTED/.test(r.message));
    assert.ok(warning, JSON.stringify(fxp.prompts.shown));
    assert.match(warning.kind === 'message' ? warning.message : '', /crossed the network UNENCRYPTED between tls-only a and tls-only b \(clear-data FXP\), although both servers speak TLS/);
    const notice = fxp.prompts.shown.findIndex(r => r.kind === 'message' && /^Copying from tls-only a to tls-only b: the file data will cross the network UNENCRYPTED/.test(r.message));
    assert.ok(notice >= 0 && notice < fxp.prompts.shown.indexOf(warning), 'told before the copy as well as after it');
    assert.match(read(await logFile(fxp)), /\[warning\] The file data of 1 file crossed the network UNENCRYPTED/);
  });

  it('refuses clear data between the same servers when the pair says "preferred" (the policy reaches the engine)', async () => {
    const fxp = extension();
    fxp.prompts.answerWith(() => undefined);
    await openPair({ name: 'clear pair', siteA: 'tls-only a', siteB: 'tls-only b', folderA: '/', folderB: '/', dataProtection: 'preferred', relay: 'never' });
    const request: CopyRequest = { kind: 'copyRequest', from: 'A', items: [{ path: '/open.bin', kind: 'file', size: 200_000 }], to: 'B', folder: '/again' };
    const report = await vscode.commands.executeCommand<TransferReport | undefined>(COMMANDS.copyToOtherSite, request);
    assert.strictEqual(report, undefined, 'the copy failed');
    const log = await waitFor('the failure', async () => {
      const text = read(await logFile(fxp));
      return /fxp\.copyToOtherSite failed.*no SSCN or CPSV/.test(text) ? text : undefined;
    });
    assert.match(log, /does not allow clear data/);
  });

  it('says before the first copy of a pair that its file data will cross unencrypted (clear-data FXP allowed); "Don\'t Show Again for This Pair" is kept in the workspace', async () => {
    const fxp = extension();
    const [a, b] = ['tls-only a', 'tls-only b'].map(name => sites.find(s => s.name === name)!);
    const seen: PromptRequest[] = [];
    fxp.prompts.answerWith(request => {
      seen.push(request);
      return request.kind === 'message' && /will cross the network UNENCRYPTED/.test(request.message) ? DONT_SHOW_FOR_PAIR : undefined;
    });
    // This session's notice for the pair was given by the test before: the notice of a new session.
    const notice = new ClearDataNotice(fxp.workspaceState, fxp.prompts, fxp.log);
    await openPair({ name: 'clear pair', siteA: 'tls-only a', siteB: 'tls-only b', folderA: '/', folderB: '/', dataProtection: 'clear-allowed', relay: 'never' });
    const caps = { a: await fxp.engine.capabilities(a!.site), b: await fxp.engine.capabilities(b!.site) };
    const summary = expectedProtection({ a: a!.site, b: b!.site, policy: 'clear-allowed', relay: 'never', caps });
    assert.strictEqual(summary.state, 'clear');
    await fxp.workspaceState.update(WORKSPACE_STATE_KEYS.clearDataNoticeOff, undefined);
    assert.strictEqual(notice.tell(a!.site, b!.site, summary), true, 'told in a new session');
    const told = seen.find(r => r.kind === 'message' && /will cross the network UNENCRYPTED/.test(r.message));
    assert.ok(told?.kind === 'message');
    assert.strictEqual(told.modal, false, 'a notice, not a question');
    assert.match(told.message, /^Copying from tls-only a to tls-only b: the file data will cross the network UNENCRYPTED \(clear data\)\. Neither tls-only a nor tls-only b has SSCN or CPSV, .* This pair allows clear data \(fxp\.sitePairs › dataProtection\)\.$/);
    assert.deepStrictEqual(told.actions, [DONT_SHOW_FOR_PAIR]);
    const key = [credentialKey(a!.site), credentialKey(b!.site)].sort().join(' ⇄ ');
    await waitFor('the choice kept in the workspace state', () => notice.silenced().includes(key));
    assert.deepStrictEqual(fxp.workspaceState.get(WORKSPACE_STATE_KEYS.clearDataNoticeOff), [key]);
    const later = new ClearDataNotice(fxp.workspaceState, fxp.prompts, fxp.log);
    const before = seen.length;
    assert.strictEqual(later.tell(b!.site, a!.site, summary), false, 'not shown again in a later session, either direction');
    assert.strictEqual(seen.length, before);
    await fxp.workspaceState.update(WORKSPACE_STATE_KEYS.clearDataNoticeOff, undefined);
  });
});

describe('notice before file data crosses unencrypted (plain FTP)', () => {
  const extension = useExtension();
  const sites: FtpdSite[] = [];

  after(async () => {
    const fxp = extension();
    fxp.prompts.answerWith(undefined);
    await stopSites(fxp, sites);
  });

  it('tells once per pair and session, before the first copy (not modal), and not before the next', async () => {
    const fxp = extension();
    const a = await startSite(fxp, 'plain a', '127.0.0.53');
    const b = await startSite(fxp, 'plain b', '127.0.0.54');
    sites.push(a, b);
    const notices: { message: string; modal: boolean; copiedYet: boolean }[] = [];
    fxp.prompts.answerWith(request => {
      if (request.kind === 'message' && /UNENCRYPTED/.test(request.message)) {
        notices.push({ message: request.message, modal: request.modal, copiedYet: existsSync(join(b.root, 'first.bin')) });
      }
      return undefined;
    });
    fxp.state.openPair(undefined, { site: a.site, folder: '/' }, { site: b.site, folder: '/' });
    assert.strictEqual(fxp.protection.text, '$(unlock) FXP: plain FTP');
    for (const name of ['first.bin', 'second.bin']) {
      const data = randomBytes(50_000);
      put(a, `/${name}`, data);
      const request: CopyRequest = { kind: 'copyRequest', from: 'A', items: [{ path: `/${name}`, kind: 'file', size: data.length }], to: 'B', folder: '/' };
      const report = await vscode.commands.executeCommand<TransferReport>(COMMANDS.copyToOtherSite, request);
      assert.ok(report, name);
      assert.ok(disk(b, `/${name}`).equals(data), `${name} byte-exact`);
    }
    assert.strictEqual(notices.length, 1, `once: ${JSON.stringify(notices)}`);
    assert.deepStrictEqual(notices[0], {
      message: 'Copying from plain a to plain b: the file data will cross the network UNENCRYPTED (plain FTP). plain a and plain b have no TLS set up (fxp.sites › security).',
      modal: false, copiedYet: false,
    });
    assert.match(read(await logFile(fxp)), /\[warning\] Copying from plain a to plain b: the file data will cross the network UNENCRYPTED/);
  });
});

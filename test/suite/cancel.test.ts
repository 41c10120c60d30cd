import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import type { TransferReport } from '../../src/transfers';
import type { CopyRequest } from '../../src/tree/dragAndDrop';
import { startFtpd, type FtpdServer } from '../ftpd/server';
import { api, logFile, read, waitFor } from './host';

/** Throttled in-process servers, so that a copy runs long enough to be cancelled. */
describe('Cancel Transfers', () => {
  const roots: string[] = [];
  const servers: FtpdServer[] = [];

  after(async () => {
    const fxp = await api();
    for (const side of ['A', 'B'] as const) fxp.state.set(side, undefined);
    for (const name of ['slow a', 'slow b']) await fxp.settings.writeSite('workspace', name, undefined);
    for (const server of servers) await server.close();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('aborts a running FXP copy on both servers and ends its progress', async () => {
    const fxp = await api();
    for (const [host, password] of [['127.0.0.34', 'pa'], ['127.0.0.35', 'pb']] as const) {
      const root = mkdtempSync(join(tmpdir(), 'fxp-cancel-'));
      roots.push(root);
      servers.push(await startFtpd({ host, port: 0, root, users: { u: password }, allowFxp: true }));
    }
    const [a, b] = servers as [FtpdServer, FtpdServer];
    a.faults.rateBytesPerSec = 256 * 1024;
    const size = 8 * 1024 * 1024;
    writeFileSync(join(roots[0]!, 'slow.bin'), randomBytes(size));
    await fxp.settings.writeSite('workspace', 'slow a', { name: 'slow a', host: a.host, port: a.port, user: 'u' });
    await fxp.settings.writeSite('workspace', 'slow b', { name: 'slow b', host: b.host, port: b.port, user: 'u' });
    const siteA = (await waitFor('site "slow a"', () => fxp.settings.site('slow a'))).site;
    const siteB = (await waitFor('site "slow b"', () => fxp.settings.site('slow b'))).site;
    await fxp.passwords.store(siteA, 'pa');
    await fxp.passwords.store(siteB, 'pb');
    fxp.state.openPair(undefined, { site: siteA, folder: '/' }, { site: siteB, folder: '/' });

    const request: CopyRequest = { kind: 'copyRequest', from: 'A', items: [{ path: '/slow.bin', kind: 'file', size }], to: 'B', folder: '/' };
    const running = vscode.commands.executeCommand<TransferReport | undefined>(COMMANDS.copyToOtherSite, request);
    const destination = join(roots[1]!, 'slow.bin');
    await waitFor('bytes arriving on Site B', () => fxp.jobs.count === 1 && existsSync(destination) && statSync(destination).size > 0);
    await vscode.commands.executeCommand(COMMANDS.cancelTransfers);
    assert.strictEqual(await running, undefined, 'the copy ended without a report');
    assert.strictEqual(fxp.jobs.count, 0, 'no transfer left running');
    assert.ok(statSync(destination).size < size, 'the copy stopped before the end');
    const log = read(await logFile(fxp));
    assert.match(log, /slow a > ABOR/);
    assert.match(log, /slow b > ABOR/);
    assert.match(log, /< fxp\.copyToOtherSite cancelled/);
  });
});

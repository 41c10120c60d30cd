import * as assert from 'assert';
import { randomBytes } from 'crypto';
import { existsSync, statSync } from 'fs';
import { join } from 'path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import type { TransferReport } from '../../src/transfers';
import type { CopyRequest } from '../../src/tree/dragAndDrop';
import { put, startSite, stopSites, type FtpdSite } from './ftpdSites';
import { api, logFile, read, waitFor } from './host';

/** Throttled in-process servers, so that a copy runs long enough to be cancelled. */
describe('Cancel Transfers', () => {
  const sites: FtpdSite[] = [];

  after(async () => stopSites(await api(), sites));

  it('aborts a running FXP copy on both servers and ends its progress', async () => {
    const fxp = await api();
    sites.push(await startSite(fxp, 'slow a', '127.0.0.34'), await startSite(fxp, 'slow b', '127.0.0.35'));
    const [a, b] = sites as [FtpdSite, FtpdSite];
    a.server.faults.rateBytesPerSec = 256 * 1024;
    const size = 8 * 1024 * 1024;
    put(a, '/slow.bin', randomBytes(size));
    fxp.state.openPair(undefined, { site: a.site, folder: '/' }, { site: b.site, folder: '/' });

    const request: CopyRequest = { kind: 'copyRequest', from: 'A', items: [{ path: '/slow.bin', kind: 'file', size }], to: 'B', folder: '/' };
    const running = vscode.commands.executeCommand<TransferReport | undefined>(COMMANDS.copyToOtherSite, request);
    const destination = join(b.root, 'slow.bin');
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

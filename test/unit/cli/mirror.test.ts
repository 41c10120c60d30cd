import * as assert from 'assert';
import { describeReport, extractFolderFlags } from '../../../src/cli/mirror';
import { FxpError } from '../../../src/fxp';
import type { JobReport } from '../../../src/fxp/folder';

describe('fxp mirror/cp/resume options', () => {
  it('takes the folder options out and leaves the rest to the common parser', () => {
    const { folder, rest } = extractFolderFlags(['mirror', 'ftp://a/x', '--parallel', '6', '--exists=resume', '--exclude', '*.tmp', '--exclude', 'cache/', '-n', '--json', 'ftp://b/y', '--relay', 'never']);
    assert.deepStrictEqual(rest, ['mirror', 'ftp://a/x', '--json', 'ftp://b/y', '--relay', 'never']);
    assert.deepStrictEqual([folder.parallel, folder.rule, folder.exclude, folder.dryRun], [6, 'resume', ['*.tmp', 'cache/'], true]);
  });

  it('refuses bad values with INVALID_INPUT', () => {
    for (const bad of [['--parallel', '0'], ['--parallel', 'x'], ['--retries', '-1'], ['--exists', 'clobber'], ['--state']]) {
      assert.throws(() => extractFolderFlags(bad), (e: unknown) => e instanceof FxpError && e.code === 'INVALID_INPUT', bad.join(' '));
    }
  });

  it('the end report lists every failure with its reason and what a cancel left', () => {
    const report = {
      id: 'x', state: 'failed', seconds: 2, parallel: 4, limits: [{ site: 'B', limit: 2 }],
      files: { total: 4, done: 2, skipped: 0, failed: 1, cancelled: 1, pending: 0 }, bytes: { total: 100, sent: 2_000_000 },
      parts: [], items: [],
      failures: [{ destination: 'B', path: 'a.txt', target: 'a.txt', state: 'failed', size: 1, action: 'copy', reason: '', attempts: 4, error: { code: 'SERVER_REPLY', message: 'm', text: 'B: STOR failed: 553 No.' } }],
      cancelled: [{ destination: 'B', path: 'big', target: 'big', state: 'cancelled', size: 10, bytes: 4, action: 'copy', reason: '', attempts: 1 }],
    } as JobReport;
    assert.deepStrictEqual(describeReport(report), [
      'Finished with failures: 2 copied, 0 skipped, 1 failed, 1 cancelled, 0 not started; 1.9 MiB sent in 2.00 s (1.0 MB/s), up to 4 FXP pairs per destination.',
      '  B said it was full: at most 2 connections were used.',
      '  FAILED B: a.txt: B: STOR failed: 553 No.',
      '  CANCELLED B: big: 4 of 10 bytes kept for resume',
    ]);
  });
});

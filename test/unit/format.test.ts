import * as assert from 'assert';
import { formatBytes, formatDuration, progressMessage, progressPercent, progressText } from '../../src/format';
import type { TransferProgress } from '../../src/transfers';

const MB = 1024 * 1024;

function progress(changes: Partial<TransferProgress> = {}): TransferProgress {
  return { filesDone: 2, filesTotal: 5, bytesDone: 1.2 * MB, bytesTotal: 3.4 * MB, files: [], ...changes };
}

describe('progress text (the notification and the status bar tooltip)', () => {
  it('says files done of total, bytes of total, speed and time left', () => {
    assert.strictEqual(progressText(progress({ bytesPerSecond: 5.1 * MB, etaSeconds: 0.43 })), '2/5 files · 1.2 MB of 3.4 MB · 5.1 MB/s · 430 ms left');
    assert.strictEqual(progressText(progress({ bytesPerSecond: 512 * 1024, etaSeconds: 95 })), '2/5 files · 1.2 MB of 3.4 MB · 512 KB/s · 1 min 35 s left');
  });

  it('says "file" for one file, and counts from 0/0', () => {
    assert.strictEqual(progressText(progress({ filesDone: 0, filesTotal: 1 })), '0/1 file · 1.2 MB of 3.4 MB');
    assert.strictEqual(progressText({ filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 }), '0/0 files · 0 B so far');
  });

  it('shows only the bytes so far when the total is not known', () => {
    assert.strictEqual(progressText(progress({ bytesTotal: 0, bytesDone: 300 * 1024, bytesPerSecond: 100 * 1024 })), '2/5 files · 300 KB so far · 100 KB/s');
  });

  it('leaves out speed and time left while there is no speed (not measured yet, or stalled)', () => {
    for (const bytesPerSecond of [undefined, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.strictEqual(progressText(progress({ bytesPerSecond, etaSeconds: 12 })), '2/5 files · 1.2 MB of 3.4 MB', String(bytesPerSecond));
    }
    assert.strictEqual(progressText(progress({ bytesPerSecond: 1024, etaSeconds: undefined })), '2/5 files · 1.2 MB of 3.4 MB · 1.0 KB/s');
    assert.strictEqual(progressText(progress({ bytesPerSecond: 1024, etaSeconds: 0 })), '2/5 files · 1.2 MB of 3.4 MB · 1.0 KB/s', 'nothing left to wait for');
  });

  it('keeps huge figures short', () => {
    const text = progressText({ filesDone: 999_999, filesTotal: 1_000_000, bytesDone: 3 * 1024 ** 5, bytesTotal: 7.5 * 1024 ** 6, bytesPerSecond: 2.5 * 1024 ** 3, etaSeconds: 3_600 * 24 * 400 });
    assert.strictEqual(text, '999999/1000000 files · 3.0 PB of 7.5 EB · 2.5 GB/s · 400 d 0 h left');
    assert.strictEqual(formatBytes(Number.MAX_SAFE_INTEGER), '8.0 PB');
    assert.strictEqual(formatBytes(1024 ** 7), '1024 EB', 'the largest unit goes on counting');
  });

  it('adds the files being copied now to the notification', () => {
    const file = (path: string) => ({ key: path, path, destination: 'b', target: `/in${path}`, size: 10, bytes: 1 });
    assert.strictEqual(progressMessage(progress({ files: [file('/x.bin'), file('/y.bin')] })), '2/5 files · 1.2 MB of 3.4 MB · /x.bin, /y.bin');
    assert.strictEqual(progressMessage(progress()), '2/5 files · 1.2 MB of 3.4 MB');
  });

  it('measures how far by bytes where the total is known, else by files, within 0..100', () => {
    assert.strictEqual(progressPercent(progress({ bytesDone: MB, bytesTotal: 4 * MB })), 25);
    assert.strictEqual(progressPercent(progress({ bytesTotal: 0 })), 40);
    assert.strictEqual(progressPercent({ filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 }), 0);
    assert.strictEqual(progressPercent(progress({ bytesDone: 5 * MB, bytesTotal: 4 * MB })), 100, 'a file that grew does not go past the end');
  });
});

describe('formatBytes and formatDuration', () => {
  it('formats bytes with one decimal below 10 and none above', () => {
    assert.deepStrictEqual([0, 1, 1023, 1024, 1536, 10 * 1024, 1023.9 * 1024, MB, 9.97 * MB].map(formatBytes),
      ['0 B', '1 B', '1023 B', '1.0 KB', '1.5 KB', '10 KB', '1024 KB', '1.0 MB', '10 MB']);
    assert.deepStrictEqual([-1, Number.NaN, Number.POSITIVE_INFINITY].map(formatBytes), ['?', '?', '?']);
  });

  it('formats durations from milliseconds to days', () => {
    assert.deepStrictEqual([0.25, 1, 59.2, 60, 119.9, 3_599, 3_600, 47 * 3_600 + 59 * 60, 48 * 3_600, 1e9].map(formatDuration),
      ['250 ms', '1 s', '60 s', '1 min 0 s', '1 min 59 s', '59 min 59 s', '1 h 0 min', '47 h 59 min', '2 d 0 h', '11574 d 1 h']);
    assert.deepStrictEqual([-1, Number.NaN, Number.POSITIVE_INFINITY].map(formatDuration), ['?', '?', '?']);
  });
});

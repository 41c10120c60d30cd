import * as assert from 'assert';
import { describeProgress, etaSeconds, RateMeter } from '../../../../src/fxp/folder';

describe('folder progress', () => {
  it('a steady rate is measured exactly; a burst is smoothed, not copied', () => {
    const m = new RateMeter(3000);
    for (let t = 0; t <= 10_000; t += 1000) m.sample(t * 1000, t); // 1 MB/s
    assert.ok(Math.abs(m.bytesPerSecond - 1_000_000) < 1);
    m.sample(10_000_000 + 20_000_000, 11_000); // 20 MB in one second
    assert.ok(m.bytesPerSecond > 1_000_000 && m.bytesPerSecond < 20_000_000, String(m.bytesPerSecond));
  });

  it('ETA is remaining / rate, unknown without a rate', () => {
    assert.strictEqual(etaSeconds(100, 10), 10);
    assert.strictEqual(etaSeconds(0, 0), 0);
    assert.strictEqual(etaSeconds(100, 0), undefined);
  });

  it('one line for people', () => {
    const line = describeProgress({
      filesTotal: 1000, filesDone: 100, filesSkipped: 20, filesFailed: 1, filesCancelled: 0,
      bytesTotal: 10 * 1024 * 1024, bytesDone: 1024 * 1024, bytesPerSecond: 2 * 1024 * 1024, etaSeconds: 4.2, elapsedSeconds: 1, active: [],
    });
    assert.strictEqual(line, '120/1000 files, 1 failed, 1.0 MiB of 10.0 MiB, 2.0 MiB/s, 5 s left');
  });
});

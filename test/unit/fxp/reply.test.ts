import * as assert from 'assert';
import { MAX_REPLY_BYTES, ReplyFramer, ReplyTooLargeError } from '../../../src/fxp/reply';

function feed(chunks: string[]) {
  const framer = new ReplyFramer();
  return chunks.flatMap(c => framer.push(c));
}

describe('reply framing', () => {
  it('frames single-line replies', () => {
    assert.deepStrictEqual(feed(['220 ready\r\n331 pass\r\n']), [
      { code: 220, text: '220 ready' },
      { code: 331, text: '331 pass' },
    ]);
  });

  it('frames a multi-line reply into one, with inner lines that look like codes', () => {
    const text = '211-Extensions supported:\r\n EPSV\r\n211-not the end\r\n 200 also not\r\n211 End\r\n';
    const replies = feed([text]);
    assert.strictEqual(replies.length, 1);
    assert.strictEqual(replies[0]!.code, 211);
    assert.strictEqual(replies[0]!.text.split('\n').length, 5);
  });

  it('is indifferent to where a chunk boundary falls, byte by byte', () => {
    const stream = '200-FXP transfer: from 127.0.0.1 to 127.0.0.2\r\n200 PORT command successful\r\n150 Opening\r\n226 Transfer complete\r\n';
    const whole = feed([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepStrictEqual(feed([stream.slice(0, cut), stream.slice(cut)]), whole, `cut at ${cut}`);
    }
    assert.deepStrictEqual(feed([...stream]), whole);
    assert.deepStrictEqual(whole.map(r => r.code), [200, 150, 226]);
  });

  it('keeps a reply split in the middle of its code', () => {
    assert.deepStrictEqual(feed(['22', '6 Transfer complete\r', '\n']), [{ code: 226, text: '226 Transfer complete' }]);
  });

  it('accepts bare LF line endings and a code with no text', () => {
    assert.deepStrictEqual(feed(['226\n150-a\n150 b\n']).map(r => r.code), [226, 150]);
  });

  it('refuses a reply that never ends', () => {
    const framer = new ReplyFramer();
    framer.push('211-start\r\n');
    assert.throws(() => {
      for (let i = 0; i < 10_000; i++) framer.push(' line that keeps going\r\n');
    }, ReplyTooLargeError);
  });

  it('refuses a line that never ends', () => {
    const framer = new ReplyFramer();
    assert.throws(() => framer.push('2'.repeat(MAX_REPLY_BYTES + 1)), ReplyTooLargeError);
  });
});

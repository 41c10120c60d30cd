import * as assert from 'assert';
import * as fc from 'fast-check';
import { MAX_REPLY_BYTES, MAX_REPLY_LINES, ReplyFramer, ReplyTooLargeError, type Reply } from '../../../src/fxp/reply';
import { REAL_REPLIES, chunked, counted, ftpishText, mutated, runs, timed } from '../../faults/fuzz';

/** Feeds chunks; returns the replies, or the error the framer threw. */
function feed(chunks: string[]): { replies: Reply[]; error?: unknown } {
  const framer = new ReplyFramer();
  const replies: Reply[] = [];
  try {
    for (const c of chunks) replies.push(...framer.push(c));
    return { replies };
  } catch (error) {
    return { replies, error };
  }
}

function checkReply(r: Reply): void {
  assert.ok(Number.isInteger(r.code) && r.code >= 100 && r.code <= 599, `code ${r.code}`);
  assert.ok(r.text.startsWith(String(r.code)), `text ${JSON.stringify(r.text.slice(0, 40))} does not start with its code`);
  assert.ok(r.text.length <= MAX_REPLY_BYTES, `reply of ${r.text.length} chars passed the cap`);
  assert.ok(!r.text.includes('\n') || r.text.split('\n').length <= MAX_REPLY_LINES + 1, 'reply over the line cap');
}

/** A well-formed reply: one line, or a block whose inner lines never look like its end line. */
const wellFormed = fc.tuple(
  fc.integer({ min: 100, max: 599 }),
  fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }).map(s => s.replace(/[\r\n]/g, ' ')), { minLength: 0, maxLength: 5 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map(s => s.replace(/[\r\n]/g, ' ')),
  fc.constantFrom('\r\n', '\n'),
).map(([code, inner, last, eol]) => {
  const lines = inner.length === 0
    ? [`${code} ${last}`]
    : [`${code}-${inner[0]}`, ...inner.slice(1).map(l => ` ${l}`), `${code} ${last}`];
  return { code, text: lines.join(eol) + eol, expect: lines.join('\n') };
});

describe('fuzz: control-connection reply framing (ReplyFramer)', function () {
  this.timeout(120_000);

  it('random and mutated server output: only ReplyTooLargeError, every reply well-formed, no pathological slowness', () => {
    const input = chunked(fc.oneof(
      ftpishText,
      mutated(REAL_REPLIES.map(r => `${r}\r\n`)),
      fc.array(mutated(REAL_REPLIES.map(r => `${r}\r\n`)), { maxLength: 8 }).map(a => a.join('')),
      fc.string({ unit: 'binary', maxLength: 400 }),
    ));
    fc.assert(fc.property(input, counted('reply framer: random + mutated', ({ chunks }) => {
      const { replies, error } = timed(2_000, 'framing', () => feed(chunks));
      if (error !== undefined) assert.ok(error instanceof ReplyTooLargeError, `threw ${String(error)}`);
      replies.forEach(checkReply);
    })), { numRuns: runs(20_000) });
  });

  it('is indifferent to where the network splits the stream', () => {
    const input = chunked(fc.oneof(ftpishText, fc.array(mutated(REAL_REPLIES.map(r => `${r}\r\n`)), { maxLength: 8 }).map(a => a.join(''))));
    fc.assert(fc.property(input, counted('reply framer: split invariance', ({ text, chunks }) => {
      fc.pre(text.length < MAX_REPLY_BYTES);
      const whole = feed([text]);
      const split = feed(chunks);
      assert.deepStrictEqual(split.replies, whole.replies);
      assert.strictEqual(split.error === undefined, whole.error === undefined);
    })), { numRuns: runs(10_000) });
  });

  it('frames well-formed replies exactly, whatever the chunking and line endings', () => {
    const input = fc.array(wellFormed, { minLength: 1, maxLength: 6 }).chain(list => chunked(fc.constant(list.map(r => r.text).join('')))
      .map(c => ({ ...c, list })));
    fc.assert(fc.property(input, counted('reply framer: round trip', ({ chunks, list }) => {
      const { replies, error } = feed(chunks);
      assert.strictEqual(error, undefined);
      assert.deepStrictEqual(replies, list.map(r => ({ code: r.code, text: r.expect })));
    })), { numRuns: runs(10_000) });
  });

  it('an endless multi-line reply or line is refused within the cap, in bounded time', () => {
    const input = fc.record({
      code: fc.constantFrom('211', '220', '150', '226'),
      line: fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), fc.constantFrom('', ' x', '211-still going', '212 not the end', '2', '150')),
      eol: fc.constantFrom('\r\n', '\n', ''),
      chunkLines: fc.integer({ min: 1, max: 500 }),
    });
    fc.assert(fc.property(input, counted('reply framer: endless replies', ({ code, line, eol, chunkLines }) => {
      // A line "CODE " or "CODE" would legitimately end the block: keep only endless streams.
      const body = line.startsWith(code) ? ` ${line}` : line;
      const framer = new ReplyFramer();
      let fed = 0;
      let lines = 0;
      const chunk = `${body}${eol}`.repeat(chunkLines) || 'x';
      const error = timed(2_000, 'endless reply', () => {
        try {
          assert.deepStrictEqual(framer.push(`${code}-start\r\n`), []);
          for (let i = 0; i < 100_000; i++) {
            const out = framer.push(chunk);
            fed += chunk.length;
            lines += eol ? chunkLines : 0;
            assert.deepStrictEqual(out, [], 'a reply ended inside the endless block');
          }
          return undefined;
        } catch (err) {
          return err;
        }
      });
      assert.ok(error instanceof ReplyTooLargeError, `no ReplyTooLargeError after ${fed} bytes: ${String(error)}`);
      assert.ok(fed <= MAX_REPLY_BYTES + chunk.length && lines <= MAX_REPLY_LINES + chunkLines, `refused only after ${fed} bytes / ${lines} lines`);
    })), { numRuns: runs(600) });
  });
});

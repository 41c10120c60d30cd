import * as assert from 'assert';
import { FxpError } from '../../src/fxp';
import type { Timed } from './world';

/** The error and every cause below it. */
export function chain(err: FxpError): FxpError[] {
  return [err, ...(err.causes ?? []).flatMap(chain)];
}

export interface Expect {
  /** Acceptable codes of the top-level error. */
  codes: string[];
  /** A server reply with this code must be carried by the error or one of its causes. */
  replyCode?: number;
  /** ... and the error carrying it must name this site. */
  site?: string;
  /** The error's text for people must match. */
  describe?: RegExp;
  /** Upper bound for the time the operation took. */
  withinMs?: number;
}

/** Asserts that a measured operation failed clearly: typed, naming the server and its reply, in time. */
export function assertFailure(run: Timed<unknown>, expect: Expect, context = ''): FxpError {
  assert.notStrictEqual(run.error, 'HUNG', `${context}: did not end`);
  assert.ok(run.error instanceof FxpError, `${context}: expected an FxpError, got ${run.error === undefined ? 'success' : String(run.error)}`);
  const err = run.error;
  const text = err.describe();
  assert.ok(expect.codes.includes(err.code), `${context}: code ${err.code} (${text})`);
  if (expect.replyCode !== undefined) {
    const carrier = chain(err).find(e => e.reply?.code === expect.replyCode);
    assert.ok(carrier, `${context}: no error carries the server's ${expect.replyCode} reply: ${text}`);
    if (expect.site) assert.strictEqual(carrier.site, expect.site, `${context}: the ${expect.replyCode} is blamed on ${carrier.site}: ${carrier.describe()}`);
  } else if (expect.site) {
    assert.ok(chain(err).some(e => e.site === expect.site), `${context}: ${expect.site} is not named: ${text}`);
  }
  if (expect.describe) assert.match(text, expect.describe, context);
  if (expect.withinMs !== undefined) assert.ok(run.ms <= expect.withinMs, `${context}: took ${run.ms} ms (bound ${expect.withinMs} ms)`);
  return err;
}

import * as assert from 'assert';
import * as fc from 'fast-check';
import { choosePassiveTarget, isNeverATarget, LOWEST_DATA_PORT, normalizeAddress } from '../../../src/fxp/address';
import {
  ParseError, formatEprt, formatPort, parseEpsv, parseFeat, parseHashReply, parseMdtmReply, parsePasv, parsePwdReply, parseSizeReply,
} from '../../../src/fxp/parse';
import { REAL_REPLIES, counted, ftpishText, mutated, runs, timed } from '../../faults/fuzz';

const PASV_SAMPLES = REAL_REPLIES.filter(r => r.startsWith('227'));
const EPSV_SAMPLES = REAL_REPLIES.filter(r => r.startsWith('229'));
const FEAT_SAMPLES = REAL_REPLIES.filter(r => r.startsWith('211-'));

/** Either a value, or a ParseError; anything else thrown fails the property. */
function parsed<T>(what: string, fn: () => T): T | undefined {
  try {
    return timed(2_000, what, fn);
  } catch (err) {
    if (err instanceof ParseError) return undefined;
    throw err;
  }
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

describe('fuzz: PASV, EPSV, FEAT and the other reply parsers', function () {
  this.timeout(120_000);

  it('parsePasv: only ParseError; a valid IPv4 host and a port 1-65535; PORT can be formatted from it', () => {
    const input = fc.oneof(mutated(PASV_SAMPLES), ftpishText, fc.string({ unit: 'binary', maxLength: 200 }),
      fc.tuple(fc.array(fc.integer({ min: -5, max: 1000 }), { minLength: 6, maxLength: 6 }), fc.constantFrom('227 Entering Passive Mode (', '227 =', '227 '))
        .map(([n, prefix]) => `${prefix}${n.join(',')})`));
    fc.assert(fc.property(input, counted('parsePasv', text => {
      const r = parsed('parsePasv', () => parsePasv(text));
      if (!r) return;
      const m = IPV4.exec(r.host);
      assert.ok(m && m.slice(1).every(o => Number(o) <= 255), `host ${r.host}`);
      assert.ok(Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535, `port ${r.port}`);
      assert.match(formatPort(r), /^PORT \d{1,3}(,\d{1,3}){5}$/);
    })), { numRuns: runs(20_000) });
  });

  it('parsePasv round trip: the host and port a server announces are the ones parsed', () => {
    const input = fc.tuple(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom('227 Entering Passive Mode (%).', '227 Entering passive mode (%).', '227 Entering Passive Mode (%)', '227 %'));
    fc.assert(fc.property(input, counted('parsePasv round trip', ([octets, port, template]) => {
      const text = template.replace('%', `${octets.join(',')},${port >> 8},${port & 255}`);
      assert.deepStrictEqual(parsePasv(text), { host: octets.join('.'), port });
    })), { numRuns: runs(5_000) });
  });

  it('parseEpsv: only ParseError; a port 1-65535; round trip for every delimiter', () => {
    const input = fc.oneof(mutated(EPSV_SAMPLES), ftpishText, fc.string({ unit: 'binary', maxLength: 200 }),
      fc.tuple(fc.string({ unit: 'binary-ascii', maxLength: 3 }), fc.integer({ min: -10, max: 200_000 })).map(([d, p]) => `229 Entering Extended Passive Mode (${d}${d}${d}${p}${d})`));
    fc.assert(fc.property(input, counted('parseEpsv', text => {
      const port = parsed('parseEpsv', () => parseEpsv(text));
      if (port === undefined) return;
      assert.ok(Number.isInteger(port) && port >= 1 && port <= 65535, `port ${port}`);
    })), { numRuns: runs(20_000) });
    const roundTrip = fc.tuple(fc.integer({ min: 33, max: 126 }).filter(c => c < 48 || c > 57), fc.integer({ min: 1, max: 65535 }));
    fc.assert(fc.property(roundTrip, counted('parseEpsv round trip', ([code, port]) => {
      const d = String.fromCharCode(code);
      assert.strictEqual(parseEpsv(`229 Entering Extended Passive Mode (${d}${d}${d}${port}${d})`), port);
    })), { numRuns: runs(5_000) });
  });

  it('parseFeat: never throws; flags and algorithms are consistent with the lines', () => {
    const input = fc.tuple(fc.integer({ min: 100, max: 599 }), fc.oneof(mutated(FEAT_SAMPLES), ftpishText, fc.string({ unit: 'binary', maxLength: 500 })));
    const known = new Set(['SHA-256', 'SHA-1', 'MD5', 'CRC32']);
    fc.assert(fc.property(input, counted('parseFeat', ([code, text]) => {
      const caps = timed(2_000, 'parseFeat', () => parseFeat(code, text));
      if (code < 200 || code >= 300) assert.strictEqual(caps.raw.size, 0);
      for (const list of [caps.hash, caps.xhash]) {
        assert.ok(list.every(a => known.has(a)), list.join());
        assert.strictEqual(new Set(list).size, list.length, 'duplicate algorithm');
      }
      for (const key of caps.raw.keys()) assert.strictEqual(key, key.toUpperCase());
      assert.strictEqual(caps.sscn, caps.raw.has('SSCN'));
      assert.strictEqual(caps.pret, caps.raw.has('PRET'));
      assert.strictEqual(caps.cpsv, caps.raw.has('CPSV'));
    })), { numRuns: runs(10_000) });
  });

  it('parseSizeReply: only ParseError; a non-negative integer, exact for every size a file can have', () => {
    const sizeish = fc.oneof(ftpishText, mutated(['213 1048576', '213 0', '213 99999999999999999999', '550 not found']),
      fc.string({ unit: 'binary', maxLength: 80 }), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(n => `213 ${n}`));
    fc.assert(fc.property(sizeish, counted('parseSizeReply', text => {
      const n = parsed('parseSizeReply', () => parseSizeReply(text));
      if (n === undefined) return;
      assert.ok(Number.isInteger(n) && n >= 0, `SIZE ${JSON.stringify(text)} parsed as ${n}`);
      const digits = /(\d+)\s*$/.exec(text.trim())![1]!.replace(/^0+(?=\d)/, '');
      if (digits.length <= 15) assert.strictEqual(String(n), digits);
    })), { numRuns: runs(10_000) });
  });

  it('parseHashReply: only ParseError; a lower-case hex digest', () => {
    const hashish = fc.oneof(ftpishText, mutated(REAL_REPLIES.filter(r => /^(213 SHA|250 [0-9A-F])/.test(r))), fc.string({ unit: 'binary', maxLength: 200 }));
    fc.assert(fc.property(hashish, counted('parseHashReply', text => {
      const h = parsed('parseHashReply', () => parseHashReply(text));
      if (h !== undefined) assert.match(h, /^[0-9a-f]{8,128}$/);
    })), { numRuns: runs(10_000) });
  });

  it('parseMdtmReply / parsePwdReply: only ParseError; a valid date, a string', () => {
    const mdtmish = fc.oneof(ftpishText, mutated(['213 20241121084000', '213 20241121084000.123']), fc.string({ unit: 'binary', maxLength: 60 }));
    fc.assert(fc.property(mdtmish, counted('parseMdtmReply', text => {
      const d = parsed('parseMdtmReply', () => parseMdtmReply(text));
      if (d !== undefined) assert.ok(!Number.isNaN(d.getTime()), `invalid date from ${JSON.stringify(text)}`);
    })), { numRuns: runs(10_000) });

    const pwdish = fc.oneof(ftpishText, mutated(REAL_REPLIES.filter(r => r.startsWith('257'))), fc.string({ unit: 'binary', maxLength: 200 }));
    fc.assert(fc.property(pwdish, counted('parsePwdReply', text => {
      const p = parsed('parsePwdReply', () => parsePwdReply(text));
      if (p !== undefined) assert.strictEqual(typeof p, 'string');
    })), { numRuns: runs(10_000) });
  });

  it('choosePassiveTarget: never a port below 1024, never a host other than the reply\'s or the control address', () => {
    const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map(o => o.join('.'));
    const addr = fc.oneof(v4, v4.map(a => `::ffff:${a}`), fc.constantFrom('127.0.0.2', '10.0.0.5', '192.168.1.9', '203.0.113.5', '8.8.8.8', '::1', 'fd00::1', '2001:db8::1', '0.0.0.0', '255.255.255.255', '224.0.0.1'));
    const input = fc.record({
      policy: fc.constantFrom('auto' as const, 'control' as const, 'reply' as const),
      reply: fc.record({ host: addr, port: fc.integer({ min: 0, max: 65535 }) }),
      passiveControlAddress: addr,
      activeControlAddress: addr,
    });
    fc.assert(fc.property(input, counted('choosePassiveTarget', inp => {
      const r = choosePassiveTarget(inp);
      if ('refused' in r) {
        const forwardingUnusable = inp.policy === 'reply' && normalizeAddress(inp.reply.host) !== normalizeAddress(inp.passiveControlAddress)
          && isNeverATarget(inp.reply.host);
        assert.ok(inp.reply.port < LOWEST_DATA_PORT || forwardingUnusable, `refused ${r.refused}`);
        return;
      }
      assert.ok(r.port >= LOWEST_DATA_PORT && r.port <= 65535, `port ${r.port}`);
      assert.strictEqual(r.port, inp.reply.port);
      const control = normalizeAddress(inp.passiveControlAddress);
      const replyHost = normalizeAddress(inp.reply.host);
      assert.ok(r.host === control || r.host === replyHost, `host ${r.host} is neither ${control} nor ${replyHost}`);
      if (inp.policy === 'control') assert.strictEqual(r.host, control);
      // A third host is forwarded only in 'reply' mode, and never an unspecified, broadcast or multicast one.
      if (r.host !== control) {
        assert.strictEqual(inp.policy, 'reply');
        assert.ok(!isNeverATarget(r.host), r.host);
      }
      assert.ok(typeof r.reason === 'string' && r.reason.length > 0);
      if (r.host.includes(':')) assert.match(formatEprt(r), /^EPRT \|2\|/);
      else assert.match(formatPort(r), /^PORT /);
    })), { numRuns: runs(20_000) });
  });
});

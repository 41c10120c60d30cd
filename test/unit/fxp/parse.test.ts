import * as assert from 'assert';
import { formatEprt, formatPort, parseEpsv, parseFeat, parseHashReply, parseMdtmReply, parsePasv, parsePwdReply, parseSizeReply } from '../../../src/fxp/parse';

describe('PASV and EPSV replies', () => {
  const pasv: [string, string, number][] = [
    ['227 Entering Passive Mode (127,0,0,2,117,95)', '127.0.0.2', 117 * 256 + 95], // pure-ftpd
    ['227 Entering Passive Mode (127,0,0,3,117,96).', '127.0.0.3', 117 * 256 + 96], // ProFTPD, vsftpd
    ['227 Entering passive mode (127,0,0,5,117,48).', '127.0.0.5', 117 * 256 + 48], // pyftpdlib
    ['227 Entering Passive Mode. 10,0,0,1,4,1', '10.0.0.1', 1025], // the seed's form, no parentheses
    ['227 =192,168,1,2,200,10', '192.168.1.2', 200 * 256 + 10],
  ];
  for (const [text, host, port] of pasv) {
    it(`parses "${text}"`, () => assert.deepStrictEqual(parsePasv(text), { host, port }));
  }

  const epsv: [string, number][] = [
    ['229 Extended Passive mode OK (|||30007|)', 30007],
    ['229 Entering Extended Passive Mode (|||30212|)', 30212],
    ['229 Entering extended passive mode (|||30495|).', 30495],
    ['229 Entering Extended Passive Mode (!!!6446!)', 6446],
  ];
  for (const [text, port] of epsv) {
    it(`parses "${text}"`, () => assert.strictEqual(parseEpsv(text), port));
  }

  it('refuses out-of-range numbers and garbage', () => {
    assert.throws(() => parsePasv('227 Entering Passive Mode (300,0,0,1,4,1)'));
    assert.throws(() => parsePasv('227 Entering Passive Mode (1,2,3,4,0,0)'));
    assert.throws(() => parsePasv('227 nothing here'));
    assert.throws(() => parseEpsv('229 Entering Extended Passive Mode (|||99999|)'));
    assert.throws(() => parseEpsv('229 Entering Extended Passive Mode (|||abc|)'));
    assert.throws(() => parseEpsv('229 (||30212|)'));
  });

  it('formats PORT and EPRT', () => {
    assert.strictEqual(formatPort({ host: '127.0.0.2', port: 30047 }), 'PORT 127,0,0,2,117,95');
    assert.strictEqual(formatEprt({ host: '127.0.0.2', port: 30047 }), 'EPRT |1|127.0.0.2|30047|');
    assert.strictEqual(formatEprt({ host: '::1', port: 30047 }), 'EPRT |2|::1|30047|');
    assert.throws(() => formatPort({ host: '::1', port: 30047 }));
    assert.throws(() => formatPort({ host: '1.2.3.4', port: 70000 }));
  });
});

describe('FEAT', () => {
  it('parses ProFTPD with mod_tls and mod_digest', () => {
    const text = ['211-Features:', ' LANG en-US*', ' MDTM', ' MFMT', ' TVFS', ' UTF8', ' MFF modify;UNIX.group;UNIX.mode;', ' MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;',
      ' AUTH TLS', ' CCC', ' PBSZ', ' PROT', ' SSCN', ' HASH SHA-1*;SHA-256;SHA-512;MD5', ' XCRC', ' XMD5', ' XSHA1', ' XSHA256', ' XSHA512', ' REST STREAM', ' SIZE', ' EPRT', ' EPSV', '211 End'].join('\n');
    const caps = parseFeat(211, text);
    assert.ok(caps.mlsd && caps.mdtm && caps.size && caps.restStream && caps.sscn && caps.authTls && caps.utf8 && caps.epsv && caps.eprt);
    assert.ok(!caps.pret && !caps.cpsv);
    assert.deepStrictEqual(caps.hash, ['SHA-1', 'SHA-256', 'MD5']);
    assert.deepStrictEqual(caps.xhash, ['CRC32', 'MD5', 'SHA-1', 'SHA-256']);
  });

  it('parses pure-ftpd (PRET, no hashes)', () => {
    const text = '211-Extensions supported:\n EPRT\n IDLE\n MDTM\n SIZE\n MFMT\n REST STREAM\n MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;\n MLSD\n PRET\n AUTH TLS\n PBSZ\n PROT\n UTF8\n TVFS\n ESTA\n PASV\n EPSV\n ESTP\n211 End.';
    const caps = parseFeat(211, text);
    assert.ok(caps.pret && caps.mlsd && caps.authTls && !caps.sscn);
    assert.deepStrictEqual(caps.hash, []);
  });

  it('parses vsftpd without MLSD and a server without FEAT', () => {
    const caps = parseFeat(211, '211-Features:\n EPRT\n EPSV\n MDTM\n PASV\n REST STREAM\n SIZE\n TVFS\n211 End');
    assert.ok(!caps.mlsd && caps.epsv);
    const none = parseFeat(500, "500 Unknown command 'FEAT'");
    assert.ok(!none.epsv && none.raw.size === 0);
  });

  it('parses CPSV and SSCN from a server that lists them without indentation', () => {
    const caps = parseFeat(211, '211-Extensions supported:\nCPSV\nSSCN\nPRET\n211 END');
    assert.ok(caps.cpsv && caps.sscn && caps.pret);
  });
});

describe('other replies', () => {
  it('parses SIZE, MDTM, PWD and hash replies', () => {
    assert.strictEqual(parseSizeReply('213 1048576'), 1048576);
    assert.throws(() => parseSizeReply('213 big'));
    assert.strictEqual(parseMdtmReply('213 20240102030405').toISOString(), '2024-01-02T03:04:05.000Z');
    assert.strictEqual(parseMdtmReply('213 20240102030405.5').getUTCMilliseconds(), 500);
    assert.strictEqual(parsePwdReply('257 "/a ""quoted"" dir" is current directory.'), '/a "quoted" dir');
    assert.strictEqual(parseHashReply('213 SHA-256 0-1023 ABCDEF0123456789abcdef0123456789 file.bin'), 'abcdef0123456789abcdef0123456789');
    assert.strictEqual(parseHashReply('250 0123456789abcdef'), '0123456789abcdef');
    assert.throws(() => parseHashReply('213 nothing'));
  });
});

describe('LIST dates', () => {
  const { parseUnixListDate } = require('../../../src/fxp/listing') as typeof import('../../../src/fxp/listing');
  const now = new Date(Date.UTC(2026, 10, 21, 9, 0));
  it('reads recent and old dates, and puts a "future" recent date in last year', () => {
    assert.strictEqual(parseUnixListDate('Nov 21 08:40', now)?.toISOString(), '2026-11-21T08:40:00.000Z');
    assert.strictEqual(parseUnixListDate('Dec 24 10:00', now)?.toISOString(), '2025-12-24T10:00:00.000Z');
    assert.strictEqual(parseUnixListDate('Jan  3  2024', now)?.toISOString(), '2024-01-03T00:00:00.000Z');
    assert.strictEqual(parseUnixListDate('yesterday', now), undefined);
  });
});

import * as assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import type { PromptRequest } from '../../src/prompts';
import { isEntryNode, type SiteNode } from '../../src/tree/nodes';
import { makeCertificate, put, startSite, stopSites, type Certificate, type FtpdSite } from './ftpdSites';
import { IN_PROCESS_PASSWORD } from './hostFixtures';
import { logFile, read, settingsFiles, useExtension, waitFor } from './host';

const HOST = '127.0.0.37';
const names = (nodes: SiteNode[]) => nodes.map(n => (isEntryNode(n) ? n.entry.name : `${n.type}: ${n.message}`));
const modals = (shown: PromptRequest[]) => shown.filter((r): r is Extract<PromptRequest, { kind: 'message' }> => r.kind === 'message' && r.modal);

/** An in-process FTPS server with a self-signed certificate: what FXP asks, pins and refuses. */
describe('certificate trust', () => {
  const extension = useExtension();
  const sites: FtpdSite[] = [];
  let dir: string;
  let first: Certificate;
  let second: Certificate;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fxp-certs-'));
    first = makeCertificate(dir, 'first', HOST);
    second = makeCertificate(dir, 'second', HOST);
  });

  after(async () => {
    const fxp = extension();
    fxp.prompts.answerWith(undefined);
    await fxp.certificates.forget(fxp.certificates.entries().map(e => e.server));
    await stopSites(fxp, sites);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Site A shows the TLS site's root, listed afresh on new connections. */
  async function listTlsSite(): Promise<SiteNode[]> {
    const fxp = extension();
    const tls = sites[0]!;
    fxp.engine.disconnect(tls.site);
    fxp.state.set('A', undefined);
    fxp.state.set('A', { site: tls.site, folder: '/' });
    return fxp.trees.A.getChildren();
  }

  it('asks once, showing subject, issuer, validity and SHA-256 fingerprint; "Trust" pins it outside the workspace and the listing goes on', async () => {
    const fxp = extension();
    sites.push(await startSite(fxp, 'tls self-signed', HOST, { tls: { key: first.key, cert: first.cert }, config: { security: 'explicit' } }));
    put(sites[0]!, '/hello.txt', 'hello over TLS');
    fxp.prompts.answerWith(request => (request.kind === 'message' && request.modal ? 'Trust This Certificate' : undefined));
    // Two connections at once (the listing and the pair's TLS probe) hit the same certificate: one question.
    const [children] = await Promise.all([listTlsSite(), fxp.engine.capabilities(sites[0]!.site)]);
    assert.deepStrictEqual(names(children), ['hello.txt']);
    const asked = modals(fxp.prompts.shown);
    assert.strictEqual(asked.length, 1, JSON.stringify(asked.map(a => a.message)));
    const question = asked[0]!;
    assert.strictEqual(question.severity, 'warning');
    assert.match(question.message, /tls self-signed \(127\.0\.0\.37:\d+\): the server's certificate is not trusted, because it is self-signed/);
    assert.deepStrictEqual(question.actions, ['Trust This Certificate']);
    assert.match(question.detail!, /^Subject: CN=first$/m);
    assert.match(question.detail!, /^Issuer: CN=first$/m);
    assert.match(question.detail!, /^Valid from .+ to .+$/m);
    assert.ok(question.detail!.includes(`SHA-256 fingerprint: ${first.fingerprint}`), question.detail);
    assert.deepStrictEqual(fxp.certificates.pinned(sites[0]!.site), [first.fingerprint]);
    for (const file of settingsFiles(fxp)) assert.ok(!read(file).includes(first.fingerprint), `the fingerprint is not in ${file}`);

    fxp.prompts.answerWith(() => undefined);
    assert.deepStrictEqual(names(await listTlsSite()), ['hello.txt'], 'a new connection accepts the pinned certificate');
    assert.deepStrictEqual(fxp.prompts.shown, [], 'without asking again');
  });

  it('refuses a changed certificate with a warning; "Show Certificate" refuses, "Trust New Certificate" only after an explicit warning', async () => {
    const fxp = extension();
    const tls = sites[0]!;
    const port = tls.server.port;
    await tls.server.close();
    const { startFtpd } = await import('../ftpd/server');
    tls.server = await startFtpd({ host: HOST, port, root: tls.root, users: { u: 'in-process-secret' }, allowFxp: true, tls: { key: second.key, cert: second.cert } });

    fxp.prompts.answerWith(request => (request.kind === 'message' && request.modal ? 'Show Certificate' : undefined));
    const refused = await listTlsSite();
    assert.strictEqual(refused.length, 1);
    assert.strictEqual(refused[0]!.type, 'error');
    assert.match(refused[0]!.type === 'error' ? refused[0]!.detail ?? '' : '', /different certificate/);
    const [warning] = modals(fxp.prompts.shown);
    assert.ok(warning);
    assert.match(warning.message, /presented a DIFFERENT certificate from the one you trusted\. The connection was refused\./);
    assert.deepStrictEqual(warning.actions, ['Show Certificate', 'Trust New Certificate']);
    assert.ok(warning.detail!.includes(`SHA-256 fingerprint: ${second.fingerprint}`));
    assert.ok(warning.detail!.includes(`Trusted until now: ${first.fingerprint}`));
    assert.match(warning.detail!, /intercepting/);
    const shown = await waitFor('the certificate document', () => vscode.window.activeTextEditor?.document.getText().includes(second.fingerprint) || undefined);
    assert.ok(shown);
    assert.deepStrictEqual(fxp.certificates.pinned(tls.site), [first.fingerprint], 'nothing re-trusted silently');

    const answers = ['Trust New Certificate', 'Replace and Trust'];
    fxp.prompts.answerWith(request => (request.kind === 'message' && request.modal ? answers.shift() : undefined));
    assert.deepStrictEqual(names(await listTlsSite()), ['hello.txt']);
    const [, confirm] = modals(fxp.prompts.shown);
    assert.match(confirm!.message, /Replace the trusted certificate of 127\.0\.0\.37:\d+ with the new one\?/);
    assert.ok(confirm!.detail!.includes(second.fingerprint));
    assert.deepStrictEqual(fxp.certificates.pinned(tls.site), [second.fingerprint], 'the new one replaced the old one');
    assert.match(read(await logFile(fxp)), /presented a different certificate .* connection refused/);
  });

  it('"Forget Trusted Certificates" removes the pin: the next connection asks again, and "Cancel" refuses it', async () => {
    const fxp = extension();
    const tls = sites[0]!;
    fxp.prompts.answerWith(request => (request.kind === 'pick' ? request.items.filter(i => i.startsWith(`${HOST}:`)) : undefined));
    const count = await vscode.commands.executeCommand<number>(COMMANDS.forgetTrustedCertificates);
    assert.strictEqual(count, 1);
    assert.deepStrictEqual(fxp.certificates.pinned(tls.site), []);

    fxp.prompts.answerWith(() => undefined);
    const refused = await listTlsSite();
    assert.strictEqual(refused[0]?.type, 'error');
    assert.match(refused[0]!.type === 'error' ? refused[0]!.message : '', /certificate is not trusted/);
    assert.strictEqual(modals(fxp.prompts.shown).length, 1, 'asked again');
  });

  it('asks about the certificate before the password: no password is typed for a server that is then refused', async () => {
    const fxp = extension();
    const tls = sites[0]!;
    await fxp.passwords.forget(tls.site);
    const kinds = () => fxp.prompts.shown.map(r => (r.kind === 'input' && r.password ? 'password' : r.kind === 'message' && r.modal ? 'certificate' : r.kind));

    fxp.prompts.answerWith(() => undefined);
    const refused = await listTlsSite();
    assert.strictEqual(refused[0]?.type, 'error');
    // The view's listing and the pair's TLS probe may each meet the certificate (one question, or two in turn).
    assert.ok(kinds().length > 0 && kinds().every(kind => kind === 'certificate'), `refused at the certificate, no password asked: ${kinds().join(', ')}`);

    fxp.prompts.answerWith(request => request.kind === 'message' && request.modal ? 'Trust This Certificate'
      : request.kind === 'input' && request.password ? IN_PROCESS_PASSWORD
        : request.kind === 'pick' ? request.items.find(i => /Only until VS Code closes/.test(i)) : undefined);
    assert.deepStrictEqual(names(await listTlsSite()), ['hello.txt']);
    assert.deepStrictEqual(kinds(), ['certificate', 'password', 'pick'], 'the certificate first, then the password and whether to keep it');
    assert.strictEqual(await fxp.passwords.isStored(tls.site), false, 'kept for the session only, as answered');
  });
});

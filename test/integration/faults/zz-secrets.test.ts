import * as assert from 'assert';
import { runCli, type CliRun } from '../cli';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { FxpError } from '../../../src/fxp';
import { FolderJob, planFolderCopy } from '../../../src/fxp/folder';
import { collected, record } from '../../faults/figures';
import { data, makeEngine, measure, passwordsOf, startNode, tempDir, type Node } from '../../faults/world';

async function fxp(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const run = await runCli(args, { ...env });
  record.text(run.stdout);
  record.text(run.stderr);
  return run;
}

function* walk(path: string): Generator<string> {
  if (!existsSync(path)) return;
  const st = statSync(path);
  if (st.isFile()) { yield path; return; }
  if (!st.isDirectory()) return;
  for (const name of readdirSync(path)) yield* walk(join(path, name));
}

/**
 * Runs last (file name): greps every log line, error, CLI output and file that the fault tests of this
 * run recorded, plus this file's own CLI and folder-job runs, for every test password. Zero hits.
 */
describe('secrets: no test password in any log line, error message, CLI output or file of the run', function () {
  this.timeout(60_000);
  let a: Node;
  let b: Node;
  let stateDir = '';
  const cli: CliRun[] = [];

  before(async () => {
    a = await startNode('secret-a', '127.0.0.244');
    b = await startNode('secret-b', '127.0.0.245');
    a.put('/f.bin', data(5_000));
    a.put('/tree/one.bin', data(1_000));
    a.put('/tree/two.bin', data(1_000));
    stateDir = tempDir('state');
    const url = (n: Node, path: string, withPassword = false) =>
      `ftp://${n.user}${withPassword ? `:${encodeURIComponent(n.password)}` : ''}@${n.site.host}:${n.site.port}${path}`;

    // The CLI, verbose and JSON, passwords in URLs, in the environment, right and wrong.
    cli.push(await fxp(['cp', url(a, '/f.bin', true), url(b, '/cli-url.bin', true), '--verbose', '--json']));
    cli.push(await fxp(['cp', url(a, '/f.bin'), url(b, '/cli-env.bin'), '--verbose'], { FXP_SRC_PASSWORD: a.password, FXP_DST_PASSWORD: b.password }));
    cli.push(await fxp(['cp', url(a, '/f.bin'), url(b, '/cli-wrong.bin'), '--verbose', '--json'], { FXP_SRC_PASSWORD: a.password, FXP_DST_PASSWORD: `${b.password}-wrong` }));
    cli.push(await fxp(['ls', url(a, '/', true), '--verbose', '--json']));
    cli.push(await fxp(['ls', url(a, '/no-such-dir', true), '--verbose']));
    cli.push(await fxp(['doctor', url(a, '/', true), url(b, '/', true), '--json', '--verbose']));
    // A URL the parser refuses, with the password in it (port out of range).
    cli.push(await fxp(['ls', `ftp://${a.user}:${encodeURIComponent(a.password)}@${a.site.host}:99999/`, '--json']));

    // The engine: a folder job with a journal, one file refused by the destination.
    b.onCommand((cmd, arg) => (cmd === 'STOR' && arg.endsWith('two.bin') ? { kind: 'reply', text: '553 Could not create file.' } : undefined));
    const { engine } = makeEngine(passwordsOf(a, b));
    try {
      const plan = await planFolderCopy(engine, { site: a.site, path: '/tree' }, { site: b.site, path: '/tree-copy' });
      const job = FolderJob.fromPlans(engine, [plan], { journalPath: join(stateDir, 'job.fxpjob'), retries: 0, relay: 'never' });
      const report = await job.run();
      record.text(JSON.stringify(report));
    } catch (err) {
      record.error(err);
    } finally {
      engine.close();
      b.onCommand(undefined);
    }

    // The engine: a wrong password, errors and their JSON.
    const { engine: wrong } = makeEngine(site => (site.name === 'secret-b' ? `${b.password}-wrong` : a.password));
    const run = await measure(wrong.copyFile(a.site, '/f.bin', b.site, '/wrong.bin', { relay: 'auto' }));
    wrong.close();
    assert.ok(run.error instanceof FxpError);
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('the passwords are known to this check (the test is not vacuous)', () => {
    const { secrets, texts } = collected();
    assert.ok(secrets.has(a.password) && secrets.has(b.password));
    assert.ok(secrets.size >= 2);
    assert.ok(texts.some(t => /PASS \*\*\*\*/.test(t)), 'no transcript with a masked PASS was recorded');
    assert.deepStrictEqual(cli.map(r => r.code), [0, 0, 1, 0, 1, 0, 2], cli.map(r => r.stderr.slice(0, 200)).join('\n'));
    record.number('secrets: passwords checked', secrets.size);
  });

  it('no log line, error message or CLI output of the whole run contains a password', () => {
    const { secrets, texts, scanned } = collected();
    const hits: string[] = [];
    for (const text of texts) {
      for (const s of secrets) {
        if (text.includes(s)) hits.push(text.replace(s, '<PASSWORD>').slice(0, 300));
      }
    }
    record.number('secrets: texts checked (kept + scanned on the fly)', `${texts.length} + ${scanned}`);
    record.number('secrets: hits in texts', hits.length);
    assert.deepStrictEqual(hits, [], `${hits.length} text(s) carry a password:\n${hits.slice(0, 8).join('\n---\n')}`);
  });

  it('no file written by the run (job journal, state, server folders) contains a password', () => {
    const { secrets, paths } = collected();
    const hits: string[] = [];
    let files = 0;
    for (const root of [...paths, stateDir]) {
      for (const file of walk(root)) {
        files++;
        const content = readFileSync(file).toString('latin1');
        const utf8 = readFileSync(file).toString('utf8');
        for (const s of secrets) if (content.includes(s) || utf8.includes(s)) hits.push(file);
      }
    }
    assert.ok(existsSync(join(stateDir, 'job.fxpjob')) || readdirSync(stateDir).length > 0, 'the folder job wrote no journal to check');
    record.number('secrets: files checked', files);
    assert.deepStrictEqual(hits, []);
  });
});

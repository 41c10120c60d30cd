#!/usr/bin/env node
// npm run demo [-- options]: `npm ci` when node_modules is missing, build the extension, bundle the demo
// launcher (demo/main.ts) into .demo/build/ and run it. Options: `npm run demo -- --help`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(repo);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    process.stderr.write(`demo: \`${[cmd, ...args].join(' ')}\` failed (${r.status ?? r.signal ?? r.error?.message})\n`);
    process.exit(1);
  }
}

if (!existsSync(join(repo, 'node_modules', '.package-lock.json'))) {
  process.stderr.write('demo: node_modules is missing: npm ci\n');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
run(process.execPath, ['esbuild.mjs']);
const esbuild = await import('esbuild');
const outfile = join(repo, '.demo', 'build', 'demo.js');
await esbuild.build({
  entryPoints: [join(repo, 'demo', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['playwright-core'],
  logLevel: 'warning',
});

// Signals go to the launcher, which stops what it started and exits; this script waits for it.
// (A terminal's Ctrl-C reaches both; the launcher stops once.)
const child = spawn(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Runs one client process under bench/measure.py and reads back what it measured.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const MEASURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'measure.py');
let current; // the wrapper now running, so that Ctrl-C can stop it

/** Stops the client now running (measure.py kills the client's process group on SIGTERM). */
export function killCurrent() {
  try { current?.kill('SIGTERM'); } catch { /* gone */ }
}

/**
 * Runs argv with env under the measuring wrapper. stdout/stderr go to files in `dir`
 * (named after `tag`). Resolves { exitCode, timedOut, wall, cpu, cpuUser, cpuSys,
 * maxRssKiB, rssMethod, rchar, wchar, syscr, syscw, stdoutFile, stderrFile }.
 */
export function measure(argv, { env, dir, tag, timeoutS = 600 }) {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, tag);
  const files = { result: `${base}.measure.json`, stdout: `${base}.out`, stderr: `${base}.err` };
  fs.rmSync(files.result, { force: true });
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [MEASURE, files.result, files.stdout, files.stderr, String(timeoutS), '--', ...argv], {
      env, stdio: ['ignore', 'ignore', 'pipe'],
    });
    current = child;
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      current = undefined;
      let m;
      try { m = JSON.parse(fs.readFileSync(files.result, 'utf8')); } catch {
        reject(new Error(`measure.py failed (${code}): ${err.trim()}`));
        return;
      }
      resolve({
        exitCode: m.exitCode, timedOut: m.timedOut, wall: m.wall,
        cpu: m.cpuUser + m.cpuSys, cpuUser: m.cpuUser, cpuSys: m.cpuSys, maxRssKiB: m.maxRssKiB, rssMethod: m.rssMethod,
        rchar: m.io.rchar, wchar: m.io.wchar, syscr: m.io.syscr, syscw: m.io.syscw,
        stdoutFile: files.stdout, stderrFile: files.stderr,
      });
    });
  });
}

/** Last `n` lines of a file, for error messages. */
export function tail(file, n = 8) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch { return ''; }
}

/**
 * Commands a client sent, from its transcript.
 * ours (--verbose): lines "<site> > CMD args" (replies are "<site> < ..."; continuation lines are indented).
 * lftp (debug 5): lines "---> CMD args" (optionally after a "debug -t" timestamp).
 * Returns { total, byVerb: {VERB: n}, logins }.
 */
export function countCommands(text, client) {
  const re = client === 'lftp'
    ? /^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?(?:\[[^\]]*\] )?---> ([A-Za-z]{3,4})\b/
    : /^[^\s<>][^<>]{0,60}? > ([A-Za-z]{3,4})(?: |$)/;
  const byVerb = {};
  let total = 0;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const verb = m[1].toUpperCase();
    byVerb[verb] = (byVerb[verb] ?? 0) + 1;
    total++;
  }
  return { total, byVerb, logins: byVerb.USER ?? 0 };
}

/** Removes passwords from a transcript before it is kept. */
export function scrub(text, secrets) {
  let out = text.replace(/^(.*(?:--->|>) PASS ).*$/gm, '$1****');
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('****');
  return out;
}

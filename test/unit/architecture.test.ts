import * as assert from 'assert';
import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture', () => {
  it('the engine (src/fxp) and the CLI never import vscode', () => {
    const offenders = [...sources(join(root, 'src', 'fxp')), ...sources(join(root, 'src', 'cli'))]
      .filter(file => /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\)/.test(readFileSync(file, 'utf8')));
    assert.deepStrictEqual(offenders, []);
  });

  it('the CLI bundle runs without VS Code', () => {
    const bundle = readFileSync(join(root, 'dist', 'cli.js'), 'utf8');
    assert.ok(!/require\(["']vscode["']\)/.test(bundle), 'dist/cli.js requires vscode');
  });
});

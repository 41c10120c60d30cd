// The test harness's startServers (test/harness/servers.ts), bundled with the repo's esbuild so plain node can load it.
import { createRequire } from 'module';
import * as path from 'path';

/** Bundles test/harness/servers.ts into DATA/harness/servers.cjs and returns its exports. */
export async function loadHarness(repo, data) {
  const harnessFile = path.join(data, 'harness', 'servers.cjs');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(repo, 'test', 'harness', 'servers.ts')], bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', outfile: harnessFile, logLevel: 'warning',
  });
  return createRequire(import.meta.url)(harnessFile);
}

import { runMochaSuite } from '../../vscode/mochaSuiteRunner';

/** extensionTestsPath for the Restricted Mode check (test/suite/untrusted/launch.ts). */
export const run = () => runMochaSuite({ root: __dirname, files: 'restricted.spec.js', timeout: 60_000 });

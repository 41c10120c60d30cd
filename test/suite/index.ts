import { runMochaSuite } from '../vscode/mochaSuiteRunner';

/** extensionTestsPath: the mocha suite, run inside the extension host. */
export const run = () => runMochaSuite({ root: __dirname, files: '**/*.test.js', timeout: 60_000 });

import { runMochaSuite } from '../../vscode/mochaSuiteRunner';

/** extensionTestsPath for the installed-.vsix check (test/suite/vsix/launch.ts). */
export const run = () => runMochaSuite({ root: __dirname, files: 'installed.spec.js' });

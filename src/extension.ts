import { join } from 'path';
import * as vscode from 'vscode';
import { CertificateTrust } from './certificates';
import { CommandRunner } from './commandRunner';
import { registerCommands } from './commands';
import { offerInterruptedTransfers } from './commands/jobs';
import { Comparison } from './comparison';
import { JOURNAL_FOLDER } from './constants';
import { ExtensionEngine } from './extensionEngine';
import { Jobs } from './jobs';
import { JobJournals } from './journals';
import { Log } from './log';
import { PairState } from './pairState';
import { Prompts } from './prompts';
import { ProtectionStatus } from './protectionStatus';
import { Passwords } from './secrets';
import type { ExtensionApi, Services } from './services';
import { Settings } from './settings';
import { createSiteViews } from './tree/views';

/** Composes the extension: log, settings, secrets, trust, engine, pair state, views, commands. Nothing else. */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const started = performance.now();
  const log = new Log();
  const prompts = new Prompts();
  const settings = new Settings(log);
  const passwords = new Passwords(context.secrets, log, prompts);
  const certificates = new CertificateTrust(context.globalState, prompts, log);
  const engine = new ExtensionEngine({ logger: log.engine, password: site => passwords.get(site) }, certificates);
  const state = new PairState(settings, engine);
  const onError = (err: unknown) => passwords.noteError(err, name => settings.site(name)?.site ?? state.siteNamed(name));
  const runner = new CommandRunner(log, onError);
  const comparison = new Comparison(state);
  const views = createSiteViews(state, engine, log, onError);
  const jobs = new Jobs();
  const journals = new JobJournals(join(context.globalStorageUri.fsPath, JOURNAL_FOLDER));
  const protection = new ProtectionStatus(state, engine, prompts, log, settings.onDidChange, context.workspaceState);
  const services: Services = {
    log, settings, passwords, engine, state, jobs, runner, prompts, certificates, journals, comparison, protection,
    trees: views.trees, views: views.views, dragAndDrop: views.dragAndDrop, lastSide: views.lastSide,
  };
  context.subscriptions.push(
    log, settings, certificates, state, comparison, jobs, protection, ...views.disposables, ...registerCommands(services),
    { dispose: () => engine.close() },
  );
  void offerInterruptedTransfers(services);
  log.info(`FXP ${context.extension.packageJSON.version} activated in ${(performance.now() - started).toFixed(1)} ms`);
  return { ...services, logUri: context.logUri, globalStorageUri: context.globalStorageUri, workspaceState: context.workspaceState };
}

export function deactivate(): void {
  // Every disposable is registered on the context.
}

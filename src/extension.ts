import * as vscode from 'vscode';
import { CommandRunner } from './commandRunner';
import { registerCommands } from './commands';
import { FxpEngine } from './fxp';
import { Jobs } from './jobs';
import { Log } from './log';
import { PairState } from './pairState';
import { Passwords } from './secrets';
import type { ExtensionApi, Services } from './services';
import { Settings } from './settings';
import { createSiteViews } from './tree/views';

/** Composes the extension: log, settings, secrets, engine, pair state, views, commands. Nothing else. */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = new Log();
  const settings = new Settings(log);
  const passwords = new Passwords(context.secrets, log);
  const engine = new FxpEngine({ logger: log.engine, password: site => passwords.get(site) });
  const state = new PairState(settings, engine);
  const onError = (err: unknown) => passwords.noteError(err, name => settings.site(name)?.site ?? state.siteNamed(name));
  const runner = new CommandRunner(log, onError);
  const views = createSiteViews(state, engine, log, onError);
  const jobs = new Jobs();
  const services: Services = {
    log, settings, passwords, engine, state, jobs, runner, trees: views.trees, views: views.views, lastSide: views.lastSide,
  };
  context.subscriptions.push(
    log, settings, state, jobs, ...views.disposables, ...registerCommands(services),
    { dispose: () => engine.close() },
  );
  return { ...services, logUri: context.logUri, globalStorageUri: context.globalStorageUri };
}

export function deactivate(): void {
  // Every disposable is registered on the context.
}

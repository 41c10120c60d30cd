import type * as vscode from 'vscode';
import type { CommandRunner } from './commandRunner';
import type { Side } from './constants';
import type { FxpEngine } from './fxp';
import type { Jobs } from './jobs';
import type { Log } from './log';
import type { PairState } from './pairState';
import type { Passwords } from './secrets';
import type { Settings } from './settings';
import type { SiteNode } from './tree/nodes';
import type { SiteTreeProvider } from './tree/siteTree';

/** What the commands work with; built once in extension.ts. Also the API `activate` returns (tests use it). */
export interface Services {
  log: Log;
  settings: Settings;
  passwords: Passwords;
  engine: FxpEngine;
  state: PairState;
  trees: Record<Side, SiteTreeProvider>;
  views: Record<Side, vscode.TreeView<SiteNode>>;
  jobs: Jobs;
  runner: CommandRunner;
  /** The view the user last selected something in. */
  lastSide(): Side | undefined;
}

/** What `activate` returns: the services, and where VS Code keeps our log and storage (tests read them). */
export interface ExtensionApi extends Services {
  logUri: vscode.Uri;
  globalStorageUri: vscode.Uri;
}

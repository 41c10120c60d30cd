import type * as vscode from 'vscode';
import type { CertificateTrust } from './certificates';
import type { CommandRunner } from './commandRunner';
import type { Comparison } from './comparison';
import type { Side } from './constants';
import type { ExtensionEngine } from './extensionEngine';
import type { Jobs } from './jobs';
import type { JobJournals } from './journals';
import type { Log } from './log';
import type { PairState } from './pairState';
import type { Prompts } from './prompts';
import type { ProtectionStatus } from './protectionStatus';
import type { Passwords } from './secrets';
import type { Settings } from './settings';
import type { SiteDragAndDrop } from './tree/dragAndDrop';
import type { SiteNode } from './tree/nodes';
import type { SiteTreeProvider } from './tree/siteTree';

/** What the commands work with; built once in extension.ts. Also the API `activate` returns (tests use it). */
export interface Services {
  log: Log;
  settings: Settings;
  passwords: Passwords;
  engine: ExtensionEngine;
  state: PairState;
  /** Every question of the transfer, certificate and job flows (tests answer through it). */
  prompts: Prompts;
  certificates: CertificateTrust;
  /** Job journals in global storage: every transfer has one until it finished. */
  journals: JobJournals;
  /** The last "Compare Folders", shown as decorations in both views. */
  comparison: Comparison;
  protection: ProtectionStatus;
  trees: Record<Side, SiteTreeProvider>;
  views: Record<Side, vscode.TreeView<SiteNode>>;
  /** The controller both views drop through (tests call it as VS Code does). */
  dragAndDrop: SiteDragAndDrop;
  jobs: Jobs;
  runner: CommandRunner;
  /** The view the user last selected something in. */
  lastSide(): Side | undefined;
}

/** What `activate` returns: the services, and where VS Code keeps our log and storage (tests read them). */
export interface ExtensionApi extends Services {
  logUri: vscode.Uri;
  globalStorageUri: vscode.Uri;
  workspaceState: vscode.Memento;
}

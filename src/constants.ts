/**
 * Every id the extension shares with package.json: commands, views, context keys and values, settings,
 * MIME types, secret keys. test/unit/constants.test.ts checks package.json against this file both ways.
 */

export const EXTENSION_ID = 'fxp-vscode.fxp-vscode';
export const CATEGORY = 'FXP';
export const OUTPUT_CHANNEL = 'FXP';

export const CONTAINER = 'fxp';

export type Side = 'A' | 'B';
export const SIDES: readonly Side[] = ['A', 'B'];

export const VIEWS = {
  A: 'fxp.siteA',
  B: 'fxp.siteB',
} as const satisfies Record<Side, string>;

/** Commands shown in the palette (category "FXP"). */
export const COMMANDS = {
  openSitePair: 'fxp.openSitePair',
  saveSitePair: 'fxp.saveSitePair',
  addSite: 'fxp.addSite',
  editSite: 'fxp.editSite',
  removeSite: 'fxp.removeSite',
  connect: 'fxp.connect',
  disconnect: 'fxp.disconnect',
  refresh: 'fxp.refresh',
  copyToOtherSite: 'fxp.copyToOtherSite',
  transfer: 'fxp.transfer',
  newFolder: 'fxp.newFolder',
  rename: 'fxp.rename',
  delete: 'fxp.delete',
  swapSites: 'fxp.swapSites',
  diagnose: 'fxp.diagnose',
  showLog: 'fxp.showLog',
  cancelTransfers: 'fxp.cancelTransfers',
  cancelFile: 'fxp.cancelFile',
  forgetPassword: 'fxp.forgetPassword',
  forgetTrustedCertificates: 'fxp.forgetTrustedCertificates',
  resumeTransfers: 'fxp.resumeTransfers',
  copyToSeveralSites: 'fxp.copyToSeveralSites',
  previewTransfer: 'fxp.previewTransfer',
  compareFolders: 'fxp.compareFolders',
  syncAToB: 'fxp.syncAToB',
} as const;

/** Commands only reachable from a view's title bar or an item's context menu (hidden from the palette). */
export const TREE_COMMANDS = {
  connectA: 'fxp.tree.connectA',
  connectB: 'fxp.tree.connectB',
  disconnectA: 'fxp.tree.disconnectA',
  disconnectB: 'fxp.tree.disconnectB',
  refreshA: 'fxp.tree.refreshA',
  refreshB: 'fxp.tree.refreshB',
  parentFolderA: 'fxp.tree.parentFolderA',
  parentFolderB: 'fxp.tree.parentFolderB',
  openFolder: 'fxp.tree.openFolder',
} as const;

/** The per-view title commands, by side. */
export const VIEW_COMMANDS: Record<Side, { connect: string; disconnect: string; refresh: string; parentFolder: string }> = {
  A: { connect: TREE_COMMANDS.connectA, disconnect: TREE_COMMANDS.disconnectA, refresh: TREE_COMMANDS.refreshA, parentFolder: TREE_COMMANDS.parentFolderA },
  B: { connect: TREE_COMMANDS.connectB, disconnect: TREE_COMMANDS.disconnectB, refresh: TREE_COMMANDS.refreshB, parentFolder: TREE_COMMANDS.parentFolderB },
};

/** Context keys set with `setContext`. */
export const CONTEXT_KEYS = {
  connectedA: 'fxp.siteA.connected',
  connectedB: 'fxp.siteB.connected',
  transfersRunning: 'fxp.transfersRunning',
  untrustedSitesIgnored: 'fxp.untrustedSitesIgnored',
} as const;

export const CONNECTED_KEY: Record<Side, string> = { A: CONTEXT_KEYS.connectedA, B: CONTEXT_KEYS.connectedB };

/** TreeItem.contextValue of each node kind; menus match them in `viewItem` clauses. */
export const CONTEXT_VALUES = {
  file: 'fxp.entry.file',
  folder: 'fxp.entry.folder',
  link: 'fxp.entry.link',
  error: 'fxp.error',
  notice: 'fxp.notice',
} as const;

/** The status bar item that shows running transfers. */
export const STATUS_ITEM = 'fxp.transfers';
/** The status bar item that shows the open pair's data protection. */
export const PROTECTION_ITEM = 'fxp.dataProtection';

/** Keys in `context.globalState`: kept outside any workspace. */
export const STATE_KEYS = {
  /** Pinned certificate fingerprints by server (host:port). */
  trustedCertificates: 'fxp.trustedCertificates',
} as const;

/** Keys in `context.workspaceState`: this workspace only. */
export const WORKSPACE_STATE_KEYS = {
  /** Site pairs (credential keys) whose notice about unencrypted file data the user turned off. */
  clearDataNoticeOff: 'fxp.clearDataNoticeOff',
} as const;

/** Folder below `context.globalStorageUri` that holds the job journals. */
export const JOURNAL_FOLDER = 'jobs';

/** URI scheme of tree items, for the comparison decorations: fxp-remote://A/path. */
export const REMOTE_SCHEME = 'fxp-remote';

export const CONFIG_SECTION = 'fxp';
/** Setting keys below the `fxp` section. */
export const SETTINGS = {
  sites: 'sites',
  sitePairs: 'sitePairs',
} as const;
export const SETTING_IDS = Object.values(SETTINGS).map(key => `${CONFIG_SECTION}.${key}`);

export const MIME = {
  /** Our drag payload: JSON {@link DragPayload}. */
  items: 'application/vnd.fxp.remote-items+json',
} as const;

/** The MIME type VS Code itself puts on a drag that starts in a tree view (lower-cased view id). */
export function treeMime(viewId: string): string {
  return `application/vnd.code.tree.${viewId.toLowerCase()}`;
}

/** SecretStorage keys: bound to user, host, port and protocol (see credentialKey), never to a site's name. */
export const SECRET_PREFIX = 'fxp.password/';

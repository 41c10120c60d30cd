/** Add Site…, Edit Site…, Remove Site, Forget Password. */
import * as vscode from 'vscode';
import { credentialKey, isValidHost, SITE_DEFAULTS, type Site } from '../fxp';
import { serverKey } from '../certificates';
import type { Services } from '../services';
import { siteFromConfig, stripUndefined, type SiteConfig, type SiteEntry } from '../siteConfig';
import { pickSite, required, siteFromArgs } from './pick';

const SECURITY_ITEMS: { label: string; value: Site['security']; detail: string }[] = [
  { label: 'none', value: 'none', detail: 'Plain FTP: the password and data travel unencrypted.' },
  { label: 'explicit', value: 'explicit', detail: 'FTPS with AUTH TLS on the normal port (usually 21).' },
  { label: 'implicit', value: 'implicit', detail: 'FTPS, TLS from the first byte (usually port 990).' },
];
const PASSIVE_ITEMS: { label: string; value: Site['passiveAddress']; detail: string }[] = [
  { label: 'auto', value: 'auto', detail: 'Use the server\'s own address when a PASV reply names another host (NAT, or a server pointing elsewhere).' },
  { label: 'control', value: 'control', detail: 'Always use the control connection\'s address.' },
  { label: 'reply', value: 'reply', detail: 'Trust the address in the PASV reply.' },
];
const FXP_ITEMS: { label: string; value: Site['fxpPolicy']; detail: string }[] = [
  { label: 'fxp-then-relay', value: 'fxp-then-relay', detail: 'Server to server; if refused, relay through this machine when the pair allows it.' },
  { label: 'fxp-only', value: 'fxp-only', detail: 'Server to server only; never through this machine.' },
  { label: 'relay-only', value: 'relay-only', detail: 'Always through this machine (for servers that never allow FXP).' },
];

async function pickEnum<T extends string>(title: string, items: { label: string; value: T; detail: string }[], current?: T): Promise<T> {
  const picked = await vscode.window.showQuickPick(items.map(i => ({ ...i, description: i.value === current ? 'current' : undefined })), { title, ignoreFocusOut: true });
  return required(picked).value;
}

function validateName(s: Services, original?: string) {
  return (value: string): string | undefined => {
    const name = value.trim();
    if (!name) return 'A name is needed; it shows in the views and in every message.';
    if (name !== original && s.settings.site(name)) return `There is already a site named "${name}".`;
    return undefined;
  };
}

function validatePort(value: string): string | undefined {
  const port = Number(value);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : 'A port is a whole number from 1 to 65535.';
}

async function input(title: string, options: vscode.InputBoxOptions): Promise<string> {
  return required(await vscode.window.showInputBox({ title, ignoreFocusOut: true, ...options })).trim();
}

export async function addSite(s: Services): Promise<string> {
  const title = 'FXP: Add Site';
  const name = await input(title, { prompt: 'Name of the site (shown in the views and messages)', validateInput: validateName(s) });
  const host = await input(title, {
    prompt: 'Host name or IP address', placeHolder: 'ftp.example.com',
    validateInput: v => isValidHost(v.trim()) ? undefined : 'Enter a host name or IP address, without ftp:// and without a port.',
  });
  const security = await pickEnum(`${title}: security`, SECURITY_ITEMS, 'none');
  const port = Number(await input(title, { prompt: 'Port', value: security === 'implicit' ? '990' : String(SITE_DEFAULTS.port), validateInput: validatePort }));
  const user = await input(title, { prompt: 'User name', value: SITE_DEFAULTS.user, validateInput: v => v.trim() ? undefined : 'A user name is needed (anonymous for public servers).' });
  const config: SiteConfig = stripUndefined({ name, host, port, user, security });
  siteFromConfig(config);
  const origin = s.settings.defaultOrigin();
  await s.settings.writeSite(origin, name, config);
  void vscode.window.showInformationMessage(
    `Saved site "${name}" in ${origin} settings (fxp.sites). No password is stored there: FXP asks on first connect.`);
  return name;
}

type FieldItem = vscode.QuickPickItem & { field?: keyof SiteConfig; action?: 'save' };

export async function editSite(s: Services, arg: unknown): Promise<void> {
  const { entry } = await siteFromArgs(s, arg, 'Site to edit');
  if (!entry) throw new Error('This site is not in fxp.sites, so it cannot be edited here.');
  const original = entry.config.name;
  const config: SiteConfig = { ...entry.config };
  const title = `FXP: Edit Site "${original}"`;
  for (;;) {
    const show = (v: unknown) => v === undefined ? 'default' : String(v);
    const items: FieldItem[] = [
      { label: '$(check) Save', description: `to ${entry.origin} settings`, action: 'save' },
      ...(['name', 'host', 'port', 'user', 'security', 'passiveAddress', 'fxpPolicy', 'connectionLimit'] as const)
        .map(field => ({ label: field, description: show(config[field]), field })),
    ];
    const picked = required(await vscode.window.showQuickPick(items, { title, placeHolder: 'Pick a field to change, then Save', ignoreFocusOut: true }));
    if (picked.action === 'save') break;
    const field = picked.field!;
    switch (field) {
      case 'security': config.security = await pickEnum(title, SECURITY_ITEMS, config.security); break;
      case 'passiveAddress': config.passiveAddress = await pickEnum(title, PASSIVE_ITEMS, config.passiveAddress); break;
      case 'fxpPolicy': config.fxpPolicy = await pickEnum(title, FXP_ITEMS, config.fxpPolicy); break;
      case 'port': config.port = Number(await input(title, { prompt: 'Port', value: show(config.port ?? SITE_DEFAULTS.port), validateInput: validatePort })); break;
      case 'connectionLimit':
        config.connectionLimit = Number(await input(title, {
          prompt: 'Most control connections at once (browsing and transfers)', value: String(config.connectionLimit ?? SITE_DEFAULTS.connectionLimit),
          validateInput: v => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 64 ? undefined : 'A whole number from 1 to 64.',
        }));
        break;
      case 'name': config.name = await input(title, { prompt: 'Name', value: config.name, validateInput: validateName(s, original) }); break;
      case 'host': config.host = await input(title, { prompt: 'Host', value: config.host, validateInput: v => isValidHost(v.trim()) ? undefined : 'Not a host name or IP address.' }); break;
      case 'user': config.user = await input(title, { prompt: 'User', value: config.user ?? SITE_DEFAULTS.user }); break;
      default: break;
    }
  }
  siteFromConfig(config);
  if (config.name !== original) {
    await s.settings.writeSite(entry.origin, original, undefined);
    for (const { pair, origin } of s.settings.pairs) {
      if (pair.siteA === original || pair.siteB === original) {
        await s.settings.writePair(origin, pair.name, {
          ...pair, siteA: pair.siteA === original ? config.name : pair.siteA, siteB: pair.siteB === original ? config.name : pair.siteB,
        });
      }
    }
  }
  await s.settings.writeSite(entry.origin, config.name, stripUndefined(config));
}

export async function removeSite(s: Services, arg: unknown): Promise<void> {
  const entry: SiteEntry = typeof arg === 'string' && s.settings.site(arg) ? s.settings.site(arg)! : await pickSite(s, 'Site to remove');
  const name = entry.site.name;
  const pairs = s.settings.pairs.filter(p => p.pair.siteA === name || p.pair.siteB === name);
  const remove = 'Remove';
  const detail = `It is removed from ${entry.origin} settings (fxp.sites)${pairs.length ? `, together with the pair(s) using it: ${pairs.map(p => p.pair.name).join(', ')}` : ''}. `
    + 'A stored password stays until you run "FXP: Forget Password".';
  const choice = await vscode.window.showWarningMessage(`Remove site "${name}"?`, { modal: true, detail }, remove);
  if (choice !== remove) return;
  for (const side of ['A', 'B'] as const) {
    if (s.state.get(side)?.site.name === name) s.state.set(side, undefined);
  }
  for (const { pair, origin } of pairs) await s.settings.writePair(origin, pair.name, undefined);
  await s.settings.writeSite(entry.origin, name, undefined);
}

export async function forgetPassword(s: Services, arg: unknown): Promise<void> {
  const { site } = await siteFromArgs(s, arg, 'Forget the password of which site?');
  const had = await s.passwords.forget(site);
  void vscode.window.showInformationMessage(had
    ? `Forgot the password for ${credentialKey(site)} (site "${site.name}"). FXP asks again on the next connect.`
    : `No password was kept for ${credentialKey(site)} (site "${site.name}").`);
}


/** Forgets pinned certificates (a server, several, or all): the next connection asks again. */
export async function forgetTrustedCertificates(s: Services): Promise<number> {
  const entries = s.certificates.entries();
  if (entries.length === 0) {
    void s.prompts.message('info', 'FXP: no certificate is trusted by fingerprint.');
    return 0;
  }
  const sitesOf = (server: string) => s.settings.sites.filter(e => serverKey(e.site) === server).map(e => e.site);
  const picked = required(await s.prompts.pickMany(entries.map(({ server, certificates }) => ({
    label: server,
    description: sitesOf(server).map(site => site.name).join(', ') || undefined,
    detail: certificates.map(c => `${c.subject || 'no subject'} · SHA-256 ${c.fingerprint256}`).join('; '),
    server,
  })), { title: 'FXP: Forget Trusted Certificates', placeHolder: 'Servers whose pinned certificates to forget', ignoreFocusOut: true }));
  if (picked.length === 0) return 0;
  const count = await s.certificates.forget(picked.map(p => p.server));
  for (const { server } of picked) for (const site of sitesOf(server)) s.engine.disconnect(site);
  void s.prompts.message('info', `FXP: forgot ${count} trusted certificate${count === 1 ? '' : 's'} of ${picked.map(p => p.server).join(', ')}. The next connection asks again.`);
  return count;
}

/** Add Site…, Edit Site…, Remove Site, Forget Password. */
import type * as vscode from 'vscode';
import { SIDES, type Side } from '../constants';
import { credentialKey, isValidHost, SITE_DEFAULTS, type Site } from '../fxp';
import { secretKey } from '../secrets';
import { serverKey } from '../certificates';
import { sideLabel } from '../pairState';
import type { Services } from '../services';
import { siteFromConfig, stripUndefined, type SiteConfig } from '../siteConfig';
import { openSite } from './pair';
import { isSide, pickSite, required, siteFromArgs } from './pick';

type EnumItem<T> = { label: string; value: T; description?: string; detail: string };

/** TLS first: a new site is offered encryption before plain FTP (the settings' default stays "none", for existing entries). */
const SECURITY_ITEMS: EnumItem<Site['security']>[] = [
  { label: '$(lock) explicit TLS', value: 'explicit', description: 'recommended', detail: 'FTPS with AUTH TLS on the normal port (usually 21): the password and the data are encrypted.' },
  { label: '$(lock) implicit TLS', value: 'implicit', detail: 'FTPS, TLS from the first byte (usually port 990).' },
  { label: '$(unlock) none', value: 'none', description: 'the password and data travel in clear', detail: 'Plain FTP: anyone on the network path can read the password and the files.' },
];
const PASSIVE_ITEMS: EnumItem<Site['passiveAddress']>[] = [
  { label: 'auto', value: 'auto', detail: 'Use the server\'s own address when a PASV reply names another host (NAT, or a server pointing elsewhere).' },
  { label: 'control', value: 'control', detail: 'Always use the control connection\'s address.' },
  { label: 'reply', value: 'reply', detail: 'Trust the address in the PASV reply.' },
];
const FXP_ITEMS: EnumItem<Site['fxpPolicy']>[] = [
  { label: 'fxp-then-relay', value: 'fxp-then-relay', detail: 'Server to server; if refused, relay through this machine when the pair allows it.' },
  { label: 'fxp-only', value: 'fxp-only', detail: 'Server to server only; never through this machine.' },
  { label: 'relay-only', value: 'relay-only', detail: 'Always through this machine (for servers that never allow FXP).' },
];

async function pickEnum<T extends string>(s: Services, title: string, items: EnumItem<T>[], current?: T): Promise<T> {
  const described = items.map(i => ({ ...i, description: [i.description, i.value === current ? 'current' : undefined].filter(Boolean).join(' · ') || undefined }));
  const picked = await s.prompts.pick(described, { title, ignoreFocusOut: true });
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

/** A host as typed, without the brackets an IPv6 address may come in. */
function hostOf(value: string): string {
  return value.trim().replace(/^\[(.*)\]$/, '$1');
}

function validateHost(value: string): string | undefined {
  return isValidHost(hostOf(value)) ? undefined : 'Enter a host name or IP address, without ftp:// and without a port.';
}

function validatePort(value: string): string | undefined {
  const port = Number(value.trim());
  return value.trim() && Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : 'A port is a whole number from 1 to 65535.';
}

function validateUser(value: string): string | undefined {
  if (!value.trim()) return 'A user name is needed (anonymous for public servers).';
  return /[\r\n\0]/.test(value) ? 'A user name cannot contain line breaks.' : undefined;
}

async function input(s: Services, title: string, options: vscode.InputBoxOptions): Promise<string> {
  return required(await s.prompts.input({ title, ignoreFocusOut: true, ...options })).trim();
}

const OPEN_IN: Record<Side, string> = { A: 'Open in Site A', B: 'Open in Site B' };

export async function addSite(s: Services): Promise<string> {
  const title = 'FXP: Add Site';
  const name = await input(s, title, { prompt: 'Name of the site (shown in the views and messages)', validateInput: validateName(s) });
  const host = hostOf(await input(s, title, { prompt: 'Host name or IP address', placeHolder: 'ftp.example.com', validateInput: validateHost }));
  const security = await pickEnum(s, `${title}: security`, SECURITY_ITEMS);
  const port = Number(await input(s, title, { prompt: 'Port', value: security === 'implicit' ? '990' : String(SITE_DEFAULTS.port), validateInput: validatePort }));
  const user = await input(s, title, { prompt: 'User name', value: SITE_DEFAULTS.user, validateInput: validateUser });
  const config: SiteConfig = stripUndefined({ name, host, port, user, security });
  siteFromConfig(config);
  const origin = s.settings.defaultOrigin();
  await s.settings.writeSite(origin, name, config);
  void s.prompts.message('info',
    `Saved site "${name}" in ${origin} settings (fxp.sites). No password is stored there: FXP asks on first connect.`, {}, OPEN_IN.A, OPEN_IN.B,
  ).then(choice => {
    const side = SIDES.find(side => OPEN_IN[side] === choice);
    const entry = s.settings.site(name);
    if (side && entry) void s.runner.run(`open ${name} in ${sideLabel(side)}`, () => openSite(s, side, entry.site));
  });
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
    const picked = required(await s.prompts.pick(items, { title, placeHolder: 'Pick a field to change, then Save', ignoreFocusOut: true }));
    if (picked.action === 'save') break;
    const field = picked.field!;
    switch (field) {
      case 'security': config.security = await pickEnum(s, title, SECURITY_ITEMS, config.security); break;
      case 'passiveAddress': config.passiveAddress = await pickEnum(s, title, PASSIVE_ITEMS, config.passiveAddress); break;
      case 'fxpPolicy': config.fxpPolicy = await pickEnum(s, title, FXP_ITEMS, config.fxpPolicy); break;
      case 'port': config.port = Number(await input(s, title, { prompt: 'Port', value: show(config.port ?? SITE_DEFAULTS.port), validateInput: validatePort })); break;
      case 'connectionLimit':
        config.connectionLimit = Number(await input(s, title, {
          prompt: 'Most control connections at once (browsing and transfers)', value: String(config.connectionLimit ?? SITE_DEFAULTS.connectionLimit),
          validateInput: v => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 64 ? undefined : 'A whole number from 1 to 64.',
        }));
        break;
      case 'name': config.name = await input(s, title, { prompt: 'Name', value: config.name, validateInput: validateName(s, original) }); break;
      case 'host': config.host = hostOf(await input(s, title, { prompt: 'Host', value: config.host, validateInput: validateHost })); break;
      case 'user': config.user = await input(s, title, { prompt: 'User', value: config.user ?? SITE_DEFAULTS.user, validateInput: validateUser }); break;
      default: break;
    }
  }
  siteFromConfig(config);
  const saved = stripUndefined(config);
  if (config.name === original) {
    await s.settings.writeSite(entry.origin, original, saved);
    return;
  }
  // Renamed: the pairs naming it follow, and so do the views showing it (the open pair stays open).
  const pairName = s.state.pairName;
  await s.settings.renameSite(entry.origin, original, saved);
  const renamed = s.settings.site(config.name);
  for (const side of SIDES) {
    const state = s.state.get(side);
    if (renamed && state?.site.name === original) s.state.set(side, { site: renamed.site, folder: state.folder });
  }
  s.state.pairName = pairName;
  s.log.info(`Site "${original}" renamed to "${config.name}" in ${entry.origin} settings`);
}

export async function removeSite(s: Services, arg: unknown): Promise<void> {
  const entry = typeof arg === 'string' && !isSide(arg) ? s.settings.site(arg) : await pickSite(s, 'Site to remove');
  if (!entry) throw new Error(`There is no site named "${String(arg)}" in fxp.sites.`);
  const name = entry.site.name;
  const pairs = s.settings.pairs.filter(p => p.pair.siteA === name || p.pair.siteB === name);
  const shownIn = SIDES.filter(side => s.state.get(side)?.site.name === name);
  const stored = await s.passwords.isStored(entry.site);
  const sharing = s.settings.sites.filter(e => e.site.name !== name && secretKey(e.site) === secretKey(entry.site)).map(e => e.site.name);
  const remove = pairs.length ? `Remove Site and ${pairs.length === 1 ? 'Its Pair' : `Its ${pairs.length} Pairs`}` : 'Remove Site';
  const removeAndForget = `${remove}, Forget Password`;
  const detail = [
    `It is removed from ${entry.origin} settings (fxp.sites).`,
    pairs.length ? `It is used by the site pair${pairs.length === 1 ? '' : 's'} ${pairs.map(p => `"${p.pair.name}"`).join(', ')} (fxp.sitePairs): `
      + `${pairs.length === 1 ? 'that pair is' : 'those pairs are'} removed too, with ${pairs.length === 1 ? 'its' : 'their'} settings.` : '',
    shownIn.length ? `${shownIn.map(sideLabel).join(' and ')} show${shownIn.length === 1 ? 's' : ''} it now and will be closed.` : '',
    !stored ? '' : sharing.length
      ? `Its password stays in VS Code's secret storage: ${sharing.map(n => `"${n}"`).join(', ')} log${sharing.length === 1 ? 's' : ''} in with it too.`
      : `Its password stays in VS Code's secret storage unless you choose "${removeAndForget}".`,
  ].filter(Boolean).join(' ');
  const actions = stored && !sharing.length ? [remove, removeAndForget] : [remove];
  const choice = await s.prompts.message('warning', `Remove site "${name}"?`, { modal: true, detail }, ...actions);
  if (choice !== remove && choice !== removeAndForget) return;
  for (const side of shownIn) s.state.set(side, undefined);
  // Pairs first: a pair naming a missing site would be reported as invalid in between.
  for (const { pair, origin } of pairs) await s.settings.writePair(origin, pair.name, undefined);
  await s.settings.writeSite(entry.origin, name, undefined);
  // Idle connections go too (the engine closes by name or login: not while another site logs in the same way).
  if (!sharing.length) s.engine.disconnect(entry.site);
  if (choice === removeAndForget) await s.passwords.forget(entry.site);
  s.log.info(`Removed site "${name}" from ${entry.origin} settings${pairs.length ? ` with the pair(s) ${pairs.map(p => p.pair.name).join(', ')}` : ''}`
    + `${choice === removeAndForget ? '; its password is forgotten' : ''}`);
  const still = s.settings.site(name);
  if (still) {
    void s.prompts.message('info', `Site "${name}" is also defined in ${still.origin} settings, which apply from now on (${credentialKey(still.site)}).`);
  }
}

export async function forgetPassword(s: Services, arg: unknown): Promise<void> {
  const { site } = await siteFromArgs(s, arg, 'Forget the password of which site?');
  const had = await s.passwords.forget(site);
  void s.prompts.message('info', had
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

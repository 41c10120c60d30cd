/**
 * The `fxp.sites` / `fxp.sitePairs` settings as plain data: parsing with clear messages for every invalid
 * entry, and writing entries back. No `vscode` here, so it is unit-tested in plain node.
 */
import { CONFIG_SECTION, SETTINGS } from './constants';
import { EXISTS_RULES, FxpError, makeSite, type DataProtection, type ExistsRule, type Site } from './fxp';

export type RelayChoice = 'ask' | 'always' | 'never';
export const RELAY_CHOICES: readonly RelayChoice[] = ['ask', 'always', 'never'];

export const DATA_PROTECTIONS: readonly DataProtection[] = ['required', 'preferred', 'clear-allowed'];
/** A file that exists on the destination: ask each time, or one of the engine's rules. */
export type ExistsChoice = 'ask' | ExistsRule;
export const EXISTS_CHOICES: readonly ExistsChoice[] = ['ask', ...EXISTS_RULES];
export const MAX_PARALLEL = 16;

/** Where a setting value came from; also where edits are written back. */
export type SettingOrigin = 'user' | 'workspace' | 'workspaceFolder';

/** One entry of `fxp.sites` as written in settings.json. Never holds a password. */
export interface SiteConfig {
  name: string;
  host: string;
  port?: number;
  user?: string;
  security?: Site['security'];
  passiveAddress?: Site['passiveAddress'];
  fxpPolicy?: Site['fxpPolicy'];
  connectionLimit?: number;
  verifyCertificate?: boolean;
  /** PEM file with extra CA certificates, absolute or relative to the first workspace folder. */
  caFile?: string;
}

export interface SiteEntry {
  site: Site;
  config: SiteConfig;
  origin: SettingOrigin;
}

/** One entry of `fxp.sitePairs`. */
export interface PairConfig {
  name: string;
  siteA: string;
  siteB: string;
  folderA?: string;
  folderB?: string;
  /** What to do when FXP is refused: ask each time, always relay through this machine, or never. */
  relay?: RelayChoice;
  /** Between TLS sites: must the file data be encrypted between the servers (default preferred). */
  dataProtection?: DataProtection;
  /** A file that exists on the destination (default ask). */
  exists?: ExistsChoice;
  /** Globs of files and folders never copied or compared, e.g. "*.tmp", ".git/". */
  exclude?: string[];
  /** FXP pairs at once (default 4). */
  parallel?: number;
}

/** A pair's transfer settings with the defaults filled in; also what an unsaved pair uses. */
export type PairOptions = Required<Pick<PairConfig, 'relay' | 'dataProtection' | 'exists' | 'exclude' | 'parallel'>>;

export const PAIR_DEFAULTS: PairOptions = { relay: 'ask', dataProtection: 'preferred', exists: 'ask', exclude: [], parallel: 4 };

export function pairOptions(pair: PairConfig | undefined): PairOptions {
  return {
    relay: pair?.relay ?? PAIR_DEFAULTS.relay,
    dataProtection: pair?.dataProtection ?? PAIR_DEFAULTS.dataProtection,
    exists: pair?.exists ?? PAIR_DEFAULTS.exists,
    exclude: pair?.exclude ?? PAIR_DEFAULTS.exclude,
    parallel: pair?.parallel ?? PAIR_DEFAULTS.parallel,
  };
}

export interface PairEntry {
  pair: PairConfig;
  origin: SettingOrigin;
}

export const SITE_FIELDS = ['name', 'host', 'port', 'user', 'security', 'passiveAddress', 'fxpPolicy', 'connectionLimit', 'verifyCertificate', 'caFile'] as const;
export const PAIR_FIELDS = ['name', 'siteA', 'siteB', 'folderA', 'folderB', 'relay', 'dataProtection', 'exists', 'exclude', 'parallel'] as const;
const SECRET_FIELDS = /^(pass(word)?|pwd|secret|token)$/i;

export interface Parsed<T> {
  entries: T[];
  /** One sentence per invalid entry: which setting, which entry, which field, what to write instead. */
  problems: string[];
}

const ORIGIN_LABEL: Record<SettingOrigin, string> = { user: 'user settings', workspace: 'workspace settings', workspaceFolder: 'folder settings' };

function where(setting: string, origin: SettingOrigin, index: number, name?: string): string {
  return `${setting}[${index}]${name ? ` ("${name}")` : ''} in ${ORIGIN_LABEL[origin]}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Fail = (field: string, why: string) => never;

interface ListSpec<T> {
  setting: string;
  /** What one valid entry looks like, for the message when the value is not a list. */
  example: string;
  fields: readonly string[];
  /** Checks one entry (an object with a unique, non-empty name); throws through `fail`. */
  parse: (entry: Record<string, unknown>, name: string, at: string, fail: Fail) => T;
}

/**
 * The part both settings share: a list of named objects. Each invalid entry is left out and explained
 * by setting, index, name and field; the others are kept.
 */
function parseList<T>(spec: ListSpec<T>, raw: unknown, origin: SettingOrigin): Parsed<T> {
  const out: Parsed<T> = { entries: [], problems: [] };
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) {
    out.problems.push(`${spec.setting} in ${ORIGIN_LABEL[origin]} must be a list, e.g. [${spec.example}].`);
    return out;
  }
  const seen = new Set<string>();
  raw.forEach((item: unknown, index) => {
    const name = isRecord(item) && typeof item.name === 'string' ? item.name.trim() : undefined;
    const at = where(spec.setting, origin, index, name);
    const fail: Fail = (field, why) => {
      throw new FxpError('INVALID_INPUT', `${at}: "${field}" ${why}`);
    };
    try {
      if (!isRecord(item)) fail('entry', `must be an object like ${spec.example}.`);
      const entry = item as Record<string, unknown>;
      const secret = Object.keys(entry).find(key => SECRET_FIELDS.test(key));
      if (secret) {
        fail(secret, 'does not belong in settings: remove it. FXP asks for the password on first connect and keeps it in VS Code\'s secret storage.');
      }
      const unknown = Object.keys(entry).filter(key => !spec.fields.includes(key));
      if (unknown.length) fail(unknown[0]!, `is not a setting of ${spec.setting} entries (known: ${spec.fields.join(', ')}).`);
      if (!name) fail('name', 'is missing or empty: every entry needs a unique name.');
      if (seen.has(name!)) fail('name', 'is used by an earlier entry in the same list: names must be unique.');
      out.entries.push(spec.parse(entry, name!, at, fail));
      seen.add(name!);
    } catch (err) {
      out.problems.push(err instanceof Error ? err.message : String(err));
    }
  });
  return out;
}

function optionalString(entry: Record<string, unknown>, field: string, fail: Fail): string | undefined {
  const value = entry[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(field, 'must be a string.');
  return value as string;
}

/** Parses the value of `fxp.sites` from one settings scope. */
export function parseSites(raw: unknown, origin: SettingOrigin): Parsed<SiteEntry> {
  return parseList<SiteEntry>({
    setting: `${CONFIG_SECTION}.${SETTINGS.sites}`,
    example: '{ "name": "main", "host": "ftp.example.com" }',
    fields: SITE_FIELDS,
    parse: (entry, name, at, fail) => {
      const host = optionalString(entry, 'host', fail);
      if (host === undefined || !host.trim()) fail('host', 'is missing: enter a host name or IP address, e.g. "ftp.example.com".');
      for (const field of ['port', 'connectionLimit'] as const) {
        if (entry[field] !== undefined && typeof entry[field] !== 'number') fail(field, 'must be a number.');
      }
      if (entry.verifyCertificate !== undefined && typeof entry.verifyCertificate !== 'boolean') fail('verifyCertificate', 'must be true or false.');
      const config: SiteConfig = stripUndefined({
        name,
        host: host!,
        port: entry.port as number | undefined,
        user: optionalString(entry, 'user', fail),
        security: optionalString(entry, 'security', fail) as Site['security'] | undefined,
        passiveAddress: optionalString(entry, 'passiveAddress', fail) as Site['passiveAddress'] | undefined,
        fxpPolicy: optionalString(entry, 'fxpPolicy', fail) as Site['fxpPolicy'] | undefined,
        connectionLimit: entry.connectionLimit as number | undefined,
        verifyCertificate: entry.verifyCertificate as boolean | undefined,
        caFile: optionalString(entry, 'caFile', fail),
      });
      return { site: siteFromConfig(config, at), config, origin };
    },
  }, raw, origin);
}

/** Validates one site's settings with the engine's own rules; errors name the entry and the field. */
export function siteFromConfig(config: SiteConfig, label = `site "${config.name}"`): Site {
  try {
    return makeSite({
      host: config.host,
      port: config.port,
      user: config.user,
      security: config.security,
      passiveAddress: config.passiveAddress,
      fxpPolicy: config.fxpPolicy,
      connectionLimit: config.connectionLimit,
      verifyCertificate: config.verifyCertificate,
    }, config.name);
  } catch (err) {
    if (err instanceof FxpError && err.code === 'INVALID_INPUT') {
      // makeSite says 'Site "x": port 0 is not...'; keep the field and the reason, name the settings entry.
      const detail = err.message.replace(/^Site "[^"]*":\s*/, '');
      const [field, ...rest] = detail.split(' ');
      throw new FxpError('INVALID_INPUT', `${label}: "${field}" ${rest.join(' ')}`, { site: config.name });
    }
    throw err;
  }
}

/** Parses `fxp.sitePairs`; a pair must name two sites that exist. */
export function parsePairs(raw: unknown, origin: SettingOrigin, siteNames: ReadonlySet<string>): Parsed<PairEntry> {
  return parseList<PairEntry>({
    setting: `${CONFIG_SECTION}.${SETTINGS.sitePairs}`,
    example: '{ "name": "mirror", "siteA": "main", "siteB": "backup" }',
    fields: PAIR_FIELDS,
    parse: (entry, name, _at, fail) => {
      for (const field of ['siteA', 'siteB'] as const) {
        const value = entry[field];
        if (typeof value !== 'string' || !value.trim()) fail(field, 'is missing: name a site from fxp.sites.');
        if (!siteNames.has(value as string)) fail(field, `names "${String(value)}", which is not in fxp.sites (known: ${[...siteNames].join(', ') || 'none'}).`);
      }
      for (const field of ['folderA', 'folderB'] as const) {
        const value = entry[field];
        if (value !== undefined && (typeof value !== 'string' || /[\r\n\0]/.test(value))) fail(field, 'must be a folder path such as "/pub".');
      }
      const relay = entry.relay ?? 'ask';
      if (!RELAY_CHOICES.includes(relay as RelayChoice)) fail('relay', `must be one of ${RELAY_CHOICES.join(', ')}.`);
      const oneOf = (field: string, values: readonly string[]) => {
        if (entry[field] !== undefined && !values.includes(entry[field] as string)) fail(field, `must be one of ${values.join(', ')}.`);
      };
      oneOf('dataProtection', DATA_PROTECTIONS);
      oneOf('exists', EXISTS_CHOICES);
      const { exclude, parallel } = entry;
      if (exclude !== undefined && (!Array.isArray(exclude) || exclude.some(g => typeof g !== 'string' || !g.trim() || /[\r\n\0]/.test(g)))) {
        fail('exclude', 'must be a list of globs such as ["*.tmp", ".git/"].');
      }
      if (parallel !== undefined && (!Number.isInteger(parallel) || (parallel as number) < 1 || (parallel as number) > MAX_PARALLEL)) {
        fail('parallel', `must be a whole number from 1 to ${MAX_PARALLEL}.`);
      }
      return {
        origin,
        pair: stripUndefined({
          name,
          siteA: entry.siteA as string,
          siteB: entry.siteB as string,
          folderA: entry.folderA as string | undefined,
          folderB: entry.folderB as string | undefined,
          relay: relay as RelayChoice,
          dataProtection: entry.dataProtection as DataProtection | undefined,
          exists: entry.exists as ExistsChoice | undefined,
          exclude: exclude as string[] | undefined,
          parallel: parallel as number | undefined,
        }),
      };
    },
  }, raw, origin);
}

/**
 * Merges the scopes: user entries first, then workspace, then folder; a later scope's entry replaces an
 * earlier one of the same name (the way a workspace overrides a user setting).
 */
export function mergeByName<T>(scopes: T[][], name: (t: T) => string): T[] {
  const byName = new Map<string, T>();
  for (const scope of scopes) for (const entry of scope) byName.set(name(entry), entry);
  return [...byName.values()];
}

/** Replaces (or appends) the entry named `name` in a raw settings list, keeping every other entry as written. */
export function upsertByName<T extends { name: string }>(list: readonly unknown[] | undefined, name: string, entry: T | undefined): unknown[] {
  const out = [...(list ?? [])];
  const index = out.findIndex(item => isRecord(item) && item.name === name);
  if (entry === undefined) {
    if (index >= 0) out.splice(index, 1);
  } else if (index >= 0) {
    out[index] = entry;
  } else {
    out.push(entry);
  }
  return out;
}

/** Puts `entry` right after the entry named `after` in a raw settings list (appends when there is none). */
export function insertAfterName<T extends { name: string }>(list: readonly unknown[] | undefined, after: string, entry: T): unknown[] {
  const out = [...(list ?? [])];
  const index = out.findIndex(item => isRecord(item) && item.name === after);
  out.splice(index >= 0 ? index + 1 : out.length, 0, entry);
  return out;
}

/** A raw `fxp.sitePairs` list with every siteA/siteB naming `from` renamed to `to`; undefined when none does. */
export function renameSiteInPairs(list: readonly unknown[] | undefined, from: string, to: string): unknown[] | undefined {
  let changed = false;
  const out = (list ?? []).map(item => {
    if (!isRecord(item) || (item.siteA !== from && item.siteB !== from)) return item;
    changed = true;
    return { ...item, ...(item.siteA === from ? { siteA: to } : {}), ...(item.siteB === from ? { siteB: to } : {}) };
  });
  return changed ? out : undefined;
}

export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

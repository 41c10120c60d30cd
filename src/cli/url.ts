import { FxpError, makeSite, type Site } from '../fxp';

export interface SiteUrl {
  site: Site;
  path: string;
  /** Password given in the URL itself, if any. */
  password?: string;
}

/** ftp://user[:password]@host[:port]/path and ftps://... (explicit TLS); ftps+implicit:// for implicit TLS. */
export function parseSiteUrl(text: string, name?: string): SiteUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FxpError('INVALID_INPUT', `"${redact(text)}" is not a URL. Use ftp://user@host:port/path or ftps://...`);
  }
  const schemes: Record<string, Site['security']> = { 'ftp:': 'none', 'ftps:': 'explicit', 'ftpes:': 'explicit', 'ftps+implicit:': 'implicit' };
  const security = schemes[url.protocol];
  if (!security) {
    throw new FxpError('INVALID_INPUT', `Unsupported scheme "${url.protocol}" in ${redact(text)}. Use ftp:// or ftps:// (explicit TLS).`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const user = url.username ? decode(url.username, 'user name', text) : 'anonymous';
  const site = makeSite({
    host,
    port: url.port ? Number(url.port) : undefined,
    user,
    security,
  }, name ?? `${user}@${url.host}`);
  const path = decode(url.pathname || '/', 'path', text);
  if (/[\r\n\0]/.test(path)) throw new FxpError('INVALID_INPUT', 'The path contains a line break or NUL.', { site: site.name });
  return { site, path: path || '/', password: url.password ? decode(url.password, 'password', text) : undefined };
}

function decode(part: string, what: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new FxpError('INVALID_INPUT', `The ${what} in ${redact(url)} has a broken %-escape. Write a literal % as %25.`);
  }
}

/** The URL with its password replaced, for messages. */
export function redact(text: string): string {
  return text.replace(/^([a-z+]+:\/\/[^:/@]*):[^@/]*@/i, '$1:****@');
}

import type { ServerMake } from './connection';
import { FxpError, firstLine } from './errors';
import type { Reply } from './reply';

/** Which server refused, and what its admin can switch on. */
const ACTIVE_SIDE_HINT: Record<ServerMake, string> = {
  'pure-ftpd': 'pure-ftpd only allows FXP when started with -w (authenticated users) or -W (also anonymous); in Debian, put "yes" in /etc/pure-ftpd/conf/AllowUserFXP.',
  proftpd: 'ProFTPD refuses PORT to another host unless "AllowForeignAddress on" is set in proftpd.conf.',
  vsftpd: 'vsftpd refuses PORT to another host unless "port_promiscuous=YES" is set in vsftpd.conf.',
  pyftpdlib: 'pyftpdlib refuses foreign addresses unless the handler sets permit_foreign_addresses = True.',
  'fxp-testd': 'The test server was started without FXP (allowFxp).',
  unknown: 'The server refuses to connect to a third host (FXP). Its admin must allow foreign addresses in PORT/EPRT.',
};

const PASSIVE_SIDE_HINT: Record<ServerMake, string> = {
  'pure-ftpd': 'pure-ftpd silently drops passive connections from another host unless started with -w (or -W); in Debian, /etc/pure-ftpd/conf/AllowUserFXP.',
  proftpd: 'ProFTPD refuses passive connections from another host unless "AllowForeignAddress on" is set in proftpd.conf.',
  vsftpd: 'vsftpd refuses passive connections from another host unless "pasv_promiscuous=YES" is set in vsftpd.conf.',
  pyftpdlib: 'pyftpdlib refuses foreign addresses unless the handler sets permit_foreign_addresses = True.',
  'fxp-testd': 'The test server was started without FXP (allowFxp).',
  unknown: 'The server refuses data connections from a third host (FXP). Its admin must allow foreign addresses on passive connections.',
};

export interface SideInfo {
  site: string;
  make: ServerMake;
}

/** PORT/EPRT answered with a refusal. */
export function activeRefusal(side: SideInfo, command: string, reply: Reply): FxpError {
  const notUnderstood = reply.code === 500 && /not understood|unknown command|not implemented/i.test(reply.text) || reply.code === 502;
  if (notUnderstood) {
    return new FxpError('FXP_REFUSED_ACTIVE', `The server does not implement ${command.split(' ')[0]}.`, {
      site: side.site, command, reply,
    });
  }
  return new FxpError('FXP_REFUSED_ACTIVE', 'The server refused to connect to the other server (FXP not allowed on the PORT side).', {
    site: side.site, command, reply, hint: ACTIVE_SIDE_HINT[side.make],
  });
}

/** The passive server refused the other server's connection: a 425-ish reply, or silence. */
export function passiveRefusal(side: SideInfo, command: string, reply: Reply | undefined): FxpError {
  const message = reply
    ? 'The server refused the data connection from the other server (FXP not allowed on the passive side).'
    : 'The server never answered the transfer after the other server finished: it most likely dropped the other server\'s data connection (FXP not allowed on the passive side).';
  return new FxpError('FXP_REFUSED_PASSIVE', message, {
    site: side.site, command, reply, hint: PASSIVE_SIDE_HINT[side.make],
  });
}

const FOREIGN_RE = /foreign|bad ip|fxp|not yours|remote addresses/i;

/** A passive server's final reply that means "no acceptable data connection arrived". */
export function looksLikePassiveRefusal(reply: Reply): boolean {
  const text = firstLine(reply.text);
  if (reply.code === 425) return true;
  // pyftpdlib refusing a foreign peer keeps waiting, then says "421 Passive data channel timed out."
  if (reply.code === 421) return /passive|data (channel|connection)/i.test(text);
  // 426/500/501/550 are usually about the file (permission denied, disk full): only a foreign-address text is a refusal.
  return [426, 500, 501, 550].includes(reply.code) && FOREIGN_RE.test(text);
}

/** The active side could not reach the passive side's port. */
export function dataConnectionFailure(side: SideInfo, command: string, reply: Reply, other: SideInfo): FxpError {
  return new FxpError('FXP_DATA_CONNECTION', `The server could not open the data connection to ${other.site}.`, {
    site: side.site, command, reply,
    hint: `A firewall between the servers, or ${other.site} refusing foreign connections, is the usual cause. ${PASSIVE_SIDE_HINT[other.make]}`,
  });
}

/** Failures that another orientation or relay will not fix: missing file, permissions, disk full. */
export function isFileProblem(err: FxpError): boolean {
  return err.code === 'NOT_FOUND' || err.code === 'INVALID_INPUT' || err.code === 'CANCELLED'
    || err.code === 'LOGIN_FAILED' || err.code === 'EXISTS'
    || (err.code === 'SERVER_REPLY' && err.reply !== undefined && [450, 452, 550, 551, 552, 553].includes(err.reply.code));
}

const TLS_FAILURE_RE = /\b(TLS|SSL)\b|negotiat|session reuse|not resumed|handshake/i;
const SESSION_REUSE_RE = /session reuse|not resumed|resum/i;

export function looksLikeTlsFailure(reply: Reply): boolean {
  return reply.code >= 400 && TLS_FAILURE_RE.test(firstLine(reply.text));
}

export function requiresSessionReuse(err: FxpError): boolean {
  return err.code === 'TLS_FXP_FAILED' && err.reply !== undefined && SESSION_REUSE_RE.test(err.reply.text);
}

/** The data connection between the servers failed its TLS handshake, or one server demands session reuse. */
export function tlsDataFailure(side: SideInfo, command: string, reply: Reply): FxpError {
  if (SESSION_REUSE_RE.test(reply.text)) {
    return new FxpError('TLS_FXP_FAILED', 'TLS FXP is impossible with this server: it requires the data connection to resume its own TLS session, which another server can never do.', {
      site: side.site, command, reply,
      hint: side.make === 'vsftpd'
        ? 'vsftpd: set "require_ssl_reuse=NO" to allow TLS FXP, or allow clear data for this site pair.'
        : 'Turn off mandatory TLS session resumption on this server, or allow clear data for this site pair.',
    });
  }
  return new FxpError('TLS_FXP_FAILED', 'The TLS handshake between the two servers failed on the data connection.', {
    site: side.site, command, reply,
    hint: 'A server acting as TLS client may not trust the other server\'s certificate, or they share no TLS version.',
  });
}

/** Refusals that come from the FXP direction itself, whatever the data protection: the other direction may work. */
export function isFxpRefusal(err: FxpError): boolean {
  return err.code === 'FXP_REFUSED_ACTIVE' || err.code === 'FXP_REFUSED_PASSIVE' || err.code === 'FXP_DATA_CONNECTION' || err.code === 'FXP_UNSAFE_ADDRESS';
}

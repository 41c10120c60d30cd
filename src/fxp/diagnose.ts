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

const PASSIVE_REFUSAL_RE = /foreign|bad ip|security|permission denied|not allowed|refused|rejected/i;

/** A passive server's final reply that means "no acceptable data connection arrived". */
export function looksLikePassiveRefusal(reply: Reply): boolean {
  if (reply.code === 421 || reply.code === 425) return true;
  return (reply.code === 426 || reply.code === 500 || reply.code === 501 || reply.code === 550)
    && PASSIVE_REFUSAL_RE.test(firstLine(reply.text));
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

/**
 * A small, deliberately hostile FTP server: its listings are whatever the test says (names with '/',
 * '..', CR/LF, NUL, escape sequences, invalid UTF-8, endless streams), and it records every command
 * line it receives so that tests can check nothing a listing said came back as a command.
 * Passive mode only, plain FTP, one transfer at a time. Loopback only.
 */
import { createServer, type Server, type Socket } from 'net';
import { lines, startRaw, type RawServer } from './rawServer';

export interface HostileOptions {
  host: string;
  password: string;
  /** MLSD offered in FEAT (default true). */
  mlsd?: boolean;
  /** Listing bytes for MLSD/LIST of a path; an async iterable streams (e.g. endlessly). */
  listing: (command: 'MLSD' | 'LIST' | 'NLST', path: string) => Buffer | AsyncIterable<Buffer>;
  /** File contents by absolute path, for SIZE and RETR. */
  files?: Map<string, Buffer>;
  /** Replace the reply to a command: return a reply text (CRLF added) or undefined for the default. */
  reply?: (cmd: string, arg: string) => string | undefined;
}

export interface HostileServer {
  host: string;
  port: number;
  /** Every command line received, in order (PASS masked). */
  received: string[];
  connections(): number;
  close(): Promise<void>;
}

export async function startHostile(opts: HostileOptions): Promise<HostileServer> {
  const received: string[] = [];
  const files = opts.files ?? new Map<string, Buffer>();
  const listeners = new Set<Server>();
  const dataSockets = new Set<Socket>();
  const raw: RawServer = await startRaw(opts.host, socket => {
    const send = (text: string) => { if (!socket.destroyed) socket.write(`${text}\r\n`); };
    let pending: Promise<Socket> | undefined;
    let cwd = '/';
    const abs = (p: string) => (p.startsWith('/') ? p : `${cwd.replace(/\/$/, '')}/${p}`);
    send('220 hostile ftpd ready');
    lines(socket, line => {
      const sp = line.indexOf(' ');
      const cmd = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      const arg = sp < 0 ? '' : line.slice(sp + 1);
      received.push(cmd === 'PASS' ? 'PASS ****' : line);
      const custom = opts.reply?.(cmd, arg);
      if (custom !== undefined) { send(custom); return; }
      switch (cmd) {
        case 'USER': send('331 Password required.'); break;
        case 'PASS': send(arg === opts.password ? '230 Logged in.' : '530 Login incorrect.'); break;
        case 'FEAT': send(`211-Features:\r\n EPSV\r\n SIZE\r\n UTF8\r\n${opts.mlsd === false ? '' : ' MLST type*;size*;modify*;\r\n'}211 End`); break;
        case 'OPTS': case 'TYPE': case 'NOOP': send('200 OK.'); break;
        case 'SYST': send('215 UNIX Type: L8'); break;
        case 'PWD': send(`257 "${cwd}" is the current directory`); break;
        case 'CWD': cwd = abs(arg); send('250 OK.'); break;
        case 'QUIT': send('221 Bye.'); socket.end(); break;
        case 'ABOR': send('226 ABOR ok.'); break;
        case 'MDTM': send('550 No.'); break;
        case 'DELE': files.delete(abs(arg)); send('250 Deleted.'); break;
        case 'SIZE': {
          const f = files.get(abs(arg));
          send(f ? `213 ${f.length}` : '550 No such file.');
          break;
        }
        case 'PASV': case 'EPSV': {
          const listener = createServer();
          listeners.add(listener);
          pending = new Promise<Socket>(resolve => listener.once('connection', s => {
            dataSockets.add(s);
            s.on('error', () => undefined);
            s.once('close', () => dataSockets.delete(s));
            listener.close();
            listeners.delete(listener);
            resolve(s);
          }));
          listener.listen({ host: opts.host, port: 0 }, () => {
            const port = (listener.address() as { port: number }).port;
            send(cmd === 'PASV'
              ? `227 Entering Passive Mode (${opts.host.replace(/\./g, ',')},${port >> 8},${port & 255}).`
              : `229 Entering Extended Passive Mode (|||${port}|)`);
          });
          break;
        }
        case 'MLSD': case 'LIST': case 'NLST': case 'RETR': case 'STOR': {
          const data = pending;
          pending = undefined;
          if (!data) { send('425 Use PASV first.'); break; }
          send('150 Opening data connection.');
          void (async () => {
            const s = await data;
            try {
              if (cmd === 'STOR') {
                const parts: Buffer[] = [];
                for await (const chunk of s) parts.push(chunk as Buffer);
                files.set(abs(arg), Buffer.concat(parts));
              } else {
                const path = arg.replace(/^-\S+\s*/, '') || cwd;
                const body = cmd === 'RETR' ? files.get(abs(arg)) ?? Buffer.alloc(0) : opts.listing(cmd as 'MLSD' | 'LIST' | 'NLST', path);
                if (Buffer.isBuffer(body)) {
                  await new Promise<void>(resolve => s.end(body, () => resolve()));
                } else {
                  for await (const chunk of body) {
                    if (s.destroyed) break;
                    if (!s.write(chunk)) await new Promise(resolve => s.once('drain', resolve));
                  }
                  s.end();
                }
              }
              send('226 Transfer complete.');
            } catch {
              send('426 Transfer aborted.');
            }
          })();
          break;
        }
        default: send(`500 '${cmd}': command not understood.`);
      }
    });
    socket.once('close', () => { pending = undefined; });
  });
  return {
    host: raw.host,
    port: raw.port,
    received,
    connections: () => raw.connections() + dataSockets.size,
    close: async () => {
      for (const l of listeners) l.close();
      for (const s of dataSockets) s.destroy();
      await raw.close();
    },
  };
}

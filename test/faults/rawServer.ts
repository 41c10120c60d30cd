/**
 * A bare TCP server on loopback for faults no FTP server produces on purpose: a broken TLS handshake,
 * a server that answers AUTH TLS and then says nothing, hostile listings (see hostileServer.ts).
 */
import { createServer, type Server, type Socket } from 'net';

export interface RawServer {
  host: string;
  port: number;
  /** Open sockets right now. */
  connections(): number;
  close(): Promise<void>;
}

export async function startRaw(host: string, onConnection: (socket: Socket) => void, port = 0): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(socket => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve());
  });
  const address = server.address();
  return {
    host,
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => [...sockets].filter(s => !s.destroyed).length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}

/** Reads CRLF-terminated command lines from a control socket. */
export function lines(socket: Socket, onLine: (line: string) => void, encoding: BufferEncoding = 'utf8'): void {
  let buffer = '';
  socket.setEncoding(encoding);
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      onLine(line);
    }
  });
}

/** A port on `host` with nothing listening (bound once, then closed). */
export async function closedPort(host: string): Promise<number> {
  const raw = await startRaw(host, s => s.destroy());
  await raw.close();
  return raw.port;
}

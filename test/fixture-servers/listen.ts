/** Listening for a fixture server: every open socket is tracked so close() never waits on a client. */
import type net from 'node:net';

/** A listening fixture: its port and an idempotent close. */
export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Tracks the server's sockets, listens on host:port (0 = random), and returns a close that runs
 * `cleanup`, destroys the open sockets and closes the server, once however often it is called.
 */
export async function listenTracked(server: net.Server, host: string, port = 0, cleanup: () => void = () => undefined): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        cleanup();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })),
  };
}

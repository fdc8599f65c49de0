/**
 * Listening TCP ports on loopback for port-scan and banner-grab tests: some greet with a banner
 * on connect, some stay silent, and a known-closed port is at hand for the negative case.
 */
import net from 'node:net';

/** One port to open; port 0 or undefined picks a free one. */
export interface PortSpec {
  port?: number;
  /** Written as soon as a client connects, e.g. `SSH-2.0-Fixture\r\n`; silent when absent. */
  banner?: string | Buffer;
}

/** Which ports to open, and where. */
export interface TcpPortsOptions {
  /** Ports to open; a bare number is a silent port. */
  ports?: Array<number | PortSpec>;
  /** How many extra silent ports to open on free numbers. */
  count?: number;
  host?: string;
}

/** A port that is listening, and the banner it sends. */
export interface OpenPort {
  port: number;
  banner?: string | Buffer;
}

/** A running set of listening ports. */
export interface TcpPorts {
  host: string;
  /** The first open port, for the common single-port case. */
  port: number;
  open: OpenPort[];
  /** Accepted connections in order, by local port. */
  connections: Array<{ port: number }>;
  /** A port number on the same host with nothing listening. */
  findClosedPort(): Promise<number>;
  close(): Promise<void>;
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Returns a port that was free a moment ago: the kernel hands out a fresh number, which is
 * released at once. Another process could take it, but ephemeral ports are rarely reused soon.
 */
export async function findClosedPort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  const port = await listen(server, 0, host);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Opens the requested ports on 127.0.0.1; close() releases them and drops every connection. */
export async function startTcpPorts(options: TcpPortsOptions = {}): Promise<TcpPorts> {
  const host = options.host ?? '127.0.0.1';
  const specs: PortSpec[] = [
    ...(options.ports ?? []).map((spec) => (typeof spec === 'number' ? { port: spec } : spec)),
    ...Array.from({ length: options.count ?? 0 }, () => ({})),
  ];
  if (specs.length === 0) specs.push({});
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const connections: Array<{ port: number }> = [];
  const open: OpenPort[] = [];

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    })());

  try {
    for (const spec of specs) {
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        connections.push({ port: socket.localPort ?? 0 });
        if (spec.banner !== undefined) socket.write(spec.banner);
      });
      servers.push(server);
      const port = await listen(server, spec.port ?? 0, host);
      open.push(spec.banner === undefined ? { port } : { port, banner: spec.banner });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    host,
    port: (open[0] as OpenPort).port,
    open,
    connections,
    findClosedPort: () => findClosedPort(host),
    close,
  };
}

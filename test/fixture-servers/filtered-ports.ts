/**
 * Ports on loopback that never answer a connection attempt, as behind a firewall that drops:
 * a scan waits out its timeout on each and calls it filtered. Loopback refuses a closed port at
 * once, so a long scan on loopback needs these.
 *
 * Each port listens with a backlog of one in a worker thread whose event loop is then blocked,
 * so nothing is ever accepted; two connections fill the accept queue, and the kernel drops
 * every later SYN instead of answering it.
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';

/** A running set of ports that drop every connection attempt. */
export interface FilteredPorts {
  host: string;
  ports: number[];
  close(): Promise<void>;
}

/** Runs in the worker thread: listens, reports the ports, then blocks until told to stop. */
const LISTENER_SOURCE = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const servers = [];
  for (let index = 0; index < workerData.count; index += 1) {
    const server = net.createServer();
    await new Promise((resolve) => server.listen({ port: 0, host: workerData.host, backlog: 1 }, resolve));
    servers.push(server);
  }
  // The message is queued at once; blocking right after, in the same tick, means the loop never
  // polls the listeners again, so nothing is ever accepted.
  parentPort.postMessage(servers.map((server) => server.address().port));
  Atomics.wait(workerData.stop, 0, 0);
  for (const server of servers) server.close();
  parentPort.close();
})();
`;

/** The connections that fill a listener's accept queue: the backlog (1) plus one. */
const QUEUE_FILL = 2;

function connect(port: number, host: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Opens `count` ports on 127.0.0.1 that drop every connection attempt from now on. */
export async function startFilteredPorts(options: { count: number; host?: string }): Promise<FilteredPorts> {
  const host = options.host ?? '127.0.0.1';
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(LISTENER_SOURCE, { eval: true, workerData: { count: options.count, host, stop } });
  const fillers: net.Socket[] = [];
  const close = async () => {
    Atomics.store(stop, 0, 1);
    Atomics.notify(stop, 0);
    for (const socket of fillers) socket.destroy();
    await worker.terminate();
  };
  try {
    const ports = await new Promise<number[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    for (const port of ports) {
      for (let index = 0; index < QUEUE_FILL; index += 1) fillers.push(await connect(port, host));
    }
    return { host, ports, close };
  } catch (error) {
    await close();
    throw error;
  }
}

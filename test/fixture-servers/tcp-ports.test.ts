import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { findClosedPort, startTcpPorts, type TcpPorts } from './tcp-ports';

interface Probe {
  socket: net.Socket;
  received: Buffer;
}

/** Connects, waits `waitMs` for a banner, and hands back the socket still open. */
async function probe(port: number, waitMs = 100): Promise<Probe> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  await sleep(waitMs);
  return { socket, received: Buffer.concat(chunks) };
}

function connectError(port: number): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => reject(new Error(`port ${port} is open`)));
    socket.once('error', resolve);
  });
}

describe('TCP ports fixture', () => {
  let ports: TcpPorts;
  const sockets: net.Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await ports?.close();
  });

  it('opens the listed ports, greeting with a banner on some and silent on others', async () => {
    const [sshPort, silentPort] = [await findClosedPort(), await findClosedPort()] as [number, number];
    ports = await startTcpPorts({ ports: [{ port: sshPort, banner: 'SSH-2.0-Fixture\r\n' }, silentPort] });

    const ssh = await probe(sshPort);
    const silent = await probe(silentPort);
    sockets.push(ssh.socket, silent.socket);

    assert.deepEqual(ports.open, [{ port: sshPort, banner: 'SSH-2.0-Fixture\r\n' }, { port: silentPort }]);
    assert.equal(ssh.received.toString(), 'SSH-2.0-Fixture\r\n');
    assert.equal(silent.received.length, 0);
    assert.deepEqual(ports.connections, [{ port: sshPort }, { port: silentPort }]);
  });

  it('opens a number of distinct free ports', async () => {
    ports = await startTcpPorts({ count: 5 });

    const numbers = ports.open.map((open) => open.port);
    assert.equal(new Set(numbers).size, 5);
    assert.equal(ports.port, numbers[0]);
    for (const port of numbers) sockets.push((await probe(port, 0)).socket);
  });

  it('finds a port on which connections are refused', async () => {
    ports = await startTcpPorts();

    const closed = await ports.findClosedPort();

    assert.ok(!ports.open.some((open) => open.port === closed));
    assert.equal((await connectError(closed)).code, 'ECONNREFUSED');
  });

  it('survives clients that reset, then drops open connections and frees its ports on close', async () => {
    ports = await startTcpPorts({ ports: [{ banner: 'SSH-2.0-Fixture\r\n' }] });
    (await probe(ports.port, 0)).socket.resetAndDestroy();
    const held = await probe(ports.port);
    const closed = new Promise((resolve) => held.socket.once('close', resolve));

    await ports.close();

    await closed;
    assert.equal((await connectError(ports.port)).code, 'ECONNREFUSED');
  });
});

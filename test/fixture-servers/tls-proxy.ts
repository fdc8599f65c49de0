/**
 * A TLS front for a loopback server, as a load balancer or Temporal Cloud puts before Temporal:
 * it presents the test server certificate (test/fixtures/tls, CN localhost, 127.0.0.1), offers
 * HTTP/2 by ALPN, requires a client certificate signed by the test CA, and pipes each accepted
 * connection to the upstream port in plain text. It records every handshake it saw.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { listenTracked, type Listening } from './listen';

const FIXTURES = path.join(__dirname, '../fixtures/tls');

/** One TLS handshake: whether the client certificate was accepted, and its subject's common name. */
export interface Handshake {
  readonly authorized: boolean;
  readonly clientName: string | null;
  readonly error: string | null;
}

export interface TlsProxy extends Listening {
  readonly address: string;
  readonly handshakes: Handshake[];
}

export async function startTlsProxy(upstreamPort: number): Promise<TlsProxy> {
  const handshakes: Handshake[] = [];
  const server = tls.createServer({
    cert: fs.readFileSync(path.join(FIXTURES, 'server.pem')),
    key: fs.readFileSync(path.join(FIXTURES, 'server.key')),
    ca: fs.readFileSync(path.join(FIXTURES, 'ca.pem')),
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ['h2'],
  });
  server.on('tlsClientError', (error) => handshakes.push({ authorized: false, clientName: null, error: error.message }));
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const subject = socket.getPeerCertificate()?.subject as { CN?: string } | undefined;
    handshakes.push({ authorized: socket.authorized, clientName: subject?.CN ?? null, error: null });
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  });
  const listening = await listenTracked(server, '127.0.0.1');
  return { ...listening, address: `127.0.0.1:${listening.port}`, handshakes };
}

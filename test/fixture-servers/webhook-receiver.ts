/**
 * Webhook receiver fixture on loopback: records every request (method, path, headers, raw body)
 * and answers with scripted statuses, so tests can watch retries and check signatures.
 */
import http from 'node:http';
import { verifyWebhookSignature } from '../../core/webhook-signature';
import { listenTracked } from './listen';

/** One request as received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/** Why `request` fails the signature check with `secret` (verifyWebhookSignature), or null when it passes. */
export function signatureProblem(request: ReceivedRequest, secret: string): string | null {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return verifyWebhookSignature(secret, { signature: header('x-osint-signature'), timestamp: header('x-osint-timestamp'), body: request.body });
}

/** A running receiver. */
export interface WebhookReceiver {
  /** "http://127.0.0.1:PORT/hooks". */
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Statuses for the next requests, in order; once used up, every request gets `otherwise`. */
  readonly script: number[];
  otherwise: number;
  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 answering `script` first, then `otherwise` (200). */
export async function startWebhookReceiver(options: { script?: number[]; otherwise?: number } = {}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const receiver = {
    script: [...(options.script ?? [])],
    otherwise: options.otherwise ?? 200,
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '/', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const status = receiver.script.shift() ?? receiver.otherwise;
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ received: status < 300 }));
      for (const wake of waiters) wake();
    });
  });
  const { port, close } = await listenTracked(server, '127.0.0.1');

  async function waitForRequests(count: number, timeoutMs = 15000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (requests.length < count) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${requests.length} requests, not ${count}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
        setTimeout(wake, 100);
      });
    }
    return requests.slice(0, count);
  }

  return Object.assign(receiver, { url: `http://127.0.0.1:${port}/hooks`, port, requests, waitForRequests, close });
}

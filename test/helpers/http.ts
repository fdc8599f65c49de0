/** Serves a Koa app on a random loopback port for a test, and small JSON request helpers. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

/** A running test server. */
export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with a random port. */
export async function serve(app: Koa): Promise<TestServer> {
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JSON response: status, parsed body and headers. */
export interface JsonResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** Sends a request and parses the JSON answer. */
export async function requestJson<T = unknown>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

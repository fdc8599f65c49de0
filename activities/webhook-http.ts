/**
 * One webhook POST, to an address the guard has already checked: the connection goes to
 * `address`, while the URL's host stays in the Host header and, for https, in SNI and the
 * certificate check. Nothing resolves the name again, so DNS rebinding has no window.
 * Redirects are not followed; only the status line is read.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** Sends `body` and answers the receiver's HTTP status; rejects on network errors and after `timeoutMs`. */
export function postJson(
  url: URL,
  address: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const secure = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: https.RequestOptions = {
    method: 'POST',
    host: address,
    port: url.port || (secure ? 443 : 80),
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, Host: url.host, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
    agent: false,
    signal: AbortSignal.timeout(timeoutMs),
    ...(secure && !net.isIP(hostname) && { servername: hostname }),
  };
  return new Promise<number>((resolve, reject) => {
    const request = (secure ? https : http).request(options, (response) => {
      resolve(response.statusCode ?? 0);
      response.destroy();
    });
    request.on('error', (error: Error & { code?: string }) =>
      reject(error.name === 'AbortError' || error.code === 'ABORT_ERR' ? new Error(`no answer within ${timeoutMs} ms`) : error),
    );
    request.end(body);
  });
}

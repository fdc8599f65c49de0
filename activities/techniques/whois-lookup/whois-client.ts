/**
 * One WHOIS exchange (RFC 3912): connect to an address on TCP 43 (or the given port), send the
 * query line, read until the server closes. Server names become addresses through the
 * configured overrides or the configured resolvers, never through the system resolver.
 */
import net from 'node:net';
import { assertAddressesAllowed, createResolver } from '../guard';
import { transientError, type TechniqueError, type TechniqueNetwork } from '../types';

export const WHOIS_PORT = 43;

/** Answers past this size are cut (a WHOIS record is a few kilobytes; this bounds a hostile one). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** Where to send a query: a name as referrals and config spell it, and the port. */
export interface WhoisServerName {
  readonly host: string;
  readonly port: number;
}

/** Splits "host", "host:port", "1.2.3.4:43" or "[::1]:43". */
export function parseServerSpec(spec: string, defaultPort = WHOIS_PORT): WhoisServerName {
  const trimmed = spec.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const parts = trimmed.split(':');
  if (parts.length === 2) return { host: parts[0]!.toLowerCase(), port: Number(parts[1]) };
  return { host: trimmed.toLowerCase(), port: defaultPort };
}

/** The addresses to connect to, and the port. */
export interface WhoisTarget {
  readonly addresses: readonly string[];
  readonly port: number;
}

/**
 * Turns a server name into addresses. A name in `whoisServerMap` (by "host" or "host:port") is
 * taken from the map; an IP literal as it is; any other name through the configured resolvers.
 * Names that came from another server's answer (`untrusted`) must pass the scanning guard, so a
 * hostile registry cannot point the worker at an internal address.
 */
export async function resolveWhoisServer(
  server: WhoisServerName,
  network: TechniqueNetwork,
  options: { untrusted: boolean; signal: AbortSignal },
): Promise<WhoisTarget> {
  const mapped = network.whoisServerMap[`${server.host}:${server.port}`] ?? network.whoisServerMap[server.host];
  if (mapped !== undefined) {
    const target = parseServerSpec(mapped, server.port);
    return { addresses: await resolveHost(target.host, network, options.signal), port: target.port };
  }
  const addresses = await resolveHost(server.host, network, options.signal);
  if (options.untrusted) assertAddressesAllowed(server.host, addresses, network.scanAllowedCidrs);
  return { addresses, port: server.port };
}

/**
 * The addresses of `host` (IPv4 first, else IPv6) from the configured resolvers; an IP literal
 * as it is. Callers connect to these addresses, never to the name. Failing DNS is transient.
 */
export async function resolveHost(host: string, network: TechniqueNetwork, signal: AbortSignal): Promise<string[]> {
  if (net.isIP(host)) return [host];
  const resolver = createResolver(network);
  const onAbort = () => resolver.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const v4 = await resolver.resolve4(host).catch((error: { code?: string }) => error);
    if (Array.isArray(v4) && v4.length > 0) return v4;
    const v6 = await resolver.resolve6(host).catch((error: { code?: string }) => error);
    if (Array.isArray(v6) && v6.length > 0) return v6;
    signal.throwIfAborted();
    const code = [v4, v6].map((result) => (Array.isArray(result) ? 'NODATA' : result.code ?? 'ERROR')).join(', ');
    throw transientError('host_unresolved', `could not resolve ${host} (${code})`);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** What one exchange produced: the bytes as received, and the failure if it did not finish. */
export interface WhoisExchange {
  readonly bytes: Buffer;
  /** True when the answer was cut at MAX_ANSWER_BYTES. */
  readonly truncated: boolean;
  readonly error: TechniqueError | null;
}

/**
 * Sends `query` and reads the answer within `timeoutMs`, trying the addresses in order while
 * connections fail. Never rejects except on abort (with the signal's reason): timeouts, resets
 * and empty answers come back as a transient `error` beside whatever bytes arrived.
 *
 * An address that drops the SYN (filtered) never refuses: each address gets to connect within
 * an equal share of the time left among it and the addresses after it, so one filtered address
 * cannot use up the budget of the next. Once connected, the answer has all the time left.
 */
export async function exchangeWhois(
  target: WhoisTarget,
  query: string,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<WhoisExchange> {
  const deadline = Date.now() + options.timeoutMs;
  let last: WhoisExchange | undefined;
  for (const [index, address] of target.addresses.entries()) {
    const timeoutMs = deadline - Date.now();
    const connectTimeoutMs = timeoutMs / (target.addresses.length - index);
    last = await exchangeOnce(address, target.port, query, { timeoutMs, connectTimeoutMs }, options.signal);
    if (last.error?.code !== 'whois_connect_failed') return last;
  }
  return last ?? { bytes: Buffer.alloc(0), truncated: false, error: transientError('host_unresolved', 'no address to connect to') };
}

function exchangeOnce(
  address: string,
  port: number,
  query: string,
  { timeoutMs, connectTimeoutMs }: { timeoutMs: number; connectTimeoutMs: number },
  signal: AbortSignal,
): Promise<WhoisExchange> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    let settled = false;
    const socket = net.connect({ host: address, port });
    const where = `${address} port ${port}`;
    const finish = (error: TechniqueError | null, truncated = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(connectTimer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks, size), truncated, error });
    };
    const onAbort = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(connectTimer);
      socket.destroy();
      reject(signal.reason);
    };
    const notAccepted = (ms: number) => transientError('whois_connect_failed', `WHOIS server ${where} did not accept the connection within ${Math.round(ms)} ms`);
    const timer = setTimeout(
      () =>
        finish(connected ? transientError('whois_timeout', `WHOIS server ${where} did not finish its answer in time (${size} bytes received)`) : notAccepted(timeoutMs)),
      Math.max(0, timeoutMs),
    );
    // Shorter than the whole budget unless this is the last address; a connected socket is past it.
    const connectTimer = connectTimeoutMs < timeoutMs ? setTimeout(() => finish(notAccepted(connectTimeoutMs)), Math.max(0, connectTimeoutMs)) : undefined;
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      socket.write(`${query}\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      const room = MAX_ANSWER_BYTES - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= MAX_ANSWER_BYTES) finish(null, true);
    });
    socket.once('end', () =>
      finish(size === 0 ? transientError('whois_empty_answer', `WHOIS server ${where} closed the connection without answering`) : null),
    );
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = connected ? 'whois_connection_lost' : 'whois_connect_failed';
      finish(transientError(code, `WHOIS server ${where}: ${error.code ?? error.message}`, error));
    });
  });
}

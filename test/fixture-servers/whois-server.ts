/**
 * WHOIS fixture (RFC 3912) on loopback: reads one query line, writes the mapped text and closes,
 * or misbehaves as scripted. Several instances form a referral chain (IANA → registry → registrar).
 */
import net from 'node:net';
import { listenTracked } from './listen';

/** How the server departs from the protocol; undefined answers normally. */
export type WhoisMisbehaviour =
  | 'slow-loris' // drips the answer a few bytes at a time and never closes
  | 'close-without-answer' // reads the query, then closes without a byte
  | 'silent' // reads the query, then holds the connection open forever
  | 'garbage'; // answers with binary noise, then closes

/** Answers, misbehaviour and where to listen. */
export interface WhoisServerOptions {
  /** Answers keyed by query, matched without regard to case. */
  responses?: Record<string, string>;
  /** Text for unknown queries; `%s` is replaced by the query. */
  notFound?: string;
  misbehaviour?: WhoisMisbehaviour;
  /** Slow-loris pace: `dripBytes` every `dripIntervalMs`. */
  dripIntervalMs?: number;
  dripBytes?: number;
  host?: string;
  port?: number;
}

/** A running WHOIS fixture. */
export interface WhoisServer {
  host: string;
  port: number;
  /** Query lines received, in order, without the line ending. */
  queries: string[];
  /** Live answer map; add entries after start, e.g. once other servers' ports are known. */
  responses: Map<string, string>;
  close(): Promise<void>;
}

const MAX_QUERY_BYTES = 1024;
const GARBAGE = Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x00, 0x0d]);

/** Starts one WHOIS fixture on 127.0.0.1 (port 0 picks a free one). */
export async function startWhoisServer(options: WhoisServerOptions = {}): Promise<WhoisServer> {
  const host = options.host ?? '127.0.0.1';
  const responses = new Map(Object.entries(options.responses ?? {}).map(([key, text]) => [key.toLowerCase(), text]));
  const queries: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const answer = (socket: net.Socket, query: string) => {
    const text = responses.get(query.toLowerCase()) ?? (options.notFound ?? 'No match for "%s".\r\n').replace('%s', query);
    switch (options.misbehaviour) {
      case 'close-without-answer':
        return void socket.end();
      case 'silent':
        return;
      case 'garbage':
        return void socket.end(GARBAGE);
      case 'slow-loris':
        return drip(socket, Buffer.from(text), options.dripBytes ?? 1, options.dripIntervalMs ?? 100, timers);
      default:
        return void socket.end(text);
    }
  };

  // Half-open, so a client that shuts down its side does not end a silent or dripping answer.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    let pending = '';
    const finish = (query: string) => {
      socket.off('data', onData).off('end', onEnd);
      queries.push(query.replace(/\r$/, '').trim());
      answer(socket, queries[queries.length - 1] as string);
    };
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      const end = pending.indexOf('\n');
      if (end !== -1) finish(pending.slice(0, end));
      else if (pending.length >= MAX_QUERY_BYTES) finish(pending.slice(0, MAX_QUERY_BYTES));
    };
    // A query without a line ending still counts once the client has finished sending.
    const onEnd = () => finish(pending);
    socket.on('data', onData).on('end', onEnd);
  });

  const { port, close } = await listenTracked(server, host, options.port, () => {
    for (const timer of timers) clearInterval(timer);
  });
  return { host, port, queries, responses, close };
}

function drip(socket: net.Socket, text: Buffer, bytes: number, intervalMs: number, timers: Set<NodeJS.Timeout>) {
  let offset = 0;
  const timer = setInterval(() => {
    // Once the text is out, keep the connection open: a slow-loris never finishes.
    if (offset >= text.length || socket.destroyed) return;
    socket.write(text.subarray(offset, offset + bytes));
    offset += bytes;
  }, intervalMs);
  timers.add(timer);
  socket.once('close', () => {
    clearInterval(timer);
    timers.delete(timer);
  });
}

/** A started IANA → registry → registrar chain for one domain, and where each server lives. */
export interface WhoisReferralChain {
  /** WHOIS host name → loopback address, for the client's server-address override. */
  servers: Record<string, { host: string; port: number }>;
  iana: WhoisServer;
  registry: WhoisServer;
  registrar: WhoisServer;
  close(): Promise<void>;
}

/** Host names the chain's answers refer to. */
export const WHOIS_CHAIN_HOSTS = {
  iana: 'whois.iana.org',
  registry: 'whois.registry.test',
  registrar: 'whois.registrar.test',
} as const;

/** Starts three servers whose answers refer to each other by host name, as real WHOIS does. */
export async function startWhoisReferralChain(domain: string): Promise<WhoisReferralChain> {
  const tld = domain.split('.').pop()?.toUpperCase() ?? '';
  const name = domain.toUpperCase();
  const iana = await startWhoisServer({
    responses: {
      [domain]: `% IANA WHOIS server\r\n\r\nrefer:        ${WHOIS_CHAIN_HOSTS.registry}\r\n\r\ndomain:       ${tld}\r\nstatus:       ACTIVE\r\n`,
    },
  });
  const registry = await startWhoisServer({
    responses: {
      [domain]: [
        `   Domain Name: ${name}`,
        `   Registrar WHOIS Server: ${WHOIS_CHAIN_HOSTS.registrar}`,
        '   Registrar: Fixture Registrar, Inc.',
        '   Creation Date: 2001-02-03T04:05:06Z',
        '   Registry Expiry Date: 2031-02-03T04:05:06Z',
        `   Name Server: NS1.${name}`,
        '',
      ].join('\r\n'),
    },
  });
  const registrar = await startWhoisServer({
    responses: {
      [domain]: [
        `Domain Name: ${name}`,
        'Registrar: Fixture Registrar, Inc.',
        'Registrant Organization: Fixture Holdings Ltd',
        'Registrant Country: GB',
        `Registrant Email: hostmaster@${domain}`,
        '',
      ].join('\r\n'),
    },
  });
  const at = (server: WhoisServer) => ({ host: server.host, port: server.port });
  const servers = {
    [WHOIS_CHAIN_HOSTS.iana]: at(iana),
    [WHOIS_CHAIN_HOSTS.registry]: at(registry),
    [WHOIS_CHAIN_HOSTS.registrar]: at(registrar),
  };
  const close = async () => {
    await Promise.all([iana.close(), registry.close(), registrar.close()]);
  };
  return { servers, iana, registry, registrar, close };
}

/**
 * A stub resolver on dns-packet that talks only to the configured servers: UDP with EDNS0,
 * TCP when an answer comes back truncated, `dnsTries` rounds over the servers with
 * `dnsTimeoutMs` per exchange, and the next server on SERVFAIL, REFUSED or NOTIMP. Built
 * rather than node's Resolver because it keeps what node's hides: the TTL of every record type
 * and every message exactly as it arrived on the wire, which is the raw evidence.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet, type RecordType } from 'dns-packet';
import { permanentError, type TechniqueNetwork } from '../types';
import { decodeResponse, parseDnsServer, type DnsServerAddress } from './dns-wire';

/** One message received from a server, byte for byte (without TCP's length prefix). */
export interface DnsMessage {
  readonly transport: 'udp' | 'tcp';
  readonly server: string;
  readonly receivedAt: string;
  readonly wire: Buffer;
}

/** How one question ended, with every message received on the way. */
export type DnsExchange =
  | { readonly kind: 'response'; readonly rcode: string; readonly packet: DecodedPacket; readonly messages: DnsMessage[] }
  | { readonly kind: 'timeout' | 'malformed' | 'unreachable'; readonly messages: DnsMessage[] };

/** The outcome of one exchange with one server, before the messages are attached. */
type DnsExchangeWithoutLog =
  | { kind: 'response'; rcode: string; packet: DecodedPacket }
  | { kind: 'timeout' | 'malformed' | 'unreachable' };

/** Answers that say "ask someone else" rather than anything about the name. */
const TRY_NEXT_SERVER = new Set(['SERVFAIL', 'REFUSED', 'NOTIMP']);
/** A UDP payload that fits the common path MTU (the 2020 DNS flag day value). */
const EDNS_UDP_SIZE = 1232;

interface Pending {
  server: DnsServerAddress;
  name: string;
  type: RecordType;
  messages: DnsMessage[];
  settle(result: DnsExchangeWithoutLog): void;
}

/** A resolver for one lookup: open it, ask questions in parallel, close it. */
export class DnsClient {
  private readonly servers: DnsServerAddress[];
  private readonly sockets = new Map<'udp4' | 'udp6', dgram.Socket>();
  private readonly pending = new Map<string, Pending>();
  private readonly tcpSockets = new Set<net.Socket>();

  constructor(
    private readonly network: Pick<TechniqueNetwork, 'dnsServers' | 'dnsTimeoutMs' | 'dnsTries'>,
    private readonly signal: AbortSignal,
  ) {
    this.servers = network.dnsServers.map((spec) => {
      const server = parseDnsServer(spec);
      if (!server) throw permanentError('bad_dns_server', `DNS server "${spec}" is not an IP address with an optional port`);
      return server;
    });
    if (this.servers.length === 0) throw permanentError('bad_dns_server', 'no DNS server is configured');
  }

  /** Asks every server in turn, `dnsTries` rounds, until one gives an answer about the name. */
  async query(name: string, type: RecordType): Promise<DnsExchange> {
    const messages: DnsMessage[] = [];
    let failure: DnsExchangeWithoutLog = { kind: 'timeout' };
    let edns = true;
    for (let round = 0; round < Math.max(1, this.network.dnsTries); round += 1) {
      for (const server of this.servers) {
        this.signal.throwIfAborted();
        let result = await this.exchange(server, name, type, edns, messages);
        // A server that does not speak EDNS0 answers FORMERR: ask it again the old way.
        if (result.kind === 'response' && result.rcode === 'FORMERR' && edns) {
          edns = false;
          result = await this.exchange(server, name, type, edns, messages);
        }
        if (result.kind === 'response' && !TRY_NEXT_SERVER.has(result.rcode)) return { ...result, messages };
        // An answer from a server outranks silence or noise as the reason to report.
        if (result.kind === 'response' || failure.kind !== 'response') failure = result;
      }
    }
    return { ...failure, messages } as DnsExchange;
  }

  /** Closes the sockets; questions still waiting end as timeouts. */
  close(): void {
    for (const pending of this.pending.values()) pending.settle({ kind: 'timeout' });
    for (const socket of this.sockets.values()) socket.close();
    for (const socket of this.tcpSockets) socket.destroy();
    this.sockets.clear();
    this.tcpSockets.clear();
  }

  private async exchange(
    server: DnsServerAddress,
    name: string,
    type: RecordType,
    edns: boolean,
    messages: DnsMessage[],
  ): Promise<DnsExchangeWithoutLog> {
    const result = await this.exchangeUdp(server, name, type, edns, messages);
    if (result.kind === 'response' && result.packet.flag_tc) return this.exchangeTcp(server, name, type, edns, messages);
    return result;
  }

  private encodeQuery(id: number, name: string, type: RecordType, edns: boolean): Packet {
    return {
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name, type, class: 'IN' }],
      additionals: edns
        ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
        : [],
    };
  }

  private socketFor(family: 'udp4' | 'udp6'): dgram.Socket {
    let socket = this.sockets.get(family);
    if (!socket) {
      socket = dgram.createSocket({ type: family, lookup: literalLookup });
      socket.on('message', (message, remote) => this.onUdpMessage(family, message, remote));
      // Errors surface through send callbacks and timeouts; an emitted one must not crash the worker.
      socket.on('error', () => undefined);
      this.sockets.set(family, socket);
    }
    return socket;
  }

  private exchangeUdp(
    server: DnsServerAddress,
    name: string,
    type: RecordType,
    edns: boolean,
    messages: DnsMessage[],
  ): Promise<DnsExchangeWithoutLog> {
    let id: number;
    do id = randomInt(0, 65536);
    while (this.pending.has(`${server.family}:${id}`));
    const key = `${server.family}:${id}`;
    const wire = dnsPacket.encode(this.encodeQuery(id, name, type, edns));
    return this.wait((settle) => {
      this.pending.set(key, { server, name, type, messages, settle });
      this.socketFor(server.family).send(wire, server.port, server.host, (error) => {
        if (error) settle({ kind: 'unreachable' });
      });
      return () => this.pending.delete(key);
    });
  }

  private onUdpMessage(family: 'udp4' | 'udp6', message: Buffer, remote: dgram.RemoteInfo): void {
    if (message.length < 2) return;
    const pending = this.pending.get(`${family}:${message.readUInt16BE(0)}`);
    // Only the server asked may answer; anything else is ignored, as a spoofing attempt would be.
    if (!pending || remote.address !== pending.server.host || remote.port !== pending.server.port) return;
    pending.messages.push({ transport: 'udp', server: pending.server.label, receivedAt: new Date().toISOString(), wire: message });
    const result = decodeResponse(message, pending.name, pending.type);
    if (result) pending.settle(result);
  }

  private exchangeTcp(
    server: DnsServerAddress,
    name: string,
    type: RecordType,
    edns: boolean,
    messages: DnsMessage[],
  ): Promise<DnsExchangeWithoutLog> {
    const wire = dnsPacket.streamEncode(this.encodeQuery(randomInt(0, 65536), name, type, edns));
    return this.wait((settle) => {
      const socket = net.connect({ host: server.host, port: server.port });
      this.tcpSockets.add(socket);
      let received = Buffer.alloc(0);
      socket.on('connect', () => socket.write(wire));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
        const message = received.subarray(2, 2 + received.readUInt16BE(0));
        messages.push({ transport: 'tcp', server: server.label, receivedAt: new Date().toISOString(), wire: message });
        settle(decodeResponse(message, name, type) ?? { kind: 'malformed' });
      });
      socket.on('error', () => settle({ kind: 'unreachable' }));
      socket.on('close', () => {
        if (received.length > 0) messages.push({ transport: 'tcp', server: server.label, receivedAt: new Date().toISOString(), wire: received });
        settle(received.length > 0 ? { kind: 'malformed' } : { kind: 'unreachable' });
      });
      return () => {
        this.tcpSockets.delete(socket);
        socket.removeAllListeners('close');
        socket.destroy();
      };
    });
  }

  /** Runs `start` until it settles, `dnsTimeoutMs` passes (a timeout) or the signal aborts (a rejection). */
  private wait(start: (settle: (result: DnsExchangeWithoutLog) => void) => () => void): Promise<DnsExchangeWithoutLog> {
    return new Promise((resolve, reject) => {
      let done = false;
      let cleanup: () => void = () => undefined;
      const finish = (outcome: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.signal.removeEventListener('abort', onAbort);
        cleanup();
        outcome();
      };
      const onAbort = () => finish(() => reject(this.signal.reason));
      const timer = setTimeout(() => finish(() => resolve({ kind: 'timeout' })), this.network.dnsTimeoutMs);
      this.signal.addEventListener('abort', onAbort, { once: true });
      try {
        cleanup = start((result) => finish(() => resolve(result)));
      } catch (error) {
        finish(() => reject(error));
        return;
      }
      if (done) cleanup();
    });
  }
}

/**
 * The lookup dgram uses for its bind and send addresses. Every address here is an IP literal,
 * so nothing is looked up: dgram's default would go through dns.lookup (for 0.0.0.0 when it
 * binds), which the system resolver may not even serve.
 */
function literalLookup(address: string, _options: unknown, callback: (error: Error | null, address: string, family: number) => void): void {
  const family = net.isIP(address);
  if (family === 0) callback(Object.assign(new Error(`${address} is not an IP address`), { code: 'ENOTFOUND' }), address, 0);
  else callback(null, address, family);
}

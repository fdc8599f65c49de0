/**
 * Authoritative DNS fixture on loopback, UDP and TCP on the same port, serving a zone given as
 * data, with scripted failures (SERVFAIL, silence, truncation, garbage) for resilience tests.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { CaaAnswer, MxAnswer, Packet, Question, SoaAnswer, StringAnswer, TxtAnswer } from 'dns-packet';

/** One record of the served zone, in dns-packet's shape; ttl defaults to 300. */
export type ZoneRecord = StringAnswer | MxAnswer | TxtAnswer | SoaAnswer | CaaAnswer;

/** Misbehaviour, read on every query, so a test may change it between steps. */
export interface DnsFailureScript {
  /** Answer every query with SERVFAIL. */
  servfail?: boolean;
  /** Stay silent for the first N queries (any transport), so clients time out and retry. */
  dropFirst?: number;
  /** Send a TC answer without records when a UDP response would exceed this many bytes. */
  truncateUdpAbove?: number;
  /** Reply with bytes that carry the query id but are not a DNS message. */
  garbage?: boolean;
}

/** The zone to serve, where to listen, and the initial failure script. */
export interface DnsServerOptions extends DnsFailureScript {
  zone: ZoneRecord[];
  host?: string;
  port?: number;
}

/** What the server did with a query: the rcode it answered, or how it misbehaved. */
export type DnsOutcome = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'TRUNCATED' | 'DROPPED' | 'GARBAGE';

/** One received query, in arrival order. */
export interface DnsQueryLogEntry {
  transport: 'udp' | 'tcp';
  name: string;
  type: string;
  outcome: DnsOutcome;
}

/** A running DNS fixture. */
export interface DnsServer {
  host: string;
  port: number;
  /** `host:port`, ready for Resolver.setServers. */
  address: string;
  queries: DnsQueryLogEntry[];
  script: DnsFailureScript;
  close(): Promise<void>;
}

const SERVFAIL = 2;
const NXDOMAIN = 3;

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The zone by owner name, and every name that exists (owners and the names above them). */
interface ZoneIndex {
  size: number;
  byName: Map<string, ZoneRecord[]>;
  existing: Set<string>;
  soas: ZoneRecord[];
}

/**
 * Indexes the zone so a query costs the same for ten records or ten thousand (the DNS benchmark
 * serves 1,000 names). Rebuilt when records are added, so a zone grown after start is served.
 */
function indexZone(zone: ZoneRecord[], previous?: ZoneIndex): ZoneIndex {
  if (previous && previous.size === zone.length) return previous;
  const byName = new Map<string, ZoneRecord[]>();
  const existing = new Set<string>();
  for (const record of zone) {
    const owner = normalize(record.name);
    byName.set(owner, [...(byName.get(owner) ?? []), record]);
    const labels = owner.split('.');
    for (let index = 0; index < labels.length; index += 1) existing.add(labels.slice(index).join('.'));
  }
  return { size: zone.length, byName, existing, soas: zone.filter((record) => record.type === 'SOA') };
}

/** Resolves one question against the zone, following CNAMEs that stay inside it. */
function answerQuestion(index: ZoneIndex, question: Question): { rcode: number; packet: Packet } {
  const name = normalize(question.name);
  const answers: ZoneRecord[] = [];
  let current = name;
  for (let hops = 0; hops < 8; hops += 1) {
    const records = index.byName.get(current) ?? [];
    const matching = records.filter((record) => (question.type as string) === 'ANY' || record.type === question.type);
    const cname = records.find((record) => record.type === 'CNAME');
    if (matching.length > 0 || !cname) {
      answers.push(...matching);
      break;
    }
    answers.push(cname);
    current = normalize(cname.data as string);
  }
  const exists = index.existing.has(name);
  const rcode = answers.length > 0 || exists ? 0 : NXDOMAIN;
  // Negative answers carry the closest SOA so clients can cache them (RFC 2308).
  const soa = index.soas
    .filter((record) => name === normalize(record.name) || name.endsWith(`.${normalize(record.name)}`))
    .sort((a, b) => b.name.length - a.name.length)[0];
  const authorities = answers.length === 0 && soa ? [soa] : [];
  const withTtl = (record: ZoneRecord) => ({ ...record, ttl: record.ttl ?? 300 });
  return { rcode, packet: { answers: answers.map(withTtl), authorities: authorities.map(withTtl) } };
}

function respond(query: Packet, flags: number, body: Packet = {}): Buffer {
  const recursionDesired = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  return dnsPacket.encode({
    type: 'response',
    id: query.id ?? 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | recursionDesired | flags,
    questions: query.questions ?? [],
    ...body,
  });
}

/** Starts the fixture; the same port serves UDP and TCP (port 0 picks a free one). */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const { zone, servfail, dropFirst, truncateUdpAbove, garbage } = options;
  const script: DnsFailureScript = { servfail, dropFirst, truncateUdpAbove, garbage };
  const queries: DnsQueryLogEntry[] = [];
  let received = 0;
  let index: ZoneIndex | undefined;

  /** Returns the wire response, or undefined to stay silent. */
  const handle = (message: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    const question = query.questions?.[0] ?? { name: '', type: 'A' as const };
    const log = (outcome: DnsOutcome) => queries.push({ transport, name: question.name, type: question.type, outcome });
    received += 1;
    if (received <= (script.dropFirst ?? 0)) return void log('DROPPED');
    if (script.garbage) {
      log('GARBAGE');
      return Buffer.concat([message.subarray(0, 2), Buffer.from([0xff, 0x13, 0x37, 0x00, 0xde, 0xad])]);
    }
    if (script.servfail) {
      log('SERVFAIL');
      return respond(query, SERVFAIL);
    }
    index = indexZone(zone, index);
    const { rcode, packet } = answerQuestion(index, question);
    const full = respond(query, rcode, packet);
    if (transport === 'udp' && script.truncateUdpAbove !== undefined && full.length > script.truncateUdpAbove) {
      log('TRUNCATED');
      return respond(query, rcode | dnsPacket.TRUNCATED_RESPONSE);
    }
    log(rcode === NXDOMAIN ? 'NXDOMAIN' : 'NOERROR');
    return full;
  };

  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const message = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + message.length);
        const reply = handle(message, 'tcp');
        if (!reply || socket.destroyed) continue;
        const length = Buffer.alloc(2);
        length.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([length, reply]));
      }
    });
  });

  const onMessage = (udp: dgram.Socket) => (message: Buffer, remote: dgram.RemoteInfo) => {
    const reply = handle(message, 'udp');
    if (reply) udp.send(reply, remote.port, remote.address, () => undefined);
  };
  const { udp, port } = await bindBoth(tcp, host, options.port ?? 0, onMessage);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      udp.close();
      tcp.close(() => resolve());
    }));
  return { host, port, address: `${net.isIPv6(host) ? `[${host}]` : host}:${port}`, queries, script, close };
}

type MessageHandler = (udp: dgram.Socket) => (message: Buffer, remote: dgram.RemoteInfo) => void;

function listen(tcp: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
}

/** Binds UDP first, then TCP on the same number, with a fresh UDP socket when TCP finds it taken. */
async function bindBoth(
  tcp: net.Server,
  host: string,
  port: number,
  onMessage: MessageHandler,
): Promise<{ udp: dgram.Socket; port: number }> {
  for (let attempt = 0; ; attempt += 1) {
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    udp.on('message', onMessage(udp));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    // A client vanishing mid-reply must not crash the test run.
    udp.on('error', () => undefined);
    const udpPort = udp.address().port;
    try {
      await listen(tcp, udpPort, host);
      return { udp, port: udpPort };
    } catch (error) {
      udp.close();
      if (port !== 0 || attempt >= 10) throw error;
    }
  }
}

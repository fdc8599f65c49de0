/**
 * The DNS wire details the client needs: which servers to ask (parsed from the settings), the
 * name of a response code, and whether a received message answers the question asked.
 */
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet, type RecordType } from 'dns-packet';
import { canonicalName } from './dns-name';

/** A resolver to send queries to. */
export interface DnsServerAddress {
  readonly host: string;
  readonly port: number;
  readonly family: 'udp4' | 'udp6';
  /** As configured: "ip" or "ip:port" or "[ip6]:port". */
  readonly label: string;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** The name of a response code, e.g. 3 → "NXDOMAIN". */
export function rcodeName(packet: Pick<Packet, 'flags'>): string {
  const code = (packet.flags ?? 0) & 0x0f;
  return RCODES[code] ?? `RCODE${code}`;
}

/** Parses "ip", "ip:port", "ip6" or "[ip6]:port"; null when it is not an IP literal. */
export function parseDnsServer(spec: string): DnsServerAddress | null {
  let host = spec;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  if (bracketed) {
    host = bracketed[1] as string;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (net.isIPv4(spec.split(':')[0] ?? '') && spec.includes(':')) {
    const [address, portText] = spec.split(':') as [string, string];
    host = address;
    port = Number(portText);
  }
  const family = net.isIP(host);
  if (family === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port, family: family === 4 ? 'udp4' : 'udp6', label: spec };
}

/** The outcome of decoding one received message. */
export type DecodedResponse = { kind: 'response'; rcode: string; packet: DecodedPacket } | { kind: 'malformed' };

/**
 * Decodes a response to (name, type): the result, `malformed` for bytes that are not a DNS
 * message, or undefined for a well-formed message about another question (ignored).
 */
export function decodeResponse(message: Buffer, name: string, type: RecordType): DecodedResponse | undefined {
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch {
    return { kind: 'malformed' };
  }
  if (!packet.flag_qr) return { kind: 'malformed' };
  const question = packet.questions?.[0];
  if (!question || canonicalName(question.name) !== canonicalName(name) || question.type !== type) return undefined;
  return { kind: 'response', rcode: rcodeName(packet), packet };
}

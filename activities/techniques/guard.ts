/**
 * The scanning guard: the one place that resolves a target for a connection and refuses it
 * when any address is private, loopback, link-local, multicast, CGNAT, reserved or a cloud
 * metadata address, unless a configured CIDR allows it. Callers connect to the addresses it
 * returns and never resolve the name again, so DNS rebinding has no window.
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { permanentError, transientError, type TechniqueNetwork } from './types';

/** Ranges that are not a public unicast destination, by ipaddr.js's range names. */
const REFUSED_RANGES = new Set([
  'unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'carrierGradeNat', 'private', 'reserved',
  'uniqueLocal', 'benchmarking', 'amt', 'as112', 'deprecated', 'orchid2', 'droneRemoteIdProtocolEntityTags',
]);

/** Cloud metadata endpoints, refused even if a range table ever called them public. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254']);

/** Why an address is refused, or null when it may be contacted. */
export function refusalReason(address: string, allowedCidrs: readonly string[]): string | null {
  if (!ipaddr.isValid(address)) return 'is not an IP address';
  let parsed = ipaddr.parse(address);
  // An IPv4-mapped or NAT64 IPv6 address reaches the IPv4 address inside it: judge that one.
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
  }
  if (allowedCidrs.some((cidr) => inCidr(parsed, cidr))) return null;
  const normalized = parsed.toNormalizedString();
  if (METADATA_ADDRESSES.has(normalized) || METADATA_ADDRESSES.has(parsed.toString())) return 'is a cloud metadata address';
  const range = parsed.range();
  if (REFUSED_RANGES.has(range)) return `is in a ${range} range`;
  if (parsed.kind() === 'ipv6' && range !== 'unicast') return `is in a ${range} range`;
  return null;
}

function inCidr(address: ipaddr.IPv4 | ipaddr.IPv6, cidr: string): boolean {
  try {
    const [network, bits] = ipaddr.parseCIDR(cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`);
    return address.kind() === network.kind() && address.match([network, bits] as [typeof address, number]);
  } catch {
    return false;
  }
}

/** Throws a permanent "guard_refused" failure unless every address may be contacted. */
export function assertAddressesAllowed(host: string, addresses: readonly string[], allowedCidrs: readonly string[]): void {
  for (const address of addresses) {
    const reason = refusalReason(address, allowedCidrs);
    if (reason) throw permanentError('guard_refused', `refused to contact ${host}: ${address} ${reason}`);
  }
}

/** A resolver on the configured servers only (never the system's), with timeout and tries. */
export function createResolver(network: Pick<TechniqueNetwork, 'dnsServers' | 'dnsTimeoutMs' | 'dnsTries'>): Resolver {
  const resolver = new Resolver({ timeout: network.dnsTimeoutMs, tries: network.dnsTries });
  resolver.setServers([...network.dnsServers]);
  return resolver;
}

/**
 * Resolves `host` (A and AAAA) through the configured resolvers and checks every address.
 * An IP literal is checked as it is. Returns the checked addresses, the only ones to connect to.
 */
export async function resolveForConnection(host: string, network: TechniqueNetwork, signal?: AbortSignal): Promise<string[]> {
  if (isIP(host)) {
    assertAddressesAllowed(host, [host], network.scanAllowedCidrs);
    return [host];
  }
  const resolver = createResolver(network);
  const onAbort = () => resolver.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const results = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    if (addresses.length === 0) {
      const codes = results.map((result) => (result.status === 'rejected' ? (result.reason as { code?: string }).code : 'NODATA'));
      if (codes.every((code) => code === 'ENOTFOUND' || code === 'NODATA' || code === 'ENODATA')) {
        throw permanentError('no_address', `${host} has no A or AAAA record`);
      }
      throw transientError('dns_failed', `could not resolve ${host} (${codes.join(', ')})`);
    }
    assertAddressesAllowed(host, addresses, network.scanAllowedCidrs);
    return addresses;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

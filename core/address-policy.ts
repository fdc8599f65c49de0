/**
 * Which addresses the platform may contact: not private, loopback, link-local, multicast, CGNAT,
 * reserved or cloud metadata addresses, unless a configured CIDR allows them. Pure; the scanning
 * guard (activities/techniques/guard.ts) applies it to every connection, and the API to webhook
 * URLs given as addresses.
 */
import ipaddr from 'ipaddr.js';

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

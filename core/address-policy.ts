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

/** The only IPv6 addresses that may be contacted lie in global unicast, 2000::/3 (RFC 4291); ipaddr.js calls far more "unicast". */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * ::/96: IPv4-compatible addresses (deprecated by RFC 4291), with :: and ::1 inside. They are
 * refused outright rather than judged by the IPv4 address inside, the stricter of the two: no
 * real host is reached this way, and a stack that still tunnels them (automatic SIT) delivers to
 * that IPv4 address, so ::a9fe:a9fe would be the metadata service. Judging the inner address
 * would also let public-looking ones through for no use.
 */
const IPV4_COMPATIBLE_V6 = ipaddr.parseCIDR('::/96');

/** Why an address is refused, or null when it may be contacted. */
export function refusalReason(address: string, allowedCidrs: readonly string[]): string | null {
  let parsed = parseAddress(address);
  if (!parsed) return 'is not an IP address';
  // An IPv4-mapped IPv6 address reaches the IPv4 address inside it: judge that one.
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
  }
  if (allowedCidrs.some((cidr) => inCidr(parsed, cidr))) return null;
  const normalized = parsed.toNormalizedString();
  if (METADATA_ADDRESSES.has(normalized) || METADATA_ADDRESSES.has(parsed.toString())) return 'is a cloud metadata address';
  const range = parsed.range();
  if (REFUSED_RANGES.has(range)) return `is in a ${range} range`;
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // Special ranges inside 2000::/3 (6to4, Teredo, documentation…) are named by ipaddr.js.
    if (range !== 'unicast') return `is in a ${range} range`;
    if (v6.match(IPV4_COMPATIBLE_V6)) return 'is an IPv4-compatible IPv6 address (::/96, deprecated)';
    if (!v6.match(GLOBAL_UNICAST_V6)) return 'is outside IPv6 global unicast (2000::/3)';
  }
  return null;
}

/**
 * ipaddr.js reads a dotted quad after "::" as IPv4-mapped even without the ffff ("::10.0.0.1"
 * becomes ::ffff:a00:1), where the system connects to ::a00:1, an IPv4-compatible address. The
 * quad is spelled in hex first, so the policy judges the address the system would contact.
 */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const text = address.includes(':')
    ? address.replace(/(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, (quad, ...octets: string[]) => {
        const [a, b, c, d] = octets.slice(0, 4).map(Number) as [number, number, number, number];
        if ([a, b, c, d].some((octet) => octet > 255)) return quad;
        return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
      })
    : address;
  return ipaddr.isValid(text) ? ipaddr.parse(text) : null;
}

function inCidr(address: ipaddr.IPv4 | ipaddr.IPv6, cidr: string): boolean {
  try {
    const [network, bits] = ipaddr.parseCIDR(cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`);
    return address.kind() === network.kind() && address.match([network, bits] as [typeof address, number]);
  } catch {
    return false;
  }
}

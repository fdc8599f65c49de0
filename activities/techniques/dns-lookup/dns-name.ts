/**
 * What counts as a name worth querying: the DNS wire limits (labels of 1 to 63 octets, 253
 * characters in all) and host-name characters, with the underscore that service labels
 * (_dmarc, _domainkey) carry. The API has normalized targets already; this is the last check
 * before a malformed name reaches a resolver.
 */

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/** Why `name` cannot be queried, or null when it can. */
export function dnsNameProblem(name: string): string | null {
  const trimmed = name.replace(/\.$/, '');
  if (trimmed === '') return 'is empty';
  if (trimmed.length > 253) return 'is longer than 253 characters';
  const bad = trimmed.split('.').find((label) => !LABEL.test(label));
  if (bad !== undefined) return `has an invalid label "${bad}"`;
  return null;
}

/** Lowercase, without the trailing dot: the form names are compared and reported in. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

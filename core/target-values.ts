/**
 * Normalization and validation of target values: case, trailing dot, IDN to punycode.
 * A value that cannot be normalized gets a reason an investigator can act on.
 */
import { domainToASCII } from 'node:url';

/** The normalized value, or why the input is not acceptable. */
export type Normalized = { ok: true; value: string } | { ok: false; reason: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** Normalizes a domain name: trimmed, lowercase, no trailing dot, IDN labels as punycode. */
export function normalizeDomain(input: string): Normalized {
  const trimmed = input.trim().replace(/\.$/, '');
  if (trimmed === '') return { ok: false, reason: 'is empty' };
  if (/[\s/:@?#\\]/.test(trimmed)) return { ok: false, reason: 'must be a bare domain name, without scheme, path, port or spaces' };
  if (/^[\d.]+$/.test(trimmed) || trimmed.includes('[')) return { ok: false, reason: 'must be a domain name, not an IP address' };
  // Checked before domainToASCII, which reads a numeric last label as part of an IPv4 address.
  if (/\.\d+$/.test(trimmed)) return { ok: false, reason: 'has an all-numeric top-level domain' };
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii === '') return { ok: false, reason: 'is not a valid internationalized domain name' };
  if (ascii.length > 253) return { ok: false, reason: 'is longer than 253 characters' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { ok: false, reason: 'needs at least two labels, such as example.com' };
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    return { ok: false, reason: `has an invalid label "${bad}" (letters, digits and inner hyphens, 1 to 63 characters)` };
  }
  return { ok: true, value: ascii };
}

/** Normalizes an email address: the domain as normalizeDomain does, the local part lowercased. */
export function normalizeEmail(input: string): Normalized {
  const trimmed = input.trim();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return { ok: false, reason: 'must look like name@domain' };
  const local = trimmed.slice(0, at);
  if (local.length > 64) return { ok: false, reason: 'has a local part longer than 64 characters' };
  if (!EMAIL_LOCAL.test(local)) return { ok: false, reason: 'has characters not allowed in the part before @' };
  const domain = normalizeDomain(trimmed.slice(at + 1));
  if (!domain.ok) return { ok: false, reason: `has a domain that ${domain.reason}` };
  const value = `${local.toLowerCase()}@${domain.value}`;
  if (value.length > 254) return { ok: false, reason: 'is longer than 254 characters' };
  return { ok: true, value };
}

/** The domain a technique works on for a target: the domain itself, or an email's domain. */
export function domainOfTarget(type: 'email' | 'domain', value: string): string {
  return type === 'email' ? value.slice(value.lastIndexOf('@') + 1) : value;
}

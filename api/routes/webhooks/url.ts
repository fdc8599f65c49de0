/**
 * The checks a webhook URL passes when it is registered. The address guard is the techniques'
 * own (activities/techniques/guard.ts), pure for an IP address; a host name is resolved and
 * checked by the delivery activity at every attempt, which contacts only the address it checked.
 */
import { isIP } from 'node:net';
import { refusalReason } from '../../../core/address-policy';

/** Why `value` cannot be a webhook URL, or null when it can. */
export function webhookUrlProblem(value: string, allowedCidrs: readonly string[]): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials; the signature authenticates deliveries';
  if (url.hash) return 'must not have a fragment';
  // The URL parser has already turned decimal, hex and short IPv4 forms into dotted quads.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const address = isIP(host) ? host : /(^|\.)localhost$/i.test(host) ? '127.0.0.1' : null;
  if (!address) return null;
  const reason = refusalReason(address, allowedCidrs);
  return reason ? `points at ${address}, which ${reason}: the address guard refuses it (SCAN_ALLOWED_CIDRS can allow it)` : null;
}

/**
 * The address as email_verify sees it: split into local part and domain, checked for syntax
 * (an invalid address is a result, not a failure), and tested for role accounts.
 */
import { normalizeEmail } from '../../../core/target-values';

/** An address split at its last "@". */
export interface AddressParts {
  readonly local: string;
  readonly domain: string;
}

/** Splits at the last "@"; undefined when there is nothing on one side (not an address at all). */
export function splitAddress(value: string): AddressParts | undefined {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return undefined;
  return { local: value.slice(0, at), domain: value.slice(at + 1).toLowerCase().replace(/\.$/, '') };
}

/** Why the address is not valid (RFC 5321 dot-atom local part, a valid domain, lengths), or null. */
export function syntaxProblem(value: string): string | null {
  const normalized = normalizeEmail(value);
  return normalized.ok ? null : normalized.reason;
}

/**
 * Mailboxes that belong to a function rather than a person (RFC 2142 and common practice):
 * they reach a team or a ticket queue, and verifiers report them as risky.
 */
const ROLE_ACCOUNTS = new Set([
  'abuse', 'accounting', 'accounts', 'admin', 'administrator', 'all', 'billing', 'careers', 'compliance', 'contact',
  'customerservice', 'customersupport', 'dev', 'devnull', 'dmarc', 'enquiries', 'enquiry', 'everyone', 'feedback',
  'finance', 'ftp', 'help', 'helpdesk', 'hello', 'hostmaster', 'hr', 'info', 'information', 'inquiries', 'inquiry',
  'it', 'jobs', 'legal', 'list', 'mail', 'mailerdaemon', 'marketing', 'media', 'news', 'newsletter', 'noc', 'noreply',
  'notifications', 'office', 'orders', 'postmaster', 'press', 'privacy', 'recruiting', 'recruitment', 'root',
  'sales', 'security', 'service', 'support', 'sysadmin', 'team', 'tech', 'usenet', 'uucp', 'webmaster', 'www',
]);

/** True for a role account; "+tags" and separators are ignored ("No-Reply+x" is "noreply"). */
export function isRoleAccount(local: string): boolean {
  const base = local.toLowerCase().split('+')[0] ?? '';
  return ROLE_ACCOUNTS.has(base.replace(/[._-]/g, ''));
}

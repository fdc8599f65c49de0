/**
 * Where mail for a domain goes (RFC 5321 §5.1): its MX hosts by preference; without MX
 * records, the domain itself when it has an address (the implicit MX); nowhere for a null MX
 * (RFC 7505) or a domain that does not exist. Looked up through the configured resolvers only.
 * The implicit MX takes the addresses of whichever of A and AAAA answered: a resolver failing
 * one family (AAAA SERVFAIL is common) fails the lookup only when the other found nothing.
 */
import type { Resolver } from 'node:dns/promises';
import { createResolver } from '../guard';
import { permanentError, transientError, type TechniqueNetwork } from '../types';

/** A host that receives the domain's mail. */
export interface MailHost {
  readonly exchange: string;
  readonly priority: number;
}

/** The outcome of the lookup. */
export type MailHosts =
  | { readonly kind: 'mx'; readonly hosts: MailHost[] }
  | { readonly kind: 'implicit'; readonly hosts: MailHost[]; readonly addresses: string[] }
  | { readonly kind: 'null_mx' | 'no_domain' | 'no_mail_server'; readonly hosts: [] };

/** One query and its answer (or error code), as the DNS part of the evidence. */
export interface DnsLogEntry {
  readonly query: string;
  readonly answer?: unknown;
  readonly error?: string;
}

const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

/** Runs one query, logging it; resolves undefined for "no such records", throws for failures. */
async function ask<T>(
  log: DnsLogEntry[],
  query: string,
  run: () => Promise<T>,
  signal: AbortSignal,
): Promise<{ value?: T; code?: string }> {
  try {
    const value = await run();
    log.push({ query, answer: value });
    return { value };
  } catch (error) {
    signal.throwIfAborted();
    const code = (error as { code?: string }).code ?? 'EUNKNOWN';
    log.push({ query, error: code });
    if (NO_RECORDS.has(code)) return { code };
    if (code === 'EBADNAME') throw permanentError('invalid_target', `cannot look up ${query}: not a valid DNS name`, error);
    throw transientError(code === 'ETIMEOUT' ? 'dns_timeout' : code === 'ESERVFAIL' ? 'dns_servfail' : 'dns_failed', `DNS ${query} failed (${code})`, error);
  }
}

/** Looks up the mail hosts of `domain`; every query and answer goes to `log`. */
export async function lookupMailHosts(
  domain: string,
  network: TechniqueNetwork,
  signal: AbortSignal,
  log: DnsLogEntry[],
): Promise<MailHosts> {
  const resolver: Resolver = createResolver(network);
  const onAbort = () => resolver.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const mx = await ask(log, `MX ${domain}`, () => resolver.resolveMx(domain), signal);
    if (mx.code === 'ENOTFOUND') return { kind: 'no_domain', hosts: [] };
    if (mx.value && mx.value.length > 0) {
      const hosts = mx.value
        .map((record) => ({ exchange: record.exchange.toLowerCase().replace(/\.$/, ''), priority: record.priority }))
        .sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange));
      // A single MX with the root as exchange: the domain accepts no mail at all.
      if (hosts.length === 1 && (hosts[0] as MailHost).exchange === '') return { kind: 'null_mx', hosts: [] };
      return { kind: 'mx', hosts: hosts.filter((host) => host.exchange !== '') };
    }
    const families = await Promise.allSettled([
      ask(log, `A ${domain}`, () => resolver.resolve4(domain), signal),
      ask(log, `AAAA ${domain}`, () => resolver.resolve6(domain), signal),
    ]);
    signal.throwIfAborted();
    const addresses = families.flatMap((family) => (family.status === 'fulfilled' ? (family.value.value ?? []) : []));
    if (addresses.length === 0) {
      // "No mail server" is a verdict (undeliverable), so it needs both families to say "none".
      const failed = families.find((family) => family.status === 'rejected');
      if (failed) throw failed.reason;
      return { kind: 'no_mail_server', hosts: [] };
    }
    return { kind: 'implicit', hosts: [{ exchange: domain, priority: 0 }], addresses };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

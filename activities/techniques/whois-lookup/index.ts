/**
 * whois_lookup: registration data of a domain (an email's domain) from WHOIS over TCP 43,
 * following referrals (IANA → registry → registrar), and from RDAP where IANA's bootstrap lists
 * the TLD. Each answer is kept byte for byte as evidence; the parsed answers are merged into one
 * record (registry first, then registrar, then RDAP).
 */
import { domainOfTarget, normalizeDomain } from '../../../core/target-values';
import { permanentError, TechniqueError, transientError, type RawEvidence, type Technique, type TechniqueContext, type TechniqueFinding } from '../types';
import { findReferral, isIanaAnswer, isNoMatch, parseWhoisText } from './parser';
import { fetchRdap, rdapBaseUrl, type RdapOutcome } from './rdap';
import { isEmptyRecord, mergeRecords, type RegistrationRecord } from './record';
import { queryFor, registryServerFor } from './servers';
import { exchangeWhois, parseServerSpec, resolveWhoisServer, WHOIS_PORT, type WhoisServerName } from './whois-client';

/** Parameters (core/domain/techniques.ts holds their schema). */
export interface WhoisLookupParams {
  /** Ask the registrar's server the registry refers to (default true). */
  follow_referrals?: boolean;
  /** Query RDAP as well when the TLD has a bootstrap entry (default true; also needs RDAP_ENABLED). */
  rdap?: boolean;
}

/** The lookup's outcome: a registration, none, an answer with nothing readable, or no server. */
export type WhoisResult = 'found' | 'not_found' | 'empty' | 'no_whois_server';

type Role = 'root' | 'registry' | 'registrar';

interface Step {
  readonly server: WhoisServerName;
  readonly role: Role;
  /** Named by another server's answer rather than by config or the committed table. */
  readonly untrusted: boolean;
}

interface Hop {
  readonly server: WhoisServerName;
  readonly role: Role;
  readonly bytes: Buffer;
  readonly truncated: boolean;
  readonly error: TechniqueError | null;
  record?: RegistrationRecord;
}

interface Walk {
  readonly hops: Hop[];
  readonly result: WhoisResult | 'failed';
  /** Why the walk found no record: the root or registry hop failed. */
  readonly failure: TechniqueError | null;
}

/** Network time of the whole lookup: waiting for a politeness slot is not counted. */
class Budget {
  private spent = 0;
  constructor(private readonly totalMs: number) {}
  remaining(): number {
    return this.totalMs - this.spent;
  }
  async measure<T>(work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      this.spent += Date.now() - started;
    }
  }
}

export const whoisLookup: Technique<WhoisLookupParams> = async (target, params, context) => {
  const domain = lookupDomain(target.type, target.value);
  const { network, signal } = context;
  const rdapBase = network.rdapEnabled && params.rdap !== false ? rdapBaseUrl(domain, network.rdapBaseUrl) : null;
  // RDAP runs beside the WHOIS walk, under the same deadline; either may rescue the other.
  const [walked, rdap] = await Promise.allSettled([
    walkChain(domain, params, context, new Budget(network.whoisTimeoutMs)),
    rdapBase ? fetchRdap(rdapBase, domain, network, { timeoutMs: network.whoisTimeoutMs, signal }) : null,
  ]);
  signal.throwIfAborted();
  if (walked.status === 'rejected') throw walked.reason;
  if (rdap.status === 'rejected') throw rdap.reason;
  return buildResult(domain, walked.value, rdap.value);
};

/** The domain to look up, or a permanent failure naming what is wrong with it. */
function lookupDomain(type: 'email' | 'domain', value: string): string {
  const raw = domainOfTarget(type, value);
  const normalized = normalizeDomain(raw);
  if (!normalized.ok) throw permanentError('invalid_target', `"${raw}" cannot be looked up in WHOIS: it ${normalized.reason}`);
  return normalized.value;
}

/** Asks the table's registry server (or IANA), then the servers each answer refers to. */
async function walkChain(domain: string, params: WhoisLookupParams, context: TechniqueContext, budget: Budget): Promise<Walk> {
  const { network, signal } = context;
  const fromTable = registryServerFor(domain);
  let next: Step | null = fromTable
    ? { server: parseServerSpec(fromTable), role: 'registry', untrusted: false }
    : { server: parseServerSpec(network.whoisServer), role: 'root', untrusted: false };
  const hops: Hop[] = [];
  const visited = new Set<string>();
  let result: WhoisResult = 'no_whois_server';
  while (next) {
    const step: Step = next;
    next = null;
    const key = `${step.server.host}:${step.server.port}`;
    if (visited.has(key)) break;
    visited.add(key);
    await untilAborted(context.waitForDomainSlot('whois', domain), signal);
    context.heartbeat({ technique: 'whois_lookup', hop: hops.length + 1, role: step.role, server: step.server.host });
    const hop = await askServer(step, domain, context, budget);
    hops.push(hop);
    if (hop.error) {
      // The registrar only adds detail to the registry's record; without the registry's there is nothing.
      if (step.role === 'registrar') break;
      return { hops, result: 'failed', failure: hop.error };
    }
    const text = decode(hop.bytes);
    let role = step.role;
    if (role === 'root') {
      const referral = findReferral(text, 'root');
      if (referral) {
        next = { server: { host: referral.host, port: referral.port ?? WHOIS_PORT }, role: 'registry', untrusted: true };
        continue;
      }
      if (isIanaAnswer(text)) break;
      role = 'registry'; // a configured server that answers for the domain itself
    }
    if (role === 'registry') {
      if (isNoMatch(text)) {
        result = 'not_found';
        break;
      }
      hop.record = parseWhoisText(text);
      result = isEmptyRecord(hop.record) ? 'empty' : 'found';
      const referral = result === 'found' && params.follow_referrals !== false ? findReferral(text, 'registry') : null;
      if (referral) next = { server: { host: referral.host, port: referral.port ?? WHOIS_PORT }, role: 'registrar', untrusted: true };
    } else if (!isNoMatch(text)) {
      hop.record = parseWhoisText(text);
    }
  }
  return { hops, result, failure: null };
}

/** One hop: resolve, ask, read. Failures come back in the hop; only an abort rejects. */
async function askServer(step: Step, domain: string, context: TechniqueContext, budget: Budget): Promise<Hop> {
  const hop = (bytes: Buffer, truncated: boolean, error: TechniqueError | null): Hop => ({ server: step.server, role: step.role, bytes, truncated, error });
  if (budget.remaining() <= 0) {
    return hop(Buffer.alloc(0), false, transientError('whois_timeout', `no time left to ask ${step.server.host}`));
  }
  const deadline = Date.now() + budget.remaining();
  try {
    return await budget.measure(async () => {
      const target = await resolveWhoisServer(step.server, context.network, { untrusted: step.untrusted, signal: context.signal });
      const exchange = await exchangeWhois(target, queryFor(step.server.host, domain), { timeoutMs: deadline - Date.now(), signal: context.signal });
      return hop(exchange.bytes, exchange.truncated, exchange.error);
    });
  } catch (error) {
    if (error instanceof TechniqueError) return hop(Buffer.alloc(0), false, error);
    throw error;
  }
}

function buildResult(domain: string, walk: Walk, rdap: RdapOutcome | null) {
  const rdapFound = rdap?.status === 'found';
  if (walk.failure && !rdapFound && rdap?.status !== 'not_found') throw walk.failure;
  // WHOIS had nothing to say, so RDAP was the only source: its passing failure is the job's,
  // or a retry that could find the registration would be skipped. An RDAP 404 is an answer.
  if ((walk.result === 'no_whois_server' || walk.result === 'empty') && rdap?.status === 'error' && rdap.error.failureClass === 'transient') {
    const whois = walk.result === 'empty' ? 'WHOIS gave no readable record' : 'no WHOIS server answers';
    throw transientError(rdap.error.code, `${whois} for ${domain}, and RDAP failed: ${rdap.error.message}`, rdap.error);
  }

  const evidence: RawEvidence[] = walk.hops.map((hop, index) => ({
    name: `whois-${index + 1}-${safeName(hop.server.host)}${hop.error || hop.truncated ? '.partial' : ''}.txt`,
    contentType: 'text/plain',
    body: hop.bytes,
  }));
  if (rdap) evidence.push({ name: `rdap-${safeName(new URL(rdap.url).host)}.json`, contentType: 'application/rdap+json', body: rdap.body });

  const whoisRecords = walk.hops.flatMap((hop) => hop.record ?? []);
  const record: RegistrationRecord = { ...mergeRecords([...whoisRecords, ...(rdapFound ? [rdap.record] : [])]), domain };
  // Past the throw above, a failed walk always has an RDAP answer to stand on.
  const result: WhoisResult =
    walk.result === 'found' || rdapFound
      ? 'found'
      : walk.result === 'not_found' || walk.result === 'failed' || rdap?.status === 'not_found'
        ? 'not_found'
        : walk.result;
  const errors = [
    ...walk.hops.flatMap((hop) => (hop.error ? [{ source: hop.server.host, code: hop.error.code, message: hop.error.message }] : [])),
    ...(rdap?.status === 'error' ? [{ source: rdap.url, code: rdap.error.code, message: rdap.error.message }] : []),
  ];
  const sources = [...(whoisRecords.length > 0 ? ['whois'] : []), ...(rdapFound ? ['rdap'] : [])];
  const data = { ...record, sources, whois_servers: walk.hops.map((hop) => hop.server.host), errors };

  const findings: TechniqueFinding[] = [];
  if (result === 'found' && !isEmptyRecord(record)) {
    findings.push({
      finding_type: 'whois_record',
      subject: domain,
      data,
      stable_data: { registrar: record.registrar, created: record.created, name_servers: [...record.name_servers].sort() },
    });
    for (const nameServer of record.name_servers) {
      findings.push({ finding_type: 'name_server', subject: domain, data: { domain, name_server: nameServer, source: 'whois' }, stable_data: { name_server: nameServer } });
    }
  }
  return {
    evidence,
    findings,
    summary: {
      result,
      registrar: record.registrar,
      name_servers: record.name_servers.length,
      whois_hops: walk.hops.length,
      rdap: rdap?.status ?? 'skipped',
      errors: errors.length,
    },
  };
}

/** WHOIS declares no charset; most answers are ASCII or UTF-8, and anything else parses as noise. */
function decode(bytes: Buffer): string {
  return bytes.toString('utf8');
}

function safeName(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9.-]+/g, '_');
}

/** Waits for `promise`, or rejects with the signal's reason as soon as it is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

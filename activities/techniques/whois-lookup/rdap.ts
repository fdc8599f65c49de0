/**
 * RDAP (RFC 9082/9083): the registry's JSON answer for a domain, found through IANA's bootstrap
 * (RFC 9224, committed as dns.json, see README.md). Host names are resolved through the
 * configured resolvers, never the system's, and the connection goes to the address they gave;
 * tests replace every server by `rdapBaseUrl`.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { TechniqueError, transientError, type TechniqueNetwork } from '../types';
import bootstrap from './dns.json';
import { emptyRecord, normalizeDate, normalizeHostName, sortedHosts, type RegistrationRecord } from './record';
import { resolveHost } from './whois-client';

/** RDAP answers past this size are refused. */
const MAX_RDAP_BYTES = 2 * 1024 * 1024;

/** When the committed bootstrap was published by IANA. */
export const RDAP_BOOTSTRAP_PUBLICATION: string = bootstrap.publication;

const SERVICES = new Map<string, string[]>();
for (const [labels, urls] of bootstrap.services as unknown as [string[], string[]][]) {
  for (const label of labels) SERVICES.set(label.toLowerCase(), urls);
}

/**
 * The RDAP base URL for `domain`: the longest bootstrap entry that is a suffix of it (RFC 9224
 * §4), preferring HTTPS; `override` replaces it when an entry exists. Null when none exists.
 */
export function rdapBaseUrl(domain: string, override?: string): string | null {
  const labels = domain.toLowerCase().split('.');
  for (let start = 0; start < labels.length; start += 1) {
    const urls = SERVICES.get(labels.slice(start).join('.'));
    if (!urls) continue;
    const chosen = override || urls.find((url) => url.startsWith('https://')) || urls[0];
    return chosen ? (chosen.endsWith('/') ? chosen : `${chosen}/`) : null;
  }
  return null;
}

/** What one RDAP query produced. */
export type RdapOutcome =
  | { readonly status: 'found'; readonly url: string; readonly body: Buffer; readonly record: RegistrationRecord }
  | { readonly status: 'not_found'; readonly url: string; readonly body: Buffer }
  | { readonly status: 'error'; readonly url: string; readonly body: Buffer; readonly error: TechniqueError };

/** GETs `{base}domain/{domain}` within `timeoutMs`; rejects only on abort. */
export async function fetchRdap(
  base: string,
  domain: string,
  network: TechniqueNetwork,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<RdapOutcome> {
  const url = `${base}domain/${encodeURIComponent(domain)}`;
  const started = Date.now();
  let address: string;
  try {
    address = await addressOf(new URL(url).hostname, network, options.signal);
  } catch (error) {
    if (error instanceof TechniqueError) return { status: 'error', url, body: Buffer.alloc(0), error };
    throw error;
  }
  const response = await get(url, address, { timeoutMs: options.timeoutMs - (Date.now() - started), signal: options.signal });
  if ('error' in response) return { status: 'error', url, body: response.body, error: response.error };
  const { statusCode, body } = response;
  if (statusCode === 404) return { status: 'not_found', url, body };
  if (statusCode !== 200) {
    const code = statusCode === 429 || statusCode >= 500 ? 'rdap_unavailable' : 'rdap_refused';
    return { status: 'error', url, body, error: transientError(code, `RDAP server answered HTTP ${statusCode} for ${url}`) };
  }
  try {
    return { status: 'found', url, body, record: parseRdapDomain(JSON.parse(body.toString('utf8'))) };
  } catch (error) {
    return { status: 'error', url, body, error: transientError('rdap_malformed', `RDAP answer from ${url} is not JSON`, error) };
  }
}

type Response = { statusCode: number; body: Buffer } | { error: TechniqueError; body: Buffer };

async function addressOf(hostname: string, network: TechniqueNetwork, signal: AbortSignal): Promise<string> {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) ? bare : (await resolveHost(bare, network, signal))[0]!;
}

/**
 * GETs `url` from `address`: the connection goes to the address resolved through the configured
 * servers, while the Host header, SNI and certificate check use the URL's name.
 */
function get(url: string, address: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<Response> {
  options.signal.throwIfAborted();
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const name = target.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: Response | { abort: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      request.destroy();
      if ('abort' in outcome) reject(outcome.abort);
      else resolve(outcome);
    };
    const fail = (code: string, message: string, cause?: unknown) =>
      settle({ error: transientError(code, message, cause), body: Buffer.concat(chunks, size) });
    const request = client.get({
      host: address,
      port: target.port || undefined,
      path: `${target.pathname}${target.search}`,
      headers: { Host: target.host, Accept: 'application/rdap+json, application/json' },
      ...(client === https && !isIP(name) ? { servername: name } : {}),
      agent: false,
    });
    const onAbort = () => settle({ abort: options.signal.reason });
    const timer = setTimeout(() => fail('rdap_timeout', `RDAP server did not answer ${url} in time`), Math.max(0, options.timeoutMs));
    options.signal.addEventListener('abort', onAbort, { once: true });
    request.once('error', (error: NodeJS.ErrnoException) => fail('rdap_connection_failed', `RDAP ${url}: ${error.code ?? error.message}`, error));
    request.once('response', (response) => {
      response.on('data', (chunk: Buffer) => {
        if (size + chunk.length > MAX_RDAP_BYTES) return fail('rdap_too_large', `RDAP answer from ${url} exceeds ${MAX_RDAP_BYTES} bytes`);
        size += chunk.length;
        chunks.push(chunk);
      });
      response.once('end', () => settle({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks, size) }));
      response.once('error', (error) => fail('rdap_connection_lost', `RDAP ${url}: ${error.message}`, error));
    });
  });
}

interface RdapEntity {
  roles?: string[];
  vcardArray?: [string, [string, Record<string, unknown>, string, unknown][]];
  publicIds?: { type?: string; identifier?: string }[];
  entities?: RdapEntity[];
}

interface RdapDomain {
  ldhName?: string;
  events?: { eventAction?: string; eventDate?: string }[];
  entities?: RdapEntity[];
  nameservers?: { ldhName?: string }[];
  status?: string[];
  secureDNS?: { delegationSigned?: boolean };
}

const REDACTED = /^(redacted|redacted for privacy|data protected|not disclosed)\b/i;

/** Maps an RDAP domain object onto the record (RFC 9083 §5.3, statuses per RFC 8056). */
export function parseRdapDomain(json: unknown): RegistrationRecord {
  const domain = (json && typeof json === 'object' ? json : {}) as RdapDomain;
  const record = emptyRecord();
  record.domain = normalizeHostName(domain.ldhName ?? '');
  const event = (action: string) => {
    const date = list(domain.events).find((item) => item?.eventAction === action)?.eventDate;
    return typeof date === 'string' ? normalizeDate(date) : null;
  };
  record.created = event('registration');
  record.updated = event('last changed');
  record.expires = event('expiration');
  const entities = flattenEntities(domain.entities);
  const registrar = entities.find((entity) => list(entity.roles).includes('registrar'));
  if (registrar) {
    record.registrar = vcardText(registrar, 'fn');
    const id = list(registrar.publicIds).find((item) => item?.type === 'IANA Registrar ID')?.identifier;
    record.registrar_iana_id = typeof id === 'string' ? id : null;
  }
  const registrant = entities.find((entity) => list(entity.roles).includes('registrant'));
  if (registrant) {
    record.registrant_organization = vcardText(registrant, 'org');
    record.registrant_country = vcardCountry(registrant);
  }
  record.name_servers = sortedHosts(list(domain.nameservers).flatMap((server) => normalizeHostName(String(server?.ldhName ?? '')) ?? []));
  record.statuses = [...new Set(list(domain.status).filter((status) => typeof status === 'string').map(eppStatus))];
  const signed = domain.secureDNS?.delegationSigned;
  record.dnssec = typeof signed === 'boolean' ? (signed ? 'signed' : 'unsigned') : null;
  return record;
}

/** The value when it is an array, else none: RDAP servers are not all careful with shapes. */
function list<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

function flattenEntities(entities: RdapEntity[] | undefined, depth = 0): RdapEntity[] {
  if (depth > 4) return [];
  return list(entities).flatMap((entity) => (entity && typeof entity === 'object' ? [entity, ...flattenEntities(entity.entities, depth + 1)] : []));
}

function vcardProperties(entity: RdapEntity): [string, Record<string, unknown>, string, unknown][] {
  return list(list(entity.vcardArray as unknown as unknown[])[1] as [string, Record<string, unknown>, string, unknown][]).filter(Array.isArray);
}

function vcardText(entity: RdapEntity, property: string): string | null {
  const entry = vcardProperties(entity).find((item) => item[0] === property);
  const value = Array.isArray(entry?.[3]) ? entry[3].join(' ') : entry?.[3];
  return typeof value === 'string' && value.trim() !== '' && !REDACTED.test(value.trim()) ? value.trim() : null;
}

function vcardCountry(entity: RdapEntity): string | null {
  const adr = vcardProperties(entity).find((item) => item[0] === 'adr');
  const code = adr?.[1]?.cc;
  if (typeof code === 'string' && /^[A-Za-z]{2}$/.test(code)) return code.toUpperCase();
  return null;
}

/** "client transfer prohibited" → "clientTransferProhibited"; "active" is EPP's "ok". */
function eppStatus(status: string): string {
  const words = status.trim().toLowerCase().split(/\s+/);
  if (words.length === 1 && words[0] === 'active') return 'ok';
  return words.map((word, index) => (index === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1))).join('');
}

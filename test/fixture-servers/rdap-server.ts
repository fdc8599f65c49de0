/**
 * RDAP fixture (RFC 9082/9083) on loopback over plain HTTP: answers `GET …/domain/{name}` with
 * the JSON it was given, 404 in RDAP's error shape for unknown names, or misbehaves as scripted.
 * Clients reach it through the RDAP base-URL override (RDAP_BASE_URL).
 */
import http from 'node:http';
import { listenTracked } from './listen';

/** How the server departs from the protocol; undefined answers normally. */
export type RdapMisbehaviour =
  | 'silent' // reads the request, never answers
  | 'garbage' // 200 with a body that is not JSON
  | 'unavailable'; // 503

/** Answers, misbehaviour and where to listen. */
export interface RdapServerOptions {
  /** RDAP domain objects keyed by domain name (matched without regard to case). */
  domains?: Record<string, unknown>;
  misbehaviour?: RdapMisbehaviour;
  host?: string;
  port?: number;
}

/** A running RDAP fixture. */
export interface RdapServer {
  host: string;
  port: number;
  /** "http://127.0.0.1:PORT/", ready for RDAP_BASE_URL. */
  baseUrl: string;
  /** Request paths received, in order. */
  requests: string[];
  /** Live answer map; add entries after start. */
  domains: Map<string, unknown>;
  close(): Promise<void>;
}

const RDAP_JSON = 'application/rdap+json';

/** Starts the fixture on 127.0.0.1 (port 0 picks a free one). */
export async function startRdapServer(options: RdapServerOptions = {}): Promise<RdapServer> {
  const host = options.host ?? '127.0.0.1';
  const domains = new Map(Object.entries(options.domains ?? {}).map(([name, body]) => [name.toLowerCase(), body]));
  const requests: string[] = [];

  const server = http.createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': RDAP_JSON });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (options.misbehaviour === 'silent') return;
    if (options.misbehaviour === 'garbage') return send(200, '<html>\u0000\u00ff not json');
    if (options.misbehaviour === 'unavailable') return send(503, rdapError(503, 'Service Unavailable'));
    const name = /\/domain\/([^/?#]+)$/.exec(path)?.[1];
    if (request.method !== 'GET' || !name) return send(400, rdapError(400, 'Bad Request'));
    const body = domains.get(decodeURIComponent(name).toLowerCase());
    return body === undefined ? send(404, rdapError(404, 'Not Found')) : send(200, body);
  });
  const { port, close } = await listenTracked(server, host, options.port);
  return { host, port, baseUrl: `http://${host}:${port}/`, requests, domains, close };
}

function rdapError(errorCode: number, title: string) {
  return { rdapConformance: ['rdap_level_0'], errorCode, title };
}

/** What `rdapDomain` puts in a domain object. */
export interface RdapDomainFields {
  name: string;
  registrar?: { name: string; ianaId?: string };
  registrantOrganization?: string;
  registrantCountry?: string;
  created?: string;
  updated?: string;
  expires?: string;
  nameServers?: string[];
  status?: string[];
  delegationSigned?: boolean;
}

/** A domain object shaped like a gTLD registry's (RFC 9083 §5.3, jCard entities). */
export function rdapDomain(fields: RdapDomainFields): Record<string, unknown> {
  const events = [
    ['registration', fields.created],
    ['last changed', fields.updated],
    ['expiration', fields.expires],
  ].flatMap(([eventAction, eventDate]) => (eventDate ? [{ eventAction, eventDate }] : []));
  const entities: unknown[] = [];
  if (fields.registrar) {
    entities.push({
      objectClassName: 'entity',
      handle: fields.registrar.ianaId ?? 'registrar',
      roles: ['registrar'],
      publicIds: fields.registrar.ianaId ? [{ type: 'IANA Registrar ID', identifier: fields.registrar.ianaId }] : [],
      vcardArray: ['vcard', [['version', {}, 'text', '4.0'], ['fn', {}, 'text', fields.registrar.name]]],
    });
  }
  if (fields.registrantOrganization || fields.registrantCountry) {
    const card: unknown[] = [['version', {}, 'text', '4.0'], ['fn', {}, 'text', 'REDACTED FOR PRIVACY']];
    if (fields.registrantOrganization) card.push(['org', {}, 'text', fields.registrantOrganization]);
    if (fields.registrantCountry) card.push(['adr', { cc: fields.registrantCountry }, 'text', ['', '', '', '', '', '', '']]);
    entities.push({ objectClassName: 'entity', roles: ['registrant'], vcardArray: ['vcard', card] });
  }
  return {
    objectClassName: 'domain',
    rdapConformance: ['rdap_level_0', 'icann_rdap_response_profile_0', 'icann_rdap_technical_implementation_guide_0'],
    handle: `${fields.name.toUpperCase().replace(/\./g, '_')}-FIXTURE`,
    ldhName: fields.name.toUpperCase(),
    status: fields.status ?? ['active'],
    events,
    entities,
    nameservers: (fields.nameServers ?? []).map((ldhName) => ({ objectClassName: 'nameserver', ldhName: ldhName.toUpperCase() })),
    secureDNS: { delegationSigned: fields.delegationSigned ?? false },
    notices: [{ title: 'Terms of Use', description: ['Fixture data for tests only.'] }],
  };
}

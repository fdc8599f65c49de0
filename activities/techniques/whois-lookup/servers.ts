/**
 * Where the WHOIS chain starts, and how each server wants to be asked. The committed TLD table
 * (whois-servers.json, see README.md) names the registry's server directly, so the IANA hop is
 * only needed for TLDs it lacks.
 */
import table from './whois-servers.json';

const SERVERS: Readonly<Record<string, string>> = table.servers;

/** When the committed TLD table was collected. */
export const WHOIS_TABLE_RETRIEVED: string = table.retrieved;

/** The registry's WHOIS server for the domain's TLD from the committed table, if listed. */
export function registryServerFor(domain: string): string | undefined {
  const tld = domain.slice(domain.lastIndexOf('.') + 1).toLowerCase();
  return Object.hasOwn(SERVERS, tld) ? SERVERS[tld] : undefined;
}

/**
 * Query lines per server, where the plain domain gives the wrong answer: Verisign matches host
 * objects of the same name too unless asked for the domain, DENIC answers a stub without
 * "-T dn,ace", JPRS answers in Japanese without "/e". Keyed by the server's name as referred to.
 */
const QUERY_FORMATS: Readonly<Record<string, (domain: string) => string>> = {
  'whois.verisign-grs.com': (domain) => `domain ${domain}`,
  'whois.denic.de': (domain) => `-T dn,ace ${domain}`,
  'whois.jprs.jp': (domain) => `${domain}/e`,
};

/** The query line to send to `server` for `domain`. */
export function queryFor(server: string, domain: string): string {
  return QUERY_FORMATS[server.toLowerCase()]?.(domain) ?? domain;
}

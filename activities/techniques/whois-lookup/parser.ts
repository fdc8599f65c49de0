/**
 * WHOIS answer parsing. WHOIS has no schema: registries print "Key: value" lines (ICANN's
 * format for gTLDs, DENIC, AFNIC, KISA), indented sections under a "Key:" heading (Nominet) or
 * "[Key]   value" lines without a colon (JPRS). All are read into key → values pairs, then known
 * keys are mapped to the record's fields.
 */
import { emptyRecord, normalizeDate, normalizeHostName, sortedHosts, type DnssecState, type RegistrationRecord } from './record';

type Field = keyof RegistrationRecord;

/** Keys per field, most authoritative first (a registry expiry beats a registrar's). */
const FIELD_KEYS: Record<Field, readonly string[]> = {
  domain: ['domain name', 'domain', 'domain_name'],
  registrar: ['registrar', 'sponsoring registrar', 'registrar name', 'registrar organization', 'authorized agency'],
  registrar_iana_id: ['registrar iana id', 'sponsoring registrar iana id'],
  registrant_organization: ['registrant organization', 'registrant organisation', 'registrant'],
  registrant_country: ['registrant country', 'registrant country code'],
  created: ['creation date', 'created', 'created on', 'created date', 'registered on', 'registration date', 'registration time', 'registered', 'registered date'],
  updated: [
    'updated date',
    'last updated',
    'last updated on',
    'last updated date',
    'last update',
    'last modified',
    'last-update',
    'changed',
    'modified',
    'updated',
  ],
  expires: [
    'registry expiry date',
    'registry expiration date',
    'expiry date',
    'expiration date',
    'registrar registration expiration date',
    'expires',
    'expires on',
    'expire date',
    'paid-till',
    'expiration time',
  ],
  name_servers: ['name server', 'name servers', 'nameserver', 'nameservers', 'nserver', 'name servers information', 'host name'],
  statuses: ['domain status', 'status', 'registration status', 'state'],
  dnssec: ['dnssec', 'dnskey'],
};

/** Values that stand for withheld data, not for a name. */
const REDACTED = /^(redacted|redacted for privacy|not disclosed|data protected|non-public data|gdpr masked|statutory masking enabled|please query the rdds service|select request email form|n\/a|none)\b/i;

/** Lines that say the registry has no such domain, per registry style. */
const NO_MATCH = [
  /^\s*no match for\b/im, // Verisign, PIR, Nominet, many registrars
  /^\s*(%+\s*)?not found\b/im, // many ccTLDs, AFNIC ("%% NOT FOUND")
  /^\s*no data found\b/im,
  /^\s*(%+\s*)?no entries found\b/im, // RIPE-style registries
  /^\s*domain not found\b/im,
  /^\s*no matching record\b/im,
  /^\s*the queried object does not exist\b/im,
  /^\s*this domain name has not been registered\b/im,
  /^\s*status:\s*(free|available)\s*$/im, // DENIC, SWITCH
  /^\s*no match!!\s*$/im, // JPRS
];

/** Key → values, keys lowercased, in the order they appear. */
export type WhoisPairs = Map<string, string[]>;

// A key is words, never a host name: "ns1.example.net 2001:db8::1" is not "ns1.example.net 2001".
const PAIR = /^\s*([A-Za-z][A-Za-z0-9 /'()_-]{0,60}?)\s*:(?:\s+(.*?))?\s*$/;

// JPRS: "[Created on]   2001/02/03", lettered in .co.jp answers ("p. [Name Server]  ns1…").
// The key starts with a letter, so its banner ("[ JPRS database provides … ]") is no key.
const BRACKET_PAIR = /^\s*(?:[a-z]\.\s*)?\[([A-Za-z][A-Za-z0-9 /'()_.-]{0,60}?)\]\s*(.*?)\s*$/;

/** JPRS keys that mean a colon-form key under another name. */
const BRACKET_ALIASES: Readonly<Record<string, string>> = {
  organization: 'registrant organization', // .co.jp's registrant
  'signing key': 'dnskey', // a DS record, printed only for a signed delegation
};

// A .co.jp state carries the end of the paid period: "Connected (2026/03/31)".
const STATE_UNTIL = /^(\S.*?)\s+\((\d{4}\/\d{1,2}\/\d{1,2})\)$/;

/**
 * Reads "Key: value" lines, "[Key] value" lines and sections ("Key:" alone, then indented values
 * until a blank line or a line indented no deeper than the heading). A section's "Sub key: value"
 * lines count as pairs of their own.
 */
export function readPairs(text: string): WhoisPairs {
  const pairs: WhoisPairs = new Map();
  const add = (key: string, value: string) => {
    const clean = value.trim();
    if (clean === '') return;
    const normalized = normalizeKey(key);
    pairs.set(normalized, [...(pairs.get(normalized) ?? []), clean]);
  };
  let section: { key: string; indent: number } | null = null;
  for (const rawLine of text.replace(/\0/g, '').split(/\r?\n/)) {
    const line = rawLine.replace(/\s+$/, '');
    if (line.trim() === '' || /^\s*[%#]/.test(line) || /^\s*>>>/.test(line)) {
      section = null;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (section && indent <= section.indent) section = null;
    const bracketed = BRACKET_PAIR.exec(line);
    if (bracketed) {
      section = null;
      addBracketed(add, bracketed[1]!, bracketed[2]!);
      continue;
    }
    const pair = PAIR.exec(line);
    if (pair && pair[2] === undefined) {
      section = { key: pair[1]!, indent };
      continue;
    }
    if (pair) add(pair[1]!, pair[2]!);
    else if (section) add(section.key, line);
  }
  return pairs;
}

function addBracketed(add: (key: string, value: string) => void, rawKey: string, value: string): void {
  const key = normalizeKey(rawKey);
  const until = key === 'state' ? STATE_UNTIL.exec(value) : null;
  if (until) {
    add('state', until[1]!);
    add('expires on', until[2]!);
    return;
  }
  add(BRACKET_ALIASES[key] ?? key, value);
}

/** A WHOIS key as the pairs map holds it: trimmed, lower case, inner whitespace one space. */
function normalizeKey(key: string): string {
  return key.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Parses one WHOIS answer into a record; fields the text does not carry stay empty. */
export function parseWhoisText(text: string): RegistrationRecord {
  const pairs = readPairs(text);
  const first = (field: Field): string[] => {
    for (const key of FIELD_KEYS[field]) {
      const values = pairs.get(key)?.filter((value) => !REDACTED.test(value));
      if (values && values.length > 0) return values;
    }
    return [];
  };
  const one = (field: Field) => first(field)[0] ?? null;
  const date = (field: Field) => {
    for (const value of first(field)) {
      const normalized = normalizeDate(value);
      if (normalized) return normalized;
    }
    return null;
  };
  const record = emptyRecord();
  record.domain = normalizeHostName(one('domain') ?? '') ?? null;
  // Nominet appends the registrar's tag ("Example Names Ltd [Tag = EXAMPLENAMES]"), KISA its
  // web site ("Example Agency Co., Ltd.(http://www.agency.example)").
  record.registrar =
    one('registrar')
      ?.replace(/\s*\[Tag = [^\]]*\]\s*$/i, '')
      .replace(/\s*\(https?:\/\/[^)\s]*\)$/i, '') || null;
  record.registrar_iana_id = one('registrar_iana_id');
  record.registrant_organization = one('registrant_organization');
  record.registrant_country = one('registrant_country')?.toUpperCase() ?? null;
  record.created = date('created');
  record.updated = date('updated');
  record.expires = date('expires');
  record.name_servers = sortedHosts(first('name_servers').flatMap((value) => normalizeHostName(value) ?? []));
  record.statuses = [...new Set(first('statuses').flatMap(readStatus))];
  record.dnssec = readDnssec(pairs);
  return record;
}

/** "clientTransferProhibited https://icann.org/epp#…" → the code; a sentence stays a sentence. */
function readStatus(value: string): string[] {
  const withoutLink = value.replace(/\(?https?:\/\/\S+\)?/g, '').trim();
  if (/^[A-Za-z]+$/.test(withoutLink)) return [withoutLink];
  if (/^[A-Za-z]+(,\s*[A-Za-z]+)+$/.test(withoutLink)) return withoutLink.split(/,\s*/);
  const sentence = withoutLink.replace(/\.$/, '');
  return sentence ? [sentence] : [];
}

function readDnssec(pairs: WhoisPairs): DnssecState | null {
  // KISA answers twice, in Korean first; the first value in words this reads wins.
  for (const raw of pairs.get('dnssec') ?? []) {
    const value = raw.toLowerCase();
    if (/unsigned|^no\b|inactive|not signed/.test(value)) return 'unsigned';
    if (/signed|^yes\b|active/.test(value)) return 'signed';
  }
  // DENIC prints the delegation's keys instead of a flag.
  if ((pairs.get('dnskey') ?? []).length > 0) return 'signed';
  return null;
}

/** True when the answer says the domain is not registered. */
export function isNoMatch(text: string): boolean {
  if (!NO_MATCH.some((pattern) => pattern.test(text))) return false;
  // A disclaimer may quote such a phrase; a real record has a registrar or a creation date.
  const record = parseWhoisText(text);
  return record.registrar === null && record.created === null;
}

/** True when the answer is IANA's (its TLD object, not a registration record). */
export function isIanaAnswer(text: string): boolean {
  return /^%\s*IANA WHOIS server/im.test(text) || /^source:\s*IANA\s*$/im.test(text);
}

/** A WHOIS server named in an answer: host (lowercase) and port when one is given. */
export interface WhoisReferral {
  readonly host: string;
  readonly port: number | undefined;
}

const REFERRAL_KEYS = {
  /** IANA names the TLD's server with "refer:" (domain queries) or "whois:" (TLD objects). */
  root: ['refer', 'whois'],
  /** Thin registries name the registrar's server; ARIN style uses "ReferralServer". */
  registry: ['registrar whois server', 'referralserver', 'whois server'],
} as const;

/**
 * The next server an answer refers to, or null. Values such as "http://whois.example" (a web
 * page, not a WHOIS server) or free text are ignored; "whois://host:port" keeps its port.
 */
export function findReferral(text: string, from: keyof typeof REFERRAL_KEYS): WhoisReferral | null {
  const pairs = readPairs(text);
  for (const key of REFERRAL_KEYS[from]) {
    for (const value of pairs.get(key) ?? []) {
      const referral = parseReferral(value);
      if (referral) return referral;
    }
  }
  return null;
}

function parseReferral(value: string): WhoisReferral | null {
  // Registries write "whois.example", "whois://whois.example:4321" and, wrongly but often,
  // "http://whois.example"; a URL with a path is a web page, not a WHOIS server.
  const text = value.trim().split(/\s+/)[0]!.replace(/^(r?whois|https?):\/\//i, '').replace(/\/+$/, '');
  const match = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match) return null;
  const host = match[1]!.toLowerCase().replace(/\.$/, '');
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return null;
  const isAddress = /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
  return isAddress || normalizeHostName(host) ? { host, port } : null;
}

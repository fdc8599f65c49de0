/**
 * The normalized registration record every source (registry WHOIS, registrar WHOIS, RDAP) is
 * parsed into, and how records from several sources are merged.
 */

/** DNSSEC state of the delegation, when a source says. */
export type DnssecState = 'signed' | 'unsigned';

/** Registration data, normalized: lowercase names, ISO 8601 UTC dates, sorted name servers. */
export interface RegistrationRecord {
  domain: string | null;
  registrar: string | null;
  registrar_iana_id: string | null;
  /** Only when published; redacted values ("REDACTED FOR PRIVACY") are left out. */
  registrant_organization: string | null;
  registrant_country: string | null;
  created: string | null;
  updated: string | null;
  expires: string | null;
  name_servers: string[];
  /** EPP status codes where the source uses them ("clientTransferProhibited"), else its wording. */
  statuses: string[];
  dnssec: DnssecState | null;
}

const SCALARS = [
  'domain',
  'registrar',
  'registrar_iana_id',
  'registrant_organization',
  'registrant_country',
  'created',
  'updated',
  'expires',
  'dnssec',
] as const;

/** A record with nothing in it. */
export function emptyRecord(): RegistrationRecord {
  return {
    domain: null,
    registrar: null,
    registrar_iana_id: null,
    registrant_organization: null,
    registrant_country: null,
    created: null,
    updated: null,
    expires: null,
    name_servers: [],
    statuses: [],
    dnssec: null,
  };
}

/** True when no field was filled (garbage, an empty answer, a bare disclaimer). */
export function isEmptyRecord(record: RegistrationRecord): boolean {
  return SCALARS.every((key) => record[key] === null) && record.name_servers.length === 0 && record.statuses.length === 0;
}

/**
 * Merges records in order of authority: a field comes from the first record that has it
 * (registry before registrar before RDAP); statuses are united; name servers come whole from
 * the first record that lists any, since mixing two sources' lists would invent a delegation.
 */
export function mergeRecords(records: readonly RegistrationRecord[]): RegistrationRecord {
  const merged = emptyRecord();
  for (const record of records) {
    for (const key of SCALARS) {
      if (merged[key] === null && record[key] !== null) (merged as unknown as Record<string, unknown>)[key] = record[key];
    }
    if (merged.name_servers.length === 0) merged.name_servers = [...record.name_servers];
    const known = new Set(merged.statuses.map((status) => status.toLowerCase()));
    for (const status of record.statuses) {
      if (!known.has(status.toLowerCase())) {
        known.add(status.toLowerCase());
        merged.statuses.push(status);
      }
    }
  }
  return merged;
}

/** A name server as a bare lowercase host name, or null when the text is not one. */
export function normalizeHostName(value: string): string | null {
  const host = value.trim().split(/\s+/)[0]?.toLowerCase().replace(/\.$/, '') ?? '';
  return /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}$/.test(host) ? host : null;
}

/** Sorted, de-duplicated host names. */
export function sortedHosts(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

/**
 * A WHOIS or RDAP date as ISO 8601 in UTC ("2001-02-03T04:05:06Z"), or null when unreadable.
 * Reads ISO forms with or without time and offset ("+0000", "+01:00", "UTC"), Nominet's
 * "04-Jun-2001", and the dotted and slashed year-first forms of .kr or .jp, including JPRS's
 * "2025/03/01 01:05:03 (JST)"; a date without a time or zone is UTC (midnight when no time).
 */
export function normalizeDate(value: string): string | null {
  const text = value.trim().replace(/\s*\((UTC|GMT|JST)\)$/i, ' $1');
  let match = /^(\d{4})[-./]\s?(\d{1,2})[-./]\s?(\d{1,2})\.?(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|UTC|GMT|JST|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (match) {
    const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0', zone = 'Z'] = match;
    return build(+year!, +month!, +day!, +hour, +minute, +second, Math.round(Number(`0.${fraction}`) * 1000), zone);
  }
  match = /^(\d{1,2})[- ]([A-Za-z]{3})[A-Za-z]*[- ](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (match) {
    const [, day, monthName, year, hour = '0', minute = '0', second = '0'] = match;
    const month = MONTHS[monthName!.toLowerCase()];
    return month ? build(+year!, month, +day!, +hour, +minute, +second, 0, 'Z') : null;
  }
  return null;
}

/** Named zones registries print, in minutes east of UTC (Z, UTC and GMT are 0). */
const ZONE_OFFSETS: Readonly<Record<string, number>> = { JST: 9 * 60 };

function build(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number, zone: string): string | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let offsetMinutes = ZONE_OFFSETS[zone.toUpperCase()] ?? 0;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (offset) offsetMinutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
  const time = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  // Date.UTC rolls 31 June over into July; such a date is not one the registry meant.
  if (Number.isNaN(time) || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
  return new Date(time).toISOString().replace('.000Z', 'Z');
}

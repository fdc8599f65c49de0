/**
 * Turns decoded DNS answers into finding data: one presentation `value` per record (as dig
 * prints it, names lowercased without the trailing dot), its TTL, and the typed fields.
 */
import type { Answer } from 'dns-packet';
import { canonicalName } from './dns-name';

/** The record types dns_lookup asks for, in report order. */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'MX', 'NS', 'TXT', 'CNAME', 'SOA', 'CAA'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** A record ready to become a finding. */
export interface DnsRecordData {
  readonly record_type: DnsRecordType;
  readonly value: string;
  readonly ttl: number | null;
  /** The owner name, lowercase; differs from the queried name after a CNAME. */
  readonly owner: string;
  readonly [field: string]: unknown;
}

/** Postgres jsonb refuses NUL characters; a TXT record may carry them. */
function jsonSafe(text: string): string {
  return text.replace(/\0/g, '\\000');
}

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** The data of one answer of a requested type, or undefined for any other record. */
export function describeRecord(answer: Answer, wanted: ReadonlySet<string>): DnsRecordData | undefined {
  if (!wanted.has(answer.type)) return undefined;
  const base = { ttl: 'ttl' in answer && typeof answer.ttl === 'number' ? answer.ttl : null, owner: canonicalName(answer.name) };
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return { record_type: answer.type, value: answer.data, ...base };
    case 'NS':
    case 'CNAME':
      return { record_type: answer.type, value: canonicalName(answer.data), ...base };
    case 'MX': {
      const priority = answer.data.preference ?? 0;
      const exchange = canonicalName(answer.data.exchange);
      return { record_type: 'MX', value: `${priority} ${exchange === '' ? '.' : exchange}`, priority, exchange, ...base };
    }
    case 'TXT': {
      const parts = Array.isArray(answer.data) ? answer.data : [answer.data];
      const segments = parts.map((part) => jsonSafe(Buffer.isBuffer(part) ? part.toString('utf8') : part));
      // Character-strings of one record are one value (SPF, DKIM split long ones).
      return { record_type: 'TXT', value: segments.join(''), ...(segments.length > 1 ? { segments } : {}), ...base };
    }
    case 'SOA': {
      const soa = answer.data;
      const fields = {
        mname: canonicalName(soa.mname),
        rname: canonicalName(soa.rname),
        serial: soa.serial ?? 0,
        refresh: soa.refresh ?? 0,
        retry: soa.retry ?? 0,
        expire: soa.expire ?? 0,
        minimum: soa.minimum ?? 0,
      };
      const value = [fields.mname, fields.rname, fields.serial, fields.refresh, fields.retry, fields.expire, fields.minimum].join(' ');
      return { record_type: 'SOA', value, ...fields, ...base };
    }
    case 'CAA': {
      const { flags = 0, tag, value } = answer.data;
      const text = jsonSafe(value);
      return { record_type: 'CAA', value: `${flags} ${tag} ${quoted(text)}`, flags, tag, caa_value: text, ...base };
    }
    default:
      return undefined;
  }
}

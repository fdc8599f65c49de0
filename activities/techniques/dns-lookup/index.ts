/**
 * dns_lookup: A, AAAA, MX, NS, TXT, CNAME, SOA and CAA records of a domain (an email's domain)
 * with their TTLs, one query per type, all in parallel, through the configured servers only.
 * NXDOMAIN and NODATA are results; a timeout, SERVFAIL or unusable reply is retryable.
 */
import type { RecordType } from 'dns-packet';
import type { TechniqueParams } from '../../../core/domain/techniques';
import { domainOfTarget } from '../../../core/target-values';
import { permanentError, transientError, type Technique, type TechniqueFinding } from '../types';
import { DnsClient, type DnsExchange } from './dns-client';
import { canonicalName, dnsNameProblem } from './dns-name';
import { DNS_RECORD_TYPES, describeRecord, type DnsRecordData, type DnsRecordType } from './records';

/** dns_lookup's parameters, as the API validated them. */
export type DnsLookupParams = TechniqueParams<'dns_lookup'>;

/** What one record type came back as. */
export type DnsTypeStatus = 'NOERROR' | 'NODATA' | 'NXDOMAIN';

interface TypedExchange {
  readonly type: DnsRecordType;
  readonly exchange: DnsExchange;
}

/** Throws the retryable failure of the first type that got no usable answer. */
function assertAnswered(name: string, exchanges: readonly TypedExchange[]): void {
  const failed = exchanges.filter(({ exchange }) => exchange.kind !== 'response' || !['NOERROR', 'NXDOMAIN'].includes(exchange.rcode));
  if (failed.length === 0) return;
  const reason = (exchange: DnsExchange) => (exchange.kind === 'response' ? exchange.rcode.toLowerCase() : exchange.kind);
  const first = (failed[0] as TypedExchange).exchange;
  const detail = failed.map(({ type, exchange }) => `${type}: ${reason(exchange)}`).join(', ');
  const code = first.kind === 'response' ? `dns_${first.rcode.toLowerCase()}` : `dns_${first.kind === 'malformed' ? 'malformed_reply' : first.kind}`;
  throw transientError(code, `DNS lookup of ${name} got no usable answer (${detail})`);
}

function typeStatus(exchange: DnsExchange, records: number): DnsTypeStatus {
  if (exchange.kind === 'response' && exchange.rcode === 'NXDOMAIN') return 'NXDOMAIN';
  return records > 0 ? 'NOERROR' : 'NODATA';
}

/** The raw evidence: every message received, base64 of the exact bytes, per question. */
function evidenceOf(name: string, exchanges: readonly TypedExchange[]): Buffer {
  const queries = exchanges.map(({ type, exchange }) => ({
    record_type: type,
    outcome: exchange.kind,
    rcode: exchange.kind === 'response' ? exchange.rcode : null,
    messages: exchange.messages.map((message) => ({
      transport: message.transport,
      server: message.server,
      received_at: message.receivedAt,
      wire_base64: message.wire.toString('base64'),
    })),
  }));
  return Buffer.from(JSON.stringify({ name, format: 'dns-wire-base64', queries }, null, 2));
}

/** Queries each requested type of the target's domain and reports every record with its TTL. */
export const dnsLookup: Technique<DnsLookupParams> = async (target, params, context) => {
  const name = canonicalName(domainOfTarget(target.type, target.value));
  const problem = dnsNameProblem(name);
  if (problem) throw permanentError('invalid_target', `cannot look up "${name}": it ${problem}`);
  const types = params.record_types ?? [...DNS_RECORD_TYPES];
  context.heartbeat({ stage: 'querying', name, types });

  const client = new DnsClient(context.network, context.signal);
  let exchanges: TypedExchange[];
  try {
    exchanges = await Promise.all(types.map(async (type) => ({ type, exchange: await client.query(name, type as RecordType) })));
  } finally {
    client.close();
  }
  context.signal.throwIfAborted();
  assertAnswered(name, exchanges);

  const wanted = new Set<string>(types);
  const records = new Map<string, DnsRecordData>();
  const statuses: Record<string, DnsTypeStatus> = {};
  for (const { type, exchange } of exchanges) {
    const answers = exchange.kind === 'response' ? (exchange.packet.answers ?? []) : [];
    let ofType = 0;
    for (const answer of answers) {
      const record = describeRecord(answer, wanted);
      if (!record) continue;
      if (record.record_type === type) ofType += 1;
      const key = `${record.record_type} ${record.value}`;
      if (!records.has(key)) records.set(key, record);
    }
    statuses[type] = typeStatus(exchange, ofType);
  }

  const findings: TechniqueFinding[] = [...records.values()].map((record) => ({
    finding_type: 'dns_record',
    // A CNAME is a fact about its owner (in a chain a → b → c, "b is an alias of c"); every other
    // record is what the queried name resolves to, whatever aliases led there.
    subject: record.record_type === 'CNAME' ? record.owner : name,
    data: record,
    stable_data: { record_type: record.record_type, value: record.value },
  }));
  const allStatuses = Object.values(statuses);
  const status = allStatuses.every((value) => value === 'NXDOMAIN') ? 'NXDOMAIN' : records.size === 0 ? 'NODATA' : 'NOERROR';
  context.heartbeat({ stage: 'done', records: records.size });
  return {
    evidence: [{ name: 'dns-answers.json', contentType: 'application/json', body: evidenceOf(name, exchanges) }],
    findings,
    summary: { name, status, records: records.size, types: statuses },
  };
};

/**
 * The techniques, which target types each applies to, which task queue class runs it, and the
 * schema of its parameters. Pure: shared by the API (validation), the worker and workflows.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum } from './string-enum';
import type { TargetType } from './targets';
import type { TaskQueueClass } from './temporal';

export const TECHNIQUE_CODES = ['dns_lookup', 'whois_lookup', 'email_verify', 'port_scan'] as const;
export type TechniqueCode = (typeof TECHNIQUE_CODES)[number];

/** The most ports one port scan may cover. */
export const MAX_SCAN_PORTS = 65535;

const DNS_RECORD_TYPES = ['A', 'AAAA', 'MX', 'NS', 'TXT', 'CNAME', 'SOA', 'CAA'] as const;

const PortSpec = Type.Union(
  [
    Type.Integer({ minimum: 1, maximum: 65535 }),
    Type.String({ pattern: '^\\d{1,5}-\\d{1,5}$', description: 'an inclusive range such as "8000-8100"' }),
  ],
  { description: 'a port or an inclusive range' },
);

/** Parameters of each technique; unknown keys are refused. */
export const TECHNIQUE_PARAMS = {
  dns_lookup: Type.Object(
    {
      record_types: Type.Optional(
        Type.Array(StringEnum(DNS_RECORD_TYPES), { minItems: 1, uniqueItems: true }),
      ),
    },
    { additionalProperties: false },
  ),
  whois_lookup: Type.Object(
    { follow_referrals: Type.Optional(Type.Boolean()), rdap: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  email_verify: Type.Object(
    { smtp_probe: Type.Optional(Type.Boolean()), catch_all_test: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  port_scan: Type.Object(
    {
      ports: Type.Optional(Type.Array(PortSpec, { minItems: 1, maxItems: 1000 })),
      preset: Type.Optional(StringEnum(['top100', 'top1000', 'all'] as const)),
      concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
      timeout_ms: Type.Optional(Type.Integer({ minimum: 50, maximum: 30000 })),
      banner_grab: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
} satisfies Record<TechniqueCode, TSchema>;

export type TechniqueParams<C extends TechniqueCode> = Static<(typeof TECHNIQUE_PARAMS)[C]>;

/** What a technique applies to and where it runs. */
export interface TechniqueInfo {
  readonly code: TechniqueCode;
  readonly appliesTo: readonly TargetType[];
  readonly queueClass: TaskQueueClass;
  readonly description: string;
}

export const TECHNIQUES: Readonly<Record<TechniqueCode, TechniqueInfo>> = {
  dns_lookup: {
    code: 'dns_lookup',
    appliesTo: ['domain', 'email'],
    queueClass: 'general',
    description: "DNS records of the domain (an email's domain for an email)",
  },
  whois_lookup: {
    code: 'whois_lookup',
    appliesTo: ['domain', 'email'],
    queueClass: 'general',
    description: 'WHOIS (and RDAP) registration data, following referrals',
  },
  email_verify: {
    code: 'email_verify',
    appliesTo: ['email'],
    queueClass: 'general',
    description: 'deliverability: syntax, MX, disposable and role detection, optional SMTP probe',
  },
  port_scan: {
    code: 'port_scan',
    appliesTo: ['domain'],
    queueClass: 'port-scan',
    description: 'TCP connect scan of a port list, ranges or a named set',
  },
};

/** True when `technique` can run against a target of `type`. */
export function appliesTo(technique: TechniqueCode, type: TargetType): boolean {
  return TECHNIQUES[technique].appliesTo.includes(type);
}

/**
 * Counts the ports a port-scan parameter set covers, or returns a problem with a range.
 * Ranges are inclusive; overlapping entries are counted once.
 */
export function countScanPorts(ports: readonly (number | string)[]): { count: number } | { problem: string } {
  // Merged as sorted intervals, never expanded port by port: the API counts every request's
  // list, and 1000 entries of "1-65535" expanded would stall the event loop for seconds.
  const intervals: [number, number][] = [];
  for (const entry of ports) {
    if (typeof entry === 'number') {
      intervals.push([entry, entry]);
      continue;
    }
    const [low, high] = entry.split('-').map(Number) as [number, number];
    if (low < 1 || high > 65535 || low > high) return { problem: `invalid port range "${entry}"` };
    intervals.push([low, high]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let count = 0;
  let coveredUpTo = 0;
  for (const [low, high] of intervals) {
    const start = Math.max(low, coveredUpTo + 1);
    if (high < start) continue;
    count += high - start + 1;
    coveredUpTo = high;
  }
  return { count };
}

/**
 * dns_lookup vs `dig @127.0.0.1 -p PORT -f BATCH +noall +answer`, both against one loopback
 * DNS fixture serving 1,000 names, each asked for the same eight types (A, AAAA, MX, NS, TXT,
 * CNAME, SOA, CAA). dig answers one question after another from its batch file; dns_lookup
 * asks one name at a time, its eight types in parallel (one row), and, as a worker running
 * several jobs would, 10 names at a time (another row). The fixture runs in this process, so
 * it shares a CPU with dns_lookup but has it to itself while dig runs. Agreement: for every
 * name, the same records with the same TTLs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dnsLookup } from '../../activities/techniques/dns-lookup';
import type { TechniqueNetwork } from '../../activities/techniques/types';
import { testNetwork } from '../../test/helpers/technique-context';
import { benchContext } from './context';
import { startDnsServer, type ZoneRecord } from '../../test/fixture-servers/dns-server';
import type { BenchRow } from './types';

const NAMES = Number(process.env.BENCH_DNS_NAMES ?? 1000);
const TYPES = ['A', 'AAAA', 'MX', 'NS', 'TXT', 'CNAME', 'SOA', 'CAA'] as const;
const APEX = 'bench.test';

function names(): string[] {
  return Array.from({ length: NAMES }, (_, index) => `host-${String(index + 1).padStart(4, '0')}.${APEX}`);
}

function zone(hosts: readonly string[]): ZoneRecord[] {
  const soa: ZoneRecord = {
    name: APEX,
    type: 'SOA',
    ttl: 3600,
    data: { mname: `ns1.${APEX}`, rname: `hostmaster.${APEX}`, serial: 2024010101, refresh: 7200, retry: 900, expire: 1209600, minimum: 60 },
  };
  return [
    soa,
    ...hosts.flatMap((name, index): ZoneRecord[] => [
      { name, type: 'A', ttl: 120, data: `192.0.2.${(index % 250) + 1}` },
      { name, type: 'AAAA', ttl: 240, data: `2001:db8::${(index + 1).toString(16)}` },
      { name, type: 'MX', ttl: 900, data: { preference: 10, exchange: `mx${index % 3}.${APEX}` } },
      { name, type: 'NS', ttl: 86400, data: `ns1.${APEX}` },
      { name, type: 'TXT', ttl: 60, data: `v=spf1 ip4:192.0.2.${(index % 250) + 1} -all` },
      { name, type: 'CAA', ttl: 30, data: { flags: 0, tag: 'issue', value: 'ca.example.test' } },
    ]),
  ];
}

function network(server: string): TechniqueNetwork {
  return testNetwork({
    dnsServers: [server],
    dnsTimeoutMs: 2000,
    whoisServer: '127.0.0.1:9',
    whoisTimeoutMs: 5000,
    smtpHeloName: 'bench.test',
    smtpMailFrom: 'probe@bench.test',
    smtpTimeoutMs: 5000,
    portScanConcurrency: 100,
    portScanTimeoutMs: 500,
  });
}

/** name → sorted "TYPE TTL value" lines, the common ground of both tools. */
type Answers = Map<string, string[]>;

function add(answers: Answers, name: string, line: string): void {
  const list = answers.get(name) ?? [];
  list.push(line);
  answers.set(name, list);
}

/** Runs dns_lookup over every name, `parallel` names at a time. */
async function ours(hosts: readonly string[], net: TechniqueNetwork, parallel: number): Promise<{ ms: number; answers: Answers }> {
  const answers: Answers = new Map(hosts.map((name) => [name, []]));
  const queue = [...hosts];
  const started = performance.now();
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const result = await dnsLookup({ type: 'domain', value: name }, {}, benchContext(net));
      for (const finding of result.findings) add(answers, name, `${String(finding.data.record_type)} ${String(finding.data.ttl)} ${String(finding.data.value)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { ms: performance.now() - started, answers };
}

/** dig's presentation of a record, brought to ours: no trailing dots, TXT strings unquoted and joined. */
function fromDig(type: string, rdata: string): string {
  if (type === 'TXT') return [...rdata.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => (match[1] as string).replace(/\\(.)/g, '$1')).join('');
  if (type === 'CAA') return rdata;
  return rdata.replace(/\.(\s|$)/g, '$1').toLowerCase();
}

function dig(port: number, batch: string): Promise<{ ms: number; answers: Answers }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile('dig', [`@127.0.0.1`, '-p', String(port), '-f', batch, '+noall', '+answer', '+tries=2', '+time=2'], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      const ms = performance.now() - started;
      if (error) return reject(error);
      const answers: Answers = new Map();
      for (const line of stdout.split('\n')) {
        const match = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line.trim());
        if (!match) continue;
        const [, name, ttl, type, rdata] = match as unknown as [string, string, string, string, string];
        add(answers, name.replace(/\.$/, '').toLowerCase(), `${type} ${ttl} ${fromDig(type, rdata)}`);
      }
      resolve({ ms, answers });
    });
  });
}

/** Names whose record sets differ, at most `limit` of them. */
function differences(hosts: readonly string[], a: Answers, b: Answers, limit = 3): string[] {
  const key = (answers: Answers, name: string) => [...new Set(answers.get(name) ?? [])].sort().join(' | ');
  return hosts.filter((name) => key(a, name) !== key(b, name)).slice(0, limit).map((name) => `${name}: ours [${key(a, name)}] dig [${key(b, name)}]`);
}

export async function bench(): Promise<BenchRow[]> {
  const hosts = names();
  const server = await startDnsServer({ zone: zone(hosts) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dns-'));
  const batch = path.join(dir, 'batch.txt');
  fs.writeFileSync(batch, hosts.flatMap((name) => TYPES.map((type) => `${name} ${type}`)).join('\n') + '\n');
  try {
    const net = network(server.address);
    await ours(hosts.slice(0, 20), net, 1); // warm-up, unmeasured
    const theirs = await dig(server.port, batch);
    const rows: BenchRow[] = [];
    for (const parallel of [1, 10]) {
      const mine = await ours(hosts, net, parallel);
      const diff = differences(hosts, mine.answers, theirs.answers);
      const records = [...mine.answers.values()].reduce((sum, list) => sum + list.length, 0);
      rows.push({
        case: `DNS, ${NAMES} names x ${TYPES.length} types, ${parallel === 1 ? 'one name at a time' : `${parallel} names at a time`}`,
        tool: 'dig -f BATCH +noall +answer',
        ours_ms: mine.ms,
        theirs_ms: theirs.ms,
        agree: diff.length === 0 && records > 0,
        note: diff.length === 0 ? `${records} records, same values and TTLs; dig asks one question at a time` : `differs: ${diff.join('; ')}`,
      });
    }
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
}

/**
 * port_scan vs `nmap -sT -Pn -n -p PORTS 127.0.0.1`, both connect scans of loopback: 1,000
 * ports holding a known set of open fixture ports, then all 65,535 ports. Rounds alternate the
 * two tools; the row shows the median wall time of each (ours includes resolving the target
 * through a loopback DNS fixture and the guard, nmap's includes starting the process).
 * Agreement: in every round both found exactly the same open ports, the known ones among them.
 */
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { portScan } from '../../activities/techniques/port-scan';
import type { TechniqueNetwork } from '../../activities/techniques/types';
import { testNetwork } from '../../test/helpers/technique-context';
import { benchContext } from './context';
import { startDnsServer } from '../../test/fixture-servers/dns-server';
import { startTcpPorts, type TcpPorts } from '../../test/fixture-servers/tcp-ports';
import type { BenchRow } from './types';

const ROUNDS = Number(process.env.BENCH_PORT_SCAN_ROUNDS ?? 3);
/** PORT_SCAN_CONCURRENCY's default; on loopback more sockets in flight only add epoll work. */
const CONCURRENCY = Number(process.env.BENCH_PORT_SCAN_CONCURRENCY ?? 500);
const KNOWN_OPEN = 8;
const TARGET = 'scan.bench.test';

function network(dnsServer: string): TechniqueNetwork {
  return testNetwork({
    dnsServers: [dnsServer],
    dnsTimeoutMs: 1000,
    whoisServer: '127.0.0.1:9',
    whoisTimeoutMs: 5000,
    smtpHeloName: 'bench.test',
    smtpMailFrom: 'probe@bench.test',
    smtpTimeoutMs: 5000,
    portScanConcurrency: CONCURRENCY,
  });
}

/** Opens KNOWN_OPEN ports at random inside a 1,000-port window below the ephemeral range. */
async function openKnownPorts(): Promise<{ fixture: TcpPorts; low: number; high: number }> {
  for (let attempt = 0; ; attempt += 1) {
    const low = 20000 + randomInt(0, 12) * 1000;
    const offsets = new Set<number>();
    while (offsets.size < KNOWN_OPEN) offsets.add(randomInt(0, 1000));
    try {
      const fixture = await startTcpPorts({ ports: [...offsets].map((offset, index) => (index % 2 ? { port: low + offset, banner: 'SSH-2.0-Bench\r\n' } : low + offset)) });
      return { fixture, low, high: low + 999 };
    } catch (error) {
      if (attempt >= 20) throw error;
    }
  }
}

async function ours(net: TechniqueNetwork, params: { ports?: string[]; preset?: 'all' }): Promise<{ ms: number; open: number[] }> {
  const started = performance.now();
  const result = await portScan({ type: 'domain', value: TARGET }, { ...params, concurrency: CONCURRENCY }, benchContext(net));
  return { ms: performance.now() - started, open: result.findings.map((finding) => finding.data.port as number) };
}

function nmap(ports: string): Promise<{ ms: number; open: number[] }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile('nmap', ['-sT', '-Pn', '-n', '-p', ports, '127.0.0.1', '-oG', '-'], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      const ms = performance.now() - started;
      if (error) return reject(error);
      const open = [...stdout.matchAll(/(\d+)\/open\/tcp/g)].map((match) => Number(match[1])).sort((a, b) => a - b);
      resolve({ ms, open });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function compare(label: string, net: TechniqueNetwork, known: readonly number[], ports: string, params: { ports?: string[]; preset?: 'all' }): Promise<BenchRow> {
  await ours(net, params); // warm-up, unmeasured
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  const problems: string[] = [];
  let openCount = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const mine = await ours(net, params);
    const theirs = await nmap(ports);
    oursMs.push(mine.ms);
    theirsMs.push(theirs.ms);
    openCount = mine.open.length;
    const onlyOurs = mine.open.filter((port) => !theirs.open.includes(port));
    const onlyTheirs = theirs.open.filter((port) => !mine.open.includes(port));
    const missed = known.filter((port) => !mine.open.includes(port) || !theirs.open.includes(port));
    if (onlyOurs.length + onlyTheirs.length + missed.length > 0) {
      problems.push(`round ${round + 1}: only ours [${onlyOurs.join(',')}], only nmap [${onlyTheirs.join(',')}], known missed [${missed.join(',')}]`);
    }
  }
  return {
    case: label,
    tool: 'nmap -sT -Pn -n',
    ours_ms: median(oursMs),
    theirs_ms: median(theirsMs),
    agree: problems.length === 0,
    note:
      problems.length === 0
        ? `${openCount} open (${known.length} known) found by both in all ${ROUNDS} rounds; ours ${oursMs.map(Math.round).join('/')} ms, nmap ${theirsMs.map(Math.round).join('/')} ms`
        : problems.join('; '),
  };
}

export async function bench(): Promise<BenchRow[]> {
  const { fixture, low, high } = await openKnownPorts();
  const dns = await startDnsServer({ zone: [{ name: TARGET, type: 'A', data: '127.0.0.1' }] });
  try {
    const net = network(dns.address);
    const known = fixture.open.map((open) => open.port).sort((a, b) => a - b);
    return [
      await compare(`TCP connect scan, 1,000 ports (${low}-${high}), ${KNOWN_OPEN} open`, net, known, `${low}-${high}`, { ports: [`${low}-${high}`] }),
      await compare('TCP connect scan, 65,535 ports', net, known, '1-65535', { preset: 'all' }),
    ];
  } finally {
    await Promise.all([fixture.close(), dns.close()]);
  }
}

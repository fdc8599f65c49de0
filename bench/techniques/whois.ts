/**
 * whois_lookup vs Debian's `whois -h 127.0.0.1 -p PORT DOMAIN`, both against one loopback WHOIS
 * fixture serving a registry-style answer, N lookups each, one after another. Agreement: the
 * registrar we parse is the one `whois` prints. `whois -h` asks that one server and follows no
 * referral, so the fixture's answer carries none and both sides make exactly one query.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { whoisLookup } from '../../activities/techniques/whois-lookup';
import type { TechniqueNetwork } from '../../activities/techniques/types';
import { testNetwork } from '../../test/helpers/technique-context';
import { benchContext } from './context';
import { startWhoisServer } from '../../test/fixture-servers/whois-server';
import type { BenchRow } from './types';

const N = Number(process.env.BENCH_WHOIS_N ?? 200);
const DOMAIN = 'example-holdings.test';

function network(server: string): TechniqueNetwork {
  return testNetwork({
    dnsServers: ['127.0.0.1:9'],
    dnsTimeoutMs: 1000,
    dnsTries: 1,
    whoisServer: server,
    whoisTimeoutMs: 5000,
    smtpHeloName: 'bench.test',
    smtpMailFrom: 'probe@bench.test',
    smtpTimeoutMs: 5000,
    portScanConcurrency: 100,
    portScanTimeoutMs: 500,
  });
}

function whoisCli(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('whois', ['-h', '127.0.0.1', '-p', String(port), DOMAIN], { encoding: 'utf8' }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** Runs `once` n times in a row; returns the wall time and every answer. */
async function timed<T>(n: number, once: () => Promise<T>): Promise<{ ms: number; answers: T[] }> {
  await once(); // warm-up, unmeasured
  const answers: T[] = [];
  const started = performance.now();
  for (let index = 0; index < n; index += 1) answers.push(await once());
  return { ms: performance.now() - started, answers };
}

export async function bench(): Promise<BenchRow[]> {
  const answer = fs
    .readFileSync(path.join(__dirname, '../../activities/techniques/whois-lookup/samples/com-registry.txt'), 'utf8')
    .replace(/^.*Registrar WHOIS Server:.*\r?\n/m, '')
    .replace('EXAMPLE-HOLDINGS.COM', DOMAIN.toUpperCase());
  const server = await startWhoisServer({ responses: { [DOMAIN]: answer } });
  try {
    const net = network(`127.0.0.1:${server.port}`);
    const ours = await timed(N, async () => {
      const result = await whoisLookup({ type: 'domain', value: DOMAIN }, {}, benchContext(net));
      return result.summary.registrar as string | null;
    });
    const theirs = await timed(N, async () => /^\s*Registrar:\s*(.+?)\s*$/m.exec(await whoisCli(server.port))?.[1] ?? null);
    const expected = /^\s*Registrar:\s*(.+?)\s*$/m.exec(answer)?.[1];
    const agree = [...ours.answers, ...theirs.answers].every((registrar) => registrar === expected);
    return [
      {
        case: `whois, 1 hop, ${N} lookups`,
        tool: 'whois -h 127.0.0.1 -p PORT',
        ours_ms: ours.ms,
        theirs_ms: theirs.ms,
        agree,
        note: `registrar "${expected}"; theirs includes a process start per lookup`,
      },
    ];
  } finally {
    await server.close();
  }
}

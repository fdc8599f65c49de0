/**
 * email_verify's SMTP probe (one MX, smtp_probe on, catch-all test off) vs
 * `swaks --server 127.0.0.1 --port PORT --to ADDRESS --quit-after RCPT`, both against the same
 * loopback SMTP fixture, N probes each, one after another, for a mailbox the fixture has and
 * one it refuses. Agreement: "deliverable" where swaks exits 0, "undeliverable" where it exits
 * 24 (no recipient accepted). Ours also looks up the MX in a loopback DNS fixture; swaks is
 * told the server directly.
 */
import { execFile } from 'node:child_process';
import { emailVerify } from '../../activities/techniques/email-verify';
import type { TechniqueNetwork } from '../../activities/techniques/types';
import { testNetwork } from '../../test/helpers/technique-context';
import { benchContext } from './context';
import { startDnsServer } from '../../test/fixture-servers/dns-server';
import { startSmtpServer } from '../../test/fixture-servers/smtp-server';
import type { BenchRow } from './types';

const N = Number(process.env.BENCH_EMAIL_N ?? 200);
const DOMAIN = 'example.test';
const KNOWN = `alice@${DOMAIN}`;
const UNKNOWN = `nobody@${DOMAIN}`;
const HELO = 'bench.test';
const MAIL_FROM = 'probe@bench.test';

/** swaks' exit status when the server accepted no recipient. */
const SWAKS_NO_RECIPIENT = 24;

function network(dnsServer: string, smtpPort: number): TechniqueNetwork {
  return testNetwork({
    dnsServers: [dnsServer],
    dnsTimeoutMs: 1000,
    dnsTries: 1,
    whoisServer: '127.0.0.1:9',
    whoisTimeoutMs: 5000,
    smtpPort,
    smtpHeloName: HELO,
    smtpMailFrom: MAIL_FROM,
    smtpTimeoutMs: 5000,
    portScanConcurrency: 100,
    portScanTimeoutMs: 500,
  });
}

function swaks(port: number, to: string): Promise<number> {
  const args = ['--server', '127.0.0.1', '--port', String(port), '--to', to, '--from', MAIL_FROM, '--helo', HELO, '--quit-after', 'RCPT', '--silent', '2'];
  return new Promise((resolve) => {
    execFile('swaks', args, (error) => resolve(error ? Number((error as { code?: unknown }).code ?? 1) : 0));
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
  const smtp = await startSmtpServer({ mailboxes: [KNOWN] });
  const dns = await startDnsServer({
    zone: [
      { type: 'MX', name: DOMAIN, data: { preference: 10, exchange: `mx.${DOMAIN}` } },
      { type: 'A', name: `mx.${DOMAIN}`, data: '127.0.0.1' },
    ],
  });
  try {
    const net = network(dns.address, smtp.port);
    const rows: BenchRow[] = [];
    for (const [address, verdict, exitCode] of [
      [KNOWN, 'deliverable', 0],
      [UNKNOWN, 'undeliverable', SWAKS_NO_RECIPIENT],
    ] as const) {
      const ours = await timed(N, async () => {
        const result = await emailVerify({ type: 'email', value: address }, { smtp_probe: true, catch_all_test: false }, benchContext(net));
        return result.summary.verdict;
      });
      const theirs = await timed(N, () => swaks(smtp.port, address));
      const agree = ours.answers.every((answer) => answer === verdict) && theirs.answers.every((code) => code === exitCode);
      rows.push({
        case: `SMTP probe, ${verdict === 'deliverable' ? 'known' : 'unknown'} mailbox, ${N} probes`,
        tool: 'swaks --quit-after RCPT',
        ours_ms: ours.ms,
        theirs_ms: theirs.ms,
        agree,
        note: `ours ${[...new Set(ours.answers)].join('/')}, swaks exit ${[...new Set(theirs.answers)].join('/')}; ours adds an MX lookup, theirs a process start`,
      });
    }
    return rows;
  } finally {
    await Promise.all([smtp.close(), dns.close()]);
  }
}

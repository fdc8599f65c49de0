/**
 * bench/techniques: each technique side by side with the tool an investigator would pick
 * instead (nmap, dig, whois, swaks), both against the same loopback fixtures in the same run.
 * Installs the Debian packages it needs, prints one table, and exits non-zero when any row's
 * results disagree (or a benchmark could not run).
 *
 *   npm run bench:techniques
 */
import { spawnSync } from 'node:child_process';
import { ms, printTable } from '../lib/measure';
import { bench as dnsBench } from './dns';
import { bench as emailBench } from './email';
import { bench as portScanBench } from './port-scan';
import type { BenchRow } from './types';
import { bench as whoisBench } from './whois';

/** Command → Debian package that provides it. */
const TOOLS: Readonly<Record<string, string>> = { whois: 'whois', swaks: 'swaks', nmap: 'nmap', dig: 'dnsutils' };

const BENCHES: readonly [string, () => Promise<BenchRow[]>][] = [
  ['port_scan', portScanBench],
  ['dns_lookup', dnsBench],
  ['whois_lookup', whoisBench],
  ['email_verify', emailBench],
];

function say(line: string): void {
  console.log(`bench     | ${line}`);
}

function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** apt-get install of the missing tools; one apt-get update and a second try if that fails. */
function installTools(): void {
  const missing = Object.keys(TOOLS).filter((command) => !hasCommand(command));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((command) => TOOLS[command]!))];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env }).status === 0;
  say(`installing ${packages.join(', ')}`);
  if (install()) return;
  say('install failed; running apt-get update once and retrying');
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  if (!install()) throw new Error(`could not install ${packages.join(', ')} (apt-get needs root)`);
}

async function main(): Promise<number> {
  installTools();
  const rows: BenchRow[] = [];
  for (const [name, run] of BENCHES) {
    say(`running ${name}`);
    try {
      rows.push(...(await run()));
    } catch (error) {
      rows.push({ case: `${name}: failed to run`, tool: '-', ours_ms: Number.NaN, theirs_ms: Number.NaN, agree: false, note: String(error) });
    }
  }
  printTable(
    ['case', 'tool', 'ours (ms)', 'theirs (ms)', 'ours/theirs', 'agree'],
    rows.map((row) => [row.case, row.tool, ms(row.ours_ms), ms(row.theirs_ms), (row.ours_ms / row.theirs_ms).toFixed(2), row.agree ? 'yes' : 'NO']),
  );
  for (const row of rows.filter((item) => item.note)) console.log(`  ${row.case}: ${row.note}`);
  const disagreeing = rows.filter((row) => !row.agree);
  if (disagreeing.length === 0) return 0;
  console.error(`${disagreeing.length} row(s) disagree: ${disagreeing.map((row) => row.case).join('; ')}`);
  return 1;
}

// Exits explicitly: a benchmark that leaves a socket open must not keep the run alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

import { execFileSync } from 'node:child_process';
import { startDnsServer } from './test/fixture-servers/dns-server';
(async () => {
  const n = Number(process.argv[2]);
  const zone: any[] = [];
  for (let i = 0; i < n; i++) zone.push({ name: `h${i}.bench.test`, type: 'A', data: '192.0.2.1' });
  const server = await startDnsServer({ zone });
  const fs = await import('node:fs');
  fs.writeFileSync('/tmp/b.txt', Array.from({ length: 2000 }, (_, i) => `h${i % n}.bench.test A`).join('\n'));
  // dig runs in a child; the fixture in this process must keep answering, so run it async.
  const { execFile } = await import('node:child_process');
  const t = performance.now();
  await new Promise((r) => execFile('dig', ['@127.0.0.1', '-p', String(server.port), '-f', '/tmp/b.txt', '+noall', '+answer'], { maxBuffer: 1e8 }, r));
  console.log(n, 'records: 2000 dig queries', Math.round(performance.now() - t), 'ms');
  await server.close();
})();

import { bench as dns } from './bench/techniques/dns';
(async () => {
  const which = process.argv[2];
  const run = which === 'dns' ? dns : (await import('./bench/techniques/port-scan')).bench;
  for (const row of await run()) console.log(JSON.stringify(row));
  process.exit(0);
})();

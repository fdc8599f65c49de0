import { scanPortsInParallel } from './activities/techniques/port-scan/parallel-scan';
import { expandPorts } from './activities/techniques/port-scan/ports';
(async () => {
  const ports = expandPorts(['1-65535']);
  for (const threads of [1, 2, 2, 1, 2]) {
    const t = performance.now();
    const r = await scanPortsInParallel({ address: '127.0.0.1', ports, concurrency: 1000, timeoutMs: 1000, signal: new AbortController().signal, threads });
    console.log(threads, Math.round(performance.now() - t), r.open.length, r.engine, r.threads);
  }
})();

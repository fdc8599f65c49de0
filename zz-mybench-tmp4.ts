import path from 'node:path';
import { Worker } from 'node:worker_threads';
(async () => {
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const file = path.join(__dirname, 'activities/techniques/port-scan/scan-worker.ts');
    const source = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`;
    const w = new Worker(source, { eval: true, workerData: { address: '127.0.0.1', ports: new Uint16Array([1]), concurrency: 1, timeoutMs: 100, engine: 'tcp_wrap' } });
    await new Promise((r) => w.on('message', (m) => { if (m.type === 'done') r(m); }));
    console.log('worker round trip', Math.round(performance.now() - t));
    await w.terminate();
  }
})();

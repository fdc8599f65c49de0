/** Redis from the Debian packages, its files under the data folder. */
import Redis from 'ioredis';
import { isPortOpen, startProcess, waitUntil } from '../process';
import type { ServiceDefinition, StartContext } from './service';

export const redis: ServiceDefinition = {
  name: 'redis',
  address: (settings) => `${settings.redis.host}:${settings.redis.port}`,
  isUp: (settings) => isPortOpen(settings.redis.host, settings.redis.port),

  async start({ settings, profile, dir, sink, detached }: StartContext) {
    const args = [
      '--port', String(settings.redis.port),
      '--bind', settings.redis.host,
      '--dir', dir,
      '--save', '',
      // Rate-limit counters and caches are worth keeping across restarts of `npm start` only.
      '--appendonly', profile === 'dev' ? 'yes' : 'no',
    ];
    const proc = startProcess('redis', 'redis-server', args, { sink, detached });
    await waitUntil('redis', () => ping(settings.redis.host, settings.redis.port), { timeoutMs: 15000, process: proc });
    return proc;
  },
};

async function ping(host: string, port: number): Promise<boolean> {
  const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined); // a refused connection is the answer "not yet"
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

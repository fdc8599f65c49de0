import assert from 'node:assert/strict';
import net from 'node:net';
import { startFilteredPorts } from './filtered-ports';

function attempt(port: number, waitMs: number): Promise<'connected' | 'refused' | 'no answer'> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => finish('no answer'), waitMs);
    const finish = (outcome: 'connected' | 'refused' | 'no answer') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => finish('connected'));
    socket.once('error', () => finish('refused'));
  });
}

describe('the filtered ports fixture', () => {
  it('leaves every connection attempt unanswered until close', async () => {
    const filtered = await startFilteredPorts({ count: 3 });
    try {
      const outcomes = await Promise.all(filtered.ports.map((port) => attempt(port, 400)));
      assert.deepEqual(outcomes, ['no answer', 'no answer', 'no answer']);
    } finally {
      await filtered.close();
    }
    assert.equal(await attempt(filtered.ports[0] as number, 1000), 'refused');
  });
});

// Run only by network-guard-enforced.test.ts: one test swallows the guard's refusal, one stays on loopback.
import net from 'node:net';

describe('a suite with one test that reaches off the machine', () => {
  it('tries a documentation-range address and swallows the error', () => {
    try {
      net.connect({ host: '192.0.2.1', port: 80 }).on('error', () => undefined);
    } catch {
      // swallowed on purpose: the guard must fail this test anyway
    }
  });

  it('talks to loopback only', async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve, reject) => net.connect(port, '127.0.0.1').on('close', () => resolve()).on('error', reject));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

/**
 * A private instance of one stack service on a free port, for tests that stop a server on
 * purpose (the shared test stack is never stopped mid-run).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ManagedProcess } from '../../scripts/stack/process';
import type { ServiceDefinition } from '../../scripts/stack/services/service';
import { testStackSettings } from './test-env';

/** A running throwaway server and the environment that points the platform at it. */
export interface Throwaway {
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `service` on a free port with `envFor(port)` as its settings; prepares it. */
export async function startThrowaway(
  service: ServiceDefinition,
  envFor: (port: number) => NodeJS.ProcessEnv,
): Promise<Throwaway> {
  const env = envFor(await freePort());
  const settings = testStackSettings(env);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `osint-${service.name}-`));
  fs.chmodSync(dir, 0o755);
  let proc: ManagedProcess | undefined;
  try {
    proc = await service.start({
      settings,
      profile: 'test',
      dir,
      sink: { kind: 'file', path: path.join(settings.dataDir, 'logs', `${service.name}-throwaway.log`) },
    });
    await service.prepare?.(settings);
  } catch (error) {
    await proc?.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    env,
    async stop() {
      await proc?.stop(undefined, 10000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

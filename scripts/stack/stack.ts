/**
 * Brings up the local stack: each service that already answers is reused, each local one that
 * does not is started, then each is prepared (database, namespace, bucket).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ManagedProcess, OutputSink } from './process';
import { postgres } from './services/postgres';
import { prometheus } from './services/prometheus';
import { redis } from './services/redis';
import { s3 } from './services/s3';
import type { ServiceDefinition, StackProfile } from './services/service';
import { temporal } from './services/temporal';
import { isLocalHost, type StackSettings } from './settings';

/** The services every process of the platform needs. */
export const CORE_SERVICES: readonly ServiceDefinition[] = [postgres, redis, s3, temporal];
/** Optional services, started by `npm start` when installed. */
export const OPTIONAL_SERVICES: readonly ServiceDefinition[] = [prometheus];

/** The stack as brought up: what this call started (and will stop) and what it reused. */
export interface RunningStack {
  readonly started: readonly ManagedProcess[];
  readonly reused: readonly string[];
  /** Stops what this call started, in reverse order; reused services are left alone. */
  stop(): Promise<void>;
}

/** Options of ensureStack. */
export interface EnsureStackOptions {
  readonly settings: StackSettings;
  readonly profile: StackProfile;
  readonly services?: readonly ServiceDefinition[];
  /** Where each started service writes its output; defaults to a log file per service. */
  readonly sinkFor?: (service: string) => OutputSink;
  readonly log?: (message: string) => void;
  /** Start each service in a process group of its own, for a caller that stops them itself on Ctrl-C. */
  readonly detached?: boolean;
}

/** Starts or reuses every service, then prepares each; on failure stops what it started. */
export async function ensureStack(options: EnsureStackOptions): Promise<RunningStack> {
  const { settings, profile } = options;
  const log = options.log ?? (() => undefined);
  const root = path.join(settings.dataDir, profile);
  const logDir = path.join(settings.dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const sinkFor =
    options.sinkFor ?? ((name: string): OutputSink => ({ kind: 'file', path: path.join(logDir, `${name}-${profile}.log`) }));
  const started: ManagedProcess[] = [];
  const reused: string[] = [];
  const stack: RunningStack = {
    started,
    reused,
    async stop() {
      for (const proc of [...started].reverse()) await proc.stop();
    },
  };

  const results = await Promise.allSettled(
    (options.services ?? CORE_SERVICES).map(async (service) => {
      if (await service.isUp(settings)) {
        reused.push(service.name);
        log(`${service.name}: reusing the server at ${service.address(settings)}`);
      } else {
        const host = service.address(settings).replace(/:\d+$/, '');
        if (!isLocalHost(host)) {
          throw new Error(`${service.name}: nothing answers at ${service.address(settings)}, and it is not local`);
        }
        const dir = path.join(root, service.name);
        fs.mkdirSync(dir, { recursive: true });
        log(`${service.name}: starting on ${service.address(settings)}`);
        started.push(await service.start({ settings, profile, dir, sink: sinkFor(service.name), detached: options.detached }));
      }
      await service.prepare?.(settings);
    }),
  );
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [describe(result.reason)] : []));
  if (failures.length > 0) {
    await stack.stop();
    throw new Error(`the stack did not come up:\n  - ${failures.join('\n  - ')}\n  (service logs: ${logDir})`);
  }
  return stack;
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

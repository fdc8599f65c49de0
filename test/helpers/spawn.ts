/** Runs a process of the platform (API, worker) from its TypeScript entry point, as tests see it. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CHILD_GUARD = path.join(ROOT, 'test/setup/child-guard.ts');

/** A spawned process with its collected output. */
export interface SpawnedProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
  /** Resolves once a line of output matches `pattern`; rejects if the process ends first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Spawns `entry` (a path from the repository root) through tsx, with the network guard preloaded. */
export function spawnEntry(entry: string, env: NodeJS.ProcessEnv): SpawnedProcess {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', '--require', CHILD_GUARD, path.join(ROOT, entry)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitForOutput(pattern, timeoutMs = 60000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) finish(resolve);
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no output matching ${pattern}:\n${output}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        void exited.then((code) => finish(() => reject(new Error(`exited (${code}) before ${pattern}:\n${output}`))));
        check();
      });
    },
  };
}

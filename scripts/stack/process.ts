/** Child processes of the stack: started with their output routed, stopped politely, waited for. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';

/** Where a child's output goes: prefixed lines on the console (a line formatted to '' is dropped), or a log file. */
export type OutputSink = { kind: 'console'; format?: (line: string) => string } | { kind: 'file'; path: string };

/** A process the stack started and may stop. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` (the process's stop signal by default), then SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** How a process is started besides its command. */
export interface ProcessOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly sink: OutputSink;
  /**
   * In a process group of its own, so a Ctrl-C in the terminal reaches only the process that
   * started it, which then stops its children in order (the API and worker before the servers).
   */
  readonly detached?: boolean;
  /** What stop() sends unless told otherwise; SIGTERM by default. */
  readonly stopSignal?: NodeJS.Signals;
  /** The user and group to run as (a root parent only). */
  readonly uid?: number;
  readonly gid?: number;
}

/** Starts `command` with its output routed to `sink`. */
export function startProcess(name: string, command: string, args: readonly string[], options: ProcessOptions): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
    ...(options.uid !== undefined && { uid: options.uid }),
    ...(options.gid !== undefined && { gid: options.gid }),
  });
  routeOutput(name, child, options.sink);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => resolve(`failed to start: ${error.message}`));
  });
  return {
    name,
    child,
    exited,
    async stop(signal: NodeJS.Signals = options.stopSignal ?? 'SIGTERM', graceMs = 15000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function routeOutput(name: string, child: ChildProcess, sink: OutputSink): void {
  if (sink.kind === 'file') {
    const file = fs.createWriteStream(sink.path, { flags: 'a' });
    child.stdout?.pipe(file, { end: false });
    child.stderr?.pipe(file, { end: false });
    // 'close' comes after the child's output streams have ended, so no line is cut off.
    child.once('close', () => file.end());
    return;
  }
  const label = `${name.padEnd(10)}|`;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => {
      const shown = sink.format ? sink.format(line) : line;
      if (shown.trim() !== '') process.stdout.write(`${label} ${shown}\n`);
    });
  }
}

/** True when a TCP connection to host:port succeeds within `timeoutMs`. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls `probe` until it returns true; fails after `timeoutMs`, or as soon as `process`
 * exits (a server that died will never become ready).
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; process?: ManagedProcess; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited: number | string | undefined;
  void options.process?.exited.then((code) => (exited = code));
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${what}: the process exited (${exited}) before it was ready`);
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(`${what}: not ready after ${options.timeoutMs} ms`);
}

/**
 * CPU time per process group, read from /proc (Linux): where a benchmark's time goes when
 * several processes share the machine.
 */
import fs from 'node:fs';

/** A named set of processes, by pid or by the command name the kernel reports. */
export interface ProcessGroup {
  readonly name: string;
  readonly pids?: () => readonly number[];
  readonly command?: string;
}

const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0; // the process ended
  }
}

function pidsOf(group: ProcessGroup): number[] {
  if (group.pids) return [...group.pids()];
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === group.command) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU seconds used by each group since the snapshot was taken. */
export function cpuSnapshot(groups: readonly ProcessGroup[]): () => Map<string, number> {
  const before = new Map(groups.flatMap((group) => pidsOf(group).map((pid) => [`${group.name}:${pid}`, cpuTicks(pid)] as const)));
  return () =>
    new Map(
      groups.map((group) => {
        const ticks = pidsOf(group).reduce((sum, pid) => sum + cpuTicks(pid) - (before.get(`${group.name}:${pid}`) ?? 0), 0);
        return [group.name, ticks / TICKS_PER_SECOND];
      }),
    );
}

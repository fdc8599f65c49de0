/**
 * How many sockets a scan may hold open at once: a share of the descriptors this process has
 * left under its own soft limit, so a scan never starves the other activities of the worker and
 * nothing system-wide has to be raised.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Descriptors kept for everything else in the process (pools, clients, other activities). */
const RESERVED = 256;
/** Used when the limits cannot be read (not Linux): safe under the common 1024 soft limit. */
const FALLBACK = 512;

/** Parses the soft "Max open files" of a /proc/<pid>/limits text; Infinity for "unlimited". */
export function softFileLimit(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (!match) return undefined;
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

/** Three quarters of the descriptors left after the reserve, at least 16. */
export function socketBudget(): number {
  try {
    const soft = softFileLimit(readFileSync('/proc/self/limits', 'utf8'));
    if (soft === undefined) return FALLBACK;
    const inUse = readdirSync('/proc/self/fd').length;
    return Math.max(16, Math.floor((Math.min(soft, 1_000_000) - inUse - RESERVED) * 0.75));
  } catch {
    return FALLBACK;
  }
}

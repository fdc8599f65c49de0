/** Looks up the programs the stack runs. */
import { spawnSync } from 'node:child_process';

/** True when `command` is on the PATH. */
export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v "${command}"`], { stdio: 'ignore' }).status === 0;
}

/** Routes the Temporal SDK's own log lines into the worker's structured logger. */
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../core/logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** A Temporal logger writing through `logger`, at `level` and above. */
export function temporalLogger(logger: Logger, level: LogLevel = 'INFO'): DefaultLogger {
  const sdk = logger.child({ component: 'temporal-sdk' });
  return new DefaultLogger(level, (entry) => sdk[LEVELS[entry.level]](entry.meta ?? {}, entry.message));
}

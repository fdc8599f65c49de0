/**
 * Structured JSON logging. Secrets are redacted wherever they appear in a log object or a child
 * logger's bindings: any key named like a secret (password, token, authorization, …), at any
 * depth up to six levels, is written as "[redacted]".
 */
import pino, { type Logger } from 'pino';

/** Keys (compared case-insensitively) whose values never reach a log line. */
export const SECRET_KEYS: readonly string[] = [
  'password',
  'new_password',
  'current_password',
  'password_hash',
  'secret',
  'secretkey',
  'secret_key',
  'signing_secret',
  'webhook_secret',
  'token',
  'access_token',
  'refresh_token',
  'api_key',
  'apikey',
  'x-api-key',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
];

const SECRET = new Set(SECRET_KEYS);
const CENSOR = '[redacted]';
const MAX_DEPTH = 6;

/**
 * Returns `value` with every secret-named key censored; objects without one are returned as they
 * are, so the usual log line costs one pass over its few keys. Written by hand because pino's
 * path-based redaction has no deep wildcard and its `*.*.key` paths cost ~10x per line.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (value instanceof Error || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const redacted = redactSecrets(item, depth + 1);
      if (redacted !== item) (copy ??= [...value])[index] = redacted;
    });
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = SECRET.has(key.toLowerCase()) ? CENSOR : redactSecrets(item, depth + 1);
    if (redacted !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = redacted;
  }
  return (copy ?? value) as T;
}

/** Creates the root logger of a process; `name` says which process (api, worker). */
export function createLogger(options: { name: string; level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Child loggers' bindings skip the formatters below: pino's own redaction covers their
      // (flat) keys, at a cost only for keys that are present.
      redact: { paths: SECRET_KEYS.map((key) => `["${key}"]`), censor: CENSOR },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object),
      },
    },
    options.destination,
  );
}

export type { Logger };

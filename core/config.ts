/**
 * The platform's settings, read from the environment once, validated with one schema,
 * and returned frozen. Nothing else in the code reads `process.env`.
 */
import fs from 'node:fs';
import { isIP } from 'node:net';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TECHNIQUE_CODES, type TechniqueCode } from './domain/techniques';

/** Every environment variable the processes understand, with its default. */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  SECRET_KEY: Type.String({ minLength: 32, description: 'JWT signing key; at least 32 characters' }),
  JWT_EXPIRES_IN_SECONDS: Type.Integer({ minimum: 60, default: 3600 }),
  LOGIN_WINDOW_SECONDS: Type.Integer({ minimum: 1, default: 900 }),
  LOGIN_SLOWDOWN_AFTER: Type.Integer({ minimum: 1, default: 3 }),
  LOGIN_SLOWDOWN_STEP_MS: Type.Integer({ minimum: 0, default: 250 }),
  LOGIN_SLOWDOWN_MAX_MS: Type.Integer({ minimum: 0, default: 2000 }),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 10 }),
  LOGIN_MAX_FAILURES_PER_IP: Type.Integer({ minimum: 1, default: 50 }),
  API_TRUST_PROXY: Type.Boolean({ default: false, description: 'take the client address from X-Forwarded-For' }),
  API_BODY_LIMIT: Type.String({ pattern: '^\\d+(b|kb|mb)$', default: '100kb' }),
  API_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  API_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  API_SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10000 }),
  API_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    default: 15000,
    description: "PostgreSQL cancels any statement of the API's pool that runs longer (503 query_timeout); 0 never does",
  }),
  API_TEMPORAL_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    default: 10000,
    description: 'how long a request waits for Temporal (enqueue, cancel, schedules…) before its 503; 0 leaves the client retrying',
  }),
  API_ACCESS_CACHE_TTL_MS: Type.Integer({
    minimum: 0,
    default: 30000,
    description: 'how long an API process may reuse a membership it read; changes are announced through Redis sooner; 0 reads every one',
  }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgres://osint:osint@127.0.0.1:5432/osint' }),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  REDIS_URL: Type.String({ pattern: '^rediss?://', default: 'redis://127.0.0.1:6379/0' }),
  TEMPORAL_ADDRESS: Type.String({ pattern: '^[^\\s:]+:\\d+$', default: '127.0.0.1:7233' }),
  TEMPORAL_NAMESPACE: Type.String({ minLength: 1, default: 'osint' }),
  TEMPORAL_TASK_QUEUE: Type.String({ pattern: '^[A-Za-z0-9._-]+$', default: 'osint' }),
  TEMPORAL_UI_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8233' }),
  TEMPORAL_TLS: Type.Boolean({ default: false, description: 'reach Temporal over TLS; implied by any TEMPORAL_TLS_* setting and by TEMPORAL_API_KEY' }),
  TEMPORAL_TLS_CA_PATH: Type.String({ default: '', description: "PEM file of the CA of Temporal's certificate; empty: the system's roots" }),
  TEMPORAL_TLS_CERT_PATH: Type.String({ default: '', description: 'PEM file of the client certificate (mTLS), with TEMPORAL_TLS_KEY_PATH' }),
  TEMPORAL_TLS_KEY_PATH: Type.String({ default: '', description: 'PEM file of the client private key (mTLS), with TEMPORAL_TLS_CERT_PATH' }),
  TEMPORAL_TLS_SERVER_NAME: Type.String({ default: '', description: "the name Temporal's certificate is checked against, when not the host of TEMPORAL_ADDRESS" }),
  TEMPORAL_API_KEY: Type.String({ default: '', description: 'API key (Temporal Cloud), sent with every call over TLS; never logged' }),
  MINIO_ENDPOINT: Type.String({ pattern: '^[^\\s:/]+:\\d+$', default: '127.0.0.1:9000' }),
  MINIO_ACCESS_KEY: Type.String({ minLength: 3, default: 'minio' }),
  MINIO_SECRET_KEY: Type.String({ minLength: 8, default: 'minio123456' }),
  MINIO_BUCKET: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', default: 'evidence' }),
  MINIO_USE_SSL: Type.Boolean({ default: false }),
  MINIO_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  WORKER_METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  WORKER_METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464, description: '0 disables' }),
  WORKER_MAX_CONCURRENT_ACTIVITIES: Type.Integer({ minimum: 1, default: 50 }),
  WORKER_MAX_CONCURRENT_PORT_SCANS: Type.Integer({ minimum: 1, default: 4 }),
  WORKER_SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 30000 }),
  READINESS_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 2000 }),
  SCHEDULE_MIN_INTERVAL_SECONDS: Type.Integer({ minimum: 1, default: 60, description: 'the shortest interval (or cron period) a schedule may fire at' }),
  JOB_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
  JOB_RETRY_INITIAL_MS: Type.Integer({ minimum: 1, default: 2000 }),
  JOB_RETRY_BACKOFF: Type.Number({ minimum: 1, maximum: 10, default: 2 }),
  JOB_RETRY_MAX_INTERVAL_MS: Type.Integer({ minimum: 1, default: 60000 }),
  JOB_ACTIVITY_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 600000, description: 'start-to-close of one technique attempt' }),
  JOB_HEARTBEAT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 20000 }),
  JOB_RETRY_OVERRIDES: Type.String({
    default: '{"port_scan":{"max_attempts":2,"activity_timeout_ms":3600000}}',
    description: 'JSON: technique code → any of max_attempts, initial_ms, backoff, max_interval_ms, activity_timeout_ms, heartbeat_timeout_ms',
  }),
  DNS_SERVERS: Type.String({
    pattern: '^[^,\\s]+(,[^,\\s]+)*$',
    default: '1.1.1.1:53,9.9.9.9:53',
    description: 'comma-separated resolvers (ip or ip:port) every technique uses; never the system resolver',
  }),
  DNS_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 3000 }),
  DNS_TRIES: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
  WHOIS_SERVER: Type.String({ minLength: 1, default: 'whois.iana.org', description: 'first WHOIS server (host or host:port)' }),
  WHOIS_SERVER_MAP: Type.String({
    default: '',
    description: 'comma-separated name=host:port overrides for WHOIS servers named in referrals (tests map them to loopback)',
  }),
  WHOIS_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 10000 }),
  RDAP_ENABLED: Type.Boolean({ default: true }),
  RDAP_BASE_URL: Type.String({
    default: '',
    pattern: '^(https?://\\S+)?$',
    description: 'replaces every RDAP server of the IANA bootstrap (tests point it at a loopback fixture); empty uses the bootstrap',
  }),
  SMTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 25 }),
  SMTP_HELO_NAME: Type.String({ minLength: 1, default: 'osint-platform.invalid' }),
  SMTP_MAIL_FROM: Type.String({ minLength: 3, default: 'probe@osint-platform.invalid' }),
  SMTP_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 10000 }),
  PORT_SCAN_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  PORT_SCAN_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 1500 }),
  SCAN_ALLOWED_CIDRS: Type.String({
    default: '',
    description: 'comma-separated CIDRs the scanning guard lets through although private or reserved (tests: 127.0.0.1/32)',
  }),
  TECHNIQUE_RATE_LIMITS: Type.String({
    default: 'dns_lookup=50/s,whois_lookup=2/s,email_verify=5/s,port_scan=2/s',
    description: 'per-technique rate shared by every worker, as code=N/s|N/m',
  }),
  WHOIS_PER_DOMAIN_RATE: Type.String({ pattern: '^\\d+/(s|m)$', default: '1/s' }),
  SMTP_PER_DOMAIN_RATE: Type.String({ pattern: '^\\d+/(s|m)$', default: '1/s' }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 8, description: 'attempts of one webhook delivery' }),
  WEBHOOK_RETRY_INITIAL_MS: Type.Integer({ minimum: 1, default: 5000 }),
  WEBHOOK_RETRY_BACKOFF: Type.Number({ minimum: 1, maximum: 10, default: 3 }),
  WEBHOOK_RETRY_MAX_INTERVAL_MS: Type.Integer({ minimum: 1, default: 3600000 }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 10000, description: 'a receiver must answer one attempt within this time' }),
});

type RawConfig = Static<typeof ConfigSchema>;

/** The validated settings, grouped for the factories that receive them. */
export interface Config {
  readonly env: RawConfig['NODE_ENV'];
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly secretKey: string;
  readonly jwtExpiresInSeconds: number;
  readonly api: {
    readonly host: string;
    readonly port: number;
    readonly shutdownGraceMs: number;
    readonly bodyLimit: string;
    readonly trustProxy: boolean;
    readonly accessCacheTtlMs: number;
    readonly statementTimeoutMs: number;
    readonly temporalTimeoutMs: number;
  };
  readonly login: {
    readonly windowSeconds: number;
    readonly slowdownAfter: number;
    readonly slowdownStepMs: number;
    readonly slowdownMaxMs: number;
    readonly maxFailuresPerAccount: number;
    readonly maxFailuresPerIp: number;
  };
  readonly database: { readonly url: string; readonly poolMax: number };
  readonly redis: { readonly url: string };
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly uiUrl: string;
    /** How the API and the worker reach Temporal beyond its address: TLS (PEM text) and an API key. */
    readonly connection: TemporalConnectionSettings;
  };
  readonly storage: {
    readonly endPoint: string;
    readonly port: number;
    readonly useSSL: boolean;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly bucket: string;
    readonly region: string;
  };
  readonly worker: {
    readonly metricsHost: string;
    readonly metricsPort: number;
    readonly shutdownGraceMs: number;
    readonly maxConcurrentActivities: number;
    readonly maxConcurrentPortScans: number;
  };
  readonly readinessTimeoutMs: number;
  /** Recurring scans (Temporal Schedules). */
  readonly schedules: { readonly minIntervalSeconds: number };
  /** Retry policy and timeouts of each technique's activity. */
  readonly jobs: Readonly<Record<TechniqueCode, JobExecutionPolicy>>;
  readonly techniques: {
    readonly dns: { readonly servers: readonly string[]; readonly timeoutMs: number; readonly tries: number };
    readonly whois: {
      readonly server: string;
      readonly serverMap: Readonly<Record<string, string>>;
      readonly timeoutMs: number;
      readonly rdapEnabled: boolean;
      readonly rdapBaseUrl: string;
    };
    readonly smtp: { readonly port: number; readonly heloName: string; readonly mailFrom: string; readonly timeoutMs: number };
    readonly portScan: { readonly concurrency: number; readonly timeoutMs: number };
    readonly scanAllowedCidrs: readonly string[];
    /** Technique code → "N/s" or "N/m". */
    readonly rateLimits: Readonly<Record<string, string>>;
    readonly whoisPerDomainRate: string;
    readonly smtpPerDomainRate: string;
  };
  /** Retries and timeout of webhook deliveries. */
  readonly webhooks: {
    readonly maxAttempts: number;
    readonly initialIntervalMs: number;
    readonly backoffCoefficient: number;
    readonly maximumIntervalMs: number;
    readonly timeoutMs: number;
  };
}

/** TLS and API key of the connections to Temporal; all absent for a plain local connection. */
export interface TemporalConnectionSettings {
  readonly tls?: {
    /** PEM of the CA to trust instead of the system's roots. */
    readonly serverRootCa?: string;
    /** PEM pair of the client certificate for mTLS. */
    readonly clientCert?: { readonly cert: string; readonly key: string };
    readonly serverName?: string;
  };
  readonly apiKey?: string;
}

/** How one technique's activity is retried and timed out. */
export interface JobExecutionPolicy {
  readonly maxAttempts: number;
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maximumIntervalMs: number;
  readonly activityTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
}

/** Thrown when the environment is invalid; lists every bad key at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and validates `env` (normally `process.env`); throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = parseEnvironment(ConfigSchema, env);
  const [storageHost, storagePort] = splitHostPort(raw.MINIO_ENDPOINT);
  return deepFreeze({
    env: raw.NODE_ENV,
    logLevel: raw.LOG_LEVEL,
    secretKey: raw.SECRET_KEY,
    jwtExpiresInSeconds: raw.JWT_EXPIRES_IN_SECONDS,
    api: { host: raw.API_HOST, port: raw.API_PORT, shutdownGraceMs: raw.API_SHUTDOWN_GRACE_MS, bodyLimit: raw.API_BODY_LIMIT, trustProxy: raw.API_TRUST_PROXY, accessCacheTtlMs: raw.API_ACCESS_CACHE_TTL_MS, statementTimeoutMs: raw.API_STATEMENT_TIMEOUT_MS, temporalTimeoutMs: raw.API_TEMPORAL_TIMEOUT_MS },
    login: {
      windowSeconds: raw.LOGIN_WINDOW_SECONDS,
      slowdownAfter: raw.LOGIN_SLOWDOWN_AFTER,
      slowdownStepMs: raw.LOGIN_SLOWDOWN_STEP_MS,
      slowdownMaxMs: raw.LOGIN_SLOWDOWN_MAX_MS,
      maxFailuresPerAccount: raw.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerIp: raw.LOGIN_MAX_FAILURES_PER_IP,
    },
    database: { url: raw.DATABASE_URL, poolMax: raw.DATABASE_POOL_MAX },
    redis: { url: raw.REDIS_URL },
    temporal: {
      address: raw.TEMPORAL_ADDRESS,
      namespace: raw.TEMPORAL_NAMESPACE,
      taskQueue: raw.TEMPORAL_TASK_QUEUE,
      uiUrl: raw.TEMPORAL_UI_URL.replace(/\/+$/, ''),
      connection: temporalConnection(raw),
    },
    storage: {
      endPoint: storageHost,
      port: storagePort,
      useSSL: raw.MINIO_USE_SSL,
      accessKey: raw.MINIO_ACCESS_KEY,
      secretKey: raw.MINIO_SECRET_KEY,
      bucket: raw.MINIO_BUCKET,
      region: raw.MINIO_REGION,
    },
    worker: {
      metricsHost: raw.WORKER_METRICS_HOST,
      metricsPort: raw.WORKER_METRICS_PORT,
      shutdownGraceMs: raw.WORKER_SHUTDOWN_GRACE_MS,
      maxConcurrentActivities: raw.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentPortScans: raw.WORKER_MAX_CONCURRENT_PORT_SCANS,
    },
    readinessTimeoutMs: raw.READINESS_TIMEOUT_MS,
    schedules: { minIntervalSeconds: raw.SCHEDULE_MIN_INTERVAL_SECONDS },
    jobs: jobPolicies(raw),
    techniques: {
      dns: { servers: dnsServers(raw.DNS_SERVERS), timeoutMs: raw.DNS_TIMEOUT_MS, tries: raw.DNS_TRIES },
      whois: {
        server: raw.WHOIS_SERVER,
        serverMap: splitPairs(raw.WHOIS_SERVER_MAP),
        timeoutMs: raw.WHOIS_TIMEOUT_MS,
        rdapEnabled: raw.RDAP_ENABLED,
        rdapBaseUrl: raw.RDAP_BASE_URL,
      },
      smtp: { port: raw.SMTP_PORT, heloName: raw.SMTP_HELO_NAME, mailFrom: raw.SMTP_MAIL_FROM, timeoutMs: raw.SMTP_TIMEOUT_MS },
      portScan: { concurrency: raw.PORT_SCAN_CONCURRENCY, timeoutMs: raw.PORT_SCAN_TIMEOUT_MS },
      scanAllowedCidrs: splitList(raw.SCAN_ALLOWED_CIDRS),
      rateLimits: splitPairs(raw.TECHNIQUE_RATE_LIMITS),
      whoisPerDomainRate: raw.WHOIS_PER_DOMAIN_RATE,
      smtpPerDomainRate: raw.SMTP_PER_DOMAIN_RATE,
    },
    webhooks: {
      maxAttempts: raw.WEBHOOK_MAX_ATTEMPTS,
      initialIntervalMs: raw.WEBHOOK_RETRY_INITIAL_MS,
      backoffCoefficient: raw.WEBHOOK_RETRY_BACKOFF,
      maximumIntervalMs: raw.WEBHOOK_RETRY_MAX_INTERVAL_MS,
      timeoutMs: raw.WEBHOOK_TIMEOUT_MS,
    },
  });
}

/**
 * Validates the keys of `schema` found in `env`: strings are converted to numbers and booleans,
 * defaults filled in, and every failure collected before throwing. The stack scripts use it
 * with a smaller schema, so they agree with the processes on names and defaults.
 */
export function parseEnvironment<S extends TSchema>(
  schema: S,
  env: NodeJS.ProcessEnv,
): Static<S> {
  const keys = Object.keys((schema as unknown as { properties: Record<string, unknown> }).properties);
  const input: Record<string, unknown> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const converted = Value.Convert(schema, Value.Default(schema, input));
  const problems = [...Value.Errors(schema, converted)].map((error) => {
    const key = error.path.replace(/^\//, '') || '(root)';
    const shown = key in input && !isSecretKey(key) ? ` (got ${JSON.stringify(withoutPassword(input[key]))})` : '';
    return `${key}: ${error.message}${shown}`;
  });
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return converted as Static<S>;
}

function isSecretKey(key: string): boolean {
  return /SECRET|PASSWORD|TOKEN|API_KEY/.test(key);
}

/** `value` with the password of any URL in it (`scheme://user:password@host`) masked. */
function withoutPassword(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/(\/\/[^/?#@\s]*?:)[^/?#\s]*@/g, '$1***@') : value;
}

/** Reads the PEM files the TLS settings name; every unreadable or non-PEM file is reported at once. */
function temporalConnection(raw: RawConfig): TemporalConnectionSettings {
  const problems: string[] = [];
  const pem = (name: string, file: string): string | undefined => {
    if (file === '') return undefined;
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (text.includes('-----BEGIN ')) return text;
      problems.push(`${name}: ${file} is not a PEM file`);
    } catch (error) {
      problems.push(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return undefined;
  };
  const serverRootCa = pem('TEMPORAL_TLS_CA_PATH', raw.TEMPORAL_TLS_CA_PATH);
  const cert = pem('TEMPORAL_TLS_CERT_PATH', raw.TEMPORAL_TLS_CERT_PATH);
  const key = pem('TEMPORAL_TLS_KEY_PATH', raw.TEMPORAL_TLS_KEY_PATH);
  if ((raw.TEMPORAL_TLS_CERT_PATH === '') !== (raw.TEMPORAL_TLS_KEY_PATH === '')) {
    problems.push('TEMPORAL_TLS_CERT_PATH, TEMPORAL_TLS_KEY_PATH: a client certificate needs both');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const apiKey = raw.TEMPORAL_API_KEY || undefined;
  const serverName = raw.TEMPORAL_TLS_SERVER_NAME || undefined;
  const tls = raw.TEMPORAL_TLS || serverRootCa !== undefined || cert !== undefined || serverName !== undefined || apiKey !== undefined;
  if (!tls) return {};
  return {
    tls: {
      ...(serverRootCa && { serverRootCa }),
      ...(cert && key && { clientCert: { cert, key } }),
      ...(serverName && { serverName }),
    },
    ...(apiKey && { apiKey }),
  };
}

const PolicyOverride = Type.Object(
  {
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    initial_ms: Type.Optional(Type.Integer({ minimum: 1 })),
    backoff: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
    max_interval_ms: Type.Optional(Type.Integer({ minimum: 1 })),
    activity_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
    heartbeat_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
  },
  { additionalProperties: false },
);

function jobPolicies(raw: RawConfig): Record<TechniqueCode, JobExecutionPolicy> {
  let overrides: Record<string, unknown>;
  try {
    overrides = JSON.parse(raw.JOB_RETRY_OVERRIDES) as Record<string, unknown>;
  } catch {
    throw new ConfigError(['JOB_RETRY_OVERRIDES: is not valid JSON']);
  }
  if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new ConfigError(['JOB_RETRY_OVERRIDES: must be a JSON object of technique code → policy']);
  }
  const problems: string[] = [];
  const policies = {} as Record<TechniqueCode, JobExecutionPolicy>;
  for (const key of Object.keys(overrides)) {
    if (!(TECHNIQUE_CODES as readonly string[]).includes(key)) problems.push(`JOB_RETRY_OVERRIDES: unknown technique "${key}"`);
  }
  for (const code of TECHNIQUE_CODES) {
    const override = overrides[code] ?? {};
    if (!Value.Check(PolicyOverride, override)) {
      problems.push(`JOB_RETRY_OVERRIDES.${code}: ${[...Value.Errors(PolicyOverride, override)].map((error) => `${error.path} ${error.message}`).join(', ')}`);
      continue;
    }
    const o = override as Static<typeof PolicyOverride>;
    policies[code] = {
      maxAttempts: o.max_attempts ?? raw.JOB_MAX_ATTEMPTS,
      initialIntervalMs: o.initial_ms ?? raw.JOB_RETRY_INITIAL_MS,
      backoffCoefficient: o.backoff ?? raw.JOB_RETRY_BACKOFF,
      maximumIntervalMs: o.max_interval_ms ?? raw.JOB_RETRY_MAX_INTERVAL_MS,
      activityTimeoutMs: o.activity_timeout_ms ?? raw.JOB_ACTIVITY_TIMEOUT_MS,
      heartbeatTimeoutMs: o.heartbeat_timeout_ms ?? raw.JOB_HEARTBEAT_TIMEOUT_MS,
    };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return policies;
}

/**
 * The resolvers, each an IP address with an optional port (`1.1.1.1`, `1.1.1.1:53`, `::1`,
 * `[::1]:53`): a name would need a resolver to find the resolver, and Node's Resolver refuses one.
 */
function dnsServers(value: string): string[] {
  const servers = splitList(value);
  const bad = servers.filter((server) => {
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(server) ?? /^([^:]+):(\d+)$/.exec(server) ?? [server, server, undefined];
    const port = match[2] === undefined ? 53 : Number(match[2]);
    return isIP(match[1]!) === 0 || !Number.isInteger(port) || port < 1 || port > 65535;
  });
  if (bad.length > 0) throw new ConfigError(bad.map((server) => `DNS_SERVERS: "${server}" is not an IP address with an optional port (e.g. 1.1.1.1:53 or [2606:4700:4700::1111]:53)`));
  return servers;
}

function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

function splitPairs(value: string): Record<string, string> {
  return Object.fromEntries(
    splitList(value).map((pair) => {
      const index = pair.indexOf('=');
      return [pair.slice(0, index).trim(), pair.slice(index + 1).trim()];
    }),
  );
}

function splitHostPort(value: string): [string, number] {
  const index = value.lastIndexOf(':');
  return [value.slice(0, index), Number(value.slice(index + 1))];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Settings of the local stack (ports, folders, credentials), derived from the same environment
 * variables and defaults the processes use, so a service started here is one they can reach.
 */
import os from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { ConfigSchema, parseEnvironment } from '../../core/config';

const StackSchema = Type.Object({
  DATABASE_URL: ConfigSchema.properties.DATABASE_URL,
  REDIS_URL: ConfigSchema.properties.REDIS_URL,
  TEMPORAL_ADDRESS: ConfigSchema.properties.TEMPORAL_ADDRESS,
  TEMPORAL_NAMESPACE: ConfigSchema.properties.TEMPORAL_NAMESPACE,
  TEMPORAL_UI_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8233 }),
  // The dev server's /metrics; `npm start` defaults it to the gRPC port + 2 (7235), tests leave
  // it to the server (a free port) unless it is set.
  TEMPORAL_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  API_HOST: ConfigSchema.properties.API_HOST,
  API_PORT: ConfigSchema.properties.API_PORT,
  WORKER_METRICS_PORT: ConfigSchema.properties.WORKER_METRICS_PORT,
  MINIO_ENDPOINT: ConfigSchema.properties.MINIO_ENDPOINT,
  MINIO_ACCESS_KEY: ConfigSchema.properties.MINIO_ACCESS_KEY,
  MINIO_SECRET_KEY: ConfigSchema.properties.MINIO_SECRET_KEY,
  MINIO_BUCKET: ConfigSchema.properties.MINIO_BUCKET,
  PROMETHEUS_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 9090 }),
  OSINT_DATA_DIR: Type.String({ default: path.resolve(__dirname, '../../.data') }),
  OSINT_TOOLS_DIR: Type.String({ default: path.join(os.homedir(), '.cache/osint-platform') }),
});

/** Where each part of the stack listens and keeps its files. */
export interface StackSettings {
  readonly dataDir: string;
  readonly toolsBin: string;
  readonly postgres: { readonly url: URL; readonly host: string; readonly port: number };
  readonly redis: { readonly host: string; readonly port: number };
  readonly temporal: {
    readonly host: string;
    readonly port: number;
    readonly uiPort: number;
    readonly namespace: string;
    /** Where the dev server serves /metrics, when fixed (see temporalMetricsPort). */
    readonly metricsPort?: number;
  };
  /** Where the API and the worker serve /metrics, for Prometheus (0: not served). */
  readonly api: { readonly host: string; readonly port: number };
  readonly workerMetricsPort: number;
  readonly s3: {
    readonly host: string;
    readonly port: number;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly bucket: string;
  };
  readonly prometheus: { readonly port: number };
}

/** Reads the stack's settings from `env`. */
export function loadStackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const raw = parseEnvironment(StackSchema, env);
  const database = new URL(raw.DATABASE_URL);
  const redis = new URL(raw.REDIS_URL);
  const [temporalHost, temporalPort] = splitHostPort(raw.TEMPORAL_ADDRESS);
  const [s3Host, s3Port] = splitHostPort(raw.MINIO_ENDPOINT);
  return {
    dataDir: path.resolve(raw.OSINT_DATA_DIR),
    toolsBin: path.join(raw.OSINT_TOOLS_DIR, 'bin'),
    postgres: { url: database, host: database.hostname, port: Number(database.port || 5432) },
    redis: { host: redis.hostname, port: Number(redis.port || 6379) },
    temporal: {
      host: temporalHost,
      port: temporalPort,
      uiPort: raw.TEMPORAL_UI_PORT,
      namespace: raw.TEMPORAL_NAMESPACE,
      metricsPort: raw.TEMPORAL_METRICS_PORT,
    },
    api: { host: raw.API_HOST, port: raw.API_PORT },
    workerMetricsPort: raw.WORKER_METRICS_PORT,
    s3: {
      host: s3Host,
      port: s3Port,
      accessKey: raw.MINIO_ACCESS_KEY,
      secretKey: raw.MINIO_SECRET_KEY,
      bucket: raw.MINIO_BUCKET,
    },
    prometheus: { port: raw.PROMETHEUS_PORT },
  };
}

/** The port of the Temporal dev server's /metrics under `npm start`: the setting, or gRPC + 2. */
export function temporalMetricsPort(settings: StackSettings): number {
  return settings.temporal.metricsPort ?? settings.temporal.port + 2;
}

/** True when `host` is this machine, where the stack may start a server itself. */
export function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function splitHostPort(value: string): [string, number] {
  const index = value.lastIndexOf(':');
  return [value.slice(0, index), Number(value.slice(index + 1))];
}

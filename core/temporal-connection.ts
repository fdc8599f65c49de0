/**
 * The options of every connection the API and the worker open to Temporal: its address, and
 * TLS (server CA, mTLS client certificate, server name) and API key when configured.
 */
import type { TLSConfig } from '@temporalio/client';
import type { Config } from './config';

export interface TemporalConnectionOptions {
  readonly address: string;
  readonly tls?: TLSConfig;
  readonly apiKey?: string;
}

export function temporalConnectionOptions(temporal: Config['temporal']): TemporalConnectionOptions {
  const { tls, apiKey } = temporal.connection;
  return {
    address: temporal.address,
    ...(tls && {
      tls: {
        ...(tls.serverRootCa && { serverRootCACertificate: Buffer.from(tls.serverRootCa) }),
        ...(tls.clientCert && { clientCertPair: { crt: Buffer.from(tls.clientCert.cert), key: Buffer.from(tls.clientCert.key) } }),
        ...(tls.serverName && { serverNameOverride: tls.serverName }),
      },
    }),
    ...(apiKey && { apiKey }),
  };
}

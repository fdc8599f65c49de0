/** S3 object storage: the versitygw gateway (Apache-2.0) over a POSIX folder under the data folder. */
import fs from 'node:fs';
import path from 'node:path';
import { createS3Client, S3EvidenceStore } from '../../../core/storage/s3-evidence-store';
import { isPortOpen, startProcess, waitUntil } from '../process';
import type { StackSettings } from '../settings';
import type { ServiceDefinition, StartContext } from './service';

export const s3: ServiceDefinition = {
  name: 's3',
  address: (settings) => `${settings.s3.host}:${settings.s3.port}`,
  isUp: (settings) => isPortOpen(settings.s3.host, settings.s3.port),

  async start({ settings, dir, sink, detached }: StartContext) {
    const root = path.join(dir, 'objects');
    fs.mkdirSync(root, { recursive: true });
    // Credentials go through the environment, not argv, so they never show in `ps`.
    const env = {
      ...process.env,
      ROOT_ACCESS_KEY_ID: settings.s3.accessKey,
      ROOT_SECRET_ACCESS_KEY: settings.s3.secretKey,
    };
    const binary = path.join(settings.toolsBin, 'versitygw');
    const args = ['--port', `${settings.s3.host}:${settings.s3.port}`, '--quiet', 'posix', root];
    const proc = startProcess('s3', binary, args, { env, sink, detached });
    await waitUntil('s3', () => isPortOpen(settings.s3.host, settings.s3.port), { timeoutMs: 15000, process: proc });
    return proc;
  },

  async prepare(settings: StackSettings) {
    await storeFor(settings, settings.s3.bucket).ensureBucket();
  },
};

/** An evidence store on the stack's S3 server, for the given bucket. */
export function storeFor(settings: StackSettings, bucket: string): S3EvidenceStore {
  const client = createS3Client({
    endPoint: settings.s3.host,
    port: settings.s3.port,
    useSSL: false,
    accessKey: settings.s3.accessKey,
    secretKey: settings.s3.secretKey,
    bucket,
    region: 'us-east-1',
  });
  return new S3EvidenceStore(client, bucket, 'us-east-1');
}
